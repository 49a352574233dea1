import pg from 'pg';
import type { SessionStatus } from '@titan-connect/protocol';
import { PostgresAuthState } from './postgres-auth-state.js';
import { PostgresLeases } from './postgres-leases.js';
import { migratePostgres } from './postgres-migrations.js';
import { takePostgresRateLimit } from './postgres-rate-limits.js';
import { rows, type Transaction } from './postgres-rows.js';
import { PostgresSessions } from './postgres-sessions.js';
import { PostgresTenants } from './postgres-tenants.js';
import type {
  ApiKeyRecord,
  AuthStateKey,
  CreateWidgetSessionResult,
  LeaseFence,
  LinkChange,
  RateLimitBucket,
  RateLimitResult,
  SessionLease,
  Store,
  StoredWidgetSession,
  WaSessionPatch,
  WaSessionRecord,
  WebhookAttemptRecord,
  WebhookAttemptResult,
  WebhookDeliveryJob,
  WebhookDeliveryRecord,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookEventDraft,
  WidgetSessionRecord,
} from './types.js';
import { PostgresWebhooks } from './postgres-webhooks.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (node-postgres' default is 10). */
  max?: number;
}

/**
 * The networked store (`TITAN_DATABASE_URL`): a `pg.Pool`, parameterised queries only, the schema
 * of postgres-migrations.ts brought up to date by `open` before the first query. Several server
 * instances may share one database.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /** Linking changes run one after another, in call order (see `commitLinkChange`). */
  private linkQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly webhooks: PostgresWebhooks;
  private readonly leases: PostgresLeases;
  private readonly tenants: PostgresTenants;
  private readonly sessions: PostgresSessions;
  private readonly authState: PostgresAuthState;

  private constructor(
    private readonly pool: pg.Pool,
    /** Versions this instance's start applied (the migration test counts them). */
    readonly appliedMigrations: readonly number[],
  ) {
    const transaction: Transaction = (work) => this.transaction(work);
    this.webhooks = new PostgresWebhooks(pool, transaction);
    this.leases = new PostgresLeases(pool);
    this.tenants = new PostgresTenants(pool, transaction);
    this.sessions = new PostgresSessions(pool, this.tenants);
    this.authState = new PostgresAuthState(pool, transaction, this.leases);
  }

  /** Connects, migrates (under the advisory lock), and returns the store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
    // An idle client whose connection drops emits 'error' on the pool; unhandled, that would end
    // the process. The pool has already discarded the client; the next query opens a new one.
    pool.on('error', () => {});
    try {
      return new PostgresStore(pool, await migratePostgres(pool));
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.linkQueue;
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Runs `work` on one client between BEGIN and COMMIT; any error rolls it all back. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  // --- settings ---------------------------------------------------------------------------------
  async getSetting(key: string): Promise<string | null> {
    const [row] = await rows(this.pool, 'SELECT value FROM settings WHERE key = $1', [key]);
    return row ? String(row.value) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async deleteSetting(key: string): Promise<void> {
    await this.pool.query('DELETE FROM settings WHERE key = $1', [key]);
  }

  // --- abuse limits (postgres-rate-limits.ts) and retention -------------------------------------------
  takeRateLimit(buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult> {
    return takePostgresRateLimit((work) => this.transaction(work), buckets, now);
  }

  purgeWidgetSessions(before: number): Promise<number> {
    return this.sessions.purgeWidgets(before);
  }

  // --- tenants and API keys (postgres-tenants.ts) -----------------------------------------------
  async ensureTenant(id: string, now = Date.now()): Promise<void> {
    await this.tenants.insert(id, now);
  }

  listTenants(): Promise<string[]> {
    return this.tenants.list();
  }

  insertApiKey(key: ApiKeyRecord): Promise<void> {
    return this.tenants.insertApiKey(key);
  }

  getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return this.tenants.getApiKey(id);
  }

  listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
    return this.tenants.listApiKeys(tenantId);
  }

  revokeApiKey(id: string, now = Date.now()): Promise<boolean> {
    return this.tenants.revokeApiKey(id, now);
  }

  touchApiKey(id: string, now = Date.now()): Promise<void> {
    return this.tenants.touchApiKey(id, now);
  }

  // --- WhatsApp sessions (postgres-sessions.ts) ---------------------------------------------------
  getWaSession(tenantId: string, name: string): Promise<WaSessionRecord | null> {
    return this.sessions.getWa(tenantId, name);
  }

  listWaSessions(tenantId: string): Promise<WaSessionRecord[]> {
    return this.sessions.listWa(tenantId);
  }

  listWaSessionsByStatus(status: WaSessionRecord['status']): Promise<WaSessionRecord[]> {
    return this.sessions.listWaByStatus(status);
  }

  findCloudApiSession(phoneNumberId: string): Promise<WaSessionRecord | null> {
    return this.sessions.findCloudApi(phoneNumberId);
  }

  countWaSessionsByStatus(): Promise<Record<SessionStatus, number>> {
    return this.sessions.countWaByStatus();
  }

  async ensureWaSession(tenantId: string, name: string, now = Date.now()): Promise<WaSessionRecord> {
    await this.sessions.insertWaIfAbsent(tenantId, name, now);
    return (await this.sessions.getWa(tenantId, name))!;
  }

  updateWaSession(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null> {
    return this.sessions.updateWa(tenantId, name, patch);
  }

  deleteWaSession(tenantId: string, name: string): Promise<boolean> {
    return this.transaction(async (client) => {
      await this.authState.remove({ tenantId, sessionName: name }, client);
      return this.sessions.deleteWa(tenantId, name, client);
    });
  }

  // --- widget sessions (postgres-sessions.ts) -----------------------------------------------------
  /**
   * One statement, or when that cannot decide (a row committed by a concurrent creation of the
   * name), one transaction (see `PostgresSessions.createWidgetAtOnce` and `createWidget`).
   */
  async createWidgetSession(ws: WidgetSessionRecord, { generatedName }: { generatedName: boolean }): Promise<CreateWidgetSessionResult> {
    const decided = await this.sessions.createWidgetAtOnce(ws, generatedName);
    return decided ?? this.transaction((client) => this.sessions.createWidget(ws, generatedName, client));
  }

  getWidgetSession(id: string): Promise<StoredWidgetSession | null> {
    return this.sessions.getWidget(id);
  }

  listLiveWidgetSessions(now: number): Promise<StoredWidgetSession[]> {
    return this.sessions.listLiveWidgets(now);
  }

  listWidgetSessionsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]> {
    return this.sessions.listWidgetsFor(tenantId, sessionName);
  }

  /**
   * Pool clients run queries concurrently, so two changes sent at once could commit in either
   * order and an older status could win. A queue makes each change start after the previous one
   * has committed (or failed): the order of the calls is the order of the commits.
   */
  commitLinkChange(change: LinkChange, fence?: LeaseFence): Promise<void> {
    const run = this.linkQueue.then(() =>
      this.transaction(async (client) => {
        await this.leases.check(fence, client);
        if (change.waSession) await this.sessions.patchWa(change.waSession.tenantId, change.waSession.name, change.waSession.patch, client);
        for (const { id, patch } of change.widgetSessions ?? []) await this.sessions.patchWidget(id, patch, client);
        // The transactional outbox: the events commit with the change that caused them, or not at all.
        if (change.webhookEvents?.length) await this.webhooks.insertEvents(change.webhookEvents, Date.now(), client);
      }),
    );
    this.linkQueue = run.catch(() => {});
    return run;
  }

  // --- webhooks (postgres-webhooks.ts) ---------------------------------------------------------------
  async insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.transaction(async (client) => {
      await this.tenants.insert(endpoint.tenantId, endpoint.createdAt, client);
      await this.webhooks.insertEndpoint(endpoint, client);
    });
  }

  getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return this.webhooks.getEndpoint(tenantId, id);
  }

  listWebhookEndpoints(tenantId?: string): Promise<WebhookEndpointRecord[]> {
    return this.webhooks.listEndpoints(tenantId);
  }

  updateWebhookEndpoint(tenantId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRecord | null> {
    return this.webhooks.updateEndpoint(tenantId, id, patch);
  }

  deleteWebhookEndpoint(id: string, tenantId?: string): Promise<boolean> {
    return this.webhooks.deleteEndpoint(id, tenantId);
  }

  appendWebhookEvents(drafts: readonly WebhookEventDraft[], now: number): Promise<string[]> {
    return this.webhooks.appendEvents(drafts, now);
  }

  claimWebhookDeliveries(now: number, limit: number, leaseMs: number): Promise<WebhookDeliveryJob[]> {
    return this.webhooks.claim(now, limit, leaseMs);
  }

  recordWebhookAttempts(results: readonly WebhookAttemptResult[]): Promise<void> {
    return this.webhooks.recordAttempts(results);
  }

  listWebhookDeliveries(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return this.webhooks.listDeliveries(endpointId, limit);
  }

  listWebhookAttempts(endpointId: string, eventId: string): Promise<WebhookAttemptRecord[]> {
    return this.webhooks.listAttempts(endpointId, eventId);
  }

  retryWebhookDelivery(endpointId: string, eventId: string, now: number): Promise<boolean> {
    return this.webhooks.retry(endpointId, eventId, now);
  }

  purgeWebhookEvents(before: number): Promise<number> {
    return this.webhooks.purgeEvents(before);
  }

  // --- Baileys auth state (postgres-auth-state.ts) --------------------------------------------------
  readCreds(key: AuthStateKey): Promise<string | null> {
    return this.authState.readCreds(key);
  }

  writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): Promise<void> {
    return this.authState.writeCreds(key, creds, fence);
  }

  readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Promise<Map<string, string>> {
    return this.authState.readKeys(key, type, ids);
  }

  writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): Promise<void> {
    return this.authState.writeKeys(key, entries, fence);
  }

  async hasAuthState(key: AuthStateKey): Promise<boolean> {
    return (await this.readCreds(key)) !== null;
  }

  deleteAuthState(key: AuthStateKey, fence?: LeaseFence): Promise<void> {
    return this.authState.delete(key, fence);
  }

  rewriteAuthState(transform: (value: string) => string | null): Promise<number> {
    return this.authState.rewrite(transform);
  }

  // --- cluster mode's session leases (postgres-leases.ts) -------------------------------------------
  acquireLease(key: AuthStateKey, owner: string, ttlMs: number, now: number): Promise<{ epoch: number } | null> {
    return this.leases.acquire(key, owner, ttlMs, now);
  }

  renewLeases(owner: string, now: number, ttlMs: number): Promise<SessionLease[]> {
    return this.leases.renew(owner, now, ttlMs);
  }

  releaseLease(key: AuthStateKey, owner: string): Promise<boolean> {
    return this.leases.release(key, owner);
  }

  getLease(key: AuthStateKey): Promise<SessionLease | null> {
    return this.leases.get(key);
  }

  listLeases(): Promise<SessionLease[]> {
    return this.leases.list();
  }
}
