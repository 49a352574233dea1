// `/api/sessions*` (API key auth, mounted by app.ts after `apiKeyAuth`): list, get, delete and
// send through the tenant's WhatsApp sessions.
import { Router, type Response } from 'express';
import * as z from 'zod';
import { SESSION_NAME_PATTERN, type WhatsAppSessionInfo } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { Linking } from '../linking/index.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../middleware/parse-body.js';
import type { WaSessionRecord } from '../store/index.js';
import { paginate, parsePageQuery } from './pagination.js';

/** Fixed-width time first, so string order is creation order; the name breaks ties. */
const sessionSortKey = (s: WaSessionRecord): string => `${String(s.createdAt).padStart(15, '0')}:${s.name}`;

const toInfo = (s: WaSessionRecord): WhatsAppSessionInfo => ({
  name: s.name,
  status: s.status,
  statusReason: s.statusReason,
  method: s.method,
  phone: s.phone,
  pushName: s.pushName,
  createdAt: new Date(s.createdAt).toISOString(),
  updatedAt: new Date(s.updatedAt).toISOString(),
});

/** WhatsApp caps a text message at 4096 characters. */
const MessageBody = z.strictObject({
  to: z
    .string()
    .transform((to) => to.replace(/[\s\-.()]/g, '').replace(/^\+/, ''))
    .pipe(z.string().regex(/^\d{6,15}$/, 'digits only (E.164 without +), e.g. 5511912345678')),
  text: z.string().min(1, 'must not be empty').max(4096, 'at most 4096 characters'),
});

const tenantOf = (res: Response): string => {
  const apiKey = res.locals.apiKey;
  if (!apiKey) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.');
  return apiKey.tenantId;
};

export function sessionsRouter(deps: AppDeps, linking: Linking): Router {
  const router = Router();

  /** The tenant's session named in the path; 404 for a name that cannot exist or does not. */
  const sessionOf = (res: Response, name: unknown): WaSessionRecord => {
    const tenantId = tenantOf(res);
    const session = typeof name === 'string' && SESSION_NAME_PATTERN.test(name) ? deps.store.getWaSession(tenantId, name) : null;
    if (!session) throw new HttpError(404, 'NOT_FOUND', `No session named "${String(name)}".`);
    return session;
  };

  // Oldest first (creation time, then name, which is unique per tenant); `?limit=&cursor=`.
  router.get('/', requireScope('sessions:read'), (req, res) => {
    const page = paginate(deps.store.listWaSessions(tenantOf(res)), sessionSortKey, parsePageQuery(req.query));
    res.json({ success: true, data: page.items.map(toInfo), nextCursor: page.nextCursor });
  });

  router.get('/:name', requireScope('sessions:read'), (req, res) => {
    res.json({ success: true, data: toInfo(sessionOf(res, req.params.name)) });
  });

  router.delete('/:name', requireScope('sessions:manage'), async (req, res) => {
    const session = sessionOf(res, req.params.name);
    await linking.logout({ tenantId: session.tenantId, name: session.name });
    res.json({ success: true, data: { name: session.name, deleted: true } });
  });

  router.post('/:name/messages', requireScope('messages:write'), parseBody(MessageBody), async (req, res) => {
    const session = sessionOf(res, req.params.name);
    const body = req.body;
    const id = await linking.sendText({ tenantId: session.tenantId, name: session.name }, body.to, body.text);
    res.status(201).json({ success: true, data: { id, session: session.name, to: body.to } });
  });

  return router;
}
