// Cluster mode (TITAN_REDIS_URL), in two halves built by main.ts:
// - `openCluster`: who runs which session: ownership.ts (membership, leases, take-over),
//   fenced-store.ts (stale owners' writes refused) and leased-engine.ts (the engine under leases);
// - `startCluster`: how instances reach the owner: linking.ts (widget actions forwarded over
//   rpc.ts, events fanned out by event-bus.ts), engine.ts (sends and logouts reach the owner,
//   with the virtual phone that reaches every instance) and the shared rate-limit store.
import type { Logger } from 'pino';
import type { Store as RateLimitStore } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { AppConfig } from '../config.types.js';
import type { AppDeps } from '../deps.js';
import type { Clock } from '../clock.js';
import type { Ownership } from './types.js';
import type { Store } from '../store/types.js';
import { ClusterLinking } from './linking.js';
import { ClusterOwnership } from './ownership.js';
import { clusterKeys, type ClusterKeys } from './keys.js';

export type * from './types.js';
export { fencedStore, type FenceSource } from './fenced-store.js';
export { LeasedEngine, NotOwnerError } from './leased-engine.js';
export { ClusterOwnership, orphaned, type SessionRunner } from './ownership.js';
export { rendezvousOwner } from './rendezvous.js';
export { SingleInstance } from './single.js';
export { clusterKeys, type ClusterKeys } from './keys.js';
export { ClusterLinking } from './linking.js';
export { ForwardingEngine } from './engine.js';

/** Redis could not be reached at start; the message is one line naming the variable. */
export class ClusterStartError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ClusterStartError';
  }
}

/** Connects to Redis and builds this instance's ownership (it joins once the app is built). */
export async function openCluster(
  config: Pick<AppConfig, 'redisUrl' | 'instanceId' | 'leaseTtlMs' | 'redisPrefix'>,
  store: Store,
  clock: Clock,
  logger: Logger,
): Promise<ClusterOwnership> {
  // Commands fail fast while Redis is away (the loop retries next tick) instead of queueing.
  const redis = new Redis(config.redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis reconnects by itself; say so once per distinct failure, not on every retry.
    if (err.message !== lastError) logger.warn({ err }, 'cluster: Redis connection error');
    lastError = err.message;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    // The connection's own error (ECONNREFUSED, auth) says more than connect()'s "Connection is closed".
    const reason = lastError || String((error as Error).message ?? error);
    throw new ClusterStartError(`TITAN_REDIS_URL: could not connect to Redis (${reason.split('\n')[0]})`, { cause: error });
  }
  return new ClusterOwnership({
    store,
    redis,
    instanceId: config.instanceId!,
    prefix: config.redisPrefix ?? 'default',
    leaseTtlMs: config.leaseTtlMs!,
    clock,
    logger: logger.child({ instance: config.instanceId }),
  });
}

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
  } catch (error) {
    // ioredis would go on retrying in the background; a start that failed must leave nothing behind.
    redis.disconnect();
    // Never the URL: it may hold a password. One line at start-up, like openCluster's.
    throw new ClusterStartError(`TITAN_REDIS_URL: Redis is unreachable (${reason})`, { cause: error });
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
