// Widget token auth for `/widget/api/*`: `?token=` (EventSource cannot set headers) or
// `Authorization: Bearer` (the element used directly). The token must match a stored widget
// session of the same tenant and WhatsApp session, so it never reaches another session's state.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../errors.js';
import type { WidgetAuth, WidgetSessions } from '../services/widget-sessions.js';
import { WidgetTokenError } from '../tokens.js';
import { bearerOrApiKey } from './api-auth.js';

export type { WidgetAuth };

declare global {
  namespace Express {
    interface Locals {
      /** Set by `widgetTokenAuth` on `/widget/api` routes: the claims and a slim view of the widget session. */
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

/** The JSON error of a refused token: 401 when missing, 403 otherwise. */
export function widgetTokenHttpError(error: WidgetTokenError): HttpError {
  if (error.problem === 'missing') return new HttpError(401, 'MISSING_WIDGET_TOKEN', 'Missing widget token: use the full widgetUrl.');
  if (error.problem === 'expired') {
    return new HttpError(403, 'TOKEN_EXPIRED', 'The widget token has expired: ask the app for a new widget session.');
  }
  return new HttpError(403, 'INVALID_WIDGET_TOKEN', 'Invalid widget token: ask the app for a new widget session.');
}

export function widgetTokenAuth(widgetSessions: Pick<WidgetSessions, 'authenticate'>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.widget = await widgetSessions.authenticate(widgetTokenOf(req));
    } catch (error) {
      if (error instanceof WidgetTokenError) throw widgetTokenHttpError(error);
      throw error;
    }
    next();
  };
}
