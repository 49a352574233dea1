// The session API through an instance that does not run the session: sends and deletes reach the owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { SseClient } from '../routes/test-support/sse-client.js';
import { redisUnavailable } from './test-support/redis.js';
import { testCluster } from './test-support/cluster-app.js';

const skip = (await redisUnavailable()) ?? undefined;

test('send a text and delete the session through b; a runs it', { skip }, async () => {
  const cluster = await testCluster({ rpcTimeoutMs: 300 });
  const [a, b] = cluster.nodes;
  try {
    const ws = await cluster.widgetSession(b, { sessionName: 'shop' });
    const tab = new SseClient(b.port, `/widget/api/events?token=${ws.token}`);
    const shown = await tab.waitFor((f) => f.event === 'qr' || (f.event === 'state' && f.json.phase === 'qr'));
    await b.linking.engine.virtualPhone!.scan(shown.event === 'qr' ? shown.json.qr : shown.json.qr.qr);
    await tab.waitForEvent('connected');
    const key = await cluster.key();
    const sent = await request(b.app).post('/api/sessions/shop/messages').set('Authorization', `Bearer ${key}`).send({ to: '5511912345678', text: 'from b' });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.match(sent.body.data.id, /^3EB0[0-9A-F]{20}$/, 'the id a\'s engine gave it');
    assert.equal(b.engine.isRunning({ tenantId: 'acme', name: 'shop' }), false);

    // The owner away: the send answers 503, retryable, rather than "not connected".
    cluster.view.owner = 'gone';
    const away = await request(b.app).post('/api/sessions/shop/messages').set('Authorization', `Bearer ${key}`).send({ to: '5511912345678', text: 'x' });
    assert.deepEqual([away.status, away.body.code], [503, 'SERVICE_UNAVAILABLE']);
    cluster.view.owner = 'a';

    await request(b.app).delete('/api/sessions/shop').set('Authorization', `Bearer ${key}`).expect(200);
    assert.equal(a.engine.isRunning({ tenantId: 'acme', name: 'shop' }), false, 'logged out on the owner');
    const failed = await tab.waitForEvent('failed');
    assert.equal(failed.json.code, 'SESSION_DELETED');
    tab.destroy();
  } finally {
    await cluster.close();
  }
});
