import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from './sign.js';

const secret = generateWebhookSecret();
const id = 'evt_2Yh6k3Xq9bN1';
const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'message.received', timestamp: '2026-12-01T10:00:00.000Z', data: { session: 'main', id: 'm1', from: '5511912345678', type: 'text', text: 'olá ✓', timestamp: '2026-12-01T10:00:00.000Z' } });

const headers = (msgId: string, timestamp: number, signature: string) => ({
  'webhook-id': msgId,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

/** The plain-crypto verification that docs/webhooks.md shows for stacks without the package. */
function verifyWithNodeCrypto(whsec: string, msgId: string, timestamp: string, payload: string, signatureHeader: string): boolean {
  const key = Buffer.from(whsec.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${msgId}.${timestamp}.${payload}`).digest();
  return signatureHeader.split(' ').some((versioned) => {
    const [version, signature] = versioned.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

test('generateWebhookSecret: whsec_ + base64 of 24 random bytes, never twice the same', () => {
  const secrets = Array.from({ length: 200 }, generateWebhookSecret);
  for (const s of secrets) {
    assert.match(s, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(Buffer.from(s.slice(6), 'base64').length, 24);
  }
  assert.equal(new Set(secrets).size, secrets.length);
});

test("the signature verifies with standardwebhooks' own verify", () => {
  const ts = now();
  const signature = signWebhook(secret, id, ts, body);
  assert.match(signature, /^v1,[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(new Webhook(secret).verify(body, headers(id, ts, signature)), JSON.parse(body));
});

test('a changed body, id, timestamp or secret fails verification', () => {
  const ts = now();
  const signature = signWebhook(secret, id, ts, body);
  const cases: [string, () => unknown][] = [
    ['body', () => new Webhook(secret).verify(body.replace('olá', 'ola'), headers(id, ts, signature))],
    ['id', () => new Webhook(secret).verify(body, headers(id + 'x', ts, signature))],
    ['timestamp', () => new Webhook(secret).verify(body, headers(id, ts - 1, signature))],
    ['secret', () => new Webhook(generateWebhookSecret()).verify(body, headers(id, ts, signature))],
  ];
  for (const [changed, verify] of cases) assert.throws(verify, /No matching signature/, changed);
});

test('plain node:crypto HMAC over id.timestamp.body agrees with the package (the docs snippet)', () => {
  const ts = now();
  const signature = signWebhook(secret, id, ts, body);
  assert.equal(verifyWithNodeCrypto(secret, id, String(ts), body, signature), true);
  assert.equal(verifyWithNodeCrypto(secret, id, String(ts), body + ' ', signature), false);
  assert.equal(verifyWithNodeCrypto(secret, id, String(ts + 1), body, signature), false);
  // Several signatures in one header (key rotation): any one matching is enough.
  assert.equal(verifyWithNodeCrypto(secret, id, String(ts), body, `v1,AAAA ${signature}`), true);
  // The Standard Webhooks spec's own test vector, so a change in the package's framing shows here.
  assert.equal(
    signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  );
});

/** The plain-crypto snippet of docs/webhooks.md, run as written, so the docs cannot drift from what we sign. */
function docsSnippet(): (secret: string, headers: Record<string, string>, body: string) => boolean {
  const markdown = readFileSync(new URL('../../../../docs/webhooks.md', import.meta.url), 'utf8');
  const block = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('function verifyTitanWebhook'));
  assert.ok(block, 'docs/webhooks.md has the verifyTitanWebhook snippet');
  const code = block.replace(/^import .*$/m, '');
  return new Function('createHmac', 'timingSafeEqual', `${code}\nreturn verifyTitanWebhook;`)(createHmac, timingSafeEqual);
}

test('the docs snippet (plain node:crypto) verifies our signatures and refuses changes and old timestamps', () => {
  const verify = docsSnippet();
  const ts = now();
  const signature = signWebhook(secret, id, ts, body);
  assert.equal(verify(secret, headers(id, ts, signature), body), true);
  assert.equal(verify(secret, headers(id, ts, signature), body + ' '), false);
  assert.equal(verify(secret, headers(id + 'x', ts, signature), body), false);
  assert.equal(verify(generateWebhookSecret(), headers(id, ts, signature), body), false);
  const old = ts - 600;
  assert.equal(verify(secret, headers(id, old, signWebhook(secret, id, old, body)), body), false, 'a replay from 10 minutes ago');
  assert.equal(verify(secret, { 'webhook-id': id, 'webhook-timestamp': String(ts) }, body), false, 'no signature header');
});

test('signWebhook refuses a timestamp that is not whole seconds', () => {
  for (const bad of [1.5, -1, Number.NaN, Date.now() * 1e6]) assert.throws(() => signWebhook(secret, id, bad, body), RangeError, String(bad));
});
