import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite.js';
import { runLeaseContract } from './test-support/lease-contract.js';
import { runStoreContract, widgetSession } from './test-support/store-contract.js';

const openSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-store-'));
  const path = join(dir, 'titan.db');
  let store = new SqliteStore(path);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new SqliteStore(path);
      return store;
    },
    destroy: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
runStoreContract('SQLite', openSqlite);
runLeaseContract('SQLite', openSqlite);

let dir: string;
let path: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-store-'));
  path = join(dir, 'nested', 'titan.db');
  store = new SqliteStore(path);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A second connection to the file, as an operator's sqlite3 shell would open it. */
const inspect = <T>(read: (db: Database.Database) => T): T => {
  const db = new Database(path);
  try {
    return read(db);
  } finally {
    db.close();
  }
};

test('creates its folder and a file only its owner can read, runs every migration once, uses WAL', async () => {
  assert.equal(store.schemaVersion, MIGRATIONS.length);
  assert.equal(statSync(path).mode & 0o777, 0o600, 'the file holds linked devices: 0600');
  assert.equal(inspect((db) => db.pragma('journal_mode', { simple: true })), 'wal');
  await store.close();
  store = new SqliteStore(path);
  assert.equal(store.schemaVersion, MIGRATIONS.length, 'no migration runs twice');
});

/** Frames in the WAL right now (a passive checkpoint reports them). */
const walFrames = (): number => inspect((db) => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log);
const truncateWal = () => inspect((db) => db.pragma('wal_checkpoint(TRUNCATE)'));

test('group commit: creations of one turn share one commit, each resolves after it; a refused one does not touch the others', async () => {
  await store.createWidgetSession(widgetSession({ id: 'ws_first', sessionName: 'taken' }), { generatedName: false });
  const results = await Promise.all([
    store.createWidgetSession(widgetSession({ id: 'ws_a', sessionName: 'a' }), { generatedName: true }),
    store.createWidgetSession(widgetSession({ id: 'ws_b', sessionName: 'taken' }), { generatedName: true }),
    store.createWidgetSession(widgetSession({ id: 'ws_c', sessionName: 'c' }), { generatedName: true }),
  ]);
  assert.deepEqual(results, ['created', 'name-taken', 'created']);
  // Read by another connection: committed before the promises resolved.
  const ids = inspect((db) => (db.prepare('SELECT id FROM widget_sessions ORDER BY id').all() as { id: string }[]).map((r) => r.id));
  assert.deepEqual(ids, ['ws_a', 'ws_c', 'ws_first']);
});

test('group commit writes the shared pages once per batch, not once per creation', async () => {
  truncateWal();
  for (let i = 0; i < 20; i++) await store.createWidgetSession(widgetSession({ id: `ws_single${i}`, sessionName: `s${i}` }), { generatedName: false });
  const separate = walFrames();
  truncateWal();
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.createWidgetSession(widgetSession({ id: `ws_batch${i}`, sessionName: `b${i}` }), { generatedName: false })));
  const batched = walFrames();
  assert.ok(batched * 5 <= separate, `${batched} WAL frames batched vs ${separate} one commit each`);
});

test('a batch whose commit cannot happen rejects every creation in it', async () => {
  const pending = [
    store.createWidgetSession(widgetSession({ id: 'ws_x' }), { generatedName: false }),
    store.createWidgetSession(widgetSession({ id: 'ws_y', sessionName: 'other' }), { generatedName: false }),
  ];
  await store.close();
  for (const p of pending) await assert.rejects(p, /not open/);
});
