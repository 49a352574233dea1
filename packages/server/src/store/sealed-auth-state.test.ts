// Credentials at rest: the raw SQLite file holds no Baileys key, whether written sealed from the
// start or written in plaintext by an older server and sealed by the start-up pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStoreAuthState } from '../whatsapp/baileys/auth-state.js';
import { fencedStore } from '../cluster/fenced-store.js';
import { SecretBox } from '../secrets.js';
import { AUTH_STATE_PURPOSE, beneathSeal, sealLegacyAuthState, withSealedAuthState } from './sealed-auth-state.js';
import { SqliteStore } from './sqlite.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const KEY = { tenantId: 'acme', sessionName: 'support-line' };
const quiet = { info: () => {} };

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'titan-sealed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'titan.db');
}

/** Every byte SQLite keeps for the database: the file, and the WAL if one is left. */
const rawBytes = (path: string): Buffer =>
  Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));

/** What a thief would grep for: the noise and identity private keys as BufferJSON stores them. */
async function writeRealCreds(store: SqliteStore | ReturnType<typeof withSealedAuthState<SqliteStore>>): Promise<string[]> {
  const auth = await useStoreAuthState(store, KEY);
  auth.state.creds.me = { id: '5511912345678:7@s.whatsapp.net', name: 'Maria' };
  await auth.saveCreds();
  const preKey = { public: Buffer.from('pre-key-public-0123456789abcdef'), private: Buffer.from('pre-key-PRIVATE-0123456789abcde') };
  await auth.state.keys.set({ 'pre-key': { '1': preKey } });
  return [
    Buffer.from(auth.state.creds.noiseKey.private).toString('base64'),
    Buffer.from(auth.state.creds.signedIdentityKey.private).toString('base64'),
    preKey.private.toString('base64'),
    '5511912345678:7@s.whatsapp.net',
  ];
}

test('written through the sealed store: the raw file holds no credential, and they read back intact', async (t) => {
  const path = tempDb(t);
  const raw = new SqliteStore(path);
  const store = withSealedAuthState(raw, SECRET);
  const secrets = await writeRealCreds(store);
  const bytes = rawBytes(path).toString('latin1');
  for (const secret of secrets) assert.equal(bytes.includes(secret), false, `found ${secret.slice(0, 8)}… in the file`);
  assert.match((await raw.readCreds(KEY))!, /^v1\./, 'the row is ciphertext');
  await raw.close();

  const reopened = new SqliteStore(path);
  t.after(() => reopened.close());
  const creds = (await useStoreAuthState(withSealedAuthState(reopened, SECRET), KEY)).state.creds;
  assert.equal(Buffer.from(creds.noiseKey.private).toString('base64'), secrets[0]);
  assert.equal(creds.me?.id, '5511912345678:7@s.whatsapp.net');
  const keys = await withSealedAuthState(reopened, SECRET).readKeys(KEY, 'pre-key', ['1']);
  assert.match(keys.get('1')!, /"type":"Buffer"/, 'BufferJSON text comes back');
  await assert.rejects(withSealedAuthState(reopened, 'another-secret-0123456789-abcdefghijkl').readCreds(KEY), 'another secret cannot open them');
});

test('an older database in plaintext: the start-up pass seals every row, and the file keeps no trace', async (t) => {
  const path = tempDb(t);
  const raw = new SqliteStore(path);
  const secrets = await writeRealCreds(raw);
  assert.ok(rawBytes(path).toString('latin1').includes(secrets[2]!), 'the test really starts from plaintext');
  assert.equal(await sealLegacyAuthState(raw, SECRET, quiet), 2, 'creds and one key');
  assert.equal(await sealLegacyAuthState(raw, SECRET, quiet), 0, 'once');
  await raw.close();
  const bytes = rawBytes(path).toString('latin1');
  for (const secret of secrets) assert.equal(bytes.includes(secret), false, `found ${secret.slice(0, 8)}… in the file`);
  const reopened = new SqliteStore(path);
  t.after(() => reopened.close());
  const creds = (await useStoreAuthState(withSealedAuthState(reopened, SECRET), KEY)).state.creds;
  assert.equal(Buffer.from(creds.noiseKey.private).toString('base64'), secrets[0]);
});

test('a plaintext value is read once as it is, then stored sealed', async (t) => {
  const raw = new SqliteStore(tempDb(t));
  t.after(() => raw.close());
  const store = withSealedAuthState(raw, SECRET);
  await raw.writeCreds(KEY, '{"plain":1}');
  await raw.writeKeys(KEY, [{ type: 'pre-key', id: '1', value: '{"k":1}' }]);
  assert.equal(await store.readCreds(KEY), '{"plain":1}');
  assert.deepEqual([...(await store.readKeys(KEY, 'pre-key', ['1', '2']))], [['1', '{"k":1}']]);
  assert.match((await raw.readCreds(KEY))!, /^v1\./);
  assert.match((await raw.readKeys(KEY, 'pre-key', ['1'])).get('1')!, /^v1\./);
  assert.equal(await store.readCreds(KEY), '{"plain":1}', 'and reads the same afterwards');
  // Every other method is the store's own, bound to it.
  assert.equal(await store.hasAuthState(KEY), true);
  await store.writeKeys(KEY, [{ type: 'pre-key', id: '1', value: null }]);
  assert.equal((await raw.readKeys(KEY, 'pre-key', ['1'])).size, 0, 'null still deletes');
});

test('sealed text from a session thread is stored as it comes; beneathSeal reads it sealed, through the fenced store too', async (t) => {
  const raw = new SqliteStore(tempDb(t));
  t.after(() => raw.close());
  const main = withSealedAuthState(raw, SECRET);
  // A session thread's own seal, over the main thread's store (threads/socket-thread.ts).
  const thread = withSealedAuthState(main, SECRET);
  await thread.writeCreds(KEY, '{"creds":1}');
  await thread.writeKeys(KEY, [{ type: 'pre-key', id: '1', value: '{"k":1}' }]);
  const stored = (await raw.readCreds(KEY))!;
  assert.match(stored, /^v1\./);
  assert.equal(await main.readCreds(KEY), '{"creds":1}', 'sealed once, not twice: the main store opens it in one go');
  assert.equal(new SecretBox(SECRET, AUTH_STATE_PURPOSE).open((await raw.readKeys(KEY, 'pre-key', ['1'])).get('1')!), '{"k":1}');

  assert.equal(beneathSeal(raw), null, 'a store that does not seal');
  const fenced = fencedStore(main, { fenceFor: () => null });
  assert.equal(beneathSeal(fenced), raw);
  assert.equal(await beneathSeal(fenced)!.readCreds(KEY), stored, 'reads beneath the seal give the sealed text');
});
