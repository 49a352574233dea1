// `POST /widget/api/cloud-api` (token auth): finishes Meta Embedded Signup. (Stub: Cloud API issue.)
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { Linking } from '../linking/index.js';

export function cloudApiRouter(_deps: AppDeps, _linking: Linking): Router {
  return Router();
}
