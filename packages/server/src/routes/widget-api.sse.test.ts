import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError } from '../errors.js';
import { createLinking } from '../linking/index.js';
import { insertWidgetSession, makeDeps } from '../linking/test-support/fixtures.js';
import { SseClient } from './test-support/sse-client.js';
import { simApp } from './test-support/sim-app.js';
import { widgetApiRouter } from './widget-api.js';

const ids = (client: SseClient) => client.frames.map((f) => Number(f.id));

describe('GET /widget/api/events (real HTTP client)', () => {
  test('headers, state first, then increasing ids', async () => {
    const sim = await simApp({ speed: 600 });
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const client = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      await client.opened;
      assert.equal(client.status, 200);
      assert.equal(client.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(client.headers['cache-control'], 'no-store');
      assert.equal(client.headers['x-accel-buffering'], 'no');
      await client.waitForCount(3);
      assert.equal(client.frames[0]!.event, 'state');
      assert.equal(client.frames[0]!.json.phase, 'qr', 'the first request started linking');
      const rest = ids(client).slice(1);
      assert.ok(rest.every((id, i) => id === ids(client)[0]! + i + 1), `contiguous: ${ids(client).join(',')}`);
      assert.deepEqual(client.frames.slice(1).map((f) => f.event), ['qr', 'qr']);
      client.destroy();
    } finally {
      await sim.close();
    }
  });

  test('resume after a forced disconnect with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const sim = await simApp({ speed: 1000 });
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const first = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      await first.waitForCount(2);
      first.destroy();
      const lastSeen = Number(first.lastId);
      // QRs keep rotating while the client is away.
      const watcher = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      await watcher.waitFor((f) => Number(f.id) >= lastSeen + 2);
      watcher.destroy();
      assert.equal(sim.engine.isRunning({ tenantId: 'acme', name: ws.session }), true, 'closing streams never stops linking');
      const resumed = new SseClient(port, `/widget/api/events?token=${ws.token}`, { 'Last-Event-ID': String(lastSeen) });
      await resumed.waitForCount(3);
      const [state, ...events] = resumed.frames;
      assert.equal(state!.event, 'state');
      assert.equal(Number(state!.id), lastSeen);
      assert.equal(state!.json.qr.qr, first.frames.at(-1)!.json.qr, 'state as of the last event the client saw');
      const after = events.map((f) => Number(f.id));
      assert.deepEqual(after, after.map((_, i) => lastSeen + 1 + i));
      // And with ?lastEventId= (a reloaded page has no Last-Event-ID header).
      const byQuery = new SseClient(port, `/widget/api/events?token=${ws.token}&lastEventId=${lastSeen}`);
      await byQuery.waitForCount(2);
      assert.deepEqual(ids(byQuery).slice(0, 2), [lastSeen, lastSeen + 1]);
      resumed.destroy();
      byQuery.destroy();
    } finally {
      await sim.close();
    }
  });

  test('two tabs get every event, including connected', async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const ws = await sim.widgetSession();
      const tabs = [new SseClient(port, `/widget/api/events?token=${ws.token}`), new SseClient(port, `/widget/api/events?token=${ws.token}`)];
      const [state] = await Promise.all(tabs.map((t) => t.waitForEvent('state')));
      const res = await fetch(`http://127.0.0.1:${port}/dev/simulator/scan`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ qr: state!.json.qr.qr }),
      });
      assert.equal(res.status, 200);
      const connected = await Promise.all(tabs.map((t) => t.waitForEvent('connected')));
      assert.equal(connected[0]!.id, connected[1]!.id);
      assert.equal(connected[0]!.json.method, 'qr');
      for (const t of tabs) t.destroy();
    } finally {
      await sim.close();
    }
  });

  test('a heartbeat comment keeps an idle stream alive', async () => {
    const deps = makeDeps();
    const linking = createLinking(deps);
    const ws = await insertWidgetSession(deps.store);
    const app = express();
    app.use((_req, res, next) => {
      res.locals.widget = { claims: { sub: ws.id, tid: ws.tenantId, ses: ws.sessionName, aud: 'titan-widget', iat: 0, exp: 0 }, widgetSession: ws };
      next();
    });
    app.use(widgetApiRouter(deps, linking, { heartbeatMs: 20 }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL_ERROR', 'x');
      res.status(e.status).json({ error: e.message, code: e.code });
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = new SseClient((server.address() as AddressInfo).port, '/events');
      await client.waitForEvent('state');
      const start = client.comments;
      await new Promise((r) => setTimeout(r, 120));
      assert.ok(client.comments > start, 'heartbeat comments arrived');
      client.destroy();
    } finally {
      server.closeAllConnections();
      await server.close();
      await linking.close();
      await deps.engine.close();
    }
  });
});

describe('restart on the same SQLite file (HTTP only)', () => {
  test('mid-QR: the stream resumes with state and a fresh QR, ids keep increasing, then links', async () => {
    const one = await simApp();
    const { port } = await one.listen();
    const ws = await one.widgetSession({ sessionName: 'shop' });
    const before = new SseClient(port, `/widget/api/events?token=${ws.token}`);
    const oldState = await before.waitForEvent('state');
    before.destroy();
    await one.close();

    const two = await simApp({ dir: one.dir, clock: one.clock });
    const { port: port2 } = await two.listen();
    try {
      const client = new SseClient(port2, `/widget/api/events?token=${ws.token}`, { 'Last-Event-ID': oldState.id! });
      const qr = await client.waitForEvent('qr');
      assert.equal(client.frames[0]!.event, 'state');
      assert.ok(Number(qr.id) > Number(oldState.id), 'ids keep increasing across the restart');
      assert.notEqual(qr.json.qr, oldState.json.qr.qr, 'a fresh QR cycle');
      await fetch(`http://127.0.0.1:${port2}/dev/simulator/scan`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ qr: qr.json.qr }),
      });
      assert.equal((await client.waitForEvent('connected')).json.session, 'shop');
      client.destroy();
    } finally {
      await two.close();
    }
  });

  test('after connect: still CONNECTED, reconnected by itself, can send', async () => {
    const one = await simApp();
    const ws = await one.widgetSession({ sessionName: 'shop' });
    const state = await one.linking.state(ws.id);
    await one.linking.ensureStarted(ws.id);
    await one.engine.virtualPhone.scan((await one.linking.state(ws.id)).qr!.qr);
    assert.equal(state.phase, 'idle');
    const phone = (await one.store.getWaSession('acme', 'shop'))!.phone;
    await one.close();

    const two = await simApp({ dir: one.dir, clock: one.clock });
    try {
      const key = await two.key();
      const { default: request } = await import('supertest');
      const info = (await request(two.app).get('/api/sessions/shop').set('Authorization', `Bearer ${key}`).expect(200)).body.data;
      assert.deepEqual([info.status, info.phone], ['CONNECTED', phone]);
      assert.equal(two.engine.isRunning({ tenantId: 'acme', name: 'shop' }), true);
      await request(two.app).post('/api/sessions/shop/messages').set('Authorization', `Bearer ${key}`).send({ to: '5511912345678', text: 'back' }).expect(201);
      const widget = (await request(two.app).get('/widget/api/state').set('Authorization', `Bearer ${ws.token}`).expect(200)).body.data;
      assert.equal(widget.phase, 'connected');
    } finally {
      await two.close();
    }
  });
});
