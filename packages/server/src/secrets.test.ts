import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretBox } from './secrets.js';

test('a sealed secret opens with the same key and never shows the plain text', () => {
  const box = new SecretBox('k'.repeat(32));
  const sealed = box.seal('meta-app-secret-123');
  assert.ok(!sealed.includes('meta-app-secret-123'));
  assert.notEqual(sealed, box.seal('meta-app-secret-123'), 'fresh IV each time');
  assert.equal(box.open(sealed), 'meta-app-secret-123');
});

test('another key or an altered ciphertext is refused', () => {
  const sealed = new SecretBox('a'.repeat(32)).seal('token');
  assert.throws(() => new SecretBox('b'.repeat(32)).open(sealed));
  const parts = sealed.split('.');
  const flipped = [...parts.slice(0, 3), (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1)].join('.');
  assert.throws(() => new SecretBox('a'.repeat(32)).open(flipped));
  assert.throws(() => new SecretBox('a'.repeat(32)).open('garbage'));
});

test('every seal gets its own nonce, across the nonce pool refills', () => {
  const box = new SecretBox('n'.repeat(32));
  const sealed = Array.from({ length: 2_000 }, (_, i) => box.seal(`value ${i}`)); // about four refills
  const nonces = new Set(sealed.map((text) => text.split('.')[1]));
  assert.equal(nonces.size, sealed.length, 'a GCM nonce used twice under one key would leak plaintext');
  assert.deepEqual(sealed.map((text) => box.open(text)), sealed.map((_, i) => `value ${i}`));
});
