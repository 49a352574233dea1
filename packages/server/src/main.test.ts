import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './main.js';
import { captureLogger } from './test-support/server.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-main-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

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

test('bad configuration: the process prints one line naming the variable and exits 1', () => {
  const file = fileURLToPath(new URL('./main.ts', import.meta.url));
  const CASES: [Record<string, string>, string][] = [
    [{ TITAN_SECRET: 'short' }, 'TITAN_SECRET'],
    [{ TITAN_ENGINE: 'nope' }, 'TITAN_ENGINE'],
    [{ TITAN_BOOTSTRAP_API_KEY: 'letmein' }, 'TITAN_BOOTSTRAP_API_KEY'],
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

test('a production start (TITAN_ENGINE=baileys) never loads the WhatsApp emulator; an emulated one does', () => {
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
