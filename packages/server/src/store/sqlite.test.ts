import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite.js';
import type { ApiKeyRecord, WidgetSessionRecord } from './types.js';

let dir: string;
let path: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-store-'));
  path = join(dir, 'nested', 'titan.db');
  store = new SqliteStore(path);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const reopen = () => {
  store.close();
  store = new SqliteStore(path);
};

const apiKey = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'k1',
  tenantId: 'acme',
  secretHash: 'sha256:00',
  scopes: ['sessions:read', 'sessions:manage'],
  label: null,
  createdAt: 1,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

const widgetSession = (over: Partial<WidgetSessionRecord> = {}): WidgetSessionRecord => ({
  id: 'ws_1',
  tenantId: 'acme',
  sessionName: 'main',
  mode: 'all',
  callbackUrl: 'https://app.example.com/done',
  allowedOrigins: ['https://app.example.com'],
  locale: 'pt-BR',
  metaApp: { appId: 'a', configId: 'c', appSecretEnc: 'v1.x.y.z' },
  createdAt: 100,
  expiresAt: 1000,
  phase: 'idle',
  linkState: null,
  lastEventId: 0,
  ...over,
});

test('creates its folder, runs every migration once, uses WAL', () => {
  assert.equal(store.schemaVersion, MIGRATIONS.length);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  reopen();
  assert.equal(store.schemaVersion, MIGRATIONS.length, 'no migration runs twice');
});

test('settings, tenants and API keys survive a reopen', () => {
  store.setSetting('secret', 'a');
  store.setSetting('secret', 'b');
  store.insertApiKey(apiKey());
  store.insertApiKey(apiKey({ id: 'k2', tenantId: 'globex', scopes: ['*'], createdAt: 2 }));
  reopen();
  assert.equal(store.getSetting('secret'), 'b');
  assert.equal(store.getSetting('missing'), null);
  assert.deepEqual(store.listTenants(), ['acme', 'globex']);
  assert.deepEqual(store.getApiKey('k1'), apiKey());
  assert.deepEqual(store.listApiKeys('globex').map((k) => k.id), ['k2']);
  assert.deepEqual(store.listApiKeys().map((k) => k.id), ['k1', 'k2']);
  assert.equal(store.revokeApiKey('k1', 50), true);
  assert.equal(store.revokeApiKey('k1', 60), false);
  assert.equal(store.revokeApiKey('nope'), false);
  assert.equal(store.getApiKey('k1')!.revokedAt, 50);
  store.touchApiKey('k2', 70);
  assert.equal(store.getApiKey('k2')!.lastUsedAt, 70);
});

test('WhatsApp sessions are per tenant; ensure does not overwrite', () => {
  const created = store.ensureWaSession('acme', 'main', 10);
  assert.equal(created.status, 'DISCONNECTED');
  store.updateWaSession('acme', 'main', { status: 'CONNECTED', method: 'qr', phone: '5511999999999', updatedAt: 20 });
  assert.equal(store.ensureWaSession('acme', 'main', 30).status, 'CONNECTED');
  store.ensureWaSession('globex', 'main', 40);
  assert.equal(store.getWaSession('globex', 'main')!.status, 'DISCONNECTED');
  assert.deepEqual(store.listWaSessionsByStatus('CONNECTED').map((s) => s.tenantId), ['acme']);
  assert.equal(store.listWaSessions('acme').length, 1);
  store.writeCreds({ tenantId: 'acme', sessionName: 'main' }, '{"me":1}');
  assert.equal(store.deleteWaSession('acme', 'main'), true);
  assert.equal(store.getWaSession('acme', 'main'), null);
  assert.equal(store.hasAuthState({ tenantId: 'acme', sessionName: 'main' }), false, 'credentials go with the session');
  assert.ok(store.getWaSession('globex', 'main'));
});

test('widget sessions round-trip every field and keep patches', () => {
  store.ensureWaSession('acme', 'main', 1);
  store.insertWidgetSession(widgetSession());
  store.insertWidgetSession(widgetSession({ id: 'ws_2', createdAt: 200, metaApp: null, allowedOrigins: [], phase: 'qr' }));
  store.insertWidgetSession(widgetSession({ id: 'ws_old', createdAt: 50, expiresAt: 60, phase: 'qr' }));
  reopen();
  assert.deepEqual(store.getWidgetSession('ws_1'), widgetSession());
  assert.equal(store.getWidgetSession('nope'), null);
  store.updateWidgetSession('ws_1', { phase: 'pairing', linkState: '{"x":1}', lastEventId: 7 });
  const patched = store.getWidgetSession('ws_1')!;
  assert.equal(patched.phase, 'pairing');
  assert.equal(patched.linkState, '{"x":1}');
  assert.equal(patched.lastEventId, 7);
  assert.deepEqual(store.listLiveWidgetSessions(100).map((w) => w.id), ['ws_1', 'ws_2']);
  assert.deepEqual(store.listWidgetSessionsFor('acme', 'main').map((w) => w.id), ['ws_2', 'ws_1', 'ws_old']);
});

test('auth keys: writes are all-or-nothing and null deletes', () => {
  const key = { tenantId: 'acme', sessionName: 'main' };
  store.writeKeys(key, [
    { type: 'pre-key', id: '1', value: 'a' },
    { type: 'pre-key', id: '2', value: 'b' },
  ]);
  store.writeKeys(key, [
    { type: 'pre-key', id: '1', value: null },
    { type: 'pre-key', id: '2', value: 'c' },
  ]);
  assert.deepEqual([...store.readKeys(key, 'pre-key', ['1', '2', '3'])], [['2', 'c']]);
  assert.throws(() => store.writeKeys(key, [{ type: 'pre-key', id: '9', value: 'x' }, { type: 'pre-key', id: '10', value: undefined as never }]));
  assert.equal(store.readKeys(key, 'pre-key', ['9']).size, 0, 'the failed batch left nothing behind');
  store.deleteAuthState(key);
  assert.equal(store.readKeys(key, 'pre-key', ['2']).size, 0);
});

test('insertWaSessionIfAbsent says whether it inserted and never overwrites', () => {
  assert.equal(store.insertWaSessionIfAbsent('acme', 'main', 10), true);
  store.updateWaSession('acme', 'main', { status: 'CONNECTED', updatedAt: 20 });
  assert.equal(store.insertWaSessionIfAbsent('acme', 'main', 30), false);
  assert.equal(store.getWaSession('acme', 'main')!.status, 'CONNECTED');
  assert.deepEqual(store.listTenants(), ['acme'], 'the tenant is created with its first session');
});

/** Frames in the WAL right now (a passive checkpoint reports them). */
const walFrames = (): number => (store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;

test('transactBatched: calls of one turn resolve after one shared commit; a throwing one rolls back alone', async () => {
  store.ensureTenant('acme');
  const results = await Promise.allSettled([
    store.transactBatched(() => (store.insertWidgetSession(widgetSession({ id: 'ws_a' })), 'a')),
    store.transactBatched(() => {
      store.insertWidgetSession(widgetSession({ id: 'ws_b' }));
      throw new Error('refused');
    }),
    store.transactBatched(() => (store.insertWidgetSession(widgetSession({ id: 'ws_c' })), 'c')),
  ]);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['a', 'refused', 'c'],
  );
  reopen();
  assert.ok(store.getWidgetSession('ws_a'), 'committed before it resolved');
  assert.equal(store.getWidgetSession('ws_b'), null);
  assert.ok(store.getWidgetSession('ws_c'));
});

test('transactBatched writes the shared pages once per batch, not once per call', async () => {
  store.ensureTenant('acme');
  const insert = (i: number, prefix: string) => store.insertWidgetSession(widgetSession({ id: `ws_${prefix}${i}` }));
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  for (let i = 0; i < 20; i++) store.db.transaction(() => insert(i, 'single'))();
  const separate = walFrames();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.transactBatched(() => insert(i, 'batch'))));
  const batched = walFrames();
  assert.ok(batched * 5 <= separate, `${batched} WAL frames batched vs ${separate} one commit each`);
});

test('transactBatched rejects every call when the commit cannot happen', async () => {
  const pending = [store.transactBatched(() => 1), store.transactBatched(() => 2)];
  store.close();
  for (const p of pending) await assert.rejects(p, /not open/);
});
