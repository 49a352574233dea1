// Linking throughput for bench/cluster.bench.ts: N numbers linked at once (BENCH_CLUSTER_LINKS,
// default 30, at most 50: see measureThroughput) through the HTTP API and the emulator's phone
// API (a phone per number), the edge emulator in its own process, TITAN_ENGINE=emulated, against
// (a) one instance and (b) three instances, each run on a throwaway Postgres database and its own
// Redis key prefix (both deleted after) and a fresh emulator, so the two runs share nothing but
// the machine. For (b) the widget sessions are created round-robin over the three instances (a
// session runs on its owner, whichever instance received the create); each widget's stream is
// read through the instance that created it, and its QR scanned by the number's own phone
// through the emulator's phone API. Every instance links one number first (warm-up: JIT,
// Baileys' imports, the key pool's worker), left linked.
//
// links/s: linked numbers / the time from the first create until the last session is connected.
// The ratio 3-vs-1 is printed with no target (the issue sets none). All the processes (emulator,
// instances, Postgres, Redis, this load generator) share the machine: on 2 cores, three instances
// cannot give 3× — expect ≤ ~1.5×, and here (busy machine, 2026-12-01) three linked slower than
// one, 0.6–0.8× (docs/scale-out.md); not how the cluster scales on machines of their own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../packages/server/src/store/test-support/postgres.ts';
import { TEST_REDIS_URL, testPrefix } from '../packages/server/src/cluster/test-support/redis.ts';
import {
  api,
  type Instance,
  linkOn,
  qrOf,
  scan,
  startEmulatorProcess,
  startInstance,
  stop,
  untilEvent,
} from '../packages/server/src/cluster/test-support/processes.ts';

const LINKS = Number(process.env.BENCH_CLUSTER_LINKS ?? 30);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 2);
const LINK_TIMEOUT_MS = 60_000;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere). */
const cpuSeconds = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return NaN;
  }
};

const pct = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

interface LinkResult {
  ok: boolean;
  why: string;
  /** create → connected, ms. */
  ms: number;
  /** create → first QR, ms. */
  qrMs: number;
}

interface Round {
  results: LinkResult[];
  /** From the first create until the last session connected, s. */
  seconds: number;
  linksPerS: number;
  /** Numbers each instance owned once linked (by `GET /api/cluster`). */
  owners: number[];
  /** CPU seconds per linked number during the burst: all instances together, and the emulator. */
  cpuPerLink: { instances: number; emulator: number };
}

export interface ThroughputRun {
  instances: number;
  /** Links per round, rounds. */
  links: number;
  rounds: Round[];
  linked: number;
  failures: number;
  /** Why each failure failed, with counts. */
  whys: Record<string, number>;
  /** All rounds' linked numbers / all rounds' burst seconds. */
  linksPerS: number;
  /** Per link over all rounds: create → connected, ms. */
  p50: number;
  p99: number;
  /** Per link: create → first QR, p50, ms (the rest is scan → connected). */
  qrP50: number;
}

export interface ThroughputFigures {
  one: ThroughputRun;
  three: ThroughputRun;
  ratio: number;
}

/** One user linking one number through `base`: create → stream → QR scanned by its phone → connected. */
async function link(base: string, emulatorUrl: string, session: string, phone: string): Promise<LinkResult> {
  const started = performance.now();
  try {
    const created = await api(base, 'POST', '/api/widget/sessions', { sessionName: session, mode: 'qr' });
    if (created.status !== 201) return { ok: false, why: `create ${created.status}`, ms: performance.now() - started, qrMs: NaN };
    let scanned = 0;
    let scanFailed: string | null = null;
    let ended = '';
    let lastEvent = 'none';
    await untilEvent(
      base,
      created.body.data.widgetToken as string,
      (event, data) => {
        lastEvent = event === 'state' ? `state ${data.phase}` : event;
        const qr = qrOf(event, data);
        if (qr && !scanned) {
          scanned = performance.now();
          scan(emulatorUrl, qr, phone).catch((e: Error) => (scanFailed = e.message));
        }
        if (event === 'failed' || event === 'expired') return Boolean((ended = `${event} ${data.code ?? data.reason ?? ''}`));
        return event === 'connected' || (event === 'state' && data.phase === 'connected');
      },
      LINK_TIMEOUT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message.replace(/ within \d+ ms/, '')} (${scanned ? (scanFailed ? `scan failed: ${scanFailed}` : 'scanned') : 'no QR'}, last: ${lastEvent})`);
    });
    const ok = ended === '';
    return { ok, why: ok ? 'ok' : (scanFailed ?? ended), ms: performance.now() - started, qrMs: scanned ? scanned - started : NaN };
  } catch (error) {
    return { ok: false, why: (error as Error).message.slice(0, 120), ms: performance.now() - started, qrMs: NaN };
  }
}

async function round(count: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'titan-tput-bench-'));
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const instances: Instance[] = [];
  const emulator = await startEmulatorProcess(join(dir, 'edge.json')).catch(async (e) => {
    await prefix.cleanup();
    await db.drop();
    throw e;
  });
  const env = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix.prefix, emulatorUrl: emulator.url, leaseTtlMs: 5_000 };
  try {
    // Started together (the migrations' advisory lock puts them one after the other), so a round
    // of three costs little more set-up time than a round of one; outside the measured window.
    const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startInstance(`tput-${count}-${i}`, env)));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const bases = instances.map((i) => i.base);
    // Every instance sees all of them before anything is linked, so no session is handed over
    // mid-link because the membership changed under it.
    for (const base of bases) {
      for (let tries = 0; ; tries++) {
        const { body } = await api<{ data: { instances: unknown[] } }>(base, 'GET', '/api/cluster');
        if (body.data.instances.length === count) break;
        if (tries > 100) throw new Error(`${base}: sees ${body.data.instances.length} of ${count} instances`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await Promise.all(bases.map((base, i) => linkOn(base, emulator.url, `warmup-${i}`, `1555017${String(i).padStart(4, '0')}`)));

    const names = Array.from({ length: LINKS }, (_, i) => `tput-${i}`);
    const cpu = () => ({ instances: instances.reduce((sum, i) => sum + cpuSeconds(i.child.pid), 0), emulator: cpuSeconds(emulator.child.pid) });
    const cpuBefore = cpu();
    const burstStart = performance.now();
    let lastDone = burstStart;
    const results = await Promise.all(
      names.map(async (name, i) => {
        const r = await link(bases[i % bases.length]!, emulator.url, name, `1555019${String(i).padStart(4, '0')}`);
        if (r.ok) lastDone = Math.max(lastDone, performance.now());
        return r;
      }),
    );
    const seconds = (lastDone - burstStart) / 1000;
    const cpuAfter = cpu();
    const owners: Record<string, number> = {};
    const { body } = await api<{ data: { instances: { id: string; sessions: { session: string }[] }[] } }>(bases[0]!, 'GET', '/api/cluster');
    for (const inst of body.data.instances) owners[inst.id.replace(/^tput-\d+-/, '')] = inst.sessions.filter((s) => s.session.startsWith('tput-')).length;
    const linked = results.filter((r) => r.ok).length;
    return {
      results,
      seconds,
      linksPerS: linked / seconds,
      owners: Object.values(owners),
      cpuPerLink: { instances: (cpuAfter.instances - cpuBefore.instances) / linked, emulator: (cpuAfter.emulator - cpuBefore.emulator) / linked },
    };
  } finally {
    await Promise.all(instances.map((i) => stop(i.child, 'SIGKILL')));
    await stop(emulator.child);
    await prefix.cleanup();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(instances: number, rounds: Round[]): ThroughputRun {
  const all = rounds.flatMap((r) => r.results);
  const linked = all.filter((r) => r.ok);
  const whys: Record<string, number> = {};
  for (const r of all) if (!r.ok) whys[r.why] = (whys[r.why] ?? 0) + 1;
  return {
    instances,
    links: LINKS,
    rounds,
    linked: linked.length,
    failures: all.length - linked.length,
    whys,
    linksPerS: linked.length / rounds.reduce((sum, r) => sum + r.seconds, 0),
    p50: pct(linked.map((r) => r.ms), 50),
    p99: pct(linked.map((r) => r.ms), 99),
    qrP50: pct(linked.map((r) => r.qrMs), 50),
  };
}

/**
 * BENCH_CLUSTER_ROUNDS rounds of each (default 2: about 70 s in all on a busy 2-core machine, a
 * round of each about 35 s), in the order 1, 3, 3, 1, 1, 3, … so that a drift in what else the
 * shared machine is doing weighs on both alike; each round is a fresh cluster (database, Redis
 * prefix, emulator, instances). One round is noisy on a shared machine (the ratio read 2.7 once,
 * when other work slowed a one-instance round to 36 s).
 */
export async function measureThroughput(): Promise<ThroughputFigures> {
  // Every widget stream comes from 127.0.0.1, and an instance holds 50 streams per IP
  // (STREAMS_PER_IP, routes/stream-limits.ts): past 50 on one instance, the rest are refused and
  // count as failures ("the event stream ended (no QR…)"), which real users on their own IPs
  // would not meet.
  if (LINKS > 50) console.log(`  (warning: BENCH_CLUSTER_LINKS=${LINKS} > 50 streams per IP per instance: the one-instance rounds will refuse ${LINKS - 50} streams a round)`);
  const one: Round[] = [];
  const three: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? [1, 3] : [3, 1];
    for (const count of order) (count === 1 ? one : three).push(await round(count));
  }
  const a = summary(1, one);
  const b = summary(3, three);
  return { one: a, three: b, ratio: b.linksPerS / a.linksPerS };
}
