// The demo backend and the virtual phone need no credential: anyone who reaches them can create
// widget sessions as tenant `default` or link a simulated device. So by default they answer only
// clients on this machine; `TITAN_DEMO=public` opens them to the network on purpose.
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors.js';

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6 (how a dual-stack socket reports it). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * Lets loopback clients through, unless `open`. `req.ip` honours `trust proxy` (loopback only),
 * so a reverse proxy on this machine forwarding a remote client counts as that remote client,
 * and a remote client cannot pose as loopback with its own X-Forwarded-For.
 */
export function loopbackOnly(open: boolean, what: string): RequestHandler {
  return (req, _res, next) => {
    if (open || isLoopback(req.ip ?? req.socket.remoteAddress)) return next();
    // 404, as when the demo is off: a remote client learns no more than that.
    next(new HttpError(404, 'NOT_FOUND', `${what} answers only on this machine (loopback); the operator can set TITAN_DEMO=public to open it.`));
  };
}
