import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { looksLikeJwt, signWidgetToken, verifyWidgetToken, WidgetTokenError } from './tokens.js';

const SECRET = 'token-test-secret-0123456789abcdefghij';
const NOW = Date.UTC(2026, 10, 25, 21, 0, 0);
const SUBJECT = { sub: 'ws_1', tid: 'acme', ses: 'main' };

const problemOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof WidgetTokenError, String(error));
    return error.problem;
  }
};

/** Hand-made JWT with any header, so algorithms jsonwebtoken refuses to sign can be tried. */
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function forge(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

test('a fresh token carries the claims of DESIGN.md', async () => {
  const { token, claims } = signWidgetToken(SECRET, SUBJECT, NOW);
  assert.deepEqual(claims, { ...SUBJECT, aud: 'titan-widget', iat: NOW / 1000, exp: NOW / 1000 + 900 });
  assert.deepEqual(verifyWidgetToken(SECRET, token, NOW), claims);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'HS256');
});

test('expiry with the injected clock: 899 s ok, 900 s and 901 s expired', async () => {
  const { token } = signWidgetToken(SECRET, SUBJECT, NOW);
  const CASES: [number, string][] = [
    [0, 'ok'],
    [899, 'ok'],
    [900, 'expired'],
    [901, 'expired'],
  ];
  for (const [seconds, expected] of CASES) {
    assert.equal(problemOf(() => verifyWidgetToken(SECRET, token, NOW + seconds * 1000)), expected, `${seconds} s`);
  }
});

test('flipping any single character of a real token makes it invalid', async () => {
  const { token } = signWidgetToken(SECRET, SUBJECT, NOW);
  let checked = 0;
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '.') continue;
    const c = token[i]!;
    const replacement = c === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
    // The last base64url character of a segment may carry unused bits: a flip there can decode to
    // the same bytes, which is not tampering. Compare decoded bytes to know which case this is.
    const same = tampered.split('.').every((part, j) => Buffer.from(part, 'base64url').equals(Buffer.from(token.split('.')[j]!, 'base64url')));
    if (same) continue;
    assert.notEqual(problemOf(() => verifyWidgetToken(SECRET, tampered, NOW)), 'ok', `position ${i}`);
    checked++;
  }
  assert.ok(checked > token.length - 10);
});

test('other algorithms, audiences, secrets and shapes are invalid', async () => {
  const claims = { ...SUBJECT, aud: 'titan-widget', iat: NOW / 1000, exp: NOW / 1000 + 900 };
  const without = (key: string) => Object.fromEntries(Object.entries(claims).filter(([k]) => k !== key));
  const hmac = (alg: string) => (input: string) => createHmac(alg, SECRET).update(input).digest('base64url');
  const CASES: [string, string | null, string][] = [
    ['alg none', forge({ alg: 'none', typ: 'JWT' }, claims, () => ''), 'invalid'],
    ['alg none, signature kept', forge({ alg: 'none', typ: 'JWT' }, claims, hmac('sha256')), 'invalid'],
    ['HS512 with the right secret', jwt.sign(claims, SECRET, { algorithm: 'HS512' }), 'invalid'],
    ['HS384 with the right secret', forge({ alg: 'HS384', typ: 'JWT' }, claims, hmac('sha384')), 'invalid'],
    ['wrong audience', jwt.sign({ ...claims, aud: 'titan-api' }, SECRET, { algorithm: 'HS256' }), 'invalid'],
    ['no audience', jwt.sign(without('aud'), SECRET, { algorithm: 'HS256' }), 'invalid'],
    ['other secret', jwt.sign(claims, 'x'.repeat(40), { algorithm: 'HS256' }), 'invalid'],
    ['no exp', jwt.sign(without('exp'), SECRET, { algorithm: 'HS256' }), 'invalid'],
    ['no tid', jwt.sign(without('tid'), SECRET, { algorithm: 'HS256' }), 'invalid'],
    ['sub not a string', jwt.sign({ ...claims, sub: 7 }, SECRET, { algorithm: 'HS256' }), 'invalid'],
    ['garbage', 'not.a.token', 'invalid'],
    ['empty', '', 'missing'],
    ['null', null, 'missing'],
  ];
  for (const [name, token, expected] of CASES) assert.equal(problemOf(() => verifyWidgetToken(SECRET, token, NOW)), expected, name);
});

test('looksLikeJwt spots tokens, not API keys', async () => {
  assert.equal(looksLikeJwt(signWidgetToken(SECRET, SUBJECT, NOW).token), true);
  assert.equal(looksLikeJwt('titan_sk_AbCdEf123456_0123456789abcdefghijABCDEFGHIJxy'), false);
});

test('lifetime: exp − iat ≤ 900 and iat at most 30 s ahead, or the signed token is invalid', async () => {
  const now = NOW / 1000;
  const CASES: [string, number, number, string][] = [
    ['the server\'s own 900 s', now, now + 900, 'ok'],
    ['shorter is fine', now, now + 60, 'ok'],
    ['901 s', now, now + 901, 'invalid'],
    ['a year', now, now + 365 * 86_400, 'invalid'],
    ['exp before iat (both ahead of now)', now + 20, now + 10, 'invalid'],
    ['exp equal to iat', now + 10, now + 10, 'invalid'],
    ['exp already past', now - 100, now - 1, 'expired'],
    ['iat 30 s ahead (clock skew)', now + 30, now + 930, 'ok'],
    ['iat 31 s ahead', now + 31, now + 931, 'invalid'],
    ['iat an hour ahead', now + 3600, now + 4500, 'invalid'],
    ['fractional iat', now + 0.5, now + 900, 'invalid'],
  ];
  for (const [name, iat, exp, expected] of CASES) {
    // Signed with the real secret: only the lifetime rule can refuse these.
    const token = jwt.sign({ ...SUBJECT, aud: 'titan-widget', iat, exp }, SECRET, { algorithm: 'HS256' });
    assert.equal(problemOf(() => verifyWidgetToken(SECRET, token, NOW)), expected, name);
  }
});
