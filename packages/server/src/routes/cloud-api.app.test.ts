// Cloud API through the real app: API key → widget session → widget token → Embedded Signup
// finish against the fake Graph API → `GET /api/sessions/:name` CONNECTED → a text sent through it.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { Linking } from '../linking/index.js';
import { CLOUD_API_FINISHES } from '../services/abuse-limits.js';
import { startFakeGraph, type FakeGraph } from '../test-support/fake-graph.js';
import { makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { verifyWidgetToken } from '../tokens.js';

let graph: FakeGraph;
let server: TestServer;
before(async () => {
  graph = await startFakeGraph();
});
after(async () => graph.close());
beforeEach(async () => {
  graph.reset();
  const { appId, appSecret, version } = graph.options;
  server = makeTestServer({ config: { meta: { appId, configId: '987654321', appSecret, graphUrl: graph.url, graphVersion: version } as never } });
});
afterEach(async () => await server.close());

async function widgetSession(body: object) {
  const res = await request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${await server.key('acme', ['*'])}`).send(body).expect(201);
  const token: string = res.body.data.widgetToken;
  return { token, id: verifyWidgetToken(TEST_SECRET, token, T0).sub, name: res.body.data.session as string };
}

const finish = () => ({ code: graph.options.code, wabaId: graph.options.wabaId, phoneNumberId: graph.options.phoneNumberId, event: 'FINISH' });
const linking = () => server.app.locals.linking as Linking;

test('a cloud-api widget session finishes signup, connects, and sends through the stored token', async () => {
  const ws = await widgetSession({ mode: 'cloud-api', sessionName: 'shop' });
  const res = await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(200);
  assert.equal(res.body.data.method, 'cloud-api');
  assert.equal(res.body.data.session, 'shop');
  assert.equal(res.body.data.phone, '15550104477');
  assert.deepEqual(graph.requests.map((r) => r.step), ['exchange', 'subscribe', 'register', 'phone']);

  const wa = (await server.store.getWaSession('acme', 'shop'))!;
  assert.equal(wa.status, 'CONNECTED');
  assert.equal(wa.method, 'cloud-api');
  assert.ok(!wa.cloudApi!.includes(graph.options.businessToken), 'the business token is stored sealed');
  assert.equal((await linking().state(ws.id)).connected?.method, 'cloud-api');

  const pin = (graph.requests.find((r) => r.step === 'register')!.body as { pin: string }).pin;
  // The backend sees it like any session, and sends through the Graph messages endpoint.
  const apiKey = await server.key('acme', ['*']);
  const info = await request(server.app).get('/api/sessions/shop').set('Authorization', `Bearer ${apiKey}`).expect(200);
  assert.equal(info.body.data.status, 'CONNECTED');
  assert.equal(info.body.data.method, 'cloud-api');
  const sent = await request(server.app).post('/api/sessions/shop/messages').set('Authorization', `Bearer ${apiKey}`).send({ to: '5511912345678', text: 'hello' }).expect(201);
  assert.match(sent.body.data.id, /^wamid\./);
  const send = graph.requests.find((r) => r.step === 'send')!;
  assert.equal(send.authorization, `Bearer ${graph.options.businessToken}`);
  assert.deepEqual(send.body, { messaging_product: 'whatsapp', to: '5511912345678', type: 'text', text: { body: 'hello' } });
  for (const body of [info.body, sent.body]) assert.ok(!JSON.stringify(body).includes(graph.options.businessToken));

  // A finished session cannot be finished again (the code is spent, the number is linked).
  await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(409);

  const state = JSON.stringify(await linking().state(ws.id));
  const logs = server.logs();
  for (const secret of [graph.options.appSecret, graph.options.businessToken, graph.options.code]) {
    assert.ok(!logs.includes(secret), `secret in logs: ${secret.slice(0, 4)}…`);
    assert.ok(!state.includes(secret), `secret in /widget/api/state: ${secret.slice(0, 4)}…`);
  }
  assert.doesNotMatch(logs, new RegExp(`(?<!\\d)${pin}(?!\\d)`));
});

test("a failing Graph step fails the widget session with Meta's message; a fresh code can finish it", async () => {
  const ws = await widgetSession({ mode: 'all' });
  graph.fail('register');
  const res = await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(502);
  assert.deepEqual(res.body, { error: 'Phone number is not verified', code: 'META_EXCHANGE_FAILED' });
  assert.deepEqual((await linking().state(ws.id)).failure, { code: 'META_EXCHANGE_FAILED', message: 'Phone number is not verified', retryable: true });
  assert.notEqual((await server.store.getWaSession('acme', ws.name))?.status, 'CONNECTED');

  // The user runs the popup again: a new code, and this time Meta accepts every step.
  graph.reset({ code: 'AQD-second-code-11' });
  const retry = await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send({ ...finish(), code: 'AQD-second-code-11' }).expect(200);
  assert.equal(retry.body.data.method, 'cloud-api');
  assert.equal((await server.store.getWaSession('acme', ws.name))?.status, 'CONNECTED');
});

test(`Cloud API finishes: ${CLOUD_API_FINISHES.limit} attempts per widget session, then 429 with Retry-After and no Graph call`, async () => {
  const ws = await widgetSession({ mode: 'cloud-api' });
  const other = await widgetSession({ mode: 'cloud-api' });
  graph.fail('exchange');
  for (let i = 0; i < CLOUD_API_FINISHES.limit; i++) {
    await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(502);
  }
  const calls = graph.requests.length;
  const limited = await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(429);
  assert.equal(limited.body.code, 'RATE_LIMITED');
  assert.equal(limited.headers['retry-after'], String(CLOUD_API_FINISHES.windowMs / 1000), 'the clock stood still: the whole window');
  assert.equal(graph.requests.length, calls, 'the refused attempt spent nothing at Meta');
  await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${other.token}`).send(finish()).expect(502);
});

test('a BYOA widget session exchanges with its own app and secret', async () => {
  const ws = await widgetSession({ mode: 'cloud-api', metaApp: { appId: '2222222222', configId: 'cfg-byoa', appSecret: 'byoa-secret-77aa' } });
  graph.reset({ appId: '2222222222', appSecret: 'byoa-secret-77aa' });
  await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(200);
  assert.deepEqual(graph.requests[0]!.query, { client_id: '2222222222', client_secret: 'byoa-secret-77aa', code: graph.options.code });
  assert.ok(!server.logs().includes('byoa-secret-77aa'));
  assert.ok(!JSON.stringify(await linking().state(ws.id)).includes('byoa-secret-77aa'));
});

test('a qr-only widget session cannot finish Cloud API signup', async () => {
  const ws = await widgetSession({ mode: 'qr' });
  const res = await request(server.app).post('/widget/api/cloud-api').set('Authorization', `Bearer ${ws.token}`).send(finish()).expect(400);
  assert.equal(res.body.code, 'META_NOT_CONFIGURED');
  assert.deepEqual(graph.requests, []);
});
