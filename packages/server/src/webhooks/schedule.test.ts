import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAttempt, DEFAULT_RETRY_SCHEDULE, parseRetrySchedule, type AttemptDecision } from './schedule.js';

test('decideAttempt: 2xx delivers, 410 disables, anything else follows the schedule, then fails', () => {
  const schedule = [5, 300];
  const CASES: [number, number | null, AttemptDecision][] = [
    [1, 200, { outcome: 'delivered' }],
    [3, 204, { outcome: 'delivered' }],
    [1, 500, { outcome: 'retry', nextAttemptAt: 1000 + 5_000 }],
    [1, null, { outcome: 'retry', nextAttemptAt: 1000 + 5_000 }],
    [2, 301, { outcome: 'retry', nextAttemptAt: 1000 + 300_000 }],
    [3, 503, { outcome: 'failed' }],
    [9, null, { outcome: 'failed' }],
    [1, 410, { outcome: 'gone', disabledReason: 'The receiver answered 410 Gone: it asked not to get more webhooks.' }],
    [1, 199, { outcome: 'retry', nextAttemptAt: 1000 + 5_000 }],
  ];
  for (const [attempt, status, expected] of CASES) assert.deepEqual(decideAttempt(attempt, status, 1000, schedule), expected, `${attempt} ${status}`);
});

test('the default schedule: 7 retries after the first try, 5 s up to 10 h', () => {
  assert.deepEqual(parseRetrySchedule('5,300,1800,7200,18000,36000,36000'), [...DEFAULT_RETRY_SCHEDULE]);
  const waits = DEFAULT_RETRY_SCHEDULE.map((_, i) => decideAttempt(i + 1, 500, 0, DEFAULT_RETRY_SCHEDULE).nextAttemptAt);
  assert.deepEqual(waits, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  assert.equal(decideAttempt(8, 500, 0, DEFAULT_RETRY_SCHEDULE).outcome, 'failed');
});

test('parseRetrySchedule', () => {
  const CASES: [string, number[] | null][] = [
    ['1,2,3', [1, 2, 3]],
    [' 0 , 0.5 ', [0, 0.5]],
    ['60', [60]],
    ['', null],
    ['5,,300', null],
    ['5,-1', null],
    ['5s,300', null],
    ['1e3', null],
    ['604801', null],
  ];
  for (const [text, expected] of CASES) assert.deepEqual(parseRetrySchedule(text), expected, text);
});
