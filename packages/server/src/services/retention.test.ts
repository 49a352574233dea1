import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../store/index.js';
import { widgetSession } from '../store/test-support/store-contract.js';
import { manualClock, T0 } from '../test-support/server.js';
import { PURGE_INTERVAL_MS, startWebhookEventPurge, startWidgetSessionPurge, WEBHOOK_EVENT_RETENTION_MS, WIDGET_SESSION_RETENTION_MS } from './retention.js';

const DAY = 24 * 60 * 60 * 1000;
const quiet = { info: () => {}, error: () => {} };

test('the documented numbers: kept 7 days after expiry, purged hourly', () => {
  assert.deepEqual([WIDGET_SESSION_RETENTION_MS, PURGE_INTERVAL_MS], [7 * DAY, 60 * 60 * 1000]);
});

test('purges widget sessions expired longer than the retention, at start and then on its timer', async () => {
  const store = new SqliteStore(':memory:');
  const clock = manualClock(T0);
  try {
    const CASES: [string, number, boolean][] = [
      ['ws_eight_days', T0 - 8 * DAY, false],
      ['ws_just_over', T0 - WIDGET_SESSION_RETENTION_MS - 1, false],
      ['ws_six_days', T0 - 6 * DAY, true],
      ['ws_live', T0 + 60_000, true],
    ];
    for (const [id, expiresAt] of CASES) await store.createWidgetSession(widgetSession({ id, expiresAt, sessionName: id.replace('ws_', 's-') }), { generatedName: false });
    const job = startWidgetSessionPurge({ store, clock, logger: quiet }, { intervalMs: 20 });
    await job.firstRun;
    for (const [id, , kept] of CASES) assert.equal((await store.getWidgetSession(id)) !== null, kept, id);
    assert.ok(await store.getWaSession('acme', 's-eight_days'), 'the WhatsApp session is not the widget session');

    clock.advance(2 * DAY);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await store.getWidgetSession('ws_six_days'), null, 'the timer ran again');
    assert.ok(await store.getWidgetSession('ws_live'));
    job.stop();
  } finally {
    await store.close();
  }
});

test('a failed run is logged and the job goes on', async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const store = { purgeWidgetSessions: async () => (calls++ === 0 ? Promise.reject(new Error('disk full')) : 0) };
  const job = startWidgetSessionPurge({ store, clock: manualClock(), logger: { info: () => {}, error: (o: unknown) => void errors.push(o) } }, { intervalMs: 10 });
  await job.firstRun;
  await new Promise((r) => setTimeout(r, 40));
  job.stop();
  assert.equal(errors.length, 1);
  assert.ok(calls >= 2);
});

test('the webhook outbox: events a month old that no endpoint waits for are purged', async () => {
  const store = new SqliteStore(':memory:');
  const clock = manualClock(T0);
  try {
    assert.equal(WEBHOOK_EVENT_RETENTION_MS, 30 * DAY);
    const event = (session: string) => ({ tenantId: 'acme', sessionName: session, type: 'session.connected' as const, data: { session, method: 'qr' as const, phone: null } });
    await store.appendWebhookEvents([event('old')], T0 - 31 * DAY);
    await store.appendWebhookEvents([event('young')], T0 - 29 * DAY);
    const job = startWebhookEventPurge({ store, clock, logger: quiet }, { intervalMs: 60_000 });
    await job.firstRun;
    job.stop();
    assert.equal(await store.purgeWebhookEvents(T0 - 30 * DAY), 0, 'the old one already went');
    assert.equal(await store.purgeWebhookEvents(T0), 1, 'the young one was kept');
  } finally {
    await store.close();
  }
});
