// `POST /widget/api/cloud-api` (token auth): finishes Meta Embedded Signup. The widget posts the
// login `code` joined with the `WA_EMBEDDED_SIGNUP` finish; the widget-sessions service
// exchanges, subscribes, registers and hands the result to the linking layer, which emits
// `connected` and so drives the same postMessage / redirect path as QR and pairing.
import { Router } from 'express';
import { cloudApiFinishBody } from '../api-schemas.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../middleware/parse-body.js';
import type { WidgetSessions } from '../services/widget-sessions.js';

export function cloudApiRouter(widgetSessions: WidgetSessions): Router {
  const router = Router();
  router.post('/cloud-api', parseBody(cloudApiFinishBody), async (req, res) => {
    // Mounted after `widgetTokenAuth`; without it there is no widget session to finish.
    const auth = res.locals.widget;
    if (!auth) throw new HttpError(401, 'MISSING_WIDGET_TOKEN', 'Missing widget token: use the full widgetUrl.');
    res.json({ success: true, data: await widgetSessions.finishCloudApi(auth.widgetSession, req.body) });
  });
  return router;
}
