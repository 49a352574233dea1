// The linking layer: widget session state machine, engine events → widget events, SSE fan-out.
// (Stub: the engines issue builds it.)
import type { AppDeps } from '../deps.js';

export interface Linking {
  close(): Promise<void>;
}

export function createLinking(_deps: AppDeps): Linking {
  return { close: async () => {} };
}
