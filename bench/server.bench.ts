// Throughput of `POST /api/widget/sessions` (API key check, zod, two SQLite inserts committed
// before the 201, a JWT) as a ratio to a bare Express JSON route, both measured here with
// autocannon at 50 connections. Each request gets a new default session name, so every request
// inserts a WhatsApp session row as well as the widget session. The servers run in a child process
// so the load generator does not share their event loop; the same file is that child when started
// with `--target`.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurePair, median, serveTargetPair, withTargetPair } from './load-pair.ts';
import type { BenchResult } from './run.ts';

const CONNECTIONS = 50;
const WARMUP_S = 1;
/** 3 rounds of 4 s per target: ~26 s in all. */
const ROUNDS = 3;
const ROUND_S = 4;

/** The child: a bare Express app and the real app on one SQLite file, ports on stdout. */
async function serveTargets(): Promise<void> {
  // bench/ is not a package: take express and pino from the server package, the app from source.
  const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
  const express = require('express') as typeof import('express');
  const { pino } = require('pino') as typeof import('pino');
  const { createApp } = await import('../packages/server/src/app.ts');
  const { createApiKey } = await import('../packages/server/src/api-keys.ts');
  const { SqliteStore } = await import('../packages/server/src/store/index.ts');
  const { systemClock } = await import('../packages/server/src/clock.ts');
  const { idleEngine, testConfig } = await import('../packages/server/src/test-support/server.ts');
  const dir = mkdtempSync(join(tmpdir(), 'titan-bench-'));

  const bare = express();
  bare.use(express.json());
  bare.post('/echo', (req, res) => {
    res.status(201).json({ success: true, data: { echo: req.body } });
  });

  const store = new SqliteStore(join(dir, 'bench.db'));
  const apiKey = (await createApiKey(store, { tenantId: 'bench', scopes: ['sessions:manage'] })).key;
  // Logging as in production (info, one line per request), written to /dev/null.
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  // The app as the tests build it: a do-nothing engine (only the route's own work is measured).
  const config = testConfig({ dbPath: join(dir, 'bench.db'), secret: 'bench-secret-0123456789-abcdefghijklmnop' });
  const engine = idleEngine();
  // The per-key limiter stays in the measured path, with a budget the bench never exhausts.
  const app = createApp({ config, store, engine, clock: systemClock, logger, limits: { widgetSessions: { perMinute: Number.MAX_SAFE_INTEGER } } });

  await serveTargetPair(bare, app, apiKey, async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

export default async function serverBench(): Promise<BenchResult[]> {
  const file = fileURLToPath(import.meta.url);
  // BENCH_CPU_PROF=<dir> writes a CPU profile of the servers there.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return withTargetPair(file, '--target', { nodeArgs: prof }, async (targets) => {
    const body = JSON.stringify({ mode: 'qr', allowedOrigins: ['https://app.example.com'], locale: 'pt-BR' });
    const [bare, sessions] = await measurePair(
      { url: `http://127.0.0.1:${targets.bare}/echo`, headers: {}, body },
      { url: `http://127.0.0.1:${targets.app}/api/widget/sessions`, headers: { authorization: `Bearer ${targets.apiKey}` }, body },
      { connections: CONNECTIONS, warmupS: WARMUP_S, rounds: ROUNDS, roundS: ROUND_S },
    );
    const bareRps = bare.requests / bare.seconds;
    const sessionsRps = sessions.requests / sessions.seconds;
    return [
      { name: 'bare Express JSON route', value: Math.round(bareRps), unit: 'req/s' },
      { name: 'POST /api/widget/sessions', value: Math.round(sessionsRps), unit: 'req/s' },
      { name: 'POST /api/widget/sessions / bare Express (throughput ratio)', value: sessionsRps / bareRps, unit: '', target: { op: '>=', value: 0.5 } },
      { name: `POST /api/widget/sessions p99 latency, ${CONNECTIONS} connections`, value: median(sessions.p99), unit: 'ms' },
      { name: `bare Express p99 latency, ${CONNECTIONS} connections`, value: median(bare.p99), unit: 'ms' },
    ];
  });
}

if (process.argv.includes('--target')) await serveTargets();
