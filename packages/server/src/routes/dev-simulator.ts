// `/dev/simulator/*`: the virtual phone (mounted by app.ts only for engines that have one). It
// plays the user's phone: scan the QR on screen, or type the pairing code.
import { Router } from 'express';
import * as z from 'zod';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../middleware/parse-body.js';

const ScanBody = z.strictObject({ qr: z.string().min(1).max(2048) });
const CodeBody = z.strictObject({ code: z.string().min(1).max(32) });

export function devSimulatorRouter(deps: Pick<AppDeps, 'engine'>): Router {
  const router = Router();
  const phone = () => {
    if (!deps.engine.virtualPhone) throw new HttpError(404, 'NOT_FOUND', 'This engine has no virtual phone.');
    return deps.engine.virtualPhone;
  };

  router.post('/scan', parseBody(ScanBody), async (req, res) => {
    const { qr } = req.body;
    const key = await phone().scan(qr);
    res.json({ success: true, data: { session: key.name } });
  });

  router.post('/enter-code', parseBody(CodeBody), async (req, res) => {
    const { code } = req.body;
    const key = await phone().enterCode(code);
    res.json({ success: true, data: { session: key.name } });
  });

  return router;
}
