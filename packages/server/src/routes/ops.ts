// Operations endpoints, outside the API (no API key): `GET /healthz` (the process answers),
// `GET /readyz` (start-up is over and the store, plus any extra check, answers) and `GET /metrics`
// (Prometheus text; loopback clients, or any client with TITAN_METRICS_TOKEN). Before start-up is
// over main.ts answers the first two itself (middleware/not-ready.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { refreshAdmission, refreshEngineThreads, refreshSessionCounts, registry, collectProcessMetrics } from '../metrics.js';
import { isLoopback } from '../middleware/loopback-only.js';

/** Something `/readyz` waits on besides the store (cluster mode adds its Redis bus). */
export interface ReadinessCheck {
  /** Named in the `/readyz` answer and the log. */
  name: string;
  /** Resolves when the dependency answers; rejects (or outlasts the timeout) when it does not. */
  check(): Promise<void>;
}

/**
 * How long one check may take before it counts as failed. Orchestrators give a probe 1-5 s;
 * a database that needs longer than 2 s for `SELECT 1` cannot serve requests either, and
 * node-postgres would otherwise wait forever for a connection to a host that drops packets.
 */
export const READINESS_TIMEOUT_MS = 2_000;

export const HEALTHY = { status: 'ok' } as const;

export type CheckOutcome = 'ok' | 'failed' | 'timeout';

async function runCheck({ check }: ReadinessCheck, timeoutMs: number): Promise<{ outcome: CheckOutcome; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([check().then(() => 'ok' as const), timeout]);
    return { outcome: result };
  } catch (error) {
    return { outcome: 'failed', error };
  } finally {
    clearTimeout(timer);
  }
}

/** A SHA-256 of each side makes the comparison constant-time whatever the lengths. */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

const METRICS_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="titan-metrics"' };

/**
 * Who may scrape. With `TITAN_METRICS_TOKEN` every client must send it (loopback ones too: one
 * rule is easier to reason about); without it only loopback clients: the socket's peer and
 * `req.ip` both loopback, so neither a proxy on this machine forwarding a remote scrape nor a
 * trusted proxy's X-Forwarded-For of 127.0.0.1 makes a scrape local. Metrics name no secret,
 * but session counts and traffic are business data.
 */
export function metricsAccess(token: string | null): RequestHandler {
  return (req, _res, next) => {
    if (token === null) {
      if (isLoopback(req.socket.remoteAddress) && isLoopback(req.ip)) return next();
      // 404, as for the other loopback-only routes: a remote client learns nothing more.
      return next(new HttpError(404, 'NOT_FOUND', '/metrics answers only on this machine (loopback); set TITAN_METRICS_TOKEN to scrape it over the network.'));
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.get('authorization') ?? '');
    if (!match) return next(new HttpError(401, 'UNAUTHORIZED', 'Send the scrape token: Authorization: Bearer <TITAN_METRICS_TOKEN>.', METRICS_CHALLENGE));
    if (!sameSecret(match[1]!, token)) return next(new HttpError(401, 'UNAUTHORIZED', 'Wrong scrape token.', METRICS_CHALLENGE));
    next();
  };
}

export interface OpsOptions {
  /** Checks `/readyz` runs after the store's ping. */
  readiness?: readonly ReadinessCheck[];
  /** Per check, ms (tests shorten it). */
  readinessTimeoutMs?: number;
}

export function opsRouter(deps: Pick<AppDeps, 'store' | 'config' | 'logger' | 'engine'>, options: OpsOptions = {}): Router {
  const router = Router();
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => deps.store.ping() }, ...(options.readiness ?? [])];
  const timeoutMs = options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS;
  // Probes come every few seconds: log a failing check when it starts failing, not at each probe.
  const failing = new Set<string>();
  collectProcessMetrics();

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(HEALTHY);
  });

  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(checks.map(async (c) => ({ name: c.name, ...(await runCheck(c, timeoutMs)) })));
    for (const { name, outcome, error } of results) {
      if (outcome === 'ok') {
        if (failing.delete(name)) deps.logger.info({ check: name }, 'readiness check passes again');
      } else if (!failing.has(name)) {
        failing.add(name);
        deps.logger.warn({ check: name, outcome, err: error }, 'readiness check failing: /readyz answers 503');
      }
    }
    const outcomes = Object.fromEntries(results.map((r) => [r.name, r.outcome]));
    const failed = results.filter((r) => r.outcome !== 'ok').map((r) => r.name);
    res.set('Cache-Control', 'no-store');
    if (failed.length === 0) {
      res.json({ status: 'ready', checks: outcomes });
      return;
    }
    // The error shape of every other failure, plus which dependency is down (not why: the
    // endpoint is public, the reason is in the log).
    res.status(503).json({ error: `Not ready: ${failed.join(', ')}.`, code: 'SERVICE_UNAVAILABLE', status: 'not_ready', checks: outcomes });
  });

  router.get('/metrics', metricsAccess(deps.config.metricsToken ?? null), async (_req, res) => {
    try {
      await refreshSessionCounts(deps.store);
    } catch (err) {
      // The process metrics are still worth a scrape while the database is down.
      deps.logger.warn({ err }, '/metrics: could not count sessions; titan_sessions left out of this scrape');
    }
    refreshAdmission(deps.engine);
    refreshEngineThreads(deps.engine);
    res.set({ 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).send(await registry.metrics());
  });

  return router;
}
