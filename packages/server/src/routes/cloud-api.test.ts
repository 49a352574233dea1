import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import type { CloudApiFinishRequest, ConnectedPayload, FailedPayload } from '@titan-connect/protocol';
import type { AppConfig } from '../config.types.js';
import type { AppDeps } from '../deps.js';
import type { Linking } from '../linking/index.js';
import { methodsFor } from '../linking/snapshot.js';
import type { CloudApiConnection } from '../meta/embedded-signup.js';
import { WidgetSessions } from '../services/widget-sessions.js';
import { parseStoredCloudApi } from '../meta/embedded-signup.js';
import { errorHandler } from '../middleware/error-handler.js';
import { SecretBox } from '../secrets.js';
import { SqliteStore } from '../store/index.js';
import type { StoredMetaApp, WidgetSessionRecord } from '../store/types.js';
import type { LinkingEngine } from '../whatsapp/engine.js';
import { startFakeGraph, type FakeGraph } from '../test-support/fake-graph.js';
import { cloudApiRouter } from './cloud-api.js';

const SECRET = 'titan-secret-for-cloud-api-tests-0123456789';
const BYOA_SECRET = 'byoa-app-secret-3e9d';
const box = new SecretBox(SECRET);

let graph: FakeGraph;
before(async () => {
  graph = await startFakeGraph();
});
after(async () => graph.close());
beforeEach(async () => graph.reset(FAKE_DEFAULTS));

const FAKE_DEFAULTS = { appId: '1111111111', appSecret: 'platform-app-secret-5f1c', code: 'AQD-login-code-7c2e' };

/** A `Linking` that records the two calls this route makes and marks the store like the real one. */
function recordingLinking(store: SqliteStore, widgetSession: WidgetSessionRecord) {
  const connects: { id: string; connection: CloudApiConnection }[] = [];
  const fails: { id: string; failure: FailedPayload }[] = [];
  const linking = {
    async state() {
      return { phase: connects.length > 0 ? 'connected' : 'idle' };
    },
    async connectCloudApi(id: string, connection: CloudApiConnection): Promise<ConnectedPayload> {
      connects.push({ id, connection });
      await store.ensureWaSession(widgetSession.tenantId, widgetSession.sessionName);
      await store.updateWaSession(widgetSession.tenantId, widgetSession.sessionName, {
        status: 'CONNECTED',
        method: 'cloud-api',
        phone: connection.phone,
        pushName: connection.pushName,
        cloudApi: connection.stored,
      });
      return {
        session: widgetSession.sessionName,
        method: 'cloud-api',
        phone: connection.phone,
        pushName: connection.pushName,
        wabaId: connection.wabaId,
        phoneNumberId: connection.phoneNumberId,
        redirectUrl: null,
      };
    },
    async fail(id: string, failure: FailedPayload) {
      fails.push({ id, failure });
    },
  } as unknown as Linking;
  return { linking, connects, fails };
}

interface HarnessOptions {
  platform?: { appId: string | null; appSecret: string | null };
  metaApp?: StoredMetaApp | null;
  mode?: WidgetSessionRecord['mode'];
}

/** The router behind a fake `widgetTokenAuth`, with a real store and a log that keeps every line. */
async function harness(options: HarnessOptions = {}) {
  const platform = options.platform ?? { appId: FAKE_DEFAULTS.appId, appSecret: FAKE_DEFAULTS.appSecret };
  const config: AppConfig = {
    port: 0,
    publicUrl: 'http://localhost:3000',
    dbPath: ':memory:',
    secret: SECRET,
    engine: 'simulator',
    simSpeed: 1,
    bootstrapApiKey: null,
    meta: { ...platform, configId: '987654321', graphUrl: graph.url, graphVersion: 'v21.0', sdkUrl: 'http://127.0.0.1:1/sdk.js' },
    demo: false,
  };
  const store = new SqliteStore(':memory:');
  const now = Date.now();
  const widgetSession: WidgetSessionRecord = {
    id: 'ws_cloud1',
    tenantId: 't1',
    sessionName: 'shop-main',
    mode: options.mode ?? 'cloud-api',
    callbackUrl: null,
    allowedOrigins: [],
    locale: null,
    metaApp: options.metaApp ?? null,
    createdAt: now,
    expiresAt: now + 900_000,
  };
  await store.createWidgetSession(widgetSession, { generatedName: false });
  const logLines: string[] = [];
  const logger = pino({ level: 'trace' }, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
  const deps: AppDeps = { config, store, engine: {} as LinkingEngine, clock: { now: () => Date.now() }, logger };
  const recorded = recordingLinking(store, widgetSession);

  const app = express();
  app.use(express.json());
  app.use('/widget/api', (_req, res, next) => {
    const iat = Math.floor(now / 1000);
    const view = { ...widgetSession, methods: methodsFor(config, widgetSession) };
    res.locals.widget = { claims: { sub: widgetSession.id, tid: 't1', ses: widgetSession.sessionName, aud: 'titan-widget', iat, exp: iat + 900 }, widgetSession: view };
    next();
  });
  app.use('/widget/api', cloudApiRouter(new WidgetSessions(deps, recorded.linking)));
  // The app's own error handler: the statuses asserted below are the ones clients get.
  app.use(errorHandler(logger));
  return { app, store, widgetSession, logLines, ...recorded };
}

const FINISH: CloudApiFinishRequest = { code: FAKE_DEFAULTS.code, wabaId: '102290129340398', phoneNumberId: '106540352242922', event: 'FINISH' };
const post = (app: express.Express, body: unknown) => request(app).post('/widget/api/cloud-api').send(body as object);
const steps = () => graph.requests.map((r) => r.step);

describe('POST /widget/api/cloud-api', () => {
  test('FINISH exchanges, subscribes, registers and connects with exactly the requests Meta expects', async () => {
    const h = await harness();
    const res = await post(h.app, FINISH).expect(200);

    assert.deepEqual(steps(), ['exchange', 'subscribe', 'register', 'phone']);
    const [exchange, subscribe, register, phone] = graph.requests;
    assert.equal(exchange!.method, 'GET');
    assert.equal(exchange!.path, '/v21.0/oauth/access_token');
    assert.deepEqual(exchange!.query, { client_id: '1111111111', client_secret: 'platform-app-secret-5f1c', code: FINISH.code });
    assert.equal(exchange!.authorization, null, 'the code exchange carries no token');
    assert.equal(subscribe!.path, `/v21.0/${FINISH.wabaId}/subscribed_apps`);
    assert.equal(subscribe!.authorization, `Bearer ${graph.options.businessToken}`);
    assert.equal(register!.path, `/v21.0/${FINISH.phoneNumberId}/register`);
    const registerBody = register!.body as { messaging_product: string; pin: string };
    assert.deepEqual(Object.keys(registerBody).sort(), ['messaging_product', 'pin']);
    assert.equal(registerBody.messaging_product, 'whatsapp');
    assert.match(registerBody.pin, /^\d{6}$/);
    assert.equal(phone!.path, `/v21.0/${FINISH.phoneNumberId}`);
    assert.equal(phone!.query.fields, 'display_phone_number,verified_name');

    assert.deepEqual(res.body, {
      success: true,
      data: {
        session: 'shop-main',
        method: 'cloud-api',
        phone: '15550104477',
        pushName: 'Acme Support',
        wabaId: FINISH.wabaId,
        phoneNumberId: FINISH.phoneNumberId,
        redirectUrl: null,
      },
    });
    assert.equal(h.connects.length, 1);
    assert.equal(h.connects[0]!.id, 'ws_cloud1');
    assert.equal(h.fails.length, 0);

    // The token and PIN are stored sealed, and open to what Meta issued and what was registered.
    const stored = parseStoredCloudApi(h.connects[0]!.connection.stored)!;
    assert.ok(!h.connects[0]!.connection.stored.includes(graph.options.businessToken));
    assert.equal(box.open(stored.businessTokenEnc), graph.options.businessToken);
    assert.equal(box.open(stored.pinEnc!), registerBody.pin);
    assert.equal(stored.appId, '1111111111');
    assert.equal(stored.event, 'FINISH');
    assert.equal(stored.appSecretEnc, null, 'the platform secret is META_APP_SECRET, never copied');
  });

  for (const event of ['FINISH_ONLY_WABA', 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING'] as const) {
    test(`${event} connects without registering the number`, async () => {
      const h = await harness();
      const body = event === 'FINISH_ONLY_WABA' ? { code: FINISH.code, wabaId: FINISH.wabaId, event } : { ...FINISH, event };
      const res = await post(h.app, body).expect(200);
      assert.ok(!steps().includes('register'), steps().join(','));
      assert.deepEqual(steps().slice(0, 2), ['exchange', 'subscribe']);
      assert.equal(res.body.data.method, 'cloud-api');
      assert.equal(parseStoredCloudApi(h.connects[0]!.connection.stored)!.pinEnc, null);
    });
  }

  for (const failing of ['exchange', 'subscribe', 'register'] as const) {
    test(`a failing ${failing} step fails the widget session with Meta's message and answers 502`, async () => {
      const h = await harness();
      graph.fail(failing);
      const res = await post(h.app, FINISH).expect(502);
      const message = { exchange: 'This authorization code has expired.', subscribe: '(#200) Permissions error', register: 'Phone number is not verified' }[failing];
      assert.deepEqual(res.body, { error: message, code: 'META_EXCHANGE_FAILED' });
      assert.deepEqual(h.fails, [{ id: 'ws_cloud1', failure: { code: 'META_EXCHANGE_FAILED', message, retryable: true } }]);
      assert.equal(h.connects.length, 0);
      const order = ['exchange', 'subscribe', 'register'];
      assert.deepEqual(steps(), order.slice(0, order.indexOf(failing) + 1), 'stops at the failing step, never retries');
    });
  }

  test('a failed number lookup still connects, without a phone to show', async () => {
    const h = await harness();
    graph.fail('phone');
    const res = await post(h.app, FINISH).expect(200);
    assert.equal(res.body.data.phone, null);
    assert.equal(h.connects.length, 1);
    assert.ok(h.logLines.some((l) => l.includes('lookup failed')));
  });

  test('BYOA with its own sealed secret exchanges with the customer app', async () => {
    graph.reset({ appId: '2222222222', appSecret: BYOA_SECRET });
    const h = await harness({ metaApp: { appId: '2222222222', configId: 'cfg-byoa', appSecretEnc: box.seal(BYOA_SECRET) } });
    await post(h.app, FINISH).expect(200);
    assert.deepEqual(graph.requests[0]!.query, { client_id: '2222222222', client_secret: BYOA_SECRET, code: FINISH.code });
    const stored = parseStoredCloudApi(h.connects[0]!.connection.stored)!;
    assert.equal(stored.appId, '2222222222');
    // Kept sealed for verifying the customer app's inbound webhooks later.
    assert.ok(!h.connects[0]!.connection.stored.includes(BYOA_SECRET));
    assert.equal(box.open(stored.appSecretEnc!), BYOA_SECRET);
  });

  test('BYOA without a secret borrows the platform secret when it names the platform app', async () => {
    const h = await harness({ metaApp: { appId: '1111111111', configId: 'cfg-own', appSecretEnc: null } });
    await post(h.app, FINISH).expect(200);
    assert.equal(graph.requests[0]!.query.client_secret, 'platform-app-secret-5f1c');
  });

  const NOT_CONFIGURED: [string, HarnessOptions][] = [
    ['BYOA without a secret for another app', { metaApp: { appId: '3333333333', configId: 'cfg', appSecretEnc: null } }],
    ['BYOA whose secret was sealed with another key', { metaApp: { appId: '3333333333', configId: 'cfg', appSecretEnc: new SecretBox('x'.repeat(40)).seal('s') } }],
    ['no platform app and no metaApp', { platform: { appId: null, appSecret: null } }],
    ['a platform app without META_APP_SECRET', { platform: { appId: '1111111111', appSecret: null } }],
    ['a qr-only widget session', { mode: 'qr' }],
    ['a pairing-only widget session', { mode: 'pairing' }],
  ];
  for (const [name, options] of NOT_CONFIGURED) {
    test(`400 META_NOT_CONFIGURED for ${name}, before any Graph call`, async () => {
      const h = await harness(options);
      const res = await post(h.app, FINISH).expect(400);
      assert.equal(res.body.code, 'META_NOT_CONFIGURED');
      assert.deepEqual(graph.requests, []);
    });
  }

  test('409 when the WhatsApp session is already connected, before any Graph call', async () => {
    const h = await harness();
    h.store.ensureWaSession('t1', 'shop-main');
    h.store.updateWaSession('t1', 'shop-main', { status: 'CONNECTED', method: 'qr' });
    const res = await post(h.app, FINISH).expect(409);
    assert.equal(res.body.code, 'SESSION_ALREADY_CONNECTED');
    assert.deepEqual(graph.requests, []);
  });

  test('a second finish while the first is in flight is refused and the code is spent once', async () => {
    const h = await harness();
    const release = graph.hold('exchange');
    const first = post(h.app, FINISH).then((r) => r);
    while (graph.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await post(h.app, FINISH);
    release();
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'CONFLICT');
    assert.equal((await first).status, 200);
    assert.equal(steps().filter((s) => s === 'exchange').length, 1);
  });

  const INVALID: [string, unknown, string][] = [
    ['no code', { ...FINISH, code: undefined }, 'code'],
    ['an empty code', { ...FINISH, code: '' }, 'code'],
    ['a numeric code', { ...FINISH, code: 12345 }, 'code'],
    ['no wabaId', { ...FINISH, wabaId: undefined }, 'wabaId'],
    ['a wabaId that is a path', { ...FINISH, wabaId: '../me' }, 'wabaId'],
    ['a phoneNumberId with a query', { ...FINISH, phoneNumberId: '1?fields=x' }, 'phoneNumberId'],
    ['FINISH without phoneNumberId', { ...FINISH, phoneNumberId: undefined }, 'phoneNumberId'],
    ['an unknown event', { ...FINISH, event: 'CANCEL' }, 'event'],
    ['no event', { ...FINISH, event: undefined }, 'event'],
    ['an array body', [FINISH], 'body'],
  ];
  for (const [name, body, field] of INVALID) {
    test(`400 naming ${field} for ${name}`, async () => {
      const h = await harness();
      const res = await post(h.app, body).expect(400);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(res.body.error.startsWith(`${field}:`), res.body.error);
      assert.deepEqual(graph.requests, []);
    });
  }
});

describe('secrets never leave the server', () => {
  test('no app secret, business token, code or PIN in any response body or log line', async () => {
    const seen: string[] = [];
    const pins: string[] = [];
    const run = async (options: HarnessOptions, setup: () => void, body: unknown = FINISH) => {
      setup();
      const h = await harness(options);
      const res = await post(h.app, body);
      seen.push(JSON.stringify(res.body), JSON.stringify(res.headers), ...h.logLines);
      for (const r of graph.requests) if (r.step === 'register') pins.push((r.body as { pin: string }).pin);
      for (const c of h.connects) seen.push(JSON.stringify({ ...c.connection, stored: undefined }));
      for (const f of h.fails) seen.push(JSON.stringify(f));
    };
    await run({}, () => graph.reset(FAKE_DEFAULTS));
    await run({}, () => (graph.reset(FAKE_DEFAULTS), graph.fail('phone')));
    for (const step of ['exchange', 'subscribe', 'register'] as const) await run({}, () => (graph.reset(FAKE_DEFAULTS), graph.fail(step)));
    // Meta echoing what it was sent must not carry it to the browser or the log either.
    await run({}, () => {
      graph.reset(FAKE_DEFAULTS);
      graph.fail('exchange', { status: 400, error: { message: `Bad code ${FINISH.code} for secret ${FAKE_DEFAULTS.appSecret}`, type: 'OAuthException', code: 100, fbtrace_id: 'x' } });
    });
    await run({}, () => graph.reset({ ...FAKE_DEFAULTS, code: 'another-code' }));
    await run({ metaApp: { appId: '2222222222', configId: 'cfg', appSecretEnc: box.seal(BYOA_SECRET) } }, () =>
      graph.reset({ ...FAKE_DEFAULTS, appId: '2222222222', appSecret: BYOA_SECRET }),
    );
    await run({ metaApp: { appId: '2222222222', configId: 'cfg', appSecretEnc: box.seal(BYOA_SECRET) } }, () => graph.reset(FAKE_DEFAULTS));

    assert.ok(pins.length >= 3, 'the PIN was generated and sent to Meta');
    assert.ok(seen.some((s) => s.includes('Cloud API connected')), 'the log was captured');
    const secrets = [FAKE_DEFAULTS.appSecret, BYOA_SECRET, graph.options.businessToken, FINISH.code];
    // A PIN is six digits: look for it as a whole number, not inside a timestamp or a Meta id.
    const pinPatterns = pins.map((pin) => new RegExp(`(?<!\\d)${pin}(?!\\d)`));
    for (const line of seen) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `secret ${secret.slice(0, 4)}… leaked in: ${line.slice(0, 200)}`);
      for (const pin of pinPatterns) assert.doesNotMatch(line, pin);
    }
  });
});
