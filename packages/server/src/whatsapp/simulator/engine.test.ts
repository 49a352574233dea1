import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SqliteStore } from '../../store/index.js';
import { EventLog, runEngineContract } from '../test-support/engine-contract.js';
import type { SessionKey } from '../engine.js';
import { QR_STRING_PATTERN, newPairingCode, PAIRING_CODE_ALPHABET } from './codes.js';
import { SimulatorEngine, type SimulatorFailure } from './engine.js';

const logger = pino({ level: 'silent' });

runEngineContract('simulator', (store) => new SimulatorEngine({ store, speed: 1, logger }));

const key: SessionKey = { tenantId: 'default', name: 'sim' };

/** A fake clock: expiry timestamps come from it, so the test can check them exactly. */
const fixedClock = (now: number) => ({ now: () => now });

describe('SimulatorEngine', () => {
  test('QR strings have the exact baileys 7 shape with fresh keys per session', async () => {
    const store = new SqliteStore(':memory:');
    const engine = new SimulatorEngine({ store, speed: 1, logger });
    const log = new EventLog(engine);
    await engine.start(key);
    await engine.start({ ...key, name: 'sim2' });
    const [a, b] = log.events.filter((e) => e.type === 'qr').map((e) => (e.type === 'qr' ? e.qr : ''));
    assert.match(a!, QR_STRING_PATTERN);
    assert.notEqual(a!.split(',')[1], b!.split(',')[1], 'noise keys differ between sessions');
    assert.equal(a!.split(',')[4], '1', 'platform id of Browsers.macOS("Chrome")');
    await engine.close();
  });

  test('rotation: 6 QRs, first 60 s then 20 s each (scaled by speed), then qr_timeout; keys stay, refs change', async () => {
    const store = new SqliteStore(':memory:');
    const speed = 200; // 60 s → 300 ms, 20 s → 100 ms
    const engine = new SimulatorEngine({ store, speed, logger, clock: fixedClock(1_000_000) });
    const log = new EventLog(engine, 5_000);
    await engine.start(key);
    await log.next('qr_timeout');
    const qrs = log.events.flatMap((e) => (e.type === 'qr' ? [e] : []));
    assert.deepEqual(qrs.map((q) => q.attempt), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(qrs.map((q) => q.expiresAt - 1_000_000), [300, 100, 100, 100, 100, 100]);
    assert.equal(new Set(qrs.map((q) => q.qr.split(',')[0])).size, 6, 'every QR has a new ref');
    assert.equal(new Set(qrs.map((q) => q.qr.split(',').slice(1).join())).size, 1, 'the companion keys stay');
    assert.equal(engine.isRunning(key), false);
    // restartQr begins a fresh cycle.
    await engine.restartQr(key);
    assert.equal(log.events.at(-1)?.type, 'qr');
    await engine.close();
  });

  test('a stale QR (already rotated away) gets 400', async () => {
    const engine = new SimulatorEngine({ store: new SqliteStore(':memory:'), speed: 1000, logger });
    const log = new EventLog(engine);
    await engine.start(key);
    const first = await log.next('qr');
    await log.next('qr', (e) => e.attempt === 2);
    await assert.rejects(engine.virtualPhone!.scan(first.qr), { code: 'BAD_REQUEST' });
    await engine.close();
  });

  test('a pairing code expires after about 3 minutes (scaled) as qr_timeout, then it is refused', async () => {
    const engine = new SimulatorEngine({ store: new SqliteStore(':memory:'), speed: 1800, logger, clock: fixedClock(0) });
    const log = new EventLog(engine);
    await engine.start(key, { pairingPhoneNumber: '5511912345678' });
    const pairing = await log.next('pairing_code');
    assert.equal(pairing.expiresAt, 100);
    await log.next('qr_timeout');
    await assert.rejects(engine.virtualPhone!.enterCode(pairing.code), { code: 'BAD_REQUEST' });
    await engine.close();
  });

  test('pairing codes are 8 characters of the baileys alphabet', async () => {
    for (let i = 0; i < 200; i++) {
      const code = newPairingCode();
      assert.equal(code.length, 8);
      for (const c of code) assert.ok(PAIRING_CODE_ALPHABET.includes(c), code);
    }
  });

  const FAILURES: [SimulatorFailure, { reason: string; code: string; retryable: boolean }][] = [
    ['network-down', { reason: 'FAILED', code: 'WA_UNREACHABLE', retryable: true }],
    ['logged-out', { reason: 'LOGGED_OUT', code: 'LOGGED_OUT', retryable: false }],
    ['replaced', { reason: 'FAILED', code: 'REPLACED', retryable: false }],
  ];
  for (const [failure, expected] of FAILURES) {
    test(`scripted failure "${failure}" ends in disconnected ${expected.code}, no reconnect`, async () => {
      const store = new SqliteStore(':memory:');
      const engine = new SimulatorEngine({ store, speed: 1000, logger, failures: (k) => (k.name === 'doomed' ? failure : null) });
      const log = new EventLog(engine);
      // Linked first, so "logged out" has credentials to delete.
      await engine.start(key);
      await engine.virtualPhone!.scan((await log.next('qr')).qr);
      await log.next('connected');
      engine.simulate(key, failure);
      const final = await log.next('disconnected', (e) => !e.reconnecting);
      assert.equal(final.reason, expected.reason);
      assert.equal(final.code, expected.code);
      assert.equal(final.retryable, expected.retryable);
      if (failure === 'network-down') assert.equal(final.message, 'Could not reach WhatsApp servers');
      assert.equal(engine.isRunning(key), false);
      assert.equal(await store.hasAuthState({ tenantId: 'default', sessionName: 'sim' }), failure !== 'logged-out');
      // The same failure scripted at start.
      await engine.start({ tenantId: 'default', name: 'doomed' });
      const atStart = await log.next('disconnected', (e) => e.key.name === 'doomed' && !e.reconnecting);
      assert.equal(atStart.code, expected.code);
      await engine.close();
    });
  }

  test('network-down reports AUTO_RECONNECT while retrying', async () => {
    const engine = new SimulatorEngine({ store: new SqliteStore(':memory:'), speed: 1000, logger, failures: () => 'network-down' });
    const log = new EventLog(engine);
    await engine.start(key);
    const retrying = await log.next('disconnected');
    assert.equal(retrying.reconnecting, true);
    assert.equal(retrying.reason, 'AUTO_RECONNECT');
    await log.next('disconnected', (e) => !e.reconnecting);
    await engine.close();
  });
});
