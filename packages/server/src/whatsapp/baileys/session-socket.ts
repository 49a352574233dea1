// One WhatsApp session's life on Baileys: a socket, and when it closes, the next socket (515
// restart, back-off) or the end. `connection.update` and `creds.update` are handled here and
// nowhere else; the engine only starts, stops and forwards.
import { Browsers, INITIAL_PREKEY_COUNT, type AuthenticationCreds, type ConnectionState, type SocketConfig, type UserFacingSocketConfig, type WASocket, type WAVersion } from 'baileys';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { AuthStateStore } from '../../store/types.js';
import { type EngineEvent, FAILURE_MESSAGES, QR_FIRST_TTL_MS, QR_MAX_ATTEMPTS, QR_NEXT_TTL_MS, type SessionKey } from '../engine.js';
import { useStoreAuthState, type StoreAuthState } from './auth-state.js';
import { decideDisconnect, statusCodeOf, type BackoffPolicy } from './disconnect.js';
import { sessionCaches } from './session-cache.js';
import { followMessages } from './inbound.js';
import type { Admission } from './admission.js';
import { sharedKeyPool, type KeyPool, type X25519KeyPair } from '../key-pool.js';
import type { WaVersionSource } from './version.js';
import { withSocketStorage } from './transaction-storage.js';
import { phoneOf, releaseSocket, timedOutError, withTimeout } from './socket-life.js';

/** The part of a Baileys socket the engine uses; tests inject a fake of exactly this. */
export type BaileysSocket = Pick<WASocket, 'ev' | 'user' | 'requestPairingCode' | 'logout' | 'end' | 'sendMessage'>;
export type MakeSocket = (config: UserFacingSocketConfig) => BaileysSocket;

/** Baileys' QR schedule (socket.js `genPairQR`): the first ref lives 60 s, each later one 20 s. */
/** WhatsApp hands out six refs per socket; after the last one baileys ends with "QR refs attempts ended". */
/** 515 comes once after a scan; a server asking again and again without ever logging us in is broken. */
const MAX_RESTARTS_WITHOUT_OPEN = 3;
/** How long `stop`/`logout` wait for baileys to close its WebSocket before moving on. */
const CLOSE_GRACE_MS = 2_000;

export interface SessionSocketOptions {
  key: SessionKey;
  store: AuthStateStore;
  makeSocket: MakeSocket;
  socketOptions: Partial<SocketConfig>;
  versions: WaVersionSource;
  backoff: BackoffPolicy;
  /** Bounds the WebSocket handshake and, plus a grace, the wait for a first QR or login. */
  connectTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Handed to baileys; kept at `warn` by the engine. */
  baileysLogger: Logger;
  emit: (event: EngineEvent) => void;
  /** Called once, when the session has stopped for good. */
  onFinished: () => void;
  random?: () => number;
  /** Where the first login's pre-keys are made (off the event loop); default the process's pool. */
  keyPool?: KeyPool;
  /** Bounds how many sockets of the engine come up at once (see admission.ts); none: unbounded. */
  admission?: Admission;
}

/**
 * Registered, and no pre-key made yet: the first login, which uploads INITIAL_PREKEY_COUNT
 * (812) of them. (initAuthCreds starts both counters at 1; an upload moves both on.)
 */
const needsFirstPreKeys = (creds: AuthenticationCreds): boolean =>
  Boolean(creds.me?.id && creds.account) && creds.nextPreKeyId === 1 && creds.firstUnuploadedPreKeyId === 1;

/** How a session ended for good, as its `disconnected` event says. */
export type SessionFailure = Omit<Extract<EngineEvent, { type: 'disconnected' }>, 'type' | 'key' | 'reconnecting'>;

type Phase = 'connecting' | 'qr' | 'open' | 'waiting' | 'finished';

export class SessionSocket {
  private sock: BaileysSocket | null = null;
  private auth: StoreAuthState | null = null;
  private phase: Phase = 'connecting';
  private qrsShown = 0;
  private qrCycleEndsAt = 0;
  /** Transient-failure retries since the socket last reached WhatsApp (a QR or an open). */
  private retries = 0;
  private restartsWithoutOpen = 0;
  /** A pairing code asked for before the socket could send it; sent on the first QR. */
  private pendingPairingPhone: string | null = null;
  /** How this session is being linked; survives the 515 restart between scan and login. */
  private linkMethod: 'qr' | 'pairing' | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Frees this session's admission slot: held from socket start to its first QR, open or close. */
  private releaseAdmission: (() => void) | null = null;
  /** The first login's pre-keys, asked of the key pool as soon as the scan registered the creds. */
  private firstPreKeys: Promise<X25519KeyPair[]> | null = null;
  /** Baileys' caches for this session's sockets; emptied when the session ends (see session-cache.ts). */
  private readonly caches = sessionCaches();

  constructor(private readonly o: SessionSocketOptions) {}

  get finished(): boolean {
    return this.phase === 'finished';
  }

  get isOpen(): boolean {
    return this.phase === 'open' && this.sock !== null;
  }

  get isShowingQr(): boolean {
    return this.phase === 'qr';
  }

  async start(pairingPhoneNumber?: string): Promise<void> {
    if (pairingPhoneNumber) this.pendingPairingPhone = pairingPhoneNumber;
    try {
      await this.connect();
    } catch (error) {
      // Not left half-started in the engine's map: the caller gets the error, a retry starts afresh.
      this.detach();
      this.phase = 'finished';
      this.o.onFinished();
      throw error;
    }
  }

  /** Asks for a pairing code now if the socket is up, else on its first QR (never before). */
  async requestPairingCode(phoneNumber: string): Promise<void> {
    if (this.phase === 'open') throw new EngineError('SESSION_ALREADY_CONNECTED', 'This session is already linked.');
    if (this.phase === 'qr' && this.sock) await this.sendPairingRequest(this.sock, phoneNumber);
    else this.pendingPairingPhone = phoneNumber;
  }

  async sendText(to: string, text: string): Promise<string> {
    const sock = this.sock;
    if (!this.isOpen || !sock) {
      throw new EngineError('SESSION_NOT_CONNECTED', `Session "${this.o.key.name}" is not connected to WhatsApp.`);
    }
    const message = await sock.sendMessage(`${to}@s.whatsapp.net`, { text });
    return message?.key.id ?? '';
  }

  /**
   * Closes the socket and keeps the creds. Silent, like every command the caller gave itself
   * (and so a shutdown leaves CONNECTED sessions CONNECTED, to reconnect on the next start).
   */
  async stop(): Promise<void> {
    const sock = this.detach();
    this.phase = 'finished';
    this.releaseSessionMemory();
    this.o.onFinished();
    if (sock) await this.endQuietly(sock);
  }

  /** Unlinks the device on WhatsApp (when connected) and deletes the creds either way. Silent, like `stop`. */
  async logout(): Promise<void> {
    const wasOpen = this.isOpen;
    const sock = this.detach();
    this.phase = 'finished';
    this.releaseSessionMemory();
    this.o.onFinished();
    if (sock && wasOpen) {
      try {
        await withTimeout(sock.logout(), CLOSE_GRACE_MS * 2);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'logout request failed; deleting the credentials anyway');
        await this.endQuietly(sock);
      }
    } else if (sock) {
      await this.endQuietly(sock);
    }
    await this.auth?.settled();
    await this.o.store.deleteAuthState(this.authKey);
  }

  /** Ends the session with `failure` (a refusal from the phone that the socket never sees). */
  fail(failure: SessionFailure): void {
    if (this.finished) return;
    const sock = this.detach();
    if (this.auth && !this.auth.isRegistered()) this.auth.wipePendingPairing();
    this.finish(failure);
    if (sock) void this.endQuietly(sock);
  }

  private get keyPool(): KeyPool {
    return this.o.keyPool ?? sharedKeyPool();
  }

  /**
   * Puts the first login's pre-keys in the key store, made on the key pool, and moves the
   * creds' counter past them: Baileys then finds them "generated, not uploaded" and uploads
   * them instead of making 812 key pairs on the event loop (`generateOrGetPreKeys`).
   */
  private async stockFirstPreKeys(auth: StoreAuthState): Promise<void> {
    const pairs = await (this.firstPreKeys ?? this.keyPool.generate(INITIAL_PREKEY_COUNT));
    this.firstPreKeys = null;
    if (this.finished) return;
    const { creds, keys } = auth.state;
    const first = creds.nextPreKeyId;
    await keys.set({ 'pre-key': Object.fromEntries(pairs.map((pair, i) => [String(first + i), pair])) });
    creds.nextPreKeyId = first + pairs.length;
    await auth.saveCreds();
  }

  private get authKey() {
    return { tenantId: this.o.key.tenantId, sessionName: this.o.key.name };
  }

  private async connect(): Promise<void> {
    if (this.finished) return;
    this.phase = 'connecting';
    this.qrsShown = 0;
    const version = await this.o.versions.get();
    if (this.finished) return; // stopped while the version was being fetched
    // Read from the store on every socket: after a 515 restart this is the proof the creds
    // issued by the scan were written before baileys acknowledged them.
    await this.auth?.settled();
    const auth = await useStoreAuthState(this.o.store, this.authKey, { logger: this.o.baileysLogger, keyCache: this.caches.signalKeys, keyPool: this.keyPool });
    if (this.finished) return;
    if (!auth.isRegistered()) await auth.wipePendingPairing(); // e.g. a crash in the middle of a pairing
    if (needsFirstPreKeys(auth.state.creds)) {
      await this.stockFirstPreKeys(auth); // on the key pool's workers: no slot held meanwhile
      if (this.finished) return;
    }
    const gate = this.o.admission;
    if (!gate) return this.open(auth, version);
    // The caller (a widget request, the start-up resume of every linked number) does not wait its
    // turn: the socket opens when admitted. Meanwhile the widget shows "Generating the QR code…".
    void gate.acquire(auth.isRegistered() ? 'login' : 'link').then((release) => {
      if (this.finished) return release(); // stopped while waiting: the turn passes on
      this.releaseAdmission = release;
      try {
        this.open(auth, version);
      } catch (error) {
        this.o.logger.error({ err: error }, 'could not open the WhatsApp socket');
        this.detach();
        this.finish({ reason: 'FAILED', code: 'LINKING_FAILED', message: 'The WhatsApp connection could not be started', retryable: true });
      }
    });
  }

  /** Opens this session's next socket on `auth`. */
  private open(auth: StoreAuthState, version: WAVersion): void {
    this.auth = auth;
    let sock: BaileysSocket;
    try {
      // The socket's key-store storage is on only during its transactions (transaction-storage.ts).
      sock = withSocketStorage(() => this.o.makeSocket({
        browser: Browsers.macOS('Chrome'),
        // A linking service: keep the phone receiving notifications, and skip the full history.
        markOnlineOnConnect: false,
        syncFullHistory: false,
        msgRetryCounterCache: this.caches.msgRetryCounterCache,
        callOfferCache: this.caches.callOfferCache,
        userDevicesCache: this.caches.userDevicesCache,
        placeholderResendCache: this.caches.placeholderResendCache,
        ...this.o.socketOptions,
        connectTimeoutMs: this.o.connectTimeoutMs,
        version,
        auth: auth.state,
        logger: this.o.baileysLogger,
      }));
    } catch (error) {
      this.onClose(null, error);
      return;
    }
    this.sock = sock;
    // Written at once (SQLite: before baileys goes on; any store: before the next socket reads
    // them): a crash right after a scan must not lose the creds WhatsApp just issued.
    sock.ev.on('creds.update', () => {
      if (sock !== this.sock) return;
      void auth.saveCreds().catch((err: unknown) => this.o.logger.error({ err }, 'could not store the WhatsApp credentials'));
      // Just scanned: start making the first login's pre-keys while the 515 restart happens.
      if (needsFirstPreKeys(auth.state.creds)) this.firstPreKeys ??= this.keyPool.generate(INITIAL_PREKEY_COUNT);
    });
    sock.ev.on('connection.update', (update) => this.onUpdate(sock, update));
    // Inbound messages and our messages' acks (inbound.ts); nothing from a socket we let go of.
    followMessages(sock.ev, this.o.key, (event) => { if (sock === this.sock) this.o.emit(event); }, () => this.o.clock.now());
    this.armWatchdog(sock);
  }

  private onUpdate(sock: BaileysSocket, update: Partial<ConnectionState>): void {
    if (sock !== this.sock) return; // a socket we already let go of
    if (update.qr) this.onQr(sock, update.qr);
    if (update.connection === 'open') this.onOpen(sock);
    if (update.connection === 'close') this.onClose(sock, update.lastDisconnect?.error);
  }

  private onQr(sock: BaileysSocket, qr: string): void {
    this.disarmWatchdog();
    this.admitted();
    this.retries = 0;
    this.phase = 'qr';
    this.qrsShown += 1;
    const now = this.o.clock.now();
    const firstTtl = this.o.socketOptions.qrTimeout ?? QR_FIRST_TTL_MS;
    const nextTtl = this.o.socketOptions.qrTimeout ?? QR_NEXT_TTL_MS;
    if (this.qrsShown === 1) this.qrCycleEndsAt = now + firstTtl + (QR_MAX_ATTEMPTS - 1) * nextTtl;
    this.o.emit({
      type: 'qr',
      key: this.o.key,
      qr,
      expiresAt: now + (this.qrsShown === 1 ? firstTtl : nextTtl),
      attempt: this.qrsShown,
      maxAttempts: Math.max(QR_MAX_ATTEMPTS, this.qrsShown),
    });
    const phone = this.pendingPairingPhone;
    if (phone) void this.sendPairingRequest(sock, phone);
  }

  private async sendPairingRequest(sock: BaileysSocket, phoneNumber: string): Promise<void> {
    this.pendingPairingPhone = null;
    this.linkMethod = 'pairing';
    try {
      const code = await sock.requestPairingCode(phoneNumber);
      if (sock !== this.sock) return;
      // The code is good for as long as this socket's ref cycle lasts.
      this.o.emit({ type: 'pairing_code', key: this.o.key, code, phoneNumber, expiresAt: this.qrCycleEndsAt });
    } catch (error) {
      if (sock !== this.sock) return;
      this.o.logger.warn({ err: error }, 'pairing code request failed');
      this.linkMethod = null;
      void this.auth?.wipePendingPairing();
      this.detach();
      void this.endQuietly(sock);
      this.finish({ reason: 'FAILED', code: 'PAIRING_REJECTED', message: 'WhatsApp did not accept the pairing code request', retryable: true });
    }
  }

  private onOpen(sock: BaileysSocket): void {
    this.disarmWatchdog();
    this.admitted();
    this.retries = 0;
    this.restartsWithoutOpen = 0;
    this.phase = 'open';
    const me = sock.user;
    // '~' is the placeholder name baileys writes when it asks for a pairing code.
    const pushName = me?.name && me.name !== '~' ? me.name : null;
    const method = this.linkMethod ?? (this.auth?.state.creds.pairingCode ? 'pairing' : 'qr');
    this.o.logger.info({ method }, 'WhatsApp session open');
    this.o.emit({ type: 'connected', key: this.o.key, method, phone: phoneOf(me?.id), pushName });
  }

  /** `sock` null: the socket could not even be created. */
  private onClose(sock: BaileysSocket | null, error: unknown): void {
    if (sock !== this.sock) return;
    this.detach();
    if (sock) setImmediate(() => releaseSocket(sock));
    const decision = decideDisconnect({
      error,
      qrsShown: this.qrsShown,
      maxQrAttempts: QR_MAX_ATTEMPTS,
      paired: this.qrsShown > 0 && (this.auth?.isRegistered() ?? false),
      retriesSoFar: this.retries,
      policy: this.o.backoff,
      random: this.o.random,
    });
    this.o.logger.info({ statusCode: statusCodeOf(error), decision: decision.kind }, 'WhatsApp socket closed');
    if (decision.kind !== 'restart' && this.auth && !this.auth.isRegistered()) void this.auth.wipePendingPairing();
    switch (decision.kind) {
      case 'restart':
        if (++this.restartsWithoutOpen <= MAX_RESTARTS_WITHOUT_OPEN) {
          this.reconnect();
        } else {
          this.finish({ reason: 'FAILED', code: 'LINKING_FAILED', message: 'WhatsApp kept restarting the connection', retryable: true });
        }
        return;
      case 'logged_out':
        void (this.auth ? this.auth.clear() : this.o.store.deleteAuthState(this.authKey));
        this.finish({ reason: 'LOGGED_OUT', code: 'LOGGED_OUT', message: decision.message, retryable: false });
        return;
      case 'replaced':
        this.finish({ reason: 'FAILED', code: 'REPLACED', message: FAILURE_MESSAGES.REPLACED, retryable: false });
        return;
      case 'qr_timeout':
        this.finish(null);
        this.o.emit({ type: 'qr_timeout', key: this.o.key });
        return;
      case 'fail':
        this.finish({ reason: 'FAILED', code: decision.code, message: decision.message, retryable: decision.retryable });
        return;
      case 'retry':
        this.retries = decision.attempt;
        if (statusCodeOf(error) === 405) this.o.versions.invalidate(); // WhatsApp finds our version stale
        this.phase = 'waiting';
        this.emitDisconnected({ reason: 'AUTO_RECONNECT', code: 'WA_UNREACHABLE', message: decision.message, retryable: true }, true);
        this.retryTimer = setTimeout(() => this.reconnect(), decision.delayMs);
        return;
    }
  }

  /** A reconnect nobody awaits: a throw here (e.g. the store already closed) must end the session, not the process. */
  private reconnect(): void {
    this.connect().catch((error: unknown) => {
      this.o.logger.error({ err: error }, 'reconnect failed');
      this.detach();
      this.finish({ reason: 'FAILED', code: 'LINKING_FAILED', message: 'The WhatsApp connection could not be restarted', retryable: true });
    });
  }

  private finish(failure: SessionFailure | null): void {
    this.phase = 'finished';
    clearTimeout(this.retryTimer);
    this.disarmWatchdog();
    this.releaseSessionMemory();
    if (failure) this.emitDisconnected(failure);
    this.o.onFinished();
  }

  private emitDisconnected(fields: SessionFailure, reconnecting = false): void {
    this.o.emit({ type: 'disconnected', key: this.o.key, ...fields, reconnecting });
  }

  /** Lets go of the current socket: its later events are ignored. */
  private detach(): BaileysSocket | null {
    const sock = this.sock;
    this.sock = null;
    clearTimeout(this.retryTimer);
    this.disarmWatchdog();
    this.admitted();
    return sock;
  }

  /** The socket is up (a QR, open) or gone: the next one in line may start. */
  private admitted(): void {
    this.releaseAdmission?.();
    this.releaseAdmission = null;
  }

  /** The session is over: nothing it cached may outlive it. */
  private releaseSessionMemory(): void {
    for (const cache of Object.values(this.caches)) cache.flushAll();
    this.auth = null;
  }

  /** A backstop for a socket that neither shows a QR, nor opens, nor closes (a silent peer). */
  private armWatchdog(sock: BaileysSocket): void {
    // Half again the handshake bound: baileys' own timeouts (handshake, noise hello) fire first
    // when they work; this only catches the case where none of them does.
    const ms = Math.round(this.o.connectTimeoutMs * 1.5);
    this.watchdog = setTimeout(() => {
      this.onClose(sock, timedOutError(ms));
      void this.endQuietly(sock);
    }, ms);
  }

  private disarmWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private async endQuietly(sock: BaileysSocket): Promise<void> {
    try {
      await withTimeout(Promise.resolve(sock.end(undefined)), CLOSE_GRACE_MS);
    } catch {
      // Already closed, or the close handshake hung: either way the socket is gone for us.
    }
    releaseSocket(sock);
  }
}
