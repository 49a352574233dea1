import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_GRAPH_VERSION, loadConfig, resolveSecret, SECRET_FILE, SECRET_SETTING } from './config.js';

const KEY = 'titan_sk_AbCdEf123456_0123456789abcdefghijABCDEFGHIJxy';

test('defaults follow DESIGN.md', async () => {
  const config = loadConfig({ INIT_CWD: '/srv/titan' });
  assert.equal(config.port, 3000);
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.equal(config.dbPath, '/srv/titan/data/titan.db');
  assert.equal(config.databaseUrl, null, 'SQLite unless TITAN_DATABASE_URL is set');
  assert.equal(config.secret, null);
  assert.equal(config.engine, 'baileys');
  assert.equal(config.simSpeed, 1);
  assert.equal(config.bootstrapApiKey, null);
  assert.equal(config.demo, false, "the demo backend needs no login: off unless TITAN_DEMO=1 (pnpm start sets it)");
  assert.equal(config.logLevel, 'info');
  assert.equal(config.emulatorUrl, null);
  assert.deepEqual(config.webhooks, { allowPrivate: false, retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000] });
  assert.equal(config.metricsToken, null, '/metrics answers loopback clients only');
  assert.deepEqual(config.trustProxy, ['loopback'], 'X-Forwarded-* believed from a proxy on this machine only');
  assert.equal(config.redisUrl, null, 'one instance unless TITAN_REDIS_URL is set');
  assert.equal(config.instanceId, `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64));
  assert.equal(config.leaseTtlMs, 3_000);
  assert.equal(config.linkConcurrency, availableParallelism(), 'one socket coming up per core');
  assert.equal(config.engineThreads, Math.max(1, availableParallelism() - 1), 'a core left to the main thread');
  assert.equal(config.widgetSessionsPerMinute, 120);
  assert.equal(config.redisPrefix, 'default');
  assert.deepEqual(config.meta, {
    appId: null,
    configId: null,
    appSecret: null,
    graphUrl: 'https://graph.facebook.com',
    graphVersion: DEFAULT_GRAPH_VERSION,
    sdkUrl: 'https://connect.facebook.net/en_US/sdk.js',
    verifyToken: null,
  });
});

test('every variable is read', async () => {
  const config = loadConfig({
    PORT: '8080',
    PUBLIC_URL: 'https://connect.example.com/',
    TITAN_DB: '/var/lib/titan/t.db',
    TITAN_DATABASE_URL: 'postgres://titan:pw@db.internal:5432/titan',
    TITAN_SECRET: 's'.repeat(32),
    TITAN_ENGINE: 'simulator',
    TITAN_SIM_SPEED: '2.5',
    TITAN_BOOTSTRAP_API_KEY: KEY,
    TITAN_DEMO: 'off',
    META_APP_ID: '1234',
    META_CONFIG_ID: '5678',
    META_APP_SECRET: 'app-secret',
    META_GRAPH_URL: 'http://127.0.0.1:9999',
    META_GRAPH_VERSION: 'v23.0',
    META_SDK_URL: 'http://127.0.0.1:9998/sdk.js',
    META_VERIFY_TOKEN: 'verify-me-7f3a',
    LOG_LEVEL: 'warn',
    TITAN_EMULATOR_URL: 'http://127.0.0.1:7777/',
    TITAN_WEBHOOK_ALLOW_PRIVATE: 'true',
    TITAN_WEBHOOK_RETRY_SCHEDULE: '1, 2,30',
    TITAN_METRICS_TOKEN: 'scrape-0123456789abcdef',
    TITAN_TRUST_PROXY: 'loopback, 172.18.0.0/16,fd00::1',
    TITAN_REDIS_URL: 'redis://:pw@cache.internal:6379/2',
    TITAN_INSTANCE_ID: 'titan-a.1',
    TITAN_LEASE_TTL_MS: '1500',
    TITAN_LINK_CONCURRENCY: '12',
    TITAN_ENGINE_THREADS: '0',
    TITAN_WIDGET_SESSIONS_PER_MINUTE: '600',
    TITAN_REDIS_PREFIX: 'prod',
  });
  assert.deepEqual(config.webhooks, { allowPrivate: true, retrySchedule: [1, 2, 30] });
  assert.equal(config.redisUrl, 'redis://:pw@cache.internal:6379/2');
  assert.equal(config.instanceId, 'titan-a.1');
  assert.equal(config.leaseTtlMs, 1500);
  assert.equal(config.linkConcurrency, 12);
  assert.equal(config.engineThreads, 0, '0: every socket on the main thread');
  assert.equal(config.widgetSessionsPerMinute, 600);
  assert.equal(config.redisPrefix, 'prod');
  assert.deepEqual(config.trustProxy, ['loopback', '172.18.0.0/16', 'fd00::1']);
  assert.equal(config.metricsToken, 'scrape-0123456789abcdef');
  assert.equal(config.port, 8080);
  assert.equal(config.emulatorUrl, 'http://127.0.0.1:7777');
  assert.equal(config.publicUrl, 'https://connect.example.com', 'trailing slash dropped');
  assert.equal(config.dbPath, '/var/lib/titan/t.db');
  assert.equal(config.databaseUrl, 'postgres://titan:pw@db.internal:5432/titan');
  assert.equal(config.secret, 's'.repeat(32));
  assert.equal(config.engine, 'simulator');
  assert.equal(config.simSpeed, 2.5);
  assert.equal(config.bootstrapApiKey, KEY);
  assert.equal(config.demo, false);
  assert.equal(config.logLevel, 'warn');
  assert.deepEqual(config.meta, {
    appId: '1234',
    configId: '5678',
    appSecret: 'app-secret',
    graphUrl: 'http://127.0.0.1:9999',
    graphVersion: 'v23.0',
    sdkUrl: 'http://127.0.0.1:9998/sdk.js',
    verifyToken: 'verify-me-7f3a',
  });
});

test('TITAN_DEMO: off, on for loopback clients only, or public', () => {
  const CASES: [string | undefined, { demo: boolean; demoPublic: boolean }][] = [
    [undefined, { demo: false, demoPublic: false }],
    ['0', { demo: false, demoPublic: false }],
    ['1', { demo: true, demoPublic: false }],
    ['on', { demo: true, demoPublic: false }],
    ['public', { demo: true, demoPublic: true }],
    ['PUBLIC', { demo: true, demoPublic: true }],
  ];
  for (const [value, expected] of CASES) {
    const { demo, demoPublic } = loadConfig(value === undefined ? {} : { TITAN_DEMO: value });
    assert.deepEqual({ demo, demoPublic }, expected, String(value));
  }
});

test('PUBLIC_URL defaults to the configured port', async () => {
  assert.equal(loadConfig({ PORT: '4000' }).publicUrl, 'http://localhost:4000');
});

const META = { META_APP_ID: '1', META_CONFIG_ID: '2', META_APP_SECRET: '3' };
const PG = { TITAN_DATABASE_URL: 'postgres://u@db/titan' };
const BAD: [string, Record<string, string>][] = [
  ['PORT', { PORT: 'abc' }],
  ['PORT', { PORT: '70000' }],
  ['PORT', { PORT: '-1' }],
  ['PUBLIC_URL', { PUBLIC_URL: 'localhost:3000' }],
  ['PUBLIC_URL', { PUBLIC_URL: 'ftp://example.com' }],
  ['PUBLIC_URL', { PUBLIC_URL: 'https://example.com/?x=1' }],
  ['TITAN_DATABASE_URL', { TITAN_DATABASE_URL: 'db.internal:5432/titan' }],
  ['TITAN_DATABASE_URL', { TITAN_DATABASE_URL: 'mysql://root@db/titan' }],
  ['TITAN_DATABASE_URL', { TITAN_DATABASE_URL: 'postgres:///titan' }],
  ['TITAN_SECRET', { TITAN_SECRET: 'too-short' }],
  ['TITAN_ENGINE', { TITAN_ENGINE: 'baileys6' }],
  ['TITAN_SIM_SPEED', { TITAN_SIM_SPEED: '0' }],
  ['TITAN_SIM_SPEED', { TITAN_SIM_SPEED: '-2' }],
  ['TITAN_SIM_SPEED', { TITAN_SIM_SPEED: 'fast' }],
  ['TITAN_BOOTSTRAP_API_KEY', { TITAN_BOOTSTRAP_API_KEY: 'letmein' }],
  ['TITAN_BOOTSTRAP_API_KEY', { TITAN_BOOTSTRAP_API_KEY: 'titan_sk_short_x' }],
  ['TITAN_DEMO', { TITAN_DEMO: 'maybe' }],
  ['META_APP_ID', { ...META, META_APP_ID: 'has space' }],
  ['META_CONFIG_ID', { META_APP_ID: '1', META_APP_SECRET: '3' }],
  ['META_APP_SECRET', { META_APP_ID: '1', META_CONFIG_ID: '2' }],
  ['META_APP_ID', { META_CONFIG_ID: '2' }],
  ['META_APP_ID', { META_APP_SECRET: '3' }],
  ['META_GRAPH_URL', { META_GRAPH_URL: 'graph.facebook.com' }],
  ['META_GRAPH_VERSION', { META_GRAPH_VERSION: '21' }],
  ['META_SDK_URL', { META_SDK_URL: 'javascript:alert(1)' }],
  ['META_VERIFY_TOKEN', { META_VERIFY_TOKEN: 'has space' }],
  ['META_VERIFY_TOKEN', { META_VERIFY_TOKEN: 'naïve' }],
  ['META_VERIFY_TOKEN', { META_VERIFY_TOKEN: 'x'.repeat(257) }],
  ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
  ['TITAN_EMULATOR_URL', { TITAN_EMULATOR_URL: 'ws://127.0.0.1:7777' }],
  ['TITAN_WEBHOOK_ALLOW_PRIVATE', { TITAN_WEBHOOK_ALLOW_PRIVATE: 'sure' }],
  ['TITAN_WEBHOOK_RETRY_SCHEDULE', { TITAN_WEBHOOK_RETRY_SCHEDULE: '5,five' }],
  ['TITAN_WEBHOOK_RETRY_SCHEDULE', { TITAN_WEBHOOK_RETRY_SCHEDULE: '5,-1' }],
  ['TITAN_WEBHOOK_RETRY_SCHEDULE', { TITAN_WEBHOOK_RETRY_SCHEDULE: '5,,300' }],
  ['TITAN_METRICS_TOKEN', { TITAN_METRICS_TOKEN: 'short' }],
  ['TITAN_METRICS_TOKEN', { TITAN_METRICS_TOKEN: 'has a space in it, sixteen+' }],
  ['TITAN_METRICS_TOKEN', { TITAN_METRICS_TOKEN: 'non-ascii-tokén-0123456789' }],
  ['TITAN_TRUST_PROXY', { TITAN_TRUST_PROXY: 'everyone' }],
  ['TITAN_TRUST_PROXY', { TITAN_TRUST_PROXY: '10.0.0.0/33' }],
  ['TITAN_TRUST_PROXY', { TITAN_TRUST_PROXY: 'loopback,proxy.internal' }],
  ['TITAN_TRUST_PROXY', { TITAN_TRUST_PROXY: '10.0.0.0/8/1' }],
  ['TITAN_REDIS_URL', { TITAN_REDIS_URL: 'redis://127.0.0.1:6379' }],
  ['TITAN_REDIS_URL', { ...PG, TITAN_REDIS_URL: 'http://127.0.0.1:6379' }],
  ['TITAN_REDIS_URL', { ...PG, TITAN_REDIS_URL: 'localhost:6379' }],
  ['TITAN_INSTANCE_ID', { TITAN_INSTANCE_ID: 'has space' }],
  ['TITAN_INSTANCE_ID', { TITAN_INSTANCE_ID: 'x'.repeat(65) }],
  ['TITAN_REDIS_PREFIX', { TITAN_REDIS_PREFIX: 'a:b' }],
  ['TITAN_LEASE_TTL_MS', { TITAN_LEASE_TTL_MS: '100' }],
  ['TITAN_LEASE_TTL_MS', { TITAN_LEASE_TTL_MS: '2.5' }],
  ['TITAN_LEASE_TTL_MS', { TITAN_LEASE_TTL_MS: 'soon' }],
  ['TITAN_LINK_CONCURRENCY', { TITAN_LINK_CONCURRENCY: '0' }],
  ['TITAN_LINK_CONCURRENCY', { TITAN_LINK_CONCURRENCY: '2.5' }],
  ['TITAN_LINK_CONCURRENCY', { TITAN_LINK_CONCURRENCY: '1001' }],
  ['TITAN_LINK_CONCURRENCY', { TITAN_LINK_CONCURRENCY: 'lots' }],
  ['TITAN_ENGINE_THREADS', { TITAN_ENGINE_THREADS: '65' }],
  ['TITAN_ENGINE_THREADS', { TITAN_ENGINE_THREADS: '-1' }],
  ['TITAN_ENGINE_THREADS', { TITAN_ENGINE_THREADS: 'auto' }],
  ['TITAN_WIDGET_SESSIONS_PER_MINUTE', { TITAN_WIDGET_SESSIONS_PER_MINUTE: '0' }],
  ['TITAN_WIDGET_SESSIONS_PER_MINUTE', { TITAN_WIDGET_SESSIONS_PER_MINUTE: '1e3' }],
  ['TITAN_EMULATOR_URL', { ...PG, TITAN_REDIS_URL: 'redis://cache', TITAN_ENGINE: 'emulated' }],
  ['TITAN_SECRET', { ...PG, TITAN_REDIS_URL: 'redis://cache' }],
];

test('a bad value throws one line naming the variable', async () => {
  for (const [variable, env] of BAD) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `${variable}: ${String(error)}`);
        assert.equal(error.variable, variable, JSON.stringify(env));
        assert.ok(error.message.startsWith(`${variable}: `), error.message);
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('the bootstrap key is never echoed in its error', async () => {
  const secretish = 'titan_sk_abc_supersecretvalue!';
  assert.throws(() => loadConfig({ TITAN_BOOTSTRAP_API_KEY: secretish }), (e: Error) => !e.message.includes(secretish));
});

test('TITAN_METRICS_TOKEN is never echoed in its error', () => {
  assert.throws(() => loadConfig({ TITAN_METRICS_TOKEN: 'hunter2' }), (e: Error) => e instanceof ConfigError && !e.message.includes('hunter2'));
});

test('TITAN_DATABASE_URL: postgresql:// is accepted too; an error never echoes the URL (it may hold a password)', async () => {
  assert.equal(loadConfig({ TITAN_DATABASE_URL: 'postgresql://u@h/d' }).databaseUrl, 'postgresql://u@h/d');
  const withPassword = 'mysql://root:hunter2@db/titan';
  assert.throws(() => loadConfig({ TITAN_DATABASE_URL: withPassword }), (e: Error) => !e.message.includes('hunter2'));
});

test('META_VERIFY_TOKEN: optional, kept as given, never echoed in its error', () => {
  assert.equal(loadConfig({ META_VERIFY_TOKEN: '  s3cr3t-Verify_tok3n!  ' }).meta.verifyToken, 's3cr3t-Verify_tok3n!');
  assert.equal(loadConfig({ META_VERIFY_TOKEN: '' }).meta.verifyToken, null);
  assert.throws(() => loadConfig({ META_VERIFY_TOKEN: 'my secret token' }), (e: Error) => !e.message.includes('secret token'));
});

test('TITAN_REDIS_URL: cluster mode on SQLite stops start-up with one line; the URL (it may hold a password) is never echoed', () => {
  assert.throws(() => loadConfig({ TITAN_REDIS_URL: 'redis://:hunter2@cache:6379' }), (e: Error) => /needs TITAN_DATABASE_URL/.test(e.message) && !e.message.includes('hunter2'));
  assert.throws(() => loadConfig({ ...PG, TITAN_REDIS_URL: 'memcached://:hunter2@cache' }), (e: Error) => !e.message.includes('hunter2'));
  assert.equal(loadConfig({ ...PG, TITAN_REDIS_URL: 'rediss://cache:6380', TITAN_SECRET: 's'.repeat(32) }).redisUrl, 'rediss://cache:6380');
});

test('blank values count as unset', async () => {
  assert.equal(loadConfig({ PORT: '  ', TITAN_SECRET: '' }).port, 3000);
});

test('resolveSecret: env wins; otherwise generated once into a 0600 file beside the database, never inside it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-secret-'));
  const env = { TITAN_DB: join(dir, 'db', 'titan.db') };
  const settings = new Map<string, string>();
  const store = { getSetting: async (k: string) => settings.get(k) ?? null, deleteSetting: async (k: string) => void settings.delete(k) };
  const warnings: string[] = [];
  const logger = { warn: (msg: string) => void warnings.push(msg) } as never;

  assert.equal(await resolveSecret(loadConfig({ ...env, TITAN_SECRET: 'e'.repeat(40) }), store, logger), 'e'.repeat(40));
  assert.equal(warnings.length, 0);
  const file = join(dir, 'db', SECRET_FILE);
  assert.equal(existsSync(file), false, 'no file when TITAN_SECRET is set');

  const first = await resolveSecret(loadConfig(env), store, logger);
  assert.ok(first.length >= 32);
  assert.equal(readFileSync(file, 'utf8').trim(), first);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(settings.size, 0, 'nothing in the database');
  const second = await resolveSecret(loadConfig(env), store, logger);
  assert.equal(second, first, 'same secret after a restart');
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /TITAN_SECRET/);

  chmodSync(file, 0o644);
  await resolveSecret(loadConfig(env), store, logger);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a loosened file is tightened again');
});

test('resolveSecret: a secret an older server kept in the database moves to the file once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'titan-secret-'));
  const env = { TITAN_DB: join(dir, 'titan.db') };
  const legacy = 'L'.repeat(43);
  const settings = new Map<string, string>([[SECRET_SETTING, legacy]]);
  const store = { getSetting: async (k: string) => settings.get(k) ?? null, deleteSetting: async (k: string) => void settings.delete(k) };
  const warnings: string[] = [];
  const logger = { warn: (msg: string) => void warnings.push(msg) } as never;
  assert.equal(await resolveSecret(loadConfig(env), store, logger), legacy, 'old tokens and sealed secrets keep working');
  assert.equal(settings.has(SECRET_SETTING), false, 'deleted from the database');
  assert.equal(readFileSync(join(dir, SECRET_FILE), 'utf8').trim(), legacy);
  assert.match(warnings[0]!, /moved/);
  // A crash after the file was written but before the row was deleted: the file wins, the row goes.
  settings.set(SECRET_SETTING, legacy);
  assert.equal(await resolveSecret(loadConfig(env), store, logger), legacy);
  assert.equal(settings.has(SECRET_SETTING), false);
});

test('NODE_ENV=production refuses to start without TITAN_SECRET, naming it', () => {
  const CASES: [Record<string, string>, boolean][] = [
    [{ NODE_ENV: 'production' }, true],
    [{ NODE_ENV: 'production', TITAN_SECRET: '  ' }, true],
    [{ NODE_ENV: 'production', TITAN_SECRET: 's'.repeat(32) }, false],
    [{ NODE_ENV: 'development' }, false],
    [{}, false],
  ];
  for (const [env, refused] of CASES) {
    if (refused) assert.throws(() => loadConfig(env), (e: Error) => e instanceof ConfigError && /^TITAN_SECRET: is required when NODE_ENV=production/.test(e.message), JSON.stringify(env));
    else assert.doesNotThrow(() => loadConfig(env), JSON.stringify(env));
  }
});
