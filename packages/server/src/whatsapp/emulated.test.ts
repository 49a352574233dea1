// TITAN_ENGINE=emulated: the engine contract, passed by the real Baileys engine against the
// in-process WhatsApp edge emulator, plus what only this engine has (phone-side unlink, the
// emulator's memory in the store, the certificate guard).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { SqliteStore } from '../store/index.js';
import { isCurveGuardInstalled } from './curve-guard.js';
import { EventLog, runEngineContract } from './test-support/engine-contract.js';
import { createEmulatedEngine, EMULATOR_STATE_SETTING } from './emulated.js';
import type { EmulatedEngine } from './emulated.js';
import type { Store } from '../store/index.js';

const logger = pino({ level: 'silent' });
const make = (store: Store): Promise<EmulatedEngine> =>
  createEmulatedEngine({
    store,
    logger,
    emulator: { pairingGraceMs: 200 },
    backoff: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    connectTimeoutMs: 5_000,
  });

runEngineContract('emulated (real Baileys, edge emulator)', make, { eventTimeoutMs: 10_000 });

describe('emulated engine', () => {
  const KEY = { tenantId: 'default', name: 'emulated' };
  const stores: SqliteStore[] = [];
  const engines: EmulatedEngine[] = [];
  const start = async () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const engine = await make(store);
    engines.push(engine);
    return { store, engine, log: new EventLog(engine, 10_000) };
  };
  after(async () => {
    for (const engine of engines) await engine.close();
    for (const store of stores) await store.close();
  });

  test('guards the Noise certificate check and keeps the emulator state in the store', async () => {
    const { store, engine, log } = await start();
    assert.equal(isCurveGuardInstalled(), true);
    await engine.start(KEY);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const state = JSON.parse(await store.getSetting(EMULATOR_STATE_SETTING) ?? '{}');
    assert.equal(state.accounts[0].devices.length, 1);
  });

  test('unlink from the phone: LOGGED_OUT, not reconnecting, creds deleted', async () => {
    const { store, engine, log } = await start();
    await engine.start(KEY);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const [device] = engine.emulator.phone.devices();
    await engine.emulator.phone.unlink(device!.jid);
    const gone = await log.next('disconnected');
    assert.equal(gone.reason, 'LOGGED_OUT');
    assert.equal(gone.reconnecting, false);
    assert.equal(await store.hasAuthState({ tenantId: KEY.tenantId, sessionName: KEY.name }), false);
  });

  test('WhatsApp unreachable: FAILED with the clear message once retries run out', async () => {
    const { engine, log } = await start();
    engine.emulator.phone.goOffline();
    await engine.start(KEY);
    const failed = await log.next('disconnected', (e) => !e.reconnecting);
    assert.equal(failed.reason, 'FAILED');
    assert.equal(failed.message, 'Could not reach WhatsApp servers');
  });
});
