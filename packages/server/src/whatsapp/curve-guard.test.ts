// The Noise certificate guard, proven against the WhatsApp edge emulator with the real Baileys
// client: impostor chains are refused, the genuine (emulator-trusted) chain still links.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Curve, DisconnectReason } from 'baileys';
import { startEmulator, trustEmulatorRoot } from '@titan-connect/wa-emulator';
import type { WaEmulator } from '@titan-connect/wa-emulator';
import { connect, memoryAuth } from '@titan-connect/wa-emulator/testkit';
import type { Client } from '@titan-connect/wa-emulator/testkit';
import { installCurveGuard, isCurveGuardInstalled, strictVerify, uninstallCurveGuard } from './curve-guard.js';

let emulator: WaEmulator;
const clients: Client[] = [];
const open = (): Client => {
  const client = connect(emulator.url, memoryAuth());
  clients.push(client);
  return client;
};

before(async () => {
  emulator = await startEmulator();
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
});
afterEach(() => {
  for (const client of clients.splice(0)) client.sock.end(undefined);
  emulator.edge.setCertChainOptions({});
  installCurveGuard();
});
after(async () => {
  uninstallCurveGuard();
  await emulator.close();
});

describe('strictVerify', () => {
  const signer = Curve.generateKeyPair();
  const other = Curve.generateKeyPair();
  const message = Buffer.from('noise certificate details');
  const signature = Buffer.from(Curve.sign(signer.private, message));
  const flipped = Buffer.from(signature);
  flipped[5]! ^= 1;
  const CASES: Array<[string, Uint8Array, Uint8Array, Uint8Array, boolean]> = [
    ['a genuine signature', signer.public, message, signature, true],
    ['a genuine signature, 33-byte key', Buffer.concat([Buffer.from([5]), signer.public]), message, signature, true],
    ['a tampered signature', signer.public, message, flipped, false],
    ['another key', other.public, message, signature, false],
    ['another message', signer.public, Buffer.from('something else'), signature, false],
    ['a malformed key', Buffer.alloc(7), message, signature, false],
    ['a short signature', signer.public, message, signature.subarray(0, 63), false],
  ];
  for (const [name, key, msg, sig, expected] of CASES) {
    it(`${expected ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(strictVerify(key, msg, sig), expected));
  }
});

describe('Noise handshake with the guard', () => {
  it('links end to end with a chain from the trusted root (account signatures checked for real)', async () => {
    installCurveGuard();
    assert.equal(Curve.verify, strictVerify);
    const client = open();
    const { qr } = await client.until((u) => Boolean(u.qr));
    await emulator.phone.scanQr(qr!);
    assert.equal((await client.closed()).statusCode, DisconnectReason.restartRequired);
  });

  it('refuses a chain signed by an unknown root: the socket never opens', async () => {
    installCurveGuard();
    emulator.edge.setCertChainOptions({ rootOverride: Curve.generateKeyPair() });
    const client = open();
    const { statusCode, message } = await client.closed();
    assert.equal(statusCode, 400);
    assert.equal(message, 'noise intermediate certificate signature invalid');
    assert.equal(client.updates.some((u) => u.qr || u.connection === 'open'), false);
  });

  it("refuses a valid chain whose leaf certifies another server's static key", async () => {
    installCurveGuard();
    emulator.edge.setCertChainOptions({ leafKeyOverride: Curve.generateKeyPair().public });
    const client = open();
    const { statusCode, message } = await client.closed();
    assert.equal(statusCode, 400);
    assert.match(message ?? '', /does not certify the server's static key/);
    assert.equal(client.updates.some((u) => u.qr || u.connection === 'open'), false);
  });
});

describe('without the guard (baileys 7.0.0-rc14 as shipped)', () => {
  // A canary: when Baileys fixes Curve.verify, these start failing; the guard stays harmless.
  for (const [name, options] of [
    ['an unknown root', { rootOverride: Curve.generateKeyPair() }],
    ["a leaf for another server's key", { leafKeyOverride: Curve.generateKeyPair().public }],
  ] as const) {
    it(`accepts ${name} (the hole the guard closes)`, async () => {
      uninstallCurveGuard();
      assert.equal(isCurveGuardInstalled(), false);
      emulator.edge.setCertChainOptions(options);
      const client = open();
      await client.until((u) => Boolean(u.qr));
    });
  }

  it('installCurveGuard is idempotent and uninstall restores Baileys', () => {
    uninstallCurveGuard();
    const original = Curve.verify;
    installCurveGuard();
    const guarded = Curve.verify;
    installCurveGuard();
    assert.equal(Curve.verify, guarded);
    uninstallCurveGuard();
    assert.equal(Curve.verify, original);
  });
});
