// `/api/webhooks*` (API key auth, scope webhooks:manage; mounted by app.ts after `apiKeyAuth`):
// the tenant's webhook endpoints, a test event, and the delivery log with manual retry.
import { Router, type Response } from 'express';
import { createWebhookBody, updateWebhookBody } from '../api-schemas.js';
import { HttpError } from '../errors.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../middleware/parse-body.js';
import type { Webhooks } from '../services/webhooks.js';

const tenantOf = (res: Response): string => {
  const apiKey = res.locals.apiKey;
  if (!apiKey) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.');
  return apiKey.tenantId;
};

export function webhooksRouter(webhooks: Webhooks): Router {
  const router = Router();
  router.use(requireScope('webhooks:manage'));

  router.post('/', parseBody(createWebhookBody), async (req, res) => {
    res.status(201).json({ success: true, data: await webhooks.create(tenantOf(res), req.body) });
  });

  router.get('/', async (_req, res) => {
    res.json({ success: true, data: await webhooks.list(tenantOf(res)) });
  });

  router.get('/:id', async (req, res) => {
    res.json({ success: true, data: await webhooks.get(tenantOf(res), String(req.params.id)) });
  });

  router.patch('/:id', parseBody(updateWebhookBody), async (req, res) => {
    res.json({ success: true, data: await webhooks.update(tenantOf(res), String(req.params.id), req.body) });
  });

  router.delete('/:id', async (req, res) => {
    const id = String(req.params.id);
    await webhooks.delete(tenantOf(res), id);
    res.json({ success: true, data: { id, deleted: true } });
  });

  router.post('/:id/test', async (req, res) => {
    res.status(202).json({ success: true, data: await webhooks.test(tenantOf(res), String(req.params.id)) });
  });

  // Newest first, at most 100 (`?limit=`).
  router.get('/:id/deliveries', async (req, res) => {
    const raw = req.query.limit;
    const limit = raw === undefined ? undefined : Number(raw);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'limit: must be an integer from 1 to 100');
    }
    res.json({ success: true, data: await webhooks.deliveries(tenantOf(res), String(req.params.id), limit) });
  });

  router.post('/:id/deliveries/:eventId/retry', async (req, res) => {
    const [id, eventId] = [String(req.params.id), String(req.params.eventId)];
    await webhooks.retry(tenantOf(res), id, eventId);
    res.status(202).json({ success: true, data: { id, eventId, retrying: true } });
  });

  return router;
}
