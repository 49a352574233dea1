import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import request from 'supertest';
import { makeTestServer } from '../test-support/server.js';
import { WIDGET_SESSIONS_PER_MINUTE } from './rate-limit.js';

const create = (app: Parameters<typeof request>[0], key: string) => request(app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({});

test(`POST /api/widget/sessions: ${WIDGET_SESSIONS_PER_MINUTE} per API key per minute, then 429 RATE_LIMITED with Retry-After`, async () => {
  const server = makeTestServer();
  try {
    const [busy, other] = [await server.key('acme'), await server.key('acme')];
    for (let i = 1; i <= WIDGET_SESSIONS_PER_MINUTE; i++) {
      const res = await create(server.app, busy);
      assert.equal(res.status, 201, `creation ${i}`);
    }
    const refused = await create(server.app, busy);
    assert.equal(refused.status, 429);
    assert.deepEqual(Object.keys(refused.body).sort(), ['code', 'error']);
    assert.equal(refused.body.code, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`);
    assert.match(refused.headers['ratelimit-policy'] ?? '', new RegExp(`q=${WIDGET_SESSIONS_PER_MINUTE}`));
    // Per key: the tenant's other key still has its own budget.
    assert.equal((await create(server.app, other)).status, 201);
  } finally {
    await server.close();
  }
});

test('only creations by a key with the scope count; other routes are not limited', async () => {
  const server = makeTestServer({ extra: { limits: { widgetSessions: { perMinute: 2 } } } });
  try {
    const readOnly = await server.key('acme', ['sessions:read']);
    for (let i = 0; i < 5; i++) assert.equal((await create(server.app, readOnly)).status, 403);
    const key = await server.key('acme');
    assert.equal((await create(server.app, key)).status, 201);
    assert.equal((await create(server.app, key)).status, 201);
    assert.equal((await create(server.app, key)).status, 429);
    for (let i = 0; i < 5; i++) assert.equal((await request(server.app).get('/api/sessions').set('Authorization', `Bearer ${key}`)).status, 200);
  } finally {
    await server.close();
  }
});

test('TITAN_WIDGET_SESSIONS_PER_MINUTE sets the budget; limits given to createApp still win', async () => {
  const fromConfig = makeTestServer({ config: { widgetSessionsPerMinute: 3 } });
  const overridden = makeTestServer({ config: { widgetSessionsPerMinute: 3 }, extra: { limits: { widgetSessions: { perMinute: 1 } } } });
  try {
    const key = await fromConfig.key('acme');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await create(fromConfig.app, key)).status);
    assert.deepEqual(statuses, [201, 201, 201, 429]);
    const other = await overridden.key('acme');
    assert.deepEqual([(await create(overridden.app, other)).status, (await create(overridden.app, other)).status], [201, 429]);
  } finally {
    await fromConfig.close();
    await overridden.close();
  }
});

test('the counter store is swappable (the seam for a cluster-wide store)', async () => {
  const hits = new Map<string, number>();
  // A store as cluster mode would bring one (rate-limit-redis, rate-limit-postgresql): one client
  // object per instance, counts kept in one shared place (here a Map).
  const sharedStore = (): Store => ({
    async increment(key: string): Promise<ClientRateLimitInfo> {
      hits.set(key, (hits.get(key) ?? 0) + 1);
      return { totalHits: hits.get(key)!, resetTime: new Date(Date.now() + 30_000) };
    },
    async decrement(key: string) {
      hits.set(key, (hits.get(key) ?? 1) - 1);
    },
    async resetKey(key: string) {
      hits.delete(key);
    },
  });
  // Two "instances" on one store share one budget.
  const a = makeTestServer({ extra: { limits: { widgetSessions: { perMinute: 2, store: sharedStore() } } } });
  const b = makeTestServer({ extra: { limits: { widgetSessions: { perMinute: 2, store: sharedStore() } } } });
  try {
    const key = await a.key('acme');
    // Same key id on both instances: copy the row the way a shared database would have it.
    const keyId = key.split('_')[2]!;
    await b.store.insertApiKey((await a.store.getApiKey(keyId))!);
    assert.equal((await create(a.app, key)).status, 201);
    assert.equal((await create(b.app, key)).status, 201);
    const third = await create(a.app, key);
    assert.equal(third.status, 429);
    assert.equal(third.headers['retry-after'], '30');
    assert.deepEqual([...hits.values()], [3]);
  } finally {
    await a.close();
    await b.close();
  }
});
