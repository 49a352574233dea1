// The WhatsApp edge emulator as its own process (issue #12: several instances share one edge):
// started as `pnpm --filter @titan-connect/wa-emulator start` would start it, configured by its
// environment, and a server with TITAN_ENGINE=emulated TITAN_EMULATOR_URL links through it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './main.js';
import { captureLogger } from './test-support/server.js';

const EMULATOR_MAIN = fileURLToPath(new URL('../../wa-emulator/src/main.ts', import.meta.url));
const KEY = 'titan_sk_EmulatorProc1_0123456789abcdefghijABCDEFGHIJ';
const PHONE = '5511900000123';

let dir: string;
let emulator: ChildProcess | null = null;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-emulator-proc-'));
});
after(() => {
  emulator?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the emulator's CLI with `env`; resolves with the TITAN_EMULATOR_URL it prints. */
function spawnEmulator(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', EMULATOR_MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /TITAN_EMULATOR_URL=(http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${err}`)));
  });
}

async function until<T>(what: string, read: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the emulator process (EMULATOR_PORT, EMULATOR_STATE) links a session for a server started with TITAN_EMULATOR_URL', async () => {
  const statePath = join(dir, 'edge.json');
  const started = await spawnEmulator({ EMULATOR_PORT: '0', EMULATOR_STATE: statePath });
  emulator = started.child;
  assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback by default');

  const running = await startServer(
    {
      PORT: '0',
      TITAN_DB: join(dir, 'titan.db'),
      TITAN_ENGINE: 'emulated',
      TITAN_EMULATOR_URL: started.url,
      TITAN_SECRET: 'm'.repeat(40),
      TITAN_BOOTSTRAP_API_KEY: KEY,
    },
    captureLogger().logger,
  );
  const base = `http://127.0.0.1:${running.config.port}`;
  try {
    const created = await fetch(`${base}/api/widget/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'qr', sessionName: 'shared-edge' }),
    });
    assert.equal(created.status, 201);
    const token = ((await created.json()) as { data: { widgetToken: string } }).data.widgetToken;
    const state = async () => ((await (await fetch(`${base}/widget/api/state?token=${token}`)).json()) as { data: { phase: string; qr: { qr: string } | null } }).data;

    // The QR comes from the emulator process: the server's Baileys socket connected to its edge.
    const qr = await until('a QR', async () => (await state()).qr?.qr ?? null);
    const scan = await fetch(`${base}/dev/simulator/scan`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ qr, phoneNumber: PHONE }) });
    assert.equal(scan.status, 200, await scan.clone().text());
    await until('connected', async () => ((await state()).phase === 'connected' ? true : null));

    // The emulator's phone knows the device, and kept it in its state file.
    const devices = (await (await fetch(`${started.url}/phone/devices?phoneNumber=${PHONE}`)).json()) as { devices: unknown[] };
    assert.equal(devices.devices.length, 1);
    await until('the state file', async () => (existsSync(statePath) ? true : null));

    const session = await fetch(`${base}/api/sessions/shared-edge`, { headers: { Authorization: `Bearer ${KEY}` } });
    assert.equal(((await session.json()) as { data: { status: string } }).data.status, 'CONNECTED');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^titan_sessions\{status="CONNECTED"\} 1$/m);
    assert.match(metrics, /^titan_linking_duration_seconds_count\{method="qr"\} 1$/m);
  } finally {
    await running.close();
    emulator.kill('SIGTERM');
    await new Promise((r) => emulator!.once('exit', r));
    emulator = null;
  }
});

test('the emulator process: a bad EMULATOR_PORT stops it with one line naming the variable', async () => {
  await assert.rejects(spawnEmulator({ EMULATOR_PORT: 'seventy' }), /EMULATOR_PORT \/ --port: "seventy" is not a port number/);
});
