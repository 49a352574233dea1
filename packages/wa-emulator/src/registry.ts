// What WhatsApp's servers remember: accounts (one per phone number, each with the phone's
// identity key) and the companion devices linked to them. In memory: an emulator restart is a
// fresh WhatsApp, which is what tests want.
import { randomInt } from 'node:crypto';
import { generateSigningKeyPair } from './curve.js';
import type { SigningKeyPair } from './curve.js';

export interface Device {
  /** 1..n; 0 is the phone itself. */
  id: number;
  jid: string;
  lid: string;
  /** The companion's static Noise key: a login must come from the same key. */
  noiseKey: Buffer;
  identityKey: Buffer;
  keyIndex: number;
  /** How many one-time pre-keys the device has uploaded (Baileys uploads 812 when this is 0). */
  preKeys: number;
  linkedAt: number;
  /**
   * The companion's Signal registration id, identity key and signed pre-key from its first
   * upload (base64), kept with the device so contacts can still write after an emulator restart.
   */
  signalBundle?: SignalBundle;
}

export interface SignalBundle {
  registration: string;
  identity: string;
  signedPreKey: { id: string; value: string; signature: string };
}

export interface Account {
  phoneNumber: string;
  /** The account's LID user part (`<lid>@lid`). */
  lidUser: string;
  pushName: string;
  /** The phone's identity key: it signs every companion device (the ADV account signature). */
  identity: SigningKeyPair;
  devices: Map<number, Device>;
  nextDeviceId: number;
  nextKeyIndex: number;
  /** When set, logins to this account fail with `<failure reason=…/>`. */
  rejectLoginReason: number | null;
  /** Device ids handed out to a link in progress (not saved: a restart abandons the link). */
  pending: Set<number>;
}

/** WhatsApp lets a phone link 4 companion devices; the fifth is refused on the phone. */
export const MAX_COMPANIONS = 4;
/**
 * Device ids travel as one byte in a jid on the wire (Baileys' AD_JID), so WhatsApp reuses freed
 * ids rather than counting past 255 (which would wrap to 0, the phone itself).
 */
const MAX_DEVICE_ID = 255;

/** Thrown by `reserveDevice` when the phone already has `MAX_COMPANIONS` devices (linked or linking). */
export class CompanionLimitError extends Error {
  constructor(readonly phoneNumber: string) {
    super(`the phone ${phoneNumber} already has ${MAX_COMPANIONS} linked devices`);
  }
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Buffer => Buffer.from(text, 'base64');

interface SavedDevice extends Omit<Device, 'noiseKey' | 'identityKey'> {
  noiseKey: string;
  identityKey: string;
}
export interface SavedAccount extends Omit<Account, 'identity' | 'devices' | 'rejectLoginReason' | 'pending'> {
  /** `seed` is absent in state saved before phones' keys had one. */
  identity: { private: string; public: string; seed?: string };
  devices: SavedDevice[];
}

export class Registry {
  readonly accounts = new Map<string, Account>();

  /** JSON of every account and device (keys base64), for an emulator that survives restarts. */
  serialize(): SavedAccount[] {
    return [...this.accounts.values()].map((a) => ({
      phoneNumber: a.phoneNumber,
      lidUser: a.lidUser,
      pushName: a.pushName,
      identity: { private: b64(a.identity.private), public: b64(a.identity.public), ...(a.identity.seed ? { seed: b64(a.identity.seed) } : {}) },
      devices: [...a.devices.values()].map((d) => ({ ...d, noiseKey: b64(d.noiseKey), identityKey: b64(d.identityKey) })),
      nextDeviceId: a.nextDeviceId,
      nextKeyIndex: a.nextKeyIndex,
    }));
  }

  restore(saved: SavedAccount[]): void {
    this.accounts.clear();
    for (const a of saved) {
      this.accounts.set(a.phoneNumber, {
        ...a,
        identity: {
          private: unb64(a.identity.private),
          public: unb64(a.identity.public),
          ...(a.identity.seed ? { seed: unb64(a.identity.seed) } : {}),
        },
        devices: new Map(a.devices.map((d) => [d.id, { ...d, noiseKey: unb64(d.noiseKey), identityKey: unb64(d.identityKey) }])),
        rejectLoginReason: null,
        pending: new Set(),
      });
    }
  }

  account(phoneNumber: string, pushName = 'Emulated Phone'): Account {
    let account = this.accounts.get(phoneNumber);
    if (!account) {
      account = {
        phoneNumber,
        lidUser: String(randomInt(100_000_000, 999_999_999)) + String(randomInt(10_000, 99_999)),
        pushName,
        identity: generateSigningKeyPair(),
        devices: new Map(),
        nextDeviceId: 1,
        nextKeyIndex: 1,
        rejectLoginReason: null,
        pending: new Set(),
      };
      this.accounts.set(phoneNumber, account);
    }
    return account;
  }

  /** Throws `CompanionLimitError` when the phone cannot link one more device now. */
  assertRoom(account: Account): void {
    if (account.devices.size + account.pending.size >= MAX_COMPANIONS) throw new CompanionLimitError(account.phoneNumber);
  }

  /**
   * Reserves the next free device slot; the device is stored only once the companion signs
   * (`link`), or the slot is given back (`release`).
   */
  reserveDevice(account: Account, noiseKey: Buffer, identityKey: Buffer): Device {
    this.assertRoom(account);
    // An id saved by an older emulator may be past the byte range.
    let id = account.nextDeviceId >= 1 && account.nextDeviceId <= MAX_DEVICE_ID ? account.nextDeviceId : 1;
    while (account.devices.has(id) || account.pending.has(id)) id = (id % MAX_DEVICE_ID) + 1;
    account.nextDeviceId = (id % MAX_DEVICE_ID) + 1;
    account.pending.add(id);
    return {
      id,
      jid: `${account.phoneNumber}:${id}@s.whatsapp.net`,
      lid: `${account.lidUser}:${id}@lid`,
      noiseKey,
      identityKey,
      keyIndex: account.nextKeyIndex++,
      preKeys: 0,
      linkedAt: Date.now(),
    };
  }

  link(account: Account, device: Device): void {
    account.pending.delete(device.id);
    account.devices.set(device.id, device);
  }

  /** A reserved slot whose link failed. */
  release(account: Account, device: Device): void {
    account.pending.delete(device.id);
  }

  find(phoneNumber: string, deviceId: number): { account: Account; device: Device } | null {
    const account = this.accounts.get(phoneNumber);
    const device = account?.devices.get(deviceId);
    return account && device ? { account, device } : null;
  }

  /** Parses `15550100001:3@s.whatsapp.net` (or a LID jid) into its device. */
  findByJid(jid: string): { account: Account; device: Device } | null {
    for (const account of this.accounts.values()) {
      for (const device of account.devices.values()) {
        if (device.jid === jid || device.lid === jid) return { account, device };
      }
    }
    return null;
  }

  /**
   * Removes a device; an account left with nothing to remember (no device, no link under way,
   * no refusal set by a test) is forgotten too, so one-phone-per-session bursts do not grow the
   * emulator's memory and saved state for ever.
   */
  unlink(account: Account, deviceId: number): boolean {
    const removed = account.devices.delete(deviceId);
    if (account.devices.size === 0 && account.pending.size === 0 && account.rejectLoginReason === null) {
      this.accounts.delete(account.phoneNumber);
    }
    return removed;
  }
}
