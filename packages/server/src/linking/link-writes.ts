// The linking layer's store writes. Each change goes to the store at once, in call order (the
// store applies them in that order); the last one per WhatsApp session is kept for callers that
// answer only once it is in.
import type { AppDeps } from '../deps.js';
import type { LinkChange } from '../store/index.js';
import { sessionKeyId as keyId, type SessionKey } from '../whatsapp/engine.js';

export class LinkWrites {
  /** The last store write per WhatsApp session. */
  private readonly last = new Map<string, Promise<void>>();

  constructor(private readonly deps: Pick<AppDeps, 'store' | 'logger'>) {}

  /**
   * Writes a change. The store applies changes in call order, and a synchronous store (SQLite)
   * has it in the file before this returns, so the event that follows is never ahead of the row.
   */
  commit(key: SessionKey, change: LinkChange): void {
    const id = keyId(key);
    const write = this.deps.store
      .commitLinkChange(change)
      .catch((err: unknown) => this.deps.logger.error({ err, session: key.name }, 'could not store a linking change'));
    this.last.set(id, write);
    void write.then(() => {
      if (this.last.get(id) === write) this.last.delete(id);
    });
  }

  /** Resolves when every change queued so far for `key` is in the store. */
  async settled(key: SessionKey): Promise<void> {
    await this.last.get(keyId(key));
  }

  /** Resolves when every change queued so far, for any session, is in the store. */
  async all(): Promise<void> {
    await Promise.all(this.last.values());
  }
}
