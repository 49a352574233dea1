import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, StoreOpenError } from './open.js';
import { createTestDatabase, postgresUnavailable } from './test-support/postgres.js';

const skip = (await postgresUnavailable()) ?? undefined;

test('no TITAN_DATABASE_URL: the SQLite store', async () => {
  const store = await openStore({ dbPath: ':memory:', databaseUrl: null });
  assert.equal(store.kind, 'sqlite');
  await store.close();
});

test('an unreachable Postgres: one line naming TITAN_DATABASE_URL, without the password', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const error = await openStore({ dbPath: ':memory:', databaseUrl: 'postgres://titan:hunter2@127.0.0.1:1/titan' }).then(
    () => assert.fail('opened'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StoreOpenError, String(error));
  assert.match(error.message, /^TITAN_DATABASE_URL: could not open the Postgres database \(.+\)$/);
  assert.ok(!error.message.includes('hunter2'));
});

test('TITAN_DATABASE_URL set: the Postgres store', { skip }, async () => {
  const db = await createTestDatabase();
  try {
    const store = await openStore({ dbPath: ':memory:', databaseUrl: db.url });
    assert.equal(store.kind, 'postgres');
    await store.close();
  } finally {
    await db.drop();
  }
});
