// Builders shared by the linking and route tests: a config, deps over a simulator engine, and
// widget session rows as `POST /api/widget/sessions` would insert them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Clock } from '../../clock.js';
import type { AppConfig } from '../../config.types.js';
import { testConfig } from '../../test-support/server.js';
import type { AppDeps } from '../../deps.js';
import { SqliteStore } from '../../store/index.js';
import type { WidgetSessionRecord } from '../../store/index.js';
import { SimulatorEngine, type SimulatorEngineOptions } from '../../whatsapp/simulator/engine.js';

// One test config for the whole server (route and app tests use the same one).
export { testConfig } from '../../test-support/server.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public time = Date.now()) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface TestDeps extends AppDeps {
  engine: SimulatorEngine;
  store: SqliteStore;
}

export function makeDeps(options: {
  store?: SqliteStore;
  clock?: Clock;
  speed?: number;
  failures?: SimulatorEngineOptions['failures'];
  config?: Partial<AppConfig>;
} = {}): TestDeps {
  const store = options.store ?? new SqliteStore(':memory:');
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = pino({ level: 'silent' });
  const engine = new SimulatorEngine({ store, clock, speed: options.speed ?? 1, logger, failures: options.failures });
  return { config: testConfig(options.config), store, engine, clock, logger };
}

export async function insertWidgetSession(store: SqliteStore, overrides: Partial<WidgetSessionRecord> = {}, now = Date.now()): Promise<WidgetSessionRecord> {
  const record: WidgetSessionRecord = {
    id: randomUUID(),
    tenantId: 'default',
    sessionName: 'shop',
    mode: 'all',
    callbackUrl: null,
    allowedOrigins: [],
    locale: null,
    metaApp: null,
    createdAt: now,
    expiresAt: now + 900_000,
    ...overrides,
  };
  assert.equal(await store.createWidgetSession(record, { generatedName: false }), 'created');
  return record;
}
