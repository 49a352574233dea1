// Failover time for bench/cluster.bench.ts: three instances as processes (main.ts, env only) on
// one Postgres, one Redis and the edge emulator in its own process; six linked numbers. Each
// round kills the owner of one number with SIGKILL and times, from the kill, until every number
// that owner ran sends a text again through its new owner; the killed instance is then started
// again (under a new id) so each round starts from three. Lease TTL: the default, 3 s
// (BENCH_LEASE_TTL_MS to change it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LEASE_TTL_MS } from '../packages/server/src/config.ts';
import { createTestDatabase } from '../packages/server/src/store/test-support/postgres.ts';
import { TEST_REDIS_URL, testPrefix } from '../packages/server/src/cluster/test-support/redis.ts';
import {
  type Instance,
  linkOn,
  ownerOf,
  sendUntilAccepted,
  startEmulatorProcess,
  startInstance,
  stop,
  loginStats,
} from '../packages/server/src/cluster/test-support/processes.ts';

const KILLS = Number(process.env.BENCH_FAILOVER_KILLS ?? 20);
const NUMBERS = 6;
const LEASE_TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? DEFAULT_LEASE_TTL_MS);

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export interface FailoverFigures {
  kills: number;
  ttlMs: number;
  /** Per kill: ms from SIGKILL until every number the victim ran sent again elsewhere. */
  times: number[];
  p50: number;
  p99: number;
  /** Logins the emulator saw while another socket of the same device was live (must be 0). */
  concurrentLogins: number;
}

export async function measureFailover(): Promise<FailoverFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'titan-failover-bench-'));
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const emulator = await startEmulatorProcess(join(dir, 'edge.json'));
  const env = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix.prefix, emulatorUrl: emulator.url, leaseTtlMs: LEASE_TTL_MS };
  const live = new Map<string, Instance>();
  let started = 0;
  const spawnOne = async () => {
    const instance = await startInstance(`bench-${started++}`, env);
    live.set(instance.id, instance);
  };
  try {
    for (let i = 0; i < 3; i++) await spawnOne();
    const sessions = Array.from({ length: NUMBERS }, (_, i) => `number-${i}`);
    const bases = [...live.values()].map((i) => i.base);
    for (const [i, name] of sessions.entries()) await linkOn(bases[i % bases.length]!, emulator.url, name, `1555018${String(i).padStart(4, '0')}`);
    const anyBase = () => [...live.values()][0]!.base;
    const ownerBase = async (session: string) => {
      const owner = await ownerOf(anyBase(), session).catch(() => null);
      return owner ? (live.get(owner)?.base ?? null) : null;
    };

    const times: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const victimId = await ownerOf(anyBase(), sessions[round % NUMBERS]!);
      const victim = live.get(victimId!)!;
      const ran = [];
      for (const name of sessions) if ((await ownerOf(anyBase(), name)) === victim.id) ran.push(name);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      live.delete(victim.id);
      await Promise.all(ran.map((name) => sendUntilAccepted(() => ownerBase(name), name, 30_000)));
      times.push(Date.now() - killedAt);
      await spawnOne();
    }
    const stats = await loginStats(emulator.url);
    return { kills: KILLS, ttlMs: LEASE_TTL_MS, times, p50: pct(times, 50), p99: pct(times, 99), concurrentLogins: stats.concurrent };
  } finally {
    await Promise.all([...live.values()].map((i) => stop(i.child, 'SIGKILL')));
    await stop(emulator.child);
    await prefix.cleanup();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
