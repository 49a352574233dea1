// What the HTTP server answers between `listen` and the end of start-up (engine, linking resume:
// seconds with the real engine). Before, such requests were never answered. main.ts listens
// first so `PORT=0` yields the real port for PUBLIC_URL, so there is a window to cover.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '@titan-connect/protocol';
import { HEALTHY } from '../routes/ops.js';

/** Seconds a client should wait: a start-up with the real engine takes a few. */
export const NOT_READY_RETRY_AFTER_S = 2;

/**
 * A plain Node handler (the Express app does not exist yet): 503 in the JSON error shape, except
 * `GET /healthz`, which answers 200 (the process is up: a liveness probe must not kill a server
 * that is still resuming its sessions). `/readyz` gets the 503 with `status: 'starting'`.
 */
export function notReady(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0];
  if ((req.method === 'GET' || req.method === 'HEAD') && path === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(HEALTHY));
    return;
  }
  const body: ErrorBody & { status?: string } = { error: 'The server is starting; try again in a moment.', code: 'SERVICE_UNAVAILABLE' };
  if (path === '/readyz') body.status = 'starting';
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Retry-After': String(NOT_READY_RETRY_AFTER_S),
    'Cache-Control': 'no-store',
    // The request body (if any) is not read; closing spares draining it.
    Connection: 'close',
  });
  res.end(JSON.stringify(body));
}
