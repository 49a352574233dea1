import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proto } from 'baileys';
import { EngineError } from '../../errors.js';
import { toHttpError } from '../../middleware/error-handler.js';
import { QR_FIRST_TTL_MS, QR_MAX_ATTEMPTS, QR_NEXT_TTL_MS } from '../engine.js';
import { AUTH_KEY, KEY, T0, engineHarness, settle } from './test-support/harness.js';

test('QRs follow baileys schedule: first lives 60 s, later ones 20 s, attempts counted up to 6', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  for (let i = 0; i < QR_MAX_ATTEMPTS; i++) {
    sock.showQr(`ref${i}`);
    h.advance(i === 0 ? QR_FIRST_TTL_MS : QR_NEXT_TTL_MS);
  }
  const qrs = h.ofType('qr');
  assert.deepEqual(
    qrs.map((q) => [q.attempt, q.maxAttempts]),
    [1, 2, 3, 4, 5, 6].map((n) => [n, 6]),
  );
  assert.equal(qrs[0]!.expiresAt, T0 + 60_000);
  assert.equal(qrs[1]!.expiresAt, T0 + 60_000 + 20_000);
  assert.equal(qrs[5]!.expiresAt, T0 + 160_000, 'the last QR expires when the 160 s cycle ends');
  assert.match(qrs[2]!.qr, /^https:\/\/wa\.me\/settings\/linked_devices#ref2,/, 'the QR string is passed on as baileys gives it');
  assert.equal(h.engine.isRunning(KEY), true);
});

test('"QR refs attempts ended" ends the cycle with qr_timeout, no reconnect; restartQr starts a fresh one', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  sock.showQr();
  sock.close(408, 'QR refs attempts ended');
  await h.waitFor('qr_timeout');
  await settle();
  assert.equal(h.sockets.sockets.length, 1);
  assert.equal(h.engine.isRunning(KEY), false);
  assert.equal(h.ofType('disconnected').length, 0, 'a QR timeout is not a failure');

  await h.engine.restartQr(KEY);
  const fresh = await h.sockets.next();
  fresh.showQr();
  assert.equal(h.ofType('qr').at(-1)!.attempt, 1);
});

test('pairing code is requested on the first qr (not before), with the digits, and emitted with the cycle expiry', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY, { pairingPhoneNumber: '5511912345678' });
  const sock = await h.sockets.next();
  await settle(5);
  assert.deepEqual(sock.pairingRequests, [], 'nothing is sent before the socket is up');
  assert.deepEqual(sock.config.browser, ['Mac OS', 'Chrome', '14.4.1']);
  sock.showQr();
  const code = await h.waitFor('pairing_code');
  assert.deepEqual(sock.pairingRequests, ['5511912345678']);
  assert.equal(code.code, 'ABCD2345');
  assert.equal(code.phoneNumber, '5511912345678');
  assert.equal(code.expiresAt, T0 + QR_FIRST_TTL_MS + (QR_MAX_ATTEMPTS - 1) * QR_NEXT_TTL_MS);
  sock.showQr();
  await settle(5);
  assert.equal(sock.pairingRequests.length, 1, 'one request per ask, not one per QR');
});

test('requestPairingCode on a session already showing QRs asks at once', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  sock.showQr();
  await h.engine.requestPairingCode(KEY, '4915112345678');
  assert.deepEqual(sock.pairingRequests, ['4915112345678']);
  assert.equal((await h.waitFor('pairing_code')).phoneNumber, '4915112345678');
});

test('phone numbers that are not 7 to 15 digits are refused with 400', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  for (const phone of ['+5511912345678', '55 11 91234', '123456', '1234567890123456', '']) {
    await assert.rejects(h.engine.requestPairingCode(KEY, phone), (e: unknown) => e instanceof EngineError && toHttpError(e).status === 400, phone);
  }
  assert.equal(h.sockets.sockets.length, 0);
});

test('a failed pairing wipes the half-written creds.me, reports PAIRING_REJECTED, and the next try starts clean', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY, { pairingPhoneNumber: '5511912345678' });
  const sock = await h.sockets.next();
  sock.pairingError = new Error('Connection Closed');
  sock.showQr();
  const failed = await h.waitFor('disconnected');
  assert.equal(failed.reason, 'FAILED');
  assert.equal(failed.code, 'PAIRING_REJECTED');
  assert.equal(failed.retryable, true);
  assert.equal(failed.reconnecting, false);
  assert.equal(sock.creds.me, undefined);
  assert.doesNotMatch(await h.store.readCreds(AUTH_KEY) ?? '', /5511912345678/, 'the stored creds lost the half-written me too');

  await h.engine.start(KEY);
  const next = await h.sockets.next();
  assert.equal(next.creds.me, undefined, 'a socket with creds.me would log in instead of showing a QR');
});

test('515 after a scan reconnects at once with the creds saved from the scan; the user only sees connected', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const first = await h.sockets.next();
  first.showQr();
  first.pairSuccess('5511912345678:7@s.whatsapp.net');
  const second = await h.sockets.next();
  assert.notEqual(second.creds, first.creds, 'the new socket read its creds back from the store');
  assert.equal(second.creds.me?.id, '5511912345678:7@s.whatsapp.net');
  assert.deepEqual(second.creds.noiseKey.public, first.creds.noiseKey.public);
  second.open();
  const connected = await h.waitFor('connected');
  assert.deepEqual(
    { method: connected.method, phone: connected.phone, pushName: connected.pushName },
    { method: 'qr', phone: '5511912345678', pushName: 'Maria' },
  );
  assert.equal(h.ofType('disconnected').length, 0, 'a restart is the normal path, not a disconnect');
});

test('creds.update is written to the store before the socket goes on', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  sock.showQr();
  assert.equal(await h.store.readCreds(AUTH_KEY), null, 'nothing to save before the scan');
  sock.pairSuccess('5511900000001:3@s.whatsapp.net');
  // Synchronously after the emit, with no await in between:
  assert.match(await h.store.readCreds(AUTH_KEY) ?? '', /5511900000001:3@s\.whatsapp\.net/);
});

test('pairing-code linking ends in connected with method pairing', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY, { pairingPhoneNumber: '5511912345678' });
  const first = await h.sockets.next();
  first.showQr();
  await h.waitFor('pairing_code');
  first.pairSuccess('5511912345678:9@s.whatsapp.net');
  const second = await h.sockets.next();
  second.open();
  assert.equal((await h.waitFor('connected')).method, 'pairing');
});

test('401 logged out: creds deleted, LOGGED_OUT, never reconnects', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const first = await h.sockets.next();
  first.showQr();
  first.pairSuccess();
  const sock = await h.sockets.next();
  sock.open();
  assert.notEqual(await h.store.readCreds(AUTH_KEY), null);
  sock.close(401, 'Connection Failure');
  const event = await h.waitFor('disconnected');
  assert.deepEqual(
    { reason: event.reason, code: event.code, reconnecting: event.reconnecting, retryable: event.retryable },
    { reason: 'LOGGED_OUT', code: 'LOGGED_OUT', reconnecting: false, retryable: false },
  );
  assert.equal(await h.store.readCreds(AUTH_KEY), null);
  await settle();
  assert.equal(h.sockets.sockets.length, 2);
  assert.equal(h.engine.isRunning(KEY), false);
});

test('440 replaced: REPLACED, creds kept, no reconnect loop', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const first = await h.sockets.next();
  first.pairSuccess();
  const sock = await h.sockets.next();
  sock.open();
  sock.close(440, 'Stream Errored (conflict)');
  const event = await h.waitFor('disconnected');
  assert.deepEqual([event.reason, event.code, event.reconnecting], ['FAILED', 'REPLACED', false]);
  await settle();
  assert.equal(h.sockets.sockets.length, 2);
  assert.notEqual(await h.store.readCreds(AUTH_KEY), null);
});

const NETWORK_ERRORS: [string, number, string][] = [
  ['DNS failure', 408, 'WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com)'],
  ['refused', 408, 'WebSocket Error (connect ECONNREFUSED 127.0.0.1:1)'],
  ['connection closed', 428, 'Connection Terminated'],
  ['service unavailable', 503, 'Stream Errored (unavailable)'],
];

for (const [name, code, message] of NETWORK_ERRORS) {
  test(`network error (${name}): bounded back-off, then FAILED WA_UNREACHABLE`, async (t) => {
    const h = engineHarness();
    t.after(h.close);
    await h.engine.start(KEY);
    for (let i = 0; i <= 3; i++) (await h.sockets.next()).close(code, message);
    const failed = await h.waitFor('disconnected', (e) => !e.reconnecting);
    const retries = h.ofType('disconnected').filter((e) => e.reconnecting);
    assert.deepEqual(
      retries.map((e) => [e.reason, e.code, e.retryable]),
      [1, 2, 3].map(() => ['AUTO_RECONNECT', 'WA_UNREACHABLE', true]),
    );
    assert.deepEqual(
      { reason: failed.reason, code: failed.code, message: failed.message, retryable: failed.retryable },
      { reason: 'FAILED', code: 'WA_UNREACHABLE', message: 'Could not reach WhatsApp servers', retryable: true },
    );
    await settle();
    assert.equal(h.sockets.sockets.length, 4, 'one first try and maxRetries retries, then it stops');
    assert.equal(h.engine.isRunning(KEY), false);
  });
}

test('a socket that never answers is ended by the watchdog and retried', async (t) => {
  const h = engineHarness({ connectTimeoutMs: 10, backoff: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 } });
  t.after(h.close);
  await h.engine.start(KEY);
  const failed = await h.waitFor('disconnected', (e) => !e.reconnecting);
  assert.equal(failed.code, 'WA_UNREACHABLE');
  assert.equal(h.sockets.sockets.length, 2);
  assert.ok(h.sockets.sockets.every((s) => s.ended), 'each silent socket was closed');
});

test('the retry budget resets once a socket reaches WhatsApp again', async (t) => {
  const h = engineHarness({ backoff: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 } });
  t.after(h.close);
  await h.engine.start(KEY);
  (await h.sockets.next()).close(428, 'Connection Terminated');
  (await h.sockets.next()).showQr(); // reached WhatsApp: budget back to full
  h.sockets.sockets[1]!.close(408, 'Connection was lost');
  (await h.sockets.next()).showQr();
  await settle();
  assert.equal(h.ofType('disconnected').filter((e) => !e.reconnecting).length, 0);
  assert.equal(h.engine.isRunning(KEY), true);
});

test('405 (stale version) refetches the WhatsApp Web version for the next socket', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const first = await h.sockets.next();
  await first.close(405, 'Connection Failure');
  const second = await h.sockets.next();
  assert.equal(h.versionFetches(), 2);
  assert.notDeepEqual(second.config.version, first.config.version);
});

test('start on a session with creds logs in with them (server restart) and reports connected', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  (await h.sockets.next()).pairSuccess('5511912345678:7@s.whatsapp.net');
  (await h.sockets.next()).open();
  await h.waitFor('connected');
  await h.engine.close(); // shutdown: silent

  const after = engineHarness({ store: h.store });
  await after.engine.start(KEY);
  const sock = await after.sockets.next();
  assert.equal(sock.creds.me?.id, '5511912345678:7@s.whatsapp.net');
  sock.open();
  const connected = await after.waitFor('connected');
  assert.equal(connected.phone, '5511912345678');
  assert.equal(connected.method, 'qr');
  assert.equal(h.ofType('disconnected').length, 0, 'close() reports nothing, so the session stays CONNECTED');
  await after.engine.close();
});

test('a pairing code for a session that is already linked gets 409', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  (await h.sockets.next()).pairSuccess();
  (await h.sockets.next()).open();
  await assert.rejects(h.engine.requestPairingCode(KEY, '5511912345678'), (e: unknown) => e instanceof EngineError && toHttpError(e).status === 409);
});

test('a server that keeps answering 515 without a login is given up on, not looped', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  for (let i = 0; i < 4; i++) (await h.sockets.next()).close(515, 'Stream Errored (restart required)');
  const failed = await h.waitFor('disconnected');
  assert.deepEqual([failed.reason, failed.code, failed.reconnecting], ['FAILED', 'LINKING_FAILED', false]);
  await settle();
  assert.equal(h.sockets.sockets.length, 4);
});

test('sendText refuses a recipient that is not digits', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  for (const to of ['+5511987654321', '5511987654321@s.whatsapp.net', '12345', '']) {
    await assert.rejects(h.engine.sendText(KEY, to, 'hi'), (e: unknown) => e instanceof EngineError && toHttpError(e).status === 400, to);
  }
});

test('sendText: 409 when not connected; sends to the jid when open', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  const notConnected = (e: unknown) => e instanceof EngineError && toHttpError(e).status === 409 && e.code === 'SESSION_NOT_CONNECTED';
  await assert.rejects(h.engine.sendText(KEY, '5511987654321', 'hi'), notConnected);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  sock.showQr();
  await assert.rejects(h.engine.sendText(KEY, '5511987654321', 'hi'), notConnected);
  sock.open();
  const id = await h.engine.sendText(KEY, '5511987654321', 'Olá');
  assert.equal(id, 'MSG1');
  assert.deepEqual(sock.sent, [{ jid: '5511987654321@s.whatsapp.net', content: { text: 'Olá' } }]);
});

test('messages: a contact\'s text is a `message`, receipts of our send are `message_status`; nothing once the socket closed', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  const sock = await h.sockets.next();
  sock.open();
  const inbound = sock.receiveText('5511955554444', 'oi');
  const id = await h.engine.sendText(KEY, '5511955554444', 'olá');
  sock.receipt('5511955554444', id, proto.WebMessageInfo.Status.DELIVERY_ACK);
  sock.receipt('5511955554444', id, proto.WebMessageInfo.Status.READ);
  assert.deepEqual(
    h.events.filter((e) => e.type === 'message' || e.type === 'message_status').map((e) => (e.type === 'message' ? [e.type, e.message.id, e.message.from, e.message.text] : [e.type, e.id, e.status])),
    [
      ['message', inbound, '5511955554444', 'oi'],
      ['message_status', id, 'delivered'],
      ['message_status', id, 'read'],
    ],
  );
  const seen = h.events.length;
  sock.close(408, 'lost');
  await settle();
  sock.receiveText('5511955554444', 'too late');
  assert.equal(h.events.slice(seen).filter((e) => e.type === 'message').length, 0);
});

test('logout unlinks on WhatsApp and deletes creds, silently (the caller asked for it)', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  (await h.sockets.next()).pairSuccess();
  const sock = await h.sockets.next();
  sock.open();
  await h.engine.logout(KEY);
  assert.equal(sock.loggedOut, true);
  assert.equal(await h.store.readCreds(AUTH_KEY), null);
  assert.equal(h.engine.isRunning(KEY), false);
  await settle();
  assert.equal(h.ofType('disconnected').length, 0, 'the 401 of our own logout is not reported as a failure');
  assert.equal(h.sockets.sockets.length, 2, 'and does not reconnect');
});

test('stop closes the socket and keeps creds, silently', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  (await h.sockets.next()).pairSuccess();
  const sock = await h.sockets.next();
  sock.open();
  await h.engine.stop(KEY);
  assert.equal(sock.ended, true);
  assert.notEqual(await h.store.readCreds(AUTH_KEY), null);
  assert.equal(h.engine.isRunning(KEY), false);
  assert.equal(h.ofType('disconnected').length, 0);
  await settle();
  assert.equal(h.sockets.sockets.length, 2, 'no reconnect after a stop');
});

test('a store that fails under a start or a reconnect ends the session instead of the process', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  const readCreds = h.store.readCreds.bind(h.store);
  h.store.readCreds = () => {
    throw new Error('The database connection is not open');
  };
  await assert.rejects(h.engine.start(KEY), /not open/);
  assert.equal(h.engine.isRunning(KEY), false, 'not left half-started');

  h.store.readCreds = readCreds;
  await h.engine.start(KEY);
  h.store.readCreds = () => {
    throw new Error('The database connection is not open');
  };
  (await h.sockets.next()).close(428, 'Connection Terminated'); // the back-off reconnect hits the broken store
  const failed = await h.waitFor('disconnected', (e) => !e.reconnecting);
  assert.deepEqual([failed.reason, failed.code], ['FAILED', 'LINKING_FAILED']);
  assert.equal(h.engine.isRunning(KEY), false);
  h.store.readCreds = readCreds;
});

test('start is idempotent while a session runs', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  await h.engine.start(KEY);
  await h.engine.start(KEY);
  await settle(5);
  assert.equal(h.sockets.sockets.length, 1);
});

test('one throwing subscriber does not stop the others', async (t) => {
  const h = engineHarness();
  t.after(h.close);
  h.engine.subscribe(() => {
    throw new Error('broken listener');
  });
  const later: string[] = [];
  h.engine.subscribe((e) => later.push(e.type));
  await h.engine.start(KEY);
  (await h.sockets.next()).showQr();
  assert.deepEqual(later, ['qr'], 'the subscriber after the broken one still gets the event');
});
