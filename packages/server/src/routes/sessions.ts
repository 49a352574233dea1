// `/api/sessions*` (API key auth, mounted by app.ts after `apiKeyAuth`): list, get, delete and
// send through the tenant's WhatsApp sessions.
import { Router, type Request, type Response } from 'express';
import { sendMessageBody } from '../api-schemas.js';
import { HttpError } from '../errors.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../middleware/parse-body.js';
import type { Sessions } from '../services/sessions.js';
import type { SessionKey } from '../whatsapp/engine.js';
import { parsePageQuery } from '../pagination.js';

const tenantOf = (res: Response): string => {
  const apiKey = res.locals.apiKey;
  if (!apiKey) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.');
  return apiKey.tenantId;
};

const keyOf = (req: Request, res: Response): SessionKey => ({ tenantId: tenantOf(res), name: String(req.params.name) });

export function sessionsRouter(sessions: Sessions): Router {
  const router = Router();

  // Oldest first (creation time, then name, which is unique per tenant); `?limit=&cursor=`.
  router.get('/', requireScope('sessions:read'), async (req, res) => {
    const page = await sessions.list(tenantOf(res), parsePageQuery(req.query));
    res.json({ success: true, data: page.items, nextCursor: page.nextCursor });
  });

  router.get('/:name', requireScope('sessions:read'), async (req, res) => {
    res.json({ success: true, data: await sessions.get(keyOf(req, res)) });
  });

  router.delete('/:name', requireScope('sessions:manage'), async (req, res) => {
    const key = keyOf(req, res);
    await sessions.delete(key);
    res.json({ success: true, data: { name: key.name, deleted: true } });
  });

  router.post('/:name/messages', requireScope('messages:write'), parseBody(sendMessageBody), async (req, res) => {
    const key = keyOf(req, res);
    const id = await sessions.sendText(key, req.body.to, req.body.text);
    res.status(201).json({ success: true, data: { id, session: key.name, to: req.body.to } });
  });

  return router;
}
