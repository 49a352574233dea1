// CORS for `/widget/api/*` only: the element used directly on a customer's page sends the token
// in `Authorization`, so the browser preflights. The token is the credential (no cookies), so
// the preflight can be answered for any origin (a preflight carries no Authorization header to
// look the session up by); the real request is then checked against the widget session's
// `allowedOrigins` once the token has named the session.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';

const ALLOW_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
const ALLOW_METHODS = 'GET, POST, OPTIONS';

/** Before token auth: answers preflights and lets error bodies (401/403) be read cross-origin. */
export function widgetCors(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (!origin) return next();
    res.vary('Origin');
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', 'Retry-After');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set({ 'Access-Control-Allow-Methods': ALLOW_METHODS, 'Access-Control-Allow-Headers': ALLOW_HEADERS, 'Access-Control-Max-Age': '600' });
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The origins this server's own pages are served from (the hosted widget page). */
const ownOrigins = (deps: Pick<AppDeps, 'config'>, req: Request): string[] => {
  const own = [new URL(deps.config.publicUrl).origin];
  const host = req.get('host');
  if (host) own.push(`${req.protocol}://${host}`);
  return own;
};

/**
 * After token auth: a cross-origin request must come from one of the session's
 * `allowedOrigins` (an empty list allows any, as it does for framing).
 */
export function widgetOriginCheck(deps: Pick<AppDeps, 'config'>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    const allowed = res.locals.widget?.widgetSession.allowedOrigins ?? [];
    if (!origin || allowed.length === 0 || allowed.includes(origin) || ownOrigins(deps, req).includes(origin)) return next();
    throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `Origin ${origin} is not in this widget session's allowedOrigins.`);
  };
}
