// Ownership against real Postgres and Redis, several instances in one process (each its own
// ClusterOwnership, Redis client and store pool), the loop driven by hand (`tick`) so every step
// is deterministic. The multi-process failover is cluster.e2e.test.ts.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { systemClock } from '../clock.js';
import { StaleLeaseError } from '../store/leases.js';
import { PostgresStore } from '../store/postgres.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../store/test-support/postgres.js';
import type { WaSessionRecord } from '../store/types.js';
import { type SessionKey, sessionKeyId } from '../whatsapp/engine.js';
import { fencedStore } from './fenced-store.js';
import { ClusterOwnership, LINK_ADOPT_GRACE_MS, orphaned, type SessionRunner } from './ownership.js';
import { newRedis, redisUnavailable, testPrefix } from './test-support/redis.js';

const skip = (await postgresUnavailable()) ?? (await redisUnavailable()) ?? undefined;
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stands in for linking + engine: records what the loop asked for. */
class FakeRunner implements SessionRunner {
  readonly running = new Set<string>();
  readonly dropped: string[] = [];
  async adopt(key: SessionKey) {
    this.running.add(sessionKeyId(key));
  }
  async drop(key: SessionKey) {
    this.running.delete(sessionKeyId(key));
    this.dropped.push(key.name);
  }
  isRunning(key: SessionKey) {
    return this.running.has(sessionKeyId(key));
  }
}

describe('cluster ownership (Postgres + Redis)', { skip }, () => {
  let db: TestDatabase;
  let seed: PostgresStore;
  let redisPrefix: ReturnType<typeof testPrefix>;
  const opened: { ownership: ClusterOwnership; store: PostgresStore }[] = [];

  before(async () => {
    db = await createTestDatabase();
    seed = await PostgresStore.open(db.url, { max: 2 });
  });
  after(async () => {
    await seed.close();
    await db.drop();
  });
  beforeEach(() => {
    redisPrefix = testPrefix();
  });
  afterEach(async () => {
    for (const { ownership, store } of opened.splice(0)) {
      await ownership.close();
      await store.close();
    }
    await redisPrefix.cleanup();
    await seed.close();
    await db.drop();
    db = await createTestDatabase();
    seed = await PostgresStore.open(db.url, { max: 2 });
  });

  /** An instance: its own pool and Redis connection, the loop's timer parked (tests call `tick`). */
  async function instance(id: string, leaseTtlMs: number, runner = new FakeRunner()) {
    const store = await PostgresStore.open(db.url, { max: 2 });
    const ownership = new ClusterOwnership({ store, redis: newRedis(), instanceId: id, prefix: redisPrefix.prefix, leaseTtlMs, clock: systemClock, logger, manual: true });
    opened.push({ ownership, store });
    await ownership.join(runner);
    return { ownership, runner, store };
  }

  async function linkedSessions(n: number, status: Partial<WaSessionRecord> = { status: 'CONNECTED', method: 'qr' }): Promise<SessionKey[]> {
    const keys: SessionKey[] = [];
    for (let i = 0; i < n; i++) {
      const key = { tenantId: 'acme', name: `s${String(i).padStart(2, '0')}` };
      await seed.ensureWaSession(key.tenantId, key.name);
      await seed.updateWaSession(key.tenantId, key.name, status);
      keys.push(key);
    }
    return keys;
  }

  const leaseCounts = async () => {
    const now = Date.now();
    const counts = new Map<string, number>();
    for (const l of await seed.listLeases()) if (l.expiresAt > now) counts.set(l.owner, (counts.get(l.owner) ?? 0) + 1);
    return counts;
  };

  test('60 linked sessions over 3 instances: each takes its rendezvous share, none above 1.5x even, each adopted once', async () => {
    await linkedSessions(60);
    const nodes = [await instance('titan-a', 10_000), await instance('titan-b', 10_000), await instance('titan-c', 10_000)];
    for (const node of nodes) await node.ownership.tick();
    for (const node of nodes) await node.ownership.tick(); // a second round changes nothing
    const counts = await leaseCounts();
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 60);
    for (const id of ['titan-a', 'titan-b', 'titan-c']) assert.ok((counts.get(id) ?? 0) <= 30 && (counts.get(id) ?? 0) > 0, `${id}: ${counts.get(id)} (${[...counts]})`);
    for (const node of nodes) assert.equal(node.runner.running.size, counts.get(node.ownership.instanceId));
    const status = await nodes[0]!.ownership.status();
    assert.equal(status.mode, 'cluster');
    assert.deepEqual(status.instances.map((i) => [i.id, i.sessions.length]), [...counts].sort());
    assert.ok(status.instances.every((i) => i.sessions.every((s) => s.epoch === 1 && s.leaseAgeMs! >= 0)));
  });

  test('kill: a dead owner\'s sessions are re-owned by the others once its lease expires, spread over them; its late writes are refused', async () => {
    const keys = await linkedSessions(30);
    const ttl = 800;
    const a = await instance('titan-a', ttl);
    const b = await instance('titan-b', ttl);
    const c = await instance('titan-c', ttl);
    for (const node of [a, b, c]) await node.ownership.tick();
    const ofA = keys.filter((k) => a.ownership.holds(k));
    assert.ok(ofA.length > 0);
    // titan-a stops heartbeating and renewing, as if killed (its leases stay in the table).
    const zombie = fencedStore(a.store, a.ownership);
    // b and c go on as their timers would (a third of the TTL apart) until a's leases are gone.
    for (let t = 0; t <= ttl + 300; t += ttl / 4) {
      await b.ownership.tick();
      await c.ownership.tick();
      await sleep(ttl / 4);
    }
    for (const key of ofA) assert.ok(b.ownership.holds(key) !== c.ownership.holds(key), `${key.name} owned by exactly one of b, c`);
    assert.ok(ofA.some((k) => b.ownership.holds(k)) && ofA.some((k) => c.ownership.holds(k)), "a's sessions spread over b and c");
    assert.equal((await leaseCounts()).get('titan-a'), undefined);
    const lease = await seed.getLease({ tenantId: 'acme', sessionName: ofA[0]!.name });
    assert.equal(lease?.epoch, 2, 'the owner changed: a new epoch');
    await assert.rejects(zombie.writeCreds({ tenantId: 'acme', sessionName: ofA[0]!.name }, 'late'), StaleLeaseError);
    assert.equal(await seed.readCreds({ tenantId: 'acme', sessionName: ofA[0]!.name }), null);
  });

  test('a lease lost while paused: the next tick stops the session here at once and says so', async () => {
    const [key] = await linkedSessions(1, { status: 'DISCONNECTED' });
    const b = await instance('titan-b', 500);
    const c = await instance('titan-c', 500);
    assert.equal(await b.ownership.acquire(key!), 1);
    b.runner.running.add(sessionKeyId(key!));
    const changes: boolean[] = [];
    b.ownership.onChange((change) => changes.push(change.owned));
    await sleep(600); // b "paused" past its TTL
    assert.equal(await c.ownership.acquire(key!), 2);
    assert.equal(await b.ownership.ownerOf(key!), 'titan-c');
    await b.ownership.tick();
    assert.deepEqual(b.runner.dropped, [key!.name]);
    assert.equal(b.ownership.holds(key!), false);
    assert.deepEqual(changes, [false]);
    assert.deepEqual(b.ownership.fenceFor(key!), { key: { tenantId: 'acme', sessionName: key!.name }, owner: 'titan-b', epoch: 1 }, 'its writes stay fenced at the old epoch');
  });

  test('the database unreachable: sessions keep running until their leases could have run out, then stop here', async () => {
    const [key] = await linkedSessions(1, { status: 'DISCONNECTED' });
    const b = await instance('titan-b', 600);
    await b.ownership.acquire(key!);
    b.runner.running.add(sessionKeyId(key!));
    await b.store.close(); // every query now fails
    await b.ownership.tick();
    assert.deepEqual(b.runner.dropped, [], 'one failed renewal: the lease still has most of its TTL');
    await sleep(450);
    await b.ownership.tick();
    assert.deepEqual(b.runner.dropped, [key!.name], 'stopped before the lease could expire and be taken');
  });

  test('leave (SIGTERM): the leaving instance stops and releases everything; the others take over at once, not after the TTL', async () => {
    await linkedSessions(20);
    const a = await instance('titan-a', 60_000);
    const b = await instance('titan-b', 60_000);
    await a.ownership.tick();
    await b.ownership.tick();
    const held = a.runner.running.size;
    assert.ok(held > 0);
    await a.ownership.leave();
    assert.equal(a.runner.running.size, 0, 'every session stopped');
    assert.equal(a.runner.dropped.length, held);
    assert.deepEqual((await b.ownership.instances()).map((i) => i.id), ['titan-b'], 'a left the membership');
    const started = Date.now();
    await b.ownership.tick();
    assert.equal(b.runner.running.size, 20);
    assert.ok(Date.now() - started < 5_000);
  });

  test('ownerOf: the lease holder while its lease lives, else the spread over live members', async () => {
    const a = await instance('titan-a', 10_000);
    await instance('titan-b', 10_000);
    const key = { tenantId: 'acme', name: 'free' };
    const spread = await a.ownership.ownerOf(key);
    assert.ok(['titan-a', 'titan-b'].includes(spread));
    const other = spread === 'titan-a' ? 'titan-b' : 'titan-a';
    await seed.acquireLease({ tenantId: 'acme', sessionName: 'free' }, other, 10_000, Date.now());
    assert.equal(await a.ownership.ownerOf(key), other);
    const members = await a.ownership.instances();
    assert.deepEqual(members.map((m) => m.id), ['titan-a', 'titan-b']);
    assert.ok(members.every((m) => m.seenAt >= m.startedAt));
  });
});

test('orphaned: who may be taken over (a table)', () => {
  const now = 1_000_000;
  const wa = (over: Partial<WaSessionRecord>): WaSessionRecord => ({
    tenantId: 't', name: 'n', status: 'CONNECTED', statusReason: null, method: 'qr', phone: null, pushName: null, cloudApi: null, createdAt: 0, updatedAt: now, ...over,
  });
  const lease = (expiresAt: number) => ({ key: { tenantId: 't', sessionName: 'n' }, owner: 'x', epoch: 1, acquiredAt: 0, expiresAt });
  const CASES: [string, WaSessionRecord, ReturnType<typeof lease> | undefined, boolean][] = [
    ['linked, never leased (cluster just turned on)', wa({}), undefined, true],
    ['linked, lease expired (owner killed)', wa({}), lease(now - 1), true],
    ['linked, lease released (owner left)', wa({}), lease(0), true],
    ['linked, lease alive', wa({}), lease(now + 1), false],
    ['reconnecting, lease expired', wa({ status: 'CONNECTING', statusReason: 'AUTO_RECONNECT' }), lease(now - 1), true],
    ['mid-link, status just written (someone is starting it)', wa({ status: 'CONNECTING', statusReason: 'SCAN_QR', updatedAt: now - 10 }), lease(0), false],
    ['mid-link, quiet past the grace, lease ended', wa({ status: 'CONNECTING', statusReason: 'SCAN_QR', updatedAt: now - LINK_ADOPT_GRACE_MS }), lease(now - 1), true],
    ['mid-link, lease alive', wa({ status: 'CONNECTING', statusReason: 'PAIRING_CODE', updatedAt: 0 }), lease(now + 1), false],
  ];
  for (const [name, session, l, expected] of CASES) assert.equal(orphaned(session, l, now), expected, name);
});
