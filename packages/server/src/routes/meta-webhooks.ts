// `/webhooks/meta`: Meta's Cloud API webhooks (no API key: Meta proves itself with the verify
// token on GET and the app secret's signature on POST). The signature covers the exact bytes
// sent, so this router reads the raw body itself and is mounted before any JSON parser.
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from '../errors.js';
import type { MetaInbound } from '../meta/inbound.js';

/** Meta batches up to about a thousand changes per delivery, each well under 1 kB. */
export const META_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

/** The body as the Buffer Meta signed; over the limit is 413 with this route's own limit in the sentence. */
function rawBody(): RequestHandler {
  const parse = express.raw({ type: () => true, limit: META_WEBHOOK_BODY_LIMIT_BYTES });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        return next(new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${META_WEBHOOK_BODY_LIMIT_BYTES / 1024 / 1024} MB.`, { Connection: 'close' }));
      }
      next(error);
    });
}

export function metaWebhooksRouter(inbound: MetaInbound): Router {
  const router = Router();
  // Meta's "Verify and save": echo hub.challenge as plain text when the verify token matches.
  router.get('/', (req, res) => {
    // Computed before the Content-Type is set: a refusal must go out as the JSON error.
    const challenge = inbound.challenge(req.query as Record<string, unknown>);
    res.type('text/plain').send(challenge);
  });
  router.post('/', rawBody(), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await inbound.receive(body, req.get('x-hub-signature-256'));
    res.json({ success: true, data: result });
  });
  return router;
}
