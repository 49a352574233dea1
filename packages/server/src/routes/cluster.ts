// `GET /api/cluster` (scope `*`): the instances and the sessions each runs, with lease ages. An
// operator's view of the whole deployment, so not for a tenant's ordinary keys.
import { Router } from 'express';
import type { ClusterStatusSource } from '../cluster/types.js';
import { requireScope } from '../middleware/api-auth.js';

export function clusterRouter(cluster: ClusterStatusSource): Router {
  const router = Router();
  router.get('/', requireScope('*'), async (_req, res) => {
    res.json({ success: true, data: await cluster.status() });
  });
  return router;
}
