import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { SqliteStore } from '../store/index.js';
import { webhookEndpoint } from '../store/test-support/store-contract.js';
import { webhookSecretBox } from '../services/webhooks.js';
import { TEST_SECRET } from '../test-support/server.js';
import type { DeliveryOutcome, DeliveryRequest } from './deliver.js';
import { generateWebhookSecret } from './sign.js';
import { webhookBody, WebhookWorker, withWebhookWakeups } from './worker.js';

const logger = pino({ level: 'silent' });

/** A worker over an in-memory store, a clock the test moves, and a receiver the test scripts. */
function harness(answer: (request: DeliveryRequest, n: number) => Promise<DeliveryOutcome> | DeliveryOutcome, options: { concurrency?: number; schedule?: number[]; start?: number } = {}) {
  const store = new SqliteStore(':memory:');
  let time = options.start ?? 1_000_000;
  const clock = { now: () => time };
  const received: DeliveryRequest[] = [];
  const worker = new WebhookWorker({
    store,
    clock,
    logger,
    secret: TEST_SECRET,
    config: { allowPrivate: true, retrySchedule: options.schedule ?? [5, 60] },
    concurrency: options.concurrency,
    pollMs: 60_000,
    deliver: async (request) => {
      received.push(request);
      return answer(request, received.length);
    },
  });
  const secret = generateWebhookSecret();
  const addEndpoint = (id = 'wh_1', over = {}) =>
    store.insertWebhookEndpoint(webhookEndpoint({ id, secretEnc: webhookSecretBox(TEST_SECRET).seal(secret), ...over }));
  const advance = async (ms: number) => {
    time += ms;
    worker.wake();
    await new Promise((resolve) => setImmediate(resolve));
    await worker.idle();
  };
  return { store, worker, received, secret, addEndpoint, advance, clock };
}

const ok = (statusCode = 200): DeliveryOutcome => ({ ok: true, statusCode, latencyMs: 3, error: null });
const fail = (statusCode: number | null): DeliveryOutcome => ({ ok: false, statusCode, latencyMs: 7, error: statusCode ? `HTTP ${statusCode}` : 'connect ECONNREFUSED' });

const connected = (session: string) => ({
  tenantId: 'acme',
  sessionName: session,
  type: 'session.connected' as const,
  data: { session, method: 'qr' as const, phone: '5511999999999', pushName: null },
});

test('a delivery is signed per Standard Webhooks: standardwebhooks verifies it; body { type, timestamp, data }', async () => {
  // The real time: Webhook.verify refuses timestamps more than 5 minutes from it.
  const h = harness(() => ok(), { start: Date.now() });
  await h.addEndpoint();
  const at = h.clock.now() - 1500;
  const [eventId] = await h.store.appendWebhookEvents([{ ...connected('main'), at }], h.clock.now());
  h.worker.start();
  await h.advance(0);
  await h.worker.stop();
  const [sent] = h.received;
  assert.equal(sent!.id, eventId);
  assert.equal(sent!.timestampSeconds, Math.floor(h.clock.now() / 1000), 'webhook-timestamp is the attempt time');
  const payload = { type: 'session.connected', timestamp: new Date(at).toISOString(), data: { session: 'main', method: 'qr', phone: '5511999999999', pushName: null } };
  assert.deepEqual(JSON.parse(sent!.body), payload);
  const headers = { 'webhook-id': sent!.id, 'webhook-timestamp': String(sent!.timestampSeconds), 'webhook-signature': sent!.signature };
  assert.deepEqual(new Webhook(h.secret).verify(sent!.body, headers), payload, "the package's own verify accepts it");
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(sent!.body, headers), 'another secret does not verify');
  assert.throws(() => new Webhook(h.secret).verify(sent!.body.replace('main', 'evil'), headers), 'a changed body does not verify');
  const [delivery] = await h.store.listWebhookDeliveries('wh_1', 1);
  assert.deepEqual([delivery!.attempts, delivery!.lastStatusCode, delivery!.deliveredAt], [1, 200, h.clock.now()]);
});

test('retries follow the schedule with the same webhook-id; after the last, failed; every attempt logged', async () => {
  const h = harness((_r, n) => (n === 1 ? fail(503) : fail(null)), { schedule: [5, 60] });
  await h.addEndpoint();
  const [eventId] = await h.store.appendWebhookEvents([connected('main')], h.clock.now());
  h.worker.start();
  await h.advance(0);
  assert.equal(h.received.length, 1);
  await h.advance(4_999);
  assert.equal(h.received.length, 1, 'not before 5 s');
  await h.advance(1);
  assert.equal(h.received.length, 2);
  await h.advance(60_000);
  assert.equal(h.received.length, 3);
  await h.advance(10 * 3600_000);
  assert.equal(h.received.length, 3, 'the schedule is spent');
  await h.worker.stop();
  assert.deepEqual(new Set(h.received.map((r) => r.id)), new Set([eventId]));
  const [delivery] = await h.store.listWebhookDeliveries('wh_1', 1);
  assert.deepEqual([delivery!.attempts, delivery!.lastStatusCode, delivery!.lastError, delivery!.nextAttemptAt !== null, delivery!.failedAt !== null], [3, null, 'connect ECONNREFUSED', false, true]);
  const log = await h.store.listWebhookAttempts('wh_1', eventId!);
  assert.deepEqual(log.map((a) => [a.attempt, a.statusCode, a.error, a.latencyMs]), [[1, 503, 'HTTP 503', 7], [2, null, 'connect ECONNREFUSED', 7], [3, null, 'connect ECONNREFUSED', 7]]);
});

test('410 disables the endpoint: no more attempts, reason recorded', async () => {
  const h = harness(() => fail(410));
  await h.addEndpoint();
  await h.store.appendWebhookEvents([connected('a'), connected('b')], h.clock.now());
  h.worker.start();
  await h.advance(0);
  const sent = h.received.length;
  await h.advance(3600_000);
  await h.worker.stop();
  assert.ok(sent >= 1 && sent <= 2, `both heads may be in flight together (${sent})`);
  assert.equal(h.received.length, sent, 'nothing after the 410s');
  const endpoint = (await h.store.getWebhookEndpoint('acme', 'wh_1'))!;
  assert.equal(endpoint.enabled, false);
  assert.match(endpoint.disabledReason!, /410/);
});

test('in order per session, at most `concurrency` in flight, sessions apart do not wait for each other', async () => {
  let inFlight = 0;
  let most = 0;
  const h = harness(
    async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return ok();
    },
    { concurrency: 3 },
  );
  await h.addEndpoint();
  const sessions = ['s1', 's2', 's3', 's4', 's5'];
  const drafts = sessions.flatMap((s) => [connected(s), { tenantId: 'acme', sessionName: s, type: 'session.disconnected' as const, data: { session: s, statusReason: 'LOGGED_OUT' as const, final: true } }]);
  const ids = await h.store.appendWebhookEvents(drafts, h.clock.now());
  h.worker.start();
  await h.advance(0);
  for (let i = 0; i < 50 && h.received.length < ids.length; i++) await h.advance(0);
  await h.worker.stop();
  assert.equal(h.received.length, ids.length);
  assert.equal(most, 3, 'the cap is reached and held');
  for (const s of sessions) {
    const types = h.received.filter((r) => JSON.parse(r.body).data.session === s).map((r) => JSON.parse(r.body).type);
    assert.deepEqual(types, ['session.connected', 'session.disconnected'], s);
  }
});

test('withWebhookWakeups wakes the worker after a commit with events, not after one without', async () => {
  const store = new SqliteStore(':memory:');
  let wakes = 0;
  const woken = withWebhookWakeups(store, () => wakes++);
  await woken.ensureWaSession('acme', 'main', 1);
  await woken.commitLinkChange({ waSession: { tenantId: 'acme', name: 'main', patch: { status: 'CONNECTING', updatedAt: 2 } } });
  assert.equal(wakes, 0);
  await woken.commitLinkChange({ waSession: { tenantId: 'acme', name: 'main', patch: { status: 'CONNECTED', updatedAt: 3 } }, webhookEvents: [connected('main')] });
  assert.equal(wakes, 1);
  await woken.appendWebhookEvents([connected('main')], 4);
  assert.equal(wakes, 2);
  assert.equal((await woken.getWaSession('acme', 'main'))!.status, 'CONNECTED');
});

test('webhookBody splices the stored data without parsing it again', () => {
  assert.equal(webhookBody({ type: 'webhook.test', createdAt: 0, payload: '{"endpoint":"wh_1"}' }), '{"type":"webhook.test","timestamp":"1970-01-01T00:00:00.000Z","data":{"endpoint":"wh_1"}}');
});
