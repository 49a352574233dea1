// `createApp(deps)` builds the Express app and never listens: `main.ts` listens, tests drive the
// app with supertest. The order of `use` calls below is the request pipeline.
import express, { type Express, type Router } from 'express';
import { SingleInstance } from './cluster/single.js';
import type { ClusterStatusSource, Ownership } from './cluster/types.js';
import type { AppDeps } from './deps.js';
import { createLinking, type Linking } from './linking/index.js';
import { requestLogger } from './logger.js';
import { countHttpRequests, observeLinkingDurations } from './metrics.js';
import { apiKeyAuth } from './middleware/api-auth.js';
import { jsonBody } from './middleware/body.js';
import { loopbackOnly } from './middleware/loopback-only.js';
import { MetaInbound } from './meta/inbound.js';
import { widgetCors, widgetOriginCheck } from './middleware/cors.js';
import { errorHandler } from './middleware/error-handler.js';
import { notFound } from './middleware/not-found.js';
import { widgetSessionRateLimit, type WidgetSessionLimitOptions } from './middleware/rate-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { widgetTokenAuth } from './middleware/widget-auth.js';
import { apiDocsRouter } from './routes/api-docs.js';
import { assetsRouter, type AssetDirs } from './routes/assets.js';
import { cloudApiRouter } from './routes/cloud-api.js';
import { clusterRouter } from './routes/cluster.js';
import { demoRouter } from './routes/demo.js';
import { devSimulatorRouter } from './routes/dev-simulator.js';
import { metaWebhooksRouter } from './routes/meta-webhooks.js';
import { opsRouter, type ReadinessCheck } from './routes/ops.js';
import { sessionsRouter } from './routes/sessions.js';
import { webhooksRouter } from './routes/webhooks.js';
import type { StreamLimitOptions } from './routes/stream-limits.js';
import { widgetApiRouter } from './routes/widget-api.js';
import { widgetPageRouter } from './routes/widget-page.js';
import { widgetSessionsRouter } from './routes/widget-sessions.js';
import { DemoWebhookInbox } from './services/demo-webhooks.js';
import { Sessions } from './services/sessions.js';
import { Webhooks } from './services/webhooks.js';
import { WidgetSessions, type SessionNamer } from './services/widget-sessions.js';
import { publishInboundMessages } from './services/inbound-messages.js';
import type { WebhookPublisher } from './webhooks/types.js';

export interface CreateAppOptions extends AppDeps {
  /** The linking layer; built from the deps when absent (tests may pass a fake). */
  linking?: Linking;
  /** Where the browser bundles are (tests point elsewhere). */
  assets?: AssetDirs;
  /** Log one line per request (off in benchmarks). Default true. */
  logRequests?: boolean;
  /** Names sessions created without `sessionName` (tests force collisions). */
  sessionNamer?: SessionNamer;
  /** Abuse limits (SECURITY.md lists them); the store is where cluster mode plugs a shared one. */
  limits?: { widgetSessions?: WidgetSessionLimitOptions; streams?: StreamLimitOptions };
  /** Called when webhook events enter the outbox through the API or a publisher (main.ts wakes the delivery worker). */
  webhookPublished?: () => void;
  /**
   * Where events from outside a link change go (inbound messages of both engines, sent messages'
   * statuses, Cloud API inbound); absent: the webhook outbox (tests pass a fake).
   */
  webhooks?: WebhookPublisher;
  /** What `/readyz` checks besides the store (cluster mode: its Redis bus). */
  readiness?: ReadinessCheck[];
  /**
   * Who runs which session: cluster mode's `ClusterOwnership` (main.ts); absent, this instance
   * alone (`SingleInstance`). `GET /api/cluster` shows it; `app.locals.ownership` holds it.
   */
  ownership?: Ownership & ClusterStatusSource;
}

/**
 * The backend API's routers and where they mount: one list for the app and for the test that
 * checks every operation is in the OpenAPI document.
 */
export function apiRouters(
  deps: Pick<AppDeps, 'logger'>,
  services: { widgetSessions: WidgetSessions; sessions: Sessions; webhooks: Webhooks; cluster: ClusterStatusSource },
  limits: NonNullable<CreateAppOptions['limits']> = {},
): [string, Router][] {
  return [
    ['/api', widgetSessionsRouter(deps, services.widgetSessions, widgetSessionRateLimit(limits.widgetSessions))],
    ['/api/sessions', sessionsRouter(services.sessions)],
    ['/api/webhooks', webhooksRouter(services.webhooks)],
    ['/api/cluster', clusterRouter(services.cluster)],
  ];
}

export function createApp(options: CreateAppOptions): Express {
  const { linking: givenLinking, assets, logRequests = true, sessionNamer, limits: givenLimits = {}, webhookPublished, webhooks: givenPublisher, readiness, ownership: givenOwnership, ...deps } = options;
  const linking = givenLinking ?? createLinking(deps);
  // TITAN_WIDGET_SESSIONS_PER_MINUTE is the default budget; limits given here (tests, cluster mode's store) add to it.
  const limits = { ...givenLimits, widgetSessions: { perMinute: deps.config.widgetSessionsPerMinute, ...givenLimits.widgetSessions } };
  // titan_linking_duration_seconds, from the engine's own qr → connected events.
  observeLinkingDurations(deps.engine, deps.clock);
  // Routes call these services; the services call the store, the linking layer and the engine.
  const widgetSessions = new WidgetSessions(deps, linking, sessionNamer);
  const sessions = new Sessions(deps, linking);
  const webhooks = new Webhooks(deps, webhookPublished);
  const ownership = givenOwnership ?? new SingleInstance({ ...deps, instanceId: deps.config.instanceId ?? 'single' });
  const app = express();
  // main.ts resumes and closes the linking; tests reach it and the services here too.
  app.locals.linking = linking;
  app.locals.widgetSessions = widgetSessions;
  app.locals.webhooks = webhooks;
  // Messages are not link changes: they reach the outbox through the publisher, as they arrive.
  const publisher = givenPublisher ?? webhooks;
  app.locals.inboundMessages = publishInboundMessages(deps.engine, publisher, deps.logger);
  app.locals.ownership = ownership;

  app.disable('x-powered-by');
  // API responses are never revalidated (no-store pages, fresh sessions): hashing every body
  // for an ETag is wasted work. Static assets keep theirs (serve-static sets its own).
  app.set('etag', false);
  // Behind a reverse proxy `req.protocol` must come from X-Forwarded-Proto for the same-origin
  // check of the widget API, and `req.ip` from X-Forwarded-For for the per-address limits; only
  // the proxies of TITAN_TRUST_PROXY are believed (a proxy on this machine by default).
  app.set('trust proxy', deps.config.trustProxy ?? ['loopback']);
  app.set('query parser', 'simple');

  app.use(securityHeaders);
  // Probes and scrapes: before the request log, which they would fill every few seconds, and
  // before any credential check (/metrics has its own).
  app.use(opsRouter(deps, { readiness }));
  if (logRequests) app.use(requestLogger(deps.logger));
  app.use(countHttpRequests);

  // Meta's Cloud API webhooks, before any JSON parser: the signature is over the raw bytes.
  // Their messages go into the webhook outbox like every other event.
  app.use('/webhooks/meta', metaWebhooksRouter(new MetaInbound(deps, publisher)));

  // Backend API: API key first, so an anonymous caller learns nothing from body errors.
  // The API's description is public (it holds no secret), so it comes before the key check.
  app.use(apiDocsRouter(deps));
  app.use('/api', apiKeyAuth(deps), jsonBody());
  for (const [path, router] of apiRouters(deps, { widgetSessions, sessions, webhooks, cluster: ownership }, limits)) app.use(path, router);

  // The hosted page, then the widget's JSON/SSE API (CORS before auth so preflights and auth
  // errors are readable cross-origin; origin check once the token named the session).
  app.use('/widget/connect', widgetPageRouter(deps, widgetSessions));
  app.use('/widget/api', widgetCors(), widgetTokenAuth(widgetSessions), widgetOriginCheck(deps), jsonBody());
  app.use('/widget/api', cloudApiRouter(widgetSessions));
  app.use('/widget/api', widgetApiRouter(deps, linking, { streams: limits.streams }));

  // The virtual phone exists only for engines that have one; elsewhere it is an unknown route.
  // Loopback clients only unless TITAN_DEMO=public: it needs no credential.
  if (deps.engine.virtualPhone) {
    app.use('/dev/simulator', loopbackOnly(deps.config.demoPublic === true, 'The virtual phone'), jsonBody(), devSimulatorRouter(deps));
  }

  app.use(assetsRouter(deps.logger, assets));
  if (deps.config.demo) {
    // The demo's webhook receiver keeps what it verified here; main.ts registers its endpoint.
    const demoWebhooks = (app.locals.demoWebhooks = new DemoWebhookInbox());
    app.use(demoRouter(deps, widgetSessions, demoWebhooks));
  }

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
