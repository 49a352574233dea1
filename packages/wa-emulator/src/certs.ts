// The emulator's own Noise certificate chain: root -> intermediate -> leaf, where the leaf
// certifies the server's static Noise key. Baileys checks the intermediate against
// `WA_CERT_DETAILS.PUBLIC_KEY` (WhatsApp's long-term root) and the leaf against the
// intermediate; a client that trusts this emulator's root (see `trustEmulatorRoot`) accepts it.
import { Curve, proto, WA_CERT_DETAILS } from 'baileys';
import type { KeyPair } from 'baileys';

const YEAR_S = 365 * 24 * 3600;
/**
 * How long one signed chain is served. WhatsApp's edge serves the same certificates for months;
 * signing afresh per handshake cost two curve25519-js signatures (~25 ms of CPU) per connection.
 * An hour keeps every served chain well inside its own validity window.
 */
const CHAIN_REUSE_MS = 60 * 60 * 1000;

/** What the handshake sends. The attack options exist so tests can prove the client refuses them. */
export interface CertChainOptions {
  /** Sign the intermediate with this root instead of the trusted one (an impostor's root). */
  rootOverride?: KeyPair;
  /** Certify this key in the leaf instead of the server's static key (a stolen leaf). */
  leafKeyOverride?: Uint8Array;
}

export class CertificateAuthority {
  readonly root: KeyPair;
  readonly intermediate: KeyPair;

  constructor(root: KeyPair = Curve.generateKeyPair(), intermediate: KeyPair = Curve.generateKeyPair()) {
    this.root = root;
    this.intermediate = intermediate;
  }

  /** The public key a client must trust; put it in `WA_CERT_DETAILS.PUBLIC_KEY`. */
  get rootPublicKey(): Buffer {
    return Buffer.from(this.root.public);
  }

  #issued: { staticPublic: Buffer; options: CertChainOptions; at: number; chain: Buffer } | null = null;

  /** The encoded CertChain for a server whose static Noise key is `staticPublic` (shared: do not modify it). */
  chainFor(staticPublic: Uint8Array, options: CertChainOptions = {}): Buffer {
    const issued = this.#issued;
    if (
      issued &&
      Date.now() - issued.at < CHAIN_REUSE_MS &&
      issued.staticPublic.equals(staticPublic) &&
      issued.options.rootOverride === options.rootOverride &&
      issued.options.leafKeyOverride === options.leafKeyOverride
    ) {
      return issued.chain;
    }
    const chain = this.#sign(staticPublic, options);
    this.#issued = { staticPublic: Buffer.from(staticPublic), options: { ...options }, at: Date.now(), chain };
    return chain;
  }

  #sign(staticPublic: Uint8Array, options: CertChainOptions): Buffer {
    const now = Math.floor(Date.now() / 1000);
    const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: 1,
      // Baileys requires issuerSerial to equal WA_CERT_DETAILS.SERIAL (the root's serial).
      issuerSerial: WA_CERT_DETAILS.SERIAL,
      key: this.intermediate.public,
      notBefore: now - 60,
      notAfter: now + YEAR_S,
    }).finish();
    const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: 2,
      issuerSerial: 1,
      key: options.leafKeyOverride ?? staticPublic,
      notBefore: now - 60,
      notAfter: now + 30 * 24 * 3600,
    }).finish();
    const rootSigner = options.rootOverride ?? this.root;
    return Buffer.from(
      proto.CertChain.encode({
        intermediate: { details: intermediateDetails, signature: Curve.sign(rootSigner.private, intermediateDetails) },
        leaf: { details: leafDetails, signature: Curve.sign(this.intermediate.private, leafDetails) },
      }).finish(),
    );
  }
}

/**
 * Makes this process's Baileys trust the emulator's root instead of WhatsApp's. Only ever for
 * `TITAN_ENGINE=emulated` and tests: it logs loudly, because a process that does this can no
 * longer authenticate the real WhatsApp servers.
 */
export const trustEmulatorRoot = (
  rootPublicKey: Uint8Array,
  log: (line: string) => void = (line) => console.warn(line),
): void => {
  log(
    `[wa-emulator] WARNING: Baileys now trusts the WhatsApp edge EMULATOR's root key ${Buffer.from(rootPublicKey).toString('hex')} ` +
      'instead of WhatsApp\'s. This process can only talk to the emulator; never do this in production.',
  );
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootPublicKey);
};
