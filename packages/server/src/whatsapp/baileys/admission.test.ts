import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionGate } from './admission.js';

const tick = () => new Promise((r) => setImmediate(r));

test('at most `limit` at a time, the rest in arrival order; a double release frees one slot only', async () => {
  const gate = new AdmissionGate(2);
  const order: number[] = [];
  const releases = await Promise.all([gate.acquire('link'), gate.acquire('link')]);
  const later = [2, 3, 4].map((i) => gate.acquire('link').then((release) => (order.push(i), release)));
  await tick();
  assert.deepEqual([gate.active, gate.queued, order], [2, 3, []]);
  releases[0]!();
  releases[0]!(); // twice: still one slot
  await tick();
  assert.deepEqual([gate.active, gate.queued, order], [2, 2, [2]]);
  releases[1]!();
  (await later[0]!)();
  await Promise.all(later.slice(1).map(async (p) => (await p)()));
  assert.deepEqual(order, [2, 3, 4]);
  assert.deepEqual([gate.active, gate.queued], [0, 0]);
});

test('a login waiting goes before every new link waiting, whatever came first; each line keeps its order', async () => {
  const gate = new AdmissionGate(1);
  const held = await gate.acquire('link');
  const order: string[] = [];
  // Each one releases as soon as it is admitted, handing the slot on.
  const wait = (kind: 'login' | 'link', name: string) => gate.acquire(kind).then((release) => (order.push(name), setImmediate(release)));
  const waiting = [wait('link', 'link-1'), wait('link', 'link-2'), wait('login', 'login-1'), wait('link', 'link-3'), wait('login', 'login-2')];
  await tick();
  assert.equal(gate.queued, 5);
  held();
  await Promise.all(waiting);
  await tick();
  assert.deepEqual(order, ['login-1', 'login-2', 'link-1', 'link-2', 'link-3']);
  assert.deepEqual([gate.active, gate.queued], [0, 0]);
});

test('a limit that is not a whole number >= 1 is refused', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new AdmissionGate(bad), RangeError);
});
