import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisePhoneNumber } from './phone.js';

test('normalisePhoneNumber accepts E.164 in the ways people type it, digits out', async () => {
  const CASES: [string, string | null][] = [
    ['+5511912345678', '5511912345678'],
    ['5511912345678', '5511912345678'],
    ['+55 11 91234-5678', '5511912345678'],
    ['  +1 (415) 555-2671 ', '14155552671'],
    ['44.20.7946.0958', '442079460958'],
    ['+55 11 1234', null],
    ['12345', null],
    ['+999 1234567890', null],
    ['call me', null],
    ['+55 11 91234-5678 ext 3', null],
    ['', null],
  ];
  for (const [input, expected] of CASES) assert.equal(normalisePhoneNumber(input), expected, input);
});
