import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Curve } from 'baileys';
import { PairingError, parseQr, unwrapEphemeral, wrapEphemeral } from './pairing.js';

const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64');

describe('parseQr', () => {
  const body = `2@ref,${key(1)},${key(2)},${key(3)},1`;
  const VALID: Array<[string, string]> = [
    ['the baileys 7 URL form', `https://wa.me/settings/linked_devices#${body}`],
    ['the bare form of older clients', body],
  ];
  for (const [name, qr] of VALID) {
    it(`reads ${name}`, () => {
      const data = parseQr(qr);
      assert.equal(data.ref, '2@ref');
      assert.deepEqual(data.noiseKey, Buffer.alloc(32, 1));
      assert.deepEqual(data.identityKey, Buffer.alloc(32, 2));
      assert.deepEqual(data.advSecret, Buffer.alloc(32, 3));
      assert.equal(data.platformId, '1');
    });
  }

  const INVALID: Array<[string, string]> = [
    ['too few parts', `2@ref,${key(1)},${key(2)}`],
    ['a short key', `2@ref,${Buffer.alloc(16).toString('base64')},${key(2)},${key(3)},1`],
    ['not a QR at all', 'hello'],
  ];
  for (const [name, qr] of INVALID) {
    it(`refuses ${name}`, () => assert.throws(() => parseQr(qr), PairingError));
  }
});

describe('pairing-code key wrapping', () => {
  it('unwraps with the same code, and yields another key with a wrong one', async () => {
    const { public: ephemeral } = Curve.generateKeyPair();
    const wrapped = await wrapEphemeral(ephemeral, 'ABCD1234');
    assert.equal(wrapped.length, 80);
    assert.deepEqual(await unwrapEphemeral(wrapped, 'ABCD1234'), Buffer.from(ephemeral));
    assert.notDeepEqual(await unwrapEphemeral(wrapped, 'ABCD1235'), Buffer.from(ephemeral));
  });

  it('refuses a wrapped key of the wrong length', async () => {
    await assert.rejects(unwrapEphemeral(Buffer.alloc(79), 'ABCD1234'), PairingError);
  });
});
