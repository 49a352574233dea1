// `POST /widget/api/cloud-api` (token auth): finishes Meta Embedded Signup. The widget posts the
// login `code` joined with the `WA_EMBEDDED_SIGNUP` finish; the server exchanges, subscribes,
// registers, stores the business token sealed, and hands the result to the linking layer, which
// emits `connected` and so drives the same postMessage / redirect path as QR and pairing.
import { Router } from 'express';
import { z } from 'zod';
import type { CloudApiFinishRequest } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { EngineError, HttpError } from '../errors.js';
import type { Linking } from '../linking/index.js';
import { finishEmbeddedSignup, metaAppFor, redact } from '../meta/embedded-signup.js';
import { GraphClient, GraphError } from '../meta/graph-client.js';
import { parseBody } from '../middleware/parse-body.js';
import type { WidgetAuth } from '../middleware/widget-auth.js';
import { SecretBox } from '../secrets.js';

// Graph ids are numeric; checking that also keeps user input from steering the Graph URL path.
const graphId = z.string().regex(/^\d{1,32}$/, 'must be a numeric Meta id');

const finishSchema = z
  .object({
    code: z.string().min(1, 'is required').max(4096),
    wabaId: graphId,
    phoneNumberId: graphId.optional(),
    event: z.enum(['FINISH', 'FINISH_ONLY_WABA', 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING']),
  })
  // A plain FINISH has a number to register; the other two may come without one.
  .refine((body) => body.event !== 'FINISH' || body.phoneNumberId !== undefined, {
    path: ['phoneNumberId'],
    message: 'is required for FINISH',
  });

export function cloudApiRouter(deps: AppDeps, linking: Linking): Router {
  const router = Router();
  const box = new SecretBox(deps.config.secret);
  const graph = new GraphClient({ graphUrl: deps.config.meta.graphUrl, graphVersion: deps.config.meta.graphVersion });
  // One finish at a time per widget session: a double click must not spend the single-use code twice.
  const finishing = new Set<string>();

  router.post('/cloud-api', parseBody(finishSchema), async (req, res) => {
    // Mounted after `widgetTokenAuth`; without it there is no widget session to finish.
    const auth: WidgetAuth | undefined = res.locals.widget;
    if (!auth) throw new HttpError(401, 'MISSING_WIDGET_TOKEN', 'Missing widget token: use the full widgetUrl.');
    const { widgetSession } = auth;
    const finish: CloudApiFinishRequest = req.body;

    if (widgetSession.mode !== 'all' && widgetSession.mode !== 'cloud-api') {
      throw new HttpError(400, 'META_NOT_CONFIGURED', `This widget session is in ${widgetSession.mode} mode, which does not offer Cloud API.`);
    }
    // Throws an EngineError (META_NOT_CONFIGURED, 400) when neither the session nor the server has an app.
    const app = metaAppFor(deps.config, widgetSession, box);
    const waSession = deps.store.getWaSession(widgetSession.tenantId, widgetSession.sessionName);
    if (widgetSession.phase === 'connected' || waSession?.status === 'CONNECTED') {
      throw new HttpError(409, 'SESSION_ALREADY_CONNECTED', `Session ${widgetSession.sessionName} is already connected.`);
    }
    if (finishing.has(widgetSession.id)) {
      throw new HttpError(409, 'CONFLICT', 'Embedded Signup is already being finished for this widget session.');
    }

    const log = deps.logger.child({ widgetSession: widgetSession.id, session: widgetSession.sessionName });
    const context = { wabaId: finish.wabaId, phoneNumberId: finish.phoneNumberId ?? null, event: finish.event, app: app.source };
    finishing.add(widgetSession.id);
    try {
      const connection = await finishEmbeddedSignup(graph, app, finish, box, (error) =>
        log.warn({ ...context, step: error.step, metaCode: error.metaCode, fbtraceId: error.fbtraceId }, 'Cloud API number lookup failed; connecting without it'),
      );
      const connected = linking.connectCloudApi(widgetSession.id, connection);
      log.info(context, 'Cloud API connected');
      res.json({ success: true, data: connected });
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      // Meta's own sentence is what helps the user; scrub what we sent in case Meta echoes it.
      const message = redact(error.message, [app.appSecret, finish.code]);
      log.warn(
        { ...context, step: error.step, status: error.status, metaCode: error.metaCode, metaSubcode: error.metaSubcode, fbtraceId: error.fbtraceId, message },
        'Embedded Signup finish failed',
      );
      linking.fail(widgetSession.id, { code: 'META_EXCHANGE_FAILED', message, retryable: true });
      throw new EngineError('META_EXCHANGE_FAILED', message);
    } finally {
      finishing.delete(widgetSession.id);
    }
  });

  return router;
}
