// Baileys auth state (creds + signal keys) kept in the SQLite store instead of baileys' folder of
// JSON files. Values are BufferJSON text, so the rows stay readable and portable.
import {
  BufferJSON,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type CacheStore,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.js';
import type { AuthStateKey } from '../../store/types.js';

export interface StoreAuthState {
  /** Hand this to `makeWASocket({ auth })`; baileys mutates `state.creds` in place. */
  state: AuthenticationState;
  /** Writes `state.creds` now (synchronous: on disk when it returns). */
  saveCreds(): void;
  /** True when the creds belong to a linked device (a scan or pairing finished). */
  isRegistered(): boolean;
  /**
   * Undoes a pairing-code request that never completed: baileys writes `creds.me` (the phone's
   * jid) when it asks for a code, and a socket started with `creds.me` logs in instead of
   * showing a QR, so a half-written `me` would wedge every later attempt.
   */
  wipePendingPairing(): void;
  /** Deletes creds and keys (logged out). */
  clear(): void;
}

const encode = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const decode = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T;

/** The raw key store: reads by id, writes every `keys.set` batch in one transaction. */
export function makeStoreKeyStore(store: Store, key: AuthStateKey): SignalKeyStore {
  return {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const found: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const [id, text] of store.readKeys(key, type, ids)) {
        let value = decode<SignalDataTypeMap[T]>(text);
        // Baileys calls methods on these, so they must be protobuf objects again, not plain JSON.
        if (type === 'app-state-sync-key') {
          value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
        }
        found[id] = value;
      }
      return found;
    },
    set(data: SignalDataSet) {
      const entries: { type: string; id: string; value: string | null }[] = [];
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          entries.push({ type, id, value: value === null || value === undefined ? null : encode(value) });
        }
      }
      if (entries.length > 0) store.writeKeys(key, entries);
    },
  };
}

/** Creds baileys can use: the simulator keeps its own shape in the same table, and a row can be damaged. */
function readBaileysCreds(store: Store, key: AuthStateKey, logger?: Logger): AuthenticationCreds | null {
  const stored = store.readCreds(key);
  if (stored === null) return null;
  try {
    const creds = decode<Partial<AuthenticationCreds>>(stored);
    if (Buffer.isBuffer(creds.noiseKey?.private) && Buffer.isBuffer(creds.signedIdentityKey?.private)) return creds as AuthenticationCreds;
  } catch {
    // fall through
  }
  logger?.warn({ tenantId: key.tenantId, session: key.sessionName }, 'stored credentials are not baileys credentials; linking afresh');
  return null;
}

/**
 * `keyCache`: where read keys are cached (the session's own, emptied when it ends). Baileys'
 * default is a NodeCache whose expiry timer re-arms for ever, so it would keep every key it
 * ever cached (812 pre-keys per new link) after the session is gone.
 */
export function useStoreAuthState(store: Store, key: AuthStateKey, logger?: Logger, keyCache?: CacheStore): StoreAuthState {
  const creds: AuthenticationCreds = readBaileysCreds(store, key, logger) ?? initAuthCreds();
  const state: AuthenticationState = {
    creds,
    keys: makeCacheableSignalKeyStore(makeStoreKeyStore(store, key), logger, keyCache),
  };
  const isRegistered = () => Boolean(state.creds.me?.id && state.creds.account);
  return {
    state,
    saveCreds: () => store.writeCreds(key, encode(state.creds)),
    isRegistered,
    wipePendingPairing() {
      if (isRegistered() || (!state.creds.me && !state.creds.pairingCode)) return;
      delete state.creds.me;
      state.creds.pairingCode = undefined;
      // Only rewrite a row that exists: an unlinked session need not leave creds behind.
      if (store.readCreds(key) !== null) store.writeCreds(key, encode(state.creds));
    },
    clear: () => store.deleteAuthState(key),
  };
}
