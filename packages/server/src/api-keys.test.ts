import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY_CACHE_MS, createApiKey, ensureApiKey, hasScope, parseApiKey, parseScopes, randomBase62, revokeApiKey, verifyApiKey } from './api-keys.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './store/index.js';

let store: SqliteStore;
beforeEach(async () => {
  store = new SqliteStore(':memory:');
});
afterEach(async () => await store.close());

test('a created key verifies to its tenant and scopes, and only its hash is stored', async () => {
  const { key, record } = await createApiKey(store, { tenantId: 'acme', scopes: ['sessions:read'], label: 'ci' });
  assert.match(key, /^titan_sk_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
  assert.deepEqual(await verifyApiKey(store, key), { id: record.id, tenantId: 'acme', scopes: ['sessions:read'] });
  const stored = (await store.getApiKey(record.id))!;
  const secret = parseApiKey(key)!.secret;
  assert.ok(!stored.secretHash.includes(secret));
  assert.match(stored.secretHash, /^sha256:[0-9a-f]{64}$/);
  const dump = JSON.stringify(await store.listApiKeys());
  assert.ok(!dump.includes(secret), 'secret absent from the table');
});

test('wrong, malformed, unknown and revoked keys do not verify', async () => {
  const { key, record } = await createApiKey(store, { tenantId: 'acme', scopes: ['*'] });
  const { id, secret } = parseApiKey(key)!;
  const flipped = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
  const CASES = [
    `titan_sk_${id}_${flipped}`,
    `titan_sk_${'Z'.repeat(12)}_${secret}`,
    key + 'x!',
    key.replace('titan_sk_', 'titan_pk_'),
    '',
    'Bearer ' + key,
  ];
  for (const candidate of CASES) assert.equal(await verifyApiKey(store, candidate), null, candidate);
  assert.equal(await revokeApiKey(store, record.id), true);
  assert.equal(await revokeApiKey(store, record.id), false, 'already revoked');
  assert.equal(await verifyApiKey(store, key), null);
});

test('verify records last use at most once a minute', async () => {
  const { key, record } = await createApiKey(store, { tenantId: 'acme', scopes: ['*'], now: 1000 });
  await verifyApiKey(store, key, 10_000);
  assert.equal((await store.getApiKey(record.id))!.lastUsedAt, 10_000);
  await verifyApiKey(store, key, 20_000);
  assert.equal((await store.getApiKey(record.id))!.lastUsedAt, 10_000);
  await verifyApiKey(store, key, 80_000);
  assert.equal((await store.getApiKey(record.id))!.lastUsedAt, 80_000);
});

test('ensureApiKey makes the exact key exist; a revoked one stays revoked', async () => {
  const key = 'titan_sk_Bootstrap1234_0123456789abcdefghijABCDEFGHIJ';
  const first = await ensureApiKey(store, key, { tenantId: 'default', scopes: ['*'] });
  assert.equal((await verifyApiKey(store, key))?.tenantId, 'default');
  assert.equal((await ensureApiKey(store, key, { tenantId: 'default', scopes: ['*'] })).createdAt, first.createdAt);
  assert.equal((await store.listApiKeys()).length, 1);
  await revokeApiKey(store, first.id, 1_000);
  const again = await ensureApiKey(store, key, { tenantId: 'default', scopes: ['*'] });
  assert.equal(again.revokedAt, 1_000, 'ensure reports the key as revoked');
  assert.equal(await verifyApiKey(store, key), null, 'and it does not verify');
  // Nor does a new secret under the revoked id: a new bootstrap key needs a new id.
  const other = 'titan_sk_Bootstrap1234_ZZZZ456789abcdefghijABCDEFGHIJ';
  assert.equal((await ensureApiKey(store, other, { tenantId: 'default', scopes: ['*'] })).revokedAt, 1_000);
  assert.equal(await verifyApiKey(store, other), null);
  await assert.rejects(ensureApiKey(store, 'nope', { tenantId: 'default', scopes: ['*'] }));
});

test('scopes: * allows all; lists are parsed strictly', async () => {
  const SCOPE_CASES: [string[], string, boolean][] = [
    [['*'], 'sessions:manage', true],
    [['sessions:read'], 'sessions:read', true],
    [['sessions:read'], 'sessions:manage', false],
    [['sessions:manage'], 'messages:write', false],
  ];
  for (const [scopes, wanted, expected] of SCOPE_CASES) {
    assert.equal(hasScope({ scopes: scopes as never }, wanted as never), expected, `${scopes} → ${wanted}`);
  }
  assert.deepEqual(parseScopes('sessions:manage, sessions:read,sessions:read'), ['sessions:manage', 'sessions:read']);
  assert.throws(() => parseScopes('sessions:write'), /unknown scope "sessions:write"/);
  assert.throws(() => parseScopes(' , '), /at least one scope/);
});

test('randomBase62 has the asked length and alphabet', async () => {
  for (const n of [1, 4, 32, 100]) assert.match(randomBase62(n), new RegExp(`^[0-9A-Za-z]{${n}}$`));
});

test('randomBase62 stays uniform across refills of its byte pool', async () => {
  // 124,000 characters use ~30 pool refills; each of the 62 letters is expected 2,000 times
  // (standard deviation ~44), so ±400 only fails on a real bias (e.g. reused or skipped bytes).
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) for (const c of randomBase62(124)) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 62);
  for (const [c, n] of counts) assert.ok(Math.abs(n - 2000) < 400, `${c} drawn ${n} times`);
  const ids = new Set(Array.from({ length: 5000 }, () => randomBase62(22)));
  assert.equal(ids.size, 5000);
});

test('tenant ids are validated', async () => {
  await assert.rejects(createApiKey(store, { tenantId: 'bad tenant', scopes: ['*'] }), /invalid tenant/);
});

test('a key revoked by another process stops working within API_KEY_CACHE_MS; one revoked here at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-keys-'));
  const server = new SqliteStore(join(dir, 'titan.db'));
  // The CLI: another connection to the same file, whose writes this one's cache cannot see.
  const cli = new SqliteStore(join(dir, 'titan.db'));
  try {
    const t0 = 1_000_000;
    const viaCli = await createApiKey(cli, { tenantId: 'acme', scopes: ['*'], now: t0 });
    const viaServer = await createApiKey(server, { tenantId: 'acme', scopes: ['*'], now: t0 });
    assert.ok(await verifyApiKey(server, viaCli.key, t0), 'a key made by the CLI works at once (misses are not cached)');
    assert.ok(await verifyApiKey(server, viaServer.key, t0));

    await revokeApiKey(cli, viaCli.record.id, t0);
    const CASES: [atMs: number, works: boolean][] = [
      [t0 + 1, true],
      [t0 + API_KEY_CACHE_MS - 1, true],
      [t0 + API_KEY_CACHE_MS, false],
      [t0 - 1, false], // a clock that went backwards re-reads
    ];
    for (const [at, works] of CASES) assert.equal(await verifyApiKey(server, viaCli.key, at) !== null, works, `at t0+${at - t0}`);

    // The cached row never spares the secret check.
    const wrongSecret = `titan_sk_${viaServer.record.id}_${'x'.repeat(32)}`;
    assert.equal(await verifyApiKey(server, wrongSecret, t0 + 1), null);

    // A key re-written in this process (new scopes) is seen at once, not after the cache time.
    await ensureApiKey(server, viaServer.key, { tenantId: 'acme', scopes: ['sessions:read'] });
    assert.deepEqual((await verifyApiKey(server, viaServer.key, t0 + 1))?.scopes, ['sessions:read'], 're-written in this process: seen at once');
    await revokeApiKey(server, viaServer.record.id, t0 + 1);
    assert.equal(await verifyApiKey(server, viaServer.key, t0 + 2), null, 'revoked in this process: refused at once');
  } finally {
    await cli.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
