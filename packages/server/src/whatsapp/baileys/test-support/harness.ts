// A BaileysEngine on fake sockets, an in-memory store and a hand-moved clock.
import pino from 'pino';
import { SqliteStore } from '../../../store/index.js';
import type { EngineEvent, SessionKey } from '../../engine.js';
import { BaileysEngine, type BaileysEngineOptions } from '../engine.js';
import { fakeSockets } from './fake-socket.js';

export const KEY: SessionKey = { tenantId: 'acme', name: 'support-line' };
export const AUTH_KEY = { tenantId: KEY.tenantId, sessionName: KEY.name };
export const T0 = Date.UTC(2026, 10, 25, 21, 0, 0);

export function engineHarness(overrides: Partial<BaileysEngineOptions> = {}) {
  const store = overrides.store ?? new SqliteStore(':memory:');
  let now = T0;
  let versionFetches = 0;
  const sockets = fakeSockets();
  const engine = new BaileysEngine({
    store,
    logger: pino({ level: 'silent' }),
    clock: { now: () => now },
    makeSocket: sockets.make,
    fetchVersion: async () => {
      versionFetches += 1;
      return [2, 3000, 1_000_000 + versionFetches];
    },
    // Tiny delays, no jitter: the policy is what is under test, not the clock.
    backoff: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 4, jitter: 0 },
    ...overrides,
  });
  const events: EngineEvent[] = [];
  const waiting: { match: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  engine.subscribe((event) => {
    events.push(event);
    for (const w of waiting.splice(0)) {
      if (w.match(event)) w.resolve(event);
      else waiting.push(w);
    }
  });
  /** The first event (already seen or still to come) that matches. */
  const waitFor = <T extends EngineEvent['type']>(type: T, match: (e: Extract<EngineEvent, { type: T }>) => boolean = () => true) =>
    new Promise<Extract<EngineEvent, { type: T }>>((resolve) => {
      const test = (e: EngineEvent) => e.type === type && match(e as Extract<EngineEvent, { type: T }>);
      const seen = events.find(test);
      if (seen) resolve(seen as Extract<EngineEvent, { type: T }>);
      else waiting.push({ match: test, resolve: resolve as (e: EngineEvent) => void });
    });
  const close = async () => {
    await engine.close();
    await store.close();
  };
  return {
    store,
    engine,
    sockets,
    events,
    waitFor,
    close,
    advance: (ms: number) => (now += ms),
    versionFetches: () => versionFetches,
    ofType: <T extends EngineEvent['type']>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type),
  };
}

/** Lets pending promise callbacks and short timers run. */
export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
