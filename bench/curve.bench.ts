// The curve maths of a link on the event loop, per operation: XEdDSA signing and X25519
// agreement, libsignal's (what Baileys runs as shipped) against ours (`xeddsa.ts`, `x25519.ts`,
// installed by the curve guard). The agreement is timed with a fresh private key each call (an
// ephemeral key's first use) and with a reused one (the noise and identity keys).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { BenchResult } from './run.ts';

interface KeyPair {
  pubKey: Buffer;
  privKey: Buffer;
}

/** µs per call of `op(i)`, after a warm-up, over `count` calls. */
const perOp = (count: number, op: (i: number) => unknown): number => {
  for (let i = 0; i < Math.min(count, 50); i++) op(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) op(i);
  return Number(process.hrtime.bigint() - start) / count / 1_000;
};

export default async function curveBench(): Promise<BenchResult[]> {
  const fromBaileys = createRequire(createRequire(new URL('../packages/server/package.json', import.meta.url)).resolve('baileys'));
  const curve = fromBaileys('libsignal/src/curve.js') as {
    generateKeyPair(): KeyPair;
    calculateSignature(privKey: Buffer, message: Buffer): Buffer;
    calculateAgreement(pubKey: Buffer, privKey: Buffer): Buffer;
  };
  const { xeddsaSign } = await import('../packages/server/src/whatsapp/xeddsa.ts');
  const { x25519Agreement } = await import('../packages/server/src/whatsapp/x25519.ts');

  const keys = Array.from({ length: 400 }, () => curve.generateKeyPair());
  const peer = curve.generateKeyPair().pubKey;
  const message = randomBytes(100); // about a device identity's details
  const fresh = (i: number): KeyPair => keys[i % keys.length]!;

  const signLibsignal = perOp(40, (i) => curve.calculateSignature(fresh(i).privKey, message));
  const signOurs = perOp(400, (i) => xeddsaSign(fresh(i).privKey, message));
  // Fresh keys: the 400 keys cycle past the 64 our LRU keeps, so every call is a miss.
  const agreeLibsignal = perOp(400, (i) => curve.calculateAgreement(peer, fresh(i).privKey));
  const agreeOursFresh = perOp(400, (i) => x25519Agreement(fresh(i).privKey, peer));
  const agreeOursReused = perOp(400, () => x25519Agreement(keys[0]!.privKey, peer));

  return [
    { name: 'XEdDSA sign, libsignal (curve25519-js)', value: signLibsignal, unit: 'µs/op' },
    { name: 'XEdDSA sign, ours (@noble/curves)', value: signOurs, unit: 'µs/op' },
    { name: 'XEdDSA sign, libsignal ÷ ours', value: signLibsignal / signOurs, unit: '×', target: { op: '>=', value: 5 } },
    { name: 'X25519 agreement, libsignal (DER keys)', value: agreeLibsignal, unit: 'µs/op' },
    { name: 'X25519 agreement, ours, new private key (JWK)', value: agreeOursFresh, unit: 'µs/op' },
    { name: 'X25519 agreement, ours, reused private key (LRU)', value: agreeOursReused, unit: 'µs/op' },
    { name: 'X25519 agreement, libsignal ÷ ours (new private key)', value: agreeLibsignal / agreeOursFresh, unit: '×', target: { op: '>=', value: 2 } },
  ];
}
