import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, decideDisconnect, DEFAULT_BACKOFF, statusCodeOf, type BackoffPolicy, type DisconnectDecision } from './disconnect.js';
import { boom } from './test-support/fake-socket.js';

const POLICY: BackoffPolicy = { maxRetries: 5, baseDelayMs: 1_000, maxDelayMs: 16_000, jitter: 0 };

// [why it closed, QRs shown, retries already spent, expected decision kind, expected code (fail only)]
const CASES: [string, unknown, number, number, DisconnectDecision['kind'], string?][] = [
  ['515 restart required after a scan', boom(515, 'Stream Errored (restart required)'), 1, 0, 'restart'],
  ['515 even with the retry budget spent', boom(515, 'Stream Errored (restart required)'), 0, 5, 'restart'],
  ['401 logged out from the phone', boom(401, 'Connection Failure'), 0, 0, 'logged_out'],
  ['403 forbidden', boom(403, 'Connection Failure'), 0, 0, 'logged_out'],
  ['419', boom(419, 'Connection Failure'), 0, 0, 'logged_out'],
  ['440 replaced', boom(440, 'Stream Errored (conflict)'), 0, 0, 'replaced'],
  ['QR refs attempts ended', boom(408, 'QR refs attempts ended'), 6, 0, 'qr_timeout'],
  ['408 once every QR was shown', boom(408, 'Connection was lost'), 6, 0, 'qr_timeout'],
  ['408 lost during the QR cycle', boom(408, 'Connection was lost'), 2, 0, 'retry'],
  ['ENOTFOUND (408 from baileys)', boom(408, 'WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com)'), 0, 0, 'retry'],
  ['ECONNREFUSED', boom(408, 'WebSocket Error (connect ECONNREFUSED 127.0.0.1:1)'), 0, 2, 'retry'],
  ['428 connection closed', boom(428, 'Connection Terminated'), 0, 0, 'retry'],
  ['503 unavailable', boom(503, 'Stream Errored (unavailable)'), 0, 0, 'retry'],
  ['405 stale version', boom(405, 'Connection Failure'), 0, 0, 'retry'],
  ['500 bad session', boom(500, 'Stream Errored (bad-mac)'), 0, 0, 'retry'],
  ['a plain error without a status', new Error('socket hang up'), 0, 0, 'retry'],
  ['no error at all', undefined, 0, 0, 'retry'],
  ['network error with the budget spent', boom(408, 'WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com)'), 0, 5, 'fail', 'WA_UNREACHABLE'],
  ['411 multi-device mismatch', boom(411, 'Multi-device beta not joined'), 0, 0, 'fail', 'LINKING_FAILED'],
];

test('every close reason maps to one decision', () => {
  for (const [why, error, qrsShown, retriesSoFar, kind, code] of CASES) {
    const decision = decideDisconnect({ error, qrsShown, maxQrAttempts: 6, retriesSoFar, policy: POLICY });
    assert.equal(decision.kind, kind, why);
    if (code) assert.equal(decision.kind === 'fail' && decision.code, code, why);
  }
});

test('a socket the phone already linked never ends as a QR timeout: it restarts to log in', () => {
  // [why it closed, paired, expected]: our own (or Baileys') timers must never throw away a scan.
  const ROWS: [string, unknown, boolean, DisconnectDecision['kind']][] = [
    ['QR refs ended after pair-success (slow 515)', boom(408, 'QR refs attempts ended'), true, 'restart'],
    ['408 with every QR shown, after pair-success', boom(408, 'Connection was lost'), true, 'restart'],
    ['QR refs ended, never scanned', boom(408, 'QR refs attempts ended'), false, 'qr_timeout'],
    ['our watchdog (408) after pair-success', boom(408, 'Timed out after 15000 ms waiting for WhatsApp'), true, 'restart'],
    ['401 after pair-success: the other side said so', boom(401, 'Connection Failure'), true, 'logged_out'],
  ];
  for (const [why, error, paired, kind] of ROWS) {
    const decision = decideDisconnect({ error, qrsShown: 6, maxQrAttempts: 6, retriesSoFar: 0, policy: POLICY, paired });
    assert.equal(decision.kind, kind, why);
  }
});

test('no timeout of ours is a logout: only a status code from WhatsApp deletes credentials', () => {
  for (const error of [boom(408, 'Timed out after 15000 ms waiting for WhatsApp'), boom(408, 'Connection was lost'), new Error('timed out after 2000 ms'), undefined]) {
    for (const paired of [true, false]) {
      const decision = decideDisconnect({ error, qrsShown: 1, maxQrAttempts: 6, retriesSoFar: 0, policy: POLICY, paired });
      assert.notEqual(decision.kind, 'logged_out', String(error));
    }
  }
});

test('giving up says WhatsApp could not be reached, and that trying again makes sense', () => {
  const decision = decideDisconnect({ error: boom(428, 'Connection Terminated'), qrsShown: 0, maxQrAttempts: 6, retriesSoFar: 5, policy: POLICY });
  assert.deepEqual(decision, { kind: 'fail', code: 'WA_UNREACHABLE', message: 'Could not reach WhatsApp servers', retryable: true });
});

test('retries count up and carry their back-off delay', () => {
  const attempts = [0, 1, 2, 3, 4].map((spent) =>
    decideDisconnect({ error: boom(408, 'WebSocket Error (ETIMEDOUT)'), qrsShown: 0, maxQrAttempts: 6, retriesSoFar: spent, policy: POLICY }),
  );
  assert.deepEqual(
    attempts.map((d) => (d.kind === 'retry' ? [d.attempt, d.delayMs] : d.kind)),
    [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
      [5, 16_000],
    ],
  );
});

test('back-off doubles, is capped, and jitter stays within its fraction', () => {
  const policy = { ...POLICY, maxDelayMs: 5_000 };
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy)), [1_000, 2_000, 4_000, 5_000, 5_000]);
  const jittered = { ...DEFAULT_BACKOFF, jitter: 0.2 };
  for (const [random, expected] of [
    [0, 800],
    [0.5, 1_000],
    [1, 1_200],
  ] as const) {
    assert.equal(backoffDelay(1, jittered, () => random), expected);
  }
});

test('the default policy gives up within about half a minute of back-off', () => {
  const total = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, { ...DEFAULT_BACKOFF, jitter: 0 })).reduce((a, b) => a + b, 0);
  assert.equal(DEFAULT_BACKOFF.maxRetries, 5);
  assert.equal(total, 31_000);
});

test('statusCodeOf reads Boom output and nothing else', () => {
  for (const [input, expected] of [
    [boom(515, 'x'), 515],
    [new Error('x'), undefined],
    [{ output: { statusCode: '401' } }, undefined],
    [null, undefined],
  ] as const) {
    assert.equal(statusCodeOf(input), expected);
  }
});
