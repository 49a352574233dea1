// Saves are coalesced, never lost: a lone change is written at once, a burst at most once per
// interval, and closing the emulator writes whatever is still pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThrottledSave } from './persistence.js';
import { startEmulator } from './server.js';

/** An interval no test outlives: only `flush` can write a change that follows another. */
const HOUR_MS = 3_600_000;

describe('ThrottledSave', () => {
  it('writes a first change at once, holds the ones right after it, and flush writes them once', () => {
    const writes: number[] = [];
    let state = 0;
    const saves = new ThrottledSave(() => writes.push(state), () => {}, HOUR_MS);
    state = 1;
    saves.changed();
    assert.deepEqual(writes, [1]);
    for (state = 2; state <= 4; state++) saves.changed();
    assert.deepEqual(writes, [1]);
    saves.flush();
    assert.deepEqual(writes, [1, 5]);
    saves.flush();
    assert.deepEqual(writes, [1, 5], 'nothing new: no write');
  });

  it('keeps a change whose write failed, and writes it on the next flush', () => {
    let fail = true;
    const writes: string[] = [];
    const saves = new ThrottledSave(() => {
      if (fail) throw new Error('disk full');
      writes.push('ok');
    }, () => {}, HOUR_MS);
    assert.throws(() => saves.changed(), /disk full/);
    fail = false;
    saves.flush();
    assert.deepEqual(writes, ['ok']);
  });
});

describe('the emulator, closed cleanly', () => {
  it('has saved every change, even those made right before close', async () => {
    let saved: string | null = null;
    const emulator = await startEmulator({ persistence: { load: () => saved, save: (state) => (saved = state) } });
    const numbers = ['15550100011', '15550100012', '15550100013'];
    for (const phoneNumber of numbers) {
      emulator.edge.registry.account(phoneNumber);
      emulator.edge.changed();
    }
    await emulator.close();
    const accounts = (JSON.parse(saved!) as { accounts: Array<{ phoneNumber: string }> }).accounts;
    assert.deepEqual(accounts.map((a) => a.phoneNumber), numbers);
  });
});
