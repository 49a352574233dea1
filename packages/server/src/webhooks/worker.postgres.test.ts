// Two delivery workers (two instances) on one Postgres database: SKIP LOCKED claims give each
// delivery to one of them, and the order per WhatsApp session holds across both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { PostgresStore } from '../store/index.js';
import { createTestDatabase, postgresUnavailable } from '../store/test-support/postgres.js';
import { webhookEndpoint } from '../store/test-support/store-contract.js';
import { webhookSecretBox } from '../services/webhooks.js';
import { TEST_SECRET } from '../test-support/server.js';
import type { DeliveryRequest } from './deliver.js';
import { generateWebhookSecret } from './sign.js';
import { WebhookWorker } from './worker.js';

const skip = (await postgresUnavailable()) ?? undefined;

test('two instances deliver every event once, in order per session', { skip }, async () => {
  const db = await createTestDatabase();
  const stores = [await PostgresStore.open(db.url), await PostgresStore.open(db.url)];
  const received: { worker: number; request: DeliveryRequest }[] = [];
  try {
    await stores[0]!.insertWebhookEndpoint(webhookEndpoint({ secretEnc: webhookSecretBox(TEST_SECRET).seal(generateWebhookSecret()) }));
    const sessions = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const drafts = sessions.flatMap((session) =>
      (['LOGGED_OUT', 'FAILED', 'MANUAL_STOP'] as const).map((statusReason) => ({
        tenantId: 'acme', sessionName: session, type: 'session.disconnected' as const, data: { session, statusReason, final: true },
      })),
    );
    const ids = await stores[0]!.appendWebhookEvents(drafts, Date.now());
    const workers = stores.map(
      (store, n) =>
        new WebhookWorker({
          store,
          clock: { now: () => Date.now() },
          logger: pino({ level: 'silent' }),
          secret: TEST_SECRET,
          config: { allowPrivate: true, retrySchedule: [1] },
          concurrency: 2,
          pollMs: 20,
          deliver: async (request) => {
            received.push({ worker: n, request });
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { ok: true, statusCode: 200, latencyMs: 5, error: null };
          },
        }),
    );
    for (const worker of workers) worker.start();
    for (let i = 0; i < 500 && received.length < ids.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all(workers.map((w) => w.stop()));
    assert.equal(received.length, ids.length, 'each delivery once');
    assert.deepEqual(new Set(received.map((r) => r.request.id)), new Set(ids));
    assert.ok(new Set(received.map((r) => r.worker)).size === 2, 'both instances took part');
    for (const session of sessions) {
      const order = received.filter((r) => JSON.parse(r.request.body).data.session === session).map((r) => JSON.parse(r.request.body).data.statusReason);
      assert.deepEqual(order, ['LOGGED_OUT', 'FAILED', 'MANUAL_STOP'], session);
    }
    const log = await stores[1]!.listWebhookDeliveries('wh_1', 100);
    assert.ok(log.every((d) => d.attempts === 1 && d.deliveredAt !== null));
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  }
});
