import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_GRAPH_VERSION, loadConfig, resolveSecret, SECRET_SETTING } from './config.js';

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
  assert.deepEqual(config.meta, {
    appId: null,
    configId: null,
    appSecret: null,
    graphUrl: 'https://graph.facebook.com',
    graphVersion: DEFAULT_GRAPH_VERSION,
    sdkUrl: 'https://connect.facebook.net/en_US/sdk.js',
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
    LOG_LEVEL: 'warn',
    TITAN_EMULATOR_URL: 'http://127.0.0.1:7777/',
  });
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
  });
});

test('PUBLIC_URL defaults to the configured port', async () => {
  assert.equal(loadConfig({ PORT: '4000' }).publicUrl, 'http://localhost:4000');
});

const META = { META_APP_ID: '1', META_CONFIG_ID: '2', META_APP_SECRET: '3' };
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
  ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
  ['TITAN_EMULATOR_URL', { TITAN_EMULATOR_URL: 'ws://127.0.0.1:7777' }],
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

test('TITAN_DATABASE_URL: postgresql:// is accepted too; an error never echoes the URL (it may hold a password)', async () => {
  assert.equal(loadConfig({ TITAN_DATABASE_URL: 'postgresql://u@h/d' }).databaseUrl, 'postgresql://u@h/d');
  const withPassword = 'mysql://root:hunter2@db/titan';
  assert.throws(() => loadConfig({ TITAN_DATABASE_URL: withPassword }), (e: Error) => !e.message.includes('hunter2'));
});

test('blank values count as unset', async () => {
  assert.equal(loadConfig({ PORT: '  ', TITAN_SECRET: '' }).port, 3000);
});

test('resolveSecret: env wins; otherwise generated once, kept, with a warning', async () => {
  const settings = new Map<string, string>();
  const store = { getSetting: async (k: string) => settings.get(k) ?? null, setSetting: async (k: string, v: string) => void settings.set(k, v) };
  const warnings: string[] = [];
  const logger = { warn: (msg: string) => void warnings.push(msg) } as never;

  assert.equal(await resolveSecret(loadConfig({ TITAN_SECRET: 'e'.repeat(40) }), store, logger), 'e'.repeat(40));
  assert.equal(settings.size, 0);
  assert.equal(warnings.length, 0);

  const first = await resolveSecret(loadConfig({}), store, logger);
  assert.ok(first.length >= 32);
  assert.equal(settings.get(SECRET_SETTING), first);
  const second = await resolveSecret(loadConfig({}), store, logger);
  assert.equal(second, first, 'same secret after a restart');
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /TITAN_SECRET/);
});
