// `/dev/simulator/*`: the virtual phone (mounted by app.ts only for engines that have one). It
// plays the user's phone: scan the QR on screen, or type the pairing code.
import { Router } from 'express';
import * as z from 'zod';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../middleware/parse-body.js';

// The phone that scans: E.164 digits (a "+", spaces and dashes are dropped); absent, a fresh
// number per session, so sessions never share a phone (WhatsApp links at most 4 per phone).
const PhoneNumber = z
  .string()
  .transform((value) => value.replace(/[\s+-]/g, ''))
  .pipe(z.string().regex(/^\d{7,15}$/, 'phoneNumber must be 7 to 15 digits, country code first'));
const ScanBody = z.strictObject({ qr: z.string().min(1).max(2048), phoneNumber: PhoneNumber.optional() });
const CodeBody = z.strictObject({ code: z.string().min(1).max(32) });

export function devSimulatorRouter(deps: Pick<AppDeps, 'engine'>): Router {
  const router = Router();
  const phone = () => {
    if (!deps.engine.virtualPhone) throw new HttpError(404, 'NOT_FOUND', 'This engine has no virtual phone.');
    return deps.engine.virtualPhone;
  };

  router.post('/scan', parseBody(ScanBody), async (req, res) => {
    const { qr, phoneNumber } = req.body;
    const key = await phone().scan(qr, phoneNumber);
    res.json({ success: true, data: { session: key.name } });
  });

  router.post('/enter-code', parseBody(CodeBody), async (req, res) => {
    const { code } = req.body;
    const key = await phone().enterCode(code);
    res.json({ success: true, data: { session: key.name } });
  });

  return router;
}
