// Cluster mode's engine: the real one, run only for sessions whose lease this instance holds.
// Starting a session takes its lease first (a guard: the bus forwards actions to the owner, so a
// refusal here means two instances raced); stopping or logging out lets it go; a session whose
// socket finished for good (logged out, failed, QR cycle over) lets it go too.
import { EngineError } from '../errors.js';
import type { AdmissionState, ThreadState, EngineListener, LinkingEngine, SessionKey, StartOptions } from '../whatsapp/engine.js';
import type { ClusterOwnership } from './ownership.js';

/** Another live instance holds the session's lease; `owner` is where to send the action. */
export class NotOwnerError extends EngineError {
  constructor(
    readonly key: SessionKey,
    readonly owner: string | null,
  ) {
    super('CONFLICT', `Session "${key.name}" is run by another instance${owner ? ` (${owner})` : ''}; try again.`);
    this.name = 'NotOwnerError';
  }
}

type Leases = Pick<ClusterOwnership, 'acquire' | 'release' | 'ownerOf'>;

export class LeasedEngine implements LinkingEngine {
  get admissionState(): AdmissionState | null {
    return this.inner.admissionState ?? null;
  }

  get threadState(): ThreadState | null {
    return this.inner.threadState ?? null;
  }

  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: LinkingEngine,
    private readonly leases: Leases,
  ) {
    this.unsubscribe = inner.subscribe((event) => {
      const finished = (event.type === 'disconnected' && !event.reconnecting) || event.type === 'qr_timeout';
      // After every listener (the linking layer writes the final status under the lease first).
      if (finished) setImmediate(() => void this.releaseIfIdle(event.key));
    });
  }

  get kind() {
    return this.inner.kind;
  }

  get virtualPhone() {
    return this.inner.virtualPhone;
  }

  async start(key: SessionKey, options?: StartOptions): Promise<void> {
    await this.claim(key);
    await this.inner.start(key, options);
  }

  async requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void> {
    await this.claim(key);
    await this.inner.requestPairingCode(key, phoneNumber);
  }

  async restartQr(key: SessionKey): Promise<void> {
    await this.claim(key);
    await this.inner.restartQr(key);
  }

  /** Deletes the creds too, so it must hold the lease: a non-owner would pull them from under the owner. */
  async logout(key: SessionKey): Promise<void> {
    await this.claim(key);
    try {
      await this.inner.logout(key);
    } finally {
      await this.leases.release(key);
    }
  }

  async stop(key: SessionKey): Promise<void> {
    await this.inner.stop(key);
    await this.leases.release(key);
  }

  /** Stops the socket here without touching the lease (lost already, or released next by the caller). */
  async drop(key: SessionKey): Promise<void> {
    await this.inner.stop(key);
  }

  sendText(key: SessionKey, to: string, text: string): Promise<string> {
    return this.inner.sendText(key, to, text);
  }

  isRunning(key: SessionKey): boolean {
    return this.inner.isRunning(key);
  }

  subscribe(listener: EngineListener): () => void {
    return this.inner.subscribe(listener);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.inner.close();
  }

  private async claim(key: SessionKey): Promise<void> {
    if ((await this.leases.acquire(key)) !== null) return;
    throw new NotOwnerError(key, await this.leases.ownerOf(key).catch(() => null));
  }

  private async releaseIfIdle(key: SessionKey): Promise<void> {
    if (!this.inner.isRunning(key)) await this.leases.release(key).catch(() => {});
  }
}
