// TITAN_ENGINE=simulator: a scripted LinkingEngine with WhatsApp's QR shape and timing and no
// network, for UI tests, the demo and benchmarks. The virtual phone plays the user's phone.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { AuthStateStore } from '../../store/types.js';
import { type EngineEvent, type EngineListener, FAILURE_MESSAGES, VIRTUAL_CONTACT, type LinkingEngine, QR_FIRST_TTL_MS, QR_MAX_ATTEMPTS, QR_NEXT_TTL_MS, type SessionKey, type StartOptions, type VirtualPhone, sessionKeyId as id } from '../engine.js';
import { EngineListeners } from '../listeners.js';
import { COMPANION_LIMIT_FAILURE, companionLimitError, freshPhoneNumber, MAX_COMPANIONS } from '../companion-limit.js';
import { buildPairingQr, newCompanionKeys, newPairingCode, newQrRef, type CompanionKeys } from './codes.js';

/** baileys: the first QR lives 60 s, later ones 20 s; the server sends 6 refs. */
/** WhatsApp shows "code expires in about 3 minutes" on the phone's link-with-number screen. */
export const PAIRING_CODE_TTL_MS = 180_000;
/** How long a simulated outage retries (AUTO_RECONNECT) before giving up with FAILED. */
export const NETWORK_RETRY_MS = 4_000;
/** When the recipient's phone reports a sent message delivered, then read (as the emulator does). */
export const RECEIPT_DELAYS_MS = { delivered: 200, read: 1_200 } as const;

export type SimulatorFailure = 'network-down' | 'logged-out' | 'replaced';

export interface SimulatorEngineOptions {
  store: AuthStateStore;
  clock?: Clock;
  /** Time scale (TITAN_SIM_SPEED): 10 makes every timer ten times shorter. */
  speed: number;
  logger: Logger;
  /** Scripted failure applied when a session starts, for tests of every failure path. */
  failures?: (key: SessionKey) => SimulatorFailure | null | undefined;
}

/** What the simulator keeps in `wa_auth_creds`, so a restart reconnects as baileys would. */
interface SimulatorCreds {
  simulator: 1;
  method: 'qr' | 'pairing';
  phone: string;
  pushName: string;
}

interface SimSession {
  key: SessionKey;
  phase: 'qr' | 'pairing' | 'connected' | 'connecting';
  keys: CompanionKeys;
  attempt: number;
  qr: string | null;
  pairing: { code: string; phoneNumber: string } | null;
  creds: SimulatorCreds | null;
  timer: NodeJS.Timeout | null;
  /** The recipient's pending receipts of messages this session sent (cleared when it stops). */
  receipts: Set<NodeJS.Timeout>;
}

const authKey = (key: SessionKey) => ({ tenantId: key.tenantId, sessionName: key.name });
const bare = (code: string): string => code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();

export const FAILURE_EVENTS: Record<SimulatorFailure, Omit<Extract<EngineEvent, { type: 'disconnected' }>, 'key' | 'type'>> = {
  'network-down': {
    reason: 'FAILED',
    code: 'WA_UNREACHABLE',
    message: FAILURE_MESSAGES.WA_UNREACHABLE,
    retryable: true,
    reconnecting: false,
  },
  'logged-out': {
    reason: 'LOGGED_OUT',
    code: 'LOGGED_OUT',
    message: FAILURE_MESSAGES.LOGGED_OUT,
    retryable: false,
    reconnecting: false,
  },
  replaced: {
    reason: 'FAILED',
    code: 'REPLACED',
    message: FAILURE_MESSAGES.REPLACED,
    retryable: false,
    reconnecting: false,
  },
};

export class SimulatorEngine implements LinkingEngine {
  readonly kind = 'simulator' as const;
  readonly virtualPhone: VirtualPhone;
  private readonly sessions = new Map<string, SimSession>();
  private readonly listeners: EngineListeners;
  private readonly store: AuthStateStore;
  private readonly clock: Clock;
  private readonly speed: number;
  private readonly logger: Logger;
  private readonly failures: SimulatorEngineOptions['failures'];

  constructor(options: SimulatorEngineOptions) {
    if (!(options.speed > 0)) throw new RangeError('SimulatorEngine speed must be > 0');
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.speed = options.speed;
    this.logger = options.logger;
    this.listeners = new EngineListeners(options.logger);
    this.failures = options.failures;
    this.virtualPhone = {
      scan: async (qr, phone) => this.scan(qr, phone),
      enterCode: async (code) => this.enterCode(code),
      sendMessage: async (key, text, from) => this.receive(key, text, from),
    };
  }

  async start(key: SessionKey, options: StartOptions = {}): Promise<void> {
    if (this.sessions.has(id(key))) {
      if (options.pairingPhoneNumber) await this.requestPairingCode(key, options.pairingPhoneNumber);
      return;
    }
    const session: SimSession = { key, phase: 'connecting', keys: newCompanionKeys(), attempt: 0, qr: null, pairing: null, creds: null, timer: null, receipts: new Set() };
    // Held before the read, so a second start while it runs finds the session.
    this.sessions.set(id(key), session);
    const raw = await this.store.readCreds(authKey(key));
    if (this.sessions.get(id(key)) !== session) return; // stopped while reading
    const creds = raw ? this.parseCreds(raw) : null;
    session.creds = creds;

    const failure = this.failures?.(key);
    if (failure) return this.simulate(key, failure);
    if (creds) return void this.link(session, creds);
    this.nextQr(session);
    if (options.pairingPhoneNumber) await this.requestPairingCode(key, options.pairingPhoneNumber);
  }

  async requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void> {
    let session = this.sessions.get(id(key));
    if (!session) {
      await this.start(key);
      session = this.sessions.get(id(key));
    }
    if (!session || session.phase === 'connected') {
      throw new EngineError('SESSION_ALREADY_CONNECTED', 'This session is already linked.');
    }
    if (session.phase === 'connecting') throw new EngineError('CONFLICT', 'The session is not ready for a pairing code.');
    // Linking by code replaces the QR cycle; the code has its own lifetime.
    this.clearTimer(session);
    session.phase = 'pairing';
    session.qr = null;
    session.pairing = { code: newPairingCode(), phoneNumber };
    const ttl = this.scaled(PAIRING_CODE_TTL_MS);
    session.timer = setTimeout(() => this.timeout(session), ttl);
    this.listeners.emit({ type: 'pairing_code', key, code: session.pairing.code, phoneNumber, expiresAt: this.clock.now() + ttl });
  }

  async restartQr(key: SessionKey): Promise<void> {
    const session = this.sessions.get(id(key));
    if (session?.phase === 'connected') return;
    if (session) this.drop(session);
    await this.start(key);
  }

  async logout(key: SessionKey): Promise<void> {
    const session = this.sessions.get(id(key));
    if (session) this.drop(session);
    await this.store.deleteAuthState(authKey(key));
  }

  /** Silent on purpose: shutdown must not mark sessions disconnected, or a restart would not reconnect them. */
  async stop(key: SessionKey): Promise<void> {
    const session = this.sessions.get(id(key));
    if (session) this.drop(session);
  }

  async sendText(key: SessionKey, to: string, text: string): Promise<string> {
    const session = this.sessions.get(id(key));
    if (session?.phase !== 'connected') {
      throw new EngineError('SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected.`);
    }
    this.logger.debug({ session: key.name, to, length: text.length }, 'simulator: message sent');
    // WhatsApp Web message ids: 3EB0 and hex.
    const messageId = `3EB0${randomBytes(10).toString('hex').toUpperCase()}`;
    for (const status of ['delivered', 'read'] as const) {
      const timer = setTimeout(() => {
        session.receipts.delete(timer);
        this.listeners.emit({ type: 'message_status', key, id: messageId, status });
      }, this.scaled(RECEIPT_DELAYS_MS[status]));
      session.receipts.add(timer);
    }
    return messageId;
  }

  isRunning(key: SessionKey): boolean {
    return this.sessions.has(id(key));
  }

  subscribe(listener: EngineListener): () => void {
    return this.listeners.subscribe(listener);
  }

  async close(): Promise<void> {
    for (const session of [...this.sessions.values()]) this.drop(session);
  }

  /** Scripted failure on a session, running or not (tests and the demo). */
  simulate(key: SessionKey, failure: SimulatorFailure): void {
    const session = this.sessions.get(id(key));
    if (failure === 'network-down') {
      // As baileys does: report reconnecting while the bounded retries run, then give up.
      if (session) this.clearTimer(session);
      const retrying = session ?? this.track(key);
      retrying.phase = 'connecting';
      this.listeners.emit({ type: 'disconnected', key, ...FAILURE_EVENTS['network-down'], reason: 'AUTO_RECONNECT', reconnecting: true });
      retrying.timer = setTimeout(() => {
        this.drop(retrying);
        this.listeners.emit({ type: 'disconnected', key, ...FAILURE_EVENTS['network-down'] });
      }, this.scaled(NETWORK_RETRY_MS));
      return;
    }
    if (session) this.drop(session);
    // 401 from WhatsApp: the credentials are dead, delete them so nothing reconnects with them.
    if (failure === 'logged-out') void this.store.deleteAuthState(authKey(key));
    this.listeners.emit({ type: 'disconnected', key, ...FAILURE_EVENTS[failure] });
  }

  // --- virtual phone --------------------------------------------------------------------------

  private async scan(qr: string, phone = freshPhoneNumber()): Promise<SessionKey> {
    for (const session of this.sessions.values()) {
      if (session.phase === 'qr' && session.qr === qr) {
        this.assertRoom(session, phone);
        await this.link(session, { simulator: 1, method: 'qr', phone, pushName: 'Simulated Phone' }, true);
        return session.key;
      }
    }
    throw new EngineError('BAD_REQUEST', 'This QR code is stale or unknown; scan the one on screen now.');
  }

  private async enterCode(code: string): Promise<SessionKey> {
    const wanted = bare(code);
    for (const session of this.sessions.values()) {
      if (session.phase === 'pairing' && session.pairing && session.pairing.code === wanted) {
        this.assertRoom(session, session.pairing.phoneNumber);
        const creds: SimulatorCreds = { simulator: 1, method: 'pairing', phone: session.pairing.phoneNumber, pushName: 'Simulated Phone' };
        await this.link(session, creds, true);
        return session.key;
      }
    }
    throw new EngineError('BAD_REQUEST', 'This pairing code is wrong or has expired.');
  }

  /** A contact writes to the linked number: nothing to decrypt here, the event is the whole of it. */
  private async receive(key: SessionKey, text: string, from = VIRTUAL_CONTACT): Promise<string> {
    if (this.sessions.get(id(key))?.phase !== 'connected') {
      throw new EngineError('SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected.`);
    }
    // Phone message ids: 3A and hex.
    const messageId = `3A${randomBytes(9).toString('hex').toUpperCase()}`;
    this.listeners.emit({ type: 'message', key, message: { id: messageId, from, type: 'text', text, timestamp: this.clock.now() } });
    return messageId;
  }

  /**
   * The phone's companion limit, counted over the sessions this engine runs (cheap, and enough
   * for the UI tests this engine serves): a full phone ends `session` and answers 409.
   */
  private assertRoom(session: SimSession, phone: string): void {
    let linked = 0;
    for (const other of this.sessions.values()) if (other.phase === 'connected' && other.creds?.phone === phone) linked++;
    if (linked < MAX_COMPANIONS) return;
    this.drop(session);
    this.listeners.emit({ type: 'disconnected', key: session.key, ...COMPANION_LIMIT_FAILURE, reconnecting: false });
    throw companionLimitError();
  }

  // --- internals ------------------------------------------------------------------------------

  private track(key: SessionKey): SimSession {
    const session: SimSession = { key, phase: 'connecting', keys: newCompanionKeys(), attempt: 0, qr: null, pairing: null, creds: null, timer: null, receipts: new Set() };
    this.sessions.set(id(key), session);
    return session;
  }

  private nextQr(session: SimSession): void {
    if (session.attempt >= QR_MAX_ATTEMPTS) return this.timeout(session);
    session.attempt++;
    session.phase = 'qr';
    session.qr = buildPairingQr(newQrRef(), session.keys);
    const ttl = this.scaled(session.attempt === 1 ? QR_FIRST_TTL_MS : QR_NEXT_TTL_MS);
    session.timer = setTimeout(() => this.nextQr(session), ttl);
    this.listeners.emit({
      type: 'qr',
      key: session.key,
      qr: session.qr,
      expiresAt: this.clock.now() + ttl,
      attempt: session.attempt,
      maxAttempts: QR_MAX_ATTEMPTS,
    });
  }

  /** "QR refs attempts ended" (or the pairing code ran out): the socket closes, nothing linked. */
  private timeout(session: SimSession): void {
    this.drop(session);
    this.listeners.emit({ type: 'qr_timeout', key: session.key });
  }

  private async link(session: SimSession, creds: SimulatorCreds, fresh = false): Promise<void> {
    this.clearTimer(session);
    // Written before the event, like baileys' creds.update is saved before the app hears "open".
    if (fresh) await this.store.writeCreds(authKey(session.key), JSON.stringify(creds));
    session.phase = 'connected';
    session.qr = null;
    session.pairing = null;
    session.creds = creds;
    this.listeners.emit({ type: 'connected', key: session.key, method: creds.method, phone: creds.phone, pushName: creds.pushName });
  }

  private parseCreds(raw: string): SimulatorCreds | null {
    try {
      const creds = JSON.parse(raw) as Partial<SimulatorCreds>;
      if (creds.simulator === 1 && (creds.method === 'qr' || creds.method === 'pairing') && typeof creds.phone === 'string') {
        return { simulator: 1, method: creds.method, phone: creds.phone, pushName: creds.pushName ?? 'Simulated Phone' };
      }
    } catch {
      // fall through: not ours (e.g. written by the baileys engine); link afresh
    }
    this.logger.warn('simulator: stored credentials are not simulator credentials; linking afresh');
    return null;
  }

  private drop(session: SimSession): void {
    this.clearTimer(session);
    for (const timer of session.receipts) clearTimeout(timer);
    session.receipts.clear();
    if (this.sessions.get(id(session.key)) === session) this.sessions.delete(id(session.key));
  }

  private clearTimer(session: SimSession): void {
    if (session.timer) clearTimeout(session.timer);
    session.timer = null;
  }

  private scaled(ms: number): number {
    return Math.max(1, Math.round(ms / this.speed));
  }

}
