// Scale-out figures. `POST /api/widget/sessions` on the Postgres store (API key check, zod, one
// statement of three inserts committed before the 201, a JWT) as a ratio to a bare Express
// route doing one INSERT of the same widget session row with `pg`, both on one throwaway
// database of TITAN_TEST_POSTGRES_URL's server, 50 connections, a pool of 10 each. Then cluster
// mode's failover time over repeated kill -9 (cluster-failover.ts; needs Redis too), and linking
// throughput with 1 and with 3 instances (cluster-throughput.ts; Postgres and Redis).
// BENCH_CLUSTER_ONLY=create|failover|throughput (comma-separated) runs only those parts.
// The servers run in a child process (this file with `--pg-target`), away from the load generator.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { measureFailover } from './cluster-failover.ts';
import { measureThroughput } from './cluster-throughput.ts';
import { measurePair, median, serveTargetPair, withTargetPair } from './load-pair.ts';
import type { BenchResult } from './run.ts';

const PAIR = { connections: 50, warmupS: 1, rounds: 3, roundS: 4 };

async function serveTargets(): Promise<void> {
  const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
  const express = require('express') as typeof import('express');
  const pg = require('pg') as typeof import('pg');
  const { pino } = require('pino') as typeof import('pino');
  const { createApp } = await import('../packages/server/src/app.ts');
  const { createApiKey } = await import('../packages/server/src/api-keys.ts');
  const { PostgresStore } = await import('../packages/server/src/store/index.ts');
  const { createTestDatabase } = await import('../packages/server/src/store/test-support/postgres.ts');
  const { systemClock } = await import('../packages/server/src/clock.ts');
  const { idleEngine, testConfig } = await import('../packages/server/src/test-support/server.ts');

  const db = await createTestDatabase();
  const store = await PostgresStore.open(db.url);
  const apiKey = (await createApiKey(store, { tenantId: 'bench', scopes: ['sessions:manage'] })).key;

  // The baseline: the same row the app writes for a widget session, one INSERT, no transaction.
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  const bare = express();
  bare.use(express.json());
  bare.post('/insert', async (req, res) => {
    const now = Date.now();
    const id = `ws_${randomBytes(12).toString('base64url')}`;
    await pool.query(
      `INSERT INTO widget_sessions (id, tenant_id, session_name, mode, callback_url, allowed_origins, locale, meta_app,
         created_at, expires_at, phase, link_state, last_event_id)
       VALUES ($1, 'bench', $2, $3, NULL, $4, $5, NULL, $6, $7, 'idle', NULL, 0)`,
      [id, `bare-${id}`, req.body.mode, JSON.stringify(req.body.allowedOrigins), req.body.locale, now, now + 3_600_000],
    );
    res.status(201).json({ success: true, data: { session: `bare-${id}` } });
  });

  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const config = testConfig({ databaseUrl: db.url, secret: 'bench-secret-0123456789-abcdefghijklmnop' });
  const app = createApp({ config, store, engine: idleEngine(), clock: systemClock, logger, limits: { widgetSessions: { perMinute: Number.MAX_SAFE_INTEGER } } });

  await serveTargetPair(bare, app, apiKey, async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });
}

const ONLY = (process.env.BENCH_CLUSTER_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const runs = (part: 'create' | 'failover' | 'throughput'): boolean => ONLY.length === 0 || ONLY.includes(part);

export default async function clusterBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  if (runs('create')) results.push(...(await createOnPostgres()));
  if (runs('failover')) results.push(...(await failover()));
  if (runs('throughput')) results.push(...(await throughput()));
  return results;
}

async function failover(): Promise<BenchResult[]> {
  const failover = await measureFailover();
  console.log(`  (failover: ${failover.kills} kills, lease TTL ${failover.ttlMs} ms; times ${failover.times.join(', ')} ms)`);
  return [
    { name: `failover p50 (kill -9 → all its numbers send again), ${failover.kills} kills`, value: failover.p50, unit: 'ms', target: { op: '<=', value: 10_000 } },
    { name: 'failover p99', value: failover.p99, unit: 'ms', target: { op: '<=', value: 10_000 } },
    { name: 'logins while another socket of the device was live', value: failover.concurrentLogins, unit: '', target: { op: '<=', value: 0 } },
  ];
}

async function throughput(): Promise<BenchResult[]> {
  const { one, three, ratio } = await measureThroughput();
  for (const r of [one, three]) {
    const whys = Object.entries(r.whys).map(([why, n]) => `${n} ${why}`).join(', ');
    const rounds = r.rounds.map((x) => `${x.linksPerS.toFixed(2)}/s in ${x.seconds.toFixed(1)} s (owned ${x.owners.join('/')}; CPU/link ${x.cpuPerLink.instances.toFixed(2)} s instances, ${x.cpuPerLink.emulator.toFixed(2)} s emulator)`).join(', ');
    console.log(`  (${r.instances} instance${r.instances > 1 ? 's' : ''}: ${r.linked}/${r.links * r.rounds.length} linked; rounds ${rounds}; create → QR p50 ${Math.round(r.qrP50)} ms${whys ? `; failures: ${whys}` : ''})`);
  }
  // No target: the issue sets none. On a shared 2-core machine (emulator, instances, Postgres,
  // Redis and this load generator on the same cores) expect ≤ ~1.5×.
  return [
    { name: `links per second, 1 instance (${one.links} at once, ${one.rounds.length} rounds)`, value: one.linksPerS, unit: '/s' },
    { name: `links per second, 3 instances (${three.links} at once, round-robin, ${three.rounds.length} rounds)`, value: three.linksPerS, unit: '/s' },
    { name: 'links per second 3 instances / 1 instance (ratio)', value: ratio, unit: '' },
    { name: 'link time p50, 1 instance (create → connected)', value: one.p50, unit: 'ms' },
    { name: 'link time p99, 1 instance', value: one.p99, unit: 'ms' },
    { name: 'link time p50, 3 instances', value: three.p50, unit: 'ms' },
    { name: 'link time p99, 3 instances', value: three.p99, unit: 'ms' },
    { name: 'link failures, 1 instance', value: one.failures, unit: '', target: { op: '<=', value: 0 } },
    { name: 'link failures, 3 instances', value: three.failures, unit: '', target: { op: '<=', value: 0 } },
  ];
}

async function createOnPostgres(): Promise<BenchResult[]> {
  const hint = ' (is Postgres reachable at TITAN_TEST_POSTGRES_URL?)';
  return withTargetPair(fileURLToPath(import.meta.url), '--pg-target', { hint }, async (targets) => {
    const body = JSON.stringify({ mode: 'qr', allowedOrigins: ['https://app.example.com'], locale: 'pt-BR' });
    const [bare, sessions] = await measurePair(
      { url: `http://127.0.0.1:${targets.bare}/insert`, headers: {}, body },
      { url: `http://127.0.0.1:${targets.app}/api/widget/sessions`, headers: { authorization: `Bearer ${targets.apiKey}` }, body },
      PAIR,
    );
    const bareRps = bare.requests / bare.seconds;
    const sessionsRps = sessions.requests / sessions.seconds;
    return [
      { name: 'bare Express + one pg INSERT', value: Math.round(bareRps), unit: 'req/s' },
      { name: 'POST /api/widget/sessions on Postgres', value: Math.round(sessionsRps), unit: 'req/s' },
      { name: 'session create on Postgres / bare pg INSERT (ratio)', value: sessionsRps / bareRps, unit: '', target: { op: '>=', value: 0.5 } },
      { name: `session create on Postgres p99 latency, ${PAIR.connections} connections`, value: median(sessions.p99), unit: 'ms' },
      { name: `bare pg INSERT p99 latency, ${PAIR.connections} connections`, value: median(bare.p99), unit: 'ms' },
    ];
  });
}

if (process.argv.includes('--pg-target')) await serveTargets();
