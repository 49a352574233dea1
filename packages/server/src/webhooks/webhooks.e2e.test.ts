// Webhooks end to end over real HTTP: the server (in process, then as a child process killed
// with SIGKILL), a local receiver, and the `standardwebhooks` package's own `verify`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { startServer } from '../main.js';
import { captureLogger } from '../test-support/server.js';
import { freePort, startReceiver, type ReceivedWebhook } from './test-support/receiver.js';

const KEY = 'titan_sk_Webhooks0e2e_0123456789abcdefghijABCDEFGHIJ';
const SECRET = 'webhooks-e2e-secret-0123456789abcdefgh';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-webhooks-e2e-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const env = (db: string) => ({
  PORT: '0',
  TITAN_DB: join(dir, db),
  TITAN_DEMO: '0',
  TITAN_ENGINE: 'simulator',
  TITAN_SECRET: SECRET,
  TITAN_BOOTSTRAP_API_KEY: KEY,
  TITAN_WEBHOOK_ALLOW_PRIVATE: '1',
  // Retries a quarter of a second apart, so the test does not wait 5 s and 5 min.
  TITAN_WEBHOOK_RETRY_SCHEDULE: '0.25,0.25,0.25,0.25,0.25,0.25,0.25,0.25',
  LOG_LEVEL: 'warn',
});

async function api<T = { data: Record<string, unknown> }>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Links a new WhatsApp session through the simulator's virtual phone, as the widget would. */
async function link(base: string, sessionName: string): Promise<string> {
  const created = await api<{ data: { widgetUrl: string } }>(base, 'POST', '/api/widget/sessions', { mode: 'qr', sessionName });
  assert.equal(created.status, 201);
  const token = new URL(created.body.data.widgetUrl).searchParams.get('token')!;
  const state = (await (await fetch(`${base}/widget/api/state?token=${token}`)).json()) as { data: { qr: { qr: string } } };
  const scan = await fetch(`${base}/dev/simulator/scan`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ qr: state.data.qr.qr }) });
  assert.equal(scan.status, 200, await scan.text());
  return token;
}

const parse = (r: ReceivedWebhook) => JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> };
const verify = (secret: string, r: ReceivedWebhook) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });

test('a receiver that fails twice gets the same webhook-id three times, signed; a link sends session.connected then widget_session.completed', async () => {
  const receiver = await startReceiver((n) => (n <= 2 ? 500 : 204));
  const running = await startServer(env('inproc.db'), captureLogger().logger);
  try {
    const base = `http://localhost:${running.config.port}`;
    const created = await api<{ data: { id: string; secret: string } }>(base, 'POST', '/api/webhooks', { url: receiver.url });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id, secret } = created.body.data;

    const queued = await api<{ data: { eventId: string } }>(base, 'POST', `/api/webhooks/${id}/test`);
    assert.equal(queued.status, 202);
    await receiver.until((r) => r.length >= 3);
    const tries = receiver.received.slice(0, 3);
    assert.deepEqual(tries.map((r) => r.headers['webhook-id']), [queued.body.data.eventId, queued.body.data.eventId, queued.body.data.eventId], 'the same webhook-id on every attempt');
    for (const attempt of tries) {
      assert.deepEqual(verify(secret, attempt), { type: 'webhook.test', timestamp: parse(attempt).timestamp, data: { endpoint: id } }, "standardwebhooks' verify accepts it");
    }
    assert.equal(tries[0]!.body, tries[2]!.body, 'the same body each time');
    assert.throws(() => verify(secret, { ...tries[2]!, body: tries[2]!.body.replace(id, 'wh_other') }), 'a changed body is refused');

    // The receiver has answered; the worker records the attempt right after.
    type Delivery = { eventId: string; attempts: number; lastStatusCode: number; deliveredAt: string | null };
    let delivery: Delivery | undefined;
    for (let i = 0; i < 100 && !delivery?.deliveredAt; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const log = await api<{ data: Delivery[] }>(base, 'GET', `/api/webhooks/${id}/deliveries`);
      delivery = log.body.data.find((d) => d.eventId === queued.body.data.eventId);
    }
    assert.ok(delivery);
    assert.deepEqual([delivery.attempts, delivery.lastStatusCode, delivery.deliveredAt !== null], [3, 204, true]);

    const token = await link(base, 'shop');
    await receiver.until((r) => r.some((x) => parse(x).type === 'widget_session.completed'));
    const linked = receiver.received.slice(3).map(parse);
    assert.deepEqual(linked.map((e) => e.type), ['session.connected', 'widget_session.completed'], 'in order, once each');
    assert.deepEqual([linked[0]!.data.session, linked[0]!.data.method], ['shop', 'qr']);
    assert.equal(linked[1]!.data.session, 'shop');
    for (const r of receiver.received.slice(3)) verify(secret, r);
    assert.ok(token);
  } finally {
    await running.close();
    await receiver.close();
  }
});

/** `pnpm start` as a child process; resolves with its port once it listens. */
function spawnServer(db: string): Promise<{ child: ChildProcess; base: string }> {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env(db) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening on port (\d+)/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, base: `http://localhost:${port}` });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

test('kill -9 after a state change while the receiver is down: after a restart the events arrive, in order, same ids', { timeout: 90_000 }, async () => {
  const port = await freePort();
  const first = await spawnServer('crash.db');
  let secret: string;
  try {
    const created = await api<{ data: { id: string; secret: string } }>(first.base, 'POST', '/api/webhooks', { url: `http://127.0.0.1:${port}/hook` });
    assert.equal(created.status, 201);
    secret = created.body.data.secret;
    await link(first.base, 'crashy');
    // Let some attempts fail against the dead port (connection refused) before the crash.
    await new Promise((resolve) => setTimeout(resolve, 600));
  } finally {
    await killed(first.child);
  }

  const receiver = await startReceiver(() => 200, port);
  const second = await spawnServer('crash.db');
  try {
    await receiver.until((r) => r.some((x) => parse(x).type === 'widget_session.completed'), 60_000);
    const events = receiver.received.map((r) => ({ id: String(r.headers['webhook-id']), ...parse(r) }));
    const firstSeen = [...new Map(events.map((e) => [e.id, e.type])).values()];
    assert.deepEqual(firstSeen, ['session.connected', 'widget_session.completed'], 'nothing lost, nothing invented, in order');
    for (const type of firstSeen) {
      assert.equal(new Set(events.filter((e) => e.type === type).map((e) => e.id)).size, 1, `${type}: a repeat carries the same webhook-id`);
    }
    for (const r of receiver.received) verify(secret!, r);
  } finally {
    await killed(second.child);
    await receiver.close();
  }
});
