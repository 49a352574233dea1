import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { ApiScope } from '@titan-connect/protocol';
import { Webhook } from 'standardwebhooks';
import { webhookSecretBox } from '../services/webhooks.js';
import { makeTestServer, type TestServer } from '../test-support/server.js';

// Public addresses as IP literals: the SSRF check resolves host names, and tests have no DNS.
const URL_OK = 'https://93.184.215.14/titan';

async function withServer(run: (server: TestServer, auth: (scopes?: ApiScope[], tenant?: string) => Promise<string>) => Promise<void>, allowPrivate = false): Promise<void> {
  const server = makeTestServer({ config: { webhooks: { allowPrivate, retrySchedule: [1] } } });
  try {
    await run(server, async (scopes = ['webhooks:manage'], tenant = 'acme') => `Bearer ${await server.key(tenant, scopes)}`);
  } finally {
    await server.close();
  }
}

test('create shows the whsec_ secret once, stores it sealed; list, get and patch never show it', () =>
  withServer(async (server, auth) => {
    const key = await auth();
    const created = await request(server.app).post('/api/webhooks').set('Authorization', key).send({ url: URL_OK, events: ['session.connected', 'session.connected'], description: 'CRM' }).expect(201);
    const data = created.body.data;
    assert.match(data.id, /^wh_[A-Za-z0-9]{22}$/);
    assert.match(data.secret, /^whsec_[A-Za-z0-9+/]{32}$/, '24 random bytes, base64');
    assert.deepEqual([data.url, data.events, data.description, data.enabled, data.disabledReason], [URL_OK, ['session.connected'], 'CRM', true, null]);
    // The secret signs: standardwebhooks itself verifies what it signs with it.
    const hook = new Webhook(data.secret);
    // One timestamp for both: read twice, a second boundary in between made the signature differ.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const signed = hook.sign('msg_1', at, '{}');
    hook.verify('{}', { 'webhook-id': 'msg_1', 'webhook-timestamp': String(at.getTime() / 1000), 'webhook-signature': signed });
    const stored = (await server.store.getWebhookEndpoint('acme', data.id))!;
    assert.ok(!stored.secretEnc.includes(data.secret.slice(6)), 'not stored in plain');
    assert.equal(webhookSecretBox(server.config.secret).open(stored.secretEnc), data.secret);

    const list = await request(server.app).get('/api/webhooks').set('Authorization', key).expect(200);
    assert.deepEqual(list.body.data.map((e: { id: string }) => e.id), [data.id]);
    const got = await request(server.app).get(`/api/webhooks/${data.id}`).set('Authorization', key).expect(200);
    assert.equal(got.body.data.secret, undefined);
    assert.ok(!JSON.stringify(list.body).includes(data.secret));

    await server.store.updateWebhookEndpoint('acme', data.id, { enabled: false, disabledReason: 'The receiver answered 410 Gone.' });
    const patched = await request(server.app).patch(`/api/webhooks/${data.id}`).set('Authorization', key).send({ enabled: true, events: null, url: 'https://93.184.215.15/' }).expect(200);
    assert.deepEqual([patched.body.data.enabled, patched.body.data.disabledReason, patched.body.data.events, patched.body.data.url], [true, null, null, 'https://93.184.215.15/']);
    assert.equal(patched.body.data.secret, undefined);
    await request(server.app).get(`/api/webhooks/${data.id}`).set('Authorization', await auth(['*'], 'beta')).expect(404);
    await request(server.app).delete(`/api/webhooks/${data.id}`).set('Authorization', key).expect(200);
    await request(server.app).delete(`/api/webhooks/${data.id}`).set('Authorization', key).expect(404);
  }));

type Case = [name: string, method: 'get' | 'post' | 'patch' | 'delete', path: string, scopes: ApiScope[], body: object | null, status: number, code?: string];
const CASES: Case[] = [
  ['create needs webhooks:manage', 'post', '/api/webhooks', ['sessions:manage'], { url: URL_OK }, 403, 'INSUFFICIENT_SCOPE'],
  ['list needs webhooks:manage', 'get', '/api/webhooks', ['sessions:read'], null, 403, 'INSUFFICIENT_SCOPE'],
  ['* includes webhooks:manage', 'get', '/api/webhooks', ['*'], null, 200],
  ['create without url', 'post', '/api/webhooks', ['webhooks:manage'], {}, 400, 'VALIDATION_FAILED'],
  ['create with a relative url', 'post', '/api/webhooks', ['webhooks:manage'], { url: '/hook' }, 400, 'VALIDATION_FAILED'],
  ['create with plain http (SSRF guard)', 'post', '/api/webhooks', ['webhooks:manage'], { url: 'http://hooks.example.com/' }, 400, 'VALIDATION_FAILED'],
  ['create with an unknown event type', 'post', '/api/webhooks', ['webhooks:manage'], { url: URL_OK, events: ['session.exploded'] }, 400, 'VALIDATION_FAILED'],
  ['create with no event type', 'post', '/api/webhooks', ['webhooks:manage'], { url: URL_OK, events: [] }, 400, 'VALIDATION_FAILED'],
  ['create with an unknown field', 'post', '/api/webhooks', ['webhooks:manage'], { url: URL_OK, secret: 'mine' }, 400, 'VALIDATION_FAILED'],
  ['get unknown', 'get', '/api/webhooks/wh_nope', ['webhooks:manage'], null, 404, 'NOT_FOUND'],
  ['get an impossible id', 'get', '/api/webhooks/..%2Fx', ['webhooks:manage'], null, 404, 'NOT_FOUND'],
  ['patch unknown', 'patch', '/api/webhooks/wh_nope', ['webhooks:manage'], { enabled: false }, 404, 'NOT_FOUND'],
  ['test unknown', 'post', '/api/webhooks/wh_nope/test', ['webhooks:manage'], null, 404, 'NOT_FOUND'],
  ['deliveries of unknown', 'get', '/api/webhooks/wh_nope/deliveries', ['webhooks:manage'], null, 404, 'NOT_FOUND'],
  ['retry of unknown', 'post', '/api/webhooks/wh_nope/deliveries/msg_x/retry', ['webhooks:manage'], null, 404, 'NOT_FOUND'],
];

test('scopes and bad input answer with the error shape of DESIGN.md', () =>
  withServer(async (server) => {
    for (const [name, method, path, scopes, body, status, code] of CASES) {
      const req = request(server.app)[method](path).set('Authorization', `Bearer ${await server.key('acme', scopes)}`);
      const res = await (body ? req.send(body) : req);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      if (code) {
        assert.equal(res.body.code, code, name);
        assert.equal(typeof res.body.error, 'string', name);
      }
    }
  }));

test('the SSRF refusal is a 400 naming url; allowed with TITAN_WEBHOOK_ALLOW_PRIVATE', async () => {
  await withServer(async (server, auth) => {
    const res = await request(server.app).post('/api/webhooks').set('Authorization', await auth()).send({ url: 'http://127.0.0.1:9/hook' }).expect(400);
    assert.match(res.body.error, /^url: /);
  });
  await withServer(async (server, auth) => {
    await request(server.app).post('/api/webhooks').set('Authorization', await auth()).send({ url: 'http://127.0.0.1:9/hook' }).expect(201);
  }, true);
});

test('test queues webhook.test for that endpoint only; deliveries are listed newest first; retry makes one due again', () =>
  withServer(async (server, auth) => {
    const key = await auth();
    const a = (await request(server.app).post('/api/webhooks').set('Authorization', key).send({ url: URL_OK }).expect(201)).body.data;
    const b = (await request(server.app).post('/api/webhooks').set('Authorization', key).send({ url: URL_OK }).expect(201)).body.data;
    const first = (await request(server.app).post(`/api/webhooks/${a.id}/test`).set('Authorization', key).expect(202)).body.data.eventId;
    server.clock.advance(1000);
    const second = (await request(server.app).post(`/api/webhooks/${a.id}/test`).set('Authorization', key).expect(202)).body.data.eventId;
    const log = (await request(server.app).get(`/api/webhooks/${a.id}/deliveries`).set('Authorization', key).expect(200)).body.data;
    assert.deepEqual(log.map((d: { eventId: string }) => d.eventId), [second, first]);
    assert.deepEqual(log[1], {
      eventId: first, type: 'webhook.test', session: null, attempts: 0, lastStatusCode: null, lastError: null,
      nextAttemptAt: new Date(server.clock.now() - 1000).toISOString(), deliveredAt: null, failedAt: null, createdAt: new Date(server.clock.now() - 1000).toISOString(),
    });
    assert.deepEqual((await request(server.app).get(`/api/webhooks/${b.id}/deliveries`).set('Authorization', key).expect(200)).body.data, [], 'only the tested endpoint');
    assert.equal((await request(server.app).get(`/api/webhooks/${a.id}/deliveries?limit=1`).set('Authorization', key).expect(200)).body.data.length, 1);
    await request(server.app).get(`/api/webhooks/${a.id}/deliveries?limit=0`).set('Authorization', key).expect(400);

    const [job] = await server.store.claimWebhookDeliveries(server.clock.now(), 1, 60_000);
    await server.store.recordWebhookAttempts([{ endpointId: a.id, eventId: job!.eventId, at: server.clock.now(), statusCode: 500, error: 'HTTP 500', latencyMs: 9, outcome: 'failed' }]);
    server.clock.advance(5000);
    await request(server.app).post(`/api/webhooks/${a.id}/deliveries/${job!.eventId}/retry`).set('Authorization', key).expect(202);
    const retried = (await request(server.app).get(`/api/webhooks/${a.id}/deliveries`).set('Authorization', key).expect(200)).body.data.find((d: { eventId: string }) => d.eventId === job!.eventId);
    assert.deepEqual([retried.failedAt, retried.nextAttemptAt, retried.attempts, retried.lastStatusCode], [null, new Date(server.clock.now()).toISOString(), 1, 500]);
    await request(server.app).post(`/api/webhooks/${b.id}/deliveries/${job!.eventId}/retry`).set('Authorization', key).expect(404);

    await request(server.app).patch(`/api/webhooks/${a.id}`).set('Authorization', key).send({ enabled: false }).expect(200);
    const refused = await request(server.app).post(`/api/webhooks/${a.id}/test`).set('Authorization', key).expect(409);
    assert.equal(refused.body.code, 'CONFLICT');
  }));
