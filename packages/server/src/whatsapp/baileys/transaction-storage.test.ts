import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { test } from 'node:test';
import { addTransactionCapability, type SignalDataTypeMap, type SignalKeyStore } from 'baileys';
import pino from 'pino';
import { installSocketStorage, withSocketStorage } from './transaction-storage.js';

installSocketStorage();

/** What a continuation scheduled inside `run` sees when it fires after the run has settled. */
const lateStore = <T>(storage: AsyncLocalStorage<T>, store: T): Promise<T | undefined> => {
  let late!: Promise<T | undefined>;
  const run = storage.run(store, async () => {
    late = new Promise((resolve) => setTimeout(() => resolve(storage.getStore()), 20));
    await new Promise((r) => setImmediate(r));
    assert.equal(storage.getStore(), store, 'the store is there for the whole run');
  });
  return run.then(() => late);
};

test('a storage made for a socket is off once its runs settle; one made elsewhere keeps its stores', async () => {
  const scoped = withSocketStorage(() => new AsyncLocalStorage<string>());
  const plain = new AsyncLocalStorage<string>();
  assert.ok(scoped instanceof AsyncLocalStorage && plain instanceof AsyncLocalStorage);
  assert.equal(await lateStore(scoped, 'tx'), undefined);
  assert.equal(await lateStore(plain, 'request'), 'request', 'other code keeps the standard behaviour');
});

test('a socket storage stays on while any of its runs is in progress, and comes back on for the next', async () => {
  const storage = withSocketStorage(() => new AsyncLocalStorage<string>());
  let finishA!: () => void;
  const seen: Array<string | undefined> = [];
  const a = storage.run('a', async () => {
    await new Promise<void>((r) => (finishA = r));
    seen.push(storage.getStore());
  });
  await storage.run('b', async () => {
    await new Promise((r) => setImmediate(r));
    seen.push(storage.getStore());
  });
  finishA();
  await a;
  assert.deepEqual(seen, ['b', 'a'], 'b ending did not switch the storage off under a');
  assert.equal(storage.run('c', () => storage.getStore()), 'c', 'a synchronous run after both');
  assert.equal(storage.getStore(), undefined);
  assert.throws(() => storage.run('d', () => { throw new Error('boom'); }), /boom/);
  assert.equal(await lateStore(storage, 'e'), undefined, 'a throwing run still ended its count');
});

test("Baileys' key store made in the scope leaves no transaction behind; made outside, it does (the leak)", async () => {
  const memory: Record<string, unknown> = {};
  const store: SignalKeyStore = {
    get: async (type, ids) => Object.fromEntries(ids.map((id) => [id, memory[`${type}.${id}`]])) as never,
    set: async (data) => {
      for (const [type, values] of Object.entries(data)) for (const [id, value] of Object.entries(values ?? {})) memory[`${type}.${id}`] = value;
    },
  };
  const logger = pino({ level: 'silent' });
  const options = { maxCommitRetries: 1, delayBetweenTriesMs: 0 };
  const probe = async (keys: ReturnType<typeof addTransactionCapability>): Promise<boolean> => {
    let late!: Promise<boolean>;
    await keys.transaction(async () => {
      assert.equal(keys.isInTransaction(), true);
      await keys.set({ session: { 'x.0': Buffer.from('s') } } as Partial<{ [K in keyof SignalDataTypeMap]: Record<string, SignalDataTypeMap[K]> }>);
      late = new Promise((resolve) => setTimeout(() => resolve(keys.isInTransaction()), 20));
    }, 'probe');
    assert.ok(memory['session.x.0'], 'the transaction committed');
    return late;
  };
  assert.equal(await probe(withSocketStorage(() => addTransactionCapability(store, logger, options))), false);
  assert.equal(await probe(addTransactionCapability(store, logger, options)), true);
});
