// The demo served at `/` when `config.demo` (on by default in `pnpm start`): a page that plays a
// customer's site (static files in packages/server/demo), and `POST /demo/session`, which plays
// that customer's backend. The backend part runs here on the server as tenant `default`, exactly
// where a real app keeps its API key, so no credential ever reaches the browser; so does its
// webhook receiver (`POST /demo/webhooks/receiver`, listed by `GET /demo/webhooks`). Production
// turns it off with TITAN_DEMO=0; it answers only loopback clients unless TITAN_DEMO=public.
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { WIDGET_MODES, type WebhookPayload } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { jsonBody } from '../middleware/body.js';
import { loopbackOnly } from '../middleware/loopback-only.js';
import { parseBody } from '../middleware/parse-body.js';
import { DEMO_RECEIVER_PATH, DemoWebhookInbox } from '../services/demo-webhooks.js';
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

/** Webhook bodies are a few hundred bytes; a cap well above them bounds what is read unverified. */
const RECEIVER_BODY_LIMIT = '64kb';

/** Mounted only when `config.demo`; `inbox` is where the demo's webhook receiver keeps what it verified. */
export function demoRouter(deps: AppDeps, widgetSessions: WidgetSessions, inbox = new DemoWebhookInbox()): Router {
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

  // The demo's webhook receiver, verifying as an integrator's backend would (docs/webhooks.md
  // section 4): over the raw bytes, so this route alone reads its body as a Buffer.
  router.post(DEMO_RECEIVER_PATH, express.raw({ type: () => true, limit: RECEIVER_BODY_LIMIT }), (req, res) => {
    const secret = inbox.secret;
    if (!secret) throw new HttpError(401, 'UNAUTHORIZED', 'The demo has no webhook endpoint registered.');
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: WebhookPayload;
    try {
      // Throws on a wrong signature, and on a webhook-timestamp more than 5 minutes off (replays).
      event = new Webhook(secret).verify(body, headerRecord(req.headers)) as WebhookPayload;
    } catch {
      throw new HttpError(401, 'UNAUTHORIZED', 'The webhook signature does not verify.');
    }
    inbox.add({
      id: String(req.headers['webhook-id']),
      type: event.type,
      timestamp: event.timestamp,
      data: event.data,
      receivedAt: new Date(deps.clock.now()).toISOString(),
      verified: true,
    });
    res.status(204).end();
  });
  // What the page's "Webhook deliveries" panel polls: newest first.
  router.get('/demo/webhooks', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(inbox.list());
  });
  return router;
}

/** The headers `verify` reads, as single strings (Node gives arrays for repeated ones). */
const headerRecord = (headers: NodeJS.Dict<string | string[]>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
