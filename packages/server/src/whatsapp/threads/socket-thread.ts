// A session thread: Baileys sockets, with their Noise and Signal crypto and their binary codec,
// run here instead of on the main thread (threaded-engine.ts). The main thread keeps the HTTP
// API, the store and the admission gate; this thread reaches them through the port, and reports
// every engine event back. One `BaileysEngine` per thread, unchanged.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../logger.js';
import { qrSvgPath } from '../../qr-svg.js';
import { withSealedAuthState } from '../../store/sealed-auth-state.js';
import type { AuthStateStore } from '../../store/types.js';
import { BaileysEngine } from '../baileys/engine.js';
import { installCurveGuard, isCurveGuardInstalled } from '../curve-guard.js';
import { type SessionKey, sessionKeyId } from '../engine.js';
import { PortRpc, toWire } from './port-rpc.js';
import { runInBackground } from './priority.js';
import { STORE_METHODS, type CommandResult, type EngineCommand, type ThreadData, type ThreadStats } from './protocol.js';

const data = workerData as ThreadData;
const nice = runInBackground();
const port = parentPort!;

// Log lines go to the main thread's logger stream, as they are: one stream, one format.
const logger = createLogger({ level: data.log.level, base: data.log.bindings, destination: { write: (line: string) => rpc.notify('log', line) } });

const mainStore = Object.fromEntries(STORE_METHODS.map((method) => [method, (...args: unknown[]) => rpc.call('store', method, args)])) as unknown as AuthStateStore;
// Sealing and opening, the CPU of it, here: a link writes and reads its 812 pre-keys at once.
const store = data.authStateSecret ? withSealedAuthState(mainStore, data.authStateSecret) : mainStore;

/** Per session, the number of the last command the main thread sent about it (see `CommandResult`). */
const seqs = new Map<string, number>();

const rpc = new PortRpc(port, {
  async command(method: EngineCommand, key: SessionKey, seq: number, args: unknown[]): Promise<CommandResult> {
    const engine = await ready;
    const id = sessionKeyId(key);
    seqs.set(id, seq);
    const settle = (result: Omit<CommandResult, 'running'>): CommandResult => {
      const running = engine.isRunning(key);
      if (!running && seqs.get(id) === seq) seqs.delete(id);
      return { ...result, running };
    };
    try {
      const run = engine[method] as (key: SessionKey, ...rest: unknown[]) => Promise<unknown>;
      return settle({ value: await run.call(engine, key, ...args) });
    } catch (error) {
      return settle({ error: toWire(error) });
    }
  },
  async failSession(key: SessionKey, failure: Parameters<BaileysEngine['failSession']>[1]) {
    (await ready).failSession(key, failure);
  },
  /**
   * This thread's nice value and heap; with --expose-gc, after the GCs the main thread's own
   * measurement runs (four, a turn of the event loop apart: V8 gives pages back over several).
   */
  async stats(): Promise<ThreadStats> {
    await ready;
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 4 && gc; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { heapUsed: process.memoryUsage().heapUsed, nice, curveGuard: isCurveGuardInstalled() };
  },
  async close() {
    await (await ready).close();
  },
});

const ready = (async () => {
  // Per thread: each has its own copy of Baileys' modules (SECURITY.md: the curve guard).
  installCurveGuard((line) => logger.info(line));
  if (data.emulatorRootKey) {
    const { trustEmulatorRoot } = await import('@titan-connect/wa-emulator');
    trustEmulatorRoot(Buffer.from(data.emulatorRootKey, 'hex'), (line) => logger.warn(line));
  }
  const engine = new BaileysEngine({
    store,
    logger,
    kind: data.kind,
    socketOptions: data.socketOptions,
    ...(data.connectTimeoutMs !== undefined && { connectTimeoutMs: data.connectTimeoutMs }),
    ...(data.backoff && { backoff: data.backoff }),
    ...(data.offline && { fetchVersion: async () => null }),
    ...(data.admission && {
      admission: {
        acquire: async (kind) => {
          const ticket = await rpc.call<number>('admit', kind);
          return () => rpc.notify('release', ticket); // the main thread ignores a second release
        },
      },
    }),
  });
  engine.subscribe((event) => {
    const id = sessionKeyId(event.key);
    const running = engine.isRunning(event.key);
    // A QR is drawn here, not on the main thread: about a millisecond each, and a burst of links
    // shows hundreds of them at once (bench/linking-burst).
    rpc.notify('event', event.type === 'qr' ? { ...event, svg: qrSvgPath(event.qr) } : event, seqs.get(id) ?? 0, running);
    if (!running) seqs.delete(id);
  });
  return engine;
})();

// A thread that cannot start says why, once, instead of failing every command quietly.
ready.catch((error: unknown) => {
  logger.fatal({ err: error }, 'session thread could not start');
  throw error;
});
