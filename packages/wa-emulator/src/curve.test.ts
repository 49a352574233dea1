// The node:crypto routes must give the very bytes and verdicts of the ones Baileys takes
// (libsignal's DER slicing, its agreement, curve25519-js verification), or a client would see a
// different protocol.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Curve } from 'baileys';
import { edwardsFromMontgomery, generateEphemeralKey, generateKeyPair, generateSigningKeyPair, sharedKey, signWith, useNativeCurveInLibsignal, verifySignature, type LibsignalCurve } from './curve.js';

const requireFromLibsignal = createRequire(createRequire(createRequire(import.meta.url).resolve('baileys')).resolve('libsignal/src/curve.js'));
const curveJs = requireFromLibsignal('curve25519-js') as { verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean };

const libsignalCurve = createRequire(createRequire(import.meta.url).resolve('baileys'))('libsignal/src/curve.js') as LibsignalCurve;
// libsignal's own, before anything here replaces them.
const libsignal = { calculateAgreement: libsignalCurve.calculateAgreement, generateKeyPair: libsignalCurve.generateKeyPair };

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

describe('generateKeyPair', () => {
  it('gives the raw keys that slicing their DER encodings gives (as libsignal does)', () => {
    for (let i = 0; i < 20; i++) {
      const pair = generateKeyPair();
      const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, pair.private]), format: 'der', type: 'pkcs8' });
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      assert.deepEqual(der.subarray(PKCS8_PREFIX.length), pair.private);
      const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      assert.deepEqual(spki.subarray(SPKI_PREFIX_LENGTH), pair.public);
    }
  });
});

describe('sharedKey', () => {
  it("equals Baileys' Curve.sharedKey, from raw keys and from an ephemeral's KeyObject", () => {
    for (let i = 0; i < 20; i++) {
      const ours = generateKeyPair();
      const theirs = Curve.generateKeyPair();
      assert.deepEqual(sharedKey(ours.private, theirs.public), Curve.sharedKey(ours.private, theirs.public));
      assert.deepEqual(sharedKey(ours.private, theirs.public), Curve.sharedKey(theirs.private, ours.public));
      const ephemeral = generateEphemeralKey();
      assert.deepEqual(sharedKey(ephemeral.privateKey, theirs.public), Curve.sharedKey(theirs.private, ephemeral.public));
    }
  });

  it('refuses a public key of the wrong size, as libsignal does', () => {
    assert.throws(() => sharedKey(generateKeyPair().private, randomBytes(31)));
    assert.throws(() => sharedKey(randomBytes(31), generateKeyPair().public));
  });
});

describe('verifySignature', () => {
  const signer = Curve.generateKeyPair();
  const message = randomBytes(120);
  const signature = Curve.sign(signer.private, message);
  const flip = (bytes: Uint8Array, index: number, bit = 1): Buffer => {
    const copy = Buffer.from(bytes);
    copy[index]! ^= bit;
    return copy;
  };
  const CASES: Array<[string, Uint8Array, Uint8Array, Uint8Array, boolean]> = [
    ['a genuine signature', signer.public, message, signature, true],
    ['another message', signer.public, flip(message, 7), signature, false],
    ['a flipped R byte', signer.public, message, flip(signature, 3), false],
    ['a flipped S byte', signer.public, message, flip(signature, 40), false],
    ['the sign bit flipped', signer.public, message, flip(signature, 63, 0x80), false],
    ['another key', Curve.generateKeyPair().public, message, signature, false],
    ['zeros', signer.public, message, Buffer.alloc(64), false],
  ];
  for (const [name, publicKey, signed, sig, expected] of CASES) {
    it(`${name}: ${expected ? 'valid' : 'invalid'}, as curve25519-js says`, () => {
      assert.equal(curveJs.verify(Buffer.from(publicKey), Buffer.from(signed), Buffer.from(sig)), expected);
      assert.equal(verifySignature(publicKey, signed, sig), expected);
    });
  }

  it('accepts what libsignal signs, for many keys and messages', () => {
    for (let i = 0; i < 10; i++) {
      const key = Curve.generateKeyPair();
      const text = randomBytes(1 + i * 13);
      assert.equal(verifySignature(key.public, text, Curve.sign(key.private, text)), true);
    }
  });

  it('refuses a key or signature of the wrong size', () => {
    assert.equal(verifySignature(signer.public.subarray(1), message, signature), false);
    assert.equal(verifySignature(signer.public, message, signature.subarray(1)), false);
  });

  it("maps the Montgomery base point (u = 9) to Ed25519's (y = 4/5)", () => {
    const nine = Buffer.alloc(32);
    nine[0] = 9;
    assert.equal(edwardsFromMontgomery(nine).toString('hex'), '58' + '66'.repeat(31));
  });

  it('maps u = -1 (no inverse of u + 1) to y = 0, as curve25519-js does', () => {
    const minusOne = Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex');
    assert.deepEqual(edwardsFromMontgomery(minusOne), Buffer.alloc(32));
  });
});

describe('signing keys (a phone identity with an Ed25519 seed)', () => {
  it('are X25519 pairs: agreements with them equal libsignal\'s', () => {
    for (let i = 0; i < 10; i++) {
      const phone = generateSigningKeyPair();
      const other = Curve.generateKeyPair();
      assert.deepEqual(Curve.sharedKey(phone.private, other.public), Curve.sharedKey(other.private, phone.public));
    }
  });

  it('sign what curve25519-js and libsignal verify, and nothing else', () => {
    for (let i = 0; i < 20; i++) {
      const phone = generateSigningKeyPair();
      const message = randomBytes(10 + i * 7);
      const signature = signWith(phone, message, () => assert.fail('a seeded key must not fall back'));
      assert.equal(curveJs.verify(phone.public, message, signature), true);
      assert.equal(verifySignature(phone.public, message, signature), true);
      assert.equal(verifySignature(phone.public, Buffer.concat([message, Buffer.from([0])]), signature), false);
      assert.equal(curveJs.verify(generateSigningKeyPair().public, message, signature), false);
    }
  });

  it('without a seed (saved by an older emulator), sign through the fallback', () => {
    const old = Curve.generateKeyPair();
    const message = randomBytes(40);
    const signature = signWith(old, message, Curve.sign);
    assert.equal(verifySignature(old.public, message, signature), true);
  });
});

describe('useNativeCurveInLibsignal', () => {
  it("gives libsignal the agreements and key pairs its own code gives, and refuses what it refuses", () => {
    useNativeCurveInLibsignal();
    assert.notEqual(libsignalCurve.calculateAgreement, libsignal.calculateAgreement, 'replaced');
    for (let i = 0; i < 10; i++) {
      const ours = libsignalCurve.generateKeyPair();
      const theirs = libsignal.generateKeyPair();
      assert.equal(ours.pubKey.length, 33);
      assert.equal(ours.pubKey[0], 5, "libsignal's type byte");
      assert.equal(ours.privKey.length, 32);
      // Both directions, each side computed by the other implementation: one secret.
      const secret = libsignalCurve.calculateAgreement(theirs.pubKey, ours.privKey);
      assert.deepEqual(secret, libsignal.calculateAgreement(theirs.pubKey, ours.privKey));
      assert.deepEqual(secret, libsignal.calculateAgreement(ours.pubKey, theirs.privKey));
    }
    const pair = libsignal.generateKeyPair();
    for (const bad of [Buffer.alloc(31), Buffer.concat([Buffer.from([6]), pair.pubKey.subarray(1)])]) {
      assert.throws(() => libsignal.calculateAgreement(bad, pair.privKey), /Invalid public key/);
      assert.throws(() => libsignalCurve.calculateAgreement(bad, pair.privKey), /Invalid public key/);
    }
    assert.throws(() => libsignalCurve.calculateAgreement(pair.pubKey, Buffer.alloc(31)));
  });
});
