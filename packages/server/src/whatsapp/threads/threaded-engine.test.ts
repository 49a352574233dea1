// The threaded engine: the LinkingEngine contract passed with every socket on a session thread
// (real Baileys against the in-process edge emulator), and what only it has: sessions spread
// over its threads, one admission gate for all of them, log lines on the main logger, and a
// lost thread's sessions starting again elsewhere.
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { qrPayload } from '../../linking/snapshot.js';
import { createLogger } from '../../logger.js';
import { qrSvgPath } from '../../qr-svg.js';
import { SqliteStore, type Store } from '../../store/index.js';
import { withSealedAuthState } from '../../store/sealed-auth-state.js';
import type { AuthStateKey } from '../../store/types.js';
import { createEmulatedEngine } from '../emulated.js';
import { EventLog, runEngineContract } from '../test-support/engine-contract.js';
import { ThreadedEngine } from './threaded-engine.js';
import { BACKGROUND_NICE } from './priority.js';

const silent = pino({ level: 'silent' });
const make = async (store: Store, extra: { threads?: number; maxConcurrentConnects?: number; logger?: pino.Logger } = {}): Promise<ThreadedEngine> =>
  (await createEmulatedEngine({
    store,
    logger: extra.logger ?? silent,
    emulator: { pairingGraceMs: 200 },
    backoff: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    connectTimeoutMs: 5_000,
    threads: extra.threads ?? 2,
    maxConcurrentConnects: extra.maxConcurrentConnects,
  })) as ThreadedEngine;

runEngineContract('threaded (real Baileys on session threads, edge emulator)', (store) => make(store), { eventTimeoutMs: 15_000 });

describe('threaded engine', () => {
  const opened: Array<{ store: SqliteStore; engine: ThreadedEngine }> = [];
  const open = async (extra: Parameters<typeof make>[1] = {}) => {
    const store = new SqliteStore(':memory:');
    const engine = await make(store, extra);
    opened.push({ store, engine });
    return { store, engine, log: new EventLog(engine, 15_000) };
  };
  after(async () => {
    for (const { engine, store } of opened) {
      await engine.close();
      await store.close();
    }
  });

  test('each thread guards its own copy of Baileys and runs below the main thread', async () => {
    const { engine } = await open({ threads: 1 });
    const [stats] = await engine.threadStats();
    assert.equal(stats!.curveGuard, true, 'the certificate check is strict on the thread (SECURITY.md)');
    if (process.platform === 'linux') assert.equal(stats!.nice, Math.min(19, getPriority() + BACKGROUND_NICE));
    assert.ok(stats!.heapUsed > 0);
  });

  test('spreads sessions over its threads, never more than asked for', async () => {
    const { engine, log } = await open({ threads: 2 });
    assert.equal(engine.threadCount, 1, 'one thread is started up front');
    const keys = ['a', 'b', 'c'].map((name) => ({ tenantId: 't', name }));
    for (const key of keys) await engine.start(key);
    for (const key of keys) await log.next('qr', (e) => e.key.name === key.name);
    assert.equal(engine.threadCount, 2);
    assert.deepEqual(keys.map((key) => engine.isRunning(key)), [true, true, true]);
    for (const key of keys) await engine.stop(key);
    assert.deepEqual(keys.map((key) => engine.isRunning(key)), [false, false, false]);
  });

  test('a QR is drawn on its thread: the event carries the SVG path the main thread would have drawn', async () => {
    const { engine, log } = await open({ threads: 1 });
    await engine.start({ tenantId: 't', name: 'drawn' });
    const qr = await log.next('qr');
    assert.ok(qr.svg, 'drawn on the thread');
    assert.deepEqual(qr.svg, qrSvgPath(qr.qr));
    assert.deepEqual(qrPayload(qr), { qr: qr.qr, expiresAt: new Date(qr.expiresAt).toISOString(), attempt: qr.attempt, maxAttempts: qr.maxAttempts, ...qrSvgPath(qr.qr) }, 'the widget gets the same event either way');
  });

  test('one admission gate for every thread: sockets beyond the limit wait, then come up', async () => {
    const { engine, log } = await open({ threads: 2, maxConcurrentConnects: 1 });
    const keys = ['a', 'b', 'c'].map((name) => ({ tenantId: 't', name }));
    for (const key of keys) await engine.start(key);
    const seen: Array<{ active: number; queued: number }> = [];
    const sample = setInterval(() => seen.push({ active: engine.admissionState!.active, queued: engine.admissionState!.queued }), 1);
    try {
      for (const key of keys) await log.next('qr', (e) => e.key.name === key.name);
    } finally {
      clearInterval(sample);
    }
    assert.ok(seen.every((s) => s.active <= 1), 'never two sockets coming up at once');
    assert.ok(seen.some((s) => s.queued > 0), 'the others waited their turn');
    assert.deepEqual(engine.admissionState, { limit: 1, active: 0, queued: 0 });
  });

  test('a linked session on a lost thread reconnects on another, with its creds', async () => {
    const { store, engine, log } = await open({ threads: 1 });
    const key = { tenantId: 't', name: 'survivor' };
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    const first = await log.next('connected');
    const creds = await store.readCreds({ tenantId: 't', sessionName: 'survivor' });
    // What a crash of that thread looks like from here (an OOM kill, a native fault).
    await (engine as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> }).threads[0]!.worker.terminate();
    const lost = await log.next('disconnected');
    assert.equal(lost.reconnecting, true);
    assert.equal(lost.reason, 'AUTO_RECONNECT');
    const again = await log.next('connected', (e) => e !== first);
    assert.equal(again.phone, first.phone);
    assert.equal(engine.isRunning(key), true);
    assert.deepEqual(engine.threadState, { running: 1, lost: 1 }, 'replaced, and the loss counted (titan_engine_thread_losses_total)');
    assert.equal((await store.readCreds({ tenantId: 't', sessionName: 'survivor' })) !== null, true);
    assert.ok(creds);
  });

  test('with a sealing store, the thread seals and opens: only sealed text reaches the main thread', async () => {
    const SECRET = 'thread-seal-secret-0123456789-abcdefgh';
    const raw = new SqliteStore(':memory:');
    const sealed = withSealedAuthState(raw, SECRET);
    const arrived: string[] = [];
    // What the main thread is handed to write, before its own seal (which passes sealed text on).
    const watched = new Proxy(sealed, {
      get(target, prop, receiver) {
        if (prop === 'writeCreds') return (key: AuthStateKey, creds: string) => (arrived.push(creds), target.writeCreds(key, creds));
        if (prop === 'writeKeys') return (key: AuthStateKey, entries: Array<{ type: string; id: string; value: string | null }>) => (arrived.push(...entries.flatMap((e) => (e.value === null ? [] : [e.value]))), target.writeKeys(key, entries));
        return Reflect.get(target, prop, receiver);
      },
    });
    const engine = (await createEmulatedEngine({ store: watched, logger: silent, threads: 1, authStateSecret: SECRET, emulator: { pairingGraceMs: 200 }, connectTimeoutMs: 5_000 })) as ThreadedEngine;
    opened.push({ store: raw, engine });
    const log = new EventLog(engine, 15_000);
    const key = { tenantId: 't', name: 'sealed' };
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    assert.ok(arrived.length > 812, 'the creds and the first pre-keys were written');
    assert.deepEqual(arrived.filter((value) => !value.startsWith('v1.')), [], 'no plaintext credential crossed to the main thread');
    const creds = JSON.parse((await sealed.readCreds({ tenantId: 't', sessionName: 'sealed' }))!) as { registered?: boolean; me?: { id: string } };
    assert.ok(creds.me?.id, 'the main thread opens what the thread sealed');
  });

  test("a thread's log lines reach the main logger's stream", async () => {
    const raw: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (raw.push(String(chunk)), done()) });
    const logger = createLogger({ level: 'info', destination }).child({ engine: 'emulated' }); // as the server makes it
    const { engine, log } = await open({ threads: 1, logger });
    const key = { tenantId: 't', name: 'logged' };
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const line = raw.find((text) => text.includes('"WhatsApp session open"'));
    assert.ok(line, 'the thread logged the open');
    assert.equal(line.split('"service"').length, 2, 'one service field, not one per logger');
    const open_ = JSON.parse(line) as Record<string, unknown>;
    assert.equal(open_.engine, 'emulated');
    assert.equal(open_.service, 'titan-connect');
    assert.equal(open_.session, 'logged');
    assert.equal(open_.thread, 1, 'and which thread it came from');
  });
});

test('real WhatsApp unreachable (ENOTFOUND) from a thread: retries, then FAILED, as on the main thread', { timeout: 60_000 }, async () => {
  const store = new SqliteStore(':memory:');
  const engine = new ThreadedEngine({
    kind: 'baileys',
    store,
    logger: silent,
    threads: 1,
    // `.invalid` never resolves (RFC 2606): the ENOTFOUND path wherever the test runs.
    socketOptions: { waWebSocketUrl: 'wss://web.whatsapp.invalid/ws/chat' },
    backoff: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    connectTimeoutMs: 5_000,
    offline: true,
  });
  const log = new EventLog(engine, 30_000);
  const key = { tenantId: 'acme', name: 'offline' };
  try {
    await engine.start(key);
    const final = await log.next('disconnected', (e) => !e.reconnecting);
    assert.deepEqual([final.reason, final.code, final.message], ['FAILED', 'WA_UNREACHABLE', 'Could not reach WhatsApp servers']);
    assert.equal(log.events.filter((e) => e.type === 'disconnected' && e.reconnecting).length, 2);
    assert.equal(engine.isRunning(key), false);
  } finally {
    await engine.close();
    await store.close();
  }
});
