import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { ApiScope } from '@titan-connect/protocol';
import { revokeApiKey, parseApiKey } from '../api-keys.js';
import { makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { signWidgetToken } from '../tokens.js';

let server: TestServer;
beforeEach(async () => {
  server = makeTestServer();
});
afterEach(async () => await server.close());

type Headers = Record<string, string>;

test('credentials on /api: table of status and code', async () => {
  const widgetToken = signWidgetToken(TEST_SECRET, { sub: 'ws_1', tid: 'acme', ses: 'main' }, T0).token;
  const revoked = await server.key('acme', ['*']);
  await revokeApiKey(server.store, parseApiKey(revoked)!.id);
  const CASES: [string, () => Headers | Promise<Headers>, number, string | null][] = [
    ['no credential', () => ({}), 401, 'UNAUTHORIZED'],
    ['garbage bearer', () => ({ Authorization: 'Bearer nope' }), 401, 'INVALID_API_KEY'],
    ['basic auth', () => ({ Authorization: 'Basic dXNlcjpwYXNz' }), 401, 'INVALID_API_KEY'],
    ['widget token as bearer', () => ({ Authorization: `Bearer ${widgetToken}` }), 401, 'WIDGET_TOKEN_NOT_ALLOWED'],
    ['widget token as X-Api-Key', () => ({ 'X-Api-Key': widgetToken }), 401, 'WIDGET_TOKEN_NOT_ALLOWED'],
    ['revoked key', () => ({ Authorization: `Bearer ${revoked}` }), 401, 'INVALID_API_KEY'],
    ['valid key as bearer', async () => ({ Authorization: `Bearer ${await server.key()}` }), 201, null],
    ['valid key, lower-case scheme', async () => ({ Authorization: `bearer ${await server.key()}` }), 201, null],
    ['valid key as X-Api-Key', async () => ({ 'X-Api-Key': await server.key() }), 201, null],
  ];
  for (const [name, headers, status, code] of CASES) {
    const res = await request(server.app).post('/api/widget/sessions').set(await headers()).send({});
    assert.equal(res.status, status, name);
    if (code) {
      assert.equal(res.body.code, code, name);
      assert.equal(typeof res.body.error, 'string');
      assert.match(res.headers['www-authenticate'] ?? '', /^Bearer/, name);
    }
  }
});

test('scopes: 403 names the missing scope; * and the exact scope pass', async () => {
  const CASES: [ApiScope[], number][] = [
    [['sessions:read'], 403],
    [['messages:write'], 403],
    [['sessions:read', 'messages:write'], 403],
    [['sessions:manage'], 201],
    [['*'], 201],
  ];
  for (const [scopes, status] of CASES) {
    const res = await request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${await server.key('acme', scopes)}`).send({});
    assert.equal(res.status, status, scopes.join(','));
    if (status === 403) {
      assert.equal(res.body.code, 'INSUFFICIENT_SCOPE');
      assert.match(res.body.error, /sessions:manage/);
    }
  }
});

test('auth runs before anything else on /api: unknown routes are 401 without a key, 404 with one', async () => {
  const anonymous = await request(server.app).get('/api/nothing-here').expect(401);
  assert.equal(anonymous.body.code, 'UNAUTHORIZED');
  // A bad body is not even read without a key.
  await request(server.app).post('/api/widget/sessions').set('Content-Type', 'application/json').send('{oops').expect(401);
  const known = await request(server.app).get('/api/nothing-here').set('Authorization', `Bearer ${await server.key()}`).expect(404);
  assert.deepEqual(known.body, { error: 'No route for GET /api/nothing-here.', code: 'NOT_FOUND' });
});

test('unknown routes anywhere are JSON 404s and never echo the query string', async () => {
  const res = await request(server.app).get('/no/such/page?token=abc.def.ghi').expect(404);
  assert.equal(res.body.code, 'NOT_FOUND');
  assert.ok(!res.text.includes('abc.def.ghi'));
});

test('the virtual phone routes are absent for an engine without one', async () => {
  await request(server.app).post('/dev/simulator/scan').send({ qr: 'x' }).expect(404);
});
