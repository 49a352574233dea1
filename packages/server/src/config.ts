// Runtime configuration from the environment (DESIGN.md's table). Every variable is validated
// here, once, at start-up: a bad value throws `ConfigError` whose message is one line naming the
// variable, and `main.ts` prints that line and exits.
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig, EngineKind, WebhookConfig } from './config.types.js';
import type { Store } from './store/types.js';
import { parseApiKey } from './api-keys.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './webhooks/schedule.js';
import { WIDGET_SESSIONS_PER_MINUTE } from './middleware/rate-limit.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** `loadConfig`'s result: the secret is still null when it must come from the store. */
export type LoadedConfig = Omit<AppConfig, 'secret'> & {
  secret: string | null;
  /** pino level of `LOG_LEVEL`. */
  logLevel: LogLevel;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const ENGINES: readonly EngineKind[] = ['baileys', 'emulated', 'simulator'];

/** HS256 keys shorter than the hash output (32 bytes) weaken the signature; RFC 7518 §3.2. */
export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_GRAPH_VERSION = 'v21.0';

type Env = Record<string, string | undefined>;

/** An unset or blank variable is absent (a blank line in an env file must not mean ""). */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must be an http(s) URL');
  if (url.search || url.hash) throw new ConfigError(name, 'must not have a query string or fragment');
  return url.href.replace(/\/+$/, '');
}

function port(env: Env): number {
  const raw = read(env, 'PORT');
  if (raw === undefined) return 3000;
  // 0 asks the OS for a free port (tests, several instances on one machine).
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new ConfigError('PORT', `"${raw}" is not a port number (0-65535)`);
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `"${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not a boolean (use 1/0, true/false, on/off)`);
}

/** Meta ids are numeric in practice; letters are allowed so test fakes can use readable ids. */
function metaId(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new ConfigError(name, 'must be an id of letters, digits, - or _');
  return raw;
}

/**
 * `TITAN_DATABASE_URL`: a postgres:// (or postgresql://) URL with a host. The value may hold a
 * password, so errors never echo it.
 */
function databaseUrl(env: Env): string | null {
  const raw = read(env, 'TITAN_DATABASE_URL');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('TITAN_DATABASE_URL', 'is not a URL (expected postgres://user:password@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('TITAN_DATABASE_URL', `must be a postgres:// URL (got ${url.protocol}//…); leave it unset for SQLite`);
  }
  if (!url.hostname) throw new ConfigError('TITAN_DATABASE_URL', 'has no host (expected postgres://user:password@host:5432/database)');
  return raw;
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = { allowPrivate: false, retrySchedule: [...DEFAULT_RETRY_SCHEDULE] };

function webhooks(env: Env): WebhookConfig {
  const raw = read(env, 'TITAN_WEBHOOK_RETRY_SCHEDULE');
  const retrySchedule = raw === undefined ? [...DEFAULT_RETRY_SCHEDULE] : parseRetrySchedule(raw);
  if (retrySchedule === null) {
    throw new ConfigError('TITAN_WEBHOOK_RETRY_SCHEDULE', `"${raw}" is not a comma-separated list of seconds (e.g. ${DEFAULT_RETRY_SCHEDULE.join(',')})`);
  }
  return { allowPrivate: flag(env, 'TITAN_WEBHOOK_ALLOW_PRIVATE', false), retrySchedule };
}

/** Scrape tokens shorter than this are guessable; Prometheus reads it from a file, so length is free. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** `TITAN_METRICS_TOKEN`: sent in an `Authorization: Bearer` header, so printable and without spaces. */
function metricsToken(env: Env): string | null {
  const raw = read(env, 'TITAN_METRICS_TOKEN');
  if (raw === undefined) return null;
  // Never echo the value: it is a credential.
  if (raw.length < MIN_METRICS_TOKEN_LENGTH) throw new ConfigError('TITAN_METRICS_TOKEN', `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`)`);
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError('TITAN_METRICS_TOKEN', 'must be printable ASCII without spaces (it travels in an HTTP header)');
  return raw;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TITAN_TRUST_PROXY`: comma-separated names, addresses and CIDRs (Express' `trust proxy` list).
 * Behind a proxy in another container (deploy/compose.yaml) the client address, which stream
 * and rate limits count, is in `X-Forwarded-For`; believing it from anyone else lets a client
 * pick its own address, so the list names only the proxy's network.
 */
function trustProxy(env: Env): string[] {
  const raw = read(env, 'TITAN_TRUST_PROXY') ?? 'loopback';
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address!);
    const validCidr = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!PROXY_NAMES.includes(entry) && (family === 0 || !validCidr || extra !== undefined)) {
      throw new ConfigError('TITAN_TRUST_PROXY', `"${entry}" is not loopback, linklocal, uniquelocal, an IP address or a CIDR`);
    }
  }
  return entries;
}

/** Cluster mode's lease TTL: a killed owner's sessions move within it (plus a reconcile tick). */
export const DEFAULT_LEASE_TTL_MS = 3_000;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `TITAN_REDIS_URL` (cluster mode) and what goes with it. Instances share their sessions through
 * the database, so cluster mode needs Postgres: a SQLite file is one machine's. The URL may hold a
 * password, so errors never echo it.
 */
function cluster(env: Env, databaseUrl: string | null) {
  const raw = read(env, 'TITAN_REDIS_URL');
  let redisUrl: string | null = null;
  if (raw !== undefined) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('TITAN_REDIS_URL', 'is not a URL (expected redis://[:password@]host:6379[/db])');
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('TITAN_REDIS_URL', `must be a redis:// or rediss:// URL (got ${url.protocol}//…)`);
    if (!url.hostname) throw new ConfigError('TITAN_REDIS_URL', 'has no host (expected redis://host:6379)');
    if (databaseUrl === null) {
      throw new ConfigError('TITAN_REDIS_URL', 'cluster mode needs TITAN_DATABASE_URL (Postgres): instances cannot share a SQLite file');
    }
    redisUrl = raw;
  }
  const instanceId = read(env, 'TITAN_INSTANCE_ID') ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  if (!NAME.test(instanceId)) throw new ConfigError('TITAN_INSTANCE_ID', 'must be 1-64 letters, digits, ".", "_" or "-"');
  const redisPrefix = read(env, 'TITAN_REDIS_PREFIX') ?? 'default';
  if (!NAME.test(redisPrefix)) throw new ConfigError('TITAN_REDIS_PREFIX', 'must be 1-64 letters, digits, ".", "_" or "-"');
  const ttlRaw = read(env, 'TITAN_LEASE_TTL_MS');
  const leaseTtlMs = ttlRaw === undefined ? DEFAULT_LEASE_TTL_MS : Number(ttlRaw);
  // Below 300 ms a renewal (every third) competes with ordinary database latency; above a minute
  // failover stops meaning anything.
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 300 || leaseTtlMs > 60_000) {
    throw new ConfigError('TITAN_LEASE_TTL_MS', `"${ttlRaw}" is not a whole number of milliseconds from 300 to 60000`);
  }
  return { redisUrl, instanceId, redisPrefix, leaseTtlMs };
}

/**
 * Reads and validates the environment. Relative `TITAN_DB` paths resolve against `INIT_CWD`
 * (the directory `pnpm` was run from), because `pnpm start` and `pnpm titan` run the server
 * package's scripts from `packages/server`: both must find the same file.
 */
export function loadConfig(env: Env = process.env): LoadedConfig {
  const listenPort = port(env);
  const publicUrl = httpUrl(env, 'PUBLIC_URL', `http://localhost:${listenPort || 3000}`);

  const dbRaw = read(env, 'TITAN_DB') ?? './data/titan.db';
  const dbPath = dbRaw === ':memory:' || isAbsolute(dbRaw) ? dbRaw : resolve(env.INIT_CWD ?? process.cwd(), dbRaw);

  const secret = read(env, 'TITAN_SECRET') ?? null;
  // A generated secret lives on the server's disk: fine for a laptop, wrong for production,
  // where it must come from the deployment's secret store and survive a lost volume.
  if (secret === null && env.NODE_ENV?.trim() === 'production') {
    throw new ConfigError('TITAN_SECRET', `is required when NODE_ENV=production (at least ${MIN_SECRET_LENGTH} random characters, e.g. \`openssl rand -base64 48\`)`);
  }
  if (secret !== null && secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('TITAN_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`);
  }

  const simRaw = read(env, 'TITAN_SIM_SPEED');
  const simSpeed = simRaw === undefined ? 1 : Number(simRaw);
  if (!Number.isFinite(simSpeed) || simSpeed <= 0) throw new ConfigError('TITAN_SIM_SPEED', `"${simRaw}" is not a number > 0`);

  const bootstrapApiKey = read(env, 'TITAN_BOOTSTRAP_API_KEY') ?? null;
  if (bootstrapApiKey !== null && !parseApiKey(bootstrapApiKey)) {
    // Never echo the value: it is a credential.
    throw new ConfigError('TITAN_BOOTSTRAP_API_KEY', 'must look like titan_sk_<id>_<secret> (create one with `pnpm titan keys create`)');
  }

  const appId = metaId(env, 'META_APP_ID');
  const configId = metaId(env, 'META_CONFIG_ID');
  const appSecret = read(env, 'META_APP_SECRET') ?? null;
  // A platform app is all or nothing: the widget needs the config id for FB.login and the
  // server needs the secret to exchange the code, so a half-configured app fails at start-up
  // instead of at the end of a user's signup.
  if (appId !== null) {
    if (configId === null) throw new ConfigError('META_CONFIG_ID', 'is required when META_APP_ID is set');
    if (appSecret === null) throw new ConfigError('META_APP_SECRET', 'is required when META_APP_ID is set');
  } else {
    if (configId !== null) throw new ConfigError('META_APP_ID', 'is required when META_CONFIG_ID is set');
    if (appSecret !== null) throw new ConfigError('META_APP_ID', 'is required when META_APP_SECRET is set');
  }

  // Sent back by Meta in a query string: printable ASCII, no spaces. Never echoed (a shared secret).
  const verifyToken = read(env, 'META_VERIFY_TOKEN') ?? null;
  if (verifyToken !== null && !/^[\x21-\x7e]{1,256}$/.test(verifyToken)) {
    throw new ConfigError('META_VERIFY_TOKEN', 'must be 1-256 printable ASCII characters without spaces');
  }

  const graphVersion = read(env, 'META_GRAPH_VERSION') ?? DEFAULT_GRAPH_VERSION;
  if (!/^v\d{1,3}\.\d{1,3}$/.test(graphVersion)) throw new ConfigError('META_GRAPH_VERSION', `"${graphVersion}" is not like v21.0`);

  const database = databaseUrl(env);
  const clustered = cluster(env, database);
  const engine = oneOf(env, 'TITAN_ENGINE', ENGINES, 'baileys');
  const emulatorUrl = read(env, 'TITAN_EMULATOR_URL') === undefined ? null : httpUrl(env, 'TITAN_EMULATOR_URL', '');
  // An in-process emulator is one instance's WhatsApp: a session moved to another instance would
  // find an edge that never heard of its device.
  if (clustered.redisUrl && engine === 'emulated' && !emulatorUrl) {
    throw new ConfigError('TITAN_EMULATOR_URL', 'is required in cluster mode with TITAN_ENGINE=emulated (every instance must use one shared emulator)');
  }
  // A generated secret is one machine's file: another instance would refuse its widget tokens
  // and could not open the credentials of a session it takes over.
  if (clustered.redisUrl && secret === null) {
    throw new ConfigError('TITAN_SECRET', 'is required in cluster mode (the same value on every instance: it signs widget tokens and seals the stored credentials)');
  }
  return {
    port: listenPort,
    publicUrl,
    dbPath,
    databaseUrl: database,
    ...clustered,
    secret,
    engine,
    simSpeed,
    bootstrapApiKey,
    meta: {
      appId,
      configId,
      appSecret,
      graphUrl: httpUrl(env, 'META_GRAPH_URL', 'https://graph.facebook.com'),
      graphVersion,
      sdkUrl: httpUrl(env, 'META_SDK_URL', 'https://connect.facebook.net/en_US/sdk.js'),
      verifyToken,
    },
    // Off unless asked for: the demo backend creates widget sessions for tenant `default` without
    // a login. The root `pnpm start` turns it on (TITAN_DEMO=1) so a newcomer sees the product.
    demo: read(env, 'TITAN_DEMO')?.toLowerCase() === 'public' || flag(env, 'TITAN_DEMO', false),
    // Without a login the demo backend and the virtual phone are for this machine only, unless
    // the operator says otherwise in so many words.
    demoPublic: read(env, 'TITAN_DEMO')?.toLowerCase() === 'public',
    metricsToken: metricsToken(env),
    trustProxy: trustProxy(env),
    emulatorUrl,
    // Sockets coming up at once; widget sessions one API key may create per minute.
    linkConcurrency: wholeNumber(env, 'TITAN_LINK_CONCURRENCY', 1, 1000, defaultLinkConcurrency),
    engineThreads: wholeNumber(env, 'TITAN_ENGINE_THREADS', 0, 64, defaultEngineThreads),
    widgetSessionsPerMinute: wholeNumber(env, 'TITAN_WIDGET_SESSIONS_PER_MINUTE', 1, 1_000_000, () => WIDGET_SESSIONS_PER_MINUTE),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    webhooks: webhooks(env),
  };
}

/**
 * One socket coming up per core: in a 200-link burst on 2 cores (bench/linking-burst.bench.ts)
 * 2 gave 12.8 links/s with the API's p99 at 76 ms, 6 gave 10.9 links/s at 140 ms, 12 10.6 at 235 ms.
 */
export const defaultLinkConcurrency = (): number => availableParallelism();

/** Every core but the one the main thread (HTTP API, store, streams) needs for itself; at least one. */
export const defaultEngineThreads = (): number => Math.max(1, availableParallelism() - 1);

/** A whole number from `min` to `max` (digits only), or `fallback` when unset. */
function wholeNumber(env: Env, name: string, min: number, max: number, fallback: () => number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `"${raw}" is not a whole number from ${min} to ${max}`);
  return value;
}

/** Store setting where servers before the secret file kept the generated secret. */
export const SECRET_SETTING = 'secret';
/** The generated secret's file, beside the database (never inside it). */
export const SECRET_FILE = 'titan.secret';

type SecretStore = Pick<Store, 'getSetting' | 'deleteSetting'>;

/** `<dir of TITAN_DB>/titan.secret`, or null for an in-memory database. */
export const secretFilePath = (dbPath: string): string | null => (dbPath === ':memory:' ? null : join(dirname(dbPath), SECRET_FILE));

/**
 * `TITAN_SECRET`, or a generated one kept in its own 0600 file beside the database: a copy of
 * the database (a backup, a support dump) then holds only ciphertext and signatures nobody can
 * use without that file. A secret an older server kept in the database's settings is moved to
 * the file once and deleted from the database, so upgrades keep their tokens and sealed secrets.
 */
export async function resolveSecret(config: LoadedConfig, store: SecretStore, logger: Pick<Logger, 'warn'>): Promise<string> {
  if (config.secret !== null) return config.secret;
  const file = secretFilePath(config.dbPath);
  if (file === null) {
    logger.warn('TITAN_SECRET is not set and the database is in memory: using a secret that dies with the process');
    return randomBytes(32).toString('base64url');
  }
  if (existsSync(file)) {
    // Tightened if someone loosened it: the file is as good as every linked account.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError('TITAN_SECRET', `the generated secret in ${file} is damaged; restore it or set TITAN_SECRET`);
    const legacy = await store.getSetting(SECRET_SETTING);
    // A crash between writing the file and deleting the row leaves both: the file won.
    if (legacy !== null && legacy === secret) await store.deleteSetting(SECRET_SETTING);
    logger.warn(`TITAN_SECRET is not set: using the generated secret in ${file}; set TITAN_SECRET in production`);
    return secret;
  }
  const legacy = await store.getSetting(SECRET_SETTING);
  const secret = legacy ?? randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  // 'wx': never overwrite a secret another process just wrote; 0o600 at creation, no window.
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  if (legacy !== null) {
    await store.deleteSetting(SECRET_SETTING);
    logger.warn(`TITAN_SECRET is not set: moved the secret stored in the database to ${file}; set TITAN_SECRET in production`);
  } else {
    logger.warn(`TITAN_SECRET is not set: generated one in ${file}; set TITAN_SECRET in production`);
  }
  return secret;
}
