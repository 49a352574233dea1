import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type WidgetSessionRecord } from '../store/index.js';
import type { EngineEvent, EngineListener, LinkingEngine } from '../whatsapp/engine.js';
import type { SimulatorFailure } from '../whatsapp/simulator/engine.js';
import { Sessions } from '../services/sessions.js';
import { createLinking, type Linking, type SequencedEvent } from './index.js';
import { LinkingService } from './service.js';
import { insertWidgetSession, makeDeps, ManualClock, testConfig, type TestDeps } from './test-support/fixtures.js';
import { methodsFor, messageTargetOrigin, redirectUrl, widgetState } from './snapshot.js';

/** Collects a stream's events and waits for one by name. */
class Stream {
  readonly events: SequencedEvent[] = [];
  private waiters: [string, (e: SequencedEvent) => void][] = [];
  close: () => void = () => {};
  static async open(linking: Linking, widgetSessionId: string, lastEventId: number | null = null): Promise<Stream> {
    const stream = new Stream();
    stream.close = await linking.subscribe(widgetSessionId, lastEventId, (e) => stream.receive(e));
    return stream;
  }
  private receive(e: SequencedEvent): void {
    this.events.push(e);
    const waiter = this.waiters.find(([name]) => name === e.event);
    if (waiter) {
      this.taken.add(e);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter[1](e);
    }
  }
  private taken = new Set<SequencedEvent>();
  /** The first event named `name` not yet returned, already received or still to come. */
  next<N extends SequencedEvent['event']>(name: N): Promise<Extract<SequencedEvent, { event: N }>> {
    const seen = this.events.find((e) => e.event === name && !this.taken.has(e));
    if (seen) {
      this.taken.add(seen);
      return Promise.resolve(seen as Extract<SequencedEvent, { event: N }>);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event`)), 3000);
      this.waiters.push([name, (e) => (clearTimeout(timer), resolve(e as Extract<SequencedEvent, { event: N }>))]);
    });
  }
  names = () => this.events.map((e) => e.event);
}

const setup = (options: Parameters<typeof makeDeps>[0] = {}) => {
  const deps = makeDeps(options);
  const linking = createLinking(deps);
  return { deps, linking, sessions: new Sessions(deps, linking) };
};
const teardown = async (deps: TestDeps, linking: Linking) => {
  await linking.close();
  await deps.engine.close();
};

describe('linking', () => {
  test('starts only when asked, then shows a QR; the WhatsApp session is CONNECTING/SCAN_QR', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store);
    assert.equal((await linking.state(ws.id)).phase, 'idle');
    assert.equal(deps.engine.isRunning({ tenantId: 'default', name: 'shop' }), false);
    await linking.ensureStarted(ws.id);
    await linking.ensureStarted(ws.id);
    const state = await linking.state(ws.id);
    assert.equal(state.phase, 'qr');
    assert.equal(state.qr?.attempt, 1);
    assert.ok(state.qr!.svgPath.startsWith('M0 0h7'));
    assert.ok(state.qr!.modules >= 21);
    const wa = (await deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([wa.status, wa.statusReason], ['CONNECTING', 'SCAN_QR']);
    assert.equal((await deps.store.getWidgetSession(ws.id))!.phase, 'qr');
    await teardown(deps, linking);
  });

  test('QR scan: state first, increasing ids, connected with the redirect, row CONNECTED', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store, { callbackUrl: 'https://app.example.com/done?x=1&session=old' });
    await linking.ensureStarted(ws.id);
    const stream = await Stream.open(linking, ws.id);
    assert.equal(stream.events[0]?.event, 'state');
    await deps.engine.virtualPhone.scan((await linking.state(ws.id)).qr!.qr);
    const { data } = await stream.next('connected');
    assert.equal(data.method, 'qr');
    assert.equal(data.session, 'shop');
    const redirect = new URL(data.redirectUrl!);
    assert.equal(redirect.origin + redirect.pathname, 'https://app.example.com/done');
    assert.deepEqual([...redirect.searchParams], [['x', '1'], ['session', 'shop'], ['status', 'connected'], ['method', 'qr'], ['widgetSession', ws.id]]);
    const ids = stream.events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
    const wa = (await deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([wa.status, wa.statusReason, wa.method, wa.phone, wa.pushName], ['CONNECTED', null, 'qr', data.phone, data.pushName]);
    assert.equal((await linking.state(ws.id)).phase, 'connected');
    assert.match(await new Sessions(deps, linking).sendText({ tenantId: 'default', name: 'shop' }, '5511912345678', 'hi'), /^3EB0/);
    await teardown(deps, linking);
  });

  test('pairing code: shown as XXXX-XXXX, row PAIRING_CODE, entering it connects with that number', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store, { mode: 'pairing' });
    const stream = await Stream.open(linking, ws.id);
    await linking.requestPairingCode(ws.id, '5511912345678');
    const { data } = await stream.next('pairing_code');
    assert.match(data.code, /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    assert.equal((await linking.state(ws.id)).phase, 'pairing');
    assert.equal((await deps.store.getWaSession('default', 'shop'))!.statusReason, 'PAIRING_CODE');
    await deps.engine.virtualPhone.enterCode(data.code);
    const connected = await stream.next('connected');
    assert.deepEqual([connected.data.method, connected.data.phone], ['pairing', '5511912345678']);
    await teardown(deps, linking);
  });

  test('a QR-only widget session refuses pairing codes', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store, { mode: 'qr' });
    await assert.rejects(linking.requestPairingCode(ws.id, '5511912345678'), { status: 409 });
    await teardown(deps, linking);
  });

  test('two widget sessions (and two tabs) for one name all get every event', async () => {
    const { deps, linking } = setup();
    const a = await insertWidgetSession(deps.store);
    const b = await insertWidgetSession(deps.store);
    await linking.ensureStarted(a.id);
    await linking.ensureStarted(b.id);
    assert.equal((await linking.state(b.id)).qr?.qr, (await linking.state(a.id)).qr?.qr, 'the late one sees the current QR');
    const streams = [await Stream.open(linking, a.id), await Stream.open(linking, a.id), await Stream.open(linking, b.id)];
    await deps.engine.virtualPhone.scan((await linking.state(a.id)).qr!.qr);
    for (const s of streams) assert.equal((await s.next('connected')).data.session, 'shop');
    await teardown(deps, linking);
  });

  test('resume with a last event id: state as of that id, then exactly the later events', async () => {
    const { deps, linking } = setup({ speed: 500 });
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    const first = await Stream.open(linking, ws.id);
    await first.next('qr');
    first.close();
    const seen = first.events.at(-1)!;
    const missed = await Stream.open(linking, ws.id, null);
    await missed.next('qr');
    await missed.next('qr');
    missed.close();
    const resumed = await Stream.open(linking, ws.id, seen.id);
    const [state, ...rest] = resumed.events;
    assert.equal(state?.event, 'state');
    assert.equal(state.id, seen.id);
    assert.equal(state.event === 'state' && state.data.qr?.qr, seen.event === 'qr' && seen.data.qr, 'state as of the resumed id');
    assert.deepEqual(rest.map((e) => e.id), Array.from({ length: rest.length }, (_, i) => seen.id + 1 + i), 'no gap, no repeat');
    assert.ok(rest.length >= 2);
    resumed.close();
    // An unknown id resumes at the current state.
    const unknown = await Stream.open(linking, ws.id, 10_000);
    assert.deepEqual(unknown.names(), ['state']);
    await teardown(deps, linking);
  });

  test('every QR used up: expired QR_TIMEOUT, row DISCONNECTED/QR_TIMEOUT; restart only then', async () => {
    const { deps, linking } = setup({ speed: 2000 });
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    await assert.rejects(linking.restartQr(ws.id), { status: 409 });
    const stream = await Stream.open(linking, ws.id);
    assert.deepEqual((await stream.next('expired')).data, {
      reason: 'QR_TIMEOUT',
      state: { phase: 'expired', status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT', methods: ['qr', 'pairing'] },
    });
    const wa = (await deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([wa.status, wa.statusReason], ['DISCONNECTED', 'QR_TIMEOUT']);
    const before = stream.events.length;
    await linking.restartQr(ws.id);
    const after = stream.events.slice(before);
    assert.deepEqual(after.map((e) => e.event), ['state', 'qr']);
    assert.equal(after[1]?.event === 'qr' && after[1].data.attempt, 1, 'a fresh cycle');
    assert.equal((await deps.store.getWaSession('default', 'shop'))!.statusReason, 'SCAN_QR');
    await teardown(deps, linking);
  });

  const FAILURES: [SimulatorFailure, string, boolean, string][] = [
    ['network-down', 'WA_UNREACHABLE', true, 'FAILED'],
    ['logged-out', 'LOGGED_OUT', false, 'LOGGED_OUT'],
    ['replaced', 'REPLACED', false, 'FAILED'],
  ];
  for (const [failure, code, retryable, reason] of FAILURES) {
    test(`engine failure "${failure}" reaches the widget as failed ${code}`, async () => {
      const { deps, linking } = setup({ speed: 1000, failures: () => failure });
      const ws = await insertWidgetSession(deps.store);
      const stream = await Stream.open(linking, ws.id);
      await linking.ensureStarted(ws.id);
      const { data } = await stream.next('failed');
      assert.deepEqual([data.code, data.retryable], [code, retryable]);
      if (failure === 'network-down') {
        assert.equal(data.message, 'Could not reach WhatsApp servers');
        const retrying = stream.events.find((e) => e.event === 'state' && e.data.statusReason === 'AUTO_RECONNECT');
        assert.ok(retrying, 'AUTO_RECONNECT shown while retrying');
      }
      assert.equal((await linking.state(ws.id)).phase, 'failed');
      const wa = (await deps.store.getWaSession('default', 'shop'))!;
      assert.deepEqual([wa.status, wa.statusReason], ['DISCONNECTED', reason]);
      if (retryable) await linking.restartQr(ws.id);
      else await assert.rejects(linking.restartQr(ws.id), { status: 409 });
      await teardown(deps, linking);
    });
  }

  test('the widget session lifetime ends in expired TOKEN_EXPIRED and stops the QR cycle', async () => {
    const clock = new ManualClock();
    const { deps, linking } = setup({ clock });
    const ws = await insertWidgetSession(deps.store, {}, clock.now());
    await linking.ensureStarted(ws.id);
    clock.advance(900_001);
    const state = await linking.state(ws.id);
    assert.deepEqual([state.phase, state.expired?.reason], ['expired', 'TOKEN_EXPIRED']);
    assert.equal(deps.engine.isRunning({ tenantId: 'default', name: 'shop' }), false);
    await teardown(deps, linking);
  });

  test('delete: logs out, removes row and credentials, tells the widget; then 404', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    await deps.engine.virtualPhone.scan((await linking.state(ws.id)).qr!.qr);
    const key = { tenantId: 'default', name: 'shop' };
    const sessions = new Sessions(deps, linking);
    await sessions.delete(key);
    assert.equal(await deps.store.getWaSession('default', 'shop'), null);
    assert.equal(await deps.store.hasAuthState({ tenantId: 'default', sessionName: 'shop' }), false);
    assert.equal((await linking.state(ws.id)).failure?.code, 'SESSION_DELETED');
    await assert.rejects(sessions.sendText(key, '1', 'x'), { status: 404 });
    await assert.rejects(sessions.delete(key), { status: 404 });
    await teardown(deps, linking);
  });

  test('Cloud API connect marks the row and tells every stream; delete needs no engine', async () => {
    const { deps, linking } = setup({ config: { meta: { ...testConfig().meta, appId: '123', configId: '456' } } });
    const ws = await insertWidgetSession(deps.store);
    await linking.ensureStarted(ws.id);
    const stream = await Stream.open(linking, ws.id);
    const payload = await linking.connectCloudApi(ws.id, { phone: '5511912345678', pushName: 'Shop', wabaId: 'w1', phoneNumberId: 'p1', stored: '{"x":1}' });
    assert.deepEqual([payload.method, payload.wabaId, payload.phoneNumberId], ['cloud-api', 'w1', 'p1']);
    assert.equal((await stream.next('connected')).data.method, 'cloud-api');
    const wa = (await deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([wa.status, wa.method, wa.cloudApi], ['CONNECTED', 'cloud-api', '{"x":1}']);
    assert.equal(deps.engine.isRunning({ tenantId: 'default', name: 'shop' }), false, 'the QR cycle stopped');
    await new Sessions(deps, linking).delete({ tenantId: 'default', name: 'shop' });
    assert.equal(await deps.store.getWaSession('default', 'shop'), null);
    await teardown(deps, linking);
  });

  test('fail() sends failed to the widget session', async () => {
    const { deps, linking } = setup();
    const ws = await insertWidgetSession(deps.store);
    const stream = await Stream.open(linking, ws.id);
    await linking.fail(ws.id, { code: 'META_EXCHANGE_FAILED', message: 'nope', retryable: true });
    assert.equal((await stream.next('failed')).data.code, 'META_EXCHANGE_FAILED');
    const cloudOnly = await insertWidgetSession(deps.store, { mode: 'cloud-api', sessionName: 'cloud' });
    await linking.fail(cloudOnly.id, { code: 'META_EXCHANGE_FAILED', message: 'nope', retryable: true });
    await linking.restartQr(cloudOnly.id);
    assert.equal(deps.engine.isRunning({ tenantId: 'default', name: 'cloud' }), false, 'no QR cycle for a Cloud API widget');
    assert.deepEqual([(await linking.state(cloudOnly.id)).phase, (await linking.state(cloudOnly.id)).failure], ['idle', null], 'failure cleared for a new signup');
    await assert.rejects(linking.restartQr(cloudOnly.id), { status: 409 }, 'nothing to retry any more');
    await teardown(deps, linking);
  });
});

describe('linking across a restart (same SQLite file)', () => {
  const dbFile = () => join(mkdtempSync(join(tmpdir(), 'titan-linking-')), 'titan.db');

  test('mid-QR: a fresh QR cycle resumes, ids keep increasing, the stream starts with state', async () => {
    const path = dbFile();
    const one = setup({ store: new SqliteStore(path) });
    const ws = await insertWidgetSession(one.deps.store);
    await one.linking.ensureStarted(ws.id);
    const oldQr = (await one.linking.state(ws.id)).qr!.qr;
    const lastId = (await Stream.open(one.linking, ws.id)).events[0]!.id;
    await teardown(one.deps, one.linking);
    await one.deps.store.close();

    const two = setup({ store: new SqliteStore(path) });
    await two.linking.resume();
    const stream = await Stream.open(two.linking, ws.id, lastId);
    assert.equal(stream.events[0]?.event, 'state');
    const state = await two.linking.state(ws.id);
    assert.equal(state.phase, 'qr');
    assert.notEqual(state.qr?.qr, oldQr);
    const ids = stream.events.map((e) => e.id);
    assert.equal(ids[0], lastId, 'state as of the last id the client saw');
    assert.deepEqual(ids.slice(1), [lastId + 1, lastId + 2], 'then the restart: starting, a fresh QR');
    assert.equal(stream.events.at(-1)?.event, 'qr');
    await assert.rejects(two.deps.engine.virtualPhone.scan(oldQr), { code: 'BAD_REQUEST' });
    assert.equal((await two.deps.store.getWaSession('default', 'shop'))!.statusReason, 'SCAN_QR');
    await two.deps.engine.virtualPhone.scan(state.qr!.qr);
    const connected = await stream.next('connected');
    assert.ok(connected.id > stream.events[0]!.id);
    await teardown(two.deps, two.linking);
  });

  test('linking whose widget session ran out during the downtime ends as DISCONNECTED/QR_TIMEOUT', async () => {
    const path = dbFile();
    const clock = new ManualClock();
    const one = setup({ store: new SqliteStore(path), clock });
    const ws = await insertWidgetSession(one.deps.store, {}, clock.now());
    await one.linking.ensureStarted(ws.id);
    await teardown(one.deps, one.linking);
    await one.deps.store.close();

    clock.advance(900_001);
    const two = setup({ store: new SqliteStore(path), clock });
    await two.linking.resume();
    const wa = (await two.deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([wa.status, wa.statusReason], ['DISCONNECTED', 'QR_TIMEOUT']);
    assert.equal(two.deps.engine.isRunning({ tenantId: 'default', name: 'shop' }), false);
    await teardown(two.deps, two.linking);
  });

  test('after connect: the session reconnects by itself and stays connected', async () => {
    const path = dbFile();
    const one = setup({ store: new SqliteStore(path) });
    const ws = await insertWidgetSession(one.deps.store);
    await one.linking.ensureStarted(ws.id);
    await one.deps.engine.virtualPhone.scan((await one.linking.state(ws.id)).qr!.qr);
    const before = (await one.deps.store.getWaSession('default', 'shop'))!;
    await teardown(one.deps, one.linking);
    await one.deps.store.close();

    const two = setup({ store: new SqliteStore(path) });
    assert.equal((await two.deps.store.getWaSession('default', 'shop'))!.status, 'CONNECTED', 'shutdown did not mark it disconnected');
    await two.linking.resume();
    const after = (await two.deps.store.getWaSession('default', 'shop'))!;
    assert.deepEqual([after.status, after.phone, after.method], ['CONNECTED', before.phone, 'qr']);
    assert.equal((await two.linking.state(ws.id)).phase, 'connected');
    assert.match(await two.sessions.sendText({ tenantId: 'default', name: 'shop' }, '5511912345678', 'hi'), /^3EB0/);
    await teardown(two.deps, two.linking);
  });
});

describe('widget state parts', () => {
  const config = testConfig();
  const withMeta = testConfig({ meta: { ...config.meta, appId: 'A', configId: 'C' } });
  const ws = (o: object): WidgetSessionRecord => ({
    id: 'ws_1', tenantId: 'default', sessionName: 'shop', mode: 'all', callbackUrl: null, allowedOrigins: [], locale: null,
    metaApp: null, createdAt: 0, expiresAt: 900_000, ...o,
  });

  test('methods follow the mode; Cloud API only with a Meta app', async () => {
    const CASES: [typeof config, object, string[]][] = [
      [config, { mode: 'all' }, ['qr', 'pairing']],
      [withMeta, { mode: 'all' }, ['qr', 'pairing', 'cloud-api']],
      [config, { mode: 'all', metaApp: { appId: 'B', configId: 'D', appSecretEnc: 'x' } }, ['qr', 'pairing', 'cloud-api']],
      [config, { mode: 'qr' }, ['qr']],
      [config, { mode: 'pairing' }, ['pairing']],
      [config, { mode: 'cloud-api' }, ['cloud-api']],
    ];
    for (const [cfg, o, expected] of CASES) assert.deepEqual(methodsFor(cfg, ws(o)), expected, JSON.stringify(o));
  });

  test('public Meta config never carries a secret; BYOA wins', async () => {
    const state = widgetState(config, ws({ metaApp: { appId: 'B', configId: 'D', appSecretEnc: 'sealed' } }), {
      phase: 'idle', status: 'DISCONNECTED', statusReason: null, qr: null, pairingCode: null, connected: null, failure: null, expired: null,
    });
    assert.deepEqual(state.meta, { appId: 'B', configId: 'D', sdkUrl: config.meta.sdkUrl, graphVersion: 'v21.0' });
    assert.doesNotMatch(JSON.stringify(state), /sealed/);
  });

  test('messageTargetOrigin and redirectUrl', async () => {
    assert.equal(messageTargetOrigin(ws({ allowedOrigins: [] })), '*');
    assert.equal(messageTargetOrigin(ws({ allowedOrigins: ['https://a.example'] })), 'https://a.example');
    assert.equal(messageTargetOrigin(ws({ allowedOrigins: ['https://a.example', 'https://b.example'] })), '*');
    assert.equal(redirectUrl(null, 's', 'qr', 'ws_1'), null);
    assert.equal(redirectUrl('https://x.example/cb', 's 1', 'pairing', 'ws_1'), 'https://x.example/cb?session=s+1&status=connected&method=pairing&widgetSession=ws_1');
  });
});

describe('the QR / pairing code cache', () => {
  /** A service fed by hand: the engine stub only hands over its listener. */
  const fedByHand = () => {
    const deps = makeDeps();
    let listener: EngineListener = () => {};
    const engine = { subscribe: (l: EngineListener) => ((listener = l), () => {}) } as unknown as LinkingEngine;
    const linking = new LinkingService({ ...deps, engine });
    return { deps, linking, feed: (event: EngineEvent) => listener(event) };
  };
  const key = { tenantId: 'default', name: 'long-linked' };
  const CASES: [EngineEvent, boolean][] = [
    [{ type: 'message', key, message: { id: 'm1', from: '15550001111', type: 'text', text: 'hi', timestamp: 1 } }, false],
    [{ type: 'message_status', key, id: 'm1', status: 'delivered' }, false],
    [{ type: 'disconnected', key, reason: 'AUTO_RECONNECT', code: 'WA_UNREACHABLE', message: 'x', retryable: true, reconnecting: true }, false],
    [{ type: 'qr', key, qr: 'ref', expiresAt: 2, attempt: 1, maxAttempts: 5 }, true],
    [{ type: 'pairing_code', key, code: 'ABCD1234', phoneNumber: '15550001111', expiresAt: 2 }, true],
  ];
  for (const [event, cached] of CASES) {
    test(`a ${event.type} event ${cached ? 'caches' : 'leaves no'} entry for its session`, async () => {
      const { deps, linking, feed } = fedByHand();
      feed(event);
      assert.equal(linking.linkCodesOf(key) !== null, cached);
      await linking.close();
      await deps.engine.close();
    });
  }
});
