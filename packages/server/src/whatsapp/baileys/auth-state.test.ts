import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferJSON, Curve, initAuthCreds, proto } from 'baileys';
import fc from 'fast-check';
import { SqliteStore } from '../../store/index.js';
import { KeyPool } from '../key-pool.js';
import { encode, makeStoreKeyStore, newAuthCreds, useStoreAuthState } from './auth-state.js';

const KEY = { tenantId: 'acme', sessionName: 'support-line' };

function tempDb(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'titan-auth-'));
  t.after(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'titan.db');
}

test('creds survive a restart byte for byte (BufferJSON in SQLite)', async (t) => {
  const path = tempDb(t);
  const first = new SqliteStore(path);
  const auth = await useStoreAuthState(first, KEY);
  auth.state.creds.me = { id: '5511912345678:7@s.whatsapp.net', name: 'Maria' };
  auth.state.creds.routingInfo = Buffer.from([9, 8, 7]);
  await auth.saveCreds();
  const written = structuredClone(auth.state.creds);
  await first.close();

  const second = new SqliteStore(path);
  t.after(async () => await second.close());
  const reread = (await useStoreAuthState(second, KEY)).state.creds;
  assert.ok(Buffer.isBuffer(reread.noiseKey.private), 'keys come back as Buffers, not {type,data} objects');
  assert.deepEqual(Buffer.from(reread.noiseKey.private), Buffer.from(written.noiseKey.private));
  assert.deepEqual(Buffer.from(reread.signedIdentityKey.public), Buffer.from(written.signedIdentityKey.public));
  assert.deepEqual(Buffer.from(reread.signedPreKey.signature), Buffer.from(written.signedPreKey.signature));
  assert.deepEqual(reread.routingInfo, Buffer.from([9, 8, 7]));
  assert.equal(reread.registrationId, written.registrationId);
  assert.equal(reread.advSecretKey, written.advSecretKey);
  assert.deepEqual(reread.me, written.me);
});

test('a session without stored creds gets fresh ones and writes nothing until asked', async () => {
  const store = new SqliteStore(':memory:');
  const a = (await useStoreAuthState(store, KEY)).state.creds;
  const b = (await useStoreAuthState(store, KEY)).state.creds;
  assert.notDeepEqual(Buffer.from(a.noiseKey.public), Buffer.from(b.noiseKey.public));
  assert.equal(await store.readCreds(KEY), null);
  await store.close();
});

test('creds made on the key pool have the shape of initAuthCreds(), field for field', async (t) => {
  const pool = new KeyPool(1);
  t.after(() => pool.close());
  const ours = await newAuthCreds(pool);
  const baileys = initAuthCreds();
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(baileys).sort());
  // Same fields, nested, with the same kinds of values (bytes of the same length, numbers, ...).
  const shape = (v: unknown): unknown =>
    Buffer.isBuffer(v) || v instanceof Uint8Array ? `bytes:${v.length}`
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]))
    : typeof v === 'string' ? `string:${v.length}` : typeof v === 'number' ? 'number' : v;
  assert.deepEqual(shape(ours), shape(baileys));
  assert.ok(ours.registrationId >= 0 && ours.registrationId < 16384);
  // And useStoreAuthState takes them from the pool when it is given one.
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const creds = (await useStoreAuthState(store, KEY, { keyPool: pool })).state.creds;
  assert.equal(creds.signedPreKey.keyId, 1);
  assert.equal(creds.signedIdentityKey.public.length, 32);
});

test('keys.set writes a whole batch in one store transaction, deletes included', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(async () => await store.close());
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
  t.after(async () => await store.close());
  const keys = makeStoreKeyStore(store, KEY);
  // The NOT NULL column refuses the second row, so the first must roll back with it.
  const writeKeys = store.writeKeys.bind(store);
  store.writeKeys = (key, entries) => writeKeys(key, entries.map((e, i) => (i === 1 ? { ...e, id: null as unknown as string } : e)));
  await assert.rejects(async () => await keys.set({ session: { a: Buffer.from([1]), b: Buffer.from([2]) } }));
  store.writeKeys = writeKeys;
  assert.deepEqual(await keys.get('session', ['a', 'b']), {});
});

test('signal keys read back after a restart, app-state keys as protobuf objects', async (t) => {
  const path = tempDb(t);
  const first = new SqliteStore(path);
  const syncKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from([7, 7, 7]), timestamp: 1700000000 });
  const auth = await useStoreAuthState(first, KEY);
  await auth.state.keys.set({
    'app-state-sync-key': { AAAA: syncKey },
    'sender-key-memory': { 'group@g.us': { '5511@s.whatsapp.net': true } },
    'lid-mapping': { '5511912345678': '123456789' },
  });
  await first.close();

  const second = new SqliteStore(path);
  t.after(async () => await second.close());
  const keys = (await useStoreAuthState(second, KEY)).state.keys;
  const { AAAA } = await keys.get('app-state-sync-key', ['AAAA']);
  assert.ok(AAAA instanceof proto.Message.AppStateSyncKeyData);
  assert.deepEqual(Buffer.from(AAAA.keyData!), Buffer.from([7, 7, 7]));
  assert.deepEqual(await keys.get('sender-key-memory', ['group@g.us']), { 'group@g.us': { '5511@s.whatsapp.net': true } });
  assert.deepEqual(await keys.get('lid-mapping', ['5511912345678']), { '5511912345678': '123456789' });
});

test('wipePendingPairing removes a half-written me, and leaves a linked device alone', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(async () => await store.close());
  const pending = await useStoreAuthState(store, KEY);
  pending.state.creds.me = { id: '5511912345678@s.whatsapp.net', name: '~' };
  pending.state.creds.pairingCode = 'ABCD2345';
  await pending.saveCreds();
  assert.equal(pending.isRegistered(), false);
  await pending.wipePendingPairing();
  assert.equal(pending.state.creds.me, undefined);
  assert.equal(pending.state.creds.pairingCode, undefined);
  assert.equal((await useStoreAuthState(store, KEY)).state.creds.me, undefined, 'the stored row was rewritten too');

  const linked = await useStoreAuthState(store, { ...KEY, sessionName: 'linked' });
  linked.state.creds.me = { id: '5511912345678:7@s.whatsapp.net', name: 'Maria' };
  linked.state.creds.account = proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) });
  assert.equal(linked.isRegistered(), true);
  await linked.wipePendingPairing();
  assert.equal(linked.state.creds.me?.id, '5511912345678:7@s.whatsapp.net');
});

test('clear deletes creds and keys', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(async () => await store.close());
  const auth = await useStoreAuthState(store, KEY);
  await auth.saveCreds();
  await makeStoreKeyStore(store, KEY).set({ session: { a: Buffer.from([1]) } });
  await auth.clear();
  assert.equal(await store.readCreds(KEY), null);
  assert.deepEqual(await makeStoreKeyStore(store, KEY).get('session', ['a']), {});
});

test('creds that are not baileys creds (simulator rows, damage) are replaced by fresh ones, not crashed on', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(async () => await store.close());
  for (const row of ['{"simulator":1,"method":"qr","phone":"15550100001"}', 'not json', '{}']) {
    await store.writeCreds(KEY, row);
    const creds = (await useStoreAuthState(store, KEY)).state.creds;
    assert.ok(Buffer.isBuffer(creds.noiseKey.private), row);
    assert.equal(creds.me, undefined, row);
  }
});

test("encode: key pairs' direct path writes exactly BufferJSON's text; other shapes go through BufferJSON", () => {
  const viaReplacer = (value: unknown) => JSON.stringify(value, BufferJSON.replacer);
  const pair = Curve.generateKeyPair();
  assert.equal(encode(pair), viaReplacer(pair));
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));
  // Views into a larger buffer too: only the view's bytes may be written.
  const view = fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 40 }), fc.nat(7)).map(([a, at]) => new Uint8Array(a.buffer, at, a.length - at));
  fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(bytes, view), { maxKeys: 4 }), (record) => {
    assert.equal(encode(record), viaReplacer(record));
    assert.deepEqual(JSON.parse(encode(record), BufferJSON.reviver), JSON.parse(viaReplacer(record), BufferJSON.reviver));
  }));
  for (const other of [{ keyPair: pair, signature: Buffer.from([1, 2]), keyId: 3 }, { a: Buffer.from([1]), n: 1 }, [Buffer.from([1])], 'text', null]) {
    assert.equal(encode(other), viaReplacer(other));
  }
});
