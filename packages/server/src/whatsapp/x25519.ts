// X25519 key agreement with node:crypto, as libsignal's `calculateAgreement` computes it, without
// its per-call cost: libsignal imports both keys from DER, and OpenSSL's DER decoder is most of
// the work (about 1.2 ms a private key on this machine, against 50 µs from JWK and 60 µs for the
// agreement itself). Private keys come back often (the noise key and the ephemeral key twice per
// handshake, the identity and signed pre-key in every Signal session), so their KeyObjects are
// also kept in a small LRU.
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';

/** Clamps 32 bytes in place into an X25519 private scalar (RFC 7748), as OpenSSL stores one; returns them. */
export const clampX25519 = <T extends Uint8Array>(bytes: T): T => {
  bytes[0]! &= 248;
  bytes[31]! &= 127;
  bytes[31]! |= 64;
  return bytes;
};

/** libsignal's type byte before a serialized Curve25519 public key. */
const KEY_BUNDLE_TYPE = 5;
/** Enough for the keys of the links in flight; a miss only costs one JWK import. */
const PRIVATE_KEYS_KEPT = 64;

const privateKeys = new Map<string, KeyObject>();

const privateKeyObject = (privateKey: Uint8Array): KeyObject => {
  const d = Buffer.from(privateKey.buffer, privateKey.byteOffset, privateKey.byteLength).toString('base64url');
  let key = privateKeys.get(d);
  if (key) {
    privateKeys.delete(d); // most recently used goes last
  } else {
    // Node builds a private OKP key from `d` alone (and derives its public half); `x` must be a
    // string but is not read, and we do not know it here.
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
    if (privateKeys.size >= PRIVATE_KEYS_KEPT) privateKeys.delete(privateKeys.keys().next().value!);
  }
  privateKeys.set(d, key);
  return key;
};

/**
 * The X25519 shared secret of `privateKey` (32 raw bytes) and `publicKey` (32 bytes, or 33 with
 * libsignal's 0x05 prefix). Throws where libsignal throws: a key of the wrong size or prefix, or
 * a low-order public key (OpenSSL refuses an all-zero secret).
 */
export const x25519Agreement = (privateKey: Uint8Array, publicKey: Uint8Array): NonSharedBuffer => {
  if (privateKey.length !== 32) throw new Error(`Incorrect private key length: ${privateKey.length}`);
  if (publicKey.length === 33 ? publicKey[0] !== KEY_BUNDLE_TYPE : publicKey.length !== 32) throw new Error('Invalid public key');
  const raw = publicKey.length === 33 ? publicKey.subarray(1) : publicKey;
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  return diffieHellman({
    privateKey: privateKeyObject(privateKey),
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' }),
  });
};

/**
 * A new X25519 key pair (32 raw bytes each, as Baileys' `Curve.generateKeyPair`): 32 random bytes
 * clamped as OpenSSL stores an X25519 private key, the public half derived by OpenSSL on import.
 * Not `generateKeyPairSync`, which libsignal uses: on Node 20.20 it now and then deadlocks its
 * thread for good (a KeyGenJob destructor, run by GC, waits on a mutex the thread holds), and on
 * the main thread that would be the whole server.
 */
export const x25519KeyPair = (): { private: Buffer; public: Buffer } => {
  const secret = clampX25519(randomBytes(32));
  const { x } = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secret.toString('base64url'), x: '' }, format: 'jwk' }).export({ format: 'jwk' });
  return { private: secret, public: Buffer.from(x!, 'base64url') };
};
