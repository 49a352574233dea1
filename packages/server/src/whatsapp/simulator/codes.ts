// The shapes WhatsApp (through baileys 7.0.0-rc14) gives QR strings and pairing codes, rebuilt
// here so the simulator needs no socket and does not load baileys' Signal stack.
import { randomBytes } from 'node:crypto';

/** baileys `bytesToCrockford`'s alphabet: Crockford-like, no 0, I, O or U. */
export const PAIRING_CODE_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';

/** Eight characters from 5 random bytes, as `requestPairingCode` makes them. */
export function newPairingCode(): string {
  const bytes = randomBytes(5);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let code = '';
  for (let shift = 35n; shift >= 0n; shift -= 5n) code += PAIRING_CODE_ALPHABET[Number((value >> shift) & 31n)];
  return code;
}

/** Key material of one simulated companion, fresh per session like a new `initAuthCreds()`. */
export interface CompanionKeys {
  noisePublic: string;
  identityPublic: string;
  advSecret: string;
}

export const newCompanionKeys = (): CompanionKeys => ({
  noisePublic: randomBytes(32).toString('base64'),
  identityPublic: randomBytes(32).toString('base64'),
  advSecret: randomBytes(32).toString('base64'),
});

/** `getCompanionPlatformId(Browsers.macOS('Chrome'))`: CompanionWebClientType.CHROME. */
export const CHROME_PLATFORM_ID = '1';

/** A `pair-device` ref as the WhatsApp server sends them: `2@` and base64 noise. */
export const newQrRef = (): string => `2@${randomBytes(48).toString('base64')}`;

/** baileys `buildPairingQRData`. */
export const buildPairingQr = (ref: string, keys: CompanionKeys): string =>
  'https://wa.me/settings/linked_devices#' +
  [ref, keys.noisePublic, keys.identityPublic, keys.advSecret, CHROME_PLATFORM_ID].join(',');

/** Matches the shape (not the randomness) of a baileys 7 QR string. */
export const QR_STRING_PATTERN = /^https:\/\/wa\.me\/settings\/linked_devices#2@[A-Za-z0-9+/=]+,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,\d+$/;
