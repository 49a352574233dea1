import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseApiKey, revokeApiKey } from './api-keys.js';
import { HTTP_TIMEOUTS, MAX_CONNECTIONS, startServer } from './main.js';
import { simApp } from './routes/test-support/sim-app.js';
import { SqliteStore } from './store/index.js';
import { captureLogger } from './test-support/server.js';

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'titan-main-'));
});
after(async () => rmSync(dir, { recursive: true, force: true }));

const BOOTSTRAP = 'titan_sk_Bootstrap9876_0123456789abcdefghijABCDEFGHIJ';

async function createSession(base: string, key: string) {
  const res = await fetch(`${base}/api/widget/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'qr' }),
  });
  return { status: res.status, body: (await res.json()) as { data: { widgetUrl: string } } };
}

test('first start prints a key that works; a restart keeps keys, secret and widget sessions', async () => {
  const env = { PORT: '0', TITAN_DB: join(dir, 'first.db'), TITAN_DEMO: '0' };
  const { logger, text } = captureLogger();
  const first = await startServer(env, logger);
  let widgetUrl: string;
  try {
    assert.ok(first.printedApiKey, 'a key is printed when none exists');
    const base = `http://localhost:${first.config.port}`;
    assert.equal(first.config.publicUrl, base, 'PUBLIC_URL follows the real port');
    const created = await createSession(base, first.printedApiKey);
    assert.equal(created.status, 201);
    widgetUrl = created.body.data.widgetUrl;
    assert.ok(widgetUrl.startsWith(`${base}/widget/connect?token=`));
    assert.match(text(), /TITAN_SECRET is not set/);
  } finally {
    await first.close();
  }

  const second = await startServer({ ...env }, captureLogger().logger);
  try {
    assert.equal(second.printedApiKey, null, 'no second key');
    const base = `http://localhost:${second.config.port}`;
    assert.equal((await createSession(base, first.printedApiKey)).status, 201, 'the printed key still works');
    // Same stored secret: the old widget token still opens its page on the new port.
    const page = await fetch(widgetUrl.replace(/^http:\/\/localhost:\d+/, base));
    assert.equal(page.status, 200);
  } finally {
    await second.close();
  }
});

test('upgrade: a secret kept in the database moves to a 0600 file beside it, plaintext credentials are sealed', async () => {
  const sub = mkdtempSync(join(dir, 'upgrade-'));
  const path = join(sub, 'titan.db');
  const legacySecret = 'legacy-secret-0123456789-abcdefghijklm';
  const old = new SqliteStore(path);
  await old.setSetting('secret', legacySecret);
  const creds = '{"noiseKey":{"private":{"type":"Buffer","data":"Tk9JU0UtUFJJVkFURS1LRVktQllURVM="}}}';
  await old.writeCreds({ tenantId: 'default', sessionName: 'shop' }, creds);
  await old.writeKeys({ tenantId: 'default', sessionName: 'shop' }, [{ type: 'pre-key', id: '1', value: '{"private":"UFJFLUtFWS1QUklWQVRF"}' }]);
  await old.close();

  const running = await startServer({ PORT: '0', TITAN_DB: path, TITAN_DEMO: '0' }, captureLogger().logger);
  try {
    assert.equal(running.config.secret, legacySecret, 'tokens and sealed secrets of the old server stay valid');
  } finally {
    await running.close();
  }
  const secretFile = join(sub, 'titan.secret');
  assert.equal(readFileSync(secretFile, 'utf8').trim(), legacySecret);
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const bytes = Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p))).toString('latin1');
  for (const needle of [legacySecret, 'Tk9JU0UtUFJJVkFURS1LRVktQllURVM=', 'UFJFLUtFWS1QUklWQVRF']) {
    assert.equal(bytes.includes(needle), false, `${needle.slice(0, 10)}… is gone from the database file`);
  }
  const reopened = new SqliteStore(path);
  try {
    assert.equal(await reopened.getSetting('secret'), null);
  } finally {
    await reopened.close();
  }
});

test('NODE_ENV=production without TITAN_SECRET: no start, one line naming the variable', async () => {
  await assert.rejects(
    startServer({ PORT: '0', TITAN_DB: join(dir, 'prod.db'), NODE_ENV: 'production' }, captureLogger().logger),
    (e: Error) => e.name === 'ConfigError' && e.message.startsWith('TITAN_SECRET: ') && !e.message.includes('\n'),
  );
});

test('TITAN_BOOTSTRAP_API_KEY exists at start-up for tenant default; no other key is made', async () => {
  const running = await startServer(
    { PORT: '0', TITAN_DB: join(dir, 'boot.db'), TITAN_DEMO: '0', TITAN_SECRET: 'b'.repeat(40), TITAN_BOOTSTRAP_API_KEY: BOOTSTRAP },
    captureLogger().logger,
  );
  try {
    assert.equal(running.printedApiKey, null);
    const res = await createSession(`http://localhost:${running.config.port}`, BOOTSTRAP);
    assert.equal(res.status, 201);
  } finally {
    await running.close();
  }
});

test('a revoked TITAN_BOOTSTRAP_API_KEY stays revoked after a restart, with a warning', async () => {
  const env = { PORT: '0', TITAN_DB: join(dir, 'revoked.db'), TITAN_DEMO: '0', TITAN_SECRET: 'r'.repeat(40), TITAN_BOOTSTRAP_API_KEY: BOOTSTRAP };
  const first = await startServer(env, captureLogger().logger);
  try {
    assert.equal((await createSession(`http://localhost:${first.config.port}`, BOOTSTRAP)).status, 201);
  } finally {
    await first.close();
  }
  // Revoked the way an operator does it: the CLI, another process, on the same database.
  const store = new SqliteStore(env.TITAN_DB);
  assert.ok(revokeApiKey(store, parseApiKey(BOOTSTRAP)!.id));
  store.close();

  const { logger, text } = captureLogger();
  const second = await startServer(env, logger);
  try {
    assert.equal((await createSession(`http://localhost:${second.config.port}`, BOOTSTRAP)).status, 401);
    assert.match(text(), /TITAN_BOOTSTRAP_API_KEY names a revoked key; it stays revoked/);
    assert.equal(second.printedApiKey, null, 'no replacement key is printed either');
  } finally {
    await second.close();
  }
});

test('between listen and ready every request gets 503 SERVICE_UNAVAILABLE with Retry-After; then the app answers', async () => {
  let early: { status: number; retryAfter: string | null; body: unknown } | null = null;
  const running = await startServer({ PORT: '0', TITAN_DB: join(dir, 'early.db'), TITAN_DEMO: '0', TITAN_SECRET: 'e'.repeat(40) }, captureLogger().logger, {
    listening: async (server) => {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/sessions`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
      early = { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
    },
  });
  try {
    assert.deepEqual(early, { status: 503, retryAfter: '2', body: { error: 'The server is starting; try again in a moment.', code: 'SERVICE_UNAVAILABLE' } });
    const ready = await fetch(`http://127.0.0.1:${running.config.port}/api/sessions`);
    assert.equal(ready.status, 401, 'once ready, the app itself answers');
    assert.equal(running.server.requestTimeout, HTTP_TIMEOUTS.requestTimeout);
    assert.equal(running.server.headersTimeout, HTTP_TIMEOUTS.headersTimeout);
    assert.equal(running.server.maxConnections, MAX_CONNECTIONS, 'a connection cap is set');
  } finally {
    await running.close();
  }
});

test('during start-up /healthz answers 200 and /readyz 503 starting; once ready both answer 200', async () => {
  const probe = async (base: string) => {
    const [health, ready] = await Promise.all([fetch(`${base}/healthz`), fetch(`${base}/readyz`)]);
    return { health: [health.status, await health.json()], ready: [ready.status, await ready.json()] };
  };
  let early: unknown = null;
  const running = await startServer({ PORT: '0', TITAN_DB: join(dir, 'probes.db'), TITAN_ENGINE: 'simulator', TITAN_SECRET: 'p'.repeat(40) }, captureLogger().logger, {
    listening: async (server) => {
      early = await probe(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    },
  });
  try {
    assert.deepEqual(early, {
      health: [200, { status: 'ok' }],
      ready: [503, { error: 'The server is starting; try again in a moment.', code: 'SERVICE_UNAVAILABLE', status: 'starting' }],
    });
    assert.deepEqual(await probe(`http://127.0.0.1:${running.config.port}`), {
      health: [200, { status: 'ok' }],
      ready: [200, { status: 'ready', checks: { store: 'ok' } }],
    });
  } finally {
    await running.close();
  }
});

test('requestTimeout ends a body that trickles in, but never an SSE stream (its GET is complete)', async () => {
  const sim = await simApp();
  // The same options as main.ts, shrunk to test speed: Node checks them every connectionsCheckingInterval.
  const server = createServer({ ...HTTP_TIMEOUTS, requestTimeout: 300, headersTimeout: 200, connectionsCheckingInterval: 50 }, sim.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const ws = await sim.widgetSession();
    const sse = await fetch(`http://127.0.0.1:${port}/widget/api/events?token=${ws.token}`);
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /event: state/);

    // A POST whose body never finishes: Node answers 408 once requestTimeout has passed (the
    // route does not matter: the 408 comes before the app sees a complete request).
    const slow = await new Promise<number | string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/dev/simulator/scan', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': '100' } }, (res) =>
        resolve(res.statusCode!),
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.write('{"mode":');
    });
    assert.equal(slow, 408);

    // Well past requestTimeout and headersTimeout, the stream is still open: a read is pending, not done.
    const outcome = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((r) => setTimeout(() => r('open'), 1_000))]);
    assert.ok(outcome === 'open' || outcome === 'data', `the SSE stream was ${String(outcome)}`);
    await reader.cancel();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sim.close();
  }
});

test('bad configuration: the process prints one line naming the variable and exits 1', async () => {
  const file = fileURLToPath(new URL('./main.ts', import.meta.url));
  const CASES: [Record<string, string>, string][] = [
    [{ TITAN_SECRET: 'short' }, 'TITAN_SECRET'],
    [{ TITAN_ENGINE: 'nope' }, 'TITAN_ENGINE'],
    [{ TITAN_BOOTSTRAP_API_KEY: 'letmein' }, 'TITAN_BOOTSTRAP_API_KEY'],
    // Cluster mode on SQLite: instances cannot share a file.
    [{ TITAN_REDIS_URL: 'redis://127.0.0.1:6379' }, 'TITAN_REDIS_URL'],
  ];
  for (const [bad, variable] of CASES) {
    const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
      env: { ...process.env, PORT: '0', TITAN_DB: join(dir, 'bad.db'), ...bad },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, new RegExp(`invalid configuration: ${variable}: `));
    assert.equal(run.stdout, '');
  }
});

test('a production start (TITAN_ENGINE=baileys) never loads the WhatsApp emulator; an emulated one does', async () => {
  const main = new URL('./main.ts', import.meta.url).href;
  // A resolve hook that records every module URL; the child prints whether an emulator file was among them.
  const hook = `export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    if (result.url.includes('/wa-emulator/')) globalThis.port?.postMessage(result.url);
    return result;
  }
  export function initialize(data) { globalThis.port = data.port; }`;
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const loaded = [];
    port1.on('message', (url) => loaded.push(url));
    port1.unref();
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
    const { startServer } = await import(${JSON.stringify(main)});
    const { pino } = await import('pino');
    const running = await startServer(process.env, pino({ level: 'silent' }));
    await running.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(JSON.stringify(loaded.length));
    process.exit(0);`;
  for (const [engine, loadsEmulator] of [['baileys', false], ['emulated', true]] as const) {
    const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
      // From the server package, where `pino` resolves (the test runner may start anywhere).
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, PORT: '0', TITAN_DB: join(dir, `engine-${engine}.db`), TITAN_DEMO: '0', TITAN_ENGINE: engine },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const count = Number(run.stdout.trim().split('\n').at(-1));
    assert.equal(count > 0, loadsEmulator, `${engine}: ${count} emulator modules loaded\n${run.stderr}`);
  }
});
