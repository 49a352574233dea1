// The native agreement gives libsignal's bytes, key pair by key pair, and throws where it throws.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { x25519Agreement } from './x25519.js';

const curve = createRequire(import.meta.resolve('baileys'))('libsignal/src/curve.js') as {
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
  calculateAgreement(pubKey: Buffer, privKey: Buffer): Buffer;
};
/** libsignal's answer: the secret's hex, or 'throws'. */
const libsignal = (privateKey: Buffer, publicKey: Buffer): string => {
  try {
    return curve.calculateAgreement(publicKey, privateKey).toString('hex');
  } catch {
    return 'throws';
  }
};
const native = (privateKey: Uint8Array, publicKey: Uint8Array): string => {
  try {
    return x25519Agreement(privateKey, publicKey).toString('hex');
  } catch {
    return 'throws';
  }
};
const prefixed = (raw: Uint8Array): Buffer => Buffer.concat([Buffer.from([5]), raw]);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

test('X25519: libsignal key pairs agree byte for byte, with and without the 0x05 prefix', () => {
  for (let round = 0; round < 100; round++) {
    const ours = curve.generateKeyPair();
    const theirs = curve.generateKeyPair();
    const expected = libsignal(ours.privKey, theirs.pubKey);
    assert.notEqual(expected, 'throws');
    assert.equal(native(ours.privKey, theirs.pubKey), expected);
    assert.equal(native(ours.privKey, theirs.pubKey.subarray(1)), expected);
    assert.equal(native(theirs.privKey, ours.pubKey), expected, 'both sides reach the same secret');
  }
});

test('X25519: any 32 bytes as keys, private keys reused past the cache size', () => {
  // A pool of 80 private keys (more than the 64 kept), drawn again and again: hits, misses and
  // evictions all have to give libsignal's bytes.
  const privateKeys = Array.from({ length: 80 }, () => curve.generateKeyPair().privKey);
  fc.assert(
    fc.property(fc.nat({ max: privateKeys.length - 1 }), bytes32, (which, publicKey) => {
      const privateKey = privateKeys[which]!;
      assert.equal(native(privateKey, prefixed(publicKey)), libsignal(privateKey, prefixed(publicKey)));
    }),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(bytes32, bytes32, (privateKey, publicKey) => {
      assert.equal(native(privateKey, prefixed(publicKey)), libsignal(privateKey, prefixed(publicKey)));
    }),
    { numRuns: 200 },
  );
});

test('X25519: refuses what libsignal refuses', () => {
  const { privKey, pubKey } = curve.generateKeyPair();
  const lowOrder = (u: number): Buffer => prefixed(Buffer.from([u, ...Buffer.alloc(31)]));
  const CASES: [string, Buffer, Buffer][] = [
    ['public key u = 0 (low order)', privKey, lowOrder(0)],
    ['public key u = 1 (low order)', privKey, lowOrder(1)],
    ['public key with a prefix other than 0x05', privKey, Buffer.concat([Buffer.from([6]), pubKey.subarray(1)])],
    ['public key of 31 bytes', privKey, pubKey.subarray(2)],
    ['private key of 31 bytes', privKey.subarray(1), pubKey],
    ['private key of 33 bytes', prefixed(privKey), pubKey],
  ];
  for (const [why, privateKey, publicKey] of CASES) {
    assert.equal(libsignal(privateKey, publicKey), 'throws', `libsignal, ${why}`);
    assert.equal(native(privateKey, publicKey), 'throws', `native, ${why}`);
  }
});
