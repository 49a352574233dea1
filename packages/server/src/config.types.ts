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
  };
  /** Serve the demo page at `/`. */
  demo: boolean;
  /**
   * TITAN_EMULATOR_URL: the `emulated` engine uses the edge emulator running at this HTTP base
   * (its own process) instead of starting one in this process. Null: in process.
   */
  emulatorUrl?: string | null;
  /**
   * `TITAN_REDIS_URL`: a redis:// (or rediss://) URL turns on cluster mode (several instances on
   * one database). Null or absent: one instance.
   */
  redisUrl?: string | null;
  /**
   * `TITAN_DEMO=public`: the demo and the virtual phone answer every client, not only loopback
   * ones. Absent means false.
   */
  demoPublic?: boolean;
}
