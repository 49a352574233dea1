import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePin, parseStoredCloudApi, redact, registersNumber } from './embedded-signup.js';

test('generatePin gives six digits, zero-padded, and varies', () => {
  const pins = Array.from({ length: 500 }, generatePin);
  for (const pin of pins) assert.match(pin, /^\d{6}$/);
  assert.ok(new Set(pins).size > 490, 'drawn from the CSPRNG, not a constant');
});

test('only a plain FINISH registers the number', () => {
  for (const [event, expected] of [
    ['FINISH', true],
    ['FINISH_ONLY_WABA', false],
    ['FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING', false],
  ] as const) assert.equal(registersNumber(event), expected, event);
});

test('parseStoredCloudApi refuses what is not a stored Cloud API connection', () => {
  for (const json of [null, '', 'not json', '{}', '{"wabaId":"1"}', '{"businessTokenEnc":"v1.a.b.c"}']) {
    assert.equal(parseStoredCloudApi(json), null, String(json));
  }
  assert.equal(parseStoredCloudApi('{"wabaId":"1","businessTokenEnc":"v1.a.b.c"}')?.wabaId, '1');
});

test('redact removes every occurrence of each secret, and ignores tiny ones', () => {
  assert.equal(redact('code abc123 and abc123 again, secret s3cr3t', ['abc123', 's3cr3t', 'a']), 'code [redacted] and [redacted] again, secret [redacted]');
});
