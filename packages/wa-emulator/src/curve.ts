// Curve25519 for the emulator's hot paths, on node:crypto (OpenSSL) instead of the routes Baileys'
// `Curve` takes through libsignal: key pairs there go through a DER export (~250 µs), every
// agreement re-imports both keys from DER (~500 µs), and a signature check runs curve25519-js in
// pure JavaScript (~13 ms). The keys and results are the same bytes; only the cost differs.
import { createRequire } from 'node:module';
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { KeyPair } from 'baileys';

const KEY_LENGTH = 32;
/** libsignal's type byte before a serialized Curve25519 public key. */
const KEY_BUNDLE_TYPE = 5;

/** Clamps 32 bytes in place into an X25519 private scalar (RFC 7748); returns them. */
const clamp = (bytes: Buffer): Buffer => {
  bytes[0]! &= 248;
  bytes[31]! &= 127;
  bytes[31]! |= 64;
  return bytes;
};

/**
 * Imported private keys, per key buffer: the emulator's long-lived keys (the server's static
 * Noise key, a phone's identity) are used in every handshake or link, imported once each, and a
 * key made here is never imported again.
 */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

/**
 * A fresh X25519 key: 32 random bytes clamped as OpenSSL stores them, imported through JWK (no
 * DER), its public half derived by OpenSSL. Not `generateKeyPairSync`: on Node 20.20 it now and
 * then deadlocks its thread (a KeyGenJob destructor run by GC), as the server's key pool found.
 */
const newX25519 = (): { private: Buffer; public: Buffer; privateKey: KeyObject } => {
  const secret = clamp(randomBytes(KEY_LENGTH));
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secret.toString('base64url'), x: '' }, format: 'jwk' });
  privateKeys.set(secret, privateKey);
  return { private: secret, public: Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url'), privateKey };
};

/** A fresh X25519 key pair as raw 32-byte keys. */
export const generateKeyPair = (): KeyPair => {
  const key = newX25519();
  return { private: key.private, public: key.public };
};

/** An ephemeral key pair that also keeps its KeyObject, so its agreements skip the import. */
export interface EphemeralKey {
  readonly public: Buffer;
  readonly privateKey: KeyObject;
}

export const generateEphemeralKey = (): EphemeralKey => {
  const { privateKey, public: publicKey } = newX25519();
  return { privateKey, public: publicKey };
};


const privateKeyObject = (privateKey: Uint8Array | KeyObject): KeyObject => {
  if (!(privateKey instanceof Uint8Array)) return privateKey;
  let key = privateKeys.get(privateKey);
  if (!key) {
    if (privateKey.byteLength !== KEY_LENGTH) throw new Error(`X25519 private key of ${privateKey.byteLength} bytes`);
    // JWK, not PKCS#8: OpenSSL's DER decoder costs ten times the import itself.
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(privateKey).toString('base64url'), x: '' }, format: 'jwk' });
    privateKeys.set(privateKey, key);
  }
  return key;
};

/** X25519(private, public): what `Curve.sharedKey` computes. Throws on a key of the wrong size or a low-order point. */
export const sharedKey = (privateKey: Uint8Array | KeyObject, publicKey: Uint8Array): Buffer => {
  if (publicKey.byteLength !== KEY_LENGTH) throw new Error(`X25519 public key of ${publicKey.byteLength} bytes`);
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: peer });
};

// XEdDSA verification (Signal's signatures over X25519 keys, as curve25519-js `verify` reads
// them): the Montgomery key u maps to the Edwards y = (u - 1) / (u + 1), the signature's top bit
// carries the sign of x, and the rest is plain Ed25519, which OpenSSL checks (also refusing a
// non-canonical S, which curve25519-js would let through).
const P = 2n ** 255n - 19n;

const modPow = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  let b = base % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
};

const readLittleEndian = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
const writeLittleEndian = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();

/** The Edwards form of a Montgomery public key, sign bit clear (curve25519-js `convertPublicKey`). */
export const edwardsFromMontgomery = (montgomery: Uint8Array): Buffer => {
  const u = readLittleEndian(montgomery) & ((1n << 255n) - 1n); // as unpack25519: the top bit is not part of u
  const y = ((u - 1n + P) % P) * modPow(u + 1n, P - 2n) % P; // u + 1 = 0 inverts to 0, as inv25519 does
  return writeLittleEndian(y);
};

/** True when `signature` is `publicKey`'s XEdDSA signature of `message` (a Signal identity signature). */
export const verifySignature = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  if (publicKey.byteLength !== KEY_LENGTH || signature.byteLength !== 64) return false;
  const edwards = edwardsFromMontgomery(publicKey);
  edwards[31]! |= signature[63]! & 0x80;
  const ed25519Signature = Buffer.from(signature);
  ed25519Signature[63]! &= 0x7f;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: edwards.toString('base64url') }, format: 'jwk' });
    return verify(null, message, key, ed25519Signature);
  } catch {
    return false; // not a point on the curve
  }
};

/**
 * A key pair the emulator signs with (a phone's identity key): an X25519 pair whose private key
 * is the clamped scalar an Ed25519 seed expands to (RFC 8032), so node:crypto can make its
 * XEdDSA signatures (~30 µs) where curve25519-js takes ~12 ms. Keys saved by an older emulator
 * have no seed and are signed the slow way.
 */
export interface SigningKeyPair extends KeyPair {
  seed?: Uint8Array;
}

/** The X25519 private key (clamped scalar) an Ed25519 seed stands for. */
const scalarOfSeed = (seed: Uint8Array): Buffer => {
  return clamp(Buffer.from(createHash('sha512').update(seed).digest().subarray(0, KEY_LENGTH)));
};

export const generateSigningKeyPair = (): SigningKeyPair => {
  const seed = randomBytes(KEY_LENGTH); // an Ed25519 private key is 32 random bytes
  const scalar = scalarOfSeed(seed);
  const x25519 = privateKeyObject(scalar);
  return { private: scalar, public: Buffer.from(createPublicKey(x25519).export({ format: 'jwk' }).x!, 'base64url'), seed };
};

const signingKeys = new WeakMap<Uint8Array, { key: KeyObject; signBit: number }>();

/** The Ed25519 key of a seed, and the sign bit of its public point (XEdDSA carries it in the signature). */
const signingKey = (seed: Uint8Array): { key: KeyObject; signBit: number } => {
  let found = signingKeys.get(seed);
  if (!found) {
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x: '' }, format: 'jwk' });
    const edwards = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
    found = { key, signBit: edwards[31]! & 0x80 };
    signingKeys.set(seed, found);
  }
  return found;
};

/**
 * `Curve.sign` for a key from `generateSigningKeyPair`: the Ed25519 signature of the seed's key,
 * with the public point's sign bit in the top bit of S (always clear in a reduced S), which is
 * what `verifySignature` and libsignal read. Signatures differ from curve25519-js's (another
 * nonce) but verify the same. A pair without a seed goes through `fallback` (curve25519-js).
 */
export const signWith = (pair: SigningKeyPair, message: Uint8Array, fallback: (privateKey: Uint8Array, message: Uint8Array) => Uint8Array): Buffer => {
  if (!pair.seed) return Buffer.from(fallback(pair.private, message));
  const { key, signBit } = signingKey(pair.seed);
  const signature = sign(null, message, key);
  signature[63]! |= signBit;
  return signature;
};

/** The functions of libsignal's `curve` module its session builder and cipher call (as module exports, at call time). */
export interface LibsignalCurve {
  calculateAgreement(publicKey: Buffer, privateKey: Buffer): Buffer;
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
}

let libsignalOnNativeCurve = false;

/**
 * Points libsignal (Baileys' dependency, which the phone's Signal side runs: `sync.ts`) at these
 * functions. Its own make each key pair with `generateKeyPairSync` and DER exports, and import
 * both keys from DER for every agreement: about 2 ms of a link's initial sync, and
 * `generateKeyPairSync` is the call that can deadlock a thread on Node 20.20 (see `newX25519`).
 * Same bytes and the same refusals (a key of the wrong size or type byte). Once per process; the
 * server's curve guard does the same to the same module when both share it (TITAN_ENGINE=emulated).
 */
export const useNativeCurveInLibsignal = (): void => {
  if (libsignalOnNativeCurve) return;
  libsignalOnNativeCurve = true;
  // libsignal is Baileys' dependency: the copy Baileys loads, resolved from Baileys' own location.
  const requireFromBaileys = createRequire(createRequire(import.meta.url).resolve('baileys'));
  const curve = requireFromBaileys('libsignal/src/curve.js') as LibsignalCurve;
  curve.calculateAgreement = (publicKey, privateKey) => {
    if (!(publicKey instanceof Buffer) || ((publicKey.byteLength !== 33 || publicKey[0] !== KEY_BUNDLE_TYPE) && publicKey.byteLength !== KEY_LENGTH)) throw new Error('Invalid public key');
    if (!(privateKey instanceof Buffer) || privateKey.byteLength !== KEY_LENGTH) throw new Error('Invalid private key');
    return sharedKey(privateKey, publicKey.byteLength === 33 ? publicKey.subarray(1) : publicKey);
  };
  curve.generateKeyPair = () => {
    const key = newX25519();
    return { pubKey: Buffer.concat([Buffer.from([KEY_BUNDLE_TYPE]), key.public]), privKey: key.private };
  };
};
