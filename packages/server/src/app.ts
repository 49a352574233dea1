// `createApp(deps)` builds the Express app and never listens: `main.ts` listens, tests drive the
// app with supertest. The order of `use` calls below is the request pipeline.
import express, { type Express, type Router } from 'express';
import type { AppDeps } from './deps.js';
import { createLinking, type Linking } from './linking/index.js';
import { requestLogger } from './logger.js';
import { apiKeyAuth } from './middleware/api-auth.js';
import { jsonBody } from './middleware/body.js';
import { loopbackOnly } from './middleware/loopback-only.js';
import { widgetCors, widgetOriginCheck } from './middleware/cors.js';
import { errorHandler } from './middleware/error-handler.js';
import { notFound } from './middleware/not-found.js';
import { widgetSessionRateLimit, type WidgetSessionLimitOptions } from './middleware/rate-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { widgetTokenAuth } from './middleware/widget-auth.js';
import { apiDocsRouter } from './routes/api-docs.js';
import { assetsRouter, type AssetDirs } from './routes/assets.js';
import { cloudApiRouter } from './routes/cloud-api.js';
import { demoRouter } from './routes/demo.js';
import { devSimulatorRouter } from './routes/dev-simulator.js';
import { sessionsRouter } from './routes/sessions.js';
import type { StreamLimitOptions } from './routes/stream-limits.js';
import { widgetApiRouter } from './routes/widget-api.js';
import { widgetPageRouter } from './routes/widget-page.js';
import { widgetSessionsRouter } from './routes/widget-sessions.js';
import { Sessions } from './services/sessions.js';
import { WidgetSessions, type SessionNamer } from './services/widget-sessions.js';

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
}

/**
 * The backend API's routers and where they mount: one list for the app and for the test that
 * checks every operation is in the OpenAPI document.
 */
export function apiRouters(
  deps: Pick<AppDeps, 'logger'>,
  services: { widgetSessions: WidgetSessions; sessions: Sessions },
  limits: NonNullable<CreateAppOptions['limits']> = {},
): [string, Router][] {
  return [
    ['/api', widgetSessionsRouter(deps, services.widgetSessions, widgetSessionRateLimit(limits.widgetSessions))],
    ['/api/sessions', sessionsRouter(services.sessions)],
  ];
}

export function createApp(options: CreateAppOptions): Express {
  const { linking: givenLinking, assets, logRequests = true, sessionNamer, limits = {}, ...deps } = options;
  const linking = givenLinking ?? createLinking(deps);
  // Routes call these services; the services call the store, the linking layer and the engine.
  const widgetSessions = new WidgetSessions(deps, linking, sessionNamer);
  const sessions = new Sessions(deps, linking);
  const app = express();
  // main.ts resumes and closes the linking; tests reach it and the services here too.
  app.locals.linking = linking;
  app.locals.widgetSessions = widgetSessions;

  app.disable('x-powered-by');
  // API responses are never revalidated (no-store pages, fresh sessions): hashing every body
  // for an ETag is wasted work. Static assets keep theirs (serve-static sets its own).
  app.set('etag', false);
  // Behind a reverse proxy `req.protocol` must come from X-Forwarded-Proto for the same-origin
  // check of the widget API; only the first hop is trusted.
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  if (logRequests) app.use(requestLogger(deps.logger));
  app.use(securityHeaders);

  // Backend API: API key first, so an anonymous caller learns nothing from body errors.
  // The API's description is public (it holds no secret), so it comes before the key check.
  app.use(apiDocsRouter(deps));
  app.use('/api', apiKeyAuth(deps), jsonBody());
  for (const [path, router] of apiRouters(deps, { widgetSessions, sessions }, limits)) app.use(path, router);

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
  if (deps.config.demo) app.use(demoRouter(deps, widgetSessions));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
