// Baileys auth state (creds + signal keys) kept in the store instead of baileys' folder of JSON
// files. Values are BufferJSON text, so the rows stay portable between databases.
import { randomBytes } from 'node:crypto';
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
import type { AuthStateKey, AuthStateStore } from '../../store/types.js';
import type { KeyPool } from '../key-pool.js';

export interface StoreAuthState {
  /** Hand this to `makeWASocket({ auth })`; baileys mutates `state.creds` in place. */
  state: AuthenticationState;
  /**
   * Writes `state.creds`, after every earlier write of this auth state (creds are written whole,
   * so the last one must win even on a database that runs queries concurrently).
   */
  saveCreds(): Promise<void>;
  /** Resolves when every write started so far is in the store. */
  settled(): Promise<void>;
  /** True when the creds belong to a linked device (a scan or pairing finished). */
  isRegistered(): boolean;
  /**
   * Undoes a pairing-code request that never completed: baileys writes `creds.me` (the phone's
   * jid) when it asks for a code, and a socket started with `creds.me` logs in instead of
   * showing a QR, so a half-written `me` would wedge every later attempt.
   */
  wipePendingPairing(): Promise<void>;
  /** Deletes creds and keys (logged out). */
  clear(): Promise<void>;
}

const bufferJson = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);

/** A plain object whose every value is bytes: a key pair, the shape of most keys Baileys stores. */
const isByteRecord = (value: unknown): value is Record<string, Uint8Array> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every((v) => v instanceof Uint8Array);

/**
 * BufferJSON text. Key pairs take a direct path, byte for byte the same text: through the replacer,
 * each Buffer first becomes an array of numbers (its `toJSON`) and then base64, about 30 µs a
 * pair, so the 812 first pre-keys of a link held the event loop for 25 ms.
 */
export const encode = (value: unknown): string => {
  if (!isByteRecord(value)) return bufferJson(value);
  const fields = Object.entries(value).map(([name, bytes]) => `${JSON.stringify(name)}:{"type":"Buffer","data":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`);
  return `{${fields.join(',')}}`;
};
const decode = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T;

/** The raw key store: reads by id, writes every `keys.set` batch in one transaction. */
export function makeStoreKeyStore(store: AuthStateStore, key: AuthStateKey): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const found: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const [id, text] of await store.readKeys(key, type, ids)) {
        let value = decode<SignalDataTypeMap[T]>(text);
        // Baileys calls methods on these, so they must be protobuf objects again, not plain JSON.
        if (type === 'app-state-sync-key') {
          value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
        }
        found[id] = value;
      }
      return found;
    },
    async set(data: SignalDataSet) {
      const entries: { type: string; id: string; value: string | null }[] = [];
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          entries.push({ type, id, value: value === null || value === undefined ? null : encode(value) });
        }
      }
      if (entries.length > 0) await store.writeKeys(key, entries);
    },
  };
}

/** Creds baileys can use: the simulator keeps its own shape in the same table, and a row can be damaged. */
async function readBaileysCreds(store: AuthStateStore, key: AuthStateKey, logger?: Logger): Promise<AuthenticationCreds | null> {
  const stored = await store.readCreds(key);
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
 * Fresh creds for a new link, the same as Baileys' `initAuthCreds()` field for field, with the
 * key pairs and the signed pre-key's signature made on the key pool's workers: they are 40 ms of
 * pure-JS curve maths per link that would otherwise stall every API call and stream.
 */
export async function newAuthCreds(pool: KeyPool): Promise<AuthenticationCreds> {
  const keys = await pool.newCredsKeys();
  return {
    noiseKey: keys.noise,
    pairingEphemeralKeyPair: keys.pairingEphemeral,
    signedIdentityKey: keys.identity,
    signedPreKey: { keyPair: keys.signedPreKey, signature: keys.signedPreKeySignature, keyId: 1 },
    // Baileys' generateRegistrationId: 14 random bits.
    registrationId: randomBytes(2).readUInt16LE() & 16383,
    advSecretKey: randomBytes(32).toString('base64'),
    processedHistoryMessages: [],
    nextPreKeyId: 1,
    firstUnuploadedPreKeyId: 1,
    accountSyncCounter: 0,
    accountSettings: { unarchiveChats: false },
    registered: false,
    pairingCode: undefined,
    lastPropHash: undefined,
    routingInfo: undefined,
    additionalData: undefined,
  };
}

/**
 * `keyCache`: where read keys are cached (the session's own, emptied when it ends). Baileys'
 * default is a NodeCache whose expiry timer re-arms for ever, so it would keep every key it
 * ever cached (812 pre-keys per new link) after the session is gone.
 */
export async function useStoreAuthState(
  store: AuthStateStore,
  key: AuthStateKey,
  options: { logger?: Logger; keyCache?: CacheStore; keyPool?: KeyPool } = {},
): Promise<StoreAuthState> {
  const { logger, keyCache, keyPool } = options;
  const creds: AuthenticationCreds = (await readBaileysCreds(store, key, logger)) ?? (keyPool ? await newAuthCreds(keyPool) : initAuthCreds());
  const state: AuthenticationState = {
    creds,
    keys: makeCacheableSignalKeyStore(makeStoreKeyStore(store, key), logger, keyCache),
  };
  const isRegistered = () => Boolean(state.creds.me?.id && state.creds.account);
  let writes: Promise<void> = Promise.resolve();
  let unfinished = 0;
  // One write at a time, in order; with none waiting it starts at once, so a synchronous store
  // (SQLite) has the creds in the file before baileys goes on.
  const serially = (write: () => Promise<void>): Promise<void> => {
    const run = () => write().finally(() => void unfinished--);
    writes = unfinished++ === 0 ? run() : writes.then(run, run);
    return writes;
  };
  return {
    state,
    // Encoded now: the write must carry the creds as they are when baileys reports the update.
    saveCreds() {
      const text = encode(state.creds);
      return serially(() => store.writeCreds(key, text));
    },
    settled: () => writes.catch(() => {}),
    isRegistered,
    wipePendingPairing() {
      if (isRegistered() || (!state.creds.me && !state.creds.pairingCode)) return writes;
      delete state.creds.me;
      state.creds.pairingCode = undefined;
      const text = encode(state.creds);
      // Only rewrite a row that exists: an unlinked session need not leave creds behind.
      return serially(async () => {
        if ((await store.readCreds(key)) !== null) await store.writeCreds(key, text);
      });
    },
    clear: () => serially(() => store.deleteAuthState(key)),
  };
}
