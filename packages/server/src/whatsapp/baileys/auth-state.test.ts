import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proto } from 'baileys';
import { SqliteStore } from '../../store/index.js';
import { makeStoreKeyStore, useStoreAuthState } from './auth-state.js';

const KEY = { tenantId: 'acme', sessionName: 'support-line' };

function tempDb(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'titan-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'titan.db');
}

test('creds survive a restart byte for byte (BufferJSON in SQLite)', (t) => {
  const path = tempDb(t);
  const first = new SqliteStore(path);
  const auth = useStoreAuthState(first, KEY);
  auth.state.creds.me = { id: '5511912345678:7@s.whatsapp.net', name: 'Maria' };
  auth.state.creds.routingInfo = Buffer.from([9, 8, 7]);
  auth.saveCreds();
  const written = structuredClone(auth.state.creds);
  first.close();

  const second = new SqliteStore(path);
  t.after(() => second.close());
  const reread = useStoreAuthState(second, KEY).state.creds;
  assert.ok(Buffer.isBuffer(reread.noiseKey.private), 'keys come back as Buffers, not {type,data} objects');
  assert.deepEqual(Buffer.from(reread.noiseKey.private), Buffer.from(written.noiseKey.private));
  assert.deepEqual(Buffer.from(reread.signedIdentityKey.public), Buffer.from(written.signedIdentityKey.public));
  assert.deepEqual(Buffer.from(reread.signedPreKey.signature), Buffer.from(written.signedPreKey.signature));
  assert.deepEqual(reread.routingInfo, Buffer.from([9, 8, 7]));
  assert.equal(reread.registrationId, written.registrationId);
  assert.equal(reread.advSecretKey, written.advSecretKey);
  assert.deepEqual(reread.me, written.me);
});

test('a session without stored creds gets fresh ones and writes nothing until asked', () => {
  const store = new SqliteStore(':memory:');
  const a = useStoreAuthState(store, KEY).state.creds;
  const b = useStoreAuthState(store, KEY).state.creds;
  assert.notDeepEqual(Buffer.from(a.noiseKey.public), Buffer.from(b.noiseKey.public));
  assert.equal(store.readCreds(KEY), null);
  store.close();
});

test('keys.set writes a whole batch in one store transaction, deletes included', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const batches: number[] = [];
  const writeKeys = store.writeKeys.bind(store);
  store.writeKeys = (key, entries) => {
    batches.push(entries.length);
    writeKeys(key, entries);
  };
  const keys = makeStoreKeyStore(store, KEY);
  const pair = { public: Buffer.from([1, 2]), private: Buffer.from([3, 4]) };
  await keys.set({ 'pre-key': { '1': pair, '2': pair, '3': pair }, session: { 'abc.0': Buffer.from([5]) } });
  await keys.set({ 'pre-key': { '1': null } });
  assert.deepEqual(batches, [4, 1]);
  const got = await keys.get('pre-key', ['1', '2', '3', '4']);
  assert.deepEqual(Object.keys(got).sort(), ['2', '3']);
  assert.deepEqual(got['2'], pair);
});

test('a failing batch leaves no half-written keys behind', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const keys = makeStoreKeyStore(store, KEY);
  // The NOT NULL column refuses the second row, so the first must roll back with it.
  const writeKeys = store.writeKeys.bind(store);
  store.writeKeys = (key, entries) => writeKeys(key, entries.map((e, i) => (i === 1 ? { ...e, id: null as unknown as string } : e)));
  await assert.rejects(async () => keys.set({ session: { a: Buffer.from([1]), b: Buffer.from([2]) } }));
  store.writeKeys = writeKeys;
  assert.deepEqual(await keys.get('session', ['a', 'b']), {});
});

test('signal keys read back after a restart, app-state keys as protobuf objects', async (t) => {
  const path = tempDb(t);
  const first = new SqliteStore(path);
  const syncKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from([7, 7, 7]), timestamp: 1700000000 });
  const auth = useStoreAuthState(first, KEY);
  await auth.state.keys.set({
    'app-state-sync-key': { AAAA: syncKey },
    'sender-key-memory': { 'group@g.us': { '5511@s.whatsapp.net': true } },
    'lid-mapping': { '5511912345678': '123456789' },
  });
  first.close();

  const second = new SqliteStore(path);
  t.after(() => second.close());
  const keys = useStoreAuthState(second, KEY).state.keys;
  const { AAAA } = await keys.get('app-state-sync-key', ['AAAA']);
  assert.ok(AAAA instanceof proto.Message.AppStateSyncKeyData);
  assert.deepEqual(Buffer.from(AAAA.keyData!), Buffer.from([7, 7, 7]));
  assert.deepEqual(await keys.get('sender-key-memory', ['group@g.us']), { 'group@g.us': { '5511@s.whatsapp.net': true } });
  assert.deepEqual(await keys.get('lid-mapping', ['5511912345678']), { '5511912345678': '123456789' });
});

test('wipePendingPairing removes a half-written me, and leaves a linked device alone', (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const pending = useStoreAuthState(store, KEY);
  pending.state.creds.me = { id: '5511912345678@s.whatsapp.net', name: '~' };
  pending.state.creds.pairingCode = 'ABCD2345';
  pending.saveCreds();
  assert.equal(pending.isRegistered(), false);
  pending.wipePendingPairing();
  assert.equal(pending.state.creds.me, undefined);
  assert.equal(pending.state.creds.pairingCode, undefined);
  assert.equal(useStoreAuthState(store, KEY).state.creds.me, undefined, 'the stored row was rewritten too');

  const linked = useStoreAuthState(store, { ...KEY, sessionName: 'linked' });
  linked.state.creds.me = { id: '5511912345678:7@s.whatsapp.net', name: 'Maria' };
  linked.state.creds.account = proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) });
  assert.equal(linked.isRegistered(), true);
  linked.wipePendingPairing();
  assert.equal(linked.state.creds.me?.id, '5511912345678:7@s.whatsapp.net');
});

test('clear deletes creds and keys', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const auth = useStoreAuthState(store, KEY);
  auth.saveCreds();
  await makeStoreKeyStore(store, KEY).set({ session: { a: Buffer.from([1]) } });
  auth.clear();
  assert.equal(store.readCreds(KEY), null);
  assert.deepEqual(await makeStoreKeyStore(store, KEY).get('session', ['a']), {});
});

test('creds that are not baileys creds (simulator rows, damage) are replaced by fresh ones, not crashed on', (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  for (const row of ['{"simulator":1,"method":"qr","phone":"15550100001"}', 'not json', '{}']) {
    store.writeCreds(KEY, row);
    const creds = useStoreAuthState(store, KEY).state.creds;
    assert.ok(Buffer.isBuffer(creds.noiseKey.private), row);
    assert.equal(creds.me, undefined, row);
  }
});
