// WhatsApp's memory across emulator restarts: the CA and server keys, every account (with the
// phone's identity key) and linked device, as one JSON document in a store the host provides.
import type { KeyPair } from 'baileys';
import { CertificateAuthority } from './certs.js';
import type { Registry, SavedAccount } from './registry.js';

export interface EdgePersistence {
  load(): string | null;
  save(state: string): void;
}

/**
 * Saves come at most this often. Each one writes the whole document, so saving on every change
 * made a burst of N links cost O(N²): 200 links wrote ~600 documents of up to 200 accounts.
 */
export const SAVE_INTERVAL_MS = 1_000;

/**
 * Coalesces saves: a change after a quiet spell is written at once, changes in quick succession
 * are written together at most once per interval, and `flush` writes whatever is still pending
 * (a clean shutdown calls it, so it loses nothing).
 */
export class ThrottledSave {
  #dirty = false;
  #lastWrite = -Infinity;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = SAVE_INTERVAL_MS,
  ) {}

  changed(): void {
    this.#dirty = true;
    if (this.#timer) return;
    const wait = this.#lastWrite + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    // Unref'd: a pending save must not keep a test process alive; a clean shutdown flushes.
    this.#timer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.onError(error);
      }
    }, wait).unref();
  }

  /** Writes now if anything changed since the last write. Throws what the store throws (the change stays pending). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#lastWrite = performance.now();
    try {
      this.write();
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }
}

interface SavedKeys {
  private: string;
  public: string;
}

interface SavedEdge {
  version: 1;
  root: SavedKeys;
  intermediate: SavedKeys;
  serverStatic: SavedKeys;
  accounts: SavedAccount[];
}

const saveKeys = (k: KeyPair): SavedKeys => ({
  private: Buffer.from(k.private).toString('base64'),
  public: Buffer.from(k.public).toString('base64'),
});
const loadKeys = (k: SavedKeys): KeyPair => ({ private: Buffer.from(k.private, 'base64'), public: Buffer.from(k.public, 'base64') });

export const loadEdgeState = (
  persistence: EdgePersistence,
): { ca: CertificateAuthority; serverStatic: KeyPair; accounts: SavedAccount[] } | null => {
  const text = persistence.load();
  if (!text) return null;
  const saved = JSON.parse(text) as SavedEdge;
  if (saved.version !== 1) return null;
  return {
    ca: new CertificateAuthority(loadKeys(saved.root), loadKeys(saved.intermediate)),
    serverStatic: loadKeys(saved.serverStatic),
    accounts: saved.accounts,
  };
};

export const saveEdgeState = (persistence: EdgePersistence, ca: CertificateAuthority, serverStatic: KeyPair, registry: Registry): void => {
  const state: SavedEdge = {
    version: 1,
    root: saveKeys(ca.root),
    intermediate: saveKeys(ca.intermediate),
    serverStatic: saveKeys(serverStatic),
    accounts: registry.serialize(),
  };
  persistence.save(JSON.stringify(state));
};
