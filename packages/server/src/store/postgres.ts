import pg from 'pg';
import type { SessionStatus } from '@titan-connect/protocol';
import { PostgresLeases } from './postgres-leases.js';
import { migratePostgres } from './postgres-migrations.js';
import { lastWriteWins, setClause } from './postgres-rows.js';
import { countsByStatus, type Row, toApiKey, toWaSession, toWidgetSession, WA_COLUMNS, WIDGET_COLUMNS } from './sqlite-rows.js';
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
  WidgetSessionPatch,
  WidgetSessionRecord,
} from './types.js';
import { PostgresWebhooks } from './postgres-webhooks.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

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

  private constructor(
    private readonly pool: pg.Pool,
    /** Versions this instance's start applied (the migration test counts them). */
    readonly appliedMigrations: readonly number[],
  ) {
    this.webhooks = new PostgresWebhooks(pool, (work) => this.transaction(work));
    this.leases = new PostgresLeases(pool);
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

  private async rows(sql: string, values: unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    return (await on.query(sql, values)).rows as Row[];
  }

  private async changed(sql: string, values: unknown[], on: Queryable = this.pool): Promise<number> {
    return (await on.query(sql, values)).rowCount ?? 0;
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
    const [row] = await this.rows('SELECT value FROM settings WHERE key = $1', [key]);
    return row ? String(row.value) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async deleteSetting(key: string): Promise<void> {
    await this.pool.query('DELETE FROM settings WHERE key = $1', [key]);
  }

  // --- abuse limits and retention -------------------------------------------------------------------
  async takeRateLimit(buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult> {
    return this.transaction(async (client) => {
      // Instances checking the same bucket at once take turns (sorted: no lock-order deadlock).
      for (const key of [...new Set(buckets.map((b) => b.key))].sort()) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      await client.query('DELETE FROM rate_limits WHERE expires_at <= $1', [now]);
      for (const { key, limit, windowMs } of buckets) {
        const hits = await this.rows('SELECT at FROM rate_limits WHERE bucket = $1 AND at > $2 ORDER BY at', [key, now - windowMs], client);
        if (hits.length >= limit) {
          // The window frees a slot when the oldest hit that still counts leaves it.
          const oldest = Number(hits[hits.length - limit]!.at);
          return { allowed: false, key, retryAfterMs: Math.max(1, oldest + windowMs - now) } as const;
        }
      }
      for (const { key, windowMs } of buckets) await client.query('INSERT INTO rate_limits (bucket, at, expires_at) VALUES ($1, $2, $3)', [key, now, now + windowMs]);
      return { allowed: true } as const;
    });
  }

  async purgeWidgetSessions(before: number): Promise<number> {
    return this.changed('DELETE FROM widget_sessions WHERE expires_at < $1', [before]);
  }

  // --- tenants and API keys ---------------------------------------------------------------------
  async ensureTenant(id: string, now = Date.now()): Promise<void> {
    await this.insertTenant(id, now);
  }

  private async insertTenant(id: string, now: number, on: Queryable = this.pool): Promise<void> {
    await on.query('INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, now]);
  }

  async listTenants(): Promise<string[]> {
    return (await this.rows('SELECT id FROM tenants ORDER BY id')).map((r) => String(r.id));
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.transaction(async (client) => {
      await this.insertTenant(key.tenantId, key.createdAt, client);
      await client.query(
        `INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, label, created_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, secret_hash = excluded.secret_hash,
           scopes = excluded.scopes, label = excluded.label, revoked_at = NULL`,
        [key.id, key.tenantId, key.secretHash, key.scopes.join(','), key.label, key.createdAt, key.lastUsedAt, key.revokedAt],
      );
    });
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.rows('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row ? toApiKey(row) : null;
  }

  async listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
    const rows = tenantId
      ? await this.rows('SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at', [tenantId])
      : await this.rows('SELECT * FROM api_keys ORDER BY tenant_id, created_at');
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, now = Date.now()): Promise<boolean> {
    return (await this.changed('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id])) > 0;
  }

  async touchApiKey(id: string, now = Date.now()): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [now, id]);
  }

  // --- WhatsApp sessions --------------------------------------------------------------------------
  async getWaSession(tenantId: string, name: string): Promise<WaSessionRecord | null> {
    const [row] = await this.rows('SELECT * FROM wa_sessions WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return row ? toWaSession(row) : null;
  }

  async listWaSessions(tenantId: string): Promise<WaSessionRecord[]> {
    return (await this.rows('SELECT * FROM wa_sessions WHERE tenant_id = $1 ORDER BY created_at', [tenantId])).map(toWaSession);
  }

  async listWaSessionsByStatus(status: WaSessionRecord['status']): Promise<WaSessionRecord[]> {
    return (await this.rows('SELECT * FROM wa_sessions WHERE status = $1 ORDER BY created_at', [status])).map(toWaSession);
  }

  async findCloudApiSession(phoneNumberId: string): Promise<WaSessionRecord | null> {
    // `cloud_api` is TEXT holding JSON.stringify output; CASE keeps the cast away from anything
    // else (a value sealed at rest one day), which would make the cast raise for the whole query.
    const [row] = await this.rows(
      `SELECT * FROM wa_sessions
       WHERE CASE WHEN cloud_api LIKE '{%}' THEN cloud_api::jsonb ->> 'phoneNumberId' END = $1
       ORDER BY status = 'CONNECTED' DESC, updated_at DESC LIMIT 1`,
      [phoneNumberId],
    );
    return row ? toWaSession(row) : null;
  }

  async countWaSessionsByStatus(): Promise<Record<SessionStatus, number>> {
    return countsByStatus(await this.rows('SELECT status, COUNT(*) AS n FROM wa_sessions GROUP BY status'));
  }

  async ensureWaSession(tenantId: string, name: string, now = Date.now()): Promise<WaSessionRecord> {
    await this.insertWaSessionIfAbsent(tenantId, name, now);
    return (await this.getWaSession(tenantId, name))!;
  }

  /** Inserts a DISCONNECTED session unless one exists; true when it did. */
  private async insertWaSessionIfAbsent(tenantId: string, name: string, now: number, on: Queryable = this.pool): Promise<boolean> {
    await this.insertTenant(tenantId, now, on);
    const inserted = await this.changed(
      `INSERT INTO wa_sessions (tenant_id, name, status, status_reason, created_at, updated_at)
       VALUES ($1, $2, 'DISCONNECTED', NULL, $3, $3) ON CONFLICT DO NOTHING`,
      [tenantId, name, now],
      on,
    );
    return inserted > 0;
  }

  async updateWaSession(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null> {
    const { set, values } = setClause(WA_COLUMNS, patch, 3);
    if (!set) return this.getWaSession(tenantId, name);
    const [row] = await this.rows(`UPDATE wa_sessions SET ${set} WHERE tenant_id = $1 AND name = $2 RETURNING *`, [tenantId, name, ...values]);
    return row ? toWaSession(row) : null;
  }

  private async patchWaSession(tenantId: string, name: string, patch: WaSessionPatch, on: Queryable): Promise<void> {
    const { set, values } = setClause(WA_COLUMNS, patch, 3);
    if (set) await on.query(`UPDATE wa_sessions SET ${set} WHERE tenant_id = $1 AND name = $2`, [tenantId, name, ...values]);
  }

  async deleteWaSession(tenantId: string, name: string): Promise<boolean> {
    return this.transaction(async (client) => {
      await this.removeAuthState({ tenantId, sessionName: name }, client);
      return (await this.changed('DELETE FROM wa_sessions WHERE tenant_id = $1 AND name = $2', [tenantId, name], client)) > 0;
    });
  }

  // --- widget sessions ----------------------------------------------------------------------------
  /**
   * One transaction. Concurrent creations of one new name: the second INSERT … ON CONFLICT waits
   * on the first one's uncommitted row, then does nothing, so exactly one is 'created'. The
   * CONNECTED check reads the row FOR SHARE: a status change waits until this commits.
   */
  createWidgetSession(ws: WidgetSessionRecord, { generatedName }: { generatedName: boolean }): Promise<CreateWidgetSessionResult> {
    return this.transaction(async (client): Promise<CreateWidgetSessionResult> => {
      const { tenantId, sessionName, createdAt } = ws;
      if (!(await this.insertWaSessionIfAbsent(tenantId, sessionName, createdAt, client))) {
        if (generatedName) return 'name-taken';
        const [row] = await this.rows('SELECT status FROM wa_sessions WHERE tenant_id = $1 AND name = $2 FOR SHARE', [tenantId, sessionName], client);
        if (row?.status === 'CONNECTED') return 'already-connected';
      }
      await client.query(
        `INSERT INTO widget_sessions (id, tenant_id, session_name, mode, callback_url, allowed_origins, locale, meta_app,
           created_at, expires_at, phase, link_state, last_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'idle', NULL, 0)`,
        [
          ws.id,
          tenantId,
          sessionName,
          ws.mode,
          ws.callbackUrl,
          JSON.stringify(ws.allowedOrigins),
          ws.locale,
          ws.metaApp ? JSON.stringify(ws.metaApp) : null,
          createdAt,
          ws.expiresAt,
        ],
      );
      return 'created';
    });
  }

  async getWidgetSession(id: string): Promise<StoredWidgetSession | null> {
    const [row] = await this.rows('SELECT * FROM widget_sessions WHERE id = $1', [id]);
    return row ? toWidgetSession(row) : null;
  }

  async listLiveWidgetSessions(now: number): Promise<StoredWidgetSession[]> {
    const rows = await this.rows(
      `SELECT * FROM widget_sessions WHERE expires_at > $1 AND phase IN ('starting', 'qr', 'pairing') ORDER BY created_at`,
      [now],
    );
    return rows.map(toWidgetSession);
  }

  async listWidgetSessionsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]> {
    const rows = await this.rows('SELECT * FROM widget_sessions WHERE tenant_id = $1 AND session_name = $2 ORDER BY created_at DESC', [
      tenantId,
      sessionName,
    ]);
    return rows.map(toWidgetSession);
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
        if (change.waSession) await this.patchWaSession(change.waSession.tenantId, change.waSession.name, change.waSession.patch, client);
        for (const { id, patch } of change.widgetSessions ?? []) await this.patchWidgetSession(id, patch, client);
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
      await this.insertTenant(endpoint.tenantId, endpoint.createdAt, client);
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

  private async patchWidgetSession(id: string, patch: WidgetSessionPatch, on: Queryable): Promise<void> {
    const { set, values } = setClause(WIDGET_COLUMNS, patch, 2);
    if (set) await on.query(`UPDATE widget_sessions SET ${set} WHERE id = $1`, [id, ...values]);
  }

  // --- Baileys auth state (creds + signal keys, BufferJSON text) --------------------------------
  async readCreds(key: AuthStateKey): Promise<string | null> {
    const [row] = await this.rows('SELECT creds FROM wa_auth_creds WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
    return row ? String(row.creds) : null;
  }

  async writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): Promise<void> {
    const write = (on: Queryable) =>
      on.query(
        `INSERT INTO wa_auth_creds (tenant_id, session_name, creds) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, session_name) DO UPDATE SET creds = excluded.creds`,
        [key.tenantId, key.sessionName, creds],
      );
    // Unfenced, one statement needs no transaction; fenced, the check and the write share one.
    if (!fence) await write(this.pool);
    else await this.transaction(async (client) => (await this.leases.check(fence, client), write(client)));
  }

  /** One round trip for the whole batch of ids Baileys asks for. */
  async readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (ids.length === 0) return found;
    const rows = await this.rows('SELECT id, value FROM wa_auth_keys WHERE tenant_id = $1 AND session_name = $2 AND type = $3 AND id = ANY($4::text[])', [
      key.tenantId,
      key.sessionName,
      type,
      ids,
    ]);
    for (const row of rows) found.set(String(row.id), String(row.value));
    return found;
  }

  /**
   * One transaction, two statements whatever the batch size (Baileys writes hundreds of
   * pre-keys at once): the deletions, then every upsert as one multi-row INSERT from arrays.
   * A value that is neither text nor null fails the NOT NULL column and rolls back the batch.
   */
  async writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): Promise<void> {
    const effective = lastWriteWins(entries);
    const removals = effective.filter((e) => e.value === null);
    const upserts = effective.filter((e) => e.value !== null);
    await this.transaction(async (client) => {
      await this.leases.check(fence, client);
      if (removals.length > 0) {
        await client.query(
          `DELETE FROM wa_auth_keys k USING unnest($3::text[], $4::text[]) AS r(type, id)
           WHERE k.tenant_id = $1 AND k.session_name = $2 AND k.type = r.type AND k.id = r.id`,
          [key.tenantId, key.sessionName, removals.map((e) => e.type), removals.map((e) => e.id)],
        );
      }
      if (upserts.length > 0) {
        await client.query(
          `INSERT INTO wa_auth_keys (tenant_id, session_name, type, id, value)
           SELECT $1, $2, u.type, u.id, u.value FROM unnest($3::text[], $4::text[], $5::text[]) AS u(type, id, value)
           ON CONFLICT (tenant_id, session_name, type, id) DO UPDATE SET value = excluded.value`,
          [key.tenantId, key.sessionName, upserts.map((e) => e.type), upserts.map((e) => e.id), upserts.map((e) => e.value ?? null)],
        );
      }
    });
  }

  async hasAuthState(key: AuthStateKey): Promise<boolean> {
    return (await this.readCreds(key)) !== null;
  }

  async deleteAuthState(key: AuthStateKey, fence?: LeaseFence): Promise<void> {
    await this.transaction(async (client) => (await this.leases.check(fence, client), this.removeAuthState(key, client)));
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

  async rewriteAuthState(transform: (value: string) => string | null): Promise<number> {
    // Postgres keeps no old row versions readable to clients (VACUUM reclaims them).
    return this.transaction(async (client) => {
      let count = 0;
      for (const row of await this.rows('SELECT tenant_id, session_name, creds FROM wa_auth_creds FOR UPDATE', [], client)) {
        const next = transform(String(row.creds));
        if (next !== null) count += await this.changed('UPDATE wa_auth_creds SET creds = $1 WHERE tenant_id = $2 AND session_name = $3', [next, row.tenant_id, row.session_name], client);
      }
      for (const row of await this.rows('SELECT tenant_id, session_name, type, id, value FROM wa_auth_keys FOR UPDATE', [], client)) {
        const next = transform(String(row.value));
        if (next !== null) {
          count += await this.changed('UPDATE wa_auth_keys SET value = $1 WHERE tenant_id = $2 AND session_name = $3 AND type = $4 AND id = $5', [next, row.tenant_id, row.session_name, row.type, row.id], client);
        }
      }
      return count;
    });
  }

  private async removeAuthState(key: AuthStateKey, on: Queryable): Promise<void> {
    await on.query('DELETE FROM wa_auth_creds WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
    await on.query('DELETE FROM wa_auth_keys WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
  }
}
