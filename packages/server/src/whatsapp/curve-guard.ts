// Closes a hole in baileys 7.0.0-rc14 (see SECURITY.md): `Curve.verify` returns true whenever
// libsignal does not throw, ignoring libsignal's boolean result, so the Noise certificate chain
// WhatsApp's edge presents is never really checked, and nothing compares the leaf certificate's
// key with the server's static key. Anyone on the network path could impersonate WhatsApp.
//
// While at it, the guard moves the curve maths of a link off libsignal's slow paths (pure-JS
// curve25519-js signing, DER key imports for each agreement): same answers, a fraction of the
// event loop's time (`xeddsa.ts`, `x25519.ts`).
//
// The seams: Baileys' modules call `Curve.verify`, `Curve.sign`, `Curve.sharedKey` and
// `proto.CertChain.decode` as properties of shared objects at call time, so replacing those
// properties (not the ESM bindings, which are read-only) changes what Baileys runs. libsignal's
// session builder and cipher call `curve.calculateAgreement` on its CommonJS `curve` module's
// exports object the same way.
import { createRequire } from 'node:module';
import { Curve, proto } from 'baileys';
import { x25519Agreement, x25519KeyPair } from './x25519.js';
import { xeddsaSign, xeddsaVerify } from './xeddsa.js';

interface LibsignalCurve {
  verifySignature(publicKey: Buffer, message: Uint8Array, signature: Uint8Array): boolean;
  calculateAgreement(publicKey: Buffer, privateKey: Buffer): Buffer;
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
}

// libsignal is Baileys' dependency, not ours: resolve it from Baileys' own location so we call
// the exact code Baileys meant to call.
const requireFromBaileys = createRequire(createRequire(import.meta.url).resolve('baileys'));
const libsignalCurve = requireFromBaileys('libsignal/src/curve.js') as LibsignalCurve;

const KEY_BUNDLE_TYPE = 5;

/** XEdDSA verification with libsignal's own code, returning its actual answer (the reference). */
export const libsignalVerify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  try {
    const key = publicKey.length === 33 ? Buffer.from(publicKey) : Buffer.concat([Buffer.from([KEY_BUNDLE_TYPE]), publicKey]);
    return libsignalCurve.verifySignature(key, Buffer.from(message), Buffer.from(signature)) === true;
  } catch {
    return false;
  }
};

/**
 * The verification Baileys gets: libsignal's answer (false on a bad signature or key), computed
 * with native Ed25519 (`xeddsa.ts`), a fraction of curve25519-js's cost on the event loop.
 */
export const strictVerify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  xeddsaVerify(publicKey, message, signature);

/** The error a refused handshake ends with; shaped like Baileys' own Boom errors (400, like its cert checks). */
export class NoiseCertificateError extends Error {
  readonly isBoom = true;
  readonly output = { statusCode: 400, payload: { statusCode: 400, error: 'Bad Request', message: '' } };
  readonly data = { reason: 'NOISE_CERT_REJECTED' };
  constructor(message: string) {
    super(message);
    this.name = 'NoiseCertificateError';
    this.output.payload.message = message;
  }
}

interface Installed {
  verify: typeof Curve.verify;
  sign: typeof Curve.sign;
  sharedKey: typeof Curve.sharedKey;
  decodeCertChain: typeof proto.CertChain.decode;
  libsignalAgreement: LibsignalCurve['calculateAgreement'];
  generateKeyPair: typeof Curve.generateKeyPair;
  libsignalKeyPair: LibsignalCurve['generateKeyPair'];
}

/** libsignal's `generateKeyPair()` shape (0x05-prefixed public key), made as `x25519KeyPair` makes it. */
export const libsignalKeyPair: LibsignalCurve['generateKeyPair'] = () => {
  const pair = x25519KeyPair();
  return { pubKey: Buffer.concat([Buffer.from([KEY_BUNDLE_TYPE]), pair.public]), privKey: pair.private };
};

/** libsignal's `calculateAgreement(publicKey, privateKey)`, natively (`x25519.ts`). */
export const fastLibsignalAgreement: LibsignalCurve['calculateAgreement'] = (publicKey, privateKey) =>
  x25519Agreement(privateKey, publicKey);

let installed: Installed | null = null;

/**
 * Installs the guard once per process (later calls are no-ops). Returns `uninstall`, for tests
 * that need to show the unguarded behaviour.
 */
export const installCurveGuard = (log: (line: string) => void = () => {}): (() => void) => {
  if (!installed) {
    const original: Installed = {
      verify: Curve.verify,
      sign: Curve.sign,
      sharedKey: Curve.sharedKey,
      decodeCertChain: proto.CertChain.decode.bind(proto.CertChain),
      libsignalAgreement: libsignalCurve.calculateAgreement,
      generateKeyPair: Curve.generateKeyPair,
      libsignalKeyPair: libsignalCurve.generateKeyPair,
    };
    // The peer key of the most recent agreement: in Baileys' handshake the agreement right
    // before the certificate is decoded is with the server's static key (noise-handler.js
    // processHandshake: sharedKey(static) -> decrypt(payload) -> CertChain.decode, all synchronous,
    // so no other code can run in between).
    let lastPeerKey: Buffer | null = null;
    Curve.verify = strictVerify;
    Curve.sign = xeddsaSign;
    Curve.sharedKey = (privateKey, publicKey) => {
      lastPeerKey = Buffer.from(publicKey);
      return x25519Agreement(privateKey, publicKey);
    };
    libsignalCurve.calculateAgreement = fastLibsignalAgreement;
    // Noise ephemerals (Baileys) and ratchet and base keys (libsignal), without generateKeyPairSync.
    Curve.generateKeyPair = x25519KeyPair;
    libsignalCurve.generateKeyPair = libsignalKeyPair;
    proto.CertChain.decode = ((reader: Parameters<typeof proto.CertChain.decode>[0], length?: number) => {
      const chain = original.decodeCertChain(reader, length);
      const serverStatic = lastPeerKey;
      lastPeerKey = null;
      const leafDetails = chain.leaf?.details;
      const leafKey = leafDetails ? proto.CertChain.NoiseCertificate.Details.decode(leafDetails).key : null;
      // Fail closed: a chain we cannot tie to the server's static key is refused.
      if (!serverStatic || !leafKey || !Buffer.from(leafKey).equals(serverStatic.subarray(-32))) {
        throw new NoiseCertificateError("noise leaf certificate does not certify the server's static key");
      }
      return chain;
    }) as typeof proto.CertChain.decode;
    installed = original;
    log('WhatsApp Noise certificate guard installed (strict Curve.verify, leaf key = server static key; faster XEdDSA signing and X25519 agreement)');
  }
  return uninstallCurveGuard;
};

export const uninstallCurveGuard = (): void => {
  if (!installed) return;
  Curve.verify = installed.verify;
  Curve.sign = installed.sign;
  Curve.sharedKey = installed.sharedKey;
  proto.CertChain.decode = installed.decodeCertChain;
  libsignalCurve.calculateAgreement = installed.libsignalAgreement;
  Curve.generateKeyPair = installed.generateKeyPair;
  libsignalCurve.generateKeyPair = installed.libsignalKeyPair;
  installed = null;
};

export const isCurveGuardInstalled = (): boolean => installed !== null;
