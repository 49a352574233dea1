// Webhook delivery (issue #11): how many signed deliveries per second the real outbox and worker
// make to a local receiver, as a ratio to a bare loop making the same signed POSTs at the same
// concurrency; and whether a backlog of pending deliveries slows the SSE broadcast (p99 with
// the backlog over p99 without). The server (the real app on a SQLite file, with the real
// worker, as main.ts wires them; then on Postgres when it answers, for the delivery rate) runs in
// a child process: this file with `--webhooks-target <store>`.
// The receivers and the SSE clients run here, on their own event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.ts';
import { epochMs, openClients, percentile } from './sse-clients.ts';

// Sizes, each overridable (a smaller machine, or a quick look).
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
/** Events enqueued per throughput run. */
const EVENTS = num('BENCH_WH_EVENTS', 2000);
/** Endpoints of the fan-out run (each event goes to every one). */
const ENDPOINTS = num('BENCH_WH_ENDPOINTS', 3);
/**
 * WhatsApp sessions the events are spread over: deliveries are in order per (endpoint, session),
 * so one session's events go one at a time; many sessions let the worker's 16 slots fill.
 */
const SESSIONS = num('BENCH_WH_SESSIONS', 50);
/** Events of the one-session run (strictly one after another). */
const SERIAL_EVENTS = num('BENCH_WH_SERIAL_EVENTS', 500);
const SSE_STREAMS = num('BENCH_WH_SSE_STREAMS', 1000);
/** Deliveries kept pending while the broadcasts are timed. */
const BACKLOG = num('BENCH_WH_BACKLOG', 1000);
/** Broadcasts timed per phase, and rounds of (quiet, slow backlog, quiet, failing backlog) before a last quiet phase. */
const BROADCASTS = num('BENCH_WH_BROADCASTS', 12);
const ROUNDS = num('BENCH_WH_ROUNDS', 2);
const WARMUP_BROADCASTS = 10;
/** How long the slow receiver takes to answer: deliveries stay in flight, the rest wait. */
const SLOW_ANSWER_MS = 2000;
/** The worker's default (main.ts builds it without `concurrency`); the bare loop uses the same. */
const CONCURRENCY = 16;

type ToChild =
  | { cmd: 'endpoints'; tenant: string; urls: string[] }
  | { cmd: 'enqueue'; tenant: string; events: number; sessions: number }
  | { cmd: 'bare'; urls: string[]; events: number; concurrency: number }
  | { cmd: 'delete'; tenant: string; ids: string[] }
  | { cmd: 'broadcast' };
type FromChild =
  | { ready: { port: number; ssePath: string } }
  | { endpoints: string[] }
  | { enqueued: number }
  | { bareSent: number }
  | { deleted: true }
  | { sent: number };

const SECRET = 'bench-secret-0123456789-abcdefghijklmnop';

type StoreKind = 'sqlite' | 'postgres';
/**
 * The delivery throughput is measured on Postgres too when it answers (TITAN_TEST_POSTGRES_URL,
 * as the store's tests use); BENCH_WH_POSTGRES=0 skips it.
 */
const POSTGRES = process.env.BENCH_WH_POSTGRES !== '0';

/** The child: the real app and worker on a SQLite file (or a new Postgres database), driven by the parent's messages. */
async function serveTarget(storeKind: StoreKind): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const http = await import('node:http');
  const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
  const { pino } = require('pino') as typeof import('pino');
  const { createApp } = await import('../packages/server/src/app.ts');
  const { createApiKey } = await import('../packages/server/src/api-keys.ts');
  const { PostgresStore, SqliteStore } = await import('../packages/server/src/store/index.ts');
  const { createTestDatabase } = await import('../packages/server/src/store/test-support/postgres.ts');
  const { systemClock } = await import('../packages/server/src/clock.ts');
  const { SimulatorEngine } = await import('../packages/server/src/whatsapp/simulator/engine.ts');
  const { WebhookWorker, withWebhookWakeups } = await import('../packages/server/src/webhooks/worker.ts');
  const { signWebhook, generateWebhookSecret } = await import('../packages/server/src/webhooks/sign.ts');
  type Webhooks = import('../packages/server/src/services/webhooks.ts').Webhooks;
  type Linking = import('../packages/server/src/linking/index.ts').Linking;

  const dir = mkdtempSync(join(tmpdir(), 'titan-webhooks-bench-'));
  const dbPath = join(dir, 'bench.db');
  const database = storeKind === 'postgres' ? await createTestDatabase() : null;
  const rawStore = database ? await PostgresStore.open(database.url) : new SqliteStore(dbPath);
  const logger = pino({ level: 'warn' });
  // Private addresses allowed: the receivers are on 127.0.0.1, over plain http. Retries 1 s apart,
  // so the failing receiver's deliveries are attempted again and again while the broadcasts run.
  const webhooks = { allowPrivate: true, retrySchedule: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
  const config = {
    port: 0, publicUrl: 'http://127.0.0.1', dbPath, databaseUrl: null, secret: SECRET, engine: 'simulator' as const, simSpeed: 1, bootstrapApiKey: null, demo: false, webhooks,
    meta: { appId: '1234', configId: '5678', appSecret: null, graphUrl: 'http://127.0.0.1:9', graphVersion: 'v21.0', sdkUrl: 'https://connect.facebook.net/en_US/sdk.js' },
  };
  // Wired as main.ts wires it: the worker wakes after every commit that put events in the outbox.
  const worker = new WebhookWorker({ store: rawStore, clock: systemClock, logger, secret: SECRET, config: webhooks });
  const wake = () => worker.wake();
  const store = withWebhookWakeups(rawStore, wake);
  const engine = new SimulatorEngine({ store, speed: 1, logger });
  const app = createApp({
    config, store, engine, clock: systemClock, logger, logRequests: false, webhookPublished: wake,
    // The fan-out is measured, not the stream caps (as in sse.bench.ts).
    limits: { streams: { perWidgetSession: Infinity, perIp: Infinity } },
  });
  const service = app.locals.webhooks as Webhooks;
  const linking = app.locals.linking as Linking;
  worker.start();

  const server = http.createServer(app);
  server.maxConnections = SSE_STREAMS + 1000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  // The SSE streams' widget session, in a tenant without endpoints (its `failed` events would
  // otherwise add webhook deliveries of their own).
  const apiKey = (await createApiKey(rawStore, { tenantId: 'sse', scopes: ['*'] })).key;
  const created = await fetch(`http://127.0.0.1:${port}/api/widget/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'cloud-api', sessionName: 'sse' }),
  });
  const token = ((await created.json()) as { data: { widgetToken: string } }).data.widgetToken;
  const widgetSessionId = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

  let enqueued = 0;
  /** Inbound messages, as the engines publish them: one publish per arriving batch of 100. */
  async function enqueue(tenant: string, events: number, sessions: number): Promise<void> {
    for (let start = 0; start < events; start += 100) {
      const drafts = Array.from({ length: Math.min(100, events - start) }, (_, i) => {
        const session = `s${(start + i) % sessions}`;
        const n = ++enqueued;
        return {
          tenantId: tenant, sessionName: session, type: 'message.received' as const,
          data: { session, id: `wamid.BENCH${n}`, from: '5511987654321', type: 'text' as const, text: `message ${n} from the bench`, timestamp: new Date().toISOString() },
        };
      });
      await service.publish(drafts);
    }
  }

  /** The baseline: the same signed POSTs (a body like the worker's, signed per attempt), `concurrency` at a time, no store. */
  async function bare(urls: string[], events: number, concurrency: number): Promise<void> {
    const secret = generateWebhookSecret();
    const jobs = Array.from({ length: events * urls.length }, (_, i) => ({ url: urls[i % urls.length]!, n: Math.floor(i / urls.length) }));
    let next = 0;
    const post = (url: string, id: string, body: string) =>
      new Promise<void>((resolve) => {
        const timestampSeconds = Math.floor(Date.now() / 1000);
        const signature = signWebhook(secret, id, timestampSeconds, body);
        const req = http.request(url, {
          method: 'POST',
          agent: false, // a fresh connection per attempt, as deliver.ts makes
          headers: {
            'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'bench',
            'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature,
          },
        });
        req.on('response', (res) => res.resume().on('end', resolve));
        req.on('error', () => resolve());
        req.end(body);
      });
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const { url, n } = jobs[next++]!;
        const data = JSON.stringify({ session: `s${n % SESSIONS}`, id: `wamid.BARE${n}`, from: '5511987654321', type: 'text', text: `message ${n} from the bench`, timestamp: new Date().toISOString() });
        await post(url, `msg_bare${n}`, `{"type":"message.received","timestamp":"${new Date().toISOString()}","data":${data}}`);
      }
    }));
  }

  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'endpoints') {
      const ids: string[] = [];
      for (const url of m.urls) ids.push((await service.create(m.tenant, { url })).id);
      send({ endpoints: ids });
    } else if (m.cmd === 'enqueue') {
      const start = performance.now();
      await enqueue(m.tenant, m.events, m.sessions);
      send({ enqueued: performance.now() - start });
    } else if (m.cmd === 'bare') {
      const start = performance.now();
      await bare(m.urls, m.events, m.concurrency);
      send({ bareSent: performance.now() - start });
    } else if (m.cmd === 'delete') {
      // With its deliveries: the outbox is empty again for the next quiet phase.
      for (const id of m.ids) await service.delete(m.tenant, id);
      send({ deleted: true });
    } else {
      const start = performance.now();
      void linking.fail(widgetSessionId, { code: 'LINKING_FAILED', message: String(epochMs()), retryable: true });
      // Node uncorks each response in a nextTick, so by setImmediate every frame is in the kernel.
      setImmediate(() => send({ sent: performance.now() - start }));
    }
  });
  process.on('disconnect', async () => {
    server.closeAllConnections();
    server.close();
    await worker.stop(0);
    await linking.close();
    await engine.close();
    await rawStore.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  send({ ready: { port, ssePath: `/widget/api/events?token=${token}` } });
}

/**
 * A webhook receiver on 127.0.0.1: counts the distinct (path, webhook-id) pairs it got (a
 * delivery sent twice counts once), answering `status` after `delayMs`.
 */
async function startReceiver(status: number, delayMs = 0) {
  const seen = new Set<string>();
  let requests = 0;
  let waiter: { want: number; resolve: () => void } | null = null;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      seen.add(`${req.url} ${String(req.headers['webhook-id'])}`);
      if (waiter && seen.size >= waiter.want) waiter.resolve();
      const answer = () => res.writeHead(status).end();
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${base}/${prefix}/${i}`),
    get unique() {
      return seen.size;
    },
    get requests() {
      return requests;
    },
    /** Resolves once `want` distinct deliveries arrived; rejects after `timeoutMs`. */
    until: (want: number, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`webhooks bench: ${seen.size} of ${want} deliveries after ${timeoutMs} ms`)), timeoutMs);
        waiter = { want, resolve: () => (clearTimeout(timer), (waiter = null), resolve()) };
        if (seen.size >= want) waiter.resolve();
      }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Forks the server child on `store`; `ask` sends a command (or none) and resolves with the reply's `key`. */
function startTarget(store: StoreKind) {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--webhooks-target', store], {
    execArgv: [...prof, '--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <K extends string>(key: K, message?: ToChild) =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (key in m) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve((m as Record<string, unknown>)[key]);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`webhooks bench target (${store}) exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (message) child.send(message);
    });
  const close = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.disconnect();
    await exited;
  };
  return { ask, close };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Worker then bare loop to `receiver`, each on its own endpoints (tenant) and paths; deliveries per second of each. */
async function throughput(ask: ReturnType<typeof startTarget>['ask'], receiver: Receiver, label: string, endpoints: number, events: number, sessions: number, concurrency: number) {
  /** Seconds from the command until the receiver had all `want` deliveries. */
  const timeDeliveries = async (want: number, command: ToChild, reply: string) => {
    const started = performance.now();
    const done = receiver.until(receiver.unique + want);
    await ask(reply, command);
    await done;
    return (performance.now() - started) / 1000;
  };
  const tenant = `t-${label}`;
  const total = events * endpoints;
  await ask('endpoints', { cmd: 'endpoints', tenant, urls: receiver.urls(endpoints, `${label}/worker`) });
  const worker = await timeDeliveries(total, { cmd: 'enqueue', tenant, events, sessions }, 'enqueued');
  const bare = await timeDeliveries(total, { cmd: 'bare', urls: receiver.urls(endpoints, `${label}/bare`), events, concurrency }, 'bareSent');
  return { worker: total / worker, bare: total / bare };
}

export default async function webhooksBench(): Promise<BenchResult[]> {
  const { ask, close } = startTarget('sqlite');
  const fast = await startReceiver(204);
  const slow = await startReceiver(204, SLOW_ANSWER_MS);
  const failing = await startReceiver(500);
  try {
    const { port, ssePath } = (await ask('ready')) as { port: number; ssePath: string };

    // A warm-up (JIT, SQLite's page cache), not counted.
    await throughput(ask, fast, 'warmup', 1, Math.min(200, EVENTS), SESSIONS, CONCURRENCY);
    const one = await throughput(ask, fast, 'one', 1, EVENTS, SESSIONS, CONCURRENCY);
    const many = await throughput(ask, fast, 'many', ENDPOINTS, EVENTS, SESSIONS, CONCURRENCY);
    // One session's events go one at a time (in order per session): the bare loop too.
    const serial = await throughput(ask, fast, 'serial', 1, SERIAL_EVENTS, 1, 1);
    const duplicates = fast.requests - fast.unique;

    // SSE broadcast p99 without a backlog and with BACKLOG deliveries pending, alternated so load
    // from anything else on the machine falls on both alike: ROUNDS of quiet, slow receiver
    // (answers in 2 s: 16 in flight, the rest waiting), quiet, failing receiver (500, each
    // retried every second); then quiet. Each backlog is deleted with its endpoint (and its
    // deliveries) before the next quiet phase.
    const clients = await openClients(port, ssePath, SSE_STREAMS);
    const held = SSE_STREAMS - clients.failed;
    let expected = 0;
    const broadcasts = async (count: number) => {
      clients.latencies.length = 0;
      expected = 0;
      for (let i = 0; i < count; i++) {
        expected += held;
        await ask('sent', { cmd: 'broadcast' });
        const deadline = performance.now() + 15_000;
        while (clients.latencies.length < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        // Spread out, so the broadcasts sample the worker's cycle rather than one moment of it.
        await new Promise((r) => setTimeout(r, 100));
      }
      return [...clients.latencies];
    };
    const withBacklog = async (tenant: string, receiver: Receiver) => {
      const ids = (await ask('endpoints', { cmd: 'endpoints', tenant, urls: receiver.urls(1, tenant) })) as string[];
      await ask('enqueued', { cmd: 'enqueue', tenant, events: BACKLOG, sessions: BACKLOG });
      // The first claim has gone out before the timing starts.
      await new Promise((r) => setTimeout(r, 300));
      const latencies = await broadcasts(BROADCASTS);
      await ask('deleted', { cmd: 'delete', tenant, ids });
      return { latencies };
    };
    await broadcasts(WARMUP_BROADCASTS);
    const quiet: number[] = [];
    /** Each phase's own p99, in the order run (printed: a drift shows as a trend, not a ratio). */
    const phases: string[] = [];
    let delivered = 1;
    const quietPhase = async () => {
      const latencies = await broadcasts(BROADCASTS);
      delivered = Math.min(delivered, latencies.length / expected);
      phases.push(`quiet ${percentile(latencies, 0.99).toFixed(0)}`);
      quiet.push(...latencies);
    };
    const backlogPhase = async (tenant: string, receiver: Receiver) => {
      const phase = await withBacklog(tenant, receiver);
      delivered = Math.min(delivered, phase.latencies.length / (held * BROADCASTS));
      phases.push(`${tenant.replace(/\d+$/, '')} ${percentile(phase.latencies, 0.99).toFixed(0)}`);
      return phase.latencies;
    };
    const slowLatencies: number[] = [];
    const failingLatencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await quietPhase();
      slowLatencies.push(...(await backlogPhase(`slow${round}`, slow)));
      await quietPhase();
      failingLatencies.push(...(await backlogPhase(`failing${round}`, failing)));
    }
    await quietPhase();
    const quietP99 = percentile(quiet, 0.99);
    const withSlow = { p99: percentile(slowLatencies, 0.99) };
    const withFailing = { p99: percentile(failingLatencies, 0.99) };
    const slowReceived = slow.requests;
    const failingAttempts = failing.requests;
    for (const s of clients.sockets) s.destroy();
    await close();

    // The same 1-endpoint run on Postgres, in a child of its own, when Postgres answers.
    let postgres: { worker: number; bare: number } | null = null;
    const { postgresUnavailable } = await import('../packages/server/src/store/test-support/postgres.ts');
    const unavailable = POSTGRES ? await postgresUnavailable() : 'BENCH_WH_POSTGRES=0';
    if (unavailable === null) {
      const pgTarget = startTarget('postgres');
      try {
        await pgTarget.ask('ready');
        await throughput(pgTarget.ask, fast, 'pg-warmup', 1, Math.min(200, EVENTS), SESSIONS, CONCURRENCY);
        postgres = await throughput(pgTarget.ask, fast, 'pg-one', 1, EVENTS, SESSIONS, CONCURRENCY);
      } finally {
        await pgTarget.close();
      }
    } else {
      console.log(`  (Postgres skipped: ${unavailable})`);
    }
    console.log(`  (SSE p99 of each phase, ms: ${phases.join(', ')})`);

    console.log(
      `  (${EVENTS} message.received events over ${SESSIONS} sessions; ${ENDPOINTS} endpoints in the fan-out run; worker and bare loop ${CONCURRENCY} at a time;` +
        ` ${held} SSE streams, ${BROADCASTS} broadcasts per phase, ${ROUNDS} rounds of quiet / slow / quiet / failing, then quiet; slow receiver got ${slowReceived} requests, failing one ${failingAttempts} attempts in all)`,
    );
    return [
      { name: `deliveries/s, 1 endpoint (${EVENTS} events, ${SESSIONS} sessions)`, value: Math.round(one.worker), unit: '/s' },
      { name: 'bare signed POST loop, same receiver and concurrency', value: Math.round(one.bare), unit: '/s' },
      { name: 'deliveries/s, 1 endpoint / bare loop (ratio)', value: one.worker / one.bare, unit: '' },
      ...(postgres
        ? [
            { name: `deliveries/s on Postgres, 1 endpoint (${EVENTS} events)`, value: Math.round(postgres.worker), unit: '/s' },
            { name: 'deliveries/s on Postgres, 1 endpoint / bare loop (ratio)', value: postgres.worker / postgres.bare, unit: '' },
          ]
        : []),
      { name: `deliveries/s, ${ENDPOINTS} endpoints (${EVENTS * ENDPOINTS} deliveries)`, value: Math.round(many.worker), unit: '/s' },
      { name: `deliveries/s, ${ENDPOINTS} endpoints / bare loop (ratio)`, value: many.worker / many.bare, unit: '' },
      { name: `deliveries/s, 1 session in order (${SERIAL_EVENTS} events, one at a time)`, value: Math.round(serial.worker), unit: '/s' },
      { name: 'deliveries/s, 1 session / bare loop at concurrency 1 (ratio)', value: serial.worker / serial.bare, unit: '' },
      { name: 'deliveries received twice (at least once, lower is better)', value: duplicates, unit: '' },
      { name: `SSE broadcast p99, ${held} streams, no webhook backlog`, value: quietP99, unit: 'ms' },
      { name: `SSE broadcast p99, ${BACKLOG} deliveries pending (receiver answers in 2 s)`, value: withSlow.p99, unit: 'ms' },
      { name: 'SSE p99 with slow-receiver backlog / without (ratio)', value: withSlow.p99 / quietP99, unit: '', target: { op: '<=', value: 1.1 } },
      { name: `SSE broadcast p99, ${BACKLOG} deliveries failing (500, retried every 1 s)`, value: withFailing.p99, unit: 'ms' },
      { name: 'SSE p99 with failing-receiver backlog / without (ratio)', value: withFailing.p99 / quietP99, unit: '', target: { op: '<=', value: 1.1 } },
      {
        name: 'SSE events delivered / expected (every phase)',
        value: delivered,
        unit: '',
        target: { op: '>=', value: 1 },
      },
    ];
  } finally {
    await close();
    await Promise.all([fast.close(), slow.close(), failing.close()]);
  }
}

if (process.argv.includes('--webhooks-target')) await serveTarget(process.argv[process.argv.indexOf('--webhooks-target') + 1] as StoreKind);
