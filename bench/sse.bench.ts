// How many SSE streams one instance holds (RSS with them open) and how fast one widget event
// reaches all of them (p99), as a ratio to a bare `node:http` SSE server measured the same way
// in the same run. Servers run in a child process (this file with `--target <kind>`), so the
// 10,000 client sockets in this process neither share their event loop nor count in their RSS.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.ts';
import { epochMs, openClients, percentile as p } from './sse-clients.ts';

/** BENCH_SSE_STREAMS overrides (a smaller machine, or a quick look). */
const STREAMS = Number(process.env.BENCH_SSE_STREAMS ?? 10_000);
const BROADCASTS = 5;
/** Unmeasured broadcasts first, so JIT warm-up is not counted as latency. */
const WARMUP_BROADCASTS = 2;
/** Connections being opened at once: a burst of reconnecting tabs, not a SYN flood. */
const OPEN_CONCURRENCY = 200;

type ToChild = { cmd: 'broadcast' } | { cmd: 'stats' };
type FromChild = { ready: { port: number; path: string } } | { stats: { rss: number; heapUsed: number } } | { sent: number };


/** The child: either the real app (a Cloud API widget session, so `state` is small) or a bare SSE server. */
async function serveTarget(kind: 'app' | 'bare'): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const http = await import('node:http');
  let broadcast: () => void;
  let server: import('node:http').Server;
  let path = '/events';
  let cleanup: () => void | Promise<void> = () => {};

  if (kind === 'bare') {
    const streams = new Set<import('node:http').ServerResponse>();
    let id = 0;
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      res.write(`event: state\nid: 0\ndata: ${JSON.stringify({ phase: 'idle', methods: ['cloud-api'] })}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
    });
    broadcast = () => {
      const frame = `event: failed\nid: ${++id}\ndata: ${JSON.stringify({ code: 'LINKING_FAILED', message: String(epochMs()), retryable: true })}\n\n`;
      for (const res of streams) res.write(frame);
    };
  } else {
    const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
    const { pino } = require('pino') as typeof import('pino');
    const { createApp } = await import('../packages/server/src/app.ts');
    const { createApiKey } = await import('../packages/server/src/api-keys.ts');
    const { SqliteStore } = await import('../packages/server/src/store/index.ts');
    const { systemClock } = await import('../packages/server/src/clock.ts');
    const { SimulatorEngine } = await import('../packages/server/src/whatsapp/simulator/engine.ts');
    const dir = mkdtempSync(join(tmpdir(), 'titan-sse-bench-'));
    const store = new SqliteStore(join(dir, 'bench.db'));
    const logger = pino({ level: 'warn' });
    const engine = new SimulatorEngine({ store, speed: 1, logger });
    const config = {
      port: 0, publicUrl: 'http://127.0.0.1', dbPath: join(dir, 'bench.db'), secret: 'bench-secret-0123456789-abcdefghijklmnop',
      engine: 'simulator' as const, simSpeed: 1, bootstrapApiKey: null, demo: false,
      meta: { appId: '1234', configId: '5678', appSecret: null, graphUrl: 'http://127.0.0.1:9', graphVersion: 'v21.0', sdkUrl: 'https://connect.facebook.net/en_US/sdk.js' },
    };
    // The fan-out is measured, not the caps: 10,000 streams of one widget session from one address
    // are far past both (3 and 50, SECURITY.md), so they are lifted here.
    const app = createApp({ config, store, engine, clock: systemClock, logger, logRequests: false, limits: { streams: { perWidgetSession: Infinity, perIp: Infinity } } });
    const linking = app.locals.linking as import('../packages/server/src/linking/index.ts').Linking;
    const apiKey = (await createApiKey(store, { tenantId: 'bench', scopes: ['*'] })).key;
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const created = await fetch(`http://127.0.0.1:${port}/api/widget/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'cloud-api', sessionName: 'bench' }),
    });
    const token = ((await created.json()) as { data: { widgetToken: string } }).data.widgetToken;
    const widgetSessionId = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
    path = `/widget/api/events?token=${token}`;
    // A `failed` event goes through the whole path: linking emit, ring, persist, every stream.
    broadcast = () => linking.fail(widgetSessionId, { code: 'LINKING_FAILED', message: String(epochMs()), retryable: true });
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }

  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.maxConnections = STREAMS + 100;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'broadcast') {
      const start = performance.now();
      broadcast();
      // Node uncorks each response in a nextTick, so by setImmediate every frame is in the kernel.
      setImmediate(() => send({ sent: performance.now() - start }));
    } else {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ stats: { rss, heapUsed } });
    }
  });
  process.on('disconnect', async () => {
    server.closeAllConnections();
    server.close();
    await cleanup();
    process.exit(0);
  });
  send({ ready: { port: (server.address() as import('node:net').AddressInfo).port, path } });
}

async function runTarget(kind: 'app' | 'bare') {
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server there.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--target', kind], {
    execArgv: [...prof, '--conditions=source', '--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <K extends string>(key: K) =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (key in m) {
          child.off('message', onMessage);
          resolve((m as Record<string, unknown>)[key]);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`sse bench target exited with ${code}`)));
    });
  try {
    const { port, path } = await next('ready');
    const started = performance.now();
    const clients = await openClients(port, path, STREAMS, OPEN_CONCURRENCY);
    const openSeconds = (performance.now() - started) / 1000;
    const held = STREAMS - clients.failed;
    child.send({ cmd: 'stats' } satisfies ToChild);
    const { rss } = await next('stats');
    const fanOut: number[] = [];
    for (let i = 0; i < WARMUP_BROADCASTS + BROADCASTS; i++) {
      if (i === WARMUP_BROADCASTS) clients.latencies.length = 0;
      const want = clients.latencies.length + held;
      child.send({ cmd: 'broadcast' } satisfies ToChild);
      const sent = (await next('sent')) as number;
      if (i >= WARMUP_BROADCASTS) fanOut.push(sent);
      const deadline = performance.now() + 15_000;
      while (clients.latencies.length < want && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivered = clients.latencies.length / (held * BROADCASTS);
    for (const s of clients.sockets) s.destroy();
    const fanOutMean = fanOut.reduce((a, b) => a + b, 0) / fanOut.length;
    return { held, rss, openSeconds, p50: p(clients.latencies, 0.5), p99: p(clients.latencies, 0.99), delivered, fanOutMean };
  } finally {
    child.disconnect();
    await new Promise((r) => child.once('exit', r));
  }
}

export default async function sseBench(): Promise<BenchResult[]> {
  const app = await runTarget('app');
  const bare = await runTarget('bare');
  console.log(`  (${STREAMS} streams requested; ${BROADCASTS} broadcasts; app opened them in ${app.openSeconds.toFixed(1)} s)`);
  return [
    { name: 'SSE streams held by one instance (GET /widget/api/events)', value: app.held, unit: 'streams', target: { op: '>=', value: 10_000 } },
    { name: 'server RSS with those streams open', value: Math.round(app.rss / 2 ** 20), unit: 'MB', target: { op: '<=', value: 600 } },
    { name: 'bare node:http SSE server RSS, same streams', value: Math.round(bare.rss / 2 ** 20), unit: 'MB' },
    { name: 'broadcast to all streams, p50', value: app.p50, unit: 'ms' },
    { name: 'broadcast to all streams, p99', value: app.p99, unit: 'ms', target: { op: '<=', value: 100 } },
    { name: 'bare node:http SSE broadcast, p99', value: bare.p99, unit: 'ms' },
    { name: 'broadcast p99 / bare node:http (ratio, lower is better)', value: app.p99 / bare.p99, unit: '' },
    { name: 'server fan-out (every frame handed to the kernel), mean', value: app.fanOutMean, unit: 'ms' },
    { name: 'bare node:http fan-out, mean', value: bare.fanOutMean, unit: 'ms' },
    { name: 'events delivered / expected (app)', value: app.delivered, unit: '', target: { op: '>=', value: 1 } },
  ];
}

if (process.argv.includes('--target')) await serveTarget(process.argv[process.argv.indexOf('--target') + 1] as 'app' | 'bare');
