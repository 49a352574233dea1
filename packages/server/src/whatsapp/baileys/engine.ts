// The real WhatsApp engine: one `SessionSocket` per session, each on its own Baileys socket.
// The only module outside `baileys/` that sees it is `whatsapp/index.ts`.
import { makeWASocket, type SocketConfig } from 'baileys';
import type { Logger } from 'pino';
import { isPhoneDigits } from '@titan-connect/protocol';
import { systemClock, type Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { AuthStateStore } from '../../store/types.js';
import { type AdmissionState, type EngineListener, type LinkingEngine, type SessionKey, type StartOptions, type VirtualPhone, sessionKeyId as sessionId } from '../engine.js';
import { EngineListeners } from '../listeners.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './disconnect.js';
import { SessionSocket, type MakeSocket, type SessionFailure } from './session-socket.js';
import { WaVersionSource, type FetchWaVersion } from './version.js';
import type { KeyPool } from '../key-pool.js';
import { AdmissionGate, type Admission } from './admission.js';

export interface BaileysEngineOptions {
  store: AuthStateStore;
  logger: Logger;
  clock?: Clock;
  /** `emulated` when `socketOptions.waWebSocketUrl` points at the in-process edge emulator. */
  kind?: 'baileys' | 'emulated';
  /** Builds the socket; default baileys' `makeWASocket`. Tests inject a fake. */
  makeSocket?: MakeSocket;
  /** Passed through to every socket (e.g. `waWebSocketUrl`, `qrTimeout`). */
  socketOptions?: Partial<SocketConfig>;
  backoff?: Partial<BackoffPolicy>;
  /**
   * WebSocket handshake bound. Baileys' default is 20 s; 10 s keeps the unreachable path (every
   * retry may wait this long) to about a minute and a half at worst.
   */
  connectTimeoutMs?: number;
  fetchVersion?: FetchWaVersion;
  versionTimeoutMs?: number;
  /** The emulated engine's phone side; null for real WhatsApp. */
  virtualPhone?: VirtualPhone | null;
  random?: () => number;
  /** Where first-login pre-keys are made; default the process's worker pool. */
  keyPool?: KeyPool;
  /**
   * How many sockets may be coming up at once (handshake to QR or open); the others queue, logins
   * before new links (admission.ts). Default: no limit; the server passes `TITAN_LINK_CONCURRENCY`.
   */
  maxConcurrentConnects?: number;
  /** A gate kept elsewhere, instead of `maxConcurrentConnects` (a session thread asks the main thread's). */
  admission?: Admission;
}

const PHONE_DIGITS = /^\d{7,15}$/;

export class BaileysEngine implements LinkingEngine {
  readonly kind: 'baileys' | 'emulated';
  readonly virtualPhone: VirtualPhone | null;
  private readonly sessions = new Map<string, SessionSocket>();
  private readonly listeners: EngineListeners;
  private readonly versions: WaVersionSource;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;
  private readonly baileysLogger: Logger;
  private readonly gate: AdmissionGate | null;
  private readonly admission: Admission | null;

  constructor(private readonly options: BaileysEngineOptions) {
    this.kind = options.kind ?? 'baileys';
    this.listeners = new EngineListeners(options.logger);
    this.virtualPhone = options.virtualPhone ?? null;
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.gate = options.maxConcurrentConnects === undefined ? null : new AdmissionGate(options.maxConcurrentConnects);
    this.admission = options.admission ?? this.gate;
    this.versions = new WaVersionSource(options.store, {
      fetch: options.fetchVersion,
      timeoutMs: options.versionTimeoutMs,
      clock: this.clock,
      logger: options.logger,
    });
    // Baileys logs every frame at debug and whole creds at info: keep it at warn (or quieter
    // when the server logger is quieter, e.g. silent in tests).
    const level = options.logger.isLevelEnabled('warn') ? 'warn' : options.logger.level;
    this.baileysLogger = options.logger.child({ module: 'baileys' }, { level });
  }

  async start(key: SessionKey, options: StartOptions = {}): Promise<void> {
    const phone = options.pairingPhoneNumber;
    if (phone !== undefined) assertPhone(phone);
    const running = this.running(key);
    if (running) {
      if (phone) await running.requestPairingCode(phone);
      return;
    }
    await this.open(key).start(phone);
  }

  async requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void> {
    assertPhone(phoneNumber);
    const running = this.running(key);
    if (running) await running.requestPairingCode(phoneNumber);
    else await this.open(key).start(phoneNumber);
  }

  async restartQr(key: SessionKey): Promise<void> {
    const running = this.running(key);
    if (running?.isOpen) return; // already linked: nothing to scan
    if (running) await running.stop();
    await this.open(key).start();
  }

  async logout(key: SessionKey): Promise<void> {
    const running = this.running(key);
    if (running) {
      await running.logout();
      return;
    }
    // Not connected: nothing to tell WhatsApp, but the creds must go.
    await this.options.store.deleteAuthState({ tenantId: key.tenantId, sessionName: key.name });
  }

  async stop(key: SessionKey): Promise<void> {
    await this.running(key)?.stop();
  }

  async sendText(key: SessionKey, to: string, text: string): Promise<string> {
    if (!isPhoneDigits(to)) throw new EngineError('VALIDATION_FAILED', '"to" must be a phone number of 6 to 15 digits.');
    const running = this.running(key);
    if (!running) throw new EngineError('SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected to WhatsApp.`);
    return running.sendText(to, text);
  }

  /**
   * Ends a session for a refusal its socket never hears of (the phone's companion limit): the
   * socket closes, the failure is reported as a `disconnected` event, and nothing retries.
   */
  failSession(key: SessionKey, failure: SessionFailure): void {
    this.running(key)?.fail(failure);
  }

  /** Sockets coming up and waiting their turn (see admission.ts); null without a limit. */
  get admissionState(): AdmissionState | null {
    return this.gate?.state ?? null;
  }

  isRunning(key: SessionKey): boolean {
    return this.running(key) !== null;
  }

  subscribe(listener: EngineListener): () => void {
    return this.listeners.subscribe(listener);
  }

  /** Server shutdown: closes every socket, silently (see `SessionSocket.stop`). */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.stop()));
  }

  private running(key: SessionKey): SessionSocket | null {
    const session = this.sessions.get(sessionId(key));
    return session && !session.finished ? session : null;
  }

  private open(key: SessionKey): SessionSocket {
    const id = sessionId(key);
    const session: SessionSocket = new SessionSocket({
      key,
      store: this.options.store,
      makeSocket: this.options.makeSocket ?? makeWASocket,
      socketOptions: this.options.socketOptions ?? {},
      versions: this.versions,
      backoff: this.backoff,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      clock: this.clock,
      logger: this.options.logger.child({ tenantId: key.tenantId, session: key.name }),
      baileysLogger: this.baileysLogger,
      emit: (event) => this.listeners.emit(event),
      onFinished: () => {
        if (this.sessions.get(id) === session) this.sessions.delete(id);
      },
      random: this.options.random,
      keyPool: this.options.keyPool,
      admission: this.admission ?? undefined,
    });
    this.sessions.set(id, session);
    return session;
  }

}

function assertPhone(phoneNumber: string): void {
  if (!PHONE_DIGITS.test(phoneNumber)) {
    throw new EngineError('VALIDATION_FAILED', 'phoneNumber must be 7 to 15 digits, country code first, without "+".');
  }
}
