// The BaileysEngine with the real, unmodified baileys socket against the local WhatsApp edge
// emulator: every linking path end to end, with the auth state going through SQLite.
// `trustEmulatorRoot` swaps baileys' root key for this process only (node:test runs each file
// in its own process), which is why this lives in a file of its own.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startEmulator, trustEmulatorRoot, type WaEmulator } from '@titan-connect/wa-emulator';
import { SqliteStore } from '../../store/index.js';
import { EventLog } from '../test-support/engine-contract.js';
import { BaileysEngine, type BaileysEngineOptions } from './engine.js';

const KEY = { tenantId: 'acme', name: 'support-line' };
const AUTH_KEY = { tenantId: KEY.tenantId, sessionName: KEY.name };
const BOUND = { timeout: 30_000 };
// Baileys leaves its pending queries' timers (60 s by default) running after a socket ends, which
// would keep this test process alive for a minute; its 30 s pre-key upload timer stays regardless.
const SOCKET = { defaultQueryTimeoutMs: 5_000 };

let emulator: WaEmulator;
let store: SqliteStore;
const engines: BaileysEngine[] = [];

const makeEngine = (options: Partial<BaileysEngineOptions> = {}) => {
  const engine = new BaileysEngine({
    store,
    logger: pino({ level: 'silent' }),
    kind: 'emulated',
    socketOptions: { ...SOCKET, waWebSocketUrl: emulator.url },
    fetchVersion: async () => null,
    backoff: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    connectTimeoutMs: 5_000,
    ...options,
  });
  engines.push(engine);
  return { engine, log: new EventLog(engine, 10_000) };
};

beforeEach(async () => {
  emulator = await startEmulator({ qrRefs: 6 });
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
  store = new SqliteStore(':memory:');
});

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  await emulator.close();
  await store.close();
});

test('QR: scan, 515 restart, connected with the phone; creds in SQLite', BOUND, async () => {
  const { engine, log } = makeEngine();
  await engine.start(KEY);
  const qr = await log.next('qr');
  assert.equal(qr.attempt, 1);
  await emulator.phone.scanQr(qr.qr);
  const connected = await log.next('connected');
  assert.equal(connected.method, 'qr');
  assert.equal(connected.phone, emulator.edge.defaultPhoneNumber);
  assert.equal(await store.hasAuthState(AUTH_KEY), true);
  assert.equal(log.events.filter((e) => e.type === 'disconnected').length, 0, 'the 515 restart is invisible');
});

test('pairing code: asked on the first QR, entered on the phone, connected by pairing', BOUND, async () => {
  const { engine, log } = makeEngine();
  await engine.start(KEY, { pairingPhoneNumber: '5511912345678' });
  const pairing = await log.next('pairing_code');
  assert.match(pairing.code, /^[0-9A-Z]{8}$/);
  await emulator.phone.enterCode(pairing.code, '5511912345678');
  const connected = await log.next('connected');
  assert.equal(connected.method, 'pairing');
  assert.equal(connected.phone, '5511912345678');
});

test('after a restart the linked session logs in from SQLite without a QR', BOUND, async () => {
  const first = makeEngine();
  await first.engine.start(KEY);
  await emulator.phone.scanQr((await first.log.next('qr')).qr);
  const before = await first.log.next('connected');
  await first.engine.close();

  const second = makeEngine();
  await second.engine.start(KEY);
  const after = await second.log.next('connected');
  assert.equal(after.phone, before.phone);
  assert.equal(second.log.events.some((e) => e.type === 'qr'), false);
});

test('unlinked from the phone: LOGGED_OUT, creds deleted, no reconnect', BOUND, async () => {
  const { engine, log } = makeEngine();
  await engine.start(KEY);
  const linked = await emulator.phone.scanQr((await log.next('qr')).qr);
  await log.next('connected');
  await emulator.phone.unlink(linked.jid);
  const out = await log.next('disconnected');
  assert.deepEqual([out.reason, out.code, out.reconnecting], ['LOGGED_OUT', 'LOGGED_OUT', false]);
  assert.equal(await store.hasAuthState(AUTH_KEY), false);
  assert.equal(engine.isRunning(KEY), false);
});

test('WhatsApp goes offline: AUTO_RECONNECT, then FAILED WA_UNREACHABLE', BOUND, async () => {
  const { engine, log } = makeEngine();
  await engine.start(KEY);
  await emulator.phone.scanQr((await log.next('qr')).qr);
  await log.next('connected');
  emulator.phone.goOffline();
  const failed = await log.next('disconnected', (e) => !e.reconnecting);
  assert.deepEqual([failed.reason, failed.code, failed.message], ['FAILED', 'WA_UNREACHABLE', 'Could not reach WhatsApp servers']);
  assert.equal(log.events.filter((e) => e.type === 'disconnected' && e.reconnecting).length, 2);
  assert.equal(await store.hasAuthState(AUTH_KEY), true, 'an outage keeps the creds');
});

test('every QR ref unused: qr_timeout after the last one', BOUND, async () => {
  const { engine, log } = makeEngine({ socketOptions: { ...SOCKET, waWebSocketUrl: emulator.url, qrTimeout: 50 } });
  await engine.start(KEY);
  await log.next('qr_timeout');
  const qrs = log.events.filter((e) => e.type === 'qr');
  assert.deepEqual(qrs.map((q) => q.attempt), [1, 2, 3, 4, 5, 6]);
  assert.equal(engine.isRunning(KEY), false);
});

test('sendText over the emulator resolves to a message id', BOUND, async () => {
  const { engine, log } = makeEngine();
  await engine.start(KEY);
  await emulator.phone.scanQr((await log.next('qr')).qr);
  await log.next('connected');
  assert.match(await engine.sendText(KEY, '5511987654321', 'Olá'), /\S/);
});
