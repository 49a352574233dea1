import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Router } from 'express';
import request from 'supertest';
import { apiRouters } from './app.js';
import type { ClusterStatusSource } from './cluster/types.js';
import type { Sessions } from './services/sessions.js';
import type { Webhooks } from './services/webhooks.js';
import type { WidgetSessions } from './services/widget-sessions.js';
import { openApiDocument } from './openapi.js';
import { makeTestServer } from './test-support/server.js';

test('the document is valid OpenAPI 3.1 (checked by a maintained validator)', async () => {
  const validator = new Validator();
  const result = await validator.validate(openApiDocument('https://titan.example.com') as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  // The validator does refuse a broken document (a response without its description).
  const broken = openApiDocument('https://titan.example.com') as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  broken.paths['/api/sessions']!.get!.responses['200'] = {};
  assert.equal((await new Validator().validate(broken as never)).valid, false);
});

/** Every route of a router as `METHOD /path` with OpenAPI's `{param}` spelling. */
function operationsOf(prefix: string, router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    const path = (prefix + (layer.route.path === '/' ? '' : layer.route.path)).replace(/:(\w+)/g, '{$1}');
    for (const method of Object.keys(layer.route.methods)) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out;
}

test('every /api route of the app is in the document, and the document names no other', () => {
  const routers = apiRouters({ logger: {} as never }, { widgetSessions: {} as WidgetSessions, sessions: {} as Sessions, webhooks: {} as Webhooks, cluster: {} as ClusterStatusSource });
  const inApp = routers.flatMap(([prefix, router]) => operationsOf(prefix, router)).sort();
  const paths = openApiDocument('https://x').paths as Record<string, Record<string, unknown>>;
  const inDocument = Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.ok(inApp.length >= 5, inApp.join());
  assert.deepEqual(inDocument, inApp);
});

test('the request schemas are the ones the routes enforce: a body the document forbids is a 400', async () => {
  const doc = openApiDocument('https://x') as { components: { schemas: Record<string, { properties: Record<string, unknown>; additionalProperties?: boolean }> } };
  const create = doc.components.schemas.CreateWidgetSessionRequest!;
  assert.deepEqual(Object.keys(create.properties).sort(), ['allowedOrigins', 'callbackUrl', 'locale', 'metaApp', 'mode', 'sessionName']);
  assert.equal(create.additionalProperties, false);
  const server = makeTestServer();
  try {
    const key = await server.key();
    await request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({ colour: 'red' }).expect(400);
  } finally {
    await server.close();
  }
});

test('GET /api/openapi.json and /api/docs are public; the docs page loads its UI from this server only', async () => {
  const server = makeTestServer();
  try {
    const doc = await request(server.app).get('/api/openapi.json').expect(200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.equal(doc.body.servers[0].url, server.config.publicUrl);
    const page = await request(server.app).get('/api/docs').expect(200);
    assert.match(page.headers['content-security-policy']!, /script-src 'self';/);
    assert.match(page.text, /<script src="\/api\/docs\/assets\/swagger-ui-bundle\.js"><\/script>/);
    await request(server.app).get('/api/docs/assets/swagger-ui-bundle.js').expect(200).expect('Content-Type', /javascript/);
    const init = await request(server.app).get('/api/docs/init.js').expect(200);
    assert.match(init.text, /url: '\/api\/openapi\.json'/);
    // Everything else under /api still needs a key.
    await request(server.app).get('/api/sessions').expect(401);
  } finally {
    await server.close();
  }
});
