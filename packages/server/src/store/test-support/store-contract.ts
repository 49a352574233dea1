// The `Store` contract as tests any implementation must pass: each store's test file calls
// `runStoreContract` with a factory. Reopening checks that what was written is really kept.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiKeyRecord, Store, WebhookEndpointRecord, WebhookEventDraft, WidgetSessionRecord } from '../types.js';

export interface StoreHarness {
  store: Store;
  /** Closes the store and opens the same database again. */
  reopen(): Promise<Store>;
  /** Closes and removes the database. */
  destroy(): Promise<void>;
}

export const apiKey = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'k1',
  tenantId: 'acme',
  secretHash: 'sha256:00',
  scopes: ['sessions:read', 'sessions:manage'],
  label: null,
  createdAt: 1,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

export const widgetSession = (over: Partial<WidgetSessionRecord> = {}): WidgetSessionRecord => ({
  id: 'ws_1',
  tenantId: 'acme',
  sessionName: 'main',
  mode: 'all',
  callbackUrl: 'https://app.example.com/done',
  allowedOrigins: ['https://app.example.com'],
  locale: 'pt-BR',
  metaApp: { appId: 'a', configId: 'c', appSecretEnc: 'v1.x.y.z' },
  createdAt: 100,
  expiresAt: 1000,
  ...over,
});

export const webhookEndpoint = (over: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord => ({
  id: 'wh_1',
  tenantId: 'acme',
  url: 'https://hooks.example.com/titan',
  events: null,
  description: null,
  secretEnc: 'v1.sealed',
  enabled: true,
  disabledReason: null,
  createdAt: 10,
  updatedAt: 10,
  ...over,
});

const connectedEvent = (session: string, tenantId = 'acme'): WebhookEventDraft => ({
  tenantId,
  sessionName: session,
  type: 'session.connected',
  data: { session, method: 'qr', phone: '5511999999999', pushName: null },
});

const disconnectedEvent = (session: string): WebhookEventDraft => ({
  tenantId: 'acme',
  sessionName: session,
  type: 'session.disconnected',
  data: { session, statusReason: 'LOGGED_OUT', final: true },
});

const LINK_DEFAULTS = { phase: 'idle', linkState: null, lastEventId: 0 } as const;

/** `skip`: a reason not to run (the database server is unreachable), shown in the report. */
export function runStoreContract(name: string, open: () => Promise<StoreHarness>, options: { skip?: string } = {}): void {
  describe(`Store contract: ${name}`, { skip: options.skip }, () => {
    let h: StoreHarness;
    let store: Store;
    const reopen = async () => {
      store = await h.reopen();
    };
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(() => h.destroy());

    test('settings, tenants and API keys survive a reopen', async () => {
      await store.setSetting('secret', 'a');
      await store.setSetting('secret', 'b');
      await store.insertApiKey(apiKey());
      await store.insertApiKey(apiKey({ id: 'k2', tenantId: 'globex', scopes: ['*'], createdAt: 2 }));
      await reopen();
      assert.equal(await store.getSetting('secret'), 'b');
      assert.equal(await store.getSetting('missing'), null);
      assert.deepEqual(await store.listTenants(), ['acme', 'globex']);
      assert.deepEqual(await store.getApiKey('k1'), apiKey());
      assert.deepEqual((await store.listApiKeys('globex')).map((k) => k.id), ['k2']);
      assert.deepEqual((await store.listApiKeys()).map((k) => k.id), ['k1', 'k2']);
      assert.equal(await store.revokeApiKey('k1', 50), true);
      assert.equal(await store.revokeApiKey('k1', 60), false);
      assert.equal(await store.revokeApiKey('nope'), false);
      assert.equal((await store.getApiKey('k1'))!.revokedAt, 50);
      await store.touchApiKey('k2', 70);
      assert.equal((await store.getApiKey('k2'))!.lastUsedAt, 70);
      await store.insertApiKey(apiKey({ label: 'again' }));
      assert.equal((await store.getApiKey('k1'))!.revokedAt, null, 'inserting the same id again un-revokes it');
      await store.deleteSetting('secret');
      await store.deleteSetting('missing');
      await reopen();
      assert.equal(await store.getSetting('secret'), null);
    });

    test('takeRateLimit: sliding windows over several buckets, all or nothing, kept across a reopen', async () => {
      const phone = { key: 'pairing:phone:1', limit: 2, windowMs: 1000 };
      const name = { key: 'pairing:name:acme/main', limit: 3, windowMs: 10_000 };
      assert.deepEqual(await store.takeRateLimit([phone, name], 0), { allowed: true });
      assert.deepEqual(await store.takeRateLimit([phone, name], 400), { allowed: true });
      await reopen();
      assert.deepEqual(await store.takeRateLimit([phone, name], 500), { allowed: false, key: 'pairing:phone:1', retryAfterMs: 500 });
      // The refusal counted nothing in `name`: it still has one slot.
      assert.deepEqual(await store.takeRateLimit([phone, name], 1000), { allowed: true }, 'the hit at 0 left the window');
      assert.deepEqual(await store.takeRateLimit([{ ...phone, key: 'pairing:phone:2' }, name], 1001), { allowed: false, key: name.key, retryAfterMs: 8999 });
      assert.deepEqual(await store.takeRateLimit([{ ...phone, key: 'pairing:phone:2' }], 1001), { allowed: true }, 'other keys are apart');
      assert.deepEqual(await store.takeRateLimit([name], 10_000), { allowed: true });
    });

    test('purgeWidgetSessions deletes those expired before the cut, and only those', async () => {
      await store.createWidgetSession(widgetSession({ id: 'ws_old', expiresAt: 100 }), { generatedName: false });
      await store.createWidgetSession(widgetSession({ id: 'ws_edge', expiresAt: 200 }), { generatedName: false });
      await store.createWidgetSession(widgetSession({ id: 'ws_live', expiresAt: 300 }), { generatedName: false });
      assert.equal(await store.purgeWidgetSessions(200), 1);
      assert.equal(await store.purgeWidgetSessions(200), 0);
      await reopen();
      assert.equal(await store.getWidgetSession('ws_old'), null);
      assert.ok(await store.getWidgetSession('ws_edge'));
      assert.ok(await store.getWidgetSession('ws_live'));
      assert.ok(await store.getWaSession('acme', 'main'), 'the WhatsApp session stays');
    });

    test('rewriteAuthState: every creds and key value of every session goes through the transform once', async () => {
      const a = { tenantId: 'acme', sessionName: 'main' };
      const b = { tenantId: 'globex', sessionName: 'other' };
      await store.writeCreds(a, 'creds-a');
      await store.writeCreds(b, 'SEALED:creds-b');
      await store.writeKeys(a, [{ type: 'pre-key', id: '1', value: 'k1' }, { type: 'session', id: 'x', value: 'SEALED:kx' }]);
      await store.writeKeys(b, [{ type: 'pre-key', id: '1', value: 'k1b' }]);
      const seal = (v: string) => (v.startsWith('SEALED:') ? null : `SEALED:${v}`);
      assert.equal(await store.rewriteAuthState(seal), 3);
      assert.equal(await store.rewriteAuthState(seal), 0, 'nothing left to change');
      await reopen();
      assert.equal(await store.readCreds(a), 'SEALED:creds-a');
      assert.equal(await store.readCreds(b), 'SEALED:creds-b');
      assert.deepEqual([...(await store.readKeys(a, 'pre-key', ['1']))], [['1', 'SEALED:k1']]);
      assert.deepEqual([...(await store.readKeys(a, 'session', ['x']))], [['x', 'SEALED:kx']]);
      assert.deepEqual([...(await store.readKeys(b, 'pre-key', ['1']))], [['1', 'SEALED:k1b']]);
    });

    test('WhatsApp sessions are per tenant; ensure does not overwrite; delete takes the credentials', async () => {
      const created = await store.ensureWaSession('acme', 'main', 10);
      assert.equal(created.status, 'DISCONNECTED');
      assert.deepEqual(await store.listTenants(), ['acme'], 'the tenant is created with its first session');
      await store.updateWaSession('acme', 'main', { status: 'CONNECTED', method: 'qr', phone: '5511999999999', updatedAt: 20 });
      assert.equal((await store.ensureWaSession('acme', 'main', 30)).status, 'CONNECTED');
      await store.ensureWaSession('globex', 'main', 40);
      assert.equal((await store.getWaSession('globex', 'main'))!.status, 'DISCONNECTED');
      assert.deepEqual((await store.listWaSessionsByStatus('CONNECTED')).map((s) => s.tenantId), ['acme']);
      assert.equal((await store.listWaSessions('acme')).length, 1);
      await store.writeCreds({ tenantId: 'acme', sessionName: 'main' }, '{"me":1}');
      await store.writeKeys({ tenantId: 'acme', sessionName: 'main' }, [{ type: 'pre-key', id: '1', value: 'a' }]);
      assert.equal(await store.deleteWaSession('acme', 'main'), true);
      assert.equal(await store.deleteWaSession('acme', 'main'), false);
      assert.equal(await store.getWaSession('acme', 'main'), null);
      assert.equal(await store.hasAuthState({ tenantId: 'acme', sessionName: 'main' }), false, 'credentials go with the session');
      assert.equal((await store.readKeys({ tenantId: 'acme', sessionName: 'main' }, 'pre-key', ['1'])).size, 0);
      assert.ok(await store.getWaSession('globex', 'main'));
    });

    test('findCloudApiSession: by cloud_api.phoneNumberId, exact, a CONNECTED session first', async () => {
      const cloudApi = (phoneNumberId: string | null) => JSON.stringify({ version: 1, appId: 'a', wabaId: 'w', phoneNumberId, businessTokenEnc: 'v1.x.y.z' });
      await store.ensureWaSession('acme', 'old', 10);
      await store.updateWaSession('acme', 'old', { status: 'DISCONNECTED', statusReason: 'LOGGED_OUT', method: 'cloud-api', cloudApi: cloudApi('1066'), updatedAt: 50 });
      await store.ensureWaSession('globex', 'shop', 20);
      await store.updateWaSession('globex', 'shop', { status: 'CONNECTED', method: 'cloud-api', cloudApi: cloudApi('1066'), updatedAt: 30 });
      await store.ensureWaSession('acme', 'waba-only', 30);
      await store.updateWaSession('acme', 'waba-only', { status: 'CONNECTED', method: 'cloud-api', cloudApi: cloudApi(null) });
      await store.ensureWaSession('acme', 'qr', 40);
      await store.updateWaSession('acme', 'qr', { status: 'CONNECTED', method: 'qr', cloudApi: 'not json {' });
      await store.ensureWaSession('acme', 'sealed', 40);
      await store.updateWaSession('acme', 'sealed', { cloudApi: 'v1.aaa.bbb.ccc' });

      const found = await store.findCloudApiSession('1066');
      assert.deepEqual([found?.tenantId, found?.name], ['globex', 'shop'], 'the CONNECTED one, though the other was updated later');
      for (const missing of ['106', '10666', '%', '', 'null']) assert.equal(await store.findCloudApiSession(missing), null, missing);
      await store.updateWaSession('globex', 'shop', { status: 'DISCONNECTED', statusReason: 'LOGGED_OUT', updatedAt: 40 });
      assert.equal((await store.findCloudApiSession('1066'))?.name, 'old', 'none connected: the most recently updated');
      await store.deleteWaSession('acme', 'old');
      await store.deleteWaSession('globex', 'shop');
      assert.equal(await store.findCloudApiSession('1066'), null);
    });

    test('ping answers; countWaSessionsByStatus counts every tenant and names every status', async () => {
      await store.ping();
      assert.deepEqual(await store.countWaSessionsByStatus(), { CONNECTING: 0, CONNECTED: 0, DISCONNECTED: 0 });
      await store.ensureWaSession('acme', 'a', 1);
      await store.ensureWaSession('acme', 'b', 1);
      await store.ensureWaSession('globex', 'a', 1);
      await store.updateWaSession('acme', 'a', { status: 'CONNECTED', updatedAt: 2 });
      await store.updateWaSession('globex', 'a', { status: 'CONNECTED', updatedAt: 2 });
      assert.deepEqual(await store.countWaSessionsByStatus(), { CONNECTING: 0, CONNECTED: 2, DISCONNECTED: 1 });
      await store.deleteWaSession('acme', 'a');
      await reopen();
      assert.deepEqual(await store.countWaSessionsByStatus(), { CONNECTING: 0, CONNECTED: 1, DISCONNECTED: 1 });
    });

    test('widget sessions round-trip every field; linking changes commit together', async () => {
      assert.equal(await store.createWidgetSession(widgetSession(), { generatedName: false }), 'created');
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_2', createdAt: 200, metaApp: null, allowedOrigins: [] }), { generatedName: false }), 'created');
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_old', createdAt: 50, expiresAt: 60 }), { generatedName: false }), 'created');
      await reopen();
      assert.deepEqual(await store.getWidgetSession('ws_1'), { ...widgetSession(), ...LINK_DEFAULTS });
      assert.equal(await store.getWidgetSession('nope'), null);
      await store.commitLinkChange({
        waSession: { tenantId: 'acme', name: 'main', patch: { status: 'CONNECTING', statusReason: 'SCAN_QR', updatedAt: 300 } },
        widgetSessions: [
          { id: 'ws_1', patch: { phase: 'pairing', linkState: '{"x":1}', lastEventId: 7 } },
          { id: 'ws_2', patch: { phase: 'qr' } },
          { id: 'ws_old', patch: { phase: 'qr' } },
        ],
      });
      await reopen();
      const patched = (await store.getWidgetSession('ws_1'))!;
      assert.deepEqual([patched.phase, patched.linkState, patched.lastEventId], ['pairing', '{"x":1}', 7]);
      const wa = (await store.getWaSession('acme', 'main'))!;
      assert.deepEqual([wa.status, wa.statusReason, wa.updatedAt], ['CONNECTING', 'SCAN_QR', 300]);
      assert.deepEqual((await store.listLiveWidgetSessions(100)).map((w) => w.id), ['ws_1', 'ws_2']);
      assert.deepEqual((await store.listWidgetSessionsFor('acme', 'main')).map((w) => w.id), ['ws_2', 'ws_1', 'ws_old']);
    });

    test('createWidgetSession: a connected name is refused, a generated name that exists is taken, neither writes', async () => {
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_a' }), { generatedName: false }), 'created');
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_b' }), { generatedName: true }), 'name-taken');
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_c' }), { generatedName: false }), 'created', 'a disconnected name is linked again');
      await store.updateWaSession('acme', 'main', { status: 'CONNECTED', updatedAt: 2 });
      assert.equal(await store.createWidgetSession(widgetSession({ id: 'ws_d' }), { generatedName: false }), 'already-connected');
      assert.equal(await store.getWidgetSession('ws_b'), null);
      assert.equal(await store.getWidgetSession('ws_d'), null);
      // Concurrent creations of one new name: exactly one wins.
      const results = await Promise.all(
        ['x1', 'x2', 'x3'].map((id) => store.createWidgetSession(widgetSession({ id, sessionName: 'fresh' }), { generatedName: true })),
      );
      assert.deepEqual(results.filter((r) => r === 'created').length, 1, results.join());
    });

    test('webhook endpoints: per tenant, patched, deleted with their deliveries, kept across a reopen', async () => {
      await store.insertWebhookEndpoint(webhookEndpoint());
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_2', events: ['session.connected', 'message.received'], description: 'CRM', createdAt: 20 }));
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_g', tenantId: 'globex', createdAt: 5 }));
      await reopen();
      assert.deepEqual(await store.getWebhookEndpoint('acme', 'wh_1'), webhookEndpoint());
      assert.equal(await store.getWebhookEndpoint('globex', 'wh_1'), null, 'another tenant does not see it');
      assert.deepEqual((await store.listWebhookEndpoints('acme')).map((e) => e.id), ['wh_1', 'wh_2']);
      assert.deepEqual((await store.listWebhookEndpoints()).map((e) => e.id), ['wh_1', 'wh_2', 'wh_g']);
      assert.deepEqual((await store.getWebhookEndpoint('acme', 'wh_2'))!.events, ['session.connected', 'message.received']);
      const patched = await store.updateWebhookEndpoint('acme', 'wh_2', { events: null, enabled: false, disabledReason: 'gone', url: 'https://b.example.com/', updatedAt: 30 });
      assert.deepEqual(patched, webhookEndpoint({ id: 'wh_2', description: 'CRM', createdAt: 20, updatedAt: 30, enabled: false, disabledReason: 'gone', url: 'https://b.example.com/' }));
      assert.equal(await store.updateWebhookEndpoint('globex', 'wh_2', { enabled: true }), null);
      await store.appendWebhookEvents([connectedEvent('main')], 40);
      assert.equal(await store.deleteWebhookEndpoint('wh_1', 'globex'), false, 'not its tenant');
      assert.equal(await store.deleteWebhookEndpoint('wh_1', 'acme'), true);
      assert.equal(await store.deleteWebhookEndpoint('wh_g'), true, 'the CLI deletes without a tenant');
      assert.equal(await store.deleteWebhookEndpoint('wh_g'), false);
      assert.deepEqual(await store.listWebhookDeliveries('wh_1', 10), []);
      assert.deepEqual((await store.listWebhookEndpoints()).map((e) => e.id), ['wh_2']);
    });

    test('the outbox: events commit with their link change, fanned out to enabled endpoints that subscribe', async () => {
      await store.ensureWaSession('acme', 'main', 1);
      await store.insertWebhookEndpoint(webhookEndpoint());
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_msgs', events: ['message.received'], createdAt: 11 }));
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_off', enabled: false, createdAt: 12 }));
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_g', tenantId: 'globex', createdAt: 13 }));
      await store.commitLinkChange({
        waSession: { tenantId: 'acme', name: 'main', patch: { status: 'CONNECTED', updatedAt: 2 } },
        webhookEvents: [{ ...connectedEvent('main'), at: 500 }],
      });
      // A change that fails rolls back whole: its status and its events (a BigInt cannot be JSON).
      const unserialisable = { ...disconnectedEvent('main'), data: { session: 'main', statusReason: 'LOGGED_OUT', final: 1n as never } } as WebhookEventDraft;
      await assert.rejects(
        store.commitLinkChange({
          waSession: { tenantId: 'acme', name: 'main', patch: { status: 'DISCONNECTED', updatedAt: 3 } },
          webhookEvents: [disconnectedEvent('main'), unserialisable],
        }),
      );
      assert.equal((await store.getWaSession('acme', 'main'))!.status, 'CONNECTED', 'the failed change left no status');
      await reopen();
      const jobs = await store.claimWebhookDeliveries(1000, 10, 30_000);
      assert.deepEqual(jobs.map((j) => [j.endpointId, j.type]), [['wh_1', 'session.connected']], 'only the enabled endpoint of the tenant that subscribes; nothing of the failed change');
      const [job] = jobs;
      assert.match(job!.eventId, /^msg_[A-Za-z0-9_-]{16,}$/);
      assert.deepEqual(JSON.parse(job!.payload), { session: 'main', method: 'qr', phone: '5511999999999', pushName: null });
      assert.deepEqual([job!.tenantId, job!.createdAt, job!.url, job!.secretEnc, job!.attempts], ['acme', 500, 'https://hooks.example.com/titan', 'v1.sealed', 0]);
      const [messageId] = await store.appendWebhookEvents(
        [{ tenantId: 'acme', sessionName: 'main', type: 'message.received', data: { session: 'main', id: 'm1', from: '551188', type: 'text', text: 'oi', timestamp: '2026-12-01T00:00:00.000Z' } }],
        2000,
      );
      const messages = await store.claimWebhookDeliveries(2000, 10, 30_000);
      assert.deepEqual(messages.map((j) => [j.endpointId, j.eventId, j.createdAt]), [['wh_msgs', messageId, 2000]], 'wh_1 still holds session.connected in flight: its message waits');
    });

    test('claims lease deliveries: a worker that dies mid-attempt leaves them due again with the same event id', async () => {
      await store.insertWebhookEndpoint(webhookEndpoint());
      const [id] = await store.appendWebhookEvents([connectedEvent('main')], 100);
      assert.deepEqual((await store.claimWebhookDeliveries(100, 10, 1000)).map((j) => j.eventId), [id]);
      assert.deepEqual(await store.claimWebhookDeliveries(500, 10, 1000), [], 'leased');
      await reopen();
      assert.deepEqual(await store.claimWebhookDeliveries(1099, 10, 1000), []);
      const again = await store.claimWebhookDeliveries(1100, 10, 1000);
      assert.deepEqual(again.map((j) => [j.eventId, j.attempts]), [[id, 0]], 'the lease ran out: the same event, no attempt recorded');
    });

    test('delivery order per endpoint and session; webhook.test never waits and goes to its endpoint only', async () => {
      await store.insertWebhookEndpoint(webhookEndpoint());
      await store.insertWebhookEndpoint(webhookEndpoint({ id: 'wh_2', createdAt: 11 }));
      const [a1, b1, a2] = await store.appendWebhookEvents([connectedEvent('a'), connectedEvent('b'), disconnectedEvent('a')], 100);
      const [test1] = await store.appendWebhookEvents([{ tenantId: 'acme', sessionName: null, type: 'webhook.test', data: { endpoint: 'wh_2' } }], 100);
      const first = await store.claimWebhookDeliveries(100, 10, 60_000);
      const key = (j: { endpointId: string; eventId: string }) => `${j.endpointId}:${j.eventId}`;
      assert.deepEqual(first.map(key).sort(), [`wh_1:${a1}`, `wh_1:${b1}`, `wh_2:${a1}`, `wh_2:${b1}`, `wh_2:${test1}`].sort(), 'a2 waits for a1 on each endpoint');
      await store.recordWebhookAttempts([
        { endpointId: 'wh_1', eventId: a1!, at: 200, statusCode: 200, error: null, latencyMs: 12, outcome: 'delivered' },
        { endpointId: 'wh_2', eventId: a1!, at: 200, statusCode: 503, error: 'HTTP 503', latencyMs: 30, outcome: 'retry', nextAttemptAt: 5200 },
      ]);
      assert.deepEqual((await store.claimWebhookDeliveries(300, 10, 60_000)).map(key), [`wh_1:${a2}`], 'wh_2 still retries a1, so its a2 waits');
      assert.deepEqual(await store.claimWebhookDeliveries(5199, 10, 60_000), []);
      assert.deepEqual((await store.claimWebhookDeliveries(5200, 10, 60_000)).map(key), [`wh_2:${a1}`]);
      await store.recordWebhookAttempts([{ endpointId: 'wh_2', eventId: a1!, at: 5300, statusCode: null, error: 'connect ECONNREFUSED', latencyMs: 3, outcome: 'failed' }]);
      assert.deepEqual((await store.claimWebhookDeliveries(5300, 10, 60_000)).map(key), [`wh_2:${a2}`], 'a finally failed delivery no longer holds the queue');
    });

    test('attempts are logged; 410 disables the endpoint; the log is newest first; a manual retry makes it due again', async () => {
      await store.insertWebhookEndpoint(webhookEndpoint());
      const [e1, e2] = await store.appendWebhookEvents([connectedEvent('main'), disconnectedEvent('main')], 100);
      await store.claimWebhookDeliveries(100, 10, 60_000);
      await store.recordWebhookAttempts([{ endpointId: 'wh_1', eventId: e1!, at: 110, statusCode: 500, error: 'HTTP 500', latencyMs: 40, outcome: 'retry', nextAttemptAt: 200 }]);
      await store.claimWebhookDeliveries(200, 10, 60_000);
      await store.recordWebhookAttempts([{ endpointId: 'wh_1', eventId: e1!, at: 210, statusCode: 410, error: 'HTTP 410', latencyMs: 20, outcome: 'gone', disabledReason: 'The receiver answered 410 Gone.' }]);
      await reopen();
      const endpoint = (await store.getWebhookEndpoint('acme', 'wh_1'))!;
      assert.deepEqual([endpoint.enabled, endpoint.disabledReason, endpoint.updatedAt], [false, 'The receiver answered 410 Gone.', 210]);
      assert.deepEqual(await store.claimWebhookDeliveries(10_000, 10, 60_000), [], 'a disabled endpoint gets nothing');
      assert.deepEqual(await store.listWebhookAttempts('wh_1', e1!), [
        { endpointId: 'wh_1', eventId: e1!, attempt: 1, at: 110, statusCode: 500, error: 'HTTP 500', latencyMs: 40 },
        { endpointId: 'wh_1', eventId: e1!, attempt: 2, at: 210, statusCode: 410, error: 'HTTP 410', latencyMs: 20 },
      ]);
      const log = await store.listWebhookDeliveries('wh_1', 10);
      assert.deepEqual(log.map((d) => d.eventId), [e2, e1], 'newest first');
      assert.deepEqual(log[1], {
        eventId: e1, endpointId: 'wh_1', type: 'session.connected', sessionName: 'main', attempts: 2, nextAttemptAt: null,
        lastStatusCode: 410, lastError: 'HTTP 410', deliveredAt: null, failedAt: 210, createdAt: 100,
      });
      assert.deepEqual((await store.listWebhookDeliveries('wh_1', 1)).map((d) => d.eventId), [e2]);
      assert.equal(await store.retryWebhookDelivery('wh_1', e1!, 300), true);
      assert.equal(await store.retryWebhookDelivery('wh_1', 'msg_nope', 300), false);
      await store.updateWebhookEndpoint('acme', 'wh_1', { enabled: true, disabledReason: null, updatedAt: 300 });
      const retried = await store.claimWebhookDeliveries(300, 10, 60_000);
      assert.deepEqual(retried.map((j) => [j.eventId, j.attempts]), [[e1, 2]], 'the retried event goes first; e2 still waits behind it');
      await store.recordWebhookAttempts([{ endpointId: 'wh_1', eventId: e1!, at: 310, statusCode: 204, error: null, latencyMs: 5, outcome: 'delivered' }]);
      const delivered = (await store.listWebhookDeliveries('wh_1', 10))[1]!;
      assert.deepEqual([delivered.attempts, delivered.deliveredAt, delivered.failedAt, delivered.lastStatusCode, delivered.lastError], [3, 310, null, 204, null]);
    });

    test('purgeWebhookEvents: old events nobody waits for go, with their deliveries and attempts; pending ones stay', async () => {
      await store.insertWebhookEndpoint(webhookEndpoint());
      const [done, failed, pending] = await store.appendWebhookEvents([connectedEvent('a'), connectedEvent('b'), connectedEvent('c')], 100);
      const [orphan] = await store.appendWebhookEvents([{ ...connectedEvent('d'), tenantId: 'nobody' }], 100);
      const [recent] = await store.appendWebhookEvents([connectedEvent('e')], 500);
      await store.claimWebhookDeliveries(100, 10, 1);
      await store.recordWebhookAttempts([
        { endpointId: 'wh_1', eventId: done!, at: 150, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' },
        { endpointId: 'wh_1', eventId: failed!, at: 150, statusCode: 500, error: 'HTTP 500', latencyMs: 1, outcome: 'failed' },
        { endpointId: 'wh_1', eventId: pending!, at: 150, statusCode: 500, error: 'HTTP 500', latencyMs: 1, outcome: 'retry', nextAttemptAt: 900 },
      ]);
      await store.claimWebhookDeliveries(500, 10, 1);
      await store.recordWebhookAttempts([{ endpointId: 'wh_1', eventId: recent!, at: 550, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' }]);
      assert.equal(await store.purgeWebhookEvents(400), 3, 'delivered, failed, and the one no endpoint got');
      assert.equal(await store.purgeWebhookEvents(400), 0);
      await reopen();
      assert.deepEqual((await store.listWebhookDeliveries('wh_1', 10)).map((d) => d.eventId).sort(), [pending, recent].sort());
      assert.deepEqual(await store.listWebhookAttempts('wh_1', done!), [], 'the attempt log went with it');
      assert.equal(await store.retryWebhookDelivery('wh_1', failed!, 600), false);
      assert.ok(orphan);
    });

    test('auth keys: writes are all-or-nothing and null deletes', async () => {
      const key = { tenantId: 'acme', sessionName: 'main' };
      await store.writeKeys(key, [
        { type: 'pre-key', id: '1', value: 'a' },
        { type: 'pre-key', id: '2', value: 'b' },
      ]);
      await store.writeKeys(key, [
        { type: 'pre-key', id: '1', value: null },
        { type: 'pre-key', id: '2', value: 'c' },
      ]);
      assert.deepEqual([...(await store.readKeys(key, 'pre-key', ['1', '2', '3']))], [['2', 'c']]);
      await assert.rejects(store.writeKeys(key, [{ type: 'pre-key', id: '9', value: 'x' }, { type: 'pre-key', id: '10', value: undefined as never }]));
      assert.equal((await store.readKeys(key, 'pre-key', ['9'])).size, 0, 'the failed batch left nothing behind');
      await store.writeCreds(key, 'one');
      await store.writeCreds(key, 'two');
      await reopen();
      assert.equal(await store.readCreds(key), 'two');
      assert.equal(await store.hasAuthState(key), true);
      await store.deleteAuthState(key);
      assert.equal((await store.readKeys(key, 'pre-key', ['2'])).size, 0);
      assert.equal(await store.readCreds(key), null);
    });
  });
}
