// X25519 key generation off the event loop. A new link needs 812 one-time pre-keys before its
// first login; Baileys makes them with `generateKeyPairSync` on the main thread (about a third
// of a link's CPU), so a burst of links stalled every API call and SSE stream behind them.
// Here worker threads make them, with the very code libsignal uses (node:crypto X25519, DER
// sliced), so the keys are the same kind Baileys would have made; `key-pool.test.ts` checks
// them against libsignal's own curve maths.
//
// Jobs run first come, first served on a fixed number of workers (one per spare core): a burst
// queues instead of every link slowing down together.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface X25519KeyPair {
  /** 32 bytes, without libsignal's 0x05 type prefix (Baileys' `KeyPair.public`). */
  public: Buffer;
  private: Buffer;
}

// Plain CommonJS, run with `eval`: no file to resolve, the same in tests (tsx) and in dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { generateKeyPairSync } = require('node:crypto');
const encoding = { publicKeyEncoding: { format: 'der', type: 'spki' }, privateKeyEncoding: { format: 'der', type: 'pkcs8' } };
parentPort.on('message', ({ id, count }) => {
  const out = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('x25519', encoding);
    out.set(publicKey.subarray(12, 44), i * 64);       // SPKI: 12-byte prefix, then the key
    out.set(privateKey.subarray(16, 48), i * 64 + 32);  // PKCS#8: 16-byte prefix, then the key
  }
  parentPort.postMessage({ id, keys: out }, [out.buffer]);
});`;

interface Job {
  id: number;
  count: number;
  resolve: (pairs: X25519KeyPair[]) => void;
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
  generate(count: number): Promise<X25519KeyPair[]> {
    if (count <= 0) return Promise.resolve([]);
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
      if (job) job.resolve(split(Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength)));
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
