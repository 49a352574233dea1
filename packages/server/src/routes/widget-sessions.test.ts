import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { SESSION_NAME_PATTERN, WIDGET_TOKEN_AUDIENCE } from '@titan-connect/protocol';
import { SecretBox } from '../secrets.js';
import { makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { verifyWidgetToken } from '../tokens.js';
import type { Linking } from '../linking/index.js';
import { WidgetSessions, type SessionNamer } from '../services/widget-sessions.js';

let server: TestServer;
let key: string;
beforeEach(async () => {
  server = makeTestServer({ config: { meta: { appId: 'platformapp', configId: 'platformcfg', appSecret: 'platform-secret' } as never } });
  key = await server.key('acme', ['sessions:manage']);
});
afterEach(async () => await server.close());

const create = (body?: unknown, apiKey = key) => {
  const req = request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${apiKey}`);
  return body === undefined ? req : req.send(body as object);
};

describe('POST /api/widget/sessions: happy path', () => {
  test('an empty POST creates a session with the defaults and the exact response shape', async () => {
    const res = await create().expect(201);
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'success']);
    assert.equal(res.body.success, true);
    const data = res.body.data;
    assert.deepEqual(Object.keys(data).sort(), ['expiresAt', 'mode', 'session', 'widgetToken', 'widgetUrl']);
    assert.equal(data.mode, 'all');
    assert.match(data.session, /^widget-[0-9a-z]+-[0-9a-z]{4}$/);
    assert.ok(data.session.startsWith(`widget-${T0.toString(36)}-`));
    assert.equal(data.widgetUrl, `http://localhost:3000/widget/connect?token=${data.widgetToken}`);
    assert.equal(data.expiresAt, new Date(T0 + 900_000).toISOString());

    const claims = verifyWidgetToken(TEST_SECRET, data.widgetToken, T0);
    assert.equal(claims.tid, 'acme');
    assert.equal(claims.ses, data.session);
    assert.equal(claims.aud, WIDGET_TOKEN_AUDIENCE);
    assert.equal(claims.exp - claims.iat, 900);

    const ws = (await server.store.getWidgetSession(claims.sub))!;
    assert.equal(ws.phase, 'idle');
    assert.equal(ws.expiresAt, T0 + 900_000);
    assert.equal((await server.store.getWaSession('acme', data.session))?.status, 'DISCONNECTED');
  });

  test('every field is stored as given (locale canonicalised, secret sealed)', async () => {
    const res = await create({
      mode: 'qr',
      sessionName: 'acme.main_1',
      callbackUrl: 'https://app.example.com/done?x=1',
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      locale: 'pt-br',
      metaApp: { appId: 'byoa1', configId: 'cfg1', appSecret: 'byoa-secret-value' },
    }).expect(201);
    assert.equal(res.body.data.session, 'acme.main_1');
    assert.equal(res.body.data.mode, 'qr');
    const { sub } = verifyWidgetToken(TEST_SECRET, res.body.data.widgetToken, T0);
    const ws = (await server.store.getWidgetSession(sub))!;
    assert.equal(ws.callbackUrl, 'https://app.example.com/done?x=1');
    assert.deepEqual(ws.allowedOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.equal(ws.locale, 'pt-BR');
    assert.equal(ws.metaApp?.appId, 'byoa1');
    assert.notEqual(ws.metaApp?.appSecretEnc, 'byoa-secret-value');
    assert.equal(new SecretBox(TEST_SECRET).open(ws.metaApp!.appSecretEnc!), 'byoa-secret-value');
    assert.ok(!JSON.stringify(res.body).includes('byoa-secret-value'));
  });

  test('API responses carry the security defaults and no framework fingerprint', async () => {
    const res = await create().expect(201);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(res.headers['content-security-policy']!, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['access-control-allow-origin'], undefined, 'no CORS on /api');
  });

  test('metaApp without a secret is accepted for the platform app id', async () => {
    await create({ mode: 'cloud-api', metaApp: { appId: 'platformapp', configId: 'other-config' } }).expect(201);
  });

  test('a disconnected name is re-linked by a new widget session; a connected one is 409', async () => {
    await create({ sessionName: 'acme' }).expect(201);
    await create({ sessionName: 'acme' }).expect(201);
    assert.equal((await server.store.listWidgetSessionsFor('acme', 'acme')).length, 2);
    await server.store.updateWaSession('acme', 'acme', { status: 'CONNECTED' });
    const res = await create({ sessionName: 'acme' }).expect(409);
    assert.equal(res.body.code, 'SESSION_ALREADY_CONNECTED');
    assert.match(res.body.error, /sessionName/);
  });

  test('concurrent requests share a commit yet each gets its own answer: 201s stored, a connected name 409', async () => {
    await create({ sessionName: 'taken' }).expect(201);
    await server.store.updateWaSession('acme', 'taken', { status: 'CONNECTED' });
    // Sent together, so they land in one batched transaction; the 409 must not undo the others.
    const names = ['one', 'two', 'taken', 'three', 'two'];
    const responses = await Promise.all(names.map((sessionName) => create({ sessionName })));
    assert.deepEqual(
      responses.map((r) => r.status),
      [201, 201, 409, 201, 201],
    );
    for (const name of ['one', 'two', 'three']) assert.equal((await server.store.getWaSession('acme', name))?.status, 'DISCONNECTED');
    assert.equal((await server.store.listWidgetSessionsFor('acme', 'two')).length, 2);
    assert.equal((await server.store.listWidgetSessionsFor('acme', 'taken')).length, 1, 'the refused request stored nothing');
    // Every 201 was answered with a row already in the file.
    for (const res of responses.filter((r) => r.status === 201)) {
      assert.ok(await server.store.getWidgetSession(verifyWidgetToken(TEST_SECRET, res.body.data.widgetToken, T0).sub));
    }
  });

  test('default names are distinct and match the sessionName rule', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add((await create().expect(201)).body.data.session);
    assert.equal(names.size, 20);
    for (const name of names) assert.match(name, SESSION_NAME_PATTERN);
  });
});

describe('generated session names never reuse an existing session', () => {
  const namer = (names: string[]) => () => names.shift() ?? 'never';
  const service = (nameFor: SessionNamer) =>
    new WidgetSessions({ ...server.deps }, server.app.locals.linking as Linking, nameFor);

  test('a generated name that exists is drawn again', async () => {
    await server.store.ensureWaSession('acme', 'widget-taken', T0);
    const { widgetSession } = await service(namer(['widget-taken', 'widget-taken', 'widget-free'])).create('acme', {});
    assert.equal(widgetSession.sessionName, 'widget-free');
    assert.deepEqual(await server.store.listWidgetSessionsFor('acme', 'widget-taken'), [], "no widget session was attached to another user's session");
    assert.equal((await server.store.listWidgetSessionsFor('acme', 'widget-free')).length, 1);
  });

  test('after five collisions in a row the answer is a 409, and nothing is stored', async () => {
    await server.store.ensureWaSession('acme', 'widget-taken', T0);
    await assert.rejects(service(() => 'widget-taken').create('acme', {}), { status: 409, code: 'CONFLICT' });
    assert.deepEqual(await server.store.listWidgetSessionsFor('acme', 'widget-taken'), []);
  });

  test('a name the backend chose keeps its meaning: a disconnected one is re-linked', async () => {
    await server.store.ensureWaSession('acme', 'shop', T0);
    const { widgetSession } = await service(() => 'unused').create('acme', { sessionName: 'shop' });
    assert.equal(widgetSession.sessionName, 'shop');
  });
});

describe('POST /api/widget/sessions: 400 names the field', () => {
  const CASES: [string, unknown, RegExp][] = [
    ['unknown field', { colour: 'red' }, /^colour: unknown field/],
    ['unknown metaApp field', { metaApp: { appId: 'a', configId: 'b', appSecret: 'c', extra: 1 } }, /^metaApp\.extra: unknown field/],
    ['mode not a mode', { mode: 'sms' }, /^mode:/],
    ['mode wrong type', { mode: 1 }, /^mode:/],
    ['sessionName with a space', { sessionName: 'my session' }, /^sessionName:/],
    ['sessionName starting with a dot', { sessionName: '.hidden' }, /^sessionName:/],
    ['sessionName too long', { sessionName: 'a'.repeat(65) }, /^sessionName:/],
    ['sessionName empty', { sessionName: '' }, /^sessionName:/],
    ['sessionName a number', { sessionName: 42 }, /^sessionName:/],
    ['callbackUrl javascript:', { callbackUrl: 'javascript:alert(1)' }, /^callbackUrl:/],
    ['callbackUrl relative', { callbackUrl: '/done' }, /^callbackUrl:/],
    ['callbackUrl http on a public host', { callbackUrl: 'http://app.example.com/done' }, /^callbackUrl:/],
    ['callbackUrl data:', { callbackUrl: 'data:text/html,hi' }, /^callbackUrl:/],
    ['callbackUrl with credentials', { callbackUrl: 'https://user:pw@app.example.com/' }, /^callbackUrl:/],
    ['allowedOrigins not an array', { allowedOrigins: 'https://a.example' }, /^allowedOrigins:/],
    ['allowedOrigins with a path', { allowedOrigins: ['https://a.example/app'] }, /^allowedOrigins\.0:/],
    ['allowedOrigins trailing slash', { allowedOrigins: ['https://ok.example', 'https://a.example/'] }, /^allowedOrigins\.1:/],
    ['allowedOrigins wildcard', { allowedOrigins: ['*'] }, /^allowedOrigins\.0:/],
    ['allowedOrigins javascript:', { allowedOrigins: ['javascript:alert(1)'] }, /^allowedOrigins\.0:/],
    ['locale not BCP 47', { locale: 'not a locale!' }, /^locale:/],
    ['locale wrong type', { locale: ['en'] }, /^locale:/],
    ['metaApp missing configId', { metaApp: { appId: 'a' } }, /^metaApp\.configId:/],
    ['metaApp other app without secret', { metaApp: { appId: 'someoneelse', configId: 'c' } }, /^metaApp\.appSecret:/],
    ['body an array', [1, 2], /JSON object/],
  ];
  for (const [name, body, message] of CASES) {
    test(name, async () => {
      const res = await create(body).expect(400);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.match(res.body.error, message);
      assert.equal((await server.store.listWaSessions('acme')).length, 0, 'nothing stored');
    });
  }

  test('a JSON string body is 400, not 500', async () => {
    const res = await request(server.app)
      .post('/api/widget/sessions')
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'application/json')
      .send('"just a string"')
      .expect(400);
    assert.equal(typeof res.body.code, 'string');
  });
});

describe('POST /api/widget/sessions: body transport errors', () => {
  const CASES: [string, string, string, number, string][] = [
    ['not JSON content type', 'text/plain', 'mode=qr', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['form content type', 'application/x-www-form-urlencoded', 'mode=qr', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['broken JSON', 'application/json', '{"mode":', 400, 'INVALID_JSON'],
    ['over the cap', 'application/json', JSON.stringify({ sessionName: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [name, type, body, status, code] of CASES) {
    test(name, async () => {
      const res = await request(server.app)
        .post('/api/widget/sessions')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', type)
        .send(body)
        .expect(status);
      assert.equal(res.body.code, code);
      assert.equal(typeof res.body.error, 'string');
    });
  }
});

describe('Cloud API availability', () => {
  test('cloud-api mode without any Meta app is 400', async () => {
    const bare = makeTestServer();
    try {
      const res = await request(bare.app)
        .post('/api/widget/sessions')
        .set('Authorization', `Bearer ${await bare.key()}`)
        .send({ mode: 'cloud-api' })
        .expect(400);
      assert.equal(res.body.code, 'META_NOT_CONFIGURED');
      assert.match(res.body.error, /^mode:/);
      // ... but a BYOA app with its own secret makes it possible.
      await request(bare.app)
        .post('/api/widget/sessions')
        .set('Authorization', `Bearer ${await bare.key()}`)
        .send({ mode: 'cloud-api', metaApp: { appId: 'byoa', configId: 'cfg', appSecret: 's3cret' } })
        .expect(201);
    } finally {
      await bare.close();
    }
  });
});

describe('tenant isolation', () => {
  test("tenant B can create its own 'acme' even when tenant A's 'acme' is CONNECTED", async () => {
    await create({ sessionName: 'acme' }).expect(201);
    await server.store.updateWaSession('acme', 'acme', { status: 'CONNECTED' });
    const other = await server.key('globex', ['sessions:manage']);
    const res = await create({ sessionName: 'acme' }, other).expect(201);
    const claims = verifyWidgetToken(TEST_SECRET, res.body.data.widgetToken, T0);
    assert.equal(claims.tid, 'globex');
    assert.equal((await server.store.getWaSession('acme', 'acme'))?.status, 'CONNECTED', "A's session untouched");
    assert.equal((await server.store.getWaSession('globex', 'acme'))?.status, 'DISCONNECTED');
  });
});

describe('restart', () => {
  test('keys and sessions survive a restart on the same SQLite file', async () => {
    const res = await create({ sessionName: 'persisted' }).expect(201);
    const restarted = await server.restart();
    server = restarted;
    // The same key still works, and the token still opens the page.
    await request(restarted.app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({}).expect(201);
    assert.equal((await restarted.store.getWaSession('acme', 'persisted'))?.status, 'DISCONNECTED');
    await request(restarted.app).get('/widget/connect').query({ token: res.body.data.widgetToken }).expect(200);
  });
});
