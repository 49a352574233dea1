import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observeLinkingDurations, recordWebhookDelivery, refreshAdmission, refreshEngineThreads, registry, routeGroupOf, WEBHOOK_OUTCOMES } from './metrics.js';
import { manualClock } from './test-support/server.js';
import type { EngineEvent, EngineListener, SessionKey } from './whatsapp/engine.js';

/** Sum and count of the linking histogram per method, read from the registry. */
async function linkingTotals(): Promise<Record<string, { count: number; sum: number }>> {
  const { values } = await registry.getSingleMetric('titan_linking_duration_seconds')!.get();
  const totals: Record<string, { count: number; sum: number }> = {};
  // A histogram's values carry the series name (`_bucket`, `_sum`, `_count`).
  for (const v of values as { labels: Record<string, unknown>; value: number; metricName?: string }[]) {
    const method = String(v.labels.method);
    totals[method] ??= { count: 0, sum: 0 };
    if (v.metricName === 'titan_linking_duration_seconds_count') totals[method].count = v.value;
    if (v.metricName === 'titan_linking_duration_seconds_sum') totals[method].sum = v.value;
  }
  return totals;
}

const A: SessionKey = { tenantId: 'acme', name: 'a' };
const B: SessionKey = { tenantId: 'acme', name: 'b' };
const qr = (key: SessionKey): EngineEvent => ({ type: 'qr', key, qr: 'ref', expiresAt: 0, attempt: 1, maxAttempts: 6 });
const connected = (key: SessionKey, method: 'qr' | 'pairing' = 'qr'): EngineEvent => ({ type: 'connected', key, method, phone: '1', pushName: null });
const disconnected = (key: SessionKey, reconnecting: boolean): EngineEvent => ({
  type: 'disconnected', key, reason: 'FAILED', code: 'LINKING_FAILED', message: 'x', retryable: reconnecting, reconnecting,
});

// [what happens, the events with the seconds before each, observations expected { method: [count, sum] }]
const CASES: [string, [number, EngineEvent][], Record<string, [number, number]>][] = [
  ['QR shown, scanned 7 s later', [[0, qr(A)], [7, connected(A)]], { qr: [1, 7] }],
  ['rotating QRs do not restart the clock', [[0, qr(A)], [20, qr(A)], [20, qr(A)], [5, connected(A)]], { qr: [1, 45] }],
  ['pairing code first', [[0, { type: 'pairing_code', key: A, code: 'ABCD-EFGH', phoneNumber: '1', expiresAt: 0 }], [30, connected(A, 'pairing')]], { pairing: [1, 30] }],
  ['the restart after a scan keeps the clock', [[0, qr(A)], [3, disconnected(A, true)], [1, connected(A)]], { qr: [1, 4] }],
  ['a reconnect from stored creds is not a link', [[0, connected(A)]], {}],
  ['QR timeout, then a new cycle: timed from the new QR', [[0, qr(A)], [160, { type: 'qr_timeout', key: A }], [100, qr(A)], [2, connected(A)]], { qr: [1, 2] }],
  ['a failure forgets the link', [[0, qr(A)], [5, disconnected(A, false)], [5, connected(A)]], {}],
  ['sessions are timed apart', [[0, qr(A)], [1, qr(B)], [2, connected(B)], [3, connected(A)]], { qr: [2, 8] }],
];

test('observeLinkingDurations: one observation per link, from the first QR or code to connected', async () => {
  for (const [name, events, expected] of CASES) {
    const clock = manualClock();
    let listener: EngineListener = () => {};
    const stop = observeLinkingDurations({ subscribe: (l) => ((listener = l), () => (listener = () => {})) }, clock);
    const before = await linkingTotals();
    for (const [seconds, event] of events) {
      clock.advance(seconds * 1000);
      listener(event);
    }
    stop();
    const after = await linkingTotals();
    for (const method of ['qr', 'pairing']) {
      const [count, sum] = expected[method] ?? [0, 0];
      const was = before[method] ?? { count: 0, sum: 0 };
      const now = after[method] ?? { count: 0, sum: 0 };
      assert.deepEqual([now.count - was.count, now.sum - was.sum], [count, sum], `${name} (${method})`);
    }
  }
});

test('recordWebhookDelivery counts each outcome', async () => {
  const read = async () => {
    const { values } = await registry.getSingleMetric('titan_webhook_deliveries_total')!.get();
    return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
  };
  const before = await read();
  assert.deepEqual(Object.keys(before).sort(), [...WEBHOOK_OUTCOMES].sort(), 'every outcome exists from the start');
  recordWebhookDelivery('delivered');
  recordWebhookDelivery('delivered');
  recordWebhookDelivery('retry');
  const after = await read();
  assert.deepEqual(
    Object.fromEntries(WEBHOOK_OUTCOMES.map((o) => [o, after[o]! - before[o]!])),
    { delivered: 2, failed: 0, retry: 1, disabled: 0 },
  );
});

test('routeGroupOf: a few groups, not one series per path', () => {
  const CASES: [string, string][] = [
    ['/api/widget/sessions', '/api'],
    ['/api/sessions/main/messages', '/api'],
    ['/api', '/api'],
    ['/api/docs/assets/swagger-ui.css', '/api/docs'],
    ['/apiary', 'other'],
    ['/widget/api/events', '/widget/api'],
    ['/widget/connect', '/widget/connect'],
    ['/widget/assets/page-abc12345.js', '/widget/assets'],
    ['/widget/loader.js', '/widget/loader.js'],
    ['/widget/loader.jsx', 'other'],
    ['/dev/simulator/scan', '/dev/simulator'],
    ['/demo/config', '/demo'],
    ['/', 'other'],
    ['/wp-login.php', 'other'],
  ];
  for (const [path, group] of CASES) assert.equal(routeGroupOf(path), group, path);
});

test('refreshAdmission: the gate\'s active and queued sockets at each scrape; no gate, no series', async () => {
  refreshAdmission({ admissionState: { limit: 2, active: 2, queued: 3 } });
  let text = await registry.metrics();
  assert.match(text, /^titan_link_admission\{state="active"\} 2$/m);
  assert.match(text, /^titan_link_admission\{state="queued"\} 3$/m);
  refreshAdmission({ admissionState: null });
  text = await registry.metrics();
  assert.doesNotMatch(text, /^titan_link_admission\{/m, 'an engine without a gate reports nothing, not stale numbers');
});

test('refreshEngineThreads: threads running, and each lost thread counted once', async () => {
  const losses = async () => Number(/^titan_engine_thread_losses_total (\d+)$/m.exec(await registry.metrics())?.[1]);
  const before = await losses();
  refreshEngineThreads({ threadState: { running: 2, lost: 0 } });
  assert.match(await registry.metrics(), /^titan_engine_threads 2$/m);
  refreshEngineThreads({ threadState: { running: 2, lost: 1 } });
  refreshEngineThreads({ threadState: { running: 2, lost: 1 } });
  assert.equal(await losses(), before + 1, 'a second scrape does not count the same loss again');
  refreshEngineThreads({ threadState: null });
  assert.match(await registry.metrics(), /^titan_engine_threads 0$/m, 'sockets on the main thread');
});
