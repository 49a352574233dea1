// Picks the linking engine named by `TITAN_ENGINE`. The rest of the server sees only `LinkingEngine`.
import type { Logger } from 'pino';
import type { AppConfig } from '../config.types.js';
import { beneathSeal } from '../store/sealed-auth-state.js';
import type { AuthStateStore } from '../store/types.js';
import { BaileysEngine } from './baileys/engine.js';
import type { LinkingEngine } from './engine.js';
import { installCurveGuard } from './curve-guard.js';
import { SimulatorEngine } from './simulator/engine.js';
import { ThreadedEngine } from './threads/threaded-engine.js';

export type * from './engine.js';
export { BaileysEngine, type BaileysEngineOptions } from './baileys/engine.js';
export { SimulatorEngine, type SimulatorEngineOptions } from './simulator/engine.js';
export { ThreadedEngine, type ThreadedEngineOptions } from './threads/threaded-engine.js';

export async function createEngine(config: AppConfig, store: AuthStateStore, logger: Logger): Promise<LinkingEngine> {
  switch (config.engine) {
    case 'baileys': {
      const options = { store, logger: logger.child({ engine: 'baileys' }), maxConcurrentConnects: config.linkConcurrency };
      if (config.engineThreads) {
        // Each session thread installs the curve guard on its own copy of Baileys (socket-thread.ts).
        const engine = new ThreadedEngine({ ...options, kind: 'baileys', threads: config.engineThreads, authStateSecret: sealedWith(store, config) });
        await engine.warmUp();
        return engine;
      }
      // rc14's Curve.verify ignores the signature check: close that before any socket opens (SECURITY.md).
      installCurveGuard((line) => logger.info(line));
      return new BaileysEngine(options);
    }
    case 'simulator':
      return new SimulatorEngine({ store, speed: config.simSpeed, logger: logger.child({ engine: 'simulator' }) });
    case 'emulated': {
      // Loaded only here: a production start never loads the emulator, its `ws` server, or the
      // code that makes Baileys trust the emulator's root.
      const { createEmulatedEngine, createRemoteEmulatedEngine } = await import('./emulated.js');
      const options = { store, logger: logger.child({ engine: 'emulated' }), maxConcurrentConnects: config.linkConcurrency, threads: config.engineThreads, authStateSecret: sealedWith(store, config) };
      // TITAN_EMULATOR_URL: one emulator in its own process, shared by every instance.
      return config.emulatorUrl ? createRemoteEmulatedEngine({ ...options, emulatorUrl: config.emulatorUrl }) : createEmulatedEngine(options);
    }
  }
}

/** The secret session threads seal auth state with, when `store` seals it (main.ts: always). */
const sealedWith = (store: AuthStateStore, config: AppConfig): string | undefined => (beneathSeal(store) ? config.secret : undefined);
