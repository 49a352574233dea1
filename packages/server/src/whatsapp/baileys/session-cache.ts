// Baileys' per-socket caches (message retries, call offers, user devices, placeholder resends),
// owned by the session instead of by Baileys. Baileys' defaults are NodeCache instances whose
// expiry check re-arms a 10-minute timer for ever, so each one (and whatever it holds) outlives
// its socket; these have no timer at all: entries expire when read, the oldest go past `max`,
// and `clear` empties them when the session ends.
import type { CacheStore } from 'baileys';

export class SessionCache implements CacheStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  set<T>(key: string, value: T): boolean {
    this.entries.delete(key); // re-inserted last: Map order is age order
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }

  del(key: string): boolean {
    return this.entries.delete(key);
  }

  flushAll(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Baileys' own TTLs (DEFAULT_CACHE_TTLS): retries and placeholders 1 h, devices and call offers 5 min. */
export const sessionCaches = () => ({
  /** Signal keys read from the store; 5 min as Baileys' own, sized for a first login's 812 pre-keys. */
  signalKeys: new SessionCache(5 * 60_000, 2_000),
  msgRetryCounterCache: new SessionCache(60 * 60_000),
  callOfferCache: new SessionCache(5 * 60_000),
  userDevicesCache: new SessionCache(5 * 60_000),
  placeholderResendCache: new SessionCache(60 * 60_000),
});
export type SessionCaches = ReturnType<typeof sessionCaches>;
