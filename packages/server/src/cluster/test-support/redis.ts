// Redis for cluster tests: the server of `TITAN_TEST_REDIS_URL`, a key namespace per test deleted
// at the end (CI runs against the server as the last session left it), and an `Ownership` the
// test decides.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { clusterKeys, type ClusterKeys } from '../keys.js';
import type { ClusterInstance, Ownership } from '../types.js';
import type { SessionKey } from '../../whatsapp/engine.js';

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

export interface TestRedis {
  redis: Redis;
  keys: ClusterKeys;
  /** Deletes every key of the namespace and disconnects. */
  drop(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const keys = clusterKeys(`titan-test-${randomBytes(6).toString('hex')}`);
  const redis = new Redis(TEST_REDIS_URL);
  return {
    redis,
    keys,
    async drop() {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.namespace}:*`, 'COUNT', 500);
        if (found.length > 0) await redis.del(...found);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

export const newRedis = (): Redis => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });

/** Who owns what, as every instance of a test cluster sees it (one object shared by all). */
export class FakeClusterView {
  /** Per session name; the others belong to `owner`. */
  readonly owners = new Map<string, string>();
  readonly instances: FakeOwnership[] = [];

  constructor(
    public members: string[],
    /** Owns every session not in `owners`. */
    public owner = members[0]!,
  ) {}

  /** Hands `key` to `to`, telling the instance that loses it and the one that gains it. */
  move(key: SessionKey, to: string): void {
    const from = this.owners.get(key.name) ?? this.owner;
    this.owners.set(key.name, to);
    for (const instance of this.instances) {
      if (instance.instanceId === from) instance.notify({ key, owned: false });
      if (instance.instanceId === to) instance.notify({ key, owned: true });
    }
  }
}

export const fakeClusterView = (members: string[], owner = members[0]!): FakeClusterView => new FakeClusterView(members, owner);

type ChangeListener = (change: { key: SessionKey; owned: boolean }) => void;

/** An `Ownership` whose answers the test sets through the shared view. */
export class FakeOwnership implements Ownership {
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    readonly instanceId: string,
    readonly view: FakeClusterView,
  ) {
    view.instances.push(this);
  }

  async ownerOf(key: SessionKey): Promise<string> {
    return this.view.owners.get(key.name) ?? this.view.owner;
  }

  async instances(): Promise<ClusterInstance[]> {
    return this.view.members.map((id) => ({ id, seenAt: Date.now(), startedAt: 0 }));
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(change: { key: SessionKey; owned: boolean }): void {
    for (const listener of this.listeners) listener(change);
  }
}
