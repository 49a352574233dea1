// Builds the whole app for tests: a real SQLite file in a temp dir, a clock the test moves, a
// logger whose every line is kept (to prove no credential is ever logged), a do-nothing engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import type { ApiScope } from '@titan-connect/protocol';
import { createApiKey } from '../api-keys.js';
import { createApp, type CreateAppOptions } from '../app.js';
import type { AppConfig } from '../config.types.js';
import type { AppDeps } from '../deps.js';
import { REDACT_PATHS } from '../logger.js';
import { SqliteStore } from '../store/index.js';
import type { LinkingEngine, VirtualPhone } from '../whatsapp/engine.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** 2026-11-25T21:00:00Z: a fixed start so expiry arithmetic is readable. */
export const T0 = Date.UTC(2026, 10, 25, 21, 0, 0);

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    publicUrl: 'http://localhost:3000',
    dbPath: ':memory:',
    databaseUrl: null,
    secret: TEST_SECRET,
    engine: 'simulator',
    simSpeed: 1,
    bootstrapApiKey: null,
    demo: false,
    ...overrides,
    meta: {
      appId: null,
      configId: null,
      appSecret: null,
      graphUrl: 'http://127.0.0.1:9',
      graphVersion: 'v21.0',
      sdkUrl: 'https://connect.facebook.net/en_US/sdk.js',
      ...overrides.meta,
    },
  };
}

export interface ManualClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start = T0): ManualClock {
  let now = start;
  return { now: () => now, set: (ms) => void (now = ms), advance: (ms) => void (now += ms) };
}

/** A pino logger at `debug` whose lines are kept in memory. */
export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
  return { logger, text: () => chunks.join('') };
}

/** An engine that does nothing; `virtualPhone` decides whether `/dev/simulator` is mounted. */
export function idleEngine(virtualPhone: VirtualPhone | null = null): LinkingEngine {
  return {
    kind: virtualPhone ? 'simulator' : 'baileys',
    start: async () => {},
    requestPairingCode: async () => {},
    restartQr: async () => {},
    logout: async () => {},
    stop: async () => {},
    sendText: async () => 'msg-1',
    isRunning: () => false,
    subscribe: () => () => {},
    virtualPhone,
    close: async () => {},
  };
}

export interface TestServer {
  app: Express;
  /** What the app was built from. */
  deps: AppDeps;
  store: SqliteStore;
  clock: ManualClock;
  config: AppConfig;
  logs: () => string;
  dir: string;
  /** A fresh API key of `tenant` with `scopes`. */
  key(tenant?: string, scopes?: ApiScope[]): Promise<string>;
  /** Rebuilds the app on the same SQLite file (a restart). */
  restart(): Promise<TestServer>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<AppConfig>;
  engine?: LinkingEngine;
  dir?: string;
  clock?: ManualClock;
  extra?: Partial<CreateAppOptions>;
}

export function makeTestServer(options: TestServerOptions = {}): TestServer {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'titan-test-'));
  const config = testConfig({ dbPath: join(dir, 'titan.db'), ...options.config });
  const store = new SqliteStore(config.dbPath);
  const clock = options.clock ?? manualClock();
  const { logger, text } = captureLogger();
  const engine = options.engine ?? idleEngine();
  const app = createApp({ config, store, engine, clock, logger, logRequests: true, ...options.extra });
  const server: TestServer = {
    app,
    deps: { config, store, engine, clock, logger },
    store,
    clock,
    config,
    logs: text,
    dir,
    key: async (tenant = 'acme', scopes = ['*']) => (await createApiKey(store, { tenantId: tenant, scopes, now: clock.now() })).key,
    restart: async () => {
      await store.close();
      return makeTestServer({ ...options, dir, clock });
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
