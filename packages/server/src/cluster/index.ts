// Cluster mode's cross-instance half, built from one Redis URL and the instance's `Ownership`:
// the forwarding linking layer, the forwarding engine (with the virtual phone that reaches every
// instance) and the shared rate-limit store. main.ts passes them to `createApp`:
//   createApp({ ...deps, engine: cluster.linking.engine, linking: cluster.linking,
//               limits: { widgetSessions: { store: cluster.widgetSessionLimitStore } } })
// and on shutdown closes the linking (as today), then `cluster.close()`.
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { AppDeps } from '../deps.js';
import { clusterKeys, type ClusterKeys } from './keys.js';
import { ClusterLinking } from './linking.js';
import type { Ownership } from './types.js';

export type * from './types.js';
export { clusterKeys, type ClusterKeys } from './keys.js';
export { ClusterLinking } from './linking.js';
export { ForwardingEngine } from './engine.js';

export interface ClusterOptions {
  redisUrl: string;
  ownership: Ownership;
  /** Key namespace (default `titan`); tests use their own. */
  namespace?: string;
  rpcTimeoutMs?: number;
}

export interface Cluster {
  redis: Redis;
  keys: ClusterKeys;
  linking: ClusterLinking;
  /** For `limits.widgetSessions.store`: every instance counts against one budget per key. */
  widgetSessionLimitStore: RateLimitStore;
  /** After the app's linking closed (ClusterLinking.close): the shared connection. */
  close(): Promise<void>;
}

/** Redis's answer to a command, as rate-limit-redis types it. */
type Reply = boolean | number | string | (boolean | number | string)[];

/** express-rate-limit's counts in Redis (rate-limit-redis: INCR and PEXPIRE in one script). */
export const widgetSessionLimitStore = (redis: Redis, keys: ClusterKeys): RateLimitStore =>
  new RedisStore({
    prefix: `${keys.rateLimit}widget-sessions:`,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<Reply>,
  });

/** Connects to Redis (failing fast when it is unreachable) and builds the cluster parts. */
export async function startCluster(deps: AppDeps, options: ClusterOptions): Promise<Cluster> {
  const keys = clusterKeys(options.namespace);
  // `lazyConnect` + `connect()` so start-up fails with the real reason instead of queueing.
  const redis = new Redis(options.redisUrl, { lazyConnect: true, connectionName: `titan:${options.ownership.instanceId}` });
  let reason = 'connection closed';
  const noteReason = (error: Error) => void (reason = error.message);
  redis.on('error', noteReason);
  try {
    await redis.connect();
  } catch {
    // ioredis would go on retrying in the background; a start that failed must leave nothing behind.
    redis.disconnect();
    // Never the URL: it may hold a password.
    throw new Error(`TITAN_REDIS_URL: Redis is unreachable (${reason})`);
  }
  redis.off('error', noteReason);
  // Later outages are retried by ioredis; each failed command is logged where it is used.
  redis.on('error', (err: Error) => deps.logger.warn({ err }, 'Redis connection error'));
  const linking = new ClusterLinking(deps, { redis, keys, ownership: options.ownership, rpcTimeoutMs: options.rpcTimeoutMs });
  return {
    redis,
    keys,
    linking,
    widgetSessionLimitStore: widgetSessionLimitStore(redis, keys),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
