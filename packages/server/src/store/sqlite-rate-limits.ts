// SqliteStore's abuse limits: sliding-window buckets in the rate_limits table. SQLite serialises
// writers, so one transaction is enough for instances checking the same bucket at once.
import type Database from 'better-sqlite3';
import type { Row } from './sqlite-rows.js';
import type { RateLimitBucket, RateLimitResult } from './types.js';

type Prepare = (sql: string) => Database.Statement;

export function takeSqliteRateLimit(db: Database.Database, prepare: Prepare, buckets: readonly RateLimitBucket[], now: number): RateLimitResult {
  return db.transaction((): RateLimitResult => {
    prepare('DELETE FROM rate_limits WHERE expires_at <= ?').run(now);
    for (const { key, limit, windowMs } of buckets) {
      const hits = prepare('SELECT at FROM rate_limits WHERE bucket = ? AND at > ? ORDER BY at').all(key, now - windowMs) as Row[];
      if (hits.length >= limit) {
        // The window frees a slot when the oldest hit that still counts leaves it.
        const oldest = Number(hits[hits.length - limit]!.at);
        return { allowed: false, key, retryAfterMs: Math.max(1, oldest + windowMs - now) };
      }
    }
    const insert = prepare('INSERT INTO rate_limits (bucket, at, expires_at) VALUES (?, ?, ?)');
    for (const { key, windowMs } of buckets) insert.run(key, now, now + windowMs);
    return { allowed: true };
  })();
}
