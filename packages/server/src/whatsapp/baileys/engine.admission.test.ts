// The engine with TITAN_LINK_CONCURRENCY: sockets beyond the limit wait, showing nothing (the
// widget's "Generating the QR code…"), and a scanned number's login goes before new links.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionKey } from '../engine.js';
import { engineHarness, settle } from './test-support/harness.js';

const key = (name: string): SessionKey => ({ tenantId: 'acme', name });

test('one socket comes up at a time; a scanned login goes before a new link that asked earlier', async (t) => {
  const h = engineHarness({ maxConcurrentConnects: 1 });
  t.after(h.close);
  const until = async (check: () => boolean) => {
    while (!check()) await settle(5);
  };
  await h.engine.start(key('a'));
  const a = await h.sockets.next();
  await h.engine.start(key('b'));
  await settle();
  assert.equal(h.sockets.sockets.length, 1, 'b waits while a is coming up');
  assert.deepEqual(h.engine.admissionState, { limit: 1, active: 1, queued: 1 });

  a.showQr(); // a is up: the slot passes to b
  const b = await h.sockets.next();
  await h.engine.start(key('c'));
  a.pairSuccess('5511900000001:3@s.whatsapp.net'); // a's login (after the 515) now waits too
  await until(() => h.engine.admissionState?.queued === 2);
  assert.equal(h.ofType('qr').filter((e) => e.key.name === 'c').length, 0, 'c shows no QR while it waits');

  b.showQr();
  const aLogin = await h.sockets.next();
  assert.equal(aLogin.creds.me?.id, '5511900000001:3@s.whatsapp.net', 'the login came before c, which asked first');
  await settle();
  assert.equal(h.sockets.sockets.length, 3, 'c still waits while the login comes up');

  aLogin.open();
  const c = await h.sockets.next();
  assert.equal(c.creds.me, undefined, 'then c, a new link');
  c.showQr();
  await h.waitFor('qr', (e) => e.key.name === 'c');
  assert.deepEqual((await h.waitFor('connected', (e) => e.key.name === 'a')).phone, '5511900000001');
  assert.deepEqual(h.engine.admissionState, { limit: 1, active: 0, queued: 0 });
});

test('a session stopped while it waits never opens a socket, and hands its turn on', async (t) => {
  const h = engineHarness({ maxConcurrentConnects: 1 });
  t.after(h.close);
  await h.engine.start(key('a'));
  const a = await h.sockets.next();
  await h.engine.start(key('b'));
  await h.engine.start(key('c'));
  await settle();
  await h.engine.stop(key('b'));
  a.close(500, 'gone'); // a's socket fails: its slot is free again (a retries behind c)
  const next = await h.sockets.next();
  assert.equal(h.sockets.sockets.length, 2);
  next.showQr();
  const shown = await h.waitFor('qr');
  assert.equal(shown.key.name, 'c', 'b was stopped while waiting: c came next');
  assert.equal(h.ofType('qr').some((e) => e.key.name === 'b'), false);
});
