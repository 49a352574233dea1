import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { signWidgetToken } from '../tokens.js';

let server: TestServer;
beforeEach(async () => {
  server = makeTestServer();
});
afterEach(async () => await server.close());

async function widgetSession(body: object = {}, tenant = 'acme') {
  const res = await request(server.app)
    .post('/api/widget/sessions')
    .set('Authorization', `Bearer ${await server.key(tenant)}`)
    .send(body)
    .expect(201);
  const token: string = res.body.data.widgetToken;
  const claims = jwt.decode(token) as { sub: string; tid: string; ses: string };
  return { token, claims, data: res.body.data };
}

const page = (token?: string) => {
  const req = request(server.app).get('/widget/connect');
  return token === undefined ? req : req.query({ token });
};

const directives = (csp: string) => new Map(csp.split(';').map((d) => { const [name, ...rest] = d.trim().split(/\s+/); return [name!, rest.join(' ')]; }));

describe('GET /widget/connect: the page', () => {
  test('a valid token gets the widget page shell with strict headers', async () => {
    const { token } = await widgetSession({ allowedOrigins: ['https://app.example.com', 'https://admin.example.com'], locale: 'pt-BR' });
    const res = await page(token).expect(200);
    assert.match(res.headers['content-type']!, /^text\/html/);
    assert.match(res.text, /<script type="module" src="\/widget\/assets\/page\.js"><\/script>/);
    assert.match(res.text, /<titan-connect-widget><\/titan-connect-widget>/);
    assert.match(res.text, /<html lang="pt-BR">/);
    const browserLanguage = await page((await widgetSession({})).token).expect(200);
    assert.match(browserLanguage.text, /<html>/, 'no locale asked for: no lang, so the page follows the browser');
    assert.ok(!res.text.includes(token), 'the token is read from location, not written into the page');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const csp = directives(res.headers['content-security-policy']!);
    assert.equal(csp.get('default-src'), "'self'");
    assert.equal(csp.get('script-src'), "'self'");
    assert.equal(csp.get('connect-src'), "'self'");
    assert.equal(csp.get('img-src'), "'self' data:");
    assert.equal(csp.get('frame-ancestors'), 'https://app.example.com https://admin.example.com');
  });

  test('no allowedOrigins: any site may frame it', async () => {
    const { token } = await widgetSession();
    const csp = directives((await page(token).expect(200)).headers['content-security-policy']!);
    assert.equal(csp.get('frame-ancestors'), '*');
  });

  test('Cloud API offered: the SDK origin and facebook.com are allowed, only then', async () => {
    await server.close();
    server = makeTestServer({ config: { meta: { appId: 'app1', configId: 'cfg1', appSecret: 's', sdkUrl: 'http://127.0.0.1:4555/sdk.js' } as never } });
    const CASES: [string, boolean][] = [
      ['all', true],
      ['cloud-api', true],
      ['qr', false],
      ['pairing', false],
    ];
    for (const [mode, cloud] of CASES) {
      const { token } = await widgetSession({ mode });
      const csp = directives((await page(token).expect(200)).headers['content-security-policy']!);
      assert.equal(csp.get('script-src')!.includes('http://127.0.0.1:4555'), cloud, mode);
      assert.equal(csp.get('frame-src')!.includes('https://*.facebook.com'), cloud, mode);
    }
  });
});

describe('GET /widget/connect: refused tokens', () => {
  test('no token: 401 page "Missing widget token" that says what to do', async () => {
    for (const res of [await page().expect(401), await page('').expect(401)]) {
      assert.match(res.headers['content-type']!, /^text\/html/);
      assert.match(res.text, /<h1>Missing widget token<\/h1>/);
      assert.match(res.text, /full widgetUrl/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
  });

  test('tampered, expired, wrong audience, other algorithms, unknown session: 403 page', async () => {
    const { token, claims } = await widgetSession();
    const base = { sub: claims.sub, tid: claims.tid, ses: claims.ses, aud: 'titan-widget', iat: T0 / 1000, exp: T0 / 1000 + 900 };
    const unsigned = (payload: object) =>
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const CASES: [string, string][] = [
      ['signature changed', token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')],
      ['payload changed', token.replace(/\.([^.]+)\./, (_m, p: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), ses: 'other' })).toString('base64url')}.`)],
      ['alg none', unsigned(base)],
      ['HS512', jwt.sign(base, TEST_SECRET, { algorithm: 'HS512' })],
      ['wrong audience', jwt.sign({ ...base, aud: 'someone-else' }, TEST_SECRET, { algorithm: 'HS256' })],
      ['unknown widget session', signWidgetToken(TEST_SECRET, { sub: 'ws_missing', tid: 'acme', ses: claims.ses }, T0).token],
      ['other WhatsApp session name', signWidgetToken(TEST_SECRET, { sub: claims.sub, tid: 'acme', ses: 'other' }, T0).token],
      ['repeated token parameter', 'x'],
    ];
    for (const [name, bad] of CASES) {
      const req = name === 'repeated token parameter' ? request(server.app).get(`/widget/connect?token=${token}&token=${token}`) : page(bad);
      const res = await req;
      assert.equal(res.status, 403, name);
      assert.match(res.text, /<h1>Invalid widget token<\/h1>/, name);
      assert.match(res.text, /new link/, name);
    }
  });

  test('expiry with the injected clock: 899 s renders, 901 s is 403', async () => {
    const { token } = await widgetSession();
    server.clock.set(T0 + 899_000);
    await page(token).expect(200);
    server.clock.set(T0 + 901_000);
    const res = await page(token).expect(403);
    assert.match(res.text, /expired/);
  });

  test("a token of tenant A never opens tenant B's session", async () => {
    const a = await widgetSession({ sessionName: 'shared' }, 'tenant-a');
    const b = await widgetSession({ sessionName: 'shared' }, 'tenant-b');
    const crossed = signWidgetToken(TEST_SECRET, { sub: b.claims.sub, tid: 'tenant-a', ses: 'shared' }, T0).token;
    await page(crossed).expect(403);
    await page(a.token).expect(200);
    await page(b.token).expect(200);
  });

  test('nothing from the query string is reflected into the HTML', async () => {
    const evil = '"><script>alert(1)</script>';
    const CASES = [page(evil), request(server.app).get('/widget/connect').query({ token: 'x', q: evil })];
    for (const req of CASES) {
      const res = await req;
      assert.ok(!res.text.includes('<script>alert(1)'), 'not reflected');
      assert.ok(!res.text.includes('alert(1)'), 'not even escaped');
    }
  });
});
