// Baileys' creds and signal keys sealed at rest, at the store seam: whatever `Store` main.ts
// opens (SQLite today, Postgres next), the engines get one whose auth-state values are
// AES-256-GCM ciphertext under a key derived from TITAN_SECRET. Whoever reads the database file
// or a backup without the secret cannot take over the linked WhatsApp accounts.
import type { Logger } from 'pino';
import { SecretBox } from '../secrets.js';
import type { AuthStateKey, AuthStateStore } from './types.js';

/** HKDF info of the auth-state key: not the key that seals Meta secrets. */
export const AUTH_STATE_PURPOSE = 'wa-auth-state v1';

/** On a sealing store: the store beneath it, whose reads give the sealed text (see `beneathSeal`). */
const BENEATH = Symbol('titan.beneathSeal');

/**
 * `store` with `writeCreds`/`writeKeys` sealing and `readCreds`/`readKeys` opening, every other
 * method the store's own. A value still in plaintext (written before sealing existed) is read
 * as it is and written back sealed, so it is readable once and then never plain again. A value
 * already sealed (by a session thread holding the same secret) is stored as it comes.
 */
export function withSealedAuthState<S extends AuthStateStore>(store: S, secret: string): S {
  const box = new SecretBox(secret, AUTH_STATE_PURPOSE);
  const open = (value: string) => (SecretBox.isSealed(value) ? box.open(value) : value);
  // Plaintext is BufferJSON text, which never starts with `v1.`.
  const seal = (value: string) => (SecretBox.isSealed(value) ? value : box.seal(value));
  const overrides: Partial<AuthStateStore> = {
    async readCreds(key: AuthStateKey) {
      const stored = await store.readCreds(key);
      if (stored === null) return null;
      if (!SecretBox.isSealed(stored)) await store.writeCreds(key, box.seal(stored));
      return open(stored);
    },
    // A lease fence (cluster mode) passes through to the store's own check.
    writeCreds: (key, creds, fence) => store.writeCreds(key, seal(creds), fence),
    async readKeys(key, type, ids) {
      const stored = await store.readKeys(key, type, ids);
      const plain = [...stored].filter(([, v]) => !SecretBox.isSealed(v));
      if (plain.length > 0) await store.writeKeys(key, plain.map(([id, value]) => ({ type, id, value: box.seal(value) })));
      return new Map([...stored].map(([id, value]) => [id, open(value)]));
    },
    writeKeys: (key, entries, fence) => store.writeKeys(key, entries.map((e) => ({ ...e, value: e.value === null ? null : seal(e.value) })), fence),
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === BENEATH) return target;
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof AuthStateStore];
      const value = Reflect.get(target, prop, target);
      // Bound to the store itself, so its private fields and group commit see the real object.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The store under the seal of `store` (also through wrappers that pass unknown properties on,
 * as cluster mode's fenced store does), or null when `store` does not seal. Session threads
 * seal and open auth state themselves and read it through this, so the main thread only moves
 * sealed text (whatsapp/threads/).
 */
export function beneathSeal(store: AuthStateStore): AuthStateStore | null {
  return ((store as unknown as Record<symbol, AuthStateStore | undefined>)[BENEATH]) ?? null;
}

/**
 * The start-up pass: seals every auth-state value still in plaintext (a database from before
 * sealing), so none waits for its first read. Returns how many were sealed.
 */
export async function sealLegacyAuthState(store: AuthStateStore, secret: string, logger: Pick<Logger, 'info'>): Promise<number> {
  const box = new SecretBox(secret, AUTH_STATE_PURPOSE);
  const sealed = await store.rewriteAuthState((value) => (SecretBox.isSealed(value) ? null : box.seal(value)));
  if (sealed > 0) logger.info({ sealed }, 'sealed WhatsApp credentials that were stored in plaintext');
  return sealed;
}
