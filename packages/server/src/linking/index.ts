// The linking layer: see types.ts for the contract and service.ts for the implementation.
import type { AppDeps } from '../deps.js';
import { LinkingService } from './service.js';
import type { Linking } from './types.js';

export type * from './types.js';

/** The linking layer of an app; subscribes to `deps.engine` at once. */
export function createLinking(deps: AppDeps): Linking {
  return new LinkingService(deps);
}
