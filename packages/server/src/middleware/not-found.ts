import type { Request, Response } from 'express';
import type { ErrorBody } from '@titan-connect/protocol';
import { pathOf } from '../logger.js';

/** Last route: unknown paths get the JSON error shape, never Express's HTML page. */
export function notFound(req: Request, res: Response): void {
  const body: ErrorBody = { error: `No route for ${req.method} ${pathOf(req)}.`, code: 'NOT_FOUND' };
  res.status(404).json(body);
}
