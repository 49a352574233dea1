// Not timed: many streams on an instance that owns none of their sessions all get every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseClient } from '../routes/test-support/sse-client.js';
import { redisUnavailable } from './test-support/redis.js';
import { testCluster } from './test-support/cluster-app.js';

const skip = (await redisUnavailable()) ?? undefined;
const WIDGET_SESSIONS = 100;
const TABS_EACH = 20;
const OPEN_BATCH = 200;

test(`${WIDGET_SESSIONS * TABS_EACH} streams on b for ${WIDGET_SESSIONS} widget sessions owned by a all get their events`, { skip, timeout: 60_000 }, async () => {
  const cluster = await testCluster({
    limits: () => ({ widgetSessions: { perMinute: 10_000 }, streams: { perWidgetSession: TABS_EACH, perIp: 100_000 } }),
  });
  const [a, b] = cluster.nodes;
  const tabs: SseClient[][] = [];
  try {
    const sessions = [];
    for (let i = 0; i < WIDGET_SESSIONS; i++) sessions.push(await cluster.widgetSession(a, { sessionName: `shop-${i}` }));
    // Opened 200 at a time, each batch answered before the next, as a burst of reconnecting tabs
    // would: 2,000 connects at once overflow the listen backlog (511) and get reset.
    for (let i = 0; i < sessions.length; i += OPEN_BATCH / TABS_EACH) {
      const batch = sessions.slice(i, i + OPEN_BATCH / TABS_EACH).map((ws) => Array.from({ length: TABS_EACH }, () => new SseClient(b.port, `/widget/api/events?token=${ws.token}`)));
      tabs.push(...batch);
      await Promise.all(batch.flat().map((tab) => tab.waitFor(() => true, 30_000)));
    }
    // Each tab shows a QR: in its first `state`, or in a `qr` event after a `starting` state.
    await Promise.all(tabs.flat().map((tab) => tab.waitFor((f) => f.event === 'qr' || (f.event === 'state' && f.json.phase === 'qr'), 30_000)));
    assert.equal(b.linking.bus.streamCount, WIDGET_SESSIONS * TABS_EACH);
    // Every session links (the phone scans on the owner); every tab must see it.
    for (const ws of sessions) await a.engine.virtualPhone!.scan((await a.linking.state(ws.id)).qr!.qr);
    for (const [i, group] of tabs.entries()) {
      const connected = await Promise.all(group.map((tab) => tab.waitForEvent('connected', 30_000)));
      assert.equal(new Set(connected.map((f) => f.id)).size, 1, `one id for connected across the tabs of ${sessions[i]!.session}`);
      assert.equal(connected[0]!.json.session, sessions[i]!.session);
      for (const tab of group) {
        const ids = tab.frames.map((f) => Number(f.id));
        assert.equal(tab.frames[0]!.event, 'state');
        assert.deepEqual(ids, ids.map((_, k) => ids[0]! + k), 'state, then every later id once');
      }
    }
    assert.equal(a.engine.isRunning({ tenantId: 'acme', name: 'shop-0' }), true);
    assert.equal(b.engine.isRunning({ tenantId: 'acme', name: 'shop-0' }), false);
  } finally {
    for (const tab of tabs.flat()) tab.destroy();
    await cluster.close();
  }
});
