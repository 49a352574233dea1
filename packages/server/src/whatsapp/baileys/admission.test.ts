import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionGate } from './admission.js';

test('at most `limit` at a time, the rest in arrival order; a double release frees one slot only', async () => {
  const gate = new AdmissionGate(2);
  const order: number[] = [];
  const releases = await Promise.all([gate.acquire(), gate.acquire()]);
  const later = [2, 3, 4].map((i) => gate.acquire().then((release) => (order.push(i), release)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([gate.active, gate.queued, order], [2, 3, []]);
  releases[0]!();
  releases[0]!(); // twice: still one slot
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([gate.active, gate.queued, order], [2, 2, [2]]);
  releases[1]!();
  (await later[0]!)();
  await Promise.all(later.slice(1).map(async (p) => (await p)()));
  assert.deepEqual(order, [2, 3, 4]);
  assert.deepEqual([gate.active, gate.queued], [0, 0]);
});
