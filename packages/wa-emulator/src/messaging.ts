// Messages between the virtual phone's contacts and linked companions, as WhatsApp carries them.
// Inbound: a contact's text is encrypted with the Signal protocol (Baileys' own repository over
// the libsignal it ships: SessionBuilder for the session from the companion's pre-key bundle,
// SessionCipher for the `pkmsg`/`msg`) and delivered to each live device of the account, so the
// real client decrypts it exactly as it would WhatsApp's. Outbound: the edge acks a companion's
// message, then the contact's phone sends the delivery and read receipts.
import { randomBytes } from 'node:crypto';
import { encodeWAMessage, parseAndInjectE2ESessions } from 'baileys';
import { childBytes, getBinaryNodeChild, getBinaryNodeChildren, node, SERVER_JID } from './binary.js';
import type { BinaryNode } from './binary.js';
import { signalRepository, type Repository } from './sync.js';
import type { Account, Device, SignalBundle } from './registry.js';
import type { EdgeSession } from './session.js';

/** Who writes to a linked number when the caller names nobody. */
export const DEFAULT_CONTACT = '15550100002';

/**
 * One-time pre-keys kept per device. WhatsApp's server hands each out once; a companion uploads
 * 812, but the emulator only ever needs a few (the phone's initial sync, then one per contact),
 * and keeping all of them would cost ~100 KB per linked device. When they run out, sessions are
 * built on the signed pre-key alone, which Signal allows.
 */
const KEPT_PRE_KEYS = 8;
/** Contacts whose Signal state is kept; the oldest is forgotten first (its next message starts afresh). */
const MAX_CONTACTS = 64;

export interface ReceiptDelays {
  /** After the server ack, how long until the contact's phone says "delivered". */
  deliveredMs: number;
  /** After the server ack, how long until the contact reads it. */
  readMs: number;
}
export const DEFAULT_RECEIPT_DELAYS: ReceiptDelays = { deliveredMs: 200, readMs: 1_200 };

interface KeptBundle {
  /** `registration`, `identity`, `skey` of the upload. */
  parts: BinaryNode[];
  preKeys: BinaryNode[];
}

interface Contact {
  repository: Repository;
  /** Which bundle each device's session was built from: a re-linked device id needs a new one. */
  sessions: Map<string, KeptBundle>;
}

export interface SentMessage {
  id: string;
  from: string;
  to: string;
  /** The device jids it was delivered to (live connections only). */
  devices: string[];
}

const b64 = (bytes: Buffer | undefined): string | null => (bytes ? bytes.toString('base64') : null);

/** The long-lived part of an upload: registration id, identity key, signed pre-key. */
const bundleOf = (upload: BinaryNode): SignalBundle | null => {
  const skey = getBinaryNodeChild(upload, 'skey');
  const fields = [
    b64(childBytes(upload, 'registration')),
    b64(childBytes(upload, 'identity')),
    b64(childBytes(skey, 'id')),
    b64(childBytes(skey, 'value')),
    b64(childBytes(skey, 'signature')),
  ];
  if (fields.some((field) => field === null)) return null;
  const [registration, identity, id, value, signature] = fields as string[];
  return { registration: registration!, identity: identity!, signedPreKey: { id: id!, value: value!, signature: signature! } };
};

/** `registration`, `identity`, `skey` nodes as a key-fetch answer carries them. */
const bundleNodes = (bundle: SignalBundle): BinaryNode[] => {
  const bytes = (text: string) => Buffer.from(text, 'base64');
  const { id, value, signature } = bundle.signedPreKey;
  return [
    node('registration', {}, bytes(bundle.registration)),
    node('identity', {}, bytes(bundle.identity)),
    node('skey', {}, [node('id', {}, bytes(id)), node('value', {}, bytes(value)), node('signature', {}, bytes(signature))]),
  ];
};

const now = (): string => String(Math.floor(Date.now() / 1000));
/** A message id shaped like a phone's (hex, upper case). */
const messageId = (): string => `3A${randomBytes(9).toString('hex').toUpperCase()}`;
const userOf = (jid: string | undefined): string => (jid ?? '').split('@')[0]!.split(':')[0]!;

export class Messaging {
  readonly #bundles = new Map<string, KeptBundle>();
  readonly #contacts = new Map<string, Contact>();

  constructor(
    private readonly liveSession: (deviceJid: string) => EdgeSession | undefined,
    private readonly receiptDelays: ReceiptDelays = DEFAULT_RECEIPT_DELAYS,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * Keeps the pre-key bundle of a companion's upload (`<iq xmlns=encrypt type=set>`), and its
   * long-lived part on the device (saved with the edge's memory); false if it has none.
   */
  keepBundle(upload: BinaryNode, device: Device): boolean {
    const signalBundle = bundleOf(upload);
    if (!signalBundle) return false;
    device.signalBundle = signalBundle;
    const preKeys = getBinaryNodeChildren(getBinaryNodeChild(upload, 'list'), 'key').slice(0, KEPT_PRE_KEYS);
    this.#bundles.set(device.jid, { parts: bundleNodes(signalBundle), preKeys });
    return true;
  }

  /**
   * A key-fetch answer for the device (the shape `parseAndInjectE2ESessions` reads), with its
   * next unused one-time pre-key, which is then used up; null when no upload was kept.
   */
  takeBundle(deviceJid: string): BinaryNode | null {
    const kept = this.#bundles.get(deviceJid);
    return kept ? this.#answer(deviceJid, kept) : null;
  }

  /** The device is gone (unlinked, logged out): its keys and every contact's session with it. */
  forget(deviceJid: string): void {
    this.#bundles.delete(deviceJid);
    for (const contact of this.#contacts.values()) contact.sessions.delete(deviceJid);
  }

  /**
   * `from` (digits) writes `text` to the account: one Signal message per connected device.
   * `devices` names those it reached: none when no device is connected (WhatsApp would queue
   * the message; the emulator does not).
   */
  async sendText(from: string, account: Account, text: string): Promise<SentMessage> {
    const id = messageId();
    const contact = this.#contact(from);
    const devices: string[] = [];
    const data = encodeWAMessage({ conversation: text }); // padded as WhatsApp pads (writeRandomPadMax16)
    for (const device of account.devices.values()) {
      const session = this.liveSession(device.jid);
      const kept = this.#kept(device);
      if (!session || !kept) continue;
      if (contact.sessions.get(device.jid) !== kept) {
        await parseAndInjectE2ESessions(this.#answer(device.jid, kept), contact.repository);
        contact.sessions.set(device.jid, kept);
      }
      const { type, ciphertext } = await contact.repository.encryptMessage({ jid: device.jid, data });
      await session.send(
        node('message', { from: `${from}@s.whatsapp.net`, id, type: 'text', t: now(), notify: `Contact ${from}` }, [
          node('enc', { v: '2', type }, Buffer.from(ciphertext)),
        ]),
      );
      devices.push(device.jid);
    }
    return { id, from, to: account.phoneNumber, devices };
  }

  /**
   * A companion sent a `<message>`: the server ack (what resolves the send on the client), then,
   * for a message to another number, the recipient's delivery and read receipts.
   */
  async fromCompanion(session: EdgeSession, login: { account: Account; device: Device }, message: BinaryNode): Promise<void> {
    const id = message.attrs.id ?? '';
    const to = message.attrs.to ?? SERVER_JID;
    await session.send(node('ack', { class: 'message', id, from: to, t: now() }));
    const recipient = userOf(to);
    if (!id || !/^\d+$/.test(recipient) || recipient === login.account.phoneNumber || !to.endsWith('@s.whatsapp.net')) return;
    const receipt = (type?: 'read') => () => {
      if (!session.isOpen) return;
      session
        .send(node('receipt', { id, from: `${recipient}@s.whatsapp.net`, t: now(), ...(type ? { type } : {}) }))
        .catch((error: unknown) => this.log(`#${session.id} receipt failed: ${(error as Error).message}`));
    };
    // Unref'd: a pending "read" must not keep a test process (or a closing server) alive.
    setTimeout(receipt(), this.receiptDelays.deliveredMs).unref();
    setTimeout(receipt('read'), this.receiptDelays.readMs).unref();
  }

  /** The device's bundle; after an emulator restart, the saved part alone (no one-time pre-keys). */
  #kept(device: Device): KeptBundle | undefined {
    let kept = this.#bundles.get(device.jid);
    if (!kept && device.signalBundle) {
      kept = { parts: bundleNodes(device.signalBundle), preKeys: [] };
      this.#bundles.set(device.jid, kept);
    }
    return kept;
  }

  #answer(deviceJid: string, kept: KeptBundle): BinaryNode {
    const preKey = kept.preKeys.shift();
    return node('iq', {}, [node('list', {}, [node('user', { jid: deviceJid }, preKey ? [...kept.parts, preKey] : kept.parts)])]);
  }

  #contact(phoneNumber: string): Contact {
    let contact = this.#contacts.get(phoneNumber);
    if (!contact) {
      if (this.#contacts.size >= MAX_CONTACTS) this.#contacts.delete(this.#contacts.keys().next().value!);
      contact = { repository: signalRepository(), sessions: new Map() };
      this.#contacts.set(phoneNumber, contact);
    }
    return contact;
  }
}
