// The responder against Baileys' own initiator (`makeNoiseHandler`), without a socket: every
// hash, key and nonce must line up, in both directions, for handshake and transport.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Curve, encodeBinaryNode, makeNoiseHandler, NOISE_WA_HEADER, proto, WA_CERT_DETAILS } from 'baileys';
import type { BinaryNode } from 'baileys';
import { CertificateAuthority } from './certs.js';
import { FrameDecoder } from './framing.js';
import { NoiseResponder } from './noise.js';

const silent = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const handshake = () => {
  const ca = new CertificateAuthority();
  const previousRoot = WA_CERT_DETAILS.PUBLIC_KEY;
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(ca.rootPublicKey);
  const serverStatic = Curve.generateKeyPair();
  const clientEphemeral = Curve.generateKeyPair();
  const clientStatic = Curve.generateKeyPair();
  const client = makeNoiseHandler({ keyPair: clientEphemeral, NOISE_HEADER: NOISE_WA_HEADER, logger: silent as never });
  const server = new NoiseResponder(serverStatic);
  const wire = new FrameDecoder();
  try {
    const hello = proto.HandshakeMessage.encode({ clientHello: { ephemeral: clientEphemeral.public } }).finish();
    const [helloFrame] = wire.push(client.encodeFrame(hello));
    const { reply, clientEphemeral: seen } = server.serverHello(helloFrame!, ca.chainFor(serverStatic.public));
    assert.deepEqual(seen, Buffer.from(clientEphemeral.public));
    const keyEnc = client.processHandshake(proto.HandshakeMessage.decode(reply), clientStatic);
    const payload = client.encrypt(proto.ClientPayload.encode({ username: 15550100001, device: 2 }).finish());
    const [finishFrame] = wire.push(client.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload } }).finish()));
    return { client, server, wire, clientStatic, finish: server.clientFinish(finishFrame!) };
  } finally {
    WA_CERT_DETAILS.PUBLIC_KEY = previousRoot;
  }
};

describe('NoiseResponder', () => {
  it("completes XX with Baileys' initiator and reads its static key and payload", () => {
    const { finish, clientStatic } = handshake();
    assert.deepEqual(finish.clientStatic, Buffer.from(clientStatic.public));
    assert.equal(Number(finish.payload.username), 15550100001);
    assert.equal(finish.payload.device, 2);
  });

  it('carries transport frames both ways, in order, with per-direction counters', async () => {
    const { client, finish, wire } = handshake();
    await client.finishInit();
    for (const n of [1, 2, 3]) {
      const [frame] = wire.push(client.encodeFrame(Buffer.from(`client ${n}`)));
      assert.equal(finish.transport.decrypt(frame!).toString(), `client ${n}`);
    }
    const received: BinaryNode[] = [];
    const nodes: BinaryNode[] = [
      { tag: 'success', attrs: { t: '1' } },
      { tag: 'iq', attrs: { id: 'x', type: 'result' } },
    ];
    for (const n of nodes) {
      const body = finish.transport.encrypt(encodeBinaryNode(n));
      const frame = Buffer.concat([Buffer.from([0, 0, body.length]), body]);
      await client.decodeFrame(frame, (decoded) => received.push(decoded as BinaryNode));
    }
    assert.deepEqual(received.map((n) => n.tag), ['success', 'iq']);
  });

  it('refuses a clientFinish that was tampered with', () => {
    const ca = new CertificateAuthority();
    const server = new NoiseResponder(Curve.generateKeyPair());
    const eph = Curve.generateKeyPair();
    server.serverHello(proto.HandshakeMessage.encode({ clientHello: { ephemeral: eph.public } }).finish(), ca.chainFor(eph.public));
    const forged = proto.HandshakeMessage.encode({ clientFinish: { static: Buffer.alloc(48, 1), payload: Buffer.alloc(32, 2) } }).finish();
    assert.throws(() => server.clientFinish(forged));
  });

  it('refuses a clientHello without a 32-byte ephemeral key', () => {
    const server = new NoiseResponder(Curve.generateKeyPair());
    const hello = proto.HandshakeMessage.encode({ clientHello: { ephemeral: Buffer.alloc(5) } }).finish();
    assert.throws(() => server.serverHello(hello, Buffer.alloc(0)), /32-byte ephemeral/);
  });
});
