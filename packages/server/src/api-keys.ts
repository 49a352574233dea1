// API keys: `titan_sk_<id>_<secret>`, shown once, stored as a hash of the secret part.
//
// Why SHA-256 and not scrypt: the secret is 32 random base62 characters (~190 bits), so nobody
// can guess it from its hash, slow or fast; a slow KDF only protects low-entropy passwords, and
// it would cost every API request tens of milliseconds of CPU. The id is public and indexes the
// row, so verifying is one primary-key lookup and one constant-time compare.
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';
import { API_SCOPES, type ApiScope, isApiScope } from '@titan-connect/protocol';
import type { ApiKeyRecord, Store } from './store/types.js';

export const API_KEY_PREFIX = 'titan_sk_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 32;
/** Base62 keeps `_` free as the separator and the key one double-click-selectable word. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = /^titan_sk_([A-Za-z0-9]{8,64})_([A-Za-z0-9]{16,128})$/;

/**
 * Random bytes drawn from one 4 kB buffer refilled when used up: `randomBytes` per id costs a
 * call into OpenSSL each time (~2.5% of a widget-session request); the bytes are the same CSPRNG
 * output either way. Each byte is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
function nextRandomByte(): number {
  if (poolOffset === POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** Uniform random base62 (rejection sampling: 248 is the largest multiple of 62 below 256). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = nextRandomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** Null unless the text has the key shape. */
export function parseApiKey(text: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

const hashSecret = (secret: string): string => 'sha256:' + createHash('sha256').update(secret, 'utf8').digest('hex');

/** What a verified key grants. */
export interface ApiKeyIdentity {
  id: string;
  tenantId: string;
  scopes: ApiScope[];
}

export const hasScope = (identity: Pick<ApiKeyIdentity, 'scopes'>, scope: ApiScope): boolean =>
  identity.scopes.includes('*') || identity.scopes.includes(scope);

/** Scopes from a comma list; throws with the unknown one named. */
export function parseScopes(list: string): ApiScope[] {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new Error(`at least one scope is required (${API_SCOPES.join(', ')})`);
  for (const scope of scopes) {
    if (!isApiScope(scope)) throw new Error(`unknown scope "${scope}" (known: ${API_SCOPES.join(', ')})`);
  }
  return [...new Set(scopes)] as ApiScope[];
}

const TENANT_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const isTenantId = (value: string): boolean => TENANT_PATTERN.test(value);

type KeyStore = Pick<Store, 'insertApiKey' | 'getApiKey' | 'listApiKeys' | 'revokeApiKey' | 'touchApiKey'>;

export interface CreateApiKeyOptions {
  tenantId: string;
  scopes: ApiScope[];
  label?: string | null;
  now?: number;
}

/** Creates a key; the returned `key` is the only time the full text exists. */
export async function createApiKey(store: KeyStore, options: CreateApiKeyOptions): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!isTenantId(options.tenantId)) throw new Error(`invalid tenant id "${options.tenantId}"`);
  const id = randomBase62(ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  const record = await insertKey(store, { id, secret }, options);
  return { key: `${API_KEY_PREFIX}${id}_${secret}`, record };
}

/**
 * Makes sure this exact key exists with the given tenant and scopes (`TITAN_BOOTSTRAP_API_KEY`).
 * Re-running with the same key keeps its id, so its `created_at` history stays one row.
 * A revoked key stays revoked (issue 14): whoever revoked it did so because it leaked, and a
 * restart with the old environment must not bring it back (nor a new secret under its id). The caller sees `revokedAt` and warns.
 */
export async function ensureApiKey(store: KeyStore, key: string, options: CreateApiKeyOptions): Promise<ApiKeyRecord> {
  const parsed = parseApiKey(key);
  if (!parsed) throw new Error('not an API key (titan_sk_<id>_<secret>)');
  const existing = await store.getApiKey(parsed.id);
  if (existing && existing.revokedAt !== null) return existing;
  if (
    existing &&
    existing.revokedAt === null &&
    existing.tenantId === options.tenantId &&
    existing.secretHash === hashSecret(parsed.secret) &&
    existing.scopes.join(',') === options.scopes.join(',')
  ) {
    return existing;
  }
  return insertKey(store, parsed, { ...options, now: existing?.createdAt ?? options.now });
}

async function insertKey(store: KeyStore, parsed: ParsedApiKey, options: CreateApiKeyOptions): Promise<ApiKeyRecord> {
  const record: ApiKeyRecord = {
    id: parsed.id,
    tenantId: options.tenantId,
    secretHash: hashSecret(parsed.secret),
    scopes: options.scopes,
    label: options.label ?? null,
    createdAt: options.now ?? Date.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.insertApiKey(record);
  forgetKey(store, record.id);
  return record;
}

/** Compared when the id is unknown, so a miss costs the same as a wrong secret. */
const DUMMY_HASH = hashSecret('0'.repeat(SECRET_LENGTH));
/** `last_used_at` is a hint for humans; writing it at most once a minute keeps reads cheap. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How long a key's row is trusted without reading it again. A read per request was ~6% of a
 * widget-session request; 5 s bounds how long a key revoked by the CLI (another process, so no
 * in-memory invalidation) keeps working here. Revoking or re-creating through this module drops
 * the entry at once. Only rows that exist are kept, so the cache holds at most one per key.
 */
export const API_KEY_CACHE_MS = 5_000;

interface CachedKey {
  record: ApiKeyRecord;
  readAt: number;
}
/** Per store (tests open several), by key id. */
const cacheByStore = new WeakMap<KeyStore, Map<string, CachedKey>>();

function cacheOf(store: KeyStore): Map<string, CachedKey> {
  let cache = cacheByStore.get(store);
  if (!cache) {
    cache = new Map();
    cacheByStore.set(store, cache);
  }
  return cache;
}

/** The row of a key id, from the cache while it is younger than `API_KEY_CACHE_MS`. */
async function readKey(store: KeyStore, id: string, now: number): Promise<ApiKeyRecord | null> {
  const cache = cacheOf(store);
  const cached = cache.get(id);
  // A clock that went backwards makes the entry stale rather than immortal.
  if (cached && now >= cached.readAt && now - cached.readAt < API_KEY_CACHE_MS) return cached.record;
  const record = await store.getApiKey(id);
  if (record) cache.set(id, { record, readAt: now });
  else cache.delete(id);
  return record;
}

const forgetKey = (store: KeyStore, id: string): void => void cacheByStore.get(store)?.delete(id);

/** The identity of a valid, unrevoked key, or null. The secret is hashed and compared every time. */
export async function verifyApiKey(store: KeyStore, key: string, now = Date.now()): Promise<ApiKeyIdentity | null> {
  const parsed = parseApiKey(key);
  if (!parsed) return null;
  const record = await readKey(store, parsed.id, now);
  const expected = Buffer.from(record?.secretHash ?? DUMMY_HASH);
  const actual = Buffer.from(hashSecret(parsed.secret));
  const same = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!record || !same || record.revokedAt !== null) return null;
  if (record.lastUsedAt === null || now - record.lastUsedAt > TOUCH_INTERVAL_MS) {
    void store.touchApiKey(record.id, now).catch(() => {});
    record.lastUsedAt = now;
  }
  return { id: record.id, tenantId: record.tenantId, scopes: record.scopes };
}

export const listApiKeys = (store: KeyStore, tenantId?: string): Promise<ApiKeyRecord[]> => store.listApiKeys(tenantId);

export function revokeApiKey(store: KeyStore, id: string, now = Date.now()): Promise<boolean> {
  forgetKey(store, id);
  return store.revokeApiKey(id, now);
}
