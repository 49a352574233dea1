// `adopt`: cluster mode's take-over of one session whose owner died or left, tested as an
// instance that finds the dead owner's rows in the store (here: a second linking layer on the
// same SQLite file, the first one gone without a word).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sessions } from '../services/sessions.js';
import { SqliteStore } from '../store/index.js';
import { createLinking } from './index.js';
import { insertWidgetSession, makeDeps, ManualClock } from './test-support/fixtures.js';

const KEY = { tenantId: 'default', name: 'shop' };
const instance = (path: string, clock?: ManualClock) => {
  const deps = makeDeps({ store: new SqliteStore(path), clock });
  const linking = createLinking(deps);
  return { deps, linking, close: async () => (await linking.close(), await deps.engine.close(), await deps.store.close()) };
};
const dbFile = () => join(mkdtempSync(join(tmpdir(), 'titan-adopt-')), 'titan.db');

test('a widget mid-link: the new owner starts a fresh QR cycle on it; scanning it links', async () => {
  const path = dbFile();
  const dead = instance(path);
  const ws = await insertWidgetSession(dead.deps.store);
  await dead.linking.ensureStarted(ws.id);
  const oldQr = (await dead.linking.state(ws.id)).qr!.qr;
  await dead.close();

  const heir = instance(path);
  await heir.linking.adopt(KEY);
  assert.equal(heir.deps.engine.isRunning(KEY), true);
  const state = await heir.linking.state(ws.id);
  assert.equal(state.phase, 'qr');
  assert.notEqual(state.qr!.qr, oldQr);
  await heir.deps.engine.virtualPhone.scan(state.qr!.qr);
  assert.equal((await heir.linking.state(ws.id)).phase, 'connected');
  await heir.close();
});

test('a linked number: the new owner reconnects it from its stored creds and sends through it', async () => {
  const path = dbFile();
  const dead = instance(path);
  const ws = await insertWidgetSession(dead.deps.store);
  await dead.linking.ensureStarted(ws.id);
  await dead.deps.engine.virtualPhone.scan((await dead.linking.state(ws.id)).qr!.qr);
  await dead.close();

  const heir = instance(path);
  await heir.linking.adopt(KEY);
  assert.equal(heir.deps.engine.isRunning(KEY), true);
  assert.match(await new Sessions(heir.deps, heir.linking).sendText(KEY, '5511912345678', 'hi'), /^3EB0/);
  await heir.close();
});

test('mid-link with no live widget left: it ended (DISCONNECTED/QR_TIMEOUT), nothing runs', async () => {
  const path = dbFile();
  const clock = new ManualClock();
  const dead = instance(path, clock);
  const ws = await insertWidgetSession(dead.deps.store, {}, clock.now());
  await dead.linking.ensureStarted(ws.id);
  await dead.close();

  clock.advance(900_001);
  const heir = instance(path, clock);
  await heir.linking.adopt(KEY);
  const wa = (await heir.deps.store.getWaSession('default', 'shop'))!;
  assert.deepEqual([wa.status, wa.statusReason], ['DISCONNECTED', 'QR_TIMEOUT']);
  assert.equal(heir.deps.engine.isRunning(KEY), false);
  await heir.linking.adopt({ tenantId: 'default', name: 'unknown' });
  await heir.close();
});
