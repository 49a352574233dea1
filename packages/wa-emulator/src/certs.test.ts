// The emulator's chain must be genuinely valid (not merely accepted by rc14's lenient
// Curve.verify), so it is checked here with libsignal's real verification.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Curve, proto, WA_CERT_DETAILS } from 'baileys';
import { CertificateAuthority, trustEmulatorRoot } from './certs.js';

const libsignal = createRequire(createRequire(import.meta.url).resolve('baileys'))('libsignal/src/curve.js') as {
  verifySignature(key: Buffer, message: Uint8Array, signature: Uint8Array): boolean;
};
const verify = (key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  libsignal.verifySignature(Buffer.concat([Buffer.from([5]), key]), message, signature);

const decode = (chain: Buffer) => {
  const { leaf, intermediate } = proto.CertChain.decode(chain);
  return {
    leaf: leaf!,
    intermediate: intermediate!,
    leafDetails: proto.CertChain.NoiseCertificate.Details.decode(leaf!.details!),
    intermediateDetails: proto.CertChain.NoiseCertificate.Details.decode(intermediate!.details!),
  };
};

describe('CertificateAuthority', () => {
  const ca = new CertificateAuthority();
  const serverStatic = Curve.generateKeyPair();

  it('signs root -> intermediate -> leaf, the leaf certifying the server static key', () => {
    const { leaf, intermediate, leafDetails, intermediateDetails } = decode(ca.chainFor(serverStatic.public));
    assert.equal(verify(ca.rootPublicKey, intermediate.details!, intermediate.signature!), true);
    assert.equal(verify(intermediateDetails.key!, leaf.details!, leaf.signature!), true);
    assert.deepEqual(Buffer.from(leafDetails.key!), Buffer.from(serverStatic.public));
    assert.equal(intermediateDetails.issuerSerial, WA_CERT_DETAILS.SERIAL);
    assert.equal(leafDetails.issuerSerial, intermediateDetails.serial);
  });

  it('can serve an impostor root (for attack tests): not verifiable with the trusted root', () => {
    const { intermediate } = decode(ca.chainFor(serverStatic.public, { rootOverride: Curve.generateKeyPair() }));
    assert.equal(verify(ca.rootPublicKey, intermediate.details!, intermediate.signature!), false);
  });

  it('can serve a leaf for another key (for attack tests)', () => {
    const stranger = Curve.generateKeyPair().public;
    const { leafDetails } = decode(ca.chainFor(serverStatic.public, { leafKeyOverride: stranger }));
    assert.deepEqual(Buffer.from(leafDetails.key!), Buffer.from(stranger));
  });

  it('serves one signed chain to every handshake for the same key and options, a new one when they change', () => {
    const authority = new CertificateAuthority();
    const chain = authority.chainFor(serverStatic.public);
    assert.equal(authority.chainFor(Buffer.from(serverStatic.public)), chain);
    const impostor = { rootOverride: Curve.generateKeyPair() };
    const forged = authority.chainFor(serverStatic.public, impostor);
    assert.notDeepEqual(forged, chain);
    assert.equal(verify(authority.rootPublicKey, decode(forged).intermediate.details!, decode(forged).intermediate.signature!), false);
    const back = decode(authority.chainFor(serverStatic.public));
    assert.equal(verify(authority.rootPublicKey, back.intermediate.details!, back.intermediate.signature!), true);
    const other = Curve.generateKeyPair().public;
    assert.deepEqual(Buffer.from(decode(authority.chainFor(other)).leafDetails.key!), Buffer.from(other));
  });

  it('trustEmulatorRoot swaps the root Baileys trusts, and says so', () => {
    const before = WA_CERT_DETAILS.PUBLIC_KEY;
    const lines: string[] = [];
    try {
      trustEmulatorRoot(ca.rootPublicKey, (line) => lines.push(line));
      assert.deepEqual(WA_CERT_DETAILS.PUBLIC_KEY, ca.rootPublicKey);
      assert.match(lines[0]!, /WARNING.*EMULATOR.*never do this in production/);
    } finally {
      WA_CERT_DETAILS.PUBLIC_KEY = before;
    }
  });
});
