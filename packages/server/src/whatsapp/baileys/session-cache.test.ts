import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionCache } from './session-cache.js';

test('entries expire when read after their TTL, the oldest go past max, flushAll empties', () => {
  let now = 0;
  const cache = new SessionCache(1_000, 2, () => now);
  cache.set('a', 1);
  cache.set('b', 2);
  // [time, key, expected]
  const CASES: [number, string, number | undefined][] = [
    [999, 'a', 1],
    [1_000, 'a', undefined],
    [1_000, 'b', undefined],
  ];
  for (const [at, key, expected] of CASES) {
    now = at;
    assert.equal(cache.get(key), expected, `${key} at ${at}`);
  }
  cache.set('c', 3);
  cache.set('d', 4);
  cache.set('c', 5); // refreshed: now the newest
  cache.set('e', 6); // over max: 'd', the oldest, goes
  assert.deepEqual(['c', 'd', 'e'].map((k) => cache.get(k)), [5, undefined, 6]);
  assert.equal(cache.del('c'), true);
  cache.flushAll();
  assert.equal(cache.size, 0);
});
