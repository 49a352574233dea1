// The phone's companion slots: at most 4 devices, ids reused within the one byte the wire carries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompanionLimitError, MAX_COMPANIONS, Registry } from './registry.js';

const key = Buffer.alloc(32, 1);

test('a phone links 4 companions; the fifth is refused, pending links count too', () => {
  const registry = new Registry();
  const account = registry.account('15550100009');
  const linked = [0, 1, 2].map(() => registry.reserveDevice(account, key, key));
  for (const device of linked) registry.link(account, device);
  const linking = registry.reserveDevice(account, key, key); // the fourth, not signed yet
  assert.equal(MAX_COMPANIONS, 4);
  assert.throws(() => registry.reserveDevice(account, key, key), CompanionLimitError);
  registry.release(account, linking); // its link failed: the slot is free again
  const fourth = registry.reserveDevice(account, key, key);
  registry.link(account, fourth);
  assert.deepEqual([...account.devices.keys()], [1, 2, 3, 5]); // ids move on, as WhatsApp's do
  assert.throws(() => registry.assertRoom(account), /already has 4 linked devices/);
  // Another phone is not affected.
  assert.doesNotThrow(() => registry.assertRoom(registry.account('15550100010')));
});

test('device ids stay in 1..255 and skip ids in use, however many links came before', () => {
  const registry = new Registry();
  const account = registry.account('15550100011');
  const keep = registry.reserveDevice(account, key, key); // id 1 stays linked throughout
  registry.link(account, keep);
  const seen = new Set<number>();
  for (let i = 0; i < 600; i++) {
    const device = registry.reserveDevice(account, key, key);
    registry.link(account, device);
    assert.ok(device.id >= 1 && device.id <= 255, `id ${device.id}`);
    assert.notEqual(device.id, keep.id);
    assert.equal(device.jid, `15550100011:${device.id}@s.whatsapp.net`);
    seen.add(device.id);
    registry.unlink(account, device.id);
  }
  assert.equal(seen.size, 254);
  // A saved id counter from an older emulator, past the byte range, starts over at the first free id.
  account.nextDeviceId = 300;
  assert.equal(registry.reserveDevice(account, key, key).id, 2);
});

test('an account whose last device is unlinked is forgotten, unless a link or a login refusal is pending', () => {
  const registry = new Registry();
  const CASES: [string, (a: ReturnType<Registry['account']>) => void, boolean][] = [
    ['nothing left', () => {}, false],
    ['a link under way', (a) => void registry.reserveDevice(a, key, key), true],
    ['logins refused by a test', (a) => void (a.rejectLoginReason = 401), true],
  ];
  for (const [i, [why, arrange, kept]] of CASES.entries()) {
    const phone = `1555010002${i}`;
    const account = registry.account(phone);
    const device = registry.reserveDevice(account, key, key);
    registry.link(account, device);
    arrange(account);
    registry.unlink(account, device.id);
    assert.equal(registry.accounts.has(phone), kept, why);
  }
});

test("a saved phone keeps its identity's signing seed; state from before seeds restores without one", () => {
  const registry = new Registry();
  const identity = registry.account('15550100012').identity;
  const saved = registry.serialize();
  const restored = new Registry();
  restored.restore(JSON.parse(JSON.stringify(saved)));
  const again = restored.accounts.get('15550100012')!.identity;
  assert.deepEqual([again.private, again.public, again.seed], [identity.private, identity.public, identity.seed]);
  const { seed: _seed, ...older } = saved[0]!.identity;
  restored.restore([{ ...saved[0]!, identity: older }]);
  assert.equal(restored.accounts.get('15550100012')!.identity.seed, undefined);
});
