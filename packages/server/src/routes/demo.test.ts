import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startServer } from '../main.js';
import { DEMO_ENDPOINT_DESCRIPTION, registerDemoWebhook, type DemoDeliveries, type DemoWebhookInbox } from '../services/demo-webhooks.js';
import type { Webhooks } from '../services/webhooks.js';
import { captureLogger, idleEngine, makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { verifyWidgetToken } from '../tokens.js';
import { generateWebhookSecret, signWebhook } from '../webhooks/sign.js';
import { freePort } from '../webhooks/test-support/receiver.js';

const phone = {
  scan: async () => ({ tenantId: 'default', name: 'x' }),
  enterCode: async () => ({ tenantId: 'default', name: 'x' }),
  sendMessage: async () => '3A0001',
};

test('demo off: / and /demo/session do not exist', async () => {
  const server = makeTestServer({ config: { demo: false } });
  try {
    await request(server.app).get('/').expect(404);
    await request(server.app).post('/demo/session').send({}).expect(404);
  } finally {
    await server.close();
  }
});

test('demo on: the page embeds the loader and never contains an API key', async () => {
  const server = makeTestServer({ config: { demo: true } });
  try {
    await server.key('default', ['*']);
    const res = await request(server.app).get('/').expect(200);
    assert.match(res.headers['content-type']!, /^text\/html/);
    assert.match(res.text, /<script src="\/widget\/loader\.js"><\/script>/);
    assert.match(res.text, /<script type="module" src="\/demo\/demo\.js"><\/script>/);
    assert.ok(!res.text.includes('titan_sk_'));
    const config = await request(server.app).get('/demo/config').expect(200);
    assert.deepEqual(config.body, { engine: 'simulator', virtualPhone: null }, 'no virtual phone for an engine without one');
    assert.match(res.headers['content-security-policy']!, /script-src 'self'/);
    const js = await request(server.app).get('/demo/demo.js').expect(200);
    assert.match(js.headers['content-type']!, /javascript/);
    assert.ok(!js.text.includes('titan_sk_'));
  } finally {
    await server.close();
  }
});

test('demo on with a virtual phone: the page shows it', async () => {
  const server = makeTestServer({ config: { demo: true, engine: 'simulator' }, engine: idleEngine(phone) });
  try {
    const res = await request(server.app).get('/').expect(200);
    // The page shows its phone section when /demo/config names a virtual phone, with its number.
    assert.match(res.text, /<section class="phone"[^>]* hidden>/);
    assert.match(res.text, /id="scan"/);
    assert.match(res.text, /id="enter-code"/);
    assert.match(res.text, /<form id="send-message">/, 'a contact can write to the linked number');
    const config = await request(server.app).get('/demo/config').expect(200);
    assert.deepEqual(config.body, { engine: 'simulator', virtualPhone: { displayNumber: '+1 555 010 0001' } });
    const js = await request(server.app).get('/demo/demo.js').expect(200);
    assert.match(js.text, /\/demo\/config/);
    assert.match(js.text, /\/dev\/simulator\/message/);
  } finally {
    await server.close();
  }
});

test('POST /demo/session creates a widget session for tenant default', async () => {
  const server = makeTestServer({ config: { demo: true } });
  try {
    const CASES: [object, number, string | null][] = [
      [{}, 201, 'all'],
      [{ mode: 'qr' }, 201, 'qr'],
      [{ mode: 'cloud-api' }, 201, 'all'],
      [{ mode: 'fax' }, 400, null],
    ];
    for (const [body, status, mode] of CASES) {
      const res = await request(server.app).post('/demo/session').send(body);
      assert.equal(res.status, status, JSON.stringify(body));
      if (!mode) continue;
      assert.equal(res.body.mode, mode);
      assert.match(res.body.widgetUrl, /^http:\/\/localhost:3000\/widget\/connect\?token=/);
      assert.equal(verifyWidgetToken(TEST_SECRET, res.body.widgetToken, T0).tid, 'default');
    }
    await request(server.app).post('/demo/session').set('Content-Type', 'text/plain').send('mode=qr').expect(415);
  } finally {
    await server.close();
  }
});

const WEBHOOKS_ON = { demo: true, webhooks: { allowPrivate: true, retrySchedule: [5] } };

/** What main.ts does at start with the demo on. */
const register = (server: TestServer) =>
  registerDemoWebhook(server.deps, server.app.locals.webhooks as Webhooks, server.app.locals.demoWebhooks as DemoWebhookInbox, 'default');

const demoEndpoints = async (server: TestServer) =>
  (await server.store.listWebhookEndpoints('default')).filter((e) => e.description === DEMO_ENDPOINT_DESCRIPTION);

/** A delivery as the worker sends it: signed now (`verify` refuses timestamps 5 minutes off). */
function signed(secret: string, id: string, type: string, data: unknown, options: { body?: string; at?: number } = {}) {
  const timestampSeconds = Math.floor((options.at ?? Date.now()) / 1000);
  const body = `{"type":"${type}","timestamp":"2026-11-25T21:00:00.000Z","data":${JSON.stringify(data)}}`;
  return {
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signWebhook(secret, id, timestampSeconds, body) },
    body: options.body ?? body,
  };
}

test('the demo receiver keeps correctly signed deliveries, newest first, once per webhook-id; anything else is a 401', async () => {
  const server = makeTestServer({ config: WEBHOOKS_ON });
  try {
    await register(server);
    const secret = (server.app.locals.demoWebhooks as DemoWebhookInbox).secret!;
    assert.match(secret, /^whsec_/);
    const post = ({ headers, body }: { headers: Record<string, string>; body: string }) =>
      request(server.app).post('/demo/webhooks/receiver').set(headers).send(body);

    await post(signed(secret, 'msg_first', 'session.connected', { session: 'shop', method: 'qr', phone: '15550100001' })).expect(204);
    await post(signed(secret, 'msg_second', 'message.received', { session: 'shop', id: 'wamid.1', from: '15550100002', type: 'text', text: 'hi', timestamp: '2026-11-25T21:00:01.000Z' })).expect(204);
    // A retry of an event already kept (same webhook-id) is acknowledged and not listed twice.
    await post(signed(secret, 'msg_first', 'session.connected', { session: 'shop', method: 'qr', phone: '15550100001' })).expect(204);

    const good = signed(secret, 'msg_bad', 'webhook.test', { endpoint: 'wh_x' });
    const REFUSED: [string, { headers: Record<string, string>; body: string }][] = [
      ['a body changed after signing', { ...good, body: good.body.replace('wh_x', 'wh_y') }],
      ['signed with another secret', signed(generateWebhookSecret(), 'msg_bad', 'webhook.test', { endpoint: 'wh_x' })],
      ['a webhook-timestamp 10 minutes old (a replay)', signed(secret, 'msg_bad', 'webhook.test', { endpoint: 'wh_x' }, { at: Date.now() - 600_000 })],
      ['no signature', { headers: { ...good.headers, 'webhook-signature': '' }, body: good.body }],
      ['no headers at all', { headers: { 'content-type': 'application/json' }, body: good.body }],
    ];
    for (const [why, delivery] of REFUSED) {
      const res = await post(delivery);
      assert.equal(res.status, 401, why);
      assert.equal(res.body.code, 'UNAUTHORIZED', why);
    }

    const listed = (await request(server.app).get('/demo/webhooks').expect(200)).body as DemoDeliveries;
    assert.deepEqual([listed.receiving, listed.reason], [true, null]);
    assert.deepEqual(listed.deliveries.map((d) => [d.id, d.type, d.verified]), [['msg_second', 'message.received', true], ['msg_first', 'session.connected', true]]);
    assert.deepEqual(listed.deliveries[1]!.data, { session: 'shop', method: 'qr', phone: '15550100001' });
    assert.equal(listed.deliveries[0]!.receivedAt, new Date(T0).toISOString());
    assert.ok(!JSON.stringify(listed).includes(secret), 'the secret never reaches the page');
  } finally {
    await server.close();
  }
});

test('demo registration is idempotent across restarts; a secret that no longer opens or another PUBLIC_URL replaces the endpoint', async () => {
  let server = makeTestServer({ config: WEBHOOKS_ON });
  try {
    await register(server);
    const [first] = await demoEndpoints(server);
    assert.equal(first?.url, 'http://localhost:3000/demo/webhooks/receiver');
    assert.match(server.logs(), /demo: webhook deliveries of tenant default show on the demo page/);
    const secret = (server.app.locals.demoWebhooks as DemoWebhookInbox).secret;

    server = await server.restart();
    await register(server);
    await register(server);
    assert.deepEqual((await demoEndpoints(server)).map((e) => e.id), [first!.id], 'the same endpoint, reused');
    assert.equal((server.app.locals.demoWebhooks as DemoWebhookInbox).secret, secret, 'its secret opened again');

    // Disabled (a 410, or by hand): turned back on.
    await server.store.updateWebhookEndpoint('default', first!.id, { enabled: false, disabledReason: 'gone' });
    await register(server);
    assert.equal((await demoEndpoints(server))[0]!.enabled, true);

    const CHANGES: [string, Parameters<typeof makeTestServer>[0] & object][] = [
      ['TITAN_SECRET changed: the sealed secret no longer opens', { config: { ...WEBHOOKS_ON, secret: 'another-secret-0123456789-abcdefghijklmn' } }],
      ['PUBLIC_URL changed', { config: { ...WEBHOOKS_ON, secret: 'another-secret-0123456789-abcdefghijklmn', publicUrl: 'http://127.0.0.1:4000' } }],
    ];
    for (const [why, options] of CHANGES) {
      const before = (await demoEndpoints(server)).map((e) => e.id);
      await server.store.close();
      server = makeTestServer({ ...options, dir: server.dir });
      await register(server);
      const after = await demoEndpoints(server);
      assert.equal(after.length, 1, why);
      assert.notDeepEqual(after.map((e) => e.id), before, why);
      assert.equal(after[0]!.url, `${server.config.publicUrl}/demo/webhooks/receiver`, why);
      assert.equal((server.app.locals.demoWebhooks as DemoWebhookInbox).list().receiving, true, why);
    }
  } finally {
    await server.close();
  }
});

test('demo without TITAN_WEBHOOK_ALLOW_PRIVATE: no endpoint, the panel says how to turn it on, deliveries are refused', async () => {
  const server = makeTestServer({ config: { demo: true } });
  try {
    await register(server);
    assert.deepEqual(await demoEndpoints(server), []);
    const listed = (await request(server.app).get('/demo/webhooks').expect(200)).body as DemoDeliveries;
    assert.deepEqual([listed.receiving, listed.deliveries], [false, []]);
    assert.match(listed.reason!, /set TITAN_WEBHOOK_ALLOW_PRIVATE=1 to see deliveries here/);
    await request(server.app).post('/demo/webhooks/receiver').set(signed(generateWebhookSecret(), 'msg_x', 'webhook.test', { endpoint: 'wh_x' }).headers).send('{}').expect(401);
  } finally {
    await server.close();
  }
});

test('pnpm start with the demo: the worker delivers to the demo receiver, which lists the event; a restart keeps one endpoint', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-demo-webhooks-'));
  const key = 'titan_sk_DemoWebhooks0_0123456789abcdefghijABCDEFGHIJ';
  const port = await freePort();
  const env = {
    PORT: String(port), TITAN_DB: join(dir, 'titan.db'), TITAN_DEMO: '1', TITAN_ENGINE: 'simulator', TITAN_SECRET: TEST_SECRET,
    TITAN_BOOTSTRAP_API_KEY: key, TITAN_WEBHOOK_ALLOW_PRIVATE: '1', LOG_LEVEL: 'info',
  };
  // `Connection: close`: no pooled socket of the first start is reused against the second.
  const call = (base: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { Connection: 'close', ...init.headers } });
  const api = (base: string, method: string, path: string) => call(base, path, { method, headers: { Authorization: `Bearer ${key}` } });
  try {
    for (const start of [1, 2]) {
      const { logger, text } = captureLogger();
      const running = await startServer(env, logger);
      try {
        const base = `http://localhost:${port}`;
        const endpoints = ((await (await api(base, 'GET', '/api/webhooks')).json()) as { data: { id: string; url: string }[] }).data;
        assert.deepEqual(endpoints.map((e) => e.url), [`${base}/demo/webhooks/receiver`], `start ${start}: one demo endpoint`);
        assert.equal(text().match(/demo: webhook deliveries of tenant default/g)?.length, 1, `start ${start}: one info line`);
        const queued = (await (await api(base, 'POST', `/api/webhooks/${endpoints[0]!.id}/test`)).json()) as { data: { eventId: string } };
        let listed: DemoDeliveries | undefined;
        for (let i = 0; i < 100 && !listed?.deliveries.some((d) => d.id === queued.data.eventId); i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          listed = (await (await call(base, '/demo/webhooks')).json()) as DemoDeliveries;
        }
        assert.deepEqual(
          listed?.deliveries.map((d) => [d.id, d.type, d.data, d.verified]),
          [[queued.data.eventId, 'webhook.test', { endpoint: endpoints[0]!.id }, true]],
          `start ${start}: the worker's signed delivery verified and listed (the list is in memory: empty after a restart)`,
        );
      } finally {
        await running.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
