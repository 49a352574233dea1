import type { NextFunction, Request, Response } from 'express';

/**
 * Defaults for every response. Pages that render HTML (widget page, demo) set their own CSP;
 * everything else is data that no page should frame or run. `no-referrer`: widget URLs carry
 * the token, and a Referer header would hand it to every third party the page loads.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  });
  next();
}
