import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../middleware/error-handler.js';
import { SqliteStore } from '../store/index.js';
import { captureLogger, makeTestServer, testConfig } from '../test-support/server.js';
import { opsRouter } from './ops.js';
import { SseClient } from './test-support/sse-client.js';
import { simApp } from './test-support/sim-app.js';

/** The value of one sample of the Prometheus text, e.g. `titan_sessions{status="CONNECTED"}`; null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

const scrape = async (app: express.Express) => (await request(app).get('/metrics').expect(200)).text;

// A remote client seen through a reverse proxy on this machine (`trust proxy` is loopback only).
const REMOTE = { 'X-Forwarded-For': '203.0.113.7' };
const TOKEN = 'scrape-token-0123456789abcdef';

describe('GET /healthz and /readyz', () => {
  test('/healthz: 200 without any credential, never cached', async () => {
    const server = makeTestServer();
    try {
      const res = await request(server.app).get('/healthz').set(REMOTE).expect(200);
      assert.deepEqual(res.body, { status: 'ok' });
      assert.equal(res.headers['cache-control'], 'no-store');
    } finally {
      await server.close();
    }
  });

  test('/readyz: 200 while the store and every extra check answer; 503 naming the one that does not, logged once', async () => {
    let redisUp = true;
    const server = makeTestServer({
      extra: { readiness: [{ name: 'bus', check: async () => void (redisUp || (await Promise.reject(new Error('ECONNREFUSED 10.0.0.9:6379')))) }] },
    });
    try {
      const ok = await request(server.app).get('/readyz').set(REMOTE).expect(200);
      assert.deepEqual(ok.body, { status: 'ready', checks: { store: 'ok', bus: 'ok' } });
      assert.equal(ok.headers['cache-control'], 'no-store');

      redisUp = false;
      for (let i = 0; i < 3; i++) {
        const down = await request(server.app).get('/readyz').expect(503);
        assert.deepEqual(down.body, { error: 'Not ready: bus.', code: 'SERVICE_UNAVAILABLE', status: 'not_ready', checks: { store: 'ok', bus: 'failed' } });
        assert.ok(!JSON.stringify(down.body).includes('10.0.0.9'), 'the reason stays in the log, not on a public endpoint');
      }
      const failingLines = server.logs().split('\n').filter((l) => l.includes('readiness check failing'));
      assert.equal(failingLines.length, 1, 'one warning when it starts failing, not one per probe');
      assert.match(failingLines[0]!, /ECONNREFUSED 10\.0\.0\.9/);

      redisUp = true;
      await request(server.app).get('/readyz').expect(200);
      assert.match(server.logs(), /readiness check passes again/);

      // The store itself: closed, its ping throws.
      await server.store.close();
      const noStore = await request(server.app).get('/readyz').expect(503);
      assert.deepEqual(noStore.body.checks, { store: 'failed', bus: 'ok' });
    } finally {
      await server.close();
    }
  });

  test('/readyz: a check that hangs counts as failed after the timeout', async () => {
    const store = new SqliteStore(':memory:');
    const app = express();
    const { logger } = captureLogger();
    app.use(opsRouter({ store, config: testConfig(), logger }, { readiness: [{ name: 'bus', check: () => new Promise(() => {}) }], readinessTimeoutMs: 50 }));
    app.use(errorHandler(logger));
    try {
      const started = Date.now();
      const res = await request(app).get('/readyz').expect(503);
      assert.deepEqual(res.body.checks, { store: 'ok', bus: 'timeout' });
      assert.ok(Date.now() - started < 1_000, 'answered at the timeout, not when the check gives up');
    } finally {
      await store.close();
    }
  });
});

describe('GET /metrics', () => {
  test('loopback clients only without TITAN_METRICS_TOKEN; with it, a Bearer token from anywhere and nothing else', async () => {
    const open = makeTestServer();
    const guarded = makeTestServer({ config: { metricsToken: TOKEN } });
    try {
      const local = await request(open.app).get('/metrics').expect(200);
      assert.match(local.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
      const remote = await request(open.app).get('/metrics').set(REMOTE).expect(404);
      assert.equal(remote.body.code, 'NOT_FOUND');
      assert.match(remote.body.error, /TITAN_METRICS_TOKEN/);

      const CASES: [Record<string, string>, number][] = [
        [{}, 401],
        [REMOTE, 401],
        [{ ...REMOTE, Authorization: 'Bearer wrong-token-0123456789abcdef' }, 401],
        [{ ...REMOTE, Authorization: TOKEN }, 401],
        [{ ...REMOTE, Authorization: `Bearer ${TOKEN}x` }, 401],
        [{ ...REMOTE, Authorization: `Bearer ${TOKEN}` }, 200],
        [{ Authorization: `bearer ${TOKEN}` }, 200],
      ];
      for (const [headers, status] of CASES) {
        const res = await request(guarded.app).get('/metrics').set(headers);
        assert.equal(res.status, status, JSON.stringify(headers));
        if (status === 401) {
          assert.equal(res.body.code, 'UNAUTHORIZED');
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="titan-metrics"');
        }
      }
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  test('TITAN_TRUST_PROXY decides whose X-Forwarded-For names the client', async () => {
    // [trusted proxies, status of a loopback peer forwarding for 203.0.113.7]
    const CASES: [string[] | undefined, number][] = [
      [undefined, 404],
      [['loopback'], 404],
      [[], 200],
      [['10.0.0.0/8'], 200],
    ];
    for (const [trustProxy, status] of CASES) {
      const server = makeTestServer({ config: { trustProxy } });
      try {
        assert.equal((await request(server.app).get('/metrics').set(REMOTE)).status, status, JSON.stringify(trustProxy));
      } finally {
        await server.close();
      }
    }
  });

  test('every documented metric is there; titan_sessions counts the store at scrape time', async () => {
    const server = makeTestServer();
    try {
      await server.store.ensureWaSession('acme', 'a', 1);
      await server.store.ensureWaSession('acme', 'b', 1);
      await server.store.ensureWaSession('globex', 'c', 1);
      await server.store.updateWaSession('acme', 'a', { status: 'CONNECTED', updatedAt: 2 });
      const text = await scrape(server.app);
      for (const [series, value] of [
        ['titan_sessions{status="CONNECTED"}', 1],
        ['titan_sessions{status="DISCONNECTED"}', 2],
        ['titan_sessions{status="CONNECTING"}', 0],
      ] as const) {
        assert.equal(sample(text, series), value, series);
      }
      for (const name of [
        'titan_sse_streams',
        'titan_linking_duration_seconds',
        'titan_webhook_deliveries_total',
        'titan_http_requests_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_eventloop_lag_p99_seconds',
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      for (const outcome of ['delivered', 'failed', 'retry', 'disabled']) {
        assert.notEqual(sample(text, `titan_webhook_deliveries_total{outcome="${outcome}"}`), null, `${outcome} is there from the start`);
      }

      await server.store.updateWaSession('acme', 'b', { status: 'CONNECTED', updatedAt: 3 });
      assert.equal(sample(await scrape(server.app), 'titan_sessions{status="CONNECTED"}'), 2, 'read again at the next scrape');

      // A store that does not answer: the scrape still answers, without stale session counts.
      await server.store.close();
      const down = await scrape(server.app);
      assert.equal(sample(down, 'titan_sessions{status="CONNECTED"}'), null);
      assert.match(down, /^process_cpu_seconds_total /m);
      assert.match(server.logs(), /could not count sessions/);
    } finally {
      await server.close();
    }
  });

  test('titan_http_requests_total counts responses by method, route group and status, not probes or scrapes', async () => {
    const server = makeTestServer();
    try {
      const series = (route: string, status: number, method = 'GET') => `titan_http_requests_total{method="${method}",route="${route}",status="${status}"}`;
      const before = await scrape(server.app);
      const count = (text: string, s: string) => sample(text, s) ?? 0;
      await request(server.app).get('/api/sessions').expect(401);
      await request(server.app).get('/api/sessions').expect(401);
      await request(server.app).post('/widget/api/qr/restart').expect(401);
      await request(server.app).get('/nowhere/123').expect(404);
      await request(server.app).get('/healthz').expect(200);
      await request(server.app).get('/readyz').expect(200);
      const after = await scrape(server.app);
      assert.equal(count(after, series('/api', 401)) - count(before, series('/api', 401)), 2);
      assert.equal(count(after, series('/widget/api', 401, 'POST')) - count(before, series('/widget/api', 401, 'POST')), 1);
      assert.equal(count(after, series('other', 404)) - count(before, series('other', 404)), 1);
      assert.equal(count(after, series('other', 200)), count(before, series('other', 200)), 'probes and scrapes are not counted');
    } finally {
      await server.close();
    }
  });

  test('titan_sse_streams follows widget event streams opening and closing', async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const before = sample(await scrape(sim.app), 'titan_sse_streams')!;
      const ws = await sim.widgetSession();
      const tabs = [new SseClient(port, `/widget/api/events?token=${ws.token}`), new SseClient(port, `/widget/api/events?token=${ws.token}`)];
      await Promise.all(tabs.map((t) => t.waitForEvent('state')));
      assert.equal(sample(await scrape(sim.app), 'titan_sse_streams'), before + 2);
      tabs[0]!.destroy();
      await waitFor(async () => sample(await scrape(sim.app), 'titan_sse_streams') === before + 1);
      tabs[1]!.destroy();
      await waitFor(async () => sample(await scrape(sim.app), 'titan_sse_streams') === before);
    } finally {
      await sim.close();
    }
  });

  test('titan_linking_duration_seconds: one observation per link, from the first QR to connected', async () => {
    const sim = await simApp();
    const { port } = await sim.listen();
    try {
      const count = async () => sample(await scrape(sim.app), 'titan_linking_duration_seconds_count{method="qr"}') ?? 0;
      const bucket = async (le: string) => sample(await scrape(sim.app), `titan_linking_duration_seconds_bucket{le="${le}",method="qr"}`) ?? 0;
      const [count0, le10, le15] = [await count(), await bucket('10'), await bucket('15')];
      const ws = await sim.widgetSession();
      const tab = new SseClient(port, `/widget/api/events?token=${ws.token}`);
      const state = await tab.waitForEvent('state');
      // The user takes 12 s (on the app's clock) to scan.
      sim.clock.advance(12_000);
      await request(sim.app).post('/dev/simulator/scan').send({ qr: state.json.qr.qr }).expect(200);
      await tab.waitForEvent('connected');
      assert.equal(await count(), count0 + 1);
      assert.equal(await bucket('10'), le10, '12 s is not within 10 s');
      assert.equal(await bucket('15'), le15 + 1, '12 s is within 15 s');
      tab.destroy();
    } finally {
      await sim.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
