// API key auth for `/api/*`: `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiScope } from '@titan-connect/protocol';
import { type ApiKeyIdentity, hasScope, verifyApiKey } from '../api-keys.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { looksLikeJwt } from '../tokens.js';

declare global {
  namespace Express {
    interface Locals {
      /** Set by `apiKeyAuth` on `/api` routes. */
      apiKey?: ApiKeyIdentity;
    }
  }
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="titan-connect"' };

/** The credential of a request: the Bearer value, else `X-Api-Key`; null when neither is sent. */
export function bearerOrApiKey(req: Request): string | null {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return match ? match[1]! : header.trim();
  }
  return req.get('x-api-key')?.trim() || null;
}

export function apiKeyAuth(deps: Pick<AppDeps, 'store' | 'clock'>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const credential = bearerOrApiKey(req);
    if (!credential) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <api key>.', CHALLENGE);
    // A widget token is a browser credential for one widget session; it must never unlock the
    // backend API, and saying so plainly helps the developer who pasted the wrong value.
    if (looksLikeJwt(credential)) {
      throw new HttpError(401, 'WIDGET_TOKEN_NOT_ALLOWED', 'A widget token cannot be used on /api routes; use an API key.', CHALLENGE);
    }
    const identity = await verifyApiKey(deps.store, credential, deps.clock.now());
    if (!identity) throw new HttpError(401, 'INVALID_API_KEY', 'Invalid or revoked API key.', CHALLENGE);
    res.locals.apiKey = identity;
    next();
  };
}

/** 403 unless the key has `scope` (or `*`). Mount after `apiKeyAuth`. */
export function requireScope(scope: ApiScope): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const identity = res.locals.apiKey;
    if (!identity) throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.', CHALLENGE);
    if (!hasScope(identity, scope)) throw new HttpError(403, 'INSUFFICIENT_SCOPE', `This API key lacks the scope "${scope}".`);
    next();
  };
}
