// Two instances on one SQLite file and one Redis; instance `a` owns every WhatsApp session.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseClient, type SseFrame } from '../routes/test-support/sse-client.js';
import { postgresUnavailable } from '../store/test-support/postgres.js';
import { redisUnavailable } from './test-support/redis.js';
import { testCluster as testClusterOn, type TestClusterOptions } from './test-support/cluster-app.js';

const noRedis = await redisUnavailable();
const noPostgres = await postgresUnavailable();

const events = (client: SseClient): SseFrame[] => client.frames.slice(1);
const idsOf = (frames: SseFrame[]): number[] => frames.map((f) => Number(f.id));
const stream = (port: number, token: string, lastEventId?: string) =>
  new SseClient(port, `/widget/api/events?token=${token}`, lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId });

// The same scenarios on one SQLite file and on Postgres (where a row is written a moment after
// its event goes out).
for (const store of ['sqlite', 'postgres'] as const) {
  const skip = (noRedis ?? (store === 'postgres' ? noPostgres : null)) ?? undefined;
  const testCluster = (options: TestClusterOptions = {}) => testClusterOn({ ...options, store });

  describe(`cluster mode on ${store}: any instance serves any widget route`, { skip }, () => {
    test('SSE on b streams a\'s events with the same ids; a scan through b links on a', async () => {
      const cluster = await testCluster({ speed: 20 });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(a, { sessionName: 'shop' });
        const onA = stream(a.port, ws.token);
        await onA.waitForEvent('qr');
        const onB = stream(b.port, ws.token);
        const stateB = await onB.waitForEvent('state');
        assert.equal(onB.status, 200);
        assert.equal(stateB.json.phase, 'qr', 'state first, as a\'s');
        const qr = await onB.waitFor((f) => f.event === 'qr' && Number(f.id) > Number(stateB.id));
        const scan = await cluster.post(b, '/dev/simulator/scan', { qr: qr.json.qr });
        assert.deepEqual([scan.status, scan.body.data?.session], [200, 'shop'], JSON.stringify(scan.body));
        const [connectedA, connectedB] = await Promise.all([onA.waitForEvent('connected'), onB.waitForEvent('connected')]);
        assert.equal(connectedB.id, connectedA.id);
        assert.deepEqual(connectedB.json, connectedA.json);
        // Every event b got, a sent with the same id, name and data.
        const fromA = new Map(events(onA).map((f) => [f.id, f]));
        for (const frame of events(onB)) assert.deepEqual([frame.event, frame.data], [fromA.get(frame.id)?.event, fromA.get(frame.id)?.data], `id ${frame.id}`);
        assert.deepEqual(idsOf(events(onB)), idsOf(events(onA)).filter((id) => id > Number(stateB.id)), 'contiguous, none lost');
        const key = { tenantId: 'acme', name: 'shop' };
        assert.equal(a.engine.isRunning(key), true, 'the owner runs the session');
        assert.equal(b.engine.isRunning(key), false, 'b never started it');
        assert.equal((await b.linking.state(ws.id)).phase, 'connected', 'b answers state from the owner');
        onA.destroy();
        onB.destroy();
      } finally {
        await cluster.close();
      }
    });

    test('a pairing code asked on b is made by a; the code typed on b links', async () => {
      const cluster = await testCluster({ speed: 1 });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(a, { sessionName: 'shop', mode: 'pairing' });
        const onB = stream(b.port, ws.token);
        await onB.waitForEvent('state');
        const res = await cluster.post(b, '/widget/api/pairing-code', { phoneNumber: '+1 555 010 2000' }, ws.token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.match(res.body.data.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
        const event = await onB.waitForEvent('pairing_code');
        assert.equal(event.json.code, res.body.data.code);
        const typed = await cluster.post(b, '/dev/simulator/enter-code', { code: res.body.data.code });
        assert.equal(typed.status, 200, JSON.stringify(typed.body));
        assert.equal((await onB.waitForEvent('connected')).json.method, 'pairing');
        // A refusal on the owner reaches b as the same answer.
        const again = await cluster.post(b, '/widget/api/pairing-code', { phoneNumber: '+1 555 010 2000' }, ws.token);
        assert.deepEqual([again.status, again.body.code], [409, 'SESSION_ALREADY_CONNECTED']);
        const wrong = await cluster.post(b, '/dev/simulator/enter-code', { code: 'ZZZZ-ZZZZ' });
        assert.deepEqual([wrong.status, wrong.body.code], [400, 'BAD_REQUEST']);
        onB.destroy();
      } finally {
        await cluster.close();
      }
    });

    test('a stream dropped on b resumes on a, and back on b: no id lost or repeated', async () => {
      const cluster = await testCluster({ speed: 60 });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(b);
        // Watches every event from the start, to compare with the resumed pieces.
        const watcher = stream(a.port, ws.token);
        const first = stream(b.port, ws.token);
        await first.waitForEvent('qr');
        first.destroy();
        const seenOnB = Number(first.lastId);
        await watcher.waitFor((f) => Number(f.id) >= seenOnB + 2, 10_000);
        const second = stream(a.port, ws.token, String(seenOnB));
        await second.waitForCount(3);
        second.destroy();
        const seenOnA = Number(second.lastId);
        await watcher.waitFor((f) => Number(f.id) >= seenOnA + 1, 10_000);
        const third = stream(b.port, ws.token, String(seenOnA));
        await third.waitForCount(2);
        for (const [resumed, from] of [[second, seenOnB], [third, seenOnA]] as const) {
          assert.deepEqual([resumed.frames[0]!.event, Number(resumed.frames[0]!.id)], ['state', from], 'state as of the last id seen');
        }
        const lastQrOnB = first.frames.filter((f) => f.event === 'qr').at(-1)!;
        if (Number(lastQrOnB.id) === seenOnB) assert.equal(second.frames[0]!.json.qr.qr, lastQrOnB.json.qr, 'the QR the tab showed when it dropped');
        // The three pieces, joined, are exactly what the watcher saw.
        await watcher.waitForEvent('expired', 10_000);
        await third.waitForEvent('expired', 10_000);
        const joined = [...events(first), ...events(second), ...events(third)];
        const expected = events(watcher).filter((f) => Number(f.id) >= Number(events(first)[0]!.id));
        assert.deepEqual(idsOf(joined), idsOf(expected));
        assert.deepEqual(joined.map((f) => f.data), expected.map((f) => f.data));
        watcher.destroy();
        third.destroy();
      } finally {
        await cluster.close();
      }
    });

    test('the owner gone: widget actions on b answer 503 SERVICE_UNAVAILABLE, retryable; once it moved, the new owner answers', async () => {
      const cluster = await testCluster({ rpcTimeoutMs: 300 });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(b);
        cluster.view.owner = 'dead';
        const res = await fetch(`http://127.0.0.1:${b.port}/widget/api/state?token=${ws.token}`);
        assert.equal(res.status, 503);
        assert.equal(((await res.json()) as { code: string }).code, 'SERVICE_UNAVAILABLE');
        assert.equal(res.headers.get('retry-after'), '2');
        // Failover while the call waits: b asks again and reaches the new owner.
        const moving = fetch(`http://127.0.0.1:${b.port}/widget/api/state?token=${ws.token}`);
        setTimeout(() => (cluster.view.owner = 'a'), 100);
        const moved = await moving;
        assert.equal(moved.status, 200);
        assert.equal(a.engine.isRunning({ tenantId: 'acme', name: ws.session }), true);
      } finally {
        await cluster.close();
      }
    });

    test('the session moves to b mid-link and back to a: the stream on b goes on, no id lost or repeated', async () => {
      const cluster = await testCluster({ speed: 20 });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(a, { sessionName: 'shop' });
        const key = { tenantId: 'acme', name: 'shop' };
        const tab = stream(b.port, ws.token);
        await tab.waitForEvent('qr');
        // The old owner's socket stops (the leased engine's part, done by hand here); the new owner
        // adopts the session (the ownership loop's part) and resumes its widget session mid-link
        // with a fresh QR cycle.
        for (const [from, to] of [[a, b], [b, a]] as const) {
          const before = Number(tab.lastId);
          cluster.view.move(key, to.id);
          await from.engine.stop(key);
          await to.linking.adopt(key);
          const qr = await tab.waitFor((f) => f.event === 'qr' && Number(f.id) > before);
          const next = tab.frames.find((f) => Number(f.id) === before + 1)!;
          assert.deepEqual([next.event, next.json.phase], ['state', 'starting'], `${to.id}'s fresh cycle, right after ${from.id}'s last event`);
          assert.equal(to.engine.isRunning(key), true);
          assert.equal(from.engine.isRunning(key), false);
          assert.equal((await b.linking.state(ws.id)).qr?.qr, qr.json.qr, `${to.id} answers with the QR it shows`);
        }
        const last = tab.frames.filter((f) => f.event === 'qr').at(-1)!;
        assert.equal((await cluster.post(b, '/dev/simulator/scan', { qr: last.json.qr })).status, 200);
        await tab.waitForEvent('connected');
        const ids = idsOf(tab.frames);
        assert.deepEqual(ids, ids.map((_, i) => ids[0]! + i), 'one stream, every id once');
        tab.destroy();
        // A start resumes only what the instance owns: b leaves a's linked number alone.
        await b.linking.resume();
        await a.linking.resume();
        assert.deepEqual([a.engine.isRunning(key), b.engine.isRunning(key)], [true, false]);
      } finally {
        await cluster.close();
      }
    });

    test('Cloud API: a stream on b starts from the owner\'s state (nothing published yet); the finish runs on a', async () => {
      const meta = { appId: '1234', configId: '5678', appSecret: 'app-secret', graphUrl: 'http://127.0.0.1:9', graphVersion: 'v21.0', sdkUrl: 'https://connect.facebook.net/en_US/sdk.js' };
      const cluster = await testCluster({ config: { meta } });
      const [a, b] = cluster.nodes;
      try {
        const ws = await cluster.widgetSession(a, { sessionName: 'shop', mode: 'cloud-api' });
        const tab = stream(b.port, ws.token);
        const state = await tab.waitForEvent('state');
        assert.deepEqual([state.json.phase, state.json.methods], ['idle', ['cloud-api']]);
        const connection = { phone: '15550001234', pushName: 'Shop', wabaId: '1111', phoneNumberId: '2222', stored: JSON.stringify({ wabaId: '1111' }) };
        const payload = await b.linking.connectCloudApi(ws.id, connection);
        assert.deepEqual([payload.method, payload.wabaId, payload.phoneNumberId], ['cloud-api', '1111', '2222']);
        const connected = await tab.waitForEvent('connected');
        assert.deepEqual(connected.json, { ...payload, state: connected.json.state });
        assert.equal(Number(connected.id), Number(state.id) + 1);
        const row = await a.store.getWaSession('acme', 'shop');
        assert.deepEqual([row?.status, row?.method, row?.phone], ['CONNECTED', 'cloud-api', '15550001234']);
        tab.destroy();
      } finally {
        await cluster.close();
      }
    });
  });
}
