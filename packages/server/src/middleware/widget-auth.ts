// Widget token auth for `/widget/api/*`: `?token=` (EventSource cannot set headers) or
// `Authorization: Bearer` (the element used directly). The token must match a stored widget
// session of the same tenant and WhatsApp session, so it never reaches another session's state.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { WidgetTokenClaims } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { WidgetSessionRecord } from '../store/types.js';
import { verifyWidgetToken, WidgetTokenError } from '../tokens.js';
import { bearerOrApiKey } from './api-auth.js';

export interface WidgetAuth {
  claims: WidgetTokenClaims;
  widgetSession: WidgetSessionRecord;
}

declare global {
  namespace Express {
    interface Locals {
      /** Set by `widgetTokenAuth` on `/widget/api` routes. */
      widget?: WidgetAuth;
    }
  }
}

/**
 * The token of a widget request, null when none was sent. A repeated `?token=` is returned
 * joined, so it fails verification as invalid rather than picking one of the values.
 */
export function widgetTokenOf(req: Request): string | null {
  const query = req.query.token;
  if (typeof query === 'string' && query) return query;
  if (Array.isArray(query)) return query.join(',');
  return bearerOrApiKey(req);
}

/** Verifies a token and binds it to its widget session. Throws `WidgetTokenError`. */
export function authenticateWidgetToken(deps: Pick<AppDeps, 'config' | 'store' | 'clock'>, token: string | null): WidgetAuth {
  const claims = verifyWidgetToken(deps.config.secret, token, deps.clock.now());
  const widgetSession = deps.store.getWidgetSession(claims.sub);
  if (!widgetSession || widgetSession.tenantId !== claims.tid || widgetSession.sessionName !== claims.ses) {
    throw new WidgetTokenError('invalid', 'Invalid widget token.');
  }
  return { claims, widgetSession };
}

/** The JSON error of a refused token: 401 when missing, 403 otherwise. */
export function widgetTokenHttpError(error: WidgetTokenError): HttpError {
  if (error.problem === 'missing') return new HttpError(401, 'MISSING_WIDGET_TOKEN', 'Missing widget token: use the full widgetUrl.');
  if (error.problem === 'expired') {
    return new HttpError(403, 'TOKEN_EXPIRED', 'The widget token has expired: ask the app for a new widget session.');
  }
  return new HttpError(403, 'INVALID_WIDGET_TOKEN', 'Invalid widget token: ask the app for a new widget session.');
}

export function widgetTokenAuth(deps: Pick<AppDeps, 'config' | 'store' | 'clock'>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.widget = authenticateWidgetToken(deps, widgetTokenOf(req));
    } catch (error) {
      if (error instanceof WidgetTokenError) throw widgetTokenHttpError(error);
      throw error;
    }
    next();
  };
}
