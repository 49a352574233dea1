import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WAVersion } from 'baileys';
import { SqliteStore } from '../../store/index.js';
import { BUNDLED_WA_VERSION, WA_VERSION_SETTING, WaVersionSource, type FetchWaVersion } from './version.js';

const FRESH: WAVersion = [2, 3000, 1099999999];
const KEPT: WAVersion = [2, 3000, 1050000000];

const never: FetchWaVersion = () => new Promise(() => {});
const offline: FetchWaVersion = async () => {
  throw Object.assign(new Error('getaddrinfo ENOTFOUND web.whatsapp.com'), { code: 'ENOTFOUND' });
};

// [situation, fetcher, version kept in the store, expected]
const CASES: [string, FetchWaVersion, WAVersion | string | null, WAVersion][] = [
  ['fetch works', async () => FRESH, KEPT, FRESH],
  ['offline, a version was fetched before', offline, KEPT, KEPT],
  ['offline, never fetched', offline, null, BUNDLED_WA_VERSION],
  ['fetch hangs past the timeout', never, KEPT, KEPT],
  ['fetch finds no version', async () => null, KEPT, KEPT],
  ['fetch returns garbage', async () => [2, 'x', 1] as unknown as WAVersion, null, BUNDLED_WA_VERSION],
  ['the kept setting is corrupt', offline, 'not json', BUNDLED_WA_VERSION],
];

test('the version comes from the network, else the last fetched one, else the bundled one', async () => {
  for (const [situation, fetch, kept, expected] of CASES) {
    const store = new SqliteStore(':memory:');
    if (kept) await store.setSetting(WA_VERSION_SETTING, typeof kept === 'string' ? kept : JSON.stringify(kept));
    const source = new WaVersionSource(store, { fetch, timeoutMs: 20 });
    assert.deepEqual(await source.get(), expected, situation);
    await store.close();
  }
});

test('a fetched version is kept as the next last-known-good', async () => {
  const store = new SqliteStore(':memory:');
  await new WaVersionSource(store, { fetch: async () => FRESH }).get();
  assert.deepEqual(JSON.parse((await store.getSetting(WA_VERSION_SETTING))!), FRESH);
  assert.deepEqual(await new WaVersionSource(store, { fetch: offline }).get(), FRESH);
  await store.close();
});

test('the bundled fallback is the version baileys 7.0.0-rc14 ships', async () => {
  assert.deepEqual(BUNDLED_WA_VERSION, [2, 3000, 1043857760]);
});

test('concurrent callers share one fetch; the result is cached until invalidated', async () => {
  const store = new SqliteStore(':memory:');
  let calls = 0;
  const source = new WaVersionSource(store, {
    fetch: async () => {
      calls += 1;
      return [2, 3000, calls];
    },
  });
  const [a, b] = await Promise.all([source.get(), source.get()]);
  assert.deepEqual([a, b, calls], [[2, 3000, 1], [2, 3000, 1], 1]);
  assert.deepEqual(await source.get(), [2, 3000, 1]);
  source.invalidate();
  assert.deepEqual(await source.get(), [2, 3000, 2]);
  await store.close();
});

test('after the TTL the version is fetched again', async () => {
  const store = new SqliteStore(':memory:');
  let now = 0;
  let calls = 0;
  const source = new WaVersionSource(store, {
    fetch: async () => [2, 3000, ++calls],
    ttlMs: 1_000,
    clock: { now: () => now },
  });
  await source.get();
  now += 999;
  await source.get();
  now += 2;
  assert.deepEqual(await source.get(), [2, 3000, 2]);
  await store.close();
});
