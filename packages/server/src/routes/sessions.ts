// `/api/sessions*` (API key auth, mounted by app.ts after `apiKeyAuth`): list, get, delete and
// send through the tenant's WhatsApp sessions.
import { Router, type Request, type Response } from 'express';
import { sendMessageBody } from '../api-schemas.js';
import { HttpError } from '../errors.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../parse-body.js';
import type { Sessions } from '../services/sessions.js';
import type { SessionKey } from '../whatsapp/engine.js';

const tenantOf = (res: Response): string => {
  const apiKey = res.locals.apiKey;
  if (!apiKey) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.');
  return apiKey.tenantId;
};

const keyOf = (req: Request, res: Response): SessionKey => ({ tenantId: tenantOf(res), name: String(req.params.name) });

export function sessionsRouter(sessions: Sessions): Router {
  const router = Router();

  router.get('/', requireScope('sessions:read'), async (_req, res) => {
    res.json({ success: true, data: await sessions.list(tenantOf(res)) });
  });

  router.get('/:name', requireScope('sessions:read'), async (req, res) => {
    res.json({ success: true, data: await sessions.get(keyOf(req, res)) });
  });

  router.delete('/:name', requireScope('sessions:manage'), async (req, res) => {
    const key = keyOf(req, res);
    await sessions.delete(key);
    res.json({ success: true, data: { name: key.name, deleted: true } });
  });

  router.post('/:name/messages', requireScope('messages:write'), async (req, res) => {
    const key = keyOf(req, res);
    const body = parseBody(sendMessageBody, req.body);
    const id = await sessions.sendText(key, body.to, body.text);
    res.status(201).json({ success: true, data: { id, session: key.name, to: body.to } });
  });

  return router;
}
