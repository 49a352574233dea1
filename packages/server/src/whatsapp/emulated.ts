// TITAN_ENGINE=emulated: the real Baileys engine, unmodified Baileys inside, against the WhatsApp
// edge emulator running in this process on a random loopback port. The virtual phone drives the
// emulator's phone side, so /dev/simulator/scan, /enter-code and /message work as with the
// simulator (a message travels Signal-encrypted to the real client).
import { PhoneError, startEmulator, trustEmulatorRoot } from '@titan-connect/wa-emulator';
import type { EmulatorOptions, WaEmulator } from '@titan-connect/wa-emulator';
import { EngineError } from '../errors.js';
import { BaileysEngine } from './baileys/engine.js';
import type { BaileysEngineOptions } from './baileys/engine.js';
import { COMPANION_LIMIT_FAILURE, companionLimitError, freshPhoneNumber } from './companion-limit.js';
import { installCurveGuard } from './curve-guard.js';
import { fetchEdgeInfo, HttpEmulatorPhone, type EmulatorPhone } from './remote-emulator.js';
import { ThreadedEngine } from './threads/threaded-engine.js';
import { type EngineEvent, type SessionKey, VIRTUAL_CONTACT, type VirtualPhone, sessionKeyId as sessionId } from './engine.js';

/** The store setting holding the emulator's memory (accounts, linked devices, keys). */
export const EMULATOR_STATE_SETTING = 'wa_emulator_state';

export interface EmulatedEngineOptions extends Omit<BaileysEngineOptions, 'kind' | 'virtualPhone'> {
  /** Emulator tuning (e.g. `qrRefs`); its state is always kept in the store. */
  emulator?: Omit<EmulatorOptions, 'persistence'>;
  /** `TITAN_ENGINE_THREADS`: the sessions on this many session threads; absent or 0: on this thread. */
  threads?: number;
  /** With `threads` and a store that seals auth state: its secret (see `ThreadedEngineOptions`). */
  authStateSecret?: string;
}

const normaliseCode = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

const STALE_QR = 'This QR code is stale or unknown; scan the one on screen now.';
const WRONG_CODE = 'This pairing code is wrong or has expired.';

/**
 * Plays the phone against the emulator. The engine's events say which QR and which pairing code
 * each session shows now, which is how a scan or a typed code finds its session.
 */
class EmulatedPhone implements VirtualPhone {
  private readonly qrs = new Map<string, { key: SessionKey; qr: string }>();
  private readonly codes = new Map<string, { key: SessionKey; code: string; phoneNumber: string }>();
  /** The number each connected session is linked to: where the phone's contacts write. */
  private readonly linkedPhones = new Map<string, string>();

  /** Set once the engine exists: ends a session the phone refused to link. */
  failSession: (key: SessionKey, failure: typeof COMPANION_LIMIT_FAILURE) => void = () => {};

  constructor(private readonly emulatorPhone: EmulatorPhone) {}

  follow(event: EngineEvent): void {
    const id = sessionId(event.key);
    if (event.type === 'message' || event.type === 'message_status') return;
    if (event.type === 'connected' && event.phone) this.linkedPhones.set(id, event.phone);
    else if (event.type !== 'disconnected' || !event.reconnecting) this.linkedPhones.delete(id);
    if (event.type === 'qr') this.qrs.set(id, { key: event.key, qr: event.qr });
    else if (event.type === 'pairing_code') {
      this.codes.set(id, { key: event.key, code: normaliseCode(event.code), phoneNumber: event.phoneNumber });
    } else {
      this.qrs.delete(id);
      this.codes.delete(id);
    }
  }

  async scan(qr: string, phoneNumber = freshPhoneNumber()): Promise<SessionKey> {
    const shown = [...this.qrs.values()].find((entry) => entry.qr === qr);
    if (!shown) throw new EngineError('BAD_REQUEST', STALE_QR);
    await this.phone(() => this.emulatorPhone.scanQr(qr, phoneNumber), STALE_QR, shown.key);
    return shown.key;
  }

  async enterCode(code: string): Promise<SessionKey> {
    const typed = normaliseCode(code);
    const pending = [...this.codes.values()];
    // A code no session shows still goes to the phone when only one session waits for one, so
    // the refusal comes from the protocol (the key bundle fails to open), as on a real phone.
    const target = pending.find((entry) => entry.code === typed) ?? (pending.length === 1 ? pending[0] : undefined);
    if (!target) throw new EngineError('BAD_REQUEST', WRONG_CODE);
    await this.phone(() => this.emulatorPhone.enterCode(typed, target.phoneNumber), WRONG_CODE, target.key);
    return target.key;
  }

  async sendMessage(key: SessionKey, text: string, from = VIRTUAL_CONTACT): Promise<string> {
    const phone = this.linkedPhones.get(sessionId(key));
    const notConnected = () => new EngineError('SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected to WhatsApp.`);
    if (!phone) throw notConnected();
    try {
      return (await this.emulatorPhone.sendMessage(phone, text, from)).id;
    } catch (error) {
      // Linked, but its socket is down right now (reconnecting): nothing to deliver to.
      if (error instanceof PhoneError && error.code === 'NOT_CONNECTED') throw notConnected();
      throw error;
    }
  }

  /**
   * Phone refusals are the user's mistake (400), except a full phone: that ends the session
   * (WhatsApp would never link it) and answers 409; anything else is a real failure.
   */
  private async phone(action: () => Promise<unknown>, message: string, key: SessionKey): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof PhoneError && error.code === 'COMPANION_LIMIT') {
        this.failSession(key, COMPANION_LIMIT_FAILURE);
        throw companionLimitError();
      }
      if (error instanceof PhoneError) throw new EngineError('BAD_REQUEST', message);
      throw error;
    }
  }
}

/** The baileys engine that also owns the emulator it talks to. */
export class EmulatedEngine extends BaileysEngine {
  constructor(
    options: BaileysEngineOptions,
    readonly emulator: WaEmulator,
  ) {
    super(options);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.emulator.close();
  }
}

/** The edge a session's sockets dial, and the root its certificates chain to. */
interface Edge {
  waWebSocketUrl: string;
  rootPublicKey: Buffer;
}

/**
 * The engine against `edge`, its sessions on `threads` session threads (threads/), or on this
 * one when `threads` is absent; `phone` follows its events and may end a session it refused.
 */
async function engineFor(options: Omit<EmulatedEngineOptions, 'emulator'>, edge: Edge, phone: EmulatedPhone, make: (options: BaileysEngineOptions) => BaileysEngine, onClose?: () => Promise<void>): Promise<BaileysEngine | ThreadedEngine> {
  const { threads, authStateSecret, ...engineOptions } = options;
  const { logger } = options;
  const threaded = async () => {
    // Each thread trusts the emulator's root on its own copy of Baileys (socket-thread.ts).
    const engine = new ThreadedEngine({
      kind: 'emulated',
      store: options.store,
      logger,
      threads: threads!,
      maxConcurrentConnects: options.maxConcurrentConnects,
      socketOptions: { ...pickThreadSocketOptions(options.socketOptions), waWebSocketUrl: edge.waWebSocketUrl },
      connectTimeoutMs: options.connectTimeoutMs,
      backoff: options.backoff,
      offline: true,
      emulatorRootKey: edge.rootPublicKey.toString('hex'),
      authStateSecret,
      virtualPhone: phone,
      onClose,
    });
    await engine.warmUp();
    return engine;
  };
  const here = () => {
    trustEmulatorRoot(edge.rootPublicKey, (line) => logger.warn(line));
    return make({
      // Offline by definition: the bundled WA Web version, no fetch.
      fetchVersion: async () => null,
      ...engineOptions,
      kind: 'emulated',
      socketOptions: { ...engineOptions.socketOptions, waWebSocketUrl: edge.waWebSocketUrl },
      virtualPhone: phone,
    });
  };
  const engine = threads ? await threaded() : here();
  engine.subscribe((event) => phone.follow(event));
  phone.failSession = (key, failure) => engine.failSession(key, failure);
  return engine;
}

/** The socket options that cross to a session thread (plain data only). */
const pickThreadSocketOptions = (options: BaileysEngineOptions['socketOptions'] = {}) => ({
  ...(options.qrTimeout !== undefined && { qrTimeout: options.qrTimeout }),
});

/** The emulator in this process; with `threads`, the sessions on session threads. */
export async function createEmulatedEngine(options: EmulatedEngineOptions & { threads?: undefined }): Promise<EmulatedEngine>;
export async function createEmulatedEngine(options: EmulatedEngineOptions): Promise<EmulatedEngine | ThreadedEngine>;
export async function createEmulatedEngine(options: EmulatedEngineOptions): Promise<EmulatedEngine | ThreadedEngine> {
  const { emulator: emulatorOptions, ...engineOptions } = options;
  const { store, logger } = options;
  // The emulator's chain must pass the strict checks too: guard first, as in baileys mode.
  installCurveGuard((line) => logger.info(line));
  const emulatorLog = logger.child({ module: 'wa-emulator' });
  // The emulator reads its keys synchronously at start; read them from the store first.
  const saved = await store.getSetting(EMULATOR_STATE_SETTING);
  const emulator = await startEmulator({
    // Every node's tag and attributes (never their content) at debug: enough to follow a link.
    log: (line) => emulatorLog.debug(line),
    ...emulatorOptions,
    persistence: {
      load: () => saved,
      save: (state) => void store.setSetting(EMULATOR_STATE_SETTING, state).catch((err: unknown) => logger.error({ err }, 'could not store the emulator state')),
    },
  });
  const edge = { waWebSocketUrl: emulator.url, rootPublicKey: emulator.rootPublicKey };
  try {
    const engine = await engineFor(engineOptions, edge, new EmulatedPhone(emulator.phone), (o) => new EmulatedEngine(o, emulator), () => emulator.close());
    logger.info({ url: emulator.url, phone: emulator.edge.defaultPhoneNumber, threads: options.threads ?? 0 }, 'WhatsApp edge emulator listening');
    return engine as EmulatedEngine | ThreadedEngine;
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/**
 * TITAN_EMULATOR_URL: the same engine against an emulator in its own process (`emulatorUrl` is
 * its HTTP base, e.g. http://127.0.0.1:7777). The emulator keeps its own state (`--state`).
 */
export async function createRemoteEmulatedEngine(options: EmulatedEngineOptions & { emulatorUrl: string }): Promise<BaileysEngine | ThreadedEngine> {
  const { emulator: _local, emulatorUrl, ...engineOptions } = options;
  const { logger } = options;
  installCurveGuard((line) => logger.info(line));
  const info = await fetchEdgeInfo(emulatorUrl);
  const edge = { waWebSocketUrl: info.waWebSocketUrl, rootPublicKey: Buffer.from(info.rootPublicKey, 'hex') };
  const engine = await engineFor(engineOptions, edge, new EmulatedPhone(new HttpEmulatorPhone(emulatorUrl)), (o) => new BaileysEngine(o));
  logger.info({ url: edge.waWebSocketUrl, emulator: emulatorUrl, threads: options.threads ?? 0 }, 'WhatsApp edge emulator (own process) in use');
  return engine;
}
