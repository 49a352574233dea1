// X25519 key generation off the event loop. A new link needs 812 one-time pre-keys before its
// first login; Baileys makes them with `generateKeyPairSync` on the main thread (about a third
// of a link's CPU), so a burst of links stalled every API call and SSE stream behind them.
// Here worker threads make them with node:crypto's X25519, as libsignal does, so the keys are
// the same kind Baileys would have made; `key-pool.test.ts` checks them against libsignal's own
// curve maths.
//
// Jobs run first come, first served on a fixed number of workers (one per spare core): a burst
// queues instead of every link slowing down together.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { xeddsaSign } from './xeddsa.js';

export interface X25519KeyPair {
  /** 32 bytes, without libsignal's 0x05 type prefix (Baileys' `KeyPair.public`). */
  public: Buffer;
  private: Buffer;
}

/** identity, signed pre-key, noise, pairing ephemeral. */
const CREDS_PAIRS = 4;

// Plain CommonJS, run with `eval`: no file to resolve, the same in tests (tsx) and in dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, randomBytes } = require('node:crypto');
// Background work: on Linux this thread alone steps back (threads/priority.ts, which cannot be
// imported from here).
if (process.platform === 'linux') try { require('node:os').setPriority(Math.min(19, require('node:os').getPriority() + 10)); } catch {}
// A private key is 32 random bytes, clamped as OpenSSL's X25519 keygen stores them; OpenSSL
// derives the public key on import. Not generateKeyPairSync: on Node 20.20 (OpenSSL 3.0.19) it
// now and then deadlocks its thread for good (a KeyGenJob destructor run by GC waits on a mutex
// the thread holds; seen with gdb in a stress run, and as links stuck in emulated.test.ts).
// The raw keys through JWK (x: public, d: private): the same 32 bytes libsignal slices out of
// DER, without OpenSSL's slow DER encoders.
// One draw from the CSPRNG for the whole job: a randomBytes call costs about 9 µs here, a
// quarter of a key pair's cost, whatever its size.
const pairs = (count, out) => {
  const secrets = randomBytes(count * 32);
  for (let i = 0; i < count; i++) {
    const secret = secrets.subarray(i * 32, i * 32 + 32);
    secret[0] &= 248;
    secret[31] &= 127;
    secret[31] |= 64;
    const jwk = { kty: 'OKP', crv: 'X25519', d: secret.toString('base64url'), x: '' };
    const { x, d } = createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' });
    out.set(Buffer.from(x, 'base64url'), i * 64);
    out.set(Buffer.from(d, 'base64url'), i * 64 + 32);
  }
};
parentPort.on('message', ({ id, count }) => {
  const out = new Uint8Array(count * 64);
  pairs(count, out);
  parentPort.postMessage({ id, keys: out }, [out.buffer]);
});`;

/** The key material of a new link's creds, its key pairs made on a worker (see `newCredsKeys`). */
export interface CredsKeys {
  identity: X25519KeyPair;
  signedPreKey: X25519KeyPair;
  /** XEdDSA signature by `identity` of `0x05 || signedPreKey.public`, as Baileys' `signedKeyPair`. */
  signedPreKeySignature: Buffer;
  noise: X25519KeyPair;
  pairingEphemeral: X25519KeyPair;
}

interface Job {
  id: number;
  count: number;
  resolve: (keys: Buffer) => void;
  reject: (error: Error) => void;
}

export class KeyPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private started = 0;
  private nextId = 0;

  constructor(readonly size = Math.max(1, availableParallelism() - 1)) {}

  /** `count` fresh key pairs, made on a worker thread. */
  async generate(count: number): Promise<X25519KeyPair[]> {
    if (count <= 0) return [];
    return split(await this.run(count));
  }

  /**
   * The keys of a new link's creds (Baileys' `initAuthCreds`): four key pairs from a worker,
   * and the signed pre-key's signature, made here with `xeddsa.ts` (about half a millisecond; in
   * the worker it was libsignal's pure-JS signer, 11 ms or more a link, and the eval'd worker
   * cannot load our TypeScript module under tsx).
   */
  async newCredsKeys(): Promise<CredsKeys> {
    const [identity, signedPreKey, noise, pairingEphemeral] = await this.generate(CREDS_PAIRS);
    // Baileys' signedKeyPair: the identity signs the signed pre-key's 0x05-prefixed public key.
    const signedPreKeySignature = xeddsaSign(identity!.private, Buffer.concat([Buffer.from([5]), signedPreKey!.public]));
    return { identity: identity!, signedPreKey: signedPreKey!, noise: noise!, pairingEphemeral: pairingEphemeral!, signedPreKeySignature };
  }

  private run(count: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, count, resolve, reject });
      this.pump();
    });
  }

  /** Jobs waiting for a worker (not counting the ones running). */
  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    for (const job of this.queue.splice(0)) job.reject(new Error('key pool closed'));
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : null);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.ref(); // a job in flight keeps the process alive until it answers
      worker.postMessage({ id: job.id, count: job.count });
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ keys }: { keys: Uint8Array }) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job) job.resolve(Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength));
      this.pump();
    });
    worker.on('error', (error) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.started--;
      job?.reject(error);
      this.pump();
    });
    worker.unref();
    return worker;
  }
}

const split = (keys: Buffer): X25519KeyPair[] => {
  const pairs: X25519KeyPair[] = [];
  for (let at = 0; at < keys.length; at += 64) {
    // Copies: each key owns its bytes, so one retained key never pins the whole batch.
    pairs.push({ public: Buffer.from(keys.subarray(at, at + 32)), private: Buffer.from(keys.subarray(at + 32, at + 64)) });
  }
  return pairs;
};

/** The process's pool, started on first use. */
let shared: KeyPool | null = null;
export const sharedKeyPool = (): KeyPool => (shared ??= new KeyPool());
