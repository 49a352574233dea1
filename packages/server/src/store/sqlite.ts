import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SessionStatus } from '@titan-connect/protocol';
import { MIGRATIONS } from './migrations.js';
import { SqliteLeases } from './sqlite-leases.js';
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
import { countsByStatus, type Row, toApiKey, toWaSession, toWidgetSession, WA_COLUMNS, WIDGET_COLUMNS } from './sqlite-rows.js';
import { SqliteWebhooks } from './sqlite-webhooks.js';

/**
 * The embedded store: one SQLite file in WAL mode, created 0600 (it holds linked devices'
 * credentials). better-sqlite3 is synchronous, so a write has reached the file when the promise
 * settles; the methods are async only to meet the `Store` contract.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly leases: SqliteLeases;

  constructor(readonly path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
      // SQLite gives its -wal and -shm files the mode of the database file.
      closeSync(openSync(path, 'a', 0o600));
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted and overwritten rows are zeroed in the file, not left in free pages: a secret
    // moved out of the database or a credential sealed in place must not stay readable there.
    this.db.pragma('secure_delete = ON');
    this.migrate();
    this.webhooks = new SqliteWebhooks(this.db, (sql) => this.prepare(sql));
    this.leases = new SqliteLeases(this.db);
  }

  private readonly webhooks: SqliteWebhooks;

  /** Schema version after migrating. */
  get schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const from = this.schemaVersion;
    for (let v = from; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.prepare('SELECT 1').get();
  }

  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Compiled statements, cached by SQL text: compiling costs more than running these small
   * queries, and the SQL of every method is a constant (patch setters build a few variants).
   */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private pending: { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];

  /**
   * Group commit: runs `work` in a transaction shared with every other call made in the same
   * turn of the event loop, and resolves once that transaction has committed, so a caller that
   * answers after awaiting still answers only with its rows in the file. Each `work` runs in its
   * own savepoint: one that throws rolls back alone and rejects alone. Why: a commit appends
   * every page it changed to the WAL (six 4 kB pages for a widget session), and concurrent
   * requests change the same pages; one commit for all of them writes those pages once.
   */
  private transactBatched<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flushBatch());
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flushBatch(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      // Nested better-sqlite3 transactions are savepoints.
      const runOne = this.db.transaction((work: () => unknown) => work());
      this.db.transaction(() => {
        for (const { work } of batch) {
          try {
            outcomes.push({ ok: true, value: runOne(work) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }

  // --- settings ---------------------------------------------------------------------------------
  async getSetting(key: string): Promise<string | null> {
    const row = this.prepare('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined;
    return row ? String(row.value) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  async deleteSetting(key: string): Promise<void> {
    this.prepare('DELETE FROM settings WHERE key = ?').run(key);
  }

  // --- tenants and API keys ---------------------------------------------------------------------
  async ensureTenant(id: string, now = Date.now()): Promise<void> {
    this.insertTenant(id, now);
  }

  private insertTenant(id: string, now: number): void {
    this.prepare('INSERT OR IGNORE INTO tenants (id, created_at) VALUES (?, ?)').run(id, now);
  }

  async listTenants(): Promise<string[]> {
    return (this.prepare('SELECT id FROM tenants ORDER BY id').all() as Row[]).map((r) => String(r.id));
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    this.db.transaction(() => {
      this.insertTenant(key.tenantId, key.createdAt);
      this
        .prepare(
          `INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, label, created_at, last_used_at, revoked_at)
           VALUES (@id, @tenantId, @secretHash, @scopes, @label, @createdAt, @lastUsedAt, @revokedAt)
           ON CONFLICT(id) DO UPDATE SET tenant_id = excluded.tenant_id, secret_hash = excluded.secret_hash,
             scopes = excluded.scopes, label = excluded.label, revoked_at = NULL`,
        )
        .run({ ...key, scopes: key.scopes.join(',') });
    })();
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = this.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return row ? toApiKey(row) : null;
  }

  async listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
    const rows = tenantId
      ? this.prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at').all(tenantId)
      : this.prepare('SELECT * FROM api_keys ORDER BY tenant_id, created_at').all();
    return (rows as Row[]).map(toApiKey);
  }

  async revokeApiKey(id: string, now = Date.now()): Promise<boolean> {
    return this.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  async touchApiKey(id: string, now = Date.now()): Promise<void> {
    this.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, id);
  }

  // --- WhatsApp sessions --------------------------------------------------------------------------
  async getWaSession(tenantId: string, name: string): Promise<WaSessionRecord | null> {
    return this.readWaSession(tenantId, name);
  }

  private readWaSession(tenantId: string, name: string): WaSessionRecord | null {
    const row = this.prepare('SELECT * FROM wa_sessions WHERE tenant_id = ? AND name = ?').get(tenantId, name) as
      | Row
      | undefined;
    return row ? toWaSession(row) : null;
  }

  async listWaSessions(tenantId: string): Promise<WaSessionRecord[]> {
    return (this.prepare('SELECT * FROM wa_sessions WHERE tenant_id = ? ORDER BY created_at').all(tenantId) as Row[]).map(
      toWaSession,
    );
  }

  async listWaSessionsByStatus(status: WaSessionRecord['status']): Promise<WaSessionRecord[]> {
    return (this.prepare('SELECT * FROM wa_sessions WHERE status = ? ORDER BY created_at').all(status) as Row[]).map(
      toWaSession,
    );
  }

  async findCloudApiSession(phoneNumberId: string): Promise<WaSessionRecord | null> {
    // CASE, not AND: json_extract raises on a value that is not JSON, and AND may run it first.
    const row = this.prepare(
      `SELECT * FROM wa_sessions
       WHERE CASE WHEN json_valid(cloud_api) THEN json_extract(cloud_api, '$.phoneNumberId') END = ?
       ORDER BY status = 'CONNECTED' DESC, updated_at DESC LIMIT 1`,
    ).get(phoneNumberId) as Row | undefined;
    return row ? toWaSession(row) : null;
  }

  async countWaSessionsByStatus(): Promise<Record<SessionStatus, number>> {
    const rows = this.prepare('SELECT status, COUNT(*) AS n FROM wa_sessions GROUP BY status').all() as Row[];
    return countsByStatus(rows);
  }

  async ensureWaSession(tenantId: string, name: string, now = Date.now()): Promise<WaSessionRecord> {
    this.insertWaSessionIfAbsent(tenantId, name, now);
    return this.readWaSession(tenantId, name)!;
  }

  /** Inserts a DISCONNECTED session unless one exists; true when it did. */
  private insertWaSessionIfAbsent(tenantId: string, name: string, now: number): boolean {
    this.insertTenant(tenantId, now);
    return (
      this
        .prepare(
          `INSERT OR IGNORE INTO wa_sessions (tenant_id, name, status, status_reason, created_at, updated_at)
           VALUES (?, ?, 'DISCONNECTED', NULL, ?, ?)`,
        )
        .run(tenantId, name, now, now).changes > 0
    );
  }

  async updateWaSession(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null> {
    this.patchWaSession(tenantId, name, patch);
    return this.readWaSession(tenantId, name);
  }

  private patchWaSession(tenantId: string, name: string, patch: WaSessionPatch): void {
    const keys = Object.keys(patch) as (keyof WaSessionPatch)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${WA_COLUMNS[k]} = @${k}`).join(', ');
    this.prepare(`UPDATE wa_sessions SET ${set} WHERE tenant_id = @tenantId AND name = @name`).run({ ...patch, tenantId, name });
  }

  async deleteWaSession(tenantId: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.removeAuthState({ tenantId, sessionName: name });
      return this.prepare('DELETE FROM wa_sessions WHERE tenant_id = ? AND name = ?').run(tenantId, name).changes > 0;
    })();
  }

  // --- widget sessions ----------------------------------------------------------------------------
  /**
   * The route's path: committed together with the other requests of this event-loop turn
   * (`transactBatched`); the promise settles only after the commit. A new name (the usual case)
   * needs no read: the insert says it was new.
   */
  createWidgetSession(ws: WidgetSessionRecord, { generatedName }: { generatedName: boolean }): Promise<CreateWidgetSessionResult> {
    return this.transactBatched((): CreateWidgetSessionResult => {
      const { tenantId, sessionName, createdAt } = ws;
      if (!this.insertWaSessionIfAbsent(tenantId, sessionName, createdAt)) {
        if (generatedName) return 'name-taken';
        if (this.readWaSession(tenantId, sessionName)?.status === 'CONNECTED') return 'already-connected';
      }
      this
        .prepare(
          `INSERT INTO widget_sessions (id, tenant_id, session_name, mode, callback_url, allowed_origins, locale, meta_app,
             created_at, expires_at, phase, link_state, last_event_id)
           VALUES (@id, @tenantId, @sessionName, @mode, @callbackUrl, @allowedOrigins, @locale, @metaApp,
             @createdAt, @expiresAt, 'idle', NULL, 0)`,
        )
        .run({
          id: ws.id,
          tenantId,
          sessionName,
          mode: ws.mode,
          callbackUrl: ws.callbackUrl,
          locale: ws.locale,
          createdAt,
          expiresAt: ws.expiresAt,
          allowedOrigins: JSON.stringify(ws.allowedOrigins),
          metaApp: ws.metaApp ? JSON.stringify(ws.metaApp) : null,
        });
      return 'created';
    });
  }

  async getWidgetSession(id: string): Promise<StoredWidgetSession | null> {
    const row = this.prepare('SELECT * FROM widget_sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toWidgetSession(row) : null;
  }

  private patchWidgetSession(id: string, patch: WidgetSessionPatch): void {
    const keys = Object.keys(patch) as (keyof WidgetSessionPatch)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${WIDGET_COLUMNS[k]} = @${k}`).join(', ');
    this.prepare(`UPDATE widget_sessions SET ${set} WHERE id = @id`).run({ ...patch, id });
  }

  async listLiveWidgetSessions(now: number): Promise<StoredWidgetSession[]> {
    return (
      this
        .prepare(`SELECT * FROM widget_sessions WHERE expires_at > ? AND phase IN ('starting', 'qr', 'pairing') ORDER BY created_at`)
        .all(now) as Row[]
    ).map(toWidgetSession);
  }

  async listWidgetSessionsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]> {
    return (
      this
        .prepare('SELECT * FROM widget_sessions WHERE tenant_id = ? AND session_name = ? ORDER BY created_at DESC')
        .all(tenantId, sessionName) as Row[]
    ).map(toWidgetSession);
  }

  async commitLinkChange(change: LinkChange, fence?: LeaseFence): Promise<void> {
    this.db.transaction(() => {
      this.leases.check(fence);
      if (change.waSession) this.patchWaSession(change.waSession.tenantId, change.waSession.name, change.waSession.patch);
      for (const { id, patch } of change.widgetSessions ?? []) this.patchWidgetSession(id, patch);
      // The transactional outbox: the events commit with the change that caused them, or not at all.
      if (change.webhookEvents?.length) this.webhooks.insertEvents(change.webhookEvents, Date.now());
    })();
  }

  // --- webhooks (sqlite-webhooks.ts) -----------------------------------------------------------------
  async insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
    this.db.transaction(() => {
      this.insertTenant(endpoint.tenantId, endpoint.createdAt);
      this.webhooks.insertEndpoint(endpoint);
    })();
  }

  async getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return this.webhooks.getEndpoint(tenantId, id);
  }

  async listWebhookEndpoints(tenantId?: string): Promise<WebhookEndpointRecord[]> {
    return this.webhooks.listEndpoints(tenantId);
  }

  async updateWebhookEndpoint(tenantId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRecord | null> {
    return this.webhooks.updateEndpoint(tenantId, id, patch);
  }

  async deleteWebhookEndpoint(id: string, tenantId?: string): Promise<boolean> {
    return this.webhooks.deleteEndpoint(id, tenantId);
  }

  async appendWebhookEvents(drafts: readonly WebhookEventDraft[], now: number): Promise<string[]> {
    return this.webhooks.appendEvents(drafts, now);
  }

  async claimWebhookDeliveries(now: number, limit: number, leaseMs: number): Promise<WebhookDeliveryJob[]> {
    return this.webhooks.claim(now, limit, leaseMs);
  }

  async recordWebhookAttempts(results: readonly WebhookAttemptResult[]): Promise<void> {
    this.webhooks.recordAttempts(results);
  }

  async listWebhookDeliveries(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return this.webhooks.listDeliveries(endpointId, limit);
  }

  async listWebhookAttempts(endpointId: string, eventId: string): Promise<WebhookAttemptRecord[]> {
    return this.webhooks.listAttempts(endpointId, eventId);
  }

  async retryWebhookDelivery(endpointId: string, eventId: string, now: number): Promise<boolean> {
    return this.webhooks.retry(endpointId, eventId, now);
  }

  async purgeWebhookEvents(before: number): Promise<number> {
    return this.webhooks.purgeEvents(before);
  }

  // --- abuse limits and retention -----------------------------------------------------------------
  async takeRateLimit(buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult> {
    return this.db.transaction((): RateLimitResult => {
      this.prepare('DELETE FROM rate_limits WHERE expires_at <= ?').run(now);
      for (const { key, limit, windowMs } of buckets) {
        const hits = this.prepare('SELECT at FROM rate_limits WHERE bucket = ? AND at > ? ORDER BY at').all(key, now - windowMs) as Row[];
        if (hits.length >= limit) {
          // The window frees a slot when the oldest hit that still counts leaves it.
          const oldest = Number(hits[hits.length - limit]!.at);
          return { allowed: false, key, retryAfterMs: Math.max(1, oldest + windowMs - now) };
        }
      }
      const insert = this.prepare('INSERT INTO rate_limits (bucket, at, expires_at) VALUES (?, ?, ?)');
      for (const { key, windowMs } of buckets) insert.run(key, now, now + windowMs);
      return { allowed: true };
    })();
  }

  async purgeWidgetSessions(before: number): Promise<number> {
    return this.prepare('DELETE FROM widget_sessions WHERE expires_at < ?').run(before).changes;
  }

  // --- Baileys auth state (creds + signal keys, BufferJSON text) --------------------------------
  async readCreds(key: AuthStateKey): Promise<string | null> {
    const row = this
      .prepare('SELECT creds FROM wa_auth_creds WHERE tenant_id = ? AND session_name = ?')
      .get(key.tenantId, key.sessionName) as Row | undefined;
    return row ? String(row.creds) : null;
  }

  async writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): Promise<void> {
    this.db.transaction(() => {
      this.leases.check(fence);
      this
        .prepare(
          `INSERT INTO wa_auth_creds (tenant_id, session_name, creds) VALUES (?, ?, ?)
           ON CONFLICT(tenant_id, session_name) DO UPDATE SET creds = excluded.creds`,
        )
        .run(key.tenantId, key.sessionName, creds);
    })();
  }

  async readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const stmt = this.prepare('SELECT value FROM wa_auth_keys WHERE tenant_id = ? AND session_name = ? AND type = ? AND id = ?');
    for (const id of ids) {
      const row = stmt.get(key.tenantId, key.sessionName, type, id) as Row | undefined;
      if (row) found.set(id, String(row.value));
    }
    return found;
  }

  async writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): Promise<void> {
    const upsert = this.prepare(
      `INSERT INTO wa_auth_keys (tenant_id, session_name, type, id, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(tenant_id, session_name, type, id) DO UPDATE SET value = excluded.value`,
    );
    const remove = this.prepare('DELETE FROM wa_auth_keys WHERE tenant_id = ? AND session_name = ? AND type = ? AND id = ?');
    this.db.transaction(() => {
      this.leases.check(fence);
      for (const e of entries) {
        if (e.value === null) remove.run(key.tenantId, key.sessionName, e.type, e.id);
        else upsert.run(key.tenantId, key.sessionName, e.type, e.id, e.value);
      }
    })();
  }

  async hasAuthState(key: AuthStateKey): Promise<boolean> {
    return (await this.readCreds(key)) !== null;
  }

  async deleteAuthState(key: AuthStateKey, fence?: LeaseFence): Promise<void> {
    this.db.transaction(() => (this.leases.check(fence), this.removeAuthState(key)))();
  }

  // --- cluster mode's session leases (sqlite-leases.ts) ---------------------------------------------
  async acquireLease(key: AuthStateKey, owner: string, ttlMs: number, now: number): Promise<{ epoch: number } | null> {
    return this.leases.acquire(key, owner, ttlMs, now);
  }

  async renewLeases(owner: string, now: number, ttlMs: number): Promise<SessionLease[]> {
    return this.leases.renew(owner, now, ttlMs);
  }

  async releaseLease(key: AuthStateKey, owner: string): Promise<boolean> {
    return this.leases.release(key, owner);
  }

  async getLease(key: AuthStateKey): Promise<SessionLease | null> {
    return this.leases.get(key);
  }

  async listLeases(): Promise<SessionLease[]> {
    return this.leases.list();
  }

  async rewriteAuthState(transform: (value: string) => string | null): Promise<number> {
    const changed = this.db.transaction(() => {
      let count = 0;
      const creds = this.prepare('SELECT tenant_id, session_name, creds FROM wa_auth_creds').all() as Row[];
      const setCreds = this.prepare('UPDATE wa_auth_creds SET creds = ? WHERE tenant_id = ? AND session_name = ?');
      for (const row of creds) {
        const next = transform(String(row.creds));
        if (next !== null) count += setCreds.run(next, row.tenant_id, row.session_name).changes;
      }
      const keys = this.prepare('SELECT tenant_id, session_name, type, id, value FROM wa_auth_keys').all() as Row[];
      const setKey = this.prepare('UPDATE wa_auth_keys SET value = ? WHERE tenant_id = ? AND session_name = ? AND type = ? AND id = ?');
      for (const row of keys) {
        const next = transform(String(row.value));
        if (next !== null) count += setKey.run(next, row.tenant_id, row.session_name, row.type, row.id).changes;
      }
      return count;
    })();
    // The old values' pages sit in the WAL until a checkpoint copies the new ones over them;
    // TRUNCATE also empties the WAL file itself.
    if (changed > 0 && this.path !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
    return changed;
  }

  private removeAuthState(key: AuthStateKey): void {
    this.db.transaction(() => {
      this.prepare('DELETE FROM wa_auth_creds WHERE tenant_id = ? AND session_name = ?').run(key.tenantId, key.sessionName);
      this.prepare('DELETE FROM wa_auth_keys WHERE tenant_id = ? AND session_name = ?').run(key.tenantId, key.sessionName);
    })();
  }
}
