// The demo served at `/` when `config.demo` (on by default in `pnpm start`): a page that plays a
// customer's site (static files in packages/server/demo), and `POST /demo/session`, which plays
// that customer's backend. The backend part runs here on the server as tenant `default`, exactly
// where a real app keeps its API key, so no credential ever reaches the browser. Production
// turns it off with TITAN_DEMO=0; it answers only loopback clients unless TITAN_DEMO=public.
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { z } from 'zod';
import { WIDGET_MODES } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { jsonBody } from '../middleware/body.js';
import { loopbackOnly } from '../middleware/loopback-only.js';
import { parseBody } from '../middleware/parse-body.js';
import type { WidgetSessions } from '../services/widget-sessions.js';

export const DEMO_TENANT = 'default';

/** The virtual phone's own number, shown on the demo page (a fictional +1 555 number). */
export const VIRTUAL_PHONE_NUMBER = '+1 555 010 0001';

const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

/** The demo page sends only the mode it offers in its select. */
const DemoSessionBody = z.strictObject({ mode: z.enum(WIDGET_MODES, { error: `must be one of ${WIDGET_MODES.join(', ')}` }).optional() });

const DEMO_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; " +
  "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Mounted only when `config.demo`. */
export function demoRouter(deps: AppDeps, widgetSessions: WidgetSessions): Router {
  const router = Router();
  // Loopback clients only unless TITAN_DEMO=public: `/demo/session` needs no login.
  const local = loopbackOnly(deps.config.demoPublic === true, 'The demo');
  router.get('/', local);
  router.use('/demo', local);
  const files = express.static(DEMO_DIR, {
    index: false,
    setHeaders: (res) => res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': DEMO_CSP }),
  });
  router.get('/', (req, res, next) => {
    req.url = '/index.html';
    files(req, res, next);
  });
  router.get(['/demo/demo.js', '/demo/demo.css'], (req, res, next) => {
    req.url = req.url.slice('/demo'.length);
    files(req, res, next);
  });
  router.get('/demo/config', (_req, res) => {
    const virtualPhone = deps.engine.virtualPhone ? { displayNumber: VIRTUAL_PHONE_NUMBER } : null;
    res.set('Cache-Control', 'no-store').json({ engine: deps.config.engine, virtualPhone });
  });
  router.post('/demo/session', jsonBody(), parseBody(DemoSessionBody), async (req, res) => {
    const { mode } = req.body;
    // Cloud API needs a Meta app; the demo falls back to "all" rather than failing without one.
    const wanted = mode === 'cloud-api' && !deps.config.meta.appId ? 'all' : (mode as (typeof WIDGET_MODES)[number] | undefined);
    const { response } = await widgetSessions.create(DEMO_TENANT, wanted ? { mode: wanted } : {});
    res.status(201).json(response.data);
  });
  return router;
}
