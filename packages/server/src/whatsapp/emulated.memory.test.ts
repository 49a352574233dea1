// Memory returned: 50 numbers linked through the HTTP API (real Baileys, in-process emulator,
// a phone per number) and deleted with `DELETE /api/sessions/:name`; the heap after GC comes
// back within 10 % of where it started. What a session held (socket, Baileys listeners, caches,
// timers, linking runtime, SSE ring) must not outlive it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import request from 'supertest';
import { createApiKey } from '../api-keys.js';
import { createApp } from '../app.js';
import { systemClock } from '../clock.js';
import type { Linking } from '../linking/index.js';
import { SqliteStore } from '../store/index.js';
import { captureLogger, testConfig } from '../test-support/server.js';
import { EventLog } from './test-support/engine-contract.js';
import { createEmulatedEngine } from './emulated.js';

const SESSIONS = 50;
const CONCURRENT = 10;
/**
 * Baileys races each first login's pre-key upload against a 30 s timer it never clears
 * (socket.js, UPLOAD_TIMEOUT), which holds that socket until it fires: measure after it.
 */
const BAILEYS_UPLOAD_TIMER_MS = 31_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapAfterGc = async (): Promise<number> => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

test(`${SESSIONS} links deleted through the API give their heap back (within 10 %)`, { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-memory-'));
  const config = testConfig({ dbPath: join(dir, 'titan.db'), engine: 'emulated' });
  const store = new SqliteStore(config.dbPath);
  const { logger } = captureLogger();
  const engine = await createEmulatedEngine({ store, logger, connectTimeoutMs: 20_000 });
  const app = createApp({ config, store, engine, clock: systemClock, logger, logRequests: false });
  const linking = app.locals.linking as Linking;
  await linking.resume();
  const key = (await createApiKey(store, { tenantId: 'mem', scopes: ['*'], now: Date.now() })).key;
  const log = new EventLog(engine, 120_000);
  let lastConnectedAt = 0;

  /** What a user does: the widget opens (linking starts), the phone scans, the number is deleted. */
  const link = async (name: string): Promise<void> => {
    const created = await request(app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({ sessionName: name }).expect(201);
    await request(app).get('/widget/api/state').set('Authorization', `Bearer ${created.body.data.widgetToken}`).expect(200);
    const qr = await log.next('qr', (e) => e.key.name === name);
    await request(app).post('/dev/simulator/scan').send({ qr: qr.qr }).expect(200);
    await log.next('connected', (e) => e.key.name === name);
    lastConnectedAt = Date.now();
  };
  const remove = (name: string) => request(app).delete(`/api/sessions/${name}`).set('Authorization', `Bearer ${key}`).expect((res) => assert.ok(res.status < 300, `DELETE ${name}: ${res.status}`));

  try {
    // Warm-up: JIT, lazy imports, the key pool's worker, source maps of the first errors.
    for (const name of ['warm-1', 'warm-2']) await link(name);
    for (const name of ['warm-1', 'warm-2']) await remove(name);
    await new Promise((resolve) => setTimeout(resolve, BAILEYS_UPLOAD_TIMER_MS));
    log.events.length = 0;
    const start = await heapAfterGc();

    const names = Array.from({ length: SESSIONS }, (_, i) => `mem-${i}`);
    for (let i = 0; i < names.length; i += CONCURRENT) await Promise.all(names.slice(i, i + CONCURRENT).map(link));
    const linked = await heapAfterGc();
    for (const name of names) await remove(name);
    log.events.length = 0;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, BAILEYS_UPLOAD_TIMER_MS - (Date.now() - lastConnectedAt))));
    const end = await heapAfterGc();

    const MB = 1024 * 1024;
    const figures = `heap ${(start / MB).toFixed(1)} → ${(linked / MB).toFixed(1)} (linked) → ${(end / MB).toFixed(1)} MB (deleted)`;
    t.diagnostic(figures);
    assert.ok(linked - start > 5 * MB, `linking ${SESSIONS} numbers should cost memory to give back: ${figures}`);
    assert.ok(end <= start * 1.1, `not returned: ${figures}`);
    for (const name of names) assert.equal(engine.isRunning({ tenantId: 'mem', name }), false);
  } finally {
    await linking.close();
    await engine.close();
    await store.close();
  }
});
