// 200 numbers linked at once through the HTTP API, the real Baileys engine against the edge
// emulator in its own process (TITAN_EMULATOR_URL), a phone per number. Each link is what a
// user does: the widget opens (SSE), its QR is scanned by the virtual phone, the widget hears
// `connected`. Measured from outside: links/s, link time, API latency during the burst against
// at rest, failures, the server's RSS per linked number, and what deleting them all gives back.
// Server and emulator run their built code (`pnpm build` first), as `pnpm start` does: under tsx
// every stack Baileys captures goes through source maps, a cost production does not pay.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvents } from '../packages/server/src/cluster/test-support/processes.ts';
import type { BenchResult } from './run.ts';

const LINKS = Number(process.env.BENCH_BURST_LINKS ?? 200);
const LINK_TIMEOUT_MS = 180_000;
const PROBE_EVERY_MS = 50;
/** Links made before the burst (see the warm-up). */
const WARM_LINKS = 20;
/** How long the API probe's figures count as the burst's opening (the widgets opening at once). */
const OPENING_MS = 2_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path: string) => `file://${join(root, 'packages/server/dist', path)}`;
const EMULATOR_MAIN = join(root, 'packages/wa-emulator/dist/main.js');

/** CPU time (user + system) a process, or one of its threads (`tid`), has used so far, in ms (Linux `/proc`). */
const cpuMs = (pid: number, tid?: number): number => {
  const fields = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
};

const pct = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The server as its own process: the app over the remote emulator; answers `mem` over IPC (after a GC). */
const SERVER_SCRIPT = `
import http from 'node:http';
const { createLogger } = await import('${dist('logger.js')}');
const { createApp } = await import('${dist('app.js')}');
const { SqliteStore } = await import('${dist('store/index.js')}');
const { withSealedAuthState } = await import('${dist('store/sealed-auth-state.js')}');
const { createApiKey } = await import('${dist('api-keys.js')}');
const { createRemoteEmulatedEngine } = await import('${dist('whatsapp/emulated.js')}');
const { systemClock } = await import('${dist('clock.js')}');
const [dbPath, emulatorUrl] = process.argv.slice(2);
// As main.ts opens it: WhatsApp credentials sealed at rest (AES-256-GCM per value, on the main thread).
const store = withSealedAuthState(new SqliteStore(dbPath), 'bench-secret-0123456789-abcdefghijklmnop');
const logger = createLogger({ level: 'warn' });
const config = {
  port: 0, publicUrl: 'http://127.0.0.1', dbPath, secret: 'bench-secret-0123456789-abcdefghijklmnop',
  engine: 'emulated', simSpeed: 1, bootstrapApiKey: null, demo: false, emulatorUrl,
  meta: { appId: null, configId: null, appSecret: null, graphUrl: 'http://127.0.0.1:9', graphVersion: 'v21.0', sdkUrl: 'https://connect.facebook.net/en_US/sdk.js' },
};
const { defaultLinkConcurrency, defaultEngineThreads } = await import('${dist('config.js')}');
// TITAN_LINK_CONCURRENCY as the server reads it; \`off\` (bench only) measures without the gate.
const concurrency = process.env.TITAN_LINK_CONCURRENCY;
// TITAN_ENGINE_THREADS as the server reads it (0: every socket on the main thread).
const threads = process.env.TITAN_ENGINE_THREADS ? Number(process.env.TITAN_ENGINE_THREADS) : defaultEngineThreads();
// As createEngine does for a sealing store: the threads seal and open auth state themselves.
const engine = await createRemoteEmulatedEngine({ store, logger, emulatorUrl, threads, authStateSecret: threads ? config.secret : undefined, maxConcurrentConnects: concurrency === 'off' ? undefined : concurrency ? Number(concurrency) : defaultLinkConcurrency() });
// The burst is 200 users at once from one address: lift the per-key and per-address abuse limits.
const limits = { widgetSessions: { perMinute: Number.MAX_SAFE_INTEGER }, streams: { perIp: 10_000 } };
const app = createApp({ config, store, engine, clock: systemClock, logger, logRequests: false, limits });
await app.locals.linking.resume();
const key = (await createApiKey(store, { tenantId: 'bench', scopes: ['*'] })).key;
const server = http.createServer(app).listen(0, '127.0.0.1', () => process.send({ port: server.address().port, key }));
process.on('SIGINT', () => process.exit(0));
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const loop = monitorEventLoopDelay({ resolution: 10 });
process.on('message', async (m) => {
  if (m === 'loop-start') return loop.reset(), loop.enable();
  if (m === 'loop-stop') return loop.disable(), process.send({ p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
  if (m !== 'mem') return;
  for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
  const { rss, heapUsed } = process.memoryUsage();
  // With session threads, their heaps too (each collected first).
  process.send({ rss, heapUsed: heapUsed + (engine.heapUsed ? await engine.heapUsed() : 0) });
});
`;

/**
 * The API probe, its own process: a backend polling one session's status every PROBE_EVERY_MS.
 * Not in the bench's process, whose event loop is busy reading 200 widgets' streams: that lag
 * would count against the server. Answers `stop` with [when sent (ms after `start`), latency]
 * of each request since `start`.
 */
const PROBE_SCRIPT = `
const [url, authorization, every] = process.argv.slice(2);
let running = false;
let t0 = 0;
let samples = [];
const loop = async () => {
  while (running) {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization } });
    await res.arrayBuffer();
    samples.push([t - t0, res.ok ? performance.now() - t : NaN]);
    await new Promise((r) => setTimeout(r, Number(every)));
  }
};
let done = Promise.resolve();
process.on('message', async (m) => {
  if (m === 'start') { t0 = performance.now(); samples = []; running = true; done = loop(); return; }
  running = false;
  await done;
  process.send(samples);
});
`;

export default async function linkingBurstBench(): Promise<BenchResult[]> {
  if (!existsSync(EMULATOR_MAIN) || !existsSync(fileURLToPath(dist('app.js')))) throw new Error('linking-burst runs the built server and emulator: run `pnpm build` first');
  const dir = mkdtempSync(join(tmpdir(), 'titan-burst-bench-'));
  const children: ChildProcess[] = [];
  try {
    // The emulator, its own process, with its state in a file as a shared deployment would.
    // BENCH_EMU_PROF=<dir>: a CPU profile of the emulator, as BENCH_PROF gives one of the server.
    const emulatorProf = process.env.BENCH_EMU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_EMU_PROF}`] : [];
    const emulator = spawn(process.execPath, [...emulatorProf, EMULATOR_MAIN, '--port', '0', '--state', join(dir, 'edge.json')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(emulator);
    const emulatorUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      emulator.stdout!.on('data', (chunk) => {
        out += chunk;
        const m = /phone API\s+(http:\/\/[^/\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      emulator.once('exit', (code) => reject(new Error(`emulator exited (${code})`)));
    });

    const script = join(dir, 'server.mjs');
    writeFileSync(script, SERVER_SCRIPT);
    const server = fork(script, [join(dir, 'titan.db'), emulatorUrl], { cwd: join(root, 'packages/server'), execArgv: ['--expose-gc', ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [])], stdio: 'inherit' });
    children.push(server);
    const { port, key } = await new Promise<{ port: number; key: string }>((resolve, reject) => {
      server.once('message', resolve as never);
      server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const mem = () => new Promise<{ rss: number; heapUsed: number }>((resolve) => { server.once('message', resolve as never); server.send('mem'); });
    const rssNow = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;

    // One session's status, as a backend polls it: the same answer at rest and in the burst.
    const probeScript = join(dir, 'probe.mjs');
    writeFileSync(probeScript, PROBE_SCRIPT);
    const prober = fork(probeScript, [`${base}/api/sessions/warmup`, auth.authorization, String(PROBE_EVERY_MS)], { stdio: 'inherit' });
    children.push(prober);
    const probe = {
      start: () => prober.send('start'),
      stop: () => new Promise<Array<[number, number]>>((resolve) => { prober.once('message', resolve as never); prober.send('stop'); }),
    };

    /** One user linking one number: widget open → QR → scan → connected. */
    const link = async (name: string): Promise<{ ok: boolean; why: string; linkMs: number; scanToConnectedMs: number }> => {
      const created = await fetch(`${base}/api/widget/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ sessionName: name }) }).then((r) => r.json());
      if (!created.data) throw new Error(`create ${name}: ${JSON.stringify(created)}`);
      const token = created.data.widgetToken as string;
      const opened = performance.now();
      let scanned = 0;
      let ok = false;
      let why = 'timeout';
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), LINK_TIMEOUT_MS);
      try {
        await readEvents(`${base}/widget/api/events?token=${token}`, async (event, data) => {
          const qr = event === 'qr' ? data.qr : event === 'state' ? data.qr?.qr : undefined;
          if (qr && !scanned) {
            scanned = performance.now();
            const res = await fetch(`${base}/dev/simulator/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr }) });
            if (!res.ok) return Boolean((why = `scan ${res.status}`));
          }
          if (event === 'connected' || (event === 'state' && data.phase === 'connected')) return (ok = true);
          if (event === 'failed') why = `failed ${data.code}`;
          if (event === 'expired') why = `expired ${data.reason}`;
          return event === 'failed' || event === 'expired';
        }, abort.signal);
      } catch {
        // timed out or the stream broke: a failure
      } finally {
        clearTimeout(timer);
        abort.abort();
      }
      const done = performance.now();
      return { ok, why: ok ? 'ok' : why, linkMs: done - opened, scanToConnectedMs: scanned ? done - scanned : NaN };
    };

    // Warm-up, as a server in service is warm: Baileys' imports, the key pool's worker, and the
    // JIT, which optimises a route only after it has run a while (on a cold server, 200 widget
    // creations cost 1.3-1.9 ms of main-thread CPU each; warm, 0.65-0.9 ms). WARM_LINKS links
    // at once; they stay linked, and the first is the number the API probe reads, at rest and
    // during the burst.
    const warm = await link('warmup');
    const warmed = await Promise.all(Array.from({ length: WARM_LINKS - 1 }, (_, i) => link(`warmup-${i + 1}`)));
    if (!warm.ok || !warmed.every((r) => r.ok)) throw new Error('a warm-up link failed');
    probe.start();
    await new Promise((r) => setTimeout(r, 200 * PROBE_EVERY_MS));
    const atRest = (await probe.stop()).map(([, ms]) => ms);
    if (atRest.some(Number.isNaN)) throw new Error('the API probe failed at rest');
    const before = await mem();
    const rssBefore = rssNow();

    // The burst, with the API probed throughout.
    probe.start();
    server.send('loop-start');
    const cpuBefore = { server: cpuMs(server.pid!), main: cpuMs(server.pid!, server.pid!), emulator: cpuMs(emulator.pid!), bench: process.cpuUsage() };
    const started = performance.now();
    const names = Array.from({ length: LINKS }, (_, i) => `burst-${i}`);
    const results = await Promise.all(names.map((name) => link(name)));
    const burstS = (performance.now() - started) / 1000;
    const probed = await probe.stop();
    const during = probed.map(([, ms]) => ms);
    // The first seconds: 200 widgets opening at once (create, event stream, engine start) on the
    // main thread, before any phone scans; then the links themselves.
    const opening = probed.filter(([at]) => at < OPENING_MS).map(([, ms]) => ms);
    const linking = probed.filter(([at]) => at >= OPENING_MS).map(([, ms]) => ms);
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const loop = await new Promise<{ p99: number; max: number }>((resolve) => { server.once('message', resolve as never); server.send('loop-stop'); });
    const cpu = { main: cpuMs(server.pid!, server.pid!) - cpuBefore.main, server: cpuMs(server.pid!) - cpuBefore.server, emulator: cpuMs(emulator.pid!) - cpuBefore.emulator, bench: (benchCpu.user + benchCpu.system) / 1000 };

    const linked = results.filter((r) => r.ok);
    await new Promise((r) => setTimeout(r, 2_000)); // let the first logins' pre-key uploads and syncs settle
    const afterLink = await mem();
    const rssLinked = rssNow();

    for (const name of names) await fetch(`${base}/api/sessions/${name}`, { method: 'DELETE', headers: auth });
    // Baileys' pre-key upload race keeps each socket 30 s after its first login (socket.js, UPLOAD_TIMEOUT).
    await new Promise((r) => setTimeout(r, 32_000));
    const afterDelete = await mem();
    const rssDeleted = rssNow();

    const MB = 1024 * 1024;
    const whys = new Map<string, number>();
    for (const r of results) if (!r.ok) whys.set(r.why, (whys.get(r.why) ?? 0) + 1);
    if (whys.size > 0) console.log(`  failures: ${[...whys].map(([why, n]) => `${n} ${why}`).join(', ')} (timeout: no connected within ${LINK_TIMEOUT_MS / 1000} s)`);
    const restP99 = pct(atRest, 99);
    const burstP99 = pct(during, 99);
    console.log(
      `  (${LINKS} links, TITAN_LINK_CONCURRENCY ${process.env.TITAN_LINK_CONCURRENCY ?? 'default'}, TITAN_ENGINE_THREADS ${process.env.TITAN_ENGINE_THREADS ?? 'default'}, burst ${burstS.toFixed(1)} s; server heap ${(before.heapUsed / MB).toFixed(0)} → ${(afterLink.heapUsed / MB).toFixed(0)} → ${(afterDelete.heapUsed / MB).toFixed(0)} MB; RSS ${(rssBefore / MB).toFixed(0)} → ${(rssLinked / MB).toFixed(0)} → ${(rssDeleted / MB).toFixed(0)} MB)`,
    );
    return [
      { name: `links completed (of ${LINKS}, a phone per number)`, value: linked.length, unit: '' },
      { name: 'failures', value: LINKS - linked.length, unit: '', target: { op: '<=', value: 0 } },
      { name: 'links per second (burst)', value: linked.length / burstS, unit: '/s', target: { op: '>=', value: 10 } },
      { name: 'link time p50 (widget open → connected)', value: pct(linked.map((r) => r.linkMs), 50), unit: 'ms' },
      { name: 'link time p99', value: pct(linked.map((r) => r.linkMs), 99), unit: 'ms' },
      { name: 'scan → connected p50', value: pct(linked.map((r) => r.scanToConnectedMs), 50), unit: 'ms' },
      { name: 'server CPU per link (all its threads)', value: cpu.server / Math.max(1, linked.length), unit: 'ms' },
      { name: 'server main-thread CPU per link (HTTP, SSE, store)', value: cpu.main / Math.max(1, linked.length), unit: 'ms' },
      { name: 'emulator CPU per link (WhatsApp\'s side, same cores)', value: cpu.emulator / Math.max(1, linked.length), unit: 'ms' },
      { name: 'bench client CPU per link (200 browsers, same cores)', value: cpu.bench / Math.max(1, linked.length), unit: 'ms' },
      { name: 'API p99 at rest (GET /api/sessions/:name)', value: restP99, unit: 'ms' },
      { name: 'API p99 during the burst', value: burstP99, unit: 'ms', target: { op: '<=', value: 50 } },
      { name: `  of which its first ${OPENING_MS / 1000} s (200 widgets opening)`, value: pct(opening, 99), unit: 'ms' },
      { name: '  of which the rest (the links)', value: pct(linking, 99), unit: 'ms' },
      { name: 'server event-loop delay p99 during the burst', value: loop.p99, unit: 'ms' },
      { name: 'server event-loop delay max during the burst', value: loop.max, unit: 'ms' },
      { name: 'API p99 during / at rest', value: burstP99 / restP99, unit: '×' },
      { name: 'RSS per linked number', value: (rssLinked - rssBefore) / MB / Math.max(1, linked.length), unit: 'MB', target: { op: '<=', value: 1.5 } },
      { name: 'heap per linked number (after GC)', value: (afterLink.heapUsed - before.heapUsed) / MB / Math.max(1, linked.length), unit: 'MB' },
      { name: 'RSS returned after deleting them all', value: (rssLinked - rssDeleted) / Math.max(1, rssLinked - rssBefore), unit: '', target: { op: '>=', value: 0.9 } },
      { name: 'heap returned after deleting them all (after GC)', value: (afterLink.heapUsed - afterDelete.heapUsed) / Math.max(1, afterLink.heapUsed - before.heapUsed), unit: '', target: { op: '>=', value: 0.9 } },
    ];
  } finally {
    for (const child of children) child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500)); // a profiled child writes its profile on the way out
    rmSync(dir, { recursive: true, force: true });
  }
}
