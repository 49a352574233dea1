// Limits every instance shares: widget-session creations per API key, and revoked keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { API_KEY_CACHE_MS, revokeApiKey } from '../api-keys.js';
import { widgetSessionLimitStore } from './index.js';
import { redisUnavailable } from './test-support/redis.js';
import { testCluster, type ClusterNode } from './test-support/cluster-app.js';

const skip = (await redisUnavailable()) ?? undefined;

test('widget-session creations count against one budget per API key across instances', { skip }, async () => {
  // A store per instance, as separate processes would have: only Redis is shared.
  const cluster = await testCluster({ limits: (_id, t) => ({ widgetSessions: { perMinute: 3, store: widgetSessionLimitStore(t.redis, t.keys) } }) });
  try {
    const key = await cluster.key();
    const create = (node: ClusterNode) => request(node.app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({});
    const [a, b] = cluster.nodes;
    const statuses = [];
    for (const node of [a, b, a, b]) statuses.push((await create(node)).status);
    assert.deepEqual(statuses, [201, 201, 201, 429]);
    const refused = await create(a);
    assert.deepEqual([refused.status, refused.body.code], [429, 'RATE_LIMITED']);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    // Another key has its own budget.
    const other = await request(b.app).post('/api/widget/sessions').set('Authorization', `Bearer ${await cluster.key()}`).send({});
    assert.equal(other.status, 201);
  } finally {
    await cluster.close();
  }
});

test(`a key revoked on one instance stops working on every instance within ${API_KEY_CACHE_MS / 1000} s`, { skip }, async () => {
  const cluster = await testCluster();
  try {
    const [a, b] = cluster.nodes;
    const key = await cluster.key();
    const list = () => request(b.app).get('/api/sessions').set('Authorization', `Bearer ${key}`);
    assert.equal((await list()).status, 200, 'b has read (and cached) the key');
    // Revoked through a's own store connection, like the CLI in another process: no message reaches b.
    await revokeApiKey(a.store, /^titan_sk_([A-Za-z0-9]+)_/.exec(key)![1]!, cluster.clock.now());
    cluster.clock.advance(API_KEY_CACHE_MS);
    const after = await list();
    assert.deepEqual([after.status, after.body.code], [401, 'INVALID_API_KEY']);
  } finally {
    await cluster.close();
  }
});
