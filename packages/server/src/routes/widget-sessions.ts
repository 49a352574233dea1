// `POST /api/widget/sessions` (scope `sessions:manage`): the backend asks for a widget session
// and gets the URL to show its user; `GET /api/widget/sessions/:id` tells it how one ended.
// Linking does not start at creation (see DESIGN.md): only when the widget first asks, because a
// QR cycle lasts ~160 s and users open the widget minutes later.
import { type RequestHandler, Router } from 'express';
import { createWidgetSessionBody } from '../api-schemas.js';
import type { AppDeps } from '../deps.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../middleware/parse-body.js';
import type { WidgetSessions } from '../services/widget-sessions.js';

/** Mounted under `/api` after `apiKeyAuth` and the JSON body parser; `rateLimit` counts per key. */
export function widgetSessionsRouter(deps: Pick<AppDeps, 'logger'>, widgetSessions: WidgetSessions, rateLimit: RequestHandler): Router {
  const router = Router();
  router.post('/widget/sessions', requireScope('sessions:manage'), rateLimit, parseBody(createWidgetSessionBody), async (req, res) => {
    const { response, widgetSession } = await widgetSessions.create(res.locals.apiKey!.tenantId, req.body);
    deps.logger.info({ tenantId: widgetSession.tenantId, session: widgetSession.sessionName, mode: widgetSession.mode }, 'widget session created');
    res.status(201).json(response);
  });
  // Verifiable completion: the redirect's `widgetSession=<id>` is confirmed here, never trusted.
  router.get('/widget/sessions/:id', requireScope('sessions:read'), async (req, res) => {
    res.set('Cache-Control', 'no-store').json({ success: true, data: await widgetSessions.result(res.locals.apiKey!.tenantId, String(req.params.id)) });
  });
  return router;
}
