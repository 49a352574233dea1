// Keys made on the worker pool are the keys libsignal would make: checked with libsignal's own
// (pure JS) curve maths, not with node:crypto again.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createRequire } from 'node:module';
import { Curve } from 'baileys';
import { KeyPool } from './key-pool.js';

// libsignal as Baileys loads it (it is Baileys' dependency, not ours).
const curve = createRequire(import.meta.resolve('baileys'))('libsignal/src/curve.js') as {
  getPublicFromPrivateKey(privKey: Buffer): Buffer;
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
  calculateAgreement(pubKey: Buffer, privKey: Buffer): Uint8Array;
};

const pool = new KeyPool(2);
after(async () => pool.close());

test('worker keys: libsignal derives the same public key and agrees on the shared secret', async () => {
  const pairs = await pool.generate(20);
  assert.equal(pairs.length, 20);
  assert.equal(new Set(pairs.map((p) => p.private.toString('hex'))).size, 20, 'all distinct');
  for (const pair of pairs) {
    assert.deepEqual([pair.public.length, pair.private.length], [32, 32]);
    // libsignal's getPublicFromPrivateKey runs curve25519-js, prefixes 0x05.
    assert.deepEqual(curve.getPublicFromPrivateKey(pair.private), Buffer.concat([Buffer.from([5]), pair.public]));
  }
  const [a, b] = pairs;
  const ours = Curve.sharedKey(a!.private, b!.public);
  assert.deepEqual(ours, Curve.sharedKey(b!.private, a!.public));
  // And a libsignal-made pair agrees with a worker-made one.
  const theirs = curve.generateKeyPair();
  assert.deepEqual(Buffer.from(curve.calculateAgreement(Buffer.concat([Buffer.from([5]), a!.public]), theirs.privKey)), Curve.sharedKey(a!.private, theirs.pubKey.subarray(1)));
  // Signatures made with a worker key verify (the signed pre-key path).
  const message = Buffer.from('signed pre-key');
  assert.equal(Curve.verify(a!.public, message, Curve.sign(a!.private, message)), true);
});

test('jobs are served first come, first served, more jobs than workers', async () => {
  const order: number[] = [];
  const sizes = [50, 1, 1, 1, 1];
  await Promise.all(sizes.map((count, i) => pool.generate(count).then((pairs) => {
    assert.equal(pairs.length, count);
    order.push(i);
  })));
  // Two workers: job 0 (large) and job 1 start together; 2, 3, 4 follow in order.
  assert.deepEqual(order.filter((i) => i >= 2), [2, 3, 4]);
  assert.equal(pool.queued, 0);
});

test('new creds keys: libsignal accepts the signed pre-key signature, and every pair is a real pair', async () => {
  const keys = await pool.newCredsKeys();
  const pairs = [keys.identity, keys.signedPreKey, keys.noise, keys.pairingEphemeral];
  assert.equal(new Set(pairs.map((p) => p.private.toString('hex'))).size, 4, 'four distinct pairs');
  for (const pair of pairs) assert.deepEqual(curve.getPublicFromPrivateKey(pair.private), Buffer.concat([Buffer.from([5]), pair.public]));
  const signed = Buffer.concat([Buffer.from([5]), keys.signedPreKey.public]);
  const verify = createRequire(import.meta.resolve('baileys'))('libsignal/src/curve.js').verifySignature as (k: Buffer, m: Buffer, s: Buffer) => boolean;
  assert.equal(verify(Buffer.concat([Buffer.from([5]), keys.identity.public]), signed, keys.signedPreKeySignature), true);
  // A signature of anything else, or by another key, is refused: the check above can fail.
  assert.equal(verify(Buffer.concat([Buffer.from([5]), keys.noise.public]), signed, keys.signedPreKeySignature), false);
});
