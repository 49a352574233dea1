// The baileys engine with its sockets on session threads. A link's CPU (Noise handshake, Signal
// and curve maths, Baileys' binary codec, the 812-key pre-key upload) ran on the main thread,
// so in a 200-link burst every API call and SSE stream waited behind it (bench/linking-burst).
// Here each session lives on one of a few worker threads, each running an unchanged
// `BaileysEngine` (socket-thread.ts); the main thread keeps the store, the admission gate and
// the listeners, and only forwards commands and events. `TITAN_ENGINE_THREADS` sets how many.
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { EngineError } from '../../errors.js';
import { beneathSeal } from '../../store/sealed-auth-state.js';
import type { AuthStateStore } from '../../store/types.js';
import { AdmissionGate, type AdmissionKind } from '../baileys/admission.js';
import type { BackoffPolicy } from '../baileys/disconnect.js';
import type { SessionFailure } from '../baileys/session-socket.js';
import { type AdmissionState, type EngineEvent, type EngineListener, type LinkingEngine, type SessionKey, type StartOptions, type ThreadState, type VirtualPhone, sessionKeyId } from '../engine.js';
import { EngineListeners } from '../listeners.js';
import { fromWire, PortRpc } from './port-rpc.js';
import { STORE_METHODS, type CommandResult, type EngineCommand, type ThreadData, type ThreadStats } from './protocol.js';

export interface ThreadedEngineOptions {
  kind: 'baileys' | 'emulated';
  store: AuthStateStore;
  logger: Logger;
  /** How many session threads at most (started as sessions need them). */
  threads: number;
  /** `TITAN_LINK_CONCURRENCY`: one gate for all threads. Default: no limit. */
  maxConcurrentConnects?: number;
  socketOptions?: ThreadData['socketOptions'];
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Emulated: no WhatsApp Web version fetch, and the emulator's root (hex) to trust. */
  offline?: boolean;
  emulatorRootKey?: string;
  virtualPhone?: VirtualPhone | null;
  /**
   * When `store` seals auth state (`withSealedAuthState`), its secret: the threads seal and open
   * themselves, reading beneath the seal, and the main thread moves sealed text only.
   */
  authStateSecret?: string;
  /** Runs once the threads are closed (the in-process emulator). */
  onClose?: () => Promise<void>;
}

/**
 * dist: the compiled thread beside this file. Sources under tsx (tests, the benches): a thread
 * does not run the parent's `--import tsx` before its entry on Node 20, so it registers tsx first.
 */
const newThread = (workerData: ThreadData): Worker => {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./socket-thread.js', import.meta.url), { workerData });
  const entry = new URL('./socket-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => (register(), import(${JSON.stringify(entry)})))`, { eval: true, workerData });
};

/** A thread lost more often than this in a minute: its sessions fail instead of moving to a new one. */
const MAX_LOSSES_PER_MINUTE = 3;

interface SessionThread {
  readonly worker: Worker;
  readonly rpc: PortRpc;
  /** Admission slots its sockets hold, by ticket: freed if the thread dies. */
  readonly tickets: Map<number, () => void>;
  dead: boolean;
}

/** Where a session runs, and whether it does (as of the last command or event about it). */
interface Placement {
  key: SessionKey;
  thread: SessionThread;
  seq: number;
  running: boolean;
  inflight: number;
}

export class ThreadedEngine implements LinkingEngine {
  readonly kind: 'baileys' | 'emulated';
  readonly virtualPhone: VirtualPhone | null;
  private readonly threads: SessionThread[] = [];
  private readonly placements = new Map<string, Placement>();
  private readonly listeners: EngineListeners;
  private readonly gate: AdmissionGate | null;
  private readonly threadData: ThreadData;
  /** Where threads read auth state: beneath the seal when they open it themselves. */
  private readonly readStore: AuthStateStore;
  private readonly logStream: { write(line: string): unknown };
  /** When threads were lost in the last minute (the give-up rule), and how many since start. */
  private readonly losses: number[] = [];
  private lostThreads = 0;
  private seq = 0;
  private spawned = 0;
  private nextTicket = 0;
  private closing = false;

  constructor(private readonly options: ThreadedEngineOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError('ThreadedEngine threads must be a whole number >= 1');
    this.kind = options.kind;
    this.virtualPhone = options.virtualPhone ?? null;
    this.listeners = new EngineListeners(options.logger);
    this.gate = options.maxConcurrentConnects === undefined ? null : new AdmissionGate(options.maxConcurrentConnects);
    const beneath = beneathSeal(options.store);
    if (options.authStateSecret && !beneath) throw new Error('authStateSecret is for a store that seals auth state (withSealedAuthState)');
    this.readStore = options.authStateSecret ? beneath! : options.store;
    this.logStream = (options.logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!;
    this.threadData = {
      kind: options.kind,
      socketOptions: options.socketOptions ?? {},
      connectTimeoutMs: options.connectTimeoutMs,
      backoff: options.backoff,
      offline: options.offline ?? false,
      emulatorRootKey: options.emulatorRootKey,
      authStateSecret: options.authStateSecret,
      admission: this.gate !== null,
      // bindings(): the parent's fields, its base (`service`) included.
      log: { level: options.logger.level, bindings: options.logger.bindings() },
    };
  }

  /** Starts the first thread and waits for its engine: a thread that cannot start fails the server's start. */
  async warmUp(): Promise<void> {
    await (this.threads[0] ?? this.spawn()).rpc.call('stats');
  }

  start(key: SessionKey, options: StartOptions = {}): Promise<void> {
    return this.command(key, 'start', [options], true) as Promise<void>;
  }

  requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void> {
    return this.command(key, 'requestPairingCode', [phoneNumber], true) as Promise<void>;
  }

  restartQr(key: SessionKey): Promise<void> {
    return this.command(key, 'restartQr', [], true) as Promise<void>;
  }

  async logout(key: SessionKey): Promise<void> {
    // Never ran here: nothing to tell WhatsApp, but the creds must go (as BaileysEngine does).
    if (!this.placements.has(sessionKeyId(key))) return this.options.store.deleteAuthState({ tenantId: key.tenantId, sessionName: key.name });
    await this.command(key, 'logout', [], false);
  }

  async stop(key: SessionKey): Promise<void> {
    if (this.placements.has(sessionKeyId(key))) await this.command(key, 'stop', [], false);
  }

  sendText(key: SessionKey, to: string, text: string): Promise<string> {
    return this.command(key, 'sendText', [to, text]) as Promise<string>;
  }

  /** Ends a session for a refusal its socket never hears of (the phone's companion limit). */
  failSession(key: SessionKey, failure: SessionFailure): void {
    this.placements.get(sessionKeyId(key))?.thread.rpc.notify('failSession', key, failure);
  }

  isRunning(key: SessionKey): boolean {
    return this.placements.get(sessionKeyId(key))?.running ?? false;
  }

  subscribe(listener: EngineListener): () => void {
    return this.listeners.subscribe(listener);
  }

  get admissionState(): AdmissionState | null {
    return this.gate?.state ?? null;
  }

  /** How many session threads are up now. */
  get threadCount(): number {
    return this.threads.length;
  }

  get threadState(): ThreadState {
    return { running: this.threads.length, lost: this.lostThreads };
  }

  /** Each session thread's nice value and heap, after a GC in each (with --expose-gc). */
  threadStats(): Promise<ThreadStats[]> {
    return Promise.all(this.threads.map((thread) => thread.rpc.call<ThreadStats>('stats')));
  }

  /** The heap the session threads use, after a GC in each; for the burst bench. */
  async heapUsed(): Promise<number> {
    return (await this.threadStats()).reduce((sum, stats) => sum + stats.heapUsed, 0);
  }

  /** Stops every session (each thread's engine closes its sockets), then the threads. */
  async close(): Promise<void> {
    this.closing = true;
    const threads = [...this.threads];
    await Promise.allSettled(threads.map((thread) => thread.rpc.call('close')));
    await Promise.allSettled(threads.map((thread) => thread.worker.terminate()));
    this.placements.clear();
    await this.options.onClose?.();
  }

  /**
   * Runs `method` for `key` on its thread (a new session: the least busy one). `runningAfter`:
   * what `isRunning` says until the thread answers (a start runs at once, a stop stops at once).
   */
  private async command(key: SessionKey, method: EngineCommand, args: unknown[], runningAfter?: boolean): Promise<unknown> {
    if (this.closing) throw new EngineError('LINKING_FAILED', 'The WhatsApp engine is shutting down.');
    const id = sessionKeyId(key);
    let placement = this.placements.get(id);
    if (!placement) {
      placement = { key, thread: this.pick(), seq: 0, running: false, inflight: 0 };
      this.placements.set(id, placement);
    }
    const seq = (placement.seq = ++this.seq);
    placement.inflight++;
    if (runningAfter !== undefined) placement.running = runningAfter;
    try {
      const result = await placement.thread.rpc.call<CommandResult>('command', method, key, seq, args);
      if (placement.seq === seq) placement.running = result.running;
      if (result.error) throw fromWire(result.error);
      return result.value;
    } finally {
      placement.inflight--;
      this.forgetIfIdle(id, placement);
    }
  }

  private forgetIfIdle(id: string, placement: Placement): void {
    if (!placement.running && placement.inflight === 0 && this.placements.get(id) === placement) this.placements.delete(id);
  }

  /** The thread with the fewest sessions; a new one while fewer than `threads` run and none is idle. */
  private pick(): SessionThread {
    const load = new Map(this.threads.map((thread) => [thread, 0]));
    for (const placement of this.placements.values()) load.set(placement.thread, (load.get(placement.thread) ?? 0) + 1);
    let best: SessionThread | null = null;
    let least = Infinity;
    for (const [thread, sessions] of load) {
      if (sessions < least) [best, least] = [thread, sessions];
    }
    return best && (least === 0 || this.threads.length >= this.options.threads) ? best : this.spawn();
  }

  private spawn(): SessionThread {
    // Its log lines say which thread they come from.
    const data = { ...this.threadData, log: { ...this.threadData.log, bindings: { ...this.threadData.log.bindings, thread: ++this.spawned } } };
    const worker = newThread(data);
    worker.unref(); // the server's listener keeps the process alive, not its session threads
    const thread: SessionThread = {
      worker,
      tickets: new Map(),
      dead: false,
      rpc: new PortRpc(worker, {
        store: (method: (typeof STORE_METHODS)[number], args: unknown[]) => {
          if (!STORE_METHODS.includes(method)) throw new Error(`not a store method a session thread may call: ${String(method)}`);
          // Writes go through every wrapper (cluster fences; the seal passes sealed text on as it is).
          const store = method === 'readCreds' || method === 'readKeys' ? this.readStore : this.options.store;
          return (store[method] as (...args: unknown[]) => Promise<unknown>).apply(store, args);
        },
        admit: (kind: AdmissionKind) => this.admit(thread, kind),
        release: (ticket: number) => {
          thread.tickets.get(ticket)?.();
          thread.tickets.delete(ticket);
        },
        event: (event: EngineEvent, seq: number, running: boolean) => this.onEvent(thread, event, seq, running),
        log: (line: string) => void this.logStream.write(line),
      }),
    };
    worker.on('error', (err) => this.options.logger.error({ err }, 'session thread failed'));
    worker.on('exit', (code) => this.lost(thread, code));
    this.threads.push(thread);
    return thread;
  }

  private async admit(thread: SessionThread, kind: AdmissionKind): Promise<number> {
    if (!this.gate) throw new Error('no admission gate');
    const release = await this.gate.acquire(kind);
    if (thread.dead) {
      release(); // its socket is gone with the thread: the turn passes on
      throw new Error('session thread gone');
    }
    const ticket = ++this.nextTicket;
    thread.tickets.set(ticket, release);
    return ticket;
  }

  private onEvent(thread: SessionThread, event: EngineEvent, seq: number, running: boolean): void {
    const id = sessionKeyId(event.key);
    const placement = this.placements.get(id);
    if (placement?.thread === thread && placement.seq === seq) {
      placement.running = running;
      this.forgetIfIdle(id, placement);
    }
    this.listeners.emit(event);
  }

  /**
   * A thread ended while the engine was not closing (a crash, an out-of-memory kill): its
   * admission slots are freed, and each session it ran starts again on another thread (with
   * creds: it reconnects; linking: a fresh QR), reported as a reconnect. If threads keep dying,
   * the sessions fail instead of going round.
   */
  private lost(thread: SessionThread, exitCode: number): void {
    thread.dead = true;
    this.threads.splice(this.threads.indexOf(thread), 1);
    thread.rpc.close(new EngineError('LINKING_FAILED', 'The WhatsApp engine thread stopped.'));
    for (const release of thread.tickets.values()) release();
    thread.tickets.clear();
    if (this.closing) return;
    this.lostThreads++;
    const now = Date.now();
    this.losses.push(now);
    while (this.losses.length > 0 && this.losses[0]! < now - 60_000) this.losses.shift();
    const giveUp = this.losses.length > MAX_LOSSES_PER_MINUTE;
    const orphans: Array<[string, Placement]> = [...this.placements].filter(([, placement]) => placement.thread === thread);
    this.options.logger.error({ exitCode, sessions: orphans.length, restarting: !giveUp }, 'a session thread stopped');
    for (const [id, placement] of orphans) {
      this.placements.delete(id);
      if (!placement.running) continue;
      const { key } = placement;
      if (giveUp) {
        this.emitLost(key, { reason: 'FAILED', code: 'LINKING_FAILED', message: 'The WhatsApp engine stopped unexpectedly', retryable: true }, false);
        continue;
      }
      this.emitLost(key, { reason: 'AUTO_RECONNECT', code: 'WA_UNREACHABLE', message: 'The WhatsApp engine restarted; reconnecting', retryable: true }, true);
      this.start(key).catch((err: unknown) => this.options.logger.error({ err, session: key.name }, 'could not restart a session after its thread stopped'));
    }
  }

  private emitLost(key: SessionKey, failure: SessionFailure, reconnecting: boolean): void {
    this.listeners.emit({ type: 'disconnected', key, ...failure, reconnecting });
  }
}
