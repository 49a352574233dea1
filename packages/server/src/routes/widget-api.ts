// `/widget/api/*` (token auth): state, events (SSE), pairing-code, qr/restart. (Stub: engines issue.)
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { Linking } from '../linking/index.js';

export function widgetApiRouter(_deps: AppDeps, _linking: Linking): Router {
  return Router();
}
