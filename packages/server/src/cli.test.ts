import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyApiKey } from './api-keys.js';
import { runCli } from './cli.js';
import { SqliteStore } from './store/index.js';

let dir: string;
let env: Record<string, string>;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'titan-cli-'));
  env = { TITAN_DB: join(dir, 'titan.db') };
});
after(async () => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const withStore = async <T>(fn: (store: SqliteStore) => T | Promise<T>): Promise<T> => {
  const store = new SqliteStore(env.TITAN_DB!);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
};

test('keys create prints the key once; it works with the asked tenant and scopes', async () => {
  const res = await cli('keys', 'create', '--tenant', 'acme', '--scopes', 'sessions:manage,sessions:read', '--label', 'backend');
  assert.equal(res.code, 0, res.err);
  const key = /titan_sk_\S+/.exec(res.out)?.[0];
  assert.ok(key, res.out);
  const identity = await withStore((store) => verifyApiKey(store, key));
  assert.equal(identity?.tenantId, 'acme');
  assert.deepEqual(identity?.scopes, ['sessions:manage', 'sessions:read']);

  const list = await cli('keys', 'list', '--tenant', 'acme');
  assert.equal(list.code, 0);
  assert.match(list.out, new RegExp(`${identity!.id}\\tacme\\tsessions:manage,sessions:read\\tbackend`));
  assert.ok(!list.out.includes(key), 'list never shows the secret');

  const revoke = await cli('keys', 'revoke', identity!.id);
  assert.equal(revoke.code, 0, revoke.err);
  assert.equal(await withStore((store) => verifyApiKey(store, key)), null);
  assert.equal((await cli('keys', 'revoke', identity!.id)).code, 1, 'a second revoke finds no active key');
});

test('revoke accepts the full key too', async () => {
  const key = /titan_sk_\S+/.exec((await cli('keys', 'create', '--tenant', 'globex', '--scopes', '*')).out)![0];
  assert.equal((await cli('keys', 'revoke', key)).code, 0);
  assert.equal(await withStore((store) => verifyApiKey(store, key)), null);
});

test('usage errors exit 2 with a clear message', async () => {
  const CASES: [string[], RegExp][] = [
    [[], /Usage:/],
    [['keys'], /missing keys command/],
    [['keys', 'rotate'], /unknown keys command "rotate"/],
    [['users', 'list'], /unknown command "users"/],
    [['keys', 'create', '--scopes', '*'], /--tenant is required/],
    [['keys', 'create', '--tenant', 'acme'], /--scopes is required/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', 'sessions:write'], /unknown scope "sessions:write"/],
    [['keys', 'create', '--tenant', 'bad tenant', '--scopes', '*'], /invalid tenant id/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', '*', '--colour', 'red'], /Unknown option '--colour'/],
    [['keys', 'revoke'], /key id to revoke is required/],
  ];
  for (const [argv, message] of CASES) {
    const res = await cli(...argv);
    assert.equal(res.code, 2, argv.join(' '));
    assert.match(res.err, message, argv.join(' '));
  }
  assert.equal((await cli('--help')).code, 0);
});

test('a bad TITAN_DB-side config is a usage error naming the variable', async () => {
  const out: string[] = [];
  const code = await runCli(['keys', 'list'], { env: { ...env, PORT: 'x' }, out: (l) => out.push(l), err: (l) => out.push(l) });
  assert.equal(code, 2);
  assert.match(out.join('\n'), /PORT/);
});

test('as a program: exit status and output', async () => {
  const file = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const bad = run('keys', 'create', '--tenant', 'acme', '--scopes', 'nope');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown scope "nope"/);
  const good = run('keys', 'list');
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /acme/);
});

test('with TITAN_DATABASE_URL the keys live in Postgres; an unreachable one exits 1 naming the variable', async (t) => {
  const { createTestDatabase, postgresUnavailable } = await import('./store/test-support/postgres.js');
  const { PostgresStore } = await import('./store/index.js');
  const errors: string[] = [];
  const refused = await runCli(['keys', 'list'], { env: { TITAN_DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/x' }, out: () => {}, err: (l) => errors.push(l) });
  assert.equal(refused, 1);
  assert.match(errors.join('\n'), /^titan: TITAN_DATABASE_URL: could not open the Postgres database \(.+\)$/);
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const db = await createTestDatabase();
  try {
    const pgEnv = { TITAN_DATABASE_URL: db.url, TITAN_DB: join(dir, 'not-used.db') };
    const out: string[] = [];
    assert.equal(await runCli(['keys', 'create', '--tenant', 'acme', '--scopes', '*'], { env: pgEnv, out: (l) => out.push(l), err: () => {} }), 0);
    const key = /titan_sk_\S+/.exec(out.join('\n'))![0];
    const store = await PostgresStore.open(db.url);
    try {
      assert.equal((await verifyApiKey(store, key))?.tenantId, 'acme');
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
  }
});

test('webhooks create prints the whsec_ secret once; list shows the endpoint without it; delete removes it', async () => {
  const webhookEnv = { ...env, TITAN_SECRET: 'cli-test-secret-0123456789abcdefghijkl' };
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env: webhookEnv, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  // A public address as an IP literal: the SSRF check resolves host names, and tests have no DNS.
  const created = await run('webhooks', 'create', '--tenant', 'acme', '--url', 'https://93.184.215.14/titan', '--events', 'session.connected,message.received');
  assert.equal(created.code, 0, created.err);
  const secret = /whsec_\S+/.exec(created.out)?.[0];
  const id = /wh_[A-Za-z0-9]+/.exec(created.out)?.[0];
  assert.ok(secret && id, created.out);
  const stored = await withStore((store) => store.getWebhookEndpoint('acme', id));
  assert.deepEqual([stored?.url, stored?.events], ['https://93.184.215.14/titan', ['session.connected', 'message.received']]);
  assert.ok(!stored!.secretEnc.includes(secret.slice(6)), 'stored sealed');

  const list = await run('webhooks', 'list');
  assert.equal(list.code, 0);
  assert.match(list.out, new RegExp(`${id}\\tacme\\thttps://93.184.215.14/titan\\tsession.connected,message.received\\tyes`));
  assert.ok(!list.out.includes(secret), 'list never shows the secret');
  assert.match((await run('webhooks', 'list', '--tenant', 'nobody')).out, /No webhook endpoints for tenant "nobody"/);

  const BAD: string[][] = [
    ['webhooks', 'create', '--url', 'https://93.184.215.14/'],
    ['webhooks', 'create', '--tenant', 'acme'],
    ['webhooks', 'create', '--tenant', 'acme', '--url', 'http://hooks.example.com/'],
    ['webhooks', 'create', '--tenant', 'acme', '--url', 'https://93.184.215.14/', '--events', 'session.exploded'],
    ['webhooks', 'create', '--tenant', 'acme', '--url', 'https://169.254.169.254/latest'],
    ['webhooks', 'delete'],
    ['webhooks', 'rename'],
  ];
  for (const argv of BAD) {
    const res = await run(...argv);
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.out}`);
    assert.match(res.err, /^titan: /, argv.join(' '));
  }

  assert.equal((await run('webhooks', 'delete', id)).code, 0);
  assert.equal((await run('webhooks', 'delete', id)).code, 1, 'gone already');
  assert.equal(await withStore((store) => store.getWebhookEndpoint('acme', id)), null);
});
