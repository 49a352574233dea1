// The whole server on Postgres: `TITAN_DATABASE_URL` through `startServer`, a widget session
// linked with the simulator's virtual phone over HTTP, and a restart that still knows it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer } from './main.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './store/test-support/postgres.js';
import { captureLogger } from './test-support/server.js';

const skip = (await postgresUnavailable()) ?? undefined;

/** Polls `read` until `done` holds: linking writes its changes without making the request wait. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('server on Postgres (TITAN_DATABASE_URL)', { skip }, () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'titan-main-pg-'));
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create → QR → scan → connected → GET /api/sessions; a restart keeps the key and the session', async () => {
    const sqliteFile = join(dir, 'unused.db');
    const env = { PORT: '0', TITAN_DATABASE_URL: db.url, TITAN_DB: sqliteFile, TITAN_ENGINE: 'simulator', TITAN_DEMO: '0' };
    const first = await startServer(env, captureLogger().logger);
    const key = first.printedApiKey!;
    try {
      assert.ok(key, 'a fresh database gets a first key');
      const base = `http://localhost:${first.config.port}`;
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...init.headers } });
      const created = await api('/api/widget/sessions', { method: 'POST', body: JSON.stringify({ sessionName: 'shop' }) });
      assert.equal(created.status, 201);
      const token = ((await created.json()) as { data: { widgetToken: string } }).data.widgetToken;
      const widgetState = async () =>
        ((await (await fetch(`${base}/widget/api/state`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
          data: { phase: string; qr?: { qr: string } };
        }).data;
      const qr = await widgetState();
      assert.equal(qr.phase, 'qr');
      const scan = await fetch(`${base}/dev/simulator/scan`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ qr: qr.qr!.qr }) });
      assert.equal(scan.status, 200);
      assert.equal((await widgetState()).phase, 'connected');
      const listSessions = async () => ((await (await api('/api/sessions')).json()) as { data: { name: string; status: string }[] }).data;
      await until(listSessions, (list) => list.some((s) => s.name === 'shop' && s.status === 'CONNECTED'), 'GET /api/sessions');
    } finally {
      await first.close();
    }
    assert.equal(existsSync(sqliteFile), false, 'no SQLite file: the rows are in Postgres');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT status FROM wa_sessions WHERE name = $1', ['shop']).finally(() => client.end());
    assert.deepEqual(rows, [{ status: 'CONNECTED' }]);

    const second = await startServer(env, captureLogger().logger);
    try {
      assert.equal(second.printedApiKey, null, 'the key is in the database: none printed');
      const res = await fetch(`http://localhost:${second.config.port}/api/sessions/shop`, { headers: { Authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { status: string } }).data.status, 'CONNECTED');
    } finally {
      await second.close();
    }
  });
});
