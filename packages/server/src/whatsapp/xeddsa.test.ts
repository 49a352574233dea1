// The native verification gives libsignal's answer, case by case; libsignal accepts our signatures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { xeddsaSign, xeddsaVerify } from './xeddsa.js';

const curve = createRequire(import.meta.resolve('baileys'))('libsignal/src/curve.js') as {
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
  calculateSignature(privKey: Buffer, message: Buffer): Buffer;
  verifySignature(pubKey: Buffer, message: Buffer, signature: Buffer): boolean;
  getPublicFromPrivateKey(privKey: Buffer): Buffer;
};
const libsignal = (pub: Buffer, msg: Buffer, sig: Buffer): boolean => {
  try {
    return curve.verifySignature(pub, msg, sig) === true;
  } catch {
    return false;
  }
};
const flip = (bytes: Buffer, at: number, mask = 1): Buffer => {
  const copy = Buffer.from(bytes);
  copy[at]! ^= mask;
  return copy;
};

test('XEdDSA: the native verification answers as libsignal does', () => {
  for (let round = 0; round < 12; round++) {
    const { pubKey, privKey } = curve.generateKeyPair();
    const other = curve.generateKeyPair().pubKey;
    const message = randomBytes(1 + round * 37);
    const signature = curve.calculateSignature(privKey, message);
    // [case, public key (33 bytes, 0x05 first), message, signature, expected]
    const CASES: [string, Buffer, Buffer, Buffer, boolean][] = [
      ['valid', pubKey, message, signature, true],
      ['valid, key without the 0x05 prefix', pubKey.subarray(1), message, signature, true],
      ['another key', other, message, signature, false],
      ['message changed', pubKey, flip(message, 0), signature, false],
      ['R changed', pubKey, message, flip(signature, 3), false],
      ['s changed', pubKey, message, flip(signature, 40), false],
      ['sign bit flipped', pubKey, message, flip(signature, 63, 0x80), false],
      ['key byte changed', flip(pubKey, 9), message, signature, false],
      ['short signature', pubKey, message, signature.subarray(0, 63), false],
      ['wrong key prefix', flip(pubKey, 0, 0x01), message, signature, false],
    ];
    for (const [why, key, msg, sig, expected] of CASES) {
      const theirs = why === 'valid, key without the 0x05 prefix' ? expected : libsignal(key, msg, sig);
      assert.equal(theirs, expected, `libsignal, ${why}`);
      assert.equal(xeddsaVerify(key, msg, sig), expected, `native, ${why}`);
    }
  }
});

test('XEdDSA signing: libsignal and the native verification accept it, for any key and message', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (rawKey, rawMessage) => {
      // Any 32 bytes are an X25519 private key (clamped when used); its public key by libsignal's maths.
      const privKey = Buffer.from(rawKey);
      const pubKey = curve.getPublicFromPrivateKey(privKey);
      const message = Buffer.from(rawMessage);
      const signature = xeddsaSign(privKey, message);
      assert.equal(libsignal(pubKey, message, signature), true, 'libsignal accepts');
      assert.equal(xeddsaVerify(pubKey, message, signature), true, 'native accepts');
      assert.equal(libsignal(pubKey, flip(message.length > 0 ? message : Buffer.from([0]), 0), signature), false, 'bound to the message');
      // XEdDSA signs with the Edwards key of sign bit 0, so the bit the signature carries is 0.
      assert.equal(signature[63]! & 0x80, 0);
    }),
    { numRuns: 150 },
  );
});

test('XEdDSA signing: with libsignal key pairs; randomized, so two signatures differ', () => {
  for (let round = 0; round < 20; round++) {
    const { pubKey, privKey } = curve.generateKeyPair();
    const message = randomBytes(round * 13);
    const [first, second] = [xeddsaSign(privKey, message), xeddsaSign(privKey, message)];
    assert.notDeepEqual(first, second);
    for (const signature of [first, second]) {
      assert.equal(libsignal(pubKey, message, signature), true);
      assert.equal(xeddsaVerify(pubKey, message, signature), true);
    }
  }
});

test('XEdDSA signing: the key it signs with is the sign-bit-0 Edwards form of the Montgomery key', () => {
  // Ed25519 verification against the Edwards key derived per the spec (y = (u − 1)/(u + 1), sign
  // bit 0), independent of the XEdDSA verifiers above.
  for (let round = 0; round < 20; round++) {
    const { pubKey, privKey } = curve.generateKeyPair();
    const montgomery = Buffer.from(pubKey.subarray(1));
    montgomery[31]! &= 0x7f; // u's top bit is not part of it, as X25519 and curve25519-js read it
    const { Fp } = ed25519.Point;
    const u = Fp.fromBytes(montgomery);
    const y = Fp.div(Fp.sub(u, 1n), Fp.add(u, 1n));
    const edwardsKey = Fp.toBytes(y);
    const message = randomBytes(40);
    assert.equal(ed25519.verify(xeddsaSign(privKey, message), message, edwardsKey, { zip215: false }), true);
  }
});

test('XEdDSA signing: refuses a private key that is not 32 bytes', () => {
  assert.throws(() => xeddsaSign(Buffer.alloc(31), Buffer.from('m')), /private key length/);
  assert.throws(() => xeddsaSign(Buffer.alloc(33), Buffer.from('m')), /private key length/);
});
