// A busy event loop in the middle of a link must never cost the credentials: a 401 that deletes
// them comes from the other side only, never from a timer of ours (or Baileys') that fired late.
// Real Baileys against the in-process emulator; the loop is stalled at the worst moments.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { SqliteStore } from '../store/index.js';
import { EventLog } from './test-support/engine-contract.js';
import { createEmulatedEngine } from './emulated.js';
import type { EmulatedEngine } from './emulated.js';

const logger = pino({ level: 'silent' });

/** Blocks the event loop, as a burst of synchronous key generation would. */
const stall = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

// [moment, emulator event to stall in, how long]: after pair-success, with Baileys' QR timer about
// to end the ref cycle and the 515 still unread; and at login, past our own connect watchdog.
const CASES: [string, 'linked' | 'login', number][] = [
  ['after the scan, before the 515 restart is read (QR timer fires first)', 'linked', 2_000],
  ['at login, longer than the connect watchdog', 'login', 3_500],
];

const engines: EmulatedEngine[] = [];
const stores: SqliteStore[] = [];
after(async () => {
  for (const engine of engines) await engine.close();
  for (const store of stores) await store.close();
});

for (const [moment, event, ms] of CASES) {
  test(`an event-loop stall ${moment}: CONNECTED, credentials kept, never LOGGED_OUT`, async () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const engine = await createEmulatedEngine({
      store,
      logger,
      // One QR ref that lives 1.5 s: Baileys' QR timer is due while the loop is stalled.
      emulator: { qrRefs: 1 },
      socketOptions: { qrTimeout: 1_500 },
      backoff: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
      connectTimeoutMs: 2_000,
    });
    engines.push(engine);
    const log = new EventLog(engine, 15_000);
    const key = { tenantId: 'default', name: `stall-${event}` };
    engine.emulator.edge.once(event, () => stall(ms));
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    const connected = await log.next('connected');
    assert.match(connected.phone ?? '', /^\d+$/);
    assert.equal(engine.isRunning(key), true);
    assert.deepEqual(
      log.events.filter((e) => e.type === 'disconnected' && !e.reconnecting || e.type === 'qr_timeout').map((e) => e.type),
      [],
      'no final disconnect and no QR timeout after a good scan',
    );
    assert.equal(await store.hasAuthState({ tenantId: key.tenantId, sessionName: key.name }), true);
  });
}
