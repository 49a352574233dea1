import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { AppConfig } from './config.types.js';
import type { Store } from './store/index.js';
import type { LinkingEngine } from './whatsapp/engine.js';

/** Everything `createApp` is built from; tests pass fakes. */
export interface AppDeps {
  config: AppConfig;
  store: Store;
  engine: LinkingEngine;
  clock: Clock;
  logger: Logger;
}
