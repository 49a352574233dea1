// Cluster mode (TITAN_REDIS_URL): see ownership.ts (membership, leases, take-over),
// fenced-store.ts (stale owners' writes refused) and leased-engine.ts (the engine under leases).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AppConfig } from '../config.types.js';
import type { Store } from '../store/types.js';
import { ClusterOwnership } from './ownership.js';

export type * from './types.js';
export { fencedStore, type FenceSource } from './fenced-store.js';
export { LeasedEngine, NotOwnerError } from './leased-engine.js';
export { ClusterOwnership, orphaned, type SessionRunner } from './ownership.js';
export { rendezvousOwner } from './rendezvous.js';
export { SingleInstance } from './single.js';

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
