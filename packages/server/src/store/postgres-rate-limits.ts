// PostgresStore's abuse limits: sliding-window buckets in the rate_limits table, the same
// contract as sqlite-rate-limits.ts. Several instances share the table, hence the advisory locks.
import { rows, type Transaction } from './postgres-rows.js';
import type { RateLimitBucket, RateLimitResult } from './types.js';

export function takePostgresRateLimit(transaction: Transaction, buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult> {
  return transaction(async (client) => {
    // Instances checking the same bucket at once take turns (sorted: no lock-order deadlock).
    for (const key of [...new Set(buckets.map((b) => b.key))].sort()) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
    await client.query('DELETE FROM rate_limits WHERE expires_at <= $1', [now]);
    for (const { key, limit, windowMs } of buckets) {
      const hits = await rows(client, 'SELECT at FROM rate_limits WHERE bucket = $1 AND at > $2 ORDER BY at', [key, now - windowMs]);
      if (hits.length >= limit) {
        // The window frees a slot when the oldest hit that still counts leaves it.
        const oldest = Number(hits[hits.length - limit]!.at);
        return { allowed: false, key, retryAfterMs: Math.max(1, oldest + windowMs - now) } as const;
      }
    }
    for (const { key, windowMs } of buckets) await client.query('INSERT INTO rate_limits (bucket, at, expires_at) VALUES ($1, $2, $3)', [key, now, now + windowMs]);
    return { allowed: true } as const;
  });
}
