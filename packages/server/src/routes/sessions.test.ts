import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { ApiScope } from '@titan-connect/protocol';
import { simApp, type SimApp } from './test-support/sim-app.js';

/** A connected session `shop` and a linking one `pending`, in tenant acme; `other` in tenant beta. */
async function fixture(): Promise<SimApp> {
  const sim = await simApp();
  const shop = await sim.widgetSession({ sessionName: 'shop' });
  await sim.linking.ensureStarted(shop.id);
  await sim.engine.virtualPhone.scan((await sim.linking.state(shop.id)).qr!.qr);
  const pending = await sim.widgetSession({ sessionName: 'pending' });
  await sim.linking.ensureStarted(pending.id);
  const other = await sim.widgetSession({ sessionName: 'other' }, 'beta');
  await sim.linking.ensureStarted(other.id);
  return sim;
}

type Case = [name: string, method: 'get' | 'delete' | 'post', path: string, scopes: ApiScope[], body: object | null, status: number, code?: string];

const CASES: Case[] = [
  ['list needs sessions:read', 'get', '/api/sessions', ['messages:write'], null, 403, 'INSUFFICIENT_SCOPE'],
  ['get needs sessions:read', 'get', '/api/sessions/shop', ['sessions:manage'], null, 403, 'INSUFFICIENT_SCOPE'],
  ['get unknown', 'get', '/api/sessions/nope', ['sessions:read'], null, 404, 'NOT_FOUND'],
  ['get another tenant\'s session', 'get', '/api/sessions/other', ['sessions:read'], null, 404, 'NOT_FOUND'],
  ['get an impossible name', 'get', '/api/sessions/..%2Fx', ['sessions:read'], null, 404, 'NOT_FOUND'],
  ['delete needs sessions:manage', 'delete', '/api/sessions/shop', ['sessions:read'], null, 403, 'INSUFFICIENT_SCOPE'],
  ['delete unknown', 'delete', '/api/sessions/nope', ['sessions:manage'], null, 404, 'NOT_FOUND'],
  ['send needs messages:write', 'post', '/api/sessions/shop/messages', ['sessions:manage'], { to: '5511912345678', text: 'hi' }, 403, 'INSUFFICIENT_SCOPE'],
  ['send without text', 'post', '/api/sessions/shop/messages', ['messages:write'], { to: '5511912345678' }, 400, 'VALIDATION_FAILED'],
  ['send to letters', 'post', '/api/sessions/shop/messages', ['messages:write'], { to: 'bob', text: 'hi' }, 400, 'VALIDATION_FAILED'],
  ['send empty text', 'post', '/api/sessions/shop/messages', ['messages:write'], { to: '5511912345678', text: '' }, 400, 'VALIDATION_FAILED'],
  ['send with an unknown field', 'post', '/api/sessions/shop/messages', ['messages:write'], { to: '5511912345678', text: 'hi', x: 1 }, 400, 'VALIDATION_FAILED'],
  ['send from a session that is not connected', 'post', '/api/sessions/pending/messages', ['messages:write'], { to: '5511912345678', text: 'hi' }, 409, 'SESSION_NOT_CONNECTED'],
  ['send from an unknown session', 'post', '/api/sessions/nope/messages', ['messages:write'], { to: '5511912345678', text: 'hi' }, 404, 'NOT_FOUND'],
  ['send', 'post', '/api/sessions/shop/messages', ['messages:write'], { to: '+55 11 91234-5678', text: 'hi' }, 201],
  ['list', 'get', '/api/sessions', ['sessions:read'], null, 200],
  ['get', 'get', '/api/sessions/shop', ['*'], null, 200],
];

test('sessions API: scopes, validation, tenancy and status codes', async () => {
  const sim = await fixture();
  try {
    for (const [name, method, path, scopes, body, status, code] of CASES) {
      let req = request(sim.app)[method](path).set('Authorization', `Bearer ${await sim.key(scopes)}`);
      if (body) req = req.send(body);
      const res = await req;
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      if (code) assert.equal(res.body.code, code, name);
      if (code === 'INSUFFICIENT_SCOPE') assert.match(res.body.error, /sessions:read|sessions:manage|messages:write/, name);
    }
    await request(sim.app).get('/api/sessions').expect(401);
  } finally {
    await sim.close();
  }
});

test('GET shapes: exactly the fields of DESIGN.md, ISO dates, only the tenant\'s sessions', async () => {
  const sim = await fixture();
  try {
    const key = await sim.key(['sessions:read']);
    const list = (await request(sim.app).get('/api/sessions').set('Authorization', `Bearer ${key}`).expect(200)).body.data;
    assert.deepEqual(list.map((s: { name: string }) => s.name).sort(), ['pending', 'shop']);
    const shop = (await request(sim.app).get('/api/sessions/shop').set('X-Api-Key', key).expect(200)).body.data;
    assert.deepEqual(Object.keys(shop).sort(), ['createdAt', 'method', 'name', 'phone', 'pushName', 'status', 'statusReason', 'updatedAt']);
    assert.deepEqual([shop.status, shop.statusReason, shop.method], ['CONNECTED', null, 'qr']);
    assert.match(shop.phone, /^\d+$/);
    assert.equal(new Date(shop.createdAt).toISOString(), shop.createdAt);
    const pending = list.find((s: { name: string }) => s.name === 'pending');
    assert.deepEqual([pending.status, pending.statusReason], ['CONNECTING', 'SCAN_QR']);
  } finally {
    await sim.close();
  }
});

test('DELETE logs out: row and credentials gone, engine stopped, then 404', async () => {
  const sim = await fixture();
  try {
    const key = await sim.key(['sessions:manage', 'sessions:read']);
    const res = await request(sim.app).delete('/api/sessions/shop').set('Authorization', `Bearer ${key}`).expect(200);
    assert.deepEqual(res.body, { success: true, data: { name: 'shop', deleted: true } });
    assert.equal(await sim.store.hasAuthState({ tenantId: 'acme', sessionName: 'shop' }), false);
    assert.equal(sim.engine.isRunning({ tenantId: 'acme', name: 'shop' }), false);
    await request(sim.app).get('/api/sessions/shop').set('Authorization', `Bearer ${key}`).expect(404);
    await request(sim.app).delete('/api/sessions/shop').set('Authorization', `Bearer ${key}`).expect(404);
    // A Cloud API session has no device: deleting just removes it.
    await sim.store.ensureWaSession('acme', 'cloud');
    await sim.store.updateWaSession('acme', 'cloud', { status: 'CONNECTED', method: 'cloud-api', cloudApi: '{}' });
    await request(sim.app).delete('/api/sessions/cloud').set('Authorization', `Bearer ${key}`).expect(200);
    assert.equal(await sim.store.getWaSession('acme', 'cloud'), null);
  } finally {
    await sim.close();
  }
});

test('POST messages returns the message id', async () => {
  const sim = await fixture();
  try {
    const res = await request(sim.app)
      .post('/api/sessions/shop/messages')
      .set('Authorization', `Bearer ${await sim.key(['messages:write'])}`)
      .send({ to: '5511912345678', text: 'hello' })
      .expect(201);
    assert.match(res.body.data.id, /^3EB0[0-9A-F]+$/);
    assert.deepEqual([res.body.data.session, res.body.data.to], ['shop', '5511912345678']);
  } finally {
    await sim.close();
  }
});

test('GET /api/sessions pages with ?limit=&cursor=: oldest first, every session once, nextCursor null at the end', async () => {
  const sim = await simApp();
  try {
    const names = ['s-a', 's-b', 's-c', 's-d', 's-e', 's-f', 's-g'];
    for (const name of names) {
      await sim.widgetSession({ sessionName: name });
      sim.clock.advance(1_000);
    }
    const key = await sim.key(['sessions:read']);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const res = await request(sim.app).get(`/api/sessions${query}`).set('Authorization', `Bearer ${key}`).expect(200);
      sizes.push(res.body.data.length);
      seen.push(...res.body.data.map((s: { name: string }) => s.name));
      cursor = res.body.nextCursor;
    } while (cursor !== null && sizes.length < 10);
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.deepEqual(seen, names);
    // Without parameters: the first DEFAULT_PAGE_SIZE (all seven here), and a null cursor.
    const all = await request(sim.app).get('/api/sessions').set('Authorization', `Bearer ${key}`).expect(200);
    assert.equal(all.body.data.length, 7);
    assert.equal(all.body.nextCursor, null);
    const bad = await request(sim.app).get('/api/sessions?cursor=nope!').set('Authorization', `Bearer ${key}`).expect(400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  } finally {
    await sim.close();
  }
});
