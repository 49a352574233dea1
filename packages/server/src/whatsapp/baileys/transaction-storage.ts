// Keeps the cost of every promise in the process independent of how many sockets Baileys ever
// made. Baileys gives each socket's key store an AsyncLocalStorage (auth-utils.js
// `addTransactionCapability`) and enters it on every key transaction. On Node 20 an entered
// storage is enabled for good: it joins a process-wide list that Node walks on the creation of
// every promise, timer and socket, and nothing in Baileys ever disables it. So every socket a
// server ever opened (a link is two: the QR socket and the one after the 515 restart) made every
// later `await` slower, for every request: 200 linked numbers cost 20 µs per promise, 2,000
// sockets over a server's life 220 µs (transaction-storage.test.ts shows the same growth).
//
// The seam is public API only: the `AsyncLocalStorage` export of `node:async_hooks` becomes a
// subclass (`syncBuiltinESMExports` carries it to ESM importers such as Baileys), and a storage
// constructed inside `withSocketStorage` (our call of Baileys' `makeWASocket`, which builds its
// key store synchronously) is enabled only while one of its `run`s is in progress. Every other
// storage, made by any other code, is the original class's behaviour untouched.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { AsyncLocalStorage } from 'node:async_hooks';

type AsyncHooksExports = { AsyncLocalStorage: typeof AsyncLocalStorage };

/** True only while `withSocketStorage` runs its callback. */
let scoping = false;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** An AsyncLocalStorage that, when made for a Baileys socket, disables itself once no `run` is in progress. */
class SocketScopedStorage<T> extends AsyncLocalStorage<T> {
  readonly #scoped = scoping;
  #running = 0;

  override run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    if (!this.#scoped) return super.run(store, callback, ...args);
    this.#running += 1;
    let result: R;
    try {
      result = super.run(store, callback, ...args);
    } catch (error) {
      this.#ended();
      throw error;
    }
    if (!isThenable(result)) {
      this.#ended();
      return result;
    }
    // A transaction's work is async: the storage stays on until it settles.
    return Promise.resolve(result).finally(() => this.#ended()) as R;
  }

  #ended(): void {
    this.#running -= 1;
    // Continuations of a finished transaction then see no store, as Baileys' direct writes expect.
    if (this.#running === 0) this.disable();
  }
}

let installed = false;

/** Puts the subclass in place of `node:async_hooks`' export; once per process. */
export const installSocketStorage = (): void => {
  if (installed) return;
  const hooks = createRequire(import.meta.url)('node:async_hooks') as AsyncHooksExports;
  hooks.AsyncLocalStorage = SocketScopedStorage as typeof AsyncLocalStorage;
  syncBuiltinESMExports();
  installed = true;
};

/** Runs `make` (Baileys' synchronous `makeWASocket`) so the storages it constructs are socket-scoped. */
export const withSocketStorage = <R>(make: () => R): R => {
  installSocketStorage();
  scoping = true;
  try {
    return make();
  } finally {
    scoping = false;
  }
};
