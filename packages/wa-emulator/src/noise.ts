// The server (responder) side of WhatsApp's Noise_XX_25519_AESGCM_SHA256 handshake: the exact
// mirror of Baileys' `Utils/noise-handler.js`, so every hash, key and nonce lines up with it.
//   -> e                      (clientHello)
//   <- e, ee, s, es, payload  (serverHello: payload = the CertChain)
//   -> s, se, payload         (clientFinish: payload = ClientPayload, login or registration)
import { aesDecryptGCM, aesEncryptGCM, hkdf, NOISE_MODE, NOISE_WA_HEADER, proto, sha256 } from 'baileys';
import type { KeyPair } from 'baileys';
import { generateEphemeralKey, sharedKey } from './curve.js';

const IV_LENGTH = 12;
const EMPTY = Buffer.alloc(0);

const nonce = (counter: number): Buffer => {
  const iv = Buffer.alloc(IV_LENGTH);
  iv.writeUInt32BE(counter, 8);
  return iv;
};

/** Post-handshake encryption: one key and counter per direction. */
export class Transport {
  #readCounter = 0;
  #writeCounter = 0;
  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer,
  ) {}
  encrypt(plaintext: Uint8Array): Buffer {
    return aesEncryptGCM(plaintext, this.encKey, nonce(this.#writeCounter++), EMPTY);
  }
  decrypt(ciphertext: Uint8Array): Buffer {
    return aesDecryptGCM(ciphertext, this.decKey, nonce(this.#readCounter++), EMPTY);
  }
}

export interface ClientFinish {
  /** The client's static Noise key: Baileys' `creds.noiseKey.public`, the device's identity on the wire. */
  clientStatic: Buffer;
  payload: proto.ClientPayload;
  transport: Transport;
}

export class NoiseResponder {
  #hash: Buffer;
  #salt: Buffer;
  #key: Buffer;
  #counter = 0;
  readonly #ephemeral = generateEphemeralKey();

  constructor(private readonly serverStatic: KeyPair) {
    const mode = Buffer.from(NOISE_MODE);
    this.#hash = mode.byteLength === 32 ? mode : sha256(mode);
    this.#salt = this.#hash;
    this.#key = this.#hash;
    this.#authenticate(NOISE_WA_HEADER);
  }

  /** Answers a clientHello; `certChain` is the encoded CertChain to send as the handshake payload. */
  serverHello(clientHelloFrame: Uint8Array, certChain: Uint8Array): { reply: Buffer; clientEphemeral: Buffer } {
    const { clientHello } = proto.HandshakeMessage.decode(clientHelloFrame);
    const clientEphemeral = clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.byteLength !== 32) throw new Error('clientHello without a 32-byte ephemeral key');
    this.#clientEphemeral = Buffer.from(clientEphemeral);
    this.#authenticate(this.#clientEphemeral);
    this.#authenticate(this.#ephemeral.public);
    this.#mixIntoKey(sharedKey(this.#ephemeral.privateKey, this.#clientEphemeral));
    const staticEnc = this.#encrypt(this.serverStatic.public);
    this.#mixIntoKey(sharedKey(this.serverStatic.private, this.#clientEphemeral));
    const payload = this.#encrypt(certChain);
    const reply = proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.#ephemeral.public, static: staticEnc, payload },
    }).finish();
    return { reply: Buffer.from(reply), clientEphemeral: this.#clientEphemeral };
  }

  /** Reads the clientFinish and splits the transport keys. Throws if anything fails to decrypt. */
  clientFinish(frame: Uint8Array): ClientFinish {
    const { clientFinish } = proto.HandshakeMessage.decode(frame);
    if (!clientFinish?.static || !clientFinish.payload) throw new Error('clientFinish without static key or payload');
    const clientStatic = this.#decrypt(clientFinish.static);
    this.#mixIntoKey(sharedKey(this.#ephemeral.privateKey, clientStatic));
    const payload = proto.ClientPayload.decode(this.#decrypt(clientFinish.payload));
    const [clientWrite, clientRead] = this.#hkdf(EMPTY);
    // The client encrypts with the first half, so that is the server's read key.
    return { clientStatic, payload, transport: new Transport(clientRead, clientWrite) };
  }

  #clientEphemeral: Buffer = EMPTY;

  #authenticate(data: Uint8Array): void {
    this.#hash = sha256(Buffer.concat([this.#hash, data]));
  }
  #encrypt(plaintext: Uint8Array): Buffer {
    const result = aesEncryptGCM(plaintext, this.#key, nonce(this.#counter++), this.#hash);
    this.#authenticate(result);
    return result;
  }
  #decrypt(ciphertext: Uint8Array): Buffer {
    const result = aesDecryptGCM(ciphertext, this.#key, nonce(this.#counter++), this.#hash);
    this.#authenticate(ciphertext);
    return result;
  }
  #hkdf(data: Uint8Array): [Buffer, Buffer] {
    const key = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.#salt, info: '' }));
    return [key.subarray(0, 32), key.subarray(32)];
  }
  #mixIntoKey(data: Uint8Array): void {
    const [write, read] = this.#hkdf(data);
    this.#salt = write;
    this.#key = read;
    this.#counter = 0;
  }
}
