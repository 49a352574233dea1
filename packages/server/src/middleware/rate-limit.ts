// Rate limit on creating widget sessions, per API key (issue 14): each creation writes two rows
// and, with the real engine, can lead to a WhatsApp link; a leaked or buggy backend must not
// create them at thousands a second. express-rate-limit keeps the counting; its `store` is the
// seam for cluster mode (a shared store such as rate-limit-redis or rate-limit-postgresql), so
// every instance counts against one budget instead of one each.
import type { RequestHandler } from 'express';
import { type RateLimitInfo, rateLimit, type Store } from 'express-rate-limit';
import { HttpError } from '../errors.js';

/**
 * 120 widget sessions per API key per minute. A backend makes one when a user opens "Connect
 * WhatsApp": 2 per second sustained is far above a real sign-up flow (and 172,800 a day), while a
 * runaway loop or a leaked key is stopped within a minute. `TITAN_WIDGET_SESSIONS_PER_MINUTE` changes it
 * (a platform onboarding hundreds of numbers at once needs more).
 */
export const WIDGET_SESSIONS_PER_MINUTE = 120;

export interface WidgetSessionLimitOptions {
  /** Creations per API key per window; default `WIDGET_SESSIONS_PER_MINUTE`. */
  perMinute?: number;
  /** Where counts live; default express-rate-limit's in-process MemoryStore. */
  store?: Store;
}

/** Mounted after `apiKeyAuth` and `requireScope`: the key id is the client. */
export function widgetSessionRateLimit(options: WidgetSessionLimitOptions = {}): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: options.perMinute ?? WIDGET_SESSIONS_PER_MINUTE,
    ...(options.store ? { store: options.store } : {}),
    // A tenant with several keys gets a budget per key, like the issue asks; the key id is public.
    keyGenerator: (_req, res) => `widget-sessions:${res.locals.apiKey?.id ?? 'none'}`,
    // `RateLimit` / `RateLimit-Policy` (IETF draft 8) tell well-behaved clients where they stand.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Into the one error handler, so the 429 has the JSON shape of every other error.
    handler: (req, _res, next) => {
      const info = (req as typeof req & { rateLimit?: RateLimitInfo }).rateLimit;
      const resetTime = info?.resetTime?.getTime() ?? Date.now() + 60_000;
      const retryAfter = Math.max(1, Math.ceil((resetTime - Date.now()) / 1000));
      next(new HttpError(429, 'RATE_LIMITED', `Too many widget sessions for this API key; try again in ${retryAfter} s.`, { 'Retry-After': String(retryAfter) }));
    },
  });
}
