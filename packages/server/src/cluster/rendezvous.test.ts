import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionKeyId } from '../whatsapp/engine.js';
import { rendezvousOwner } from './rendezvous.js';

const keys = (n: number, tenant = 'acme') => Array.from({ length: n }, (_, i) => sessionKeyId({ tenantId: tenant, name: `session-${i}` }));

const counts = (members: string[], sessionKeys: string[]) => {
  const out = new Map(members.map((m) => [m, 0]));
  for (const key of sessionKeys) out.set(rendezvousOwner(members, key)!, out.get(rendezvousOwner(members, key)!)! + 1);
  return out;
};

test('60 sessions over 3 instances: none above 1.5x its even share (and the same for other names)', () => {
  const CASES: [string[], string][] = [
    [['titan-a', 'titan-b', 'titan-c'], 'acme'],
    [['host1-4242', 'host2-4242', 'host3-17'], 'acme'],
    [['a', 'b', 'c'], 'tenant-with-a-longer-name'],
  ];
  for (const [members, tenant] of CASES) {
    const byMember = counts(members, keys(60, tenant));
    for (const [member, n] of byMember) assert.ok(n <= 1.5 * 20 && n > 0, `${member}: ${n} of 60 (${[...byMember.values()]})`);
  }
});

test('every instance computes the same owner whatever order it lists the members in', () => {
  for (const key of keys(50)) {
    assert.equal(rendezvousOwner(['a', 'b', 'c'], key), rendezvousOwner(['c', 'a', 'b'], key));
  }
});

test('when a member leaves only its sessions move, and they spread over the others', () => {
  const all = keys(300);
  const before = new Map(all.map((k) => [k, rendezvousOwner(['a', 'b', 'c', 'd'], k)]));
  const moved = new Map<string, number>();
  for (const key of all) {
    const after = rendezvousOwner(['a', 'b', 'd'], key);
    if (before.get(key) !== 'c') assert.equal(after, before.get(key), 'a session of a live member stays');
    else moved.set(after!, (moved.get(after!) ?? 0) + 1);
  }
  assert.deepEqual([...moved.keys()].sort(), ['a', 'b', 'd'], `c's sessions spread: ${[...moved]}`);
});

test('no members: no owner', () => {
  assert.equal(rendezvousOwner([], 'x'), null);
  assert.equal(rendezvousOwner(['solo'], 'x'), 'solo');
});
