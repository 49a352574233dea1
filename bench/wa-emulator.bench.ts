// How long the real Baileys client takes to link against the WhatsApp edge emulator: the
// offline path the emulated engine, the engine tests and the demo all run. Baseline: a bare
// WebSocket connect + echo on the same loopback, measured in the same run. The measuring runs
// in a child process because Baileys leaves 30-60 s timers behind that would hold `pnpm bench`.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.ts';

const ROUNDS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(): Promise<BenchResult[]> {
  // ws is the emulator package's dependency, not the workspace root's.
  const { WebSocketServer, WebSocket } = createRequire(new URL('../packages/wa-emulator/package.json', import.meta.url))(
    'ws',
  ) as typeof import('ws');
  const { startEmulator, trustEmulatorRoot } = await import('../packages/wa-emulator/src/index.ts');
  const { connect, memoryAuth } = await import('../packages/wa-emulator/src/testkit.ts');

  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS * 4; i++) {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('x');
    await new Promise((resolve) => ws.once('message', resolve));
    bare.push(performance.now() - t0);
    ws.close();
  }
  wss.close();

  const emulator = await startEmulator({ pairingGraceMs: 100 });
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
  const toQr: number[] = [];
  const qrLink: number[] = [];
  const reconnect: number[] = [];
  const codeLink: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const auth = memoryAuth();
    const t0 = performance.now();
    const first = connect(emulator.url, auth);
    const { qr } = await first.until((u) => Boolean(u.qr));
    toQr.push(performance.now() - t0);
    await emulator.phone.scanQr(qr!);
    await first.closed();
    const second = connect(emulator.url, auth);
    await second.until((u) => u.connection === 'open');
    qrLink.push(performance.now() - t0);
    second.sock.end(undefined);
    await second.closed();

    const t1 = performance.now();
    const third = connect(emulator.url, auth);
    await third.until((u) => u.connection === 'open');
    reconnect.push(performance.now() - t1);
    third.sock.end(undefined);

    const codeAuth = memoryAuth();
    const t2 = performance.now();
    const pairing = connect(emulator.url, codeAuth);
    await pairing.until((u) => Boolean(u.qr));
    const phone = `1555020${String(i).padStart(4, '0')}`;
    const code = await pairing.sock.requestPairingCode(phone);
    await emulator.phone.enterCode(code, phone);
    await pairing.closed();
    const linked = connect(emulator.url, codeAuth);
    await linked.until((u) => u.connection === 'open');
    codeLink.push(performance.now() - t2);
    linked.sock.end(undefined);
  }
  const base = median(bare);
  return [
    { name: 'baseline: bare WebSocket connect + echo (median)', value: base, unit: 'ms' },
    { name: 'emulator: connect -> Noise handshake -> first QR (median)', value: median(toQr), unit: 'ms' },
    { name: '  ratio to baseline', value: median(toQr) / base, unit: 'x' },
    { name: 'emulator: QR link, scan -> 515 -> open (median)', value: median(qrLink), unit: 'ms', target: { op: '<=', value: 2000 } },
    { name: 'emulator: reconnect from saved creds -> open (median)', value: median(reconnect), unit: 'ms', target: { op: '<=', value: 1000 } },
    { name: 'emulator: pairing-code link -> open (median; 4 PBKDF2 runs)', value: median(codeLink), unit: 'ms', target: { op: '<=', value: 3000 } },
  ];
}

if (process.argv.includes('--child')) {
  const results = await measure();
  process.send!(results);
  process.exit(0);
}

export default async function bench(): Promise<BenchResult[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (results) => resolve(results as BenchResult[]));
    child.once('exit', (code) => reject(new Error(`wa-emulator bench child exited with ${code}`)));
  });
}
