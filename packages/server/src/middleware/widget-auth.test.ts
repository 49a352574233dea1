import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { makeTestServer, T0, TEST_SECRET, type TestServer } from '../test-support/server.js';
import { signWidgetToken } from '../tokens.js';
import type { WidgetSessions } from '../services/widget-sessions.js';
import { errorHandler } from './error-handler.js';
import { widgetTokenAuth } from './widget-auth.js';

let server: TestServer;
/** widgetTokenAuth in front of a route that echoes what it set. */
let probe: express.Express;

beforeEach(async () => {
  server = makeTestServer();
  probe = express();
  probe.get('/probe', widgetTokenAuth(server.app.locals.widgetSessions as WidgetSessions), (_req, res) => {
    const { claims, widgetSession } = res.locals.widget!;
    res.json({ sub: claims.sub, tid: claims.tid, id: widgetSession.id, name: widgetSession.sessionName });
  });
  probe.use(errorHandler(pino({ level: 'silent' })));
});
afterEach(async () => await server.close());

async function createSession(tenant: string, sessionName: string) {
  const res = await request(server.app)
    .post('/api/widget/sessions')
    .set('Authorization', `Bearer ${await server.key(tenant)}`)
    .send({ sessionName, allowedOrigins: ['https://app.example.com'] })
    .expect(201);
  return res.body.data.widgetToken as string;
}

test('the token is accepted from ?token= and from Authorization, bound to its widget session', async () => {
  const token = await createSession('acme', 'main');
  for (const req of [request(probe).get('/probe').query({ token }), request(probe).get('/probe').set('Authorization', `Bearer ${token}`)]) {
    const res = await req.expect(200);
    assert.equal(res.body.tid, 'acme');
    assert.equal(res.body.name, 'main');
    assert.equal(res.body.id, res.body.sub);
  }
});

test('refusals: 401 MISSING_WIDGET_TOKEN, 403 INVALID_WIDGET_TOKEN / TOKEN_EXPIRED as JSON', async () => {
  const token = await createSession('acme', 'main');
  const other = await createSession('globex', 'main');
  const otherSub = (JSON.parse(Buffer.from(other.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  const CASES: [string, () => request.Test | Promise<request.Test>, number, string][] = [
    ['no token', () => request(probe).get('/probe'), 401, 'MISSING_WIDGET_TOKEN'],
    ['tampered', () => request(probe).get('/probe').query({ token: token.slice(0, -3) + 'abc' }), 403, 'INVALID_WIDGET_TOKEN'],
    ['API key instead of a token', async () => request(probe).get('/probe').set('Authorization', `Bearer ${await server.key()}`), 403, 'INVALID_WIDGET_TOKEN'],
    [
      "tenant A's claims on tenant B's widget session",
      () => request(probe).get('/probe').query({ token: signWidgetToken(TEST_SECRET, { sub: otherSub, tid: 'acme', ses: 'main' }, T0).token }),
      403,
      'INVALID_WIDGET_TOKEN',
    ],
  ];
  for (const [name, send, status, code] of CASES) {
    const res = await send();
    assert.equal(res.status, status, name);
    assert.equal(res.body.code, code, name);
  }
  server.clock.advance(901_000);
  const expired = await request(probe).get('/probe').query({ token }).expect(403);
  assert.equal(expired.body.code, 'TOKEN_EXPIRED');
});

test('CORS on /widget/api: preflight answered, allowed origins pass, others are refused', async () => {
  const token = await createSession('acme', 'main');
  const preflight = await request(server.app)
    .options('/widget/api/state')
    .set('Origin', 'https://app.example.com')
    .set('Access-Control-Request-Method', 'GET')
    .set('Access-Control-Request-Headers', 'authorization')
    .expect(204);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(preflight.headers['access-control-allow-headers']!, /Authorization/);
  assert.match(preflight.headers.vary!, /Origin/);

  // Past the origin check the request reaches the routers (an unknown path here: 404).
  const allowed = await request(server.app).get('/widget/api/__probe').set('Origin', 'https://app.example.com').set('Authorization', `Bearer ${token}`);
  assert.equal(allowed.status, 404);
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');

  const foreign = await request(server.app).get('/widget/api/__probe').set('Origin', 'https://evil.example').set('Authorization', `Bearer ${token}`).expect(403);
  assert.equal(foreign.body.code, 'ORIGIN_NOT_ALLOWED');

  // The hosted page itself (same origin as PUBLIC_URL) is always allowed.
  await request(server.app).get('/widget/api/__probe').set('Origin', 'http://localhost:3000').query({ token }).expect(404);

  // Auth errors stay readable cross-origin, so the element can show "expired".
  const missing = await request(server.app).get('/widget/api/state').set('Origin', 'https://app.example.com').expect(401);
  assert.equal(missing.headers['access-control-allow-origin'], 'https://app.example.com');
});

test('CORS is not offered on /api or the page', async () => {
  const res = await request(server.app)
    .options('/api/widget/sessions')
    .set('Origin', 'https://app.example.com')
    .set('Access-Control-Request-Method', 'POST');
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});
