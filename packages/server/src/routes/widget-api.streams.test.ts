// The stream caps of SECURITY.md over real HTTP: per widget session (the oldest goes), per
// address (the newest is refused), and no stream outlives its widget session.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseClient } from './test-support/sse-client.js';
import { simApp } from './test-support/sim-app.js';
import { REPLACED_RETRY_MS, STREAMS_PER_IP, STREAMS_PER_WIDGET_SESSION, STREAM_RETRY_AFTER_SECONDS } from './stream-limits.js';

const isOpen = async (client: SseClient): Promise<boolean> =>
  Promise.race([client.ended.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 50))]);

describe('widget event stream caps (real HTTP)', () => {
  test('the documented numbers', () => {
    assert.deepEqual([STREAMS_PER_WIDGET_SESSION, STREAMS_PER_IP, STREAM_RETRY_AFTER_SECONDS, REPLACED_RETRY_MS], [3, 50, 15, 15_000]);
  });

  test(`one widget session holds at most ${STREAMS_PER_WIDGET_SESSION} streams: a new one closes the oldest, told to wait`, async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const clients: SseClient[] = [];
      for (let i = 0; i < STREAMS_PER_WIDGET_SESSION + 2; i++) {
        const client = new SseClient(port, `/widget/api/events?token=${ws.token}`);
        await client.waitForEvent('state');
        clients.push(client);
      }
      await Promise.all(clients.slice(0, 2).map((c) => c.ended));
      for (const replaced of clients.slice(0, 2)) {
        assert.ok(replaced.commentTexts.includes('replaced'), 'a replaced stream is told why');
        assert.equal(replaced.retry, REPLACED_RETRY_MS, 'and to come back slowly');
      }
      for (const kept of clients.slice(2)) assert.equal(await isOpen(kept), true, 'the newest streams stay open');
      // The kept streams still get events: a tab that reloaded keeps working.
      await sim.engine.virtualPhone.scan(clients.at(-1)!.frames[0]!.json.qr.qr);
      for (const kept of clients.slice(2)) assert.equal((await kept.waitForEvent('connected')).json.session, ws.session);
      for (const replaced of clients.slice(0, 2)) assert.equal(replaced.frames.some((f) => f.event === 'connected'), false);
      for (const c of clients) c.destroy();
    } finally {
      await sim.close();
    }
  });

  test('every stream of a widget session ends when it expires, after the expired event', async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const tabs = [new SseClient(port, `/widget/api/events?token=${ws.token}`), new SseClient(port, `/widget/api/events?token=${ws.token}`)];
      await Promise.all(tabs.map((t) => t.waitForEvent('state')));
      sim.clock.advance(901_000);
      // The linking layer notices on its timer or on the next use of the widget session.
      await sim.linking.state(ws.id);
      await Promise.all(tabs.map((t) => t.ended));
      for (const tab of tabs) assert.equal(tab.frames.at(-1)!.event, 'expired');
      assert.equal(tabs[0]!.frames.at(-1)!.json.reason, 'TOKEN_EXPIRED');
      // And the expired token cannot open a new one.
      const late = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      await late.opened;
      assert.equal(late.status, 403);
      late.destroy();
    } finally {
      await sim.close();
    }
  });

  test('a connected widget session ends its streams at expiry too', async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const tab = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      const state = await tab.waitForEvent('state');
      await sim.engine.virtualPhone.scan(state.json.qr.qr);
      await tab.waitForEvent('connected');
      sim.clock.advance(901_000);
      await sim.linking.state(ws.id);
      await tab.ended;
      assert.equal(tab.frames.at(-1)!.event, 'connected', 'no expired event after connected, just the end');
    } finally {
      await sim.close();
    }
  });

  test('per address: over the cap the newest is refused with 429 and Retry-After; a closed stream frees its slot', async () => {
    const perIp = 2;
    const sim = await simApp({ limits: { streams: { perIp } } });
    const { port } = await sim.listen();
    try {
      const sessions = await Promise.all([sim.widgetSession(), sim.widgetSession(), sim.widgetSession()]);
      const open = sessions.slice(0, perIp).map((ws) => new SseClient(port, `/widget/api/events?token=${ws.token}`));
      await Promise.all(open.map((c) => c.waitForEvent('state')));
      const refused = new SseClient(port, `/widget/api/events?token=${sessions[2]!.token}`);
      await refused.opened;
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], String(STREAM_RETRY_AFTER_SECONDS));
      refused.destroy();
      for (const c of open) assert.equal(await isOpen(c), true, 'the open ones are not touched');
      open[0]!.destroy();
      let admitted: SseClient | null = null;
      for (let i = 0; i < 50 && !admitted; i++) {
        const next = new SseClient(port, `/widget/api/events?token=${sessions[2]!.token}`);
        await next.opened;
        if (next.status === 200) admitted = next;
        else {
          next.destroy();
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      assert.ok(admitted, 'the slot came back once the client left');
      await admitted.waitForEvent('state');
      admitted.destroy();
      open[1]!.destroy();
    } finally {
      await sim.close();
    }
  });
});
