// `pnpm start`: read the environment, open the store, start the engine, listen. Everything the
// app does lives in `createApp`; this file only wires real dependencies and handles shutdown.
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { createApiKey, ensureApiKey } from './api-keys.js';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import { ClusterStartError, fencedStore, LeasedEngine, openCluster, startCluster, type Cluster, type ClusterOwnership } from './cluster/index.js';
import { ConfigError, DEFAULT_WEBHOOK_CONFIG, loadConfig, resolveSecret } from './config.js';
import type { AppConfig } from './config.types.js';
import type { Linking } from './linking/index.js';
import { createLogger } from './logger.js';
import { notReady } from './middleware/not-ready.js';
import { DEMO_TENANT } from './routes/demo.js';
import { openStore, StoreOpenError, type Store } from './store/index.js';
import { registerDemoWebhook, type DemoWebhookInbox } from './services/demo-webhooks.js';
import { startWebhookEventPurge, startWidgetSessionPurge } from './services/retention.js';
import type { Webhooks } from './services/webhooks.js';
import { sealLegacyAuthState, withSealedAuthState } from './store/sealed-auth-state.js';
import { WebhookWorker, withWebhookWakeups } from './webhooks/worker.js';
import { createEngine } from './whatsapp/index.js';

export interface RunningServer {
  server: Server;
  config: AppConfig;
  /** The API key printed on this start, when one was created. */
  printedApiKey: string | null;
  close(): Promise<void>;
}

/**
 * Node's limits on receiving a request. `requestTimeout` covers only the time until the whole
 * request (headers and body) has arrived, not the response: an SSE stream, whose GET has no body,
 * is never cut by it (main.test.ts proves it). 30 s is ample for a 16 kB body on a slow mobile
 * link and ends slow-body (slowloris) requests ten times sooner than Node's default 300 s;
 * 15 s for the headers alone.
 */
export const HTTP_TIMEOUTS = { requestTimeout: 30_000, headersTimeout: 15_000 } as const;

/**
 * Open connections one instance accepts; past it Node closes new ones at once. Above the 10,000
 * SSE streams an instance is benchmarked to hold, below the process's file descriptor limit, so
 * a flood of idle sockets cannot starve the store's and the engine's own descriptors.
 */
export const MAX_CONNECTIONS = 16_384;

/**
 * Keys for the start-up: `TITAN_BOOTSTRAP_API_KEY` exists exactly, unless it was revoked (then it
 * stays revoked, with a warning); and a server with no key at all gets one for tenant `default`
 * (scope `*`), printed once, so a newcomer can call the API right after `pnpm start`.
 */
async function bootstrapKeys(config: AppConfig, store: Store, now: number, log: Logger): Promise<string | null> {
  if (config.bootstrapApiKey) {
    const record = await ensureApiKey(store, config.bootstrapApiKey, { tenantId: DEMO_TENANT, scopes: ['*'], label: 'bootstrap', now });
    if (record.revokedAt !== null) {
      log.warn(
        { keyId: record.id, revokedAt: new Date(record.revokedAt).toISOString() },
        'TITAN_BOOTSTRAP_API_KEY names a revoked key; it stays revoked. Remove the variable or set a new key.',
      );
    }
  }
  if ((await store.listApiKeys()).length > 0) return null;
  return (await createApiKey(store, { tenantId: DEMO_TENANT, scopes: ['*'], label: 'first start', now })).key;
}

/** Says at start who can reach the credential-free demo backend and virtual phone. */
function logDemoReach(config: AppConfig, virtualPhone: boolean, log: Logger): void {
  const parts = [config.demo ? 'the demo (/ and /demo/*)' : null, virtualPhone ? 'the virtual phone (/dev/simulator/*)' : null].filter(Boolean);
  if (parts.length === 0) return;
  if (config.demoPublic) {
    log.warn(`TITAN_DEMO=public: ${parts.join(' and ')} answer every client, without a login; anyone who reaches this server can create widget sessions for tenant default`);
  } else {
    log.info(`${parts.join(' and ')} answer only loopback clients (this machine); set TITAN_DEMO=public to open them to the network`);
  }
}

export interface StartHooks {
  /** Runs once the port is open, before start-up goes on (tests probe the not-ready window). */
  listening?: (server: Server) => Promise<void>;
}

export async function startServer(env: Record<string, string | undefined> = process.env, logger?: Logger, hooks: StartHooks = {}): Promise<RunningServer> {
  const loaded = loadConfig(env);
  const log = logger ?? createLogger({ level: loaded.logLevel });
  // Opened before the secret is known: an older server kept a generated secret in it.
  const rawStore = await openStore(loaded);
  let linking: Linking | null = null;
  let webhookWorker: WebhookWorker | null = null;
  let ownership: ClusterOwnership | null = null;
  let cluster: Cluster | null = null;
  const server = createServer({ ...HTTP_TIMEOUTS });
  server.maxConnections = MAX_CONNECTIONS;
  // 503 SERVICE_UNAVAILABLE with Retry-After until the app is built and linking has resumed.
  let handle: RequestListener = notReady;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res));
  try {
    // Listen before building the app, so `PORT=0` (tests, examples) still yields a correct
    // default PUBLIC_URL: the port is known before any widgetUrl is made.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(loaded.port, () => resolve());
    });
    await hooks.listening?.(server);
    const port = (server.address() as AddressInfo).port;
    const publicUrl = env.PUBLIC_URL?.trim() ? loaded.publicUrl : `http://localhost:${port}`;
    const config: AppConfig = { ...loaded, port, publicUrl, secret: await resolveSecret(loaded, rawStore, log) };
    // From here on every reader and writer of WhatsApp credentials sees them sealed at rest;
    // rows from before sealing are sealed now rather than on their first read.
    const sealed = withSealedAuthState(rawStore, config.secret);
    await sealLegacyAuthState(rawStore, config.secret, log);
    // Cluster mode: writes about a session carry this instance's lease epoch (stale ones are
    // refused), and the engine runs only sessions whose lease it holds.
    ownership = config.redisUrl ? await openCluster(config, sealed, systemClock, log) : null;
    const store = ownership ? fencedStore(sealed, ownership) : sealed;
    const printedApiKey = await bootstrapKeys(config, store, systemClock.now(), log);
    const localEngine = await createEngine(config, store, log);
    const engine = ownership ? new LeasedEngine(localEngine, ownership) : localEngine;
    // Webhook deliveries: the worker looks at the outbox right after any commit that put events in it.
    const worker = (webhookWorker = new WebhookWorker({ store, clock: systemClock, logger: log, secret: config.secret, config: config.webhooks ?? DEFAULT_WEBHOOK_CONFIG }));
    const wake = () => worker.wake();
    // The app and the cluster see the store that wakes the worker after a commit with events.
    const deps = { config, store: withWebhookWakeups(store, wake), engine, clock: systemClock, logger: log };
    // Cluster mode's other half: widget actions and session calls reach the owner, events reach
    // every instance's streams, and the creation limit is counted in Redis.
    cluster = ownership
      ? await startCluster(deps, { redisUrl: config.redisUrl!, ownership, namespace: ownership.keyPrefix.replace(/:$/, '') })
      : null;
    const redis = cluster?.redis;
    const app = createApp({
      ...deps,
      ownership: ownership ?? undefined,
      webhookPublished: wake,
      ...(cluster && {
        engine: cluster.linking.engine,
        linking: cluster.linking,
        limits: { widgetSessions: { store: cluster.widgetSessionLimitStore } },
        readiness: [{ name: 'redis', check: async () => void (await redis!.ping()) }],
      }),
    });
    const appLinking = (linking = app.locals.linking as Linking);
    logDemoReach(config, engine.virtualPhone !== null, log);
    // The demo page lists the webhooks its own receiver gets: its endpoint is registered now.
    if (config.demo) await registerDemoWebhook(deps, app.locals.webhooks as Webhooks, app.locals.demoWebhooks as DemoWebhookInbox, DEMO_TENANT);
    if (ownership && engine instanceof LeasedEngine) {
      // Not `resume`: which instance reconnects which session is the ownership loop's to decide.
      await ownership.join({ adopt: (key) => appLinking.adopt(key), drop: (key) => engine.drop(key), isRunning: (key) => engine.isRunning(key) });
      log.info({ instance: ownership.instanceId, leaseTtlMs: ownership.leaseTtlMs }, 'cluster mode: joined');
    } else {
      await linking.resume();
    }
    // Expired widget sessions are deleted after their retention (docs/server.md).
    const purge = startWidgetSessionPurge({ store, clock: systemClock, logger: log });
    const webhookPurge = startWebhookEventPurge({ store, clock: systemClock, logger: log });
    // Events committed before a crash (or a stop) are still in the outbox: they go out now.
    worker.start();
    handle = app;
    const running: RunningServer = {
      server,
      config,
      printedApiKey,
      close: async () => {
        // Stop taking requests; hand this instance's sessions over (cluster mode: leave the
        // membership, stop each session, release its lease); then linking (SSE streams, timers),
        // the engine (sockets), Redis, the store.
        purge.stop();
        webhookPurge.stop();
        await Promise.all([purge.firstRun, webhookPurge.firstRun]);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await ownership?.leave();
        await linking?.close();
        await cluster?.close();
        await engine.close();
        await worker.stop();
        await ownership?.close();
        await rawStore.close();
      },
    };
    return running;
  } catch (error) {
    await linking?.close().catch(() => {});
    await webhookWorker?.stop().catch(() => {});
    await cluster?.close().catch(() => {});
    await ownership?.close().catch(() => {});
    if (server.listening) server.close();
    await rawStore.close();
    throw error;
  }
}

/** What a newcomer needs, printed to stdout (not the log): the URL and, once, the key. */
function printBanner(running: RunningServer): void {
  const { config, printedApiKey } = running;
  const lines = [`Titan Connect listening on port ${config.port} (engine: ${config.engine})`];
  if (config.demo) lines.push(`Demo:     ${config.publicUrl}/`);
  lines.push(`API:      ${config.publicUrl}/api/widget/sessions`);
  if (printedApiKey) {
    lines.push('', `API key (tenant "default", scope *), shown only this once:`, `  ${printedApiKey}`);
  } else if (config.bootstrapApiKey) {
    lines.push('API key:  the one in TITAN_BOOTSTRAP_API_KEY');
  } else {
    lines.push('API key:  create one with `pnpm titan keys create --tenant default --scopes "*"`');
  }
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  let running: RunningServer;
  try {
    running = await startServer();
  } catch (error) {
    // One line naming what to fix, not a stack trace.
    if (error instanceof ConfigError) {
      process.stderr.write(`titan-connect: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof StoreOpenError || error instanceof ClusterStartError) {
      process.stderr.write(`titan-connect: ${error.message}\n`);
      process.exit(1);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`titan-connect: PORT: ${process.env.PORT ?? 3000} is already in use\n`);
      process.exit(1);
    }
    throw error;
  }
  printBanner(running);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isEntryPoint) await main();
