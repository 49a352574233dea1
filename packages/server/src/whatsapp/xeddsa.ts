// XEdDSA signature verification (Signal's curve25519 signatures) with node:crypto's native
// Ed25519, instead of libsignal's pure-JS curve25519-js (about 25 ms a verification on this
// machine, four to five of them per link: the Noise certificate chain on each of the two
// sockets and the pair-success account signature). Same answer as libsignal (`xeddsa.test.ts`
// compares them); the one difference is stricter: a signature whose scalar is not reduced
// (s ≥ L, a malleated copy of a valid one) is refused, where curve25519-js accepts it.
import { createPublicKey, verify as edVerify } from 'node:crypto';

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
