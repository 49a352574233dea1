import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import request from 'supertest';
// @ts-expect-error plain JS example, no declarations
import { createExampleBackend, escapeHtml } from './app.mjs';

const TITAN = 'https://titan.test';
const API_KEY = 'titan_sk_examplekey_0123456789abcdefSECRET';
const PUBLIC = 'http://localhost:4000';

/** A backend whose Titan is a fake `fetch`: records each call, answers with `reply`. */
const backend = (reply: (body: any) => { status: number; json: unknown } | Error = () => created()) => {
  const calls: { url: string; headers: Record<string, string>; body: any }[] = [];
  const fetch = async (url: URL, init: { headers: Record<string, string>; body: string }) => {
    const body = JSON.parse(init.body);
    calls.push({ url: String(url), headers: init.headers, body });
    const answer = reply(body);
    if (answer instanceof Error) throw answer;
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  };
  const app = createServer(createExampleBackend({ titanUrl: TITAN, apiKey: API_KEY, publicUrl: PUBLIC, fetch }));
  return { app, calls };
};

const created = (widgetUrl = `${TITAN}/widget/connect?token=eyJ.abc.def`) => ({
  status: 201,
  json: { success: true, data: { session: 'shop-42', widgetUrl, widgetToken: 'eyJ.abc.def', expiresAt: '2026-11-25T21:00:00.000Z', mode: 'all' } },
});

test('POST /api/widget-session asks Titan with the API key and returns only what the browser needs', async () => {
  const { app, calls } = backend();
  const res = await request(app).post('/api/widget-session').send({ mode: 'qr', sessionName: 'shop-42' }).expect(201);
  assert.deepEqual(res.body, { session: 'shop-42', widgetUrl: `${TITAN}/widget/connect?token=eyJ.abc.def`, expiresAt: '2026-11-25T21:00:00.000Z' });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.url, `${TITAN}/api/widget/sessions`);
  assert.equal(calls[0]!.headers.Authorization, `Bearer ${API_KEY}`);
  assert.deepEqual(calls[0]!.body, { allowedOrigins: [PUBLIC], mode: 'qr', sessionName: 'shop-42' });
});

test('callback: true asks for a callbackUrl on this backend', async () => {
  const { app, calls } = backend();
  await request(app).post('/api/widget-session').send({ callback: true }).expect(201);
  assert.equal(calls[0]!.body.callbackUrl, `${PUBLIC}/done?from=example`);
});

test('failures: Titan refusals keep their status, Titan unreachable is 502, bad bodies 400', async () => {
  const CASES: [string, () => ReturnType<Parameters<typeof backend>[0] & {}>, string, number, RegExp][] = [
    ['Titan says 409', () => ({ status: 409, json: { error: 'Session "shop-42" is already connected', code: 'SESSION_ALREADY_CONNECTED' } }), '{}', 409, /already connected/],
    ['Titan says 401', () => ({ status: 401, json: { error: 'Invalid API key', code: 'INVALID_API_KEY' } }), '{}', 401, /Invalid API key/],
    ['Titan is down', () => new TypeError('fetch failed'), '{}', 502, /fetch failed/],
    ['body is not JSON', () => created(), 'mode=qr', 400, /not JSON/],
    ['body too large', () => created(), JSON.stringify({ mode: 'x'.repeat(20_000) }), 413, /too large/],
  ];
  for (const [name, reply, body, status, message] of CASES) {
    const { app } = backend(reply);
    const res = await request(app).post('/api/widget-session').set('Content-Type', 'application/json').send(body);
    assert.equal(res.status, status, name);
    assert.match(res.body.error, message, name);
    assert.ok(!res.text.includes(API_KEY), `${name}: the key stays on the server`);
  }
});

test('the no-code pages get a fresh widget session rendered in, HTML-escaped', async () => {
  const hostile = `${TITAN}/widget/connect?token=a"><script>alert(1)</script>`;
  const CASES: [string, RegExp][] = [
    ['/script-tag/', /<script src="https:\/\/titan\.test\/widget\/loader\.js" data-widget-url="https:\/\/titan\.test\/widget\/connect\?token=a&quot;&gt;&lt;script&gt;/],
    ['/iframe/', /<iframe id="titan" src="https:\/\/titan\.test\/widget\/connect\?token=a&quot;&gt;&lt;script&gt;/],
  ];
  for (const [path, expected] of CASES) {
    const { app, calls } = backend(() => created(hostile));
    const res = await request(app).get(`${path}?mode=pairing&name=shop-7&callback=1`).expect(200);
    assert.match(res.text, expected, path);
    assert.equal(res.headers['cache-control'], 'no-store', `${path}: a widgetUrl is never cached`);
    assert.ok(!res.text.includes('<script>alert(1)'), `${path}: nothing unescaped`);
    assert.ok(!res.text.includes(API_KEY), `${path}: the key stays on the server`);
    assert.deepEqual(calls[0]!.body, { allowedOrigins: [PUBLIC], mode: 'pairing', sessionName: 'shop-7', callbackUrl: `${PUBLIC}/done?from=example` }, path);
  }
});

test('the callback page shows session, status and method, escaped', async () => {
  const { app } = backend();
  const res = await request(app).get('/done?from=example&session=%3Cb%3Eshop&status=connected&method=qr').expect(200);
  assert.match(res.text, /<dd id="session">&lt;b&gt;shop<\/dd>/);
  assert.match(res.text, /<dd id="status">connected<\/dd>/);
  assert.match(res.text, /<dd id="method">qr<\/dd>/);
});

test('/vendor/titan-loader serves only the loader build, no path tricks', async (t) => {
  const { app } = backend();
  for (const path of ['/vendor/titan-loader/../../../package.json', '/vendor/titan-loader/%2e%2e%2fpackage.json', '/vendor/titan-loader/types/index.d.ts'])
    await request(app).get(path).expect(404);
  if (!existsSync(new URL('../../packages/loader/dist/pure.js', import.meta.url))) return t.skip('loader not built');
  const res = await request(app).get('/vendor/titan-loader/pure.js').expect(200);
  assert.match(res.headers['content-type']!, /javascript/);
  assert.match(res.text, /export\s*\{/);
});

test('unknown paths are JSON 404s', async () => {
  const { app, calls } = backend();
  const res = await request(app).get('/admin').expect(404);
  assert.deepEqual(res.body, { error: 'Not found' });
  assert.equal(calls.length, 0);
});

test('escapeHtml escapes the five HTML specials', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
