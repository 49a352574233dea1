// The emulated WhatsApp edge: decides what each authenticated connection is (a new companion
// registering, or a linked device logging in) and plays the phone's part of linking. Sessions
// (`session.ts`) carry the bytes; this file holds the state WhatsApp's servers would hold.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { KeyPair, proto } from 'baileys';
import { childBytes, getBinaryNodeChild, iqError, iqResult, node, SERVER_JID } from './binary.js';
import type { BinaryNode } from './binary.js';
import { CertificateAuthority } from './certs.js';
import { generateKeyPair } from './curve.js';
import type { CertChainOptions } from './certs.js';
import { answerIq } from './iq.js';
import {
  finishCodeExchange,
  PairingError,
  parseQr,
  signedDeviceIdentityHmac,
  unwrapEphemeral,
  verifyDeviceSignature,
  wrapEphemeral,
} from './pairing.js';
import type { CodeExchange } from './pairing.js';
import { CompanionLimitError, Registry } from './registry.js';
import type { Account, Device } from './registry.js';
import { loadEdgeState, saveEdgeState, ThrottledSave } from './persistence.js';
import { initialSyncMessages } from './sync.js';
import { Messaging } from './messaging.js';
import type { ReceiptDelays } from './messaging.js';
import type { EdgePersistence } from './persistence.js';
import type { EdgeSession, SessionHost } from './session.js';

/** A phone-side action that cannot be done; `code` is stable for callers (HTTP maps it to 400/404). */
export class PhoneError extends Error {
  constructor(
    readonly code:
      | 'STALE_QR'
      | 'BAD_QR'
      | 'NO_PENDING_CODE'
      | 'AMBIGUOUS'
      | 'WRONG_CODE'
      | 'UNKNOWN_DEVICE'
      | 'LINK_FAILED'
      | 'COMPANION_LIMIT'
      | 'NOT_CONNECTED',
    message: string,
  ) {
    super(message);
  }
}

export interface LinkedDevice {
  phoneNumber: string;
  deviceId: number;
  jid: string;
  lid: string;
  method: 'qr' | 'pairing';
}

export interface EdgeOptions {
  /** QR refs per registration; WhatsApp sends 6. Fewer make "QR refs attempts ended" come sooner. */
  qrRefs?: number;
  /** The number the virtual phone links with when a scan names none. */
  defaultPhoneNumber?: string;
  /**
   * How long `enterCode` waits for a companion's code request to arrive when none is pending
   * (Baileys shows the code before its request reaches the edge). Default 2 s.
   */
  pairingGraceMs?: number;
  /** The emulator's root and intermediate keys (random by default, or restored from `persistence`). */
  ca?: CertificateAuthority;
  /**
   * Where WhatsApp's memory lives between runs (accounts, linked devices, keys). Without it an
   * emulator restart is a fresh WhatsApp and every linked device gets 401 on its next login.
   */
  persistence?: EdgePersistence;
  /** How long a contact's phone takes to report a companion's message delivered, then read. */
  receiptDelays?: ReceiptDelays;
  log?: (line: string) => void;
}

interface Registration {
  /** The companion's signal identity key from `devicePairingData`. */
  identityKey: Buffer;
  refs: string[];
  /** Set once the companion asked for a pairing code (`companion_hello`). */
  hello: { phoneNumber: string; wrappedEphemeral: Buffer; ref: string } | null;
  exchange: CodeExchange | null;
  /** Resolves with the `companion_finish` iq. */
  awaitFinish: ((iq: BinaryNode) => void) | null;
  linking: boolean;
}

/** The default number matches the simulator's so demos read the same in both engines. */
const DEFAULT_PHONE = '15550100001';
const COMPANION_FINISH_TIMEOUT_MS = 15_000;
const ROUTING_INFO = Buffer.from('0808080d', 'hex');

/** The phone's refusal of a fifth companion, as the `PhoneError` callers map. */
const limitError = (error: unknown): unknown =>
  error instanceof CompanionLimitError ? new PhoneError('COMPANION_LIMIT', error.message) : error;

const assertRoom = (registry: Registry, account: Account): void => {
  try {
    registry.assertRoom(account);
  } catch (error) {
    throw limitError(error);
  }
};

const now = (): string => String(Math.floor(Date.now() / 1000));
const normaliseCode = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

export class Edge extends EventEmitter implements SessionHost {
  readonly registry = new Registry();
  readonly ca: CertificateAuthority;
  readonly serverStatic: KeyPair;
  readonly #saves: ThrottledSave | null;
  /** While true, new connections are dropped (WhatsApp unreachable). */
  offline = false;
  readonly #options: Required<Pick<EdgeOptions, 'qrRefs' | 'defaultPhoneNumber' | 'pairingGraceMs'>>;
  readonly #log: (line: string) => void;
  #certOptions: CertChainOptions = {};
  readonly #sessions = new Set<EdgeSession>();
  readonly #refs = new Map<string, EdgeSession>();
  readonly #registrations = new Map<EdgeSession, Registration>();
  /** Live logged-in session per device jid: a second login replaces the first (440). */
  readonly #logins = new Map<string, EdgeSession>();
  readonly #loginOf = new Map<EdgeSession, { account: Account; device: Device }>();
  /** Signal messages from contacts to companions, and receipts for theirs (`messaging.ts`). */
  readonly messaging: Messaging;

  constructor(options: EdgeOptions = {}) {
    super();
    const persistence = options.persistence ?? null;
    const saved = persistence ? loadEdgeState(persistence) : null;
    this.ca = options.ca ?? saved?.ca ?? new CertificateAuthority();
    this.serverStatic = saved?.serverStatic ?? generateKeyPair();
    if (saved) this.registry.restore(saved.accounts);
    this.#log = options.log ?? (() => {});
    this.#saves = persistence
      ? new ThrottledSave(
          () => saveEdgeState(persistence, this.ca, this.serverStatic, this.registry),
          (error) => this.#log(`could not save the edge state: ${(error as Error).message}`),
        )
      : null;
    this.messaging = new Messaging((jid) => this.#logins.get(jid), options.receiptDelays, this.#log);
    this.#options = {
      qrRefs: options.qrRefs ?? 6,
      defaultPhoneNumber: options.defaultPhoneNumber ?? DEFAULT_PHONE,
      pairingGraceMs: options.pairingGraceMs ?? 2_000,
    };
  }

  log(line: string): void {
    this.#log(line);
  }

  /** Saves the edge's memory after anything WhatsApp would remember changed (throttled: `persistence.ts`). */
  changed(): void {
    this.#saves?.changed();
  }

  /** Writes any change not saved yet; closing the emulator calls it, so a clean shutdown loses nothing. */
  flush(): void {
    this.#saves?.flush();
  }

  certOptions(): CertChainOptions {
    return this.#certOptions;
  }

  /** For tests of the client's certificate checks: serve an impostor's chain from now on. */
  setCertChainOptions(options: CertChainOptions): void {
    this.#certOptions = options;
  }

  get defaultPhoneNumber(): string {
    return this.#options.defaultPhoneNumber;
  }

  track(session: EdgeSession): void {
    this.#sessions.add(session);
  }

  onClose(session: EdgeSession): void {
    this.#sessions.delete(session);
    const registration = this.#registrations.get(session);
    if (registration) for (const ref of registration.refs) this.#refs.delete(ref);
    this.#registrations.delete(session);
    const login = this.#loginOf.get(session);
    if (login && this.#logins.get(login.device.jid) === session) this.#logins.delete(login.device.jid);
    this.#loginOf.delete(session);
  }

  /** Drops every connection without a goodbye (network loss). */
  dropAll(): void {
    for (const session of [...this.#sessions]) session.terminate();
  }

  async onClientPayload(session: EdgeSession, payload: proto.ClientPayload): Promise<void> {
    this.track(session);
    if (payload.devicePairingData) return this.#register(session, payload.devicePairingData);
    if (payload.username) return this.#login(session, String(payload.username), payload.device ?? 0);
    await session.failure(400);
  }

  async #register(session: EdgeSession, pairing: proto.ClientPayload.IDevicePairingRegistrationData): Promise<void> {
    if (!pairing.eIdent || pairing.eIdent.byteLength !== 32) return session.failure(400);
    const refs = Array.from({ length: this.#options.qrRefs }, () => `2@${randomBytes(24).toString('base64')}`);
    this.#registrations.set(session, {
      identityKey: Buffer.from(pairing.eIdent),
      refs,
      hello: null,
      exchange: null,
      awaitFinish: null,
      linking: false,
    });
    for (const ref of refs) this.#refs.set(ref, session);
    await session.send(
      node('iq', { from: SERVER_JID, type: 'set', id: session.nextTag(), xmlns: 'md', t: now() }, [
        node('pair-device', {}, refs.map((ref) => node('ref', {}, Buffer.from(ref)))),
      ]),
    );
    this.emit('registration', { sessionId: session.id, refs });
  }

  async #login(session: EdgeSession, phoneNumber: string, deviceId: number): Promise<void> {
    const found = this.registry.find(phoneNumber, deviceId);
    if (!found || !session.clientStatic?.equals(found.device.noiseKey)) return session.failure(401);
    if (found.account.rejectLoginReason !== null) return session.failure(found.account.rejectLoginReason);
    const previous = this.#logins.get(found.device.jid);
    if (previous && previous !== session) {
      await previous.streamError({}, node('conflict', { type: 'replaced' }));
    }
    this.#logins.set(found.device.jid, session);
    this.#loginOf.set(session, found);
    await session.send(node('success', { t: now(), lid: found.device.lid, location: 'emulator', props: '1' }));
    // Nothing queued while the device was away: say so, which ends Baileys' initial buffering.
    await session.send(node('ib', { from: SERVER_JID }, [node('offline', { count: '0' })]));
    // As the real edge does: routing info the client echoes in the intro of its next connection.
    await session.send(node('ib', { from: SERVER_JID }, [node('edge_routing', {}, [node('routing_info', {}, ROUTING_INFO)])]));
    // `replaced`: another socket of this device was still logged in (two at once; logins.ts counts it).
    this.emit('login', { jid: found.device.jid, sessionId: session.id, routingInfo: session.routingInfo, replaced: previous !== undefined && previous !== session });
  }

  async onNode(session: EdgeSession, n: BinaryNode): Promise<void> {
    const login = this.#loginOf.get(session);
    const registration = this.#registrations.get(session);
    if (n.tag === 'iq' && (n.attrs.type === 'get' || n.attrs.type === 'set')) {
      if (registration) return this.#registrationIq(session, registration, n);
      if (login) return answerIq(session, n, login, this);
      return session.send(iqResult(n));
    }
    if (n.tag === 'message' && login) {
      // The emulator does not decrypt; the server ack is what resolves a send on the client.
      await this.messaging.fromCompanion(session, login, n);
      this.emit('message', { from: login.device.jid, to: n.attrs.to, id: n.attrs.id });
    }
  }

  async #registrationIq(session: EdgeSession, registration: Registration, iq: BinaryNode): Promise<void> {
    const reg = getBinaryNodeChild(iq, 'link_code_companion_reg');
    if (reg?.attrs.stage === 'companion_hello') {
      const wrappedEphemeral = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
      const phoneNumber = (reg.attrs.jid ?? '').split('@')[0]!.split(':')[0]!;
      if (!wrappedEphemeral || !/^\d{6,15}$/.test(phoneNumber)) return session.send(iqError(iq, 400, 'bad-request'));
      const ref = randomBytes(16).toString('base64');
      registration.hello = { phoneNumber, wrappedEphemeral, ref };
      await session.send(iqResult(iq, [node('link_code_companion_reg', {}, [node('link_code_pairing_ref', {}, Buffer.from(ref))])]));
      this.emit('pairing-code-requested', { sessionId: session.id, phoneNumber });
      return;
    }
    if (reg?.attrs.stage === 'companion_finish' && registration.awaitFinish) {
      registration.awaitFinish(iq);
      return;
    }
    await session.send(iqResult(iq));
  }

  /** The phone scans `qr`: links the companion showing it. Resolves once the companion signed. */
  async scanQr(qr: string, phoneNumber = this.#options.defaultPhoneNumber): Promise<LinkedDevice> {
    let data;
    try {
      data = parseQr(qr);
    } catch (error) {
      throw new PhoneError('BAD_QR', (error as Error).message);
    }
    const session = this.#refs.get(data.ref);
    const registration = session && this.#registrations.get(session);
    if (!session || !registration || !session.isOpen) throw new PhoneError('STALE_QR', 'this QR code is no longer valid');
    if (!registration.identityKey.equals(data.identityKey) || !session.clientStatic?.equals(data.noiseKey)) {
      throw new PhoneError('BAD_QR', 'the QR keys do not match the device that showed it');
    }
    const account = this.registry.account(phoneNumber);
    // As on a real phone: with 4 devices linked, "Link a device" refuses before anything is sent.
    assertRoom(this.registry, account);
    return this.#link(session, registration, account, data.advSecret, 'qr');
  }

  /** The user types the companion's pairing code on the phone of `phoneNumber` (optional if one is waiting). */
  async enterCode(code: string, phoneNumber?: string): Promise<LinkedDevice> {
    const findWaiting = () =>
      [...this.#registrations].filter(
        ([session, r]) => session.isOpen && r.hello && !r.linking && (!phoneNumber || r.hello.phoneNumber === phoneNumber),
      );
    let waiting = findWaiting();
    if (waiting.length === 0) {
      // Baileys sends companion_hello without waiting for an answer, so a code can be on screen
      // a moment before its request reaches the edge; a person would still be typing.
      await this.#nextEvent('pairing-code-requested', this.#options.pairingGraceMs);
      waiting = findWaiting();
    }
    if (waiting.length === 0) throw new PhoneError('NO_PENDING_CODE', 'no device is waiting for a pairing code');
    if (waiting.length > 1) throw new PhoneError('AMBIGUOUS', 'several devices wait for a code; name the phone number');
    const [session, registration] = waiting[0]!;
    const hello = registration.hello!;
    const account = this.registry.account(hello.phoneNumber);
    assertRoom(this.registry, account);
    const exchange: CodeExchange = {
      companionEphemeral: await unwrapEphemeral(hello.wrappedEphemeral, normaliseCode(code)),
      primaryEphemeral: generateKeyPair(),
    };
    const finish = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PhoneError('LINK_FAILED', 'the device did not answer')), COMPANION_FINISH_TIMEOUT_MS);
      registration.awaitFinish = (iq) => {
        clearTimeout(timer);
        resolve(iq);
      };
      session.onClose(() => {
        clearTimeout(timer);
        reject(new PhoneError('LINK_FAILED', 'the device went away'));
      });
    });
    registration.linking = true;
    try {
      await session.send(
        node('notification', { from: SERVER_JID, type: 'link_code_companion_reg', id: session.nextTag(), t: now() }, [
          node('link_code_companion_reg', {}, [
            node('link_code_pairing_ref', {}, Buffer.from(hello.ref)),
            node('primary_identity_pub', {}, Buffer.from(account.identity.public)),
            node('link_code_pairing_wrapped_primary_ephemeral_pub', {}, await wrapEphemeral(exchange.primaryEphemeral.public, normaliseCode(code))),
          ]),
        ]),
      );
      const finishIq = await finish;
      const bundle = childBytes(getBinaryNodeChild(finishIq, 'link_code_companion_reg'), 'link_code_pairing_wrapped_key_bundle');
      let advSecret: Buffer;
      try {
        if (!bundle) throw new PairingError('companion_finish without a key bundle');
        const opened = finishCodeExchange(exchange, account, bundle);
        if (!opened.companionIdentity.equals(registration.identityKey)) throw new PairingError('key bundle names another device');
        advSecret = opened.advSecret;
      } catch (error) {
        await session.send(iqError(finishIq, 401, 'not-authorized'));
        throw new PhoneError('WRONG_CODE', `wrong pairing code (${(error as Error).message})`);
      }
      await session.send(iqResult(finishIq));
      registration.linking = false;
      return await this.#link(session, registration, account, advSecret, 'pairing');
    } finally {
      registration.linking = false;
      registration.awaitFinish = null;
    }
  }

  async #link(
    session: EdgeSession,
    registration: Registration,
    account: Account,
    advSecret: Buffer,
    method: LinkedDevice['method'],
  ): Promise<LinkedDevice> {
    if (registration.linking) throw new PhoneError('LINK_FAILED', 'this device is already being linked');
    registration.linking = true;
    let device: Device;
    try {
      device = this.registry.reserveDevice(account, session.clientStatic!, registration.identityKey);
    } catch (error) {
      registration.linking = false;
      throw limitError(error);
    }
    const reply = await session
      .request(
        node('iq', { from: SERVER_JID, type: 'set', id: session.nextTag(), t: now() }, [
          node('pair-success', {}, [
            node('device-identity', { 'key-index': String(device.keyIndex) }, signedDeviceIdentityHmac(account, device, advSecret)),
            node('platform', { name: 'android' }),
            node('device', { jid: device.jid, lid: device.lid }),
          ]),
        ]),
      )
      .catch(() => null);
    const signed = reply && childBytes(getBinaryNodeChild(reply, 'pair-device-sign'), 'device-identity');
    if (!reply || reply.attrs.type !== 'result' || !signed || !verifyDeviceSignature(account, device, signed)) {
      this.registry.release(account, device);
      session.close();
      throw new PhoneError('LINK_FAILED', 'the device did not sign its identity');
    }
    this.registry.link(account, device);
    this.changed();
    const linked: LinkedDevice = { phoneNumber: account.phoneNumber, deviceId: device.id, jid: device.jid, lid: device.lid, method };
    this.emit('linked', linked);
    // As WhatsApp does: the companion must reconnect and log in with its new identity.
    await session.streamError({ code: '515' });
    return linked;
  }

  /** Resolves on the next `event` or after `ms`, whichever is first. */
  #nextEvent(event: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off(event, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.once(event, done);
    });
  }

  /** The phone removes a linked device: its live session gets 401 device_removed, logins then fail. */
  async unlink(jid: string): Promise<void> {
    const found = this.registry.findByJid(jid);
    if (!found) throw new PhoneError('UNKNOWN_DEVICE', `no linked device ${jid}`);
    this.registry.unlink(found.account, found.device.id);
    this.messaging.forget(found.device.jid);
    this.changed();
    const live = this.#logins.get(found.device.jid);
    if (live) await live.streamError({ code: '401' }, node('conflict', { type: 'device_removed' }));
    this.emit('unlinked', { jid: found.device.jid, by: 'phone' });
  }

  /**
   * After the companion's first pre-key upload, the phone sends its initial sync (app-state keys
   * and the history-sync notification), as WhatsApp's phone does for a new companion.
   */
  firstPreKeys(session: EdgeSession, login: { account: Account; device: Device }, upload: BinaryNode): void {
    if (!this.messaging.keepBundle(upload, login.device)) return;
    this.changed();
    const bundle = this.messaging.takeBundle(login.device.jid)!;
    initialSyncMessages(login.account, login.device, bundle)
      .then(async (messages) => {
        for (const message of messages) await session.send(message);
        this.emit('initial-sync', { jid: login.device.jid });
      })
      .catch((error: unknown) => this.#log(`#${session.id} initial sync failed: ${(error as Error).message}`));
  }

  /** The companion logged itself out (`remove-companion-device`). */
  companionLoggedOut(account: Account, device: Device): void {
    this.registry.unlink(account, device.id);
    this.messaging.forget(device.jid);
    this.changed();
    this.emit('unlinked', { jid: device.jid, by: 'companion' });
  }
}
