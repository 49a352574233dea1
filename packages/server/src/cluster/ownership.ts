// Cluster mode's session ownership (TITAN_REDIS_URL): membership in Redis, leases with a fencing
// epoch in the store, and the loop that keeps both true. Each instance heartbeats
// `titan:<prefix>:instances:<id>` (expires after one lease TTL) and, every tick, renews its
// leases, stops at once any session whose lease it lost, and takes over the sessions that should
// run and whose lease is free or expired when the rendezvous hash picks this instance for them.
import type { ClusterInfo } from '@titan-connect/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { LeaseFence, SessionLease, Store, WaSessionRecord } from '../store/types.js';
import { type SessionKey, sessionKeyId } from '../whatsapp/engine.js';
import { rendezvousOwner } from './rendezvous.js';
import type { ClusterInstance, ClusterStatusSource, Ownership } from './types.js';

/** What the ownership loop drives: the linking layer and the engine of this instance. */
export interface SessionRunner {
  /** Runs a session this instance has just taken over (reconnect from creds, or a fresh QR cycle). */
  adopt(key: SessionKey): Promise<void>;
  /** Stops a session here at once, its lease lost or handed over: never two sockets for one device. */
  drop(key: SessionKey): Promise<void>;
  isRunning(key: SessionKey): boolean;
}

export interface ClusterOwnershipOptions {
  store: Store;
  redis: Redis;
  instanceId: string;
  /** Redis keys are `titan:<prefix>:…` (tests use their own and delete it). */
  prefix: string;
  leaseTtlMs: number;
  clock: Clock;
  logger: Logger;
  /** Tests step the loop themselves (`tick`): no timer. */
  manual?: boolean;
}

/**
 * A linking session whose status has not changed for this long while nobody holds its lease was
 * abandoned (its owner died or left); younger, an instance may be between writing CONNECTING and
 * taking the lease for a link it is starting, and must be left to it.
 */
export const LINK_ADOPT_GRACE_MS = 2_000;
/** A session adopted but left idle (no creds, nothing to resume) is not tried again for this long. */
const IDLE_RETRY_MS = 60_000;

const authKey = (key: SessionKey) => ({ tenantId: key.tenantId, sessionName: key.name });
const sessionKey = (lease: SessionLease): SessionKey => ({ tenantId: lease.key.tenantId, name: lease.key.sessionName });

interface Held {
  key: SessionKey;
  epoch: number;
  acquiredAt: number;
}

export class ClusterOwnership implements Ownership, ClusterStatusSource {
  readonly instanceId: string;
  /** `titan:<prefix>:`: every Redis key of this cluster starts with it (the bus uses it too). */
  readonly keyPrefix: string;
  readonly leaseTtlMs: number;
  private readonly held = new Map<string, Held>();
  /** The last epoch held per session, kept after losing it: late writes stay fenced (refused). */
  private readonly epochs = new Map<string, number>();
  private readonly idleUntil = new Map<string, number>();
  private readonly listeners = new Set<(change: { key: SessionKey; owned: boolean }) => void>();
  private readonly startedAt: number;
  private runner: SessionRunner | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastRenewal: number;
  private leaving = false;

  constructor(private readonly o: ClusterOwnershipOptions) {
    this.instanceId = o.instanceId;
    this.keyPrefix = `titan:${o.prefix}:`;
    this.leaseTtlMs = o.leaseTtlMs;
    this.startedAt = o.clock.now();
    this.lastRenewal = this.startedAt;
  }

  /** Tick period: at most a second, and at least three renewals per TTL. */
  private get every(): number {
    return Math.min(1_000, Math.floor(this.leaseTtlMs / 3));
  }

  private get memberKey(): string {
    return `${this.keyPrefix}instances:${this.instanceId}`;
  }

  /**
   * Joins the cluster: the first heartbeat now, then the loop. The first take-over waits one
   * tick, so instances started together see each other before they share out the sessions.
   */
  async join(runner: SessionRunner): Promise<void> {
    this.runner = runner;
    await this.heartbeat(this.o.clock.now());
    if (this.o.manual) return;
    this.timer = setInterval(() => {
      if (this.ticking) return; // a slow tick (database latency) is never run twice at once
      this.ticking = this.tick().finally(() => (this.ticking = null));
    }, this.every);
    this.timer.unref();
  }

  // --- Ownership ---------------------------------------------------------------------------------

  async ownerOf(key: SessionKey): Promise<string> {
    const now = this.o.clock.now();
    const lease = await this.o.store.getLease(authKey(key));
    if (lease && lease.expiresAt > now) return lease.owner;
    const members = (await this.instances()).map((i) => i.id);
    return rendezvousOwner(members, sessionKeyId(key)) ?? this.instanceId;
  }

  async instances(): Promise<ClusterInstance[]> {
    const keys: string[] = [];
    for await (const batch of this.o.redis.scanStream({ match: `${this.keyPrefix}instances:*`, count: 100 })) keys.push(...(batch as string[]));
    if (keys.length === 0) return [];
    const values = await this.o.redis.mget(...keys);
    return values
      .flatMap((value) => (value ? [JSON.parse(value) as ClusterInstance] : []))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  onChange(listener: (change: { key: SessionKey; owned: boolean }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- leases, for the leased engine and the fenced store ---------------------------------------

  /** Takes (or keeps) `key`'s lease; its epoch, or null when another instance holds it. */
  async acquire(key: SessionKey): Promise<number | null> {
    if (this.leaving) return null;
    const now = this.o.clock.now();
    const got = await this.o.store.acquireLease(authKey(key), this.instanceId, this.leaseTtlMs, now);
    if (!got) return null;
    const id = sessionKeyId(key);
    const before = this.held.get(id);
    this.held.set(id, { key, epoch: got.epoch, acquiredAt: before?.epoch === got.epoch ? before.acquiredAt : now });
    this.epochs.set(id, got.epoch);
    if (!before) this.notify(key, true);
    return got.epoch;
  }

  /** Lets `key` go at once (its engine already stopped here), so another instance may take it. */
  async release(key: SessionKey): Promise<void> {
    const id = sessionKeyId(key);
    if (!this.held.delete(id)) return;
    await this.o.store.releaseLease(authKey(key), this.instanceId);
    this.notify(key, false);
  }

  holds(key: SessionKey): boolean {
    return this.held.has(sessionKeyId(key));
  }

  /**
   * The fence for writes about `key`: the last epoch this instance held it at (a lost lease keeps
   * it, so late writes are refused), or epoch 0 when never held here (refused while another
   * instance holds the lease: a non-owner never overwrites what the owner writes).
   */
  fenceFor(key: SessionKey): LeaseFence {
    const epoch = this.epochs.get(sessionKeyId(key));
    return epoch === undefined ? { key: authKey(key), owner: this.instanceId, epoch: 0, now: this.o.clock.now() } : { key: authKey(key), owner: this.instanceId, epoch };
  }

  // --- the loop ----------------------------------------------------------------------------------

  /**
   * One round: renew (dropping what was lost), heartbeat, take over orphans. The leases live in
   * the database and the membership in Redis: without Redis this instance keeps and renews what it
   * runs and only stops taking sessions over. Exposed for tests.
   */
  async tick(): Promise<void> {
    if (this.leaving) return;
    const now = this.o.clock.now();
    try {
      await this.renew(now);
    } catch (err) {
      this.warnOnce('renew', err);
      // Our leases run out before the next tick could renew them: stop now, before another
      // instance may take them (never two sockets for one device).
      if (this.o.clock.now() + this.every >= this.lastRenewal + this.leaseTtlMs) {
        for (const held of [...this.held.values()]) await this.lose(held.key, 'could not renew the lease in time');
      }
      return;
    }
    try {
      await this.heartbeat(now);
      await this.takeOver(now);
    } catch (err) {
      this.warnOnce('membership', err);
      return;
    }
    this.lastWarning = '';
  }

  private lastWarning = '';

  /** A failing round says so once per distinct failure, not every second. */
  private warnOnce(what: string, err: unknown): void {
    const line = `${what}: ${(err as Error).message}`;
    if (line !== this.lastWarning) this.o.logger.warn({ err }, `cluster: ${what} failed; retrying every tick`);
    this.lastWarning = line;
  }

  private async heartbeat(now: number): Promise<void> {
    const me: ClusterInstance = { id: this.instanceId, startedAt: this.startedAt, seenAt: now };
    await this.o.redis.set(this.memberKey, JSON.stringify(me), 'PX', this.leaseTtlMs);
  }

  private async renew(now: number): Promise<void> {
    // Only sessions held before the renewal count: one acquired while it ran is not "lost".
    const before = [...this.held.keys()];
    const renewed = new Set((await this.o.store.renewLeases(this.instanceId, now, this.leaseTtlMs)).map((l) => sessionKeyId(sessionKey(l))));
    this.lastRenewal = now;
    for (const id of before) {
      const held = this.held.get(id);
      if (held && !renewed.has(id)) await this.lose(held.key, 'lease lost');
    }
  }

  private async lose(key: SessionKey, why: string): Promise<void> {
    if (!this.held.delete(sessionKeyId(key))) return;
    this.o.logger.warn({ session: key.name, tenantId: key.tenantId }, `cluster: ${why}; stopping the session here`);
    await this.runner?.drop(key).catch((err: unknown) => this.o.logger.error({ err, session: key.name }, 'cluster: could not stop a lost session'));
    this.notify(key, false);
  }

  /** Sessions that should run, whose lease nobody holds, and that the spread gives to us. */
  private async takeOver(now: number): Promise<void> {
    const { store } = this.o;
    const wanted = [...(await store.listWaSessionsByStatus('CONNECTED')), ...(await store.listWaSessionsByStatus('CONNECTING'))].filter(
      (s) => s.method !== 'cloud-api' && !this.held.has(sessionKeyId({ tenantId: s.tenantId, name: s.name })),
    );
    if (wanted.length === 0) return;
    const leases = new Map((await store.listLeases()).map((l) => [sessionKeyId(sessionKey(l)), l]));
    const members = (await this.instances()).map((i) => i.id);
    if (!members.includes(this.instanceId)) members.push(this.instanceId);
    for (const wa of wanted) {
      // Many orphans (a big instance died): the rest wait for the next tick, so this loop never
      // holds up the renewal of the leases we already have.
      if (this.o.clock.now() - now > this.leaseTtlMs / 3) break;
      const key = { tenantId: wa.tenantId, name: wa.name };
      const id = sessionKeyId(key);
      if (!orphaned(wa, leases.get(id), now) || (this.idleUntil.get(id) ?? 0) > now) continue;
      if (rendezvousOwner(members, id) !== this.instanceId) continue;
      if (this.leaving || (await this.acquire(key)) === null) continue;
      this.o.logger.info({ session: key.name, tenantId: key.tenantId, epoch: this.held.get(id)?.epoch }, 'cluster: took over a session');
      await this.runner?.adopt(key).catch((err: unknown) => this.o.logger.error({ err, session: key.name }, 'cluster: could not resume a session taken over'));
      if (!this.runner?.isRunning(key)) {
        // Nothing to run (no creds, no live widget): let it go rather than hold an idle lease.
        this.idleUntil.set(id, now + IDLE_RETRY_MS);
        await this.release(key);
      }
    }
  }

  // --- hand-over and status --------------------------------------------------------------------------

  /**
   * Graceful stop (SIGTERM): leaves the membership first (no session is given to us any more),
   * then stops each session here and releases its lease, so the others take them over on their
   * next tick instead of after the TTL.
   */
  async leave(): Promise<void> {
    this.leaving = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.o.redis.del(this.memberKey).catch((err: unknown) => this.o.logger.warn({ err }, 'cluster: could not leave the membership'));
    for (const held of [...this.held.values()]) {
      await this.runner?.drop(held.key).catch((err: unknown) => this.o.logger.error({ err, session: held.key.name }, 'cluster: could not stop a session'));
      await this.release(held.key).catch((err: unknown) => this.o.logger.error({ err, session: held.key.name }, 'cluster: could not release a lease'));
    }
  }

  /** Ends the Redis connection (after `leave`). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.leaving = true;
    await this.ticking;
    await this.o.redis.quit().catch(() => this.o.redis.disconnect());
  }

  async status(): Promise<ClusterInfo> {
    const now = this.o.clock.now();
    const [members, leases] = await Promise.all([this.instances(), this.o.store.listLeases()]);
    const live = leases.filter((l) => l.expiresAt > now);
    return {
      mode: 'cluster',
      instanceId: this.instanceId,
      instances: members.map((m) => ({
        id: m.id,
        startedAt: new Date(m.startedAt).toISOString(),
        seenAt: new Date(m.seenAt).toISOString(),
        sessions: live
          .filter((l) => l.owner === m.id)
          .map((l) => ({ session: l.key.sessionName, tenant: l.key.tenantId, leaseAgeMs: now - l.acquiredAt, epoch: l.epoch })),
      })),
    };
  }

  private notify(key: SessionKey, owned: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener({ key, owned });
      } catch (err) {
        this.o.logger.warn({ err }, 'cluster: an ownership listener threw');
      }
    }
  }
}

/**
 * True when a session that should run has nobody running it: its lease is free or expired, and it
 * is linked (reconnects from creds) or was mid-link under a lease that has since ended.
 */
export function orphaned(wa: WaSessionRecord, lease: SessionLease | undefined, now: number): boolean {
  if (lease && lease.expiresAt > now) return false;
  if (wa.status === 'CONNECTED' || wa.statusReason === 'AUTO_RECONNECT') return true;
  return wa.status === 'CONNECTING' && now - wa.updatedAt >= LINK_ADOPT_GRACE_MS;
}
