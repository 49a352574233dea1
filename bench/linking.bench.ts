// 1,000 widget sessions linking at once over the simulator engine at high speed: every QR
// rotation goes through the linking layer (SVG path, SQLite writes, the resume ring, one open
// stream per widget session). Measures event-loop delay, which is what every other request and
// SSE stream of the instance would feel.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BenchResult } from './run.ts';

const SESSIONS = Number(process.env.BENCH_LINKING_SESSIONS ?? 1_000);
/** TITAN_SIM_SPEED of the run: the first QR lives 10 s instead of 60 s, later ones 3.3 s. */
const SPEED = 6;
/** Long enough for the start burst and three full rotations of every session. */
const DURATION_MS = 22_000;

export default async function linkingBench(): Promise<BenchResult[]> {
  const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
  const { pino } = require('pino') as typeof import('pino');
  const { SqliteStore } = await import('../packages/server/src/store/index.ts');
  const { SimulatorEngine } = await import('../packages/server/src/whatsapp/simulator/engine.ts');
  const { createLinking } = await import('../packages/server/src/linking/index.ts');
  const { systemClock } = await import('../packages/server/src/clock.ts');

  const dir = mkdtempSync(join(tmpdir(), 'titan-linking-bench-'));
  const store = new SqliteStore(join(dir, 'bench.db'));
  const logger = pino({ level: 'warn' });
  const engine = new SimulatorEngine({ store, speed: SPEED, logger });
  const config = {
    port: 0, publicUrl: 'http://127.0.0.1', dbPath: join(dir, 'bench.db'), secret: 'bench-secret-0123456789-abcdefghijklmnop',
    engine: 'simulator' as const, simSpeed: SPEED, bootstrapApiKey: null, demo: false,
    meta: { appId: null, configId: null, appSecret: null, graphUrl: 'http://127.0.0.1:9', graphVersion: 'v21.0', sdkUrl: 'https://connect.facebook.net/en_US/sdk.js' },
  };
  const linking = createLinking({ config, store, engine, clock: systemClock, logger });

  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const id = `ws_bench_${i}`;
    await store.createWidgetSession({
      id, tenantId: 'bench', sessionName: `s${i}`, mode: 'all', callbackUrl: null, allowedOrigins: [], locale: null, metaApp: null,
      createdAt: now, expiresAt: now + 900_000,
    }, { generatedName: false });
    ids.push(id);
  }

  let qrEvents = 0;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  // The burst: every widget opens within moments, each request its own macrotask as over HTTP.
  for (const id of ids) {
    await linking.ensureStarted(id);
    await linking.subscribe(id, null, (event) => {
      if (event.event === 'qr') qrEvents++;
    });
    await new Promise((r) => setImmediate(r));
  }
  const burstMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, DURATION_MS - burstMs));
  histogram.disable();
  const cpu = process.cpuUsage(cpuStart);
  const elapsedS = (performance.now() - started) / 1000;
  const allQr = qrEvents + SESSIONS; // the first QR of each was in its `state`, before subscribing

  await linking.close();
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  console.log(`  (${SESSIONS} sessions, speed ${SPEED}, ${elapsedS.toFixed(1)} s, start burst ${(burstMs / 1000).toFixed(1)} s)`);
  return [
    { name: `QR events handled (${SESSIONS} sessions rotating)`, value: allQr, unit: '' },
    { name: 'QR events per second', value: allQr / elapsedS, unit: '/s' },
    { name: 'CPU per QR event (SVG path, SQLite, ring, stream)', value: (cpu.user + cpu.system) / 1000 / allQr, unit: 'ms' },
    { name: 'event-loop delay p50', value: histogram.percentile(50) / 1e6, unit: 'ms' },
    { name: 'event-loop delay p99', value: histogram.percentile(99) / 1e6, unit: 'ms', target: { op: '<=', value: 50 } },
    { name: 'event-loop delay max', value: histogram.max / 1e6, unit: 'ms' },
  ];
}
