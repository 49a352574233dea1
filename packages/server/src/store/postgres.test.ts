import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from './migrations.js';
import { PG_MIGRATIONS } from './postgres-migrations.js';
import { PostgresStore } from './postgres.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './test-support/postgres.js';
import { runLeaseContract } from './test-support/lease-contract.js';
import { runStoreContract, widgetSession } from './test-support/store-contract.js';

const skip = (await postgresUnavailable()) ?? undefined;

const openPostgres = async () => {
  const db = await createTestDatabase();
  let store = await PostgresStore.open(db.url);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await PostgresStore.open(db.url);
      return store;
    },
    destroy: async () => {
      await store.close();
      await db.drop();
    },
  };
};
runStoreContract('Postgres', openPostgres, { skip });
runLeaseContract('Postgres', openPostgres, { skip });

/** Tables and their columns, as `table.column` lines, sorted. */
const sqliteColumns = (): string[] => {
  const db = new Database(':memory:');
  try {
    for (const sql of MIGRATIONS) db.exec(sql);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    return tables.flatMap((t) => (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => `${t}.${c.name}`)).sort();
  } finally {
    db.close();
  }
};

const query = async <T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
};

describe('Postgres store', { skip }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  test('three instances starting at once on a fresh database: the schema of SQLite, each migration run once', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(db.url)));
    try {
      const applied = stores.flatMap((s) => s.appliedMigrations).sort();
      assert.deepEqual(applied, PG_MIGRATIONS.map((_, i) => i + 1), 'the versions were applied once, by one instance');
      const versions = await query<{ version: number }>(db.url, 'SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(versions.map((v) => v.version), PG_MIGRATIONS.map((_, i) => i + 1));
      const columns = await query<{ c: string }>(
        db.url,
        `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      );
      assert.deepEqual(columns.map((r) => r.c).sort(), sqliteColumns(), 'same tables and columns as migrations.ts');
      const again = await PostgresStore.open(db.url);
      assert.deepEqual(again.appliedMigrations, [], 'a restart applies nothing');
      await again.close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('linking changes sent without waiting commit in call order: the last status wins', async () => {
    const store = await PostgresStore.open(db.url);
    try {
      await store.ensureWaSession('acme', 'order', 1);
      const statuses = ['CONNECTING', 'CONNECTED', 'DISCONNECTED'] as const;
      const writes = Array.from({ length: 60 }, (_, i) =>
        store.commitLinkChange({ waSession: { tenantId: 'acme', name: 'order', patch: { status: statuses[i % 3]!, updatedAt: i } } }),
      );
      await Promise.all(writes);
      const wa = (await store.getWaSession('acme', 'order'))!;
      assert.deepEqual([wa.status, wa.updatedAt], [statuses[59 % 3], 59]);
      // A failed change does not stop the queue.
      const bad = store.commitLinkChange({ widgetSessions: [{ id: 'x', patch: { lastEventId: 'nope' as never } }] });
      const good = store.commitLinkChange({ waSession: { tenantId: 'acme', name: 'order', patch: { status: 'CONNECTED', updatedAt: 99 } } });
      await assert.rejects(bad);
      await good;
      assert.equal((await store.getWaSession('acme', 'order'))!.status, 'CONNECTED');
    } finally {
      await store.close();
    }
  });

  test('millisecond times beyond 32 bits and a large key batch with repeated ids round-trip', async () => {
    const store = await PostgresStore.open(db.url);
    try {
      const now = Date.UTC(2026, 11, 1);
      await store.createWidgetSession(widgetSession({ id: 'ws_now', sessionName: 'now', createdAt: now, expiresAt: now + 600_000 }), { generatedName: false });
      const ws = (await store.getWidgetSession('ws_now'))!;
      assert.deepEqual([ws.createdAt, ws.expiresAt], [now, now + 600_000]);
      const key = { tenantId: 'acme', sessionName: 'now' };
      const preKeys = Array.from({ length: 812 }, (_, i) => ({ type: 'pre-key', id: String(i), value: `v${i}` }));
      await store.writeKeys(key, [...preKeys, { type: 'pre-key', id: '0', value: null }, { type: 'pre-key', id: '1', value: 'again' }]);
      const read = await store.readKeys(key, 'pre-key', ['0', '1', '811', '812']);
      assert.deepEqual([...read].sort(), [['1', 'again'], ['811', 'v811']], 'in one batch the last entry for an id wins');
    } finally {
      await store.close();
    }
  });

  test('concurrent creations of one new name from separate pools: exactly one is created', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(db.url)));
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % 3]!.createWidgetSession(widgetSession({ id: `race${i}`, sessionName: 'race' }), { generatedName: true }),
        ),
      );
      assert.equal(results.filter((r) => r === 'created').length, 1, results.join());
      assert.equal(results.filter((r) => r === 'name-taken').length, 11);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  // createWidgetSession's one statement cannot see a row committed after its snapshot (here: while
  // it waits on that row's uncommitted insert); the transaction it falls back to must.
  for (const [status, expected] of [
    ['DISCONNECTED', 'created'],
    ['CONNECTED', 'already-connected'],
  ] as const) {
    test(`a chosen name committed ${status} by another transaction while a creation waits on it: ${expected}`, async () => {
      const store = await PostgresStore.open(db.url);
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      try {
        const name = `late-${status.toLowerCase()}`;
        await other.query('BEGIN');
        await other.query(`INSERT INTO tenants (id, created_at) VALUES ('acme', 1) ON CONFLICT DO NOTHING`);
        await other.query(`INSERT INTO wa_sessions (tenant_id, name, status, created_at, updated_at) VALUES ('acme', $1, $2, 1, 1)`, [name, status]);
        const creating = store.createWidgetSession(widgetSession({ id: `ws_${name}`, sessionName: name }), { generatedName: false });
        // Commit only once the creation waits on the uncommitted row.
        for (let waited = 0; ; waited += 10) {
          const [row] = (await other.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`)).rows as { n: number }[];
          if (row!.n > 0) break;
          if (waited > 5_000) throw new Error('the creation never waited on the row');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query('COMMIT');
        assert.equal(await creating, expected);
        assert.equal((await store.getWidgetSession(`ws_${name}`)) !== null, expected === 'created');
        assert.equal((await store.getWaSession('acme', name))!.status, status);
      } finally {
        await other.end();
        await store.close();
      }
    });
  }
});
