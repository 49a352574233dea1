export type EngineKind = 'baileys' | 'emulated' | 'simulator';

/** Runtime configuration, read from the environment by `loadConfig` (DESIGN.md's table). */
export interface AppConfig {
  port: number;
  /** Base of every `widgetUrl`, without a trailing slash. */
  publicUrl: string;
  /** SQLite file (used when `databaseUrl` is null). */
  dbPath: string;
  /** `TITAN_DATABASE_URL`: a `postgres://` URL selects the Postgres store. */
  databaseUrl: string | null;
  /** HMAC key for widget tokens and key material for secrets at rest (resolved: env or the store). */
  secret: string;
  engine: EngineKind;
  /** Simulator time scale: 2 makes QR rotation twice as fast. */
  simSpeed: number;
  bootstrapApiKey: string | null;
  meta: {
    appId: string | null;
    configId: string | null;
    appSecret: string | null;
    graphUrl: string;
    graphVersion: string;
    sdkUrl: string;
    /**
     * `META_VERIFY_TOKEN`: what Meta must send as `hub.verify_token` when it checks the callback
     * URL `<PUBLIC_URL>/webhooks/meta`. Null or absent: the check is refused (Cloud API inbound off).
     */
    verifyToken?: string | null;
  };
  /** Serve the demo page at `/`. */
  demo: boolean;
  /**
   * TITAN_EMULATOR_URL: the `emulated` engine uses the edge emulator running at this HTTP base
   * (its own process) instead of starting one in this process. Null: in process.
   */
  emulatorUrl?: string | null;
  /** `TITAN_WIDGET_SESSIONS_PER_MINUTE`: widget sessions one API key may create per minute (default 120). */
  widgetSessionsPerMinute?: number;
  /**
   * `TITAN_LINK_CONCURRENCY`: how many WhatsApp sockets may be coming up at once (handshake to QR
   * or login); the rest queue, logins first (whatsapp/baileys/admission.ts). Absent: no limit.
   */
  linkConcurrency?: number;
  /**
   * `TITAN_ENGINE_THREADS`: how many worker threads run the WhatsApp sockets (baileys and
   * emulated engines), so a burst of links never blocks the API; 0 runs them on the main thread.
   * Absent: `defaultEngineThreads()`.
   */
  engineThreads?: number;
  /** `TITAN_REDIS_URL`: cluster mode (needs Postgres). Null or absent: one instance. */
  redisUrl?: string | null;
  /** `TITAN_INSTANCE_ID` (default hostname-pid): this instance in leases, logs and `/api/cluster`. */
  instanceId?: string;
  /** Cluster mode's lease on a session: held this long unless renewed (every third of it). */
  leaseTtlMs?: number;
  /** `TITAN_REDIS_PREFIX`: Redis keys are `titan:<prefix>:…`, so clusters (or tests) can share one Redis. */
  redisPrefix?: string;
  /**
   * `TITAN_DEMO=public`: the demo and the virtual phone answer every client, not only loopback
   * ones. Absent means false.
   */
  demoPublic?: boolean;
  /** Webhook delivery (TITAN_WEBHOOK_*); absent means the defaults (`DEFAULT_WEBHOOK_CONFIG`). */
  webhooks?: WebhookConfig;
  /**
   * `TITAN_METRICS_TOKEN`: `/metrics` then answers any client presenting it as a Bearer token
   * (and only those). Null or absent: loopback clients only, no token.
   */
  metricsToken?: string | null;
  /**
   * `TITAN_TRUST_PROXY`: the proxies whose `X-Forwarded-For`/`-Proto` are believed (Express'
   * `trust proxy` list: `loopback`, `linklocal`, `uniquelocal`, addresses, CIDRs). Absent: loopback.
   */
  trustProxy?: string[];
}

export interface WebhookConfig {
  /** TITAN_WEBHOOK_ALLOW_PRIVATE: endpoints on loopback/private addresses and plain http (dev and tests). */
  allowPrivate: boolean;
  /** TITAN_WEBHOOK_RETRY_SCHEDULE: seconds to wait before each retry after the first attempt. */
  retrySchedule: number[];
}
