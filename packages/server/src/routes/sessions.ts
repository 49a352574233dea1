// `/api/sessions*` (API key auth): list, get, delete, send a message. (Stub: engines issue.)
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { Linking } from '../linking/index.js';

export function sessionsRouter(_deps: AppDeps, _linking: Linking): Router {
  return Router();
}
