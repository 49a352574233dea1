// Prometheus metrics (`GET /metrics`, routes/ops.ts): one prom-client registry for the process,
// because the process is what Prometheus scrapes. Every metric of docs/scale-out.md is here;
// the code that counts imports the one function it needs (`trackSseStream`,
// `recordWebhookDelivery`, `observeLinkingDurations`) and nothing else of prom-client.
import type { NextFunction, Request, Response } from 'express';
import { SESSION_STATUSES, type SessionStatus } from '@titan-connect/protocol';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { SseStream } from './sse.js';
import type { Store } from './store/types.js';
import { sessionKeyId, type LinkingEngine } from './whatsapp/engine.js';

export const registry = new Registry();

let defaultsOn = false;
/**
 * Process metrics (CPU, memory, handles, GC, event-loop lag as `nodejs_eventloop_lag_*`), on the
 * first `/metrics` router rather than at import: the lag monitor samples the loop from then on,
 * and the CLI, which imports none of this, should not pay for it.
 */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry });
}

/** WhatsApp sessions per status, read from the store at each scrape (`refreshSessionCounts`). */
const sessions = new Gauge({
  name: 'titan_sessions',
  help: 'WhatsApp sessions in the store by status (every tenant; in cluster mode every instance reports the same shared counts)',
  labelNames: ['status'] as const,
  registers: [registry],
});

/**
 * Sets `titan_sessions` from the store, just before the registry is serialised. A store that
 * does not answer leaves the gauge empty rather than showing the last counts as current.
 */
export async function refreshSessionCounts(store: Pick<Store, 'countWaSessionsByStatus'>): Promise<void> {
  let counts: Record<SessionStatus, number>;
  try {
    counts = await store.countWaSessionsByStatus();
  } catch (error) {
    sessions.reset();
    throw error;
  }
  for (const status of SESSION_STATUSES) sessions.set({ status }, counts[status]);
}

const admission = new Gauge({
  name: 'titan_link_admission',
  help: 'WhatsApp sockets of this instance coming up (active) and waiting their turn (queued) under TITAN_LINK_CONCURRENCY',
  labelNames: ['state'] as const,
  registers: [registry],
});

/** Sets `titan_link_admission` from the engine's gate at each scrape; an engine without one leaves it out. */
export function refreshAdmission(engine: Pick<LinkingEngine, 'admissionState'>): void {
  admission.reset();
  const state = engine.admissionState;
  if (!state) return;
  admission.set({ state: 'active' }, state.active);
  admission.set({ state: 'queued' }, state.queued);
}

const engineThreads = new Gauge({
  name: 'titan_engine_threads',
  help: 'Session threads running the WhatsApp sockets of this instance (TITAN_ENGINE_THREADS)',
  registers: [registry],
});

const engineThreadLosses = new Counter({
  name: 'titan_engine_thread_losses_total',
  help: 'Session threads that stopped unexpectedly (their sessions reconnected on another)',
  registers: [registry],
});
let lossesCounted = 0;

/** Sets the session-thread metrics at each scrape; sockets on the main thread: 0 threads. */
export function refreshEngineThreads(engine: Pick<LinkingEngine, 'threadState'>): void {
  const state = engine.threadState;
  engineThreads.set(state?.running ?? 0);
  if (!state) return;
  if (state.lost > lossesCounted) engineThreadLosses.inc(state.lost - lossesCounted);
  lossesCounted = state.lost;
}

const sseStreams = new Gauge({
  name: 'titan_sse_streams',
  help: 'Widget event streams (SSE) open on this instance',
  registers: [registry],
});

/** Counts `stream` as open until it closes. */
export function trackSseStream(stream: Pick<SseStream, 'onClose'>): void {
  sseStreams.inc();
  stream.onClose(() => sseStreams.dec());
}

/**
 * Seconds from the first QR (or pairing code) of a link to `connected`: what the user waits
 * through, scanning included. A QR lives 60 s and a whole cycle about 160 s, so the buckets
 * stretch to 5 min; a reconnect from stored credentials shows no QR and is not a link.
 */
const linkingDuration = new Histogram({
  name: 'titan_linking_duration_seconds',
  help: 'Time from the first QR or pairing code shown to the session connected, by link method',
  labelNames: ['method'] as const,
  buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300],
  registers: [registry],
});

/**
 * Watches the engine's events for links: starts a clock at a session's first `qr` or
 * `pairing_code`, observes it at `connected`, forgets it when the link ends otherwise (QR
 * timeout, a disconnect the engine does not retry). A reconnect in the middle (Baileys restarts
 * the socket right after a scan) keeps the clock. Returns the unsubscribe function.
 *
 * Engine events, not the linking layer: they are where a QR appears and a link completes, for
 * every engine, and reading them needs no hook inside the linking service.
 */
export function observeLinkingDurations(engine: Pick<LinkingEngine, 'subscribe'>, clock: Clock): () => void {
  const shownAt = new Map<string, number>();
  return engine.subscribe((event) => {
    const id = sessionKeyId(event.key);
    switch (event.type) {
      case 'qr':
      case 'pairing_code':
        if (!shownAt.has(id)) shownAt.set(id, clock.now());
        return;
      case 'connected': {
        const started = shownAt.get(id);
        if (started === undefined) return;
        shownAt.delete(id);
        linkingDuration.observe({ method: event.method }, Math.max(0, clock.now() - started) / 1000);
        return;
      }
      case 'qr_timeout':
        shownAt.delete(id);
        return;
      case 'disconnected':
        if (!event.reconnecting) shownAt.delete(id);
        return;
      default:
        return;
    }
  });
}

export const WEBHOOK_OUTCOMES = ['delivered', 'failed', 'retry', 'disabled'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

const webhookDeliveries = new Counter({
  name: 'titan_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (failed, another attempt scheduled), failed (gave up), disabled (endpoint turned off)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
// Every outcome from 0, so `rate()` and alerts see a series before the first failure.
for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);

/** For the webhook worker: one call per delivery attempt's outcome. */
export function recordWebhookDelivery(outcome: WebhookOutcome): void {
  webhookDeliveries.inc({ outcome });
}

/**
 * Route groups of `titan_http_requests_total`, most specific first: a label per group rather
 * than per path keeps the series few (ids and tokens are in paths) and still tells the backend
 * API from widget traffic.
 */
export const HTTP_ROUTE_GROUPS = ['/api/docs', '/api', '/widget/api', '/widget/connect', '/widget/assets', '/widget/loader.js', '/dev/simulator', '/demo'] as const;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const httpRequests = new Counter({
  name: 'titan_http_requests_total',
  help: 'HTTP responses by method, route group (the path prefix; "other" for the rest) and status; probes and scrapes are not counted',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

/** The group of a request path (without the query), or "other". */
export function routeGroupOf(path: string): string {
  return HTTP_ROUTE_GROUPS.find((g) => path === g || path.startsWith(`${g}/`)) ?? 'other';
}

/** Middleware: counts each response when it has been sent (an SSE stream when it ends). */
export function countHttpRequests(req: Request, res: Response, next: NextFunction): void {
  const route = routeGroupOf(req.path);
  const method = HTTP_METHODS.has(req.method) ? req.method : 'other';
  res.once('finish', () => httpRequests.inc({ method, route, status: String(res.statusCode) }));
  next();
}
