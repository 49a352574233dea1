// Cluster mode end to end, every part its own process: the edge emulator, three server instances
// started from main.ts with env only (TITAN_ENGINE=emulated, TITAN_EMULATOR_URL,
// TITAN_DATABASE_URL, TITAN_REDIS_URL), one Postgres, one Redis. A widget created on a, streamed
// on b and scanned through c links on its owner, and its stream resumes on c with the same ids;
// the number survives kill -9 of that owner (re-owned and sending again within 10 s, from its stored creds),
// a widget mid-link gets a fresh QR elsewhere, SIGTERM hands over without waiting for the lease
// to run out, and the emulator never sees two sockets of one device at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../store/test-support/postgres.js';
import {
  api,
  type Emulator,
  type Instance,
  loginStats,
  ownerOf,
  qrOf,
  readEvents,
  scan,
  sendUntilAccepted,
  startEmulatorProcess,
  startInstance,
  stop,
  untilEvent,
} from './test-support/processes.js';
import { redisUnavailable, TEST_REDIS_URL, testPrefix } from './test-support/redis.js';
import { rendezvousOwner } from './rendezvous.js';
import { sessionKeyId } from '../whatsapp/engine.js';

const IDS = ['titan-a', 'titan-b', 'titan-c'];
/** The instance the spread gives a session of tenant `default` (the bootstrap key's) while all three live. */
const spreadOwner = (name: string) => rendezvousOwner(IDS, sessionKeyId({ tenantId: 'default', name }));

const eventually = async (check: () => Promise<boolean>, what: string, ms = 3_000) => {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
  assert.fail(`${what}: not within ${ms} ms`);
};

const skip = (await postgresUnavailable()) ?? (await redisUnavailable()) ?? undefined;
/** Long enough that "no wait for the TTL" is measurable, short enough for the 10 s failover. */
const LEASE_TTL_MS = 4_000;

describe('cluster mode: three instances, one emulator, kill -9 and SIGTERM', { skip, timeout: 240_000 }, () => {
  let dir: string;
  let db: TestDatabase;
  let prefix: ReturnType<typeof testPrefix>;
  let emulator: Emulator;
  const instances = new Map<string, Instance>();
  const alive = () => [...instances.values()].filter((i) => i.child.exitCode === null && i.child.signalCode === null);
  /** The base URL of whichever live instance `GET /api/cluster` (asked of a live one) says owns `session`. */
  const ownerBase = async (session: string) => {
    const [any] = alive();
    const owner = any ? await ownerOf(any.base, session).catch(() => null) : null;
    return owner ? (instances.get(owner)?.base ?? null) : null;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'titan-cluster-'));
    db = await createTestDatabase();
    prefix = testPrefix();
    emulator = await startEmulatorProcess(join(dir, 'edge.json'));
    const env = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix.prefix, emulatorUrl: emulator.url, leaseTtlMs: LEASE_TTL_MS };
    // One after the other: the first migrates, and three tsx start-ups at once would crowd a small CI box.
    for (const id of IDS) instances.set(id, await startInstance(id, env));
  });

  after(async () => {
    await Promise.all([...instances.values()].map((i) => stop(i.child, 'SIGKILL')));
    if (emulator) await stop(emulator.child);
    await prefix?.cleanup();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('all three instances are members; a widget created on a, streamed on b, scanned through c links on the owner the spread picks; its stream resumes on c', async () => {
    const [a, b, c] = IDS.map((id) => instances.get(id)!);
    const cluster = await api(a.base, 'GET', '/api/cluster');
    assert.equal(cluster.body.data.mode, 'cluster');
    assert.deepEqual(cluster.body.data.instances.map((i: { id: string }) => i.id), IDS);
    const created = await api(a.base, 'POST', '/api/widget/sessions', { sessionName: 'failover', mode: 'qr' });
    assert.equal(created.status, 201);
    const token = created.body.data.widgetToken as string;
    const onB: { event: string; id: number }[] = [];
    let scanned: Promise<Response> | null = null;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    await readEvents(`${b.base}/widget/api/events?token=${token}`, (event, data, id) => {
      onB.push({ event, id });
      const qr = qrOf(event, data);
      // The virtual phone through c: the shared emulator's phone scans what b's stream shows.
      if (qr && !scanned) scanned = fetch(`${c.base}/dev/simulator/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr, phoneNumber: '15550170001' }) });
      return event === 'connected';
    }, abort.signal).finally(() => clearTimeout(timer));
    assert.equal((await scanned!)?.status, 200, 'the scan through c was accepted');
    const owner = await ownerOf(a.base, 'failover');
    assert.equal(owner, spreadOwner('failover'));
    assert.equal(await ownerOf(c.base, 'failover'), owner, 'every instance sees the same owner');
    // The tab reconnects to c from the second event it had: c replays every later id once.
    const ids = onB.map((f) => f.id);
    assert.deepEqual(ids, ids.map((_, k) => ids[0]! + k), 'b streamed consecutive ids');
    const onC: { event: string; id: number }[] = [];
    const resume = new AbortController();
    const resumeTimer = setTimeout(() => resume.abort(), 15_000);
    await readEvents(`${c.base}/widget/api/events?token=${token}&lastEventId=${ids[1]}`, (event, _data, id) => {
      onC.push({ event, id });
      return id === ids.at(-1);
    }, resume.signal).finally(() => clearTimeout(resumeTimer));
    assert.equal(onC[0]!.event, 'state', 'a resumed stream starts with the state');
    assert.deepEqual(onC.slice(1), onB.slice(2), 'c replays the events after the last one seen on b: same ids, none lost or repeated');
    // Through a whoever owns it: a non-owner forwards the send to the owner's socket.
    await sendUntilAccepted(async () => a.base, 'failover', 10_000);
  });

  test('kill -9 of the owner: another instance owns the session and sends through it within 10 s; a widget mid-link gets a fresh QR there', async () => {
    const ownerId = (await ownerOf(instances.get('titan-a')!.base, 'failover'))!;
    const owner = instances.get(ownerId)!;
    const entry = [...instances.values()].find((i) => i !== owner)!;
    // A second number mid-link on the same owner, its widget served by another instance: its QR
    // is showing, nobody has scanned it yet.
    const midlink = Array.from({ length: 60 }, (_, i) => `midlink-${i}`).find((name) => spreadOwner(name) === ownerId)!;
    const created = await api(entry.base, 'POST', '/api/widget/sessions', { sessionName: midlink, mode: 'qr' });
    const token = created.body.data.widgetToken as string;
    const firstQr = qrOf('qr', await untilEvent(entry.base, token, (event, data) => Boolean(qrOf(event, data)) && event === 'qr'));
    assert.equal(await ownerOf(entry.base, midlink), ownerId);

    const killedAt = Date.now();
    owner.child.kill('SIGKILL');
    await owner.exited;
    const tookMs = await sendUntilAccepted(() => ownerBase('failover'), 'failover', 10_000);
    const newOwner = await ownerOf(alive()[0]!.base, 'failover');
    assert.ok(newOwner && newOwner !== ownerId, String(newOwner));
    assert.ok(Date.now() - killedAt <= 10_000, `re-owned and sending ${Date.now() - killedAt} ms after the kill`);
    const session = await api(instances.get(newOwner!)!.base, 'GET', '/api/sessions/failover');
    assert.equal(session.body.data.status, 'CONNECTED');
    const cluster = await api(instances.get(newOwner!)!.base, 'GET', '/api/cluster');
    const lease = cluster.body.data.instances.flatMap((i: { sessions: { session: string; epoch: number }[] }) => i.sessions).find((l: { session: string }) => l.session === 'failover');
    assert.equal(lease.epoch, 2, 'a new owner, a new fencing epoch');
    console.log(`  kill -9 → sending again through ${newOwner} after ${Date.now() - killedAt} ms (${tookMs} ms of polling)`);

    // The widget mid-link: a fresh QR cycle on its new owner; scanning it is all the user does.
    let midOwner: string | null = null;
    for (const deadline = Date.now() + 10_000; !midOwner && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      midOwner = await ownerOf(alive()[0]!.base, midlink);
    }
    assert.ok(midOwner && midOwner !== ownerId, `${midlink} re-owned (${midOwner})`);
    const base = instances.get(midOwner)!.base;
    let scanned: string | null = null;
    await untilEvent(base, token, (event, data) => {
      const qr = qrOf(event, data);
      if (qr && !scanned) {
        scanned = qr;
        void scan(emulator.url, qr, '15550170002');
      }
      return event === 'connected' || (event === 'state' && data.phase === 'connected');
    });
    assert.notEqual(scanned, firstQr, 'a fresh QR, not the dead socket\'s');
    // On Postgres the row follows the event by a few milliseconds (docs/scale-out.md).
    await eventually(async () => (await api(base, 'GET', `/api/sessions/${midlink}`)).body.data.status === 'CONNECTED', `${midlink} CONNECTED in the store`);
  });

  test('SIGTERM of an owner hands its sessions over at once, without waiting for the lease TTL', async () => {
    const owner = await ownerOf(alive()[0]!.base, 'failover');
    const leaving = instances.get(owner!)!;
    const stays = alive().find((i) => i !== leaving)!;
    const signalled = Date.now();
    leaving.child.kill('SIGTERM');
    await leaving.exited;
    assert.equal(leaving.child.exitCode, 0, 'a clean shutdown');
    await sendUntilAccepted(async () => ((await ownerOf(stays.base, 'failover')) === stays.id ? stays.base : null), 'failover', 10_000);
    const handOverMs = Date.now() - signalled;
    console.log(`  SIGTERM → sending again through ${stays.id} after ${handOverMs} ms (lease TTL ${LEASE_TTL_MS} ms)`);
    assert.ok(handOverMs < LEASE_TTL_MS, `hand-over took ${handOverMs} ms: it waited for the lease to expire`);
    assert.deepEqual((await api(stays.base, 'GET', '/api/cluster')).body.data.instances.map((i: { id: string }) => i.id), [stays.id]);
  });

  test('the emulator never had two sockets of one device logged in at once', async () => {
    const stats = await loginStats(emulator.url);
    assert.equal(stats.concurrent, 0, JSON.stringify(stats.devices));
    const failover = Object.entries(stats.devices).find(([jid]) => jid.startsWith('15550170001'))!;
    assert.ok(failover[1].logins >= 3, `the failover number logged in on each of its owners: ${JSON.stringify(stats.devices)}`);
  });
});
