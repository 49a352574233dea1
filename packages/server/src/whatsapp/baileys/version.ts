// The WhatsApp Web version the socket announces. WhatsApp closes a socket that claims a stale
// version (405), so we ask web.whatsapp.com for the current one, and when that is unreachable
// fall back to the last version we fetched (store setting `wa_version`), then to the one baileys
// ships with.
import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from 'baileys';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { systemClock } from '../../clock.js';
import type { AuthStateStore } from '../../store/types.js';

export const WA_VERSION_SETTING = 'wa_version';
/** The version baileys 7.0.0-rc14 was released with: the last resort. */
export const BUNDLED_WA_VERSION: WAVersion = [...DEFAULT_CONNECTION_CONFIG.version];

/** Resolves to the current version, or null when it could not be found out. */
export type FetchWaVersion = (signal: AbortSignal) => Promise<WAVersion | null>;

export const fetchWaWebVersion: FetchWaVersion = async (signal) => {
  const result = await fetchLatestWaWebVersion({ signal });
  return result.isLatest ? result.version : null;
};

const isVersion = (value: unknown): value is WAVersion =>
  Array.isArray(value) && value.length === 3 && value.every((n) => Number.isInteger(n) && n >= 0);

export interface WaVersionSourceOptions {
  fetch?: FetchWaVersion;
  /** A start-up must not wait on a slow network: 3 s, then the fallback. */
  timeoutMs?: number;
  /** WhatsApp Web ships a few times a week; asking every 6 hours is plenty. */
  ttlMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export class WaVersionSource {
  private readonly fetch: FetchWaVersion;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private cached: { version: WAVersion; at: number } | null = null;
  private inFlight: Promise<WAVersion> | null = null;

  constructor(
    private readonly store: AuthStateStore,
    private readonly options: WaVersionSourceOptions = {},
  ) {
    this.fetch = options.fetch ?? fetchWaWebVersion;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.ttlMs = options.ttlMs ?? 6 * 3_600_000;
    this.clock = options.clock ?? systemClock;
  }

  /** The version to connect with; never rejects. Concurrent callers share one fetch. */
  get(): Promise<WAVersion> {
    if (this.cached && this.clock.now() - this.cached.at < this.ttlMs) return Promise.resolve(this.cached.version);
    this.inFlight ??= this.resolve().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** Forget the cached version (after a 405: WhatsApp thinks ours is stale). */
  invalidate(): void {
    this.cached = null;
  }

  /** The last fetched version kept in the store, if any. */
  async lastKnownGood(): Promise<WAVersion | null> {
    const text = await this.store.getSetting(WA_VERSION_SETTING);
    if (!text) return null;
    try {
      const value: unknown = JSON.parse(text);
      return isVersion(value) ? value : null;
    } catch {
      return null;
    }
  }

  private async resolve(): Promise<WAVersion> {
    const fetched = await this.fetchWithTimeout();
    if (fetched) {
      await this.store.setSetting(WA_VERSION_SETTING, JSON.stringify(fetched));
      this.cached = { version: fetched, at: this.clock.now() };
      return fetched;
    }
    const fallback = (await this.lastKnownGood()) ?? BUNDLED_WA_VERSION;
    this.options.logger?.warn({ version: fallback.join('.') }, 'could not fetch the WhatsApp Web version; using the last known one');
    // Cache the fallback briefly only, so the next session start tries the network again.
    this.cached = { version: fallback, at: this.clock.now() - this.ttlMs + 60_000 };
    return fallback;
  }

  private async fetchWithTimeout(): Promise<WAVersion | null> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(null);
      }, this.timeoutMs);
    });
    try {
      // The race guards against a fetcher that ignores the abort signal.
      const version = await Promise.race([this.fetch(controller.signal).catch(() => null), timeout]);
      return isVersion(version) ? version : null;
    } finally {
      clearTimeout(timer);
    }
  }
}
