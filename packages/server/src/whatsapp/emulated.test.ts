// TITAN_ENGINE=emulated: the engine contract, passed by the real Baileys engine against the
// in-process WhatsApp edge emulator, plus what only this engine has (phone-side unlink, the
// emulator's memory in the store, the certificate guard).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { SqliteStore } from '../store/index.js';
import { isCurveGuardInstalled } from './curve-guard.js';
import { EventLog, runEngineContract } from './test-support/engine-contract.js';
import { startEmulator } from '@titan-connect/wa-emulator';
import { createEmulatedEngine, createRemoteEmulatedEngine, EMULATOR_STATE_SETTING } from './emulated.js';
import { KeyPool } from './key-pool.js';
import type { EmulatedEngine } from './emulated.js';
import type { Store } from '../store/index.js';
import { EngineError } from '../errors.js';
import { VIRTUAL_CONTACT } from './engine.js';

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
    const { phone } = await log.next('connected');
    const [device] = engine.emulator.phone.devices(phone!);
    await engine.emulator.phone.unlink(device!.jid);
    const gone = await log.next('disconnected');
    assert.equal(gone.reason, 'LOGGED_OUT');
    assert.equal(gone.reconnecting, false);
    assert.equal(await store.hasAuthState({ tenantId: KEY.tenantId, sessionName: KEY.name }), false);
  });

  test('a phone per session by default; a fifth companion on one phone fails COMPANION_LIMIT, the four stay CONNECTED', async () => {
    const { store, engine, log } = await start();
    const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ tenantId: 'default', name: `limit-${name}` }));
    const isKey = (key: { name: string }) => (e: { key: { name: string } }) => e.key.name === key.name;
    await Promise.all(keys.map((key) => engine.start(key)));
    const qrs = await Promise.all(keys.map((key) => log.next('qr', isKey(key))));
    const PHONE = '5511900000004';
    // Four scans from the same phone, at once: every one links.
    await Promise.all(qrs.slice(0, 4).map((qr) => engine.virtualPhone!.scan(qr.qr, PHONE)));
    const connected = await Promise.all(keys.slice(0, 4).map((key) => log.next('connected', isKey(key))));
    assert.deepEqual(connected.map((e) => e.phone), [PHONE, PHONE, PHONE, PHONE]);
    await assert.rejects(engine.virtualPhone!.scan(qrs[4]!.qr, PHONE), (err: EngineError) => {
      // An engine error; the error handler answers it with 409 (HTTP_STATUS_OF_CODE).
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'COMPANION_LIMIT');
      return true;
    });
    const refused = await log.next('disconnected', isKey(keys[4]!));
    assert.deepEqual([refused.reason, refused.code, refused.reconnecting], ['FAILED', 'COMPANION_LIMIT', false]);
    assert.equal(engine.isRunning(keys[4]!), false);
    assert.equal(await store.hasAuthState({ tenantId: 'default', sessionName: keys[4]!.name }), false);
    // The four are untouched: still running, never disconnected, still linked on the phone.
    for (const key of keys.slice(0, 4)) assert.equal(engine.isRunning(key), true, key.name);
    assert.equal(log.events.filter((e) => e.type === 'disconnected' && e.key.name !== keys[4]!.name).length, 0);
    assert.equal(engine.emulator.phone.devices(PHONE).length, 4);
    // Without a number, the virtual phone is a fresh phone: the refused session links on a retry.
    await engine.restartQr(keys[4]!);
    const again = await log.next('qr', (e) => isKey(keys[4]!)(e) && e.qr !== qrs[4]!.qr);
    await engine.virtualPhone!.scan(again.qr);
    const linked = await log.next('connected', isKey(keys[4]!));
    assert.notEqual(linked.phone, PHONE);
  });

  test('the first login uploads 812 pre-keys made on the key pool, and its creds come from the pool too, not the event loop', async () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const pool = new KeyPool(1);
    const asked: (number | 'creds')[] = [];
    const keyPool = {
      generate: (count: number) => (asked.push(count), pool.generate(count)),
      newCredsKeys: () => (asked.push('creds'), pool.newCredsKeys()),
    } as KeyPool;
    const engine = await createEmulatedEngine({ store, logger, keyPool, connectTimeoutMs: 5_000 });
    engines.push(engine);
    const log = new EventLog(engine, 10_000);
    await engine.start(KEY);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    const { phone } = await log.next('connected');
    assert.deepEqual(asked.sort(), [812, 'creds'], 'the creds and the 812 pre-keys, all from the pool');
    const [device] = engine.emulator.phone.devices(phone!);
    assert.equal(engine.emulator.edge.registry.find(phone!, device!.deviceId)?.device.preKeys, 812);
    const creds = JSON.parse((await store.readCreds({ tenantId: KEY.tenantId, sessionName: KEY.name }))!);
    assert.deepEqual([creds.nextPreKeyId, creds.firstUnuploadedPreKeyId], [813, 813], 'the stock was uploaded, nothing made on top');
    await pool.close();
  });

  test('with maxConcurrentConnects 1, sockets come up one at a time and every link still completes', async () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const engine = await createEmulatedEngine({ store, logger, maxConcurrentConnects: 1, connectTimeoutMs: 5_000 });
    engines.push(engine);
    const log = new EventLog(engine, 15_000);
    const keys = ['gate-a', 'gate-b', 'gate-c'].map((name) => ({ tenantId: 'default', name }));
    await Promise.all(keys.map((key) => engine.start(key)));
    await Promise.all(
      keys.map(async (key) => {
        const qr = await log.next('qr', (e) => e.key.name === key.name);
        await engine.virtualPhone!.scan(qr.qr);
        await log.next('connected', (e) => e.key.name === key.name);
      }),
    );
    for (const key of keys) assert.equal(engine.isRunning(key), true);
  });

  test('messages end to end: the phone\'s text is decrypted by Baileys and reported; our send comes back delivered, then read', async () => {
    const { engine, log } = await start();
    await engine.start(KEY);
    await engine.virtualPhone!.scan((await log.next('qr')).qr, '5511900000031');
    await log.next('connected');
    const id = await engine.virtualPhone!.sendMessage(KEY, 'hello from the phone');
    const { message } = await log.next('message');
    assert.deepEqual([message.id, message.from, message.type, message.text], [id, VIRTUAL_CONTACT, 'text', 'hello from the phone']);

    const sent = await engine.sendText(KEY, VIRTUAL_CONTACT, 'hello back');
    assert.match(sent, /^[0-9A-F]{16,}$/, 'the id WhatsApp knows the message by');
    await log.next('message_status', (e) => e.id === sent && e.status === 'read');
    assert.deepEqual(
      log.events.filter((e) => e.type === 'message_status').map((e) => [e.id, e.status]),
      [
        [sent, 'delivered'],
        [sent, 'read'],
      ],
    );
  });

  test('TITAN_EMULATOR_URL: an emulator in another process (here: its HTTP API) links the same way', async () => {
    const remote = await startEmulator({});
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const engine = await createRemoteEmulatedEngine({ store, logger, emulatorUrl: remote.controlUrl, connectTimeoutMs: 5_000 });
    const log = new EventLog(engine, 10_000);
    try {
      await engine.start(KEY);
      await engine.virtualPhone!.scan((await log.next('qr')).qr, '5511900000077');
      const connected = await log.next('connected');
      assert.equal(connected.phone, '5511900000077');
      assert.equal(remote.phone.devices('5511900000077').length, 1);
      await assert.rejects(engine.virtualPhone!.scan('https://wa.me/settings/linked_devices#2@x,a,b,c,1'), { code: 'BAD_REQUEST' });
      // The phone's contacts write over HTTP too (POST /phone/send).
      const id = await engine.virtualPhone!.sendMessage(KEY, 'over HTTP', '5511955554444');
      const { message } = await log.next('message');
      assert.deepEqual([message.id, message.from, message.text], [id, '5511955554444', 'over HTTP']);
    } finally {
      await engine.close();
      await remote.close();
    }
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
