// Redis for cluster tests: `TITAN_TEST_REDIS_URL` (default the local server), a key prefix of
// its own per test, deleted at the end, because CI runs against the server as the last session
// left it.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TITAN_TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

/** Null when Redis answers; otherwise the reason to skip, naming the variable to set. */
export async function redisUnavailable(): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis unreachable at TITAN_TEST_REDIS_URL=${TEST_REDIS_URL} (${(error as Error).message}); start it or set TITAN_TEST_REDIS_URL`;
  } finally {
    redis.disconnect();
  }
}

/** A fresh prefix (`TITAN_REDIS_PREFIX`), and how to delete every key under it. */
export function testPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `titan:${prefix}:*`, count: 200 })) keys.push(...(batch as string[]));
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

export const newRedis = (): Redis => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
