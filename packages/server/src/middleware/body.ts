// Request bodies are JSON objects only, capped at 16 kB (the largest real body, a widget session
// with its allowed origins and Meta app, is well under 2 kB).
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from '../errors.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

const isJsonType = (req: Request): boolean => {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
};

/** `Content-Length` as a number, or null when absent or not a plain decimal. */
const announcedLength = (req: Request): number | null => {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d{1,16}$/.test(header) ? Number(header) : null;
};

/**
 * The body is refused from its `Content-Length` alone, before a byte of it is read: body-parser
 * would read (and discard) all of an announced 100 MB before its own 413. `Connection: close`
 * lets Node drop the socket instead of draining the rest. A compressed body counts too: one
 * whose gzip is over 16 kB is no JSON this server takes.
 */
const tooLarge = (): HttpError =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} kB.`, { Connection: 'close' });

/**
 * 413 from `Content-Length`, 415 for a body that is not JSON, then express.json (whose errors the error handler maps to
 * 400 INVALID_JSON / 413 PAYLOAD_TOO_LARGE). A request without a body gets `{}`, so routes whose
 * fields are all optional accept a bare POST.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      req.body ??= {};
      return next();
    }
    if ((announcedLength(req) ?? 0) > BODY_LIMIT_BYTES) throw tooLarge();
    if (!isJsonType(req)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (Content-Type: application/json).');
    parse(req, res, next);
  };
}
