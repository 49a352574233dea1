// The webhook events the linking layer commits with its status changes (transactional outbox):
// read back from the store in delivery order, as the worker would send them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookEventType } from '@titan-connect/protocol';
import { Sessions } from '../services/sessions.js';
import { SqliteStore, type Store } from '../store/index.js';
import { webhookEndpoint } from '../store/test-support/store-contract.js';
import { createLinking, type Linking } from './index.js';
import { insertWidgetSession, makeDeps, ManualClock, testConfig, type TestDeps } from './test-support/fixtures.js';

const KEY = { tenantId: 'default', name: 'shop' };

const setup = async (options: Parameters<typeof makeDeps>[0] = {}) => {
  const deps = makeDeps(options);
  await deps.store.insertWebhookEndpoint(webhookEndpoint({ tenantId: 'default' }));
  const linking = createLinking(deps);
  return { deps, linking, sessions: new Sessions(deps, linking) };
};
const teardown = async (deps: TestDeps, linking: Linking) => {
  await linking.close();
  await deps.engine.close();
};

/** Every event delivered so far, in the order the worker sends them (each recorded as delivered). */
const delivered: WeakMap<Store, { type: WebhookEventType; data: unknown }[]> = new WeakMap();
async function webhookEvents(store: Store): Promise<{ type: WebhookEventType; data: unknown }[]> {
  const seen = delivered.get(store) ?? [];
  delivered.set(store, seen);
  for (;;) {
    const jobs = await store.claimWebhookDeliveries(Number.MAX_SAFE_INTEGER, 100, 0);
    if (jobs.length === 0) return seen;
    for (const job of jobs) seen.push({ type: job.type, data: JSON.parse(job.payload) });
    await store.recordWebhookAttempts(jobs.map((j) => ({ ...j, at: 1, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' as const })));
  }
}
const types = async (store: Store) => (await webhookEvents(store)).map((e) => e.type);

/** Lets the engine's and the linking layer's queued work run (the events are asserted after it). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Waits (up to 3 s: the machine may be busy) until at least `count` events were delivered. */
async function atLeast(store: Store, count: number): Promise<void> {
  for (let i = 0; i < 150 && (await webhookEvents(store)).length < count; i++) await settle();
}

describe('linking: webhook events', () => {
  test('a QR scan: session.connected, then widget_session.completed, each once', async () => {
    const { deps, linking } = await setup();
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    const phone = '5511912345678';
    await deps.engine.virtualPhone.scan((await linking.state(ws.id)).qr!.qr, phone);
    await atLeast(deps.store, 2);
    assert.deepEqual(await webhookEvents(deps.store), [
      { type: 'session.connected', data: { session: 'shop', method: 'qr', phone, pushName: 'Simulated Phone' } },
      { type: 'widget_session.completed', data: { widgetSession: ws.id, session: 'shop', method: 'qr' } },
    ]);
    await linking.state(ws.id);
    await teardown(deps, linking);
  });

  test('a pairing code: session.connected with method pairing', async () => {
    const { deps, linking } = await setup();
    const ws = await insertWidgetSession(deps.store);
    await linking.requestPairingCode(ws.id, '5511987654321');
    await deps.engine.virtualPhone.enterCode((await linking.state(ws.id)).pairingCode!.code);
    await atLeast(deps.store, 1);
    const [connected] = await webhookEvents(deps.store);
    assert.deepEqual(connected, { type: 'session.connected', data: { session: 'shop', method: 'pairing', phone: '5511987654321', pushName: 'Simulated Phone' } });
    await teardown(deps, linking);
  });

  const STOPS = [
    ['logged-out', 'LOGGED_OUT'],
    ['replaced', 'FAILED'],
  ] as const;
  for (const [failure, statusReason] of STOPS) {
    test(`a linked number that stops for good ("${failure}"): session.disconnected ${statusReason}, final`, async () => {
      const { deps, linking } = await setup();
      const ws = await insertWidgetSession(deps.store);
      await linking.ensureStarted(ws.id);
      await deps.engine.virtualPhone.scan((await linking.state(ws.id)).qr!.qr);
      await atLeast(deps.store, 2);
      await webhookEvents(deps.store);
      deps.engine.simulate(KEY, failure);
      await atLeast(deps.store, 3);
      assert.deepEqual((await webhookEvents(deps.store)).slice(2), [{ type: 'session.disconnected', data: { session: 'shop', statusReason, final: true } }]);
      await teardown(deps, linking);
    });
  }

  test('a linking that fails is told by the widget session alone; no session.disconnected for a number never linked', async () => {
    const { deps, linking } = await setup({ speed: 1000, failures: () => 'replaced' });
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    await atLeast(deps.store, 1);
    assert.deepEqual(await webhookEvents(deps.store), [
      { type: 'widget_session.failed', data: { widgetSession: ws.id, session: 'shop', code: 'REPLACED', retryable: false } },
    ]);
    await teardown(deps, linking);
  });

  test('delete: session.disconnected MANUAL_STOP, and the linking widget session fails', async () => {
    const { deps, linking, sessions } = await setup();
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    await deps.engine.virtualPhone.scan((await linking.state(ws.id)).qr!.qr);
    await atLeast(deps.store, 2);
    await sessions.delete(KEY);
    assert.deepEqual((await webhookEvents(deps.store)).slice(2), [{ type: 'session.disconnected', data: { session: 'shop', statusReason: 'MANUAL_STOP', final: true } }]);
    const other = await insertWidgetSession(deps.store, { sessionName: 'other' });
    await linking.ensureStarted(other.id);
    await sessions.delete({ tenantId: 'default', name: 'other' });
    assert.deepEqual((await types(deps.store)).slice(3), ['session.disconnected', 'widget_session.failed']);
    await teardown(deps, linking);
  });

  test('every QR used up: widget_session.expired QR_TIMEOUT once; the token running out: TOKEN_EXPIRED', async () => {
    const { deps, linking } = await setup({ speed: 2000 });
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    for (let i = 0; i < 100 && (await linking.state(ws.id)).phase !== 'expired'; i++) await settle();
    await settle();
    assert.deepEqual(await webhookEvents(deps.store), [{ type: 'widget_session.expired', data: { widgetSession: ws.id, session: 'shop', reason: 'QR_TIMEOUT' } }]);
    await teardown(deps, linking);

    const clock = new ManualClock();
    const two = await setup({ clock });
    const late = await insertWidgetSession(two.deps.store, {}, clock.now());
    await two.linking.ensureStarted(late.id);
    clock.advance(900_001);
    await two.linking.state(late.id);
    await atLeast(two.deps.store, 1);
    assert.deepEqual(await types(two.deps.store), ['widget_session.expired']);
    assert.deepEqual((await webhookEvents(two.deps.store))[0]!.data, { widgetSession: late.id, session: 'shop', reason: 'TOKEN_EXPIRED' });
    await teardown(two.deps, two.linking);
  });

  test('Cloud API connect: session.connected cloud-api and widget_session.completed', async () => {
    const { deps, linking } = await setup({ config: { meta: { ...testConfig().meta, appId: '123', configId: '456' } } });
    const ws = await insertWidgetSession(deps.store, { mode: 'cloud-api' });
    await linking.connectCloudApi(ws.id, { phone: '5511912345678', pushName: 'Shop', wabaId: 'w1', phoneNumberId: 'p1', stored: '{}' });
    assert.deepEqual(await webhookEvents(deps.store), [
      { type: 'session.connected', data: { session: 'shop', method: 'cloud-api', phone: '5511912345678', pushName: 'Shop' } },
      { type: 'widget_session.completed', data: { widgetSession: ws.id, session: 'shop', method: 'cloud-api' } },
    ]);
    await teardown(deps, linking);
  });

  test('a reconnect after a restart is no news: no second session.connected', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'titan-linking-wh-')), 'titan.db');
    const one = await setup({ store: new SqliteStore(path) });
    const ws = await insertWidgetSession(one.deps.store);
    await one.linking.ensureStarted(ws.id);
    await one.deps.engine.virtualPhone.scan((await one.linking.state(ws.id)).qr!.qr);
    await settle();
    await teardown(one.deps, one.linking);
    await one.deps.store.close();

    const deps = makeDeps({ store: new SqliteStore(path) });
    const linking = createLinking(deps);
    await linking.resume();
    await settle();
    assert.equal((await deps.store.getWaSession('default', 'shop'))!.status, 'CONNECTED');
    assert.deepEqual(await types(deps.store), ['session.connected', 'widget_session.completed'], 'the two of the first link, nothing more');
    await teardown(deps, linking);
  });
});
