// The guard's faster curve maths, seen from Baileys and libsignal: the replaced properties are
// the ones they call, and a Signal session set up on one side with them opens on the other side
// with libsignal's own maths (and the other way round).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { Curve } from 'baileys';
import { fastLibsignalAgreement, installCurveGuard, libsignalKeyPair, libsignalVerify, strictVerify, uninstallCurveGuard } from './curve-guard.js';
import { x25519Agreement, x25519KeyPair } from './x25519.js';
import { xeddsaSign } from './xeddsa.js';

interface KeyPair {
  pubKey: Buffer;
  privKey: Buffer;
}
interface Libsignal {
  curve: {
    generateKeyPair(): KeyPair;
    getPublicFromPrivateKey(privKey: Buffer): Buffer;
    calculateSignature(privKey: Buffer, message: Buffer): Buffer;
    calculateAgreement(pubKey: Buffer, privKey: Buffer): Buffer;
  };
  ProtocolAddress: new (name: string, deviceId: number) => { toString(): string };
  SessionBuilder: new (storage: unknown, address: unknown) => { initOutgoing(bundle: unknown): Promise<void> };
  SessionCipher: new (storage: unknown, address: unknown) => {
    encrypt(data: Buffer): Promise<{ type: number; body: Buffer }>;
    decryptPreKeyWhisperMessage(data: Buffer): Promise<Buffer>;
  };
}
const libsignal = createRequire(import.meta.resolve('baileys'))('libsignal') as Libsignal;
const { curve } = libsignal;

/** One party: its keys, a pre-key bundle to hand out, and libsignal's storage interface in memory. */
const party = (registrationId: number) => {
  const identity = curve.generateKeyPair();
  const signedPreKey = curve.generateKeyPair();
  const preKey = curve.generateKeyPair();
  const sessions = new Map<string, unknown>();
  const storage = {
    isTrustedIdentity: async () => true,
    getOurIdentity: async () => identity,
    getOurRegistrationId: async () => registrationId,
    loadSession: async (address: string) => sessions.get(address),
    storeSession: async (address: string, record: unknown) => void sessions.set(address, record),
    loadPreKey: async (id: number) => (id === 1 ? preKey : undefined),
    removePreKey: async () => {},
    loadSignedPreKey: async (id: number) => (id === 1 ? signedPreKey : undefined),
  };
  const bundle = {
    identityKey: identity.pubKey,
    registrationId,
    preKey: { keyId: 1, publicKey: preKey.pubKey },
    signedPreKey: { keyId: 1, publicKey: signedPreKey.pubKey, signature: curve.calculateSignature(identity.privKey, signedPreKey.pubKey) },
  };
  return { storage, bundle };
};

after(() => uninstallCurveGuard());

describe('the guard installs the faster curve maths where Baileys and libsignal call it', () => {
  it('replaces the properties, and uninstall puts the originals back', () => {
    uninstallCurveGuard();
    const seams = () => ({ verify: Curve.verify, sign: Curve.sign, sharedKey: Curve.sharedKey, pair: Curve.generateKeyPair, agreement: curve.calculateAgreement, libsignalPair: curve.generateKeyPair });
    const original = seams();
    installCurveGuard();
    assert.equal(Curve.verify, strictVerify);
    assert.equal(Curve.sign, xeddsaSign);
    assert.equal(Curve.generateKeyPair, x25519KeyPair);
    assert.equal(curve.calculateAgreement, fastLibsignalAgreement);
    assert.equal(curve.generateKeyPair, libsignalKeyPair);
    assert.notEqual(Curve.sharedKey, original.sharedKey);
    uninstallCurveGuard();
    assert.deepEqual(seams(), original);
  });

  it("Curve.sign and Curve.sharedKey give what libsignal's maths accepts and computes", () => {
    installCurveGuard();
    const ours = Curve.generateKeyPair();
    const theirs = Curve.generateKeyPair();
    const message = Buffer.from('device identity details');
    assert.equal(libsignalVerify(ours.public, message, Curve.sign(ours.private, message)), true);
    const expected = curve.calculateAgreement(Buffer.concat([Buffer.from([5]), theirs.public]), ours.private);
    assert.deepEqual(Curve.sharedKey(ours.private, theirs.public), expected);
  });

  it("new key pairs: clamped private keys whose public halves are libsignal's own (curve25519-js) derivation", () => {
    installCurveGuard();
    for (let i = 0; i < 50; i++) {
      const pair = Curve.generateKeyPair();
      assert.equal(pair.private[0]! & 7, 0);
      assert.equal(pair.private[31]! & 0xc0, 0x40);
      assert.deepEqual(curve.getPublicFromPrivateKey(pair.private), Buffer.concat([Buffer.from([5]), pair.public]));
      const inLibsignal = curve.generateKeyPair(); // libsignal's shape: 0x05-prefixed public key
      assert.deepEqual(curve.getPublicFromPrivateKey(inLibsignal.privKey), inLibsignal.pubKey);
    }
    const pairs = new Set(Array.from({ length: 20 }, () => Curve.generateKeyPair().private.toString('hex')));
    assert.equal(pairs.size, 20, 'fresh every time');
  });

  for (const [sender, receiver] of [['fast', 'libsignal'], ['libsignal', 'fast']] as const) {
    it(`a Signal session built with ${sender} maths decrypts with ${receiver} maths`, async () => {
      const alice = party(1);
      const bob = party(2);
      const atBob = new libsignal.ProtocolAddress('bob', 0);
      const atAlice = new libsignal.ProtocolAddress('alice', 0);
      // Counts the agreements libsignal asks its curve module for, on the side using ours.
      let viaSeam = 0;
      const use = (maths: 'fast' | 'libsignal') => {
        uninstallCurveGuard();
        if (maths === 'libsignal') return;
        installCurveGuard();
        curve.calculateAgreement = (publicKey, privateKey) => {
          viaSeam++;
          return x25519Agreement(privateKey, publicKey);
        };
      };

      use(sender);
      await new libsignal.SessionBuilder(alice.storage, atBob).initOutgoing(bob.bundle);
      const { type, body } = await new libsignal.SessionCipher(alice.storage, atBob).encrypt(Buffer.from('hello bob'));
      use(receiver);
      const plaintext = await new libsignal.SessionCipher(bob.storage, atAlice).decryptPreKeyWhisperMessage(Buffer.from(body));

      assert.equal(type, 3, 'a pre-key message');
      assert.equal(plaintext.toString(), 'hello bob');
      // At least X3DH's four agreements (with a one-time pre-key) went through the seam.
      assert.ok(viaSeam >= 4, `${viaSeam} agreements through the seam`);
    });
  }
});
