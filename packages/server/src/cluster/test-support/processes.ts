// A cluster as separate processes, for cluster.e2e.test.ts and bench/cluster.bench.ts: the edge
// emulator in its own process (TITAN_EMULATOR_URL) and server instances started from main.ts
// exactly as an operator would (env only), on one Postgres and one Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('../../../', import.meta.url));
const emulatorMain = fileURLToPath(new URL('../../../../wa-emulator/src/main.ts', import.meta.url));
const serverMain = fileURLToPath(new URL('../../main.ts', import.meta.url));
const TSX = ['--conditions=source', '--import', 'tsx'];

export const CLUSTER_API_KEY = 'titan_sk_ClusterTest01_0123456789abcdefghijABCDEFGHIJ';
const SECRET = 'cluster-test-secret-0123456789-abcdefghij';

/** Waits for `pattern` on the child's stdout; rejects if it exits first or `ms` pass. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, ms = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no "${pattern.source}" within ${ms} ms\n${out}`)), ms);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready\n${out}`));
    });
  });
}

export interface Emulator {
  url: string;
  child: ChildProcess;
}

export async function startEmulatorProcess(statePath: string): Promise<Emulator> {
  const child = spawn(process.execPath, [...TSX, emulatorMain, '--port', '0', '--state', statePath], { cwd: serverDir, stdio: ['ignore', 'pipe', 'inherit'] });
  const match = await waitForLine(child, /phone API\s+(http:\/\/[^/\s]+)/, 'emulator');
  return { url: match[1]!, child };
}

export interface ClusterEnv {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  emulatorUrl: string;
  leaseTtlMs: number;
}

export interface Instance {
  id: string;
  base: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export async function startInstance(id: string, env: ClusterEnv): Promise<Instance> {
  const child = spawn(process.execPath, [...TSX, serverMain], {
    cwd: serverDir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL ?? 'warn',
      TITAN_DEMO: '0',
      TITAN_ENGINE: 'emulated',
      TITAN_EMULATOR_URL: env.emulatorUrl,
      TITAN_DATABASE_URL: env.databaseUrl,
      TITAN_REDIS_URL: env.redisUrl,
      TITAN_REDIS_PREFIX: env.redisPrefix,
      TITAN_INSTANCE_ID: id,
      TITAN_LEASE_TTL_MS: String(env.leaseTtlMs),
      // Shared by every instance: widget tokens and sealed credentials must open anywhere.
      TITAN_SECRET: SECRET,
      TITAN_BOOTSTRAP_API_KEY: CLUSTER_API_KEY,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // CLUSTER_TEST_LOG_DIR: each instance's log in <dir>/<id>.log (with CLUSTER_TEST_LOG_LEVEL=info).
  if (process.env.CLUSTER_TEST_LOG_DIR) child.stdout!.pipe(createWriteStream(join(process.env.CLUSTER_TEST_LOG_DIR, `${id}.log`), { flags: 'a' }));
  const match = await waitForLine(child, /listening on port (\d+)/, `instance ${id}`);
  return { id, base: `http://127.0.0.1:${match[1]}`, child, exited };
}

const auth = { authorization: `Bearer ${CLUSTER_API_KEY}`, 'content-type': 'application/json' };

export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

/** The instance that holds `session`'s lease, per `GET /api/cluster` on `base`; null if none. */
export async function ownerOf(base: string, session: string): Promise<string | null> {
  const { body } = await api<{ data: { instances: { id: string; sessions: { session: string }[] }[] } }>(base, 'GET', '/api/cluster');
  return body.data.instances.find((i) => i.sessions.some((s) => s.session === session))?.id ?? null;
}

/** Reads an SSE stream, calling `on(event, data, id)` until it returns true (resolves) or the stream ends (resolves too). */
export async function readEvents(url: string, on: (event: string, data: any, id: number) => boolean | Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      const id = Number(/^id: (.*)$/m.exec(block)?.[1]);
      if (event && data && (await on(event, JSON.parse(data), id))) return true;
    }
  }
  return false;
}

/** Reads a widget session's SSE stream until `until(event, data)` is true; resolves with that data. */
export async function untilEvent(base: string, token: string, until: (event: string, data: any) => boolean, ms = 30_000): Promise<any> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    let found: any;
    const matched = await readEvents(`${base}/widget/api/events?token=${token}`, (event, data) => until(event, data) && ((found = data), true), abort.signal);
    if (matched) return found;
    throw new Error('the event stream ended');
  } catch (error) {
    if (abort.signal.aborted) throw new Error(`no matching event within ${ms} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** The raw QR string of a `qr` event or a `state` event showing one. */
export const qrOf = (event: string, data: any): string | undefined => (event === 'qr' ? data.qr : event === 'state' ? data.qr?.qr : undefined);

/** The phone of `phoneNumber` scans `qr` through the emulator's phone API. */
export async function scan(emulatorUrl: string, qr: string, phoneNumber: string): Promise<void> {
  const res = await fetch(`${emulatorUrl}/phone/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr, phoneNumber }) });
  if (!res.ok) throw new Error(`scan: ${res.status} ${await res.text()}`);
}

/** Creates a widget session on `base` and links it with a phone of its own; resolves once connected. */
export async function linkOn(base: string, emulatorUrl: string, session: string, phoneNumber: string): Promise<void> {
  const created = await api(base, 'POST', '/api/widget/sessions', { sessionName: session, mode: 'qr' });
  if (created.status !== 201) throw new Error(`create ${session}: ${created.status} ${JSON.stringify(created.body)}`);
  const token = created.body.data.widgetToken as string;
  let scanned = false;
  await untilEvent(base, token, (event, data) => {
    const qr = qrOf(event, data);
    if (qr && !scanned) {
      scanned = true;
      void scan(emulatorUrl, qr, phoneNumber);
    }
    if (event === 'failed') throw new Error(`${session}: failed ${JSON.stringify(data)}`);
    return event === 'connected' || (event === 'state' && data.phase === 'connected');
  });
}

/** Sends a text through `session` on `base` until it is accepted (201) or `ms` pass; the time it took. */
export async function sendUntilAccepted(bases: () => Promise<string | null>, session: string, ms: number): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < ms) {
    const base = await bases();
    if (base) {
      const res = await api(base, 'POST', `/api/sessions/${session}/messages`, { to: '15550109999', text: 'still here' }).catch((e: Error) => ({ status: 0, body: e.message }));
      if (res.status === 201) return Date.now() - started;
      last = `${res.status} ${JSON.stringify(res.body)}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${session}: no message accepted within ${ms} ms (last: ${last})`);
}

export async function loginStats(emulatorUrl: string): Promise<{ logins: number; concurrent: number; devices: Record<string, { logins: number; concurrent: number }> }> {
  return (await fetch(`${emulatorUrl}/phone/logins`)).json() as never;
}

/** Ends a child and waits for it (SIGKILL if it ignores `signal` for 10 s). */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
