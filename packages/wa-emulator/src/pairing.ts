// The phone's side of linking a companion device, as pure crypto: reading the QR, building the
// ADV device identity that `pair-success` carries, and the pairing-code key exchange.
// Counterparts in Baileys: `Utils/validate-connection.js` (configureSuccessfulPairing),
// `Socket/socket.js` (requestPairingCode), `Socket/messages-recv.js` (link_code_companion_reg).
import { randomBytes, randomInt } from 'node:crypto';
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  Curve,
  derivePairingCodeKey,
  hkdf,
  hmacSign,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
} from 'baileys';
import type { KeyPair } from 'baileys';
import { sharedKey, signWith, verifySignature } from './curve.js';
import type { Account, Device } from './registry.js';

export class PairingError extends Error {}

export interface QrData {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  platformId: string;
}

const QR_PREFIX = 'https://wa.me/settings/linked_devices#';

/** `https://wa.me/settings/linked_devices#<ref>,<noise b64>,<identity b64>,<adv b64>,<platform>` (older clients: no URL prefix). */
export const parseQr = (qr: string): QrData => {
  const body = qr.startsWith(QR_PREFIX) ? qr.slice(QR_PREFIX.length) : qr;
  const parts = body.split(',');
  if (parts.length < 4) throw new PairingError('not a WhatsApp linking QR');
  const [ref, noise, identity, adv, platformId = ''] = parts as [string, string, string, string, string?];
  const noiseKey = Buffer.from(noise, 'base64');
  const identityKey = Buffer.from(identity, 'base64');
  const advSecret = Buffer.from(adv, 'base64');
  if (noiseKey.length !== 32 || identityKey.length !== 32 || advSecret.length !== 32) {
    throw new PairingError('QR keys have the wrong length');
  }
  return { ref, noiseKey, identityKey, advSecret, platformId };
};

/**
 * The `device-identity` content of `pair-success`: the phone vouches for the companion's identity
 * key (account signature with the phone's identity key) and MACs it all with the adv secret the
 * companion showed in its QR (or derived in the pairing-code exchange).
 */
export const signedDeviceIdentityHmac = (account: Account, device: Device, advSecret: Buffer): Buffer => {
  const details = Buffer.from(
    proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31),
      timestamp: Math.floor(device.linkedAt / 1000),
      keyIndex: device.keyIndex,
    }).finish(),
  );
  const accountSignature = signWith(account.identity, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, device.identityKey]), Curve.sign);
  const signed = Buffer.from(
    proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: account.identity.public,
      accountSignature,
    }).finish(),
  );
  return Buffer.from(
    proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac: hmacSign(signed, advSecret) }).finish(),
  );
};

/** Checks the companion's `pair-device-sign`: its device signature over what the phone signed. */
export const verifyDeviceSignature = (account: Account, device: Device, encodedIdentity: Uint8Array): boolean => {
  const signed = proto.ADVSignedDeviceIdentity.decode(encodedIdentity);
  if (!signed.details || !signed.deviceSignature) return false;
  const message = Buffer.concat([
    WA_ADV_DEVICE_SIG_PREFIX,
    signed.details,
    device.identityKey,
    account.identity.public,
  ]);
  return verifySignature(device.identityKey, message, signed.deviceSignature);
};

/** Pairing code: `salt(32) | iv(16) | AES-CTR(ephemeral public key)` under PBKDF2(code, salt). */
const WRAP_SALT = 32;
const WRAP_IV = 16;

export const unwrapEphemeral = async (wrapped: Buffer, code: string): Promise<Buffer> => {
  if (wrapped.length !== WRAP_SALT + WRAP_IV + 32) throw new PairingError('wrapped key has the wrong length');
  const key = await derivePairingCodeKey(code, wrapped.subarray(0, WRAP_SALT));
  return aesDecryptCTR(wrapped.subarray(WRAP_SALT + WRAP_IV), key, wrapped.subarray(WRAP_SALT, WRAP_SALT + WRAP_IV));
};

export const wrapEphemeral = async (publicKey: Uint8Array, code: string): Promise<Buffer> => {
  const salt = randomBytes(WRAP_SALT);
  const iv = randomBytes(WRAP_IV);
  const key = await derivePairingCodeKey(code, salt);
  return Buffer.concat([salt, iv, aesEncryptCTR(publicKey, key, iv)]);
};

/** What the phone holds between sending its wrapped ephemeral and the companion's `companion_finish`. */
export interface CodeExchange {
  companionEphemeral: Buffer;
  primaryEphemeral: KeyPair;
}

/**
 * Opens the companion's key bundle (`salt(32) | iv(12) | AES-GCM(companion identity | primary
 * identity | random)`) and derives the adv secret exactly as the companion did. With a wrong code
 * both sides hold different ephemeral keys, the GCM tag fails and the phone refuses the link.
 */
export const finishCodeExchange = (
  exchange: CodeExchange,
  account: Account,
  wrappedBundle: Buffer,
): { companionIdentity: Buffer; advSecret: Buffer } => {
  const companionShared = sharedKey(exchange.primaryEphemeral.private, exchange.companionEphemeral);
  const salt = wrappedBundle.subarray(0, 32);
  const iv = wrappedBundle.subarray(32, 44);
  const key = Buffer.from(hkdf(companionShared, 32, { salt, info: 'link_code_pairing_key_bundle_encryption_key' }));
  let bundle: Buffer;
  try {
    bundle = aesDecryptGCM(wrappedBundle.subarray(44), key, iv, Buffer.alloc(0));
  } catch {
    throw new PairingError('the pairing code does not match');
  }
  const companionIdentity = bundle.subarray(0, 32);
  const primaryIdentity = bundle.subarray(32, 64);
  const random = bundle.subarray(64);
  if (!primaryIdentity.equals(Buffer.from(account.identity.public))) throw new PairingError('key bundle names another phone');
  const identityShared = sharedKey(account.identity.private, companionIdentity);
  const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: 'adv_secret' }));
  return { companionIdentity: Buffer.from(companionIdentity), advSecret };
};
