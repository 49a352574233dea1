// XEdDSA (Signal's curve25519 signatures), signing and verification, off libsignal's pure-JS
// curve25519-js (about 11 ms a signature and 25 ms a verification on this machine, on the event
// loop).
//
// Verification uses node:crypto's native Ed25519. Same answer as libsignal (`xeddsa.test.ts`
// compares them); the one difference is stricter: a signature whose scalar is not reduced
// (s ≥ L, a malleated copy of a valid one) is refused, where curve25519-js accepts it.
//
// Signing follows Signal's XEdDSA specification with @noble/curves' constant-time base-point
// multiplication (Node's Ed25519 cannot sign with a given scalar: it hashes a seed into one).
import { createHash, createPublicKey, randomBytes, verify as edVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { clampX25519 } from './x25519.js';

const P = 2n ** 255n - 19n;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const modPow = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  let b = base % P;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
};

/**
 * The Edwards form of a Montgomery (X25519) public key, y = (u − 1) / (u + 1), with the sign
 * bit XEdDSA carries in the signature's last byte, exactly as curve25519-js `convertPublicKey`
 * (top bit of u ignored, 0 for the inverse of 0).
 */
const edwardsKey = (montgomery: Uint8Array, signBit: number): Buffer => {
  let u = 0n;
  for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(montgomery[i]!);
  u &= (1n << 255n) - 1n;
  const y = ((((u - 1n) % P) + P) % P) * modPow((u + 1n) % P, P - 2n) % P;
  const out = Buffer.alloc(32);
  let rest = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  out[31]! |= signBit;
  return out;
};

/** true when `signature` is `publicKey`'s XEdDSA signature of `message` (key: 32 bytes, or 33 with the 0x05 prefix). */
export const xeddsaVerify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  if (signature.length !== 64) return false;
  if (publicKey.length === 33 ? publicKey[0] !== 5 : publicKey.length !== 32) return false;
  const montgomery = publicKey.length === 33 ? publicKey.subarray(1) : publicKey;
  const sig = Buffer.from(signature);
  const edKey = edwardsKey(montgomery, sig[63]! & 0x80);
  sig[63]! &= 0x7f;
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, edKey]), format: 'der', type: 'spki' });
    return edVerify(null, message, key, sig);
  } catch {
    return false; // not a point on the curve
  }
};

const { Fn } = ed25519.Point;
/** hash1's prefix in the XEdDSA spec: 2^256 − 2, little-endian, separating the nonce hash from the challenge hash. */
const HASH1_PREFIX = Buffer.concat([Buffer.from([0xfe]), Buffer.alloc(31, 0xff)]);

const sha512ModL = (...parts: Uint8Array[]): bigint => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return Fn.create(bytesToNumberLE(hash.digest()));
};

/**
 * `privateKey`'s XEdDSA signature of `message` (Signal's spec, randomized by a fresh 64-byte Z).
 * The signing key is the Edwards point with sign bit 0 that the Montgomery key maps to, so the
 * signature's top bit is 0 and libsignal's verifier (which reads the sign bit from there) finds
 * the same key. `privateKey` is the raw 32-byte X25519 private key, clamped here as X25519 does.
 */
export const xeddsaSign = (privateKey: Uint8Array, message: Uint8Array): Buffer => {
  if (privateKey.length !== 32) throw new Error(`Incorrect private key length: ${privateKey.length}`);
  const k = clampX25519(Buffer.from(privateKey));
  // calculate_key_pair: E = kB; A = E with its sign bit cleared, a = ±k so that aB = A.
  const kModL = Fn.create(bytesToNumberLE(k));
  k.fill(0);
  const edwards = ed25519.Point.BASE.multiply(kModL).toBytes();
  const negate = (edwards[31]! & 0x80) !== 0;
  const a = negate ? Fn.neg(kModL) : kModL;
  edwards[31]! &= 0x7f;
  const aBytes = Fn.toBytes(a);
  const r = sha512ModL(HASH1_PREFIX, aBytes, message, randomBytes(64));
  aBytes.fill(0);
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const h = sha512ModL(R, edwards, message);
  return Buffer.concat([R, Fn.toBytes(Fn.add(r, Fn.mul(h, a)))]);
};
