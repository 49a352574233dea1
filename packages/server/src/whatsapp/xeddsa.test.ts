// The native verification gives libsignal's answer, case by case.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { xeddsaVerify } from './xeddsa.js';

const curve = createRequire(import.meta.resolve('baileys'))('libsignal/src/curve.js') as {
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
  calculateSignature(privKey: Buffer, message: Buffer): Buffer;
  verifySignature(pubKey: Buffer, message: Buffer, signature: Buffer): boolean;
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
