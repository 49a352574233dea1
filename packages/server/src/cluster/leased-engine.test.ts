import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeTestServer, idleEngine } from '../test-support/server.js';
import type { EngineEvent, EngineListener, SessionKey } from '../whatsapp/engine.js';
import { LeasedEngine, NotOwnerError } from './leased-engine.js';

const KEY: SessionKey = { tenantId: 'acme', name: 'main' };

/** Leases in memory: `holder` per session name; `me` is this instance. */
function fakeLeases(me = 'titan-a') {
  const holder = new Map<string, string>();
  return {
    holder,
    acquire: async (key: SessionKey) => {
      const h = holder.get(key.name);
      if (h && h !== me) return null;
      holder.set(key.name, me);
      return 1;
    },
    release: async (key: SessionKey) => void (holder.get(key.name) === me && holder.delete(key.name)),
    ownerOf: async (key: SessionKey) => holder.get(key.name) ?? me,
  };
}

function recordingEngine() {
  const calls: string[] = [];
  const running = new Set<string>();
  let listener: EngineListener = () => {};
  const engine = {
    ...idleEngine(),
    start: async (key: SessionKey) => void (calls.push(`start ${key.name}`), running.add(key.name)),
    stop: async (key: SessionKey) => void (calls.push(`stop ${key.name}`), running.delete(key.name)),
    logout: async (key: SessionKey) => void (calls.push(`logout ${key.name}`), running.delete(key.name)),
    isRunning: (key: SessionKey) => running.has(key.name),
    subscribe: (l: EngineListener) => ((listener = l), () => {}),
  };
  return { engine, calls, running, emit: (event: EngineEvent) => listener(event) };
}

test('start takes the lease first; another live owner makes it a NotOwnerError naming that owner, and nothing starts', async () => {
  const leases = fakeLeases();
  const inner = recordingEngine();
  const engine = new LeasedEngine(inner.engine, leases);
  await engine.start(KEY);
  assert.equal(leases.holder.get('main'), 'titan-a');
  leases.holder.set('other', 'titan-b');
  await assert.rejects(engine.start({ tenantId: 'acme', name: 'other' }), (e: unknown) => e instanceof NotOwnerError && e.owner === 'titan-b' && e.code === 'CONFLICT');
  await assert.rejects(engine.logout({ tenantId: 'acme', name: 'other' }), NotOwnerError, 'a non-owner never deletes the creds from under the owner');
  assert.deepEqual(inner.calls, ['start main']);
});

test('stop and logout let the lease go; drop stops without touching it', async () => {
  const leases = fakeLeases();
  const inner = recordingEngine();
  const engine = new LeasedEngine(inner.engine, leases);
  await engine.start(KEY);
  await engine.drop(KEY);
  assert.equal(leases.holder.get('main'), 'titan-a', 'drop: lease untouched');
  await engine.start(KEY);
  await engine.stop(KEY);
  assert.equal(leases.holder.has('main'), false);
  await engine.start(KEY);
  await engine.logout(KEY);
  assert.equal(leases.holder.has('main'), false);
  assert.deepEqual(inner.calls, ['start main', 'stop main', 'start main', 'stop main', 'start main', 'logout main']);
});

test('a socket that finished for good (logged out, QR cycle over) lets its lease go; one that reconnects keeps it', async () => {
  const leases = fakeLeases();
  const inner = recordingEngine();
  new LeasedEngine(inner.engine, leases);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  leases.holder.set('main', 'titan-a');
  const disconnected = (reconnecting: boolean): EngineEvent => ({ type: 'disconnected', key: KEY, reason: 'LOGGED_OUT', code: 'LOGGED_OUT', message: '', retryable: false, reconnecting });
  inner.emit(disconnected(true));
  await settle();
  assert.equal(leases.holder.get('main'), 'titan-a');
  inner.emit(disconnected(false));
  await settle();
  assert.equal(leases.holder.has('main'), false);
  leases.holder.set('main', 'titan-a');
  inner.emit({ type: 'qr_timeout', key: KEY });
  await settle();
  assert.equal(leases.holder.has('main'), false);
});

test('GET /api/cluster in single mode: one instance and the sessions it runs; scope * only', async () => {
  const running = new Set(['live']);
  const server = makeTestServer({ config: { instanceId: 'solo-1' }, engine: { ...idleEngine(), isRunning: (k: SessionKey) => running.has(k.name) } });
  try {
    for (const name of ['live', 'idle']) {
      await server.store.ensureWaSession('acme', name);
      await server.store.updateWaSession('acme', name, { status: 'CONNECTED' });
    }
    const readOnly = await server.key('acme', ['sessions:read']);
    await request(server.app).get('/api/cluster').set('Authorization', `Bearer ${readOnly}`).expect(403);
    const res = await request(server.app).get('/api/cluster').set('Authorization', `Bearer ${await server.key()}`).expect(200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.data.mode, 'single');
    assert.equal(res.body.data.instanceId, 'solo-1');
    assert.deepEqual(res.body.data.instances.map((i: { id: string }) => i.id), ['solo-1']);
    assert.deepEqual(res.body.data.instances[0].sessions, [{ session: 'live', tenant: 'acme', leaseAgeMs: null, epoch: null }]);
  } finally {
    await server.close();
  }
});
