import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SessionStatus } from '@titan-connect/protocol';
import { MIGRATIONS } from './migrations.js';
import { SqliteAuthState } from './sqlite-auth-state.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { SqliteLeases } from './sqlite-leases.js';
import { takeSqliteRateLimit } from './sqlite-rate-limits.js';
import { SqliteTenants } from './sqlite-tenants.js';
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
import type { Row } from './sqlite-rows.js';
import { SqliteSessions } from './sqlite-sessions.js';
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
  private readonly webhooks: SqliteWebhooks;
  private readonly tenants: SqliteTenants;
  private readonly sessions: SqliteSessions;
  private readonly authState: SqliteAuthState;
  private readonly groupCommit: SqliteGroupCommit;

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
    const prepare = (sql: string) => this.prepare(sql);
    this.webhooks = new SqliteWebhooks(this.db, prepare);
    this.leases = new SqliteLeases(this.db);
    this.tenants = new SqliteTenants(this.db, prepare);
    this.sessions = new SqliteSessions(prepare, this.tenants);
    this.authState = new SqliteAuthState(this.db, prepare, this.leases);
    this.groupCommit = new SqliteGroupCommit(this.db);
  }

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

  // --- tenants and API keys (sqlite-tenants.ts) ---------------------------------------------------
  async ensureTenant(id: string, now = Date.now()): Promise<void> {
    this.tenants.insert(id, now);
  }

  async listTenants(): Promise<string[]> {
    return this.tenants.list();
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    this.tenants.insertApiKey(key);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return this.tenants.getApiKey(id);
  }

  async listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
    return this.tenants.listApiKeys(tenantId);
  }

  async revokeApiKey(id: string, now = Date.now()): Promise<boolean> {
    return this.tenants.revokeApiKey(id, now);
  }

  async touchApiKey(id: string, now = Date.now()): Promise<void> {
    this.tenants.touchApiKey(id, now);
  }

  // --- WhatsApp sessions (sqlite-sessions.ts) -----------------------------------------------------
  async getWaSession(tenantId: string, name: string): Promise<WaSessionRecord | null> {
    return this.sessions.getWa(tenantId, name);
  }

  async listWaSessions(tenantId: string): Promise<WaSessionRecord[]> {
    return this.sessions.listWa(tenantId);
  }

  async listWaSessionsByStatus(status: WaSessionRecord['status']): Promise<WaSessionRecord[]> {
    return this.sessions.listWaByStatus(status);
  }

  async findCloudApiSession(phoneNumberId: string): Promise<WaSessionRecord | null> {
    return this.sessions.findCloudApi(phoneNumberId);
  }

  async countWaSessionsByStatus(): Promise<Record<SessionStatus, number>> {
    return this.sessions.countWaByStatus();
  }

  async ensureWaSession(tenantId: string, name: string, now = Date.now()): Promise<WaSessionRecord> {
    this.sessions.insertWaIfAbsent(tenantId, name, now);
    return this.sessions.getWa(tenantId, name)!;
  }

  async updateWaSession(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null> {
    this.sessions.patchWa(tenantId, name, patch);
    return this.sessions.getWa(tenantId, name);
  }

  async deleteWaSession(tenantId: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.authState.remove({ tenantId, sessionName: name });
      return this.sessions.deleteWa(tenantId, name);
    })();
  }

  // --- widget sessions (sqlite-sessions.ts) -------------------------------------------------------
  /**
   * The route's path: committed together with the other requests of this event-loop turn
   * (sqlite-group-commit.ts); the promise settles only after the commit. A new name (the usual
   * case) needs no read: the insert says it was new.
   */
  createWidgetSession(ws: WidgetSessionRecord, { generatedName }: { generatedName: boolean }): Promise<CreateWidgetSessionResult> {
    return this.groupCommit.run(() => this.sessions.createWidget(ws, generatedName));
  }

  async getWidgetSession(id: string): Promise<StoredWidgetSession | null> {
    return this.sessions.getWidget(id);
  }

  async listLiveWidgetSessions(now: number): Promise<StoredWidgetSession[]> {
    return this.sessions.listLiveWidgets(now);
  }

  async listWidgetSessionsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]> {
    return this.sessions.listWidgetsFor(tenantId, sessionName);
  }

  async commitLinkChange(change: LinkChange, fence?: LeaseFence): Promise<void> {
    this.db.transaction(() => {
      this.leases.check(fence);
      if (change.waSession) this.sessions.patchWa(change.waSession.tenantId, change.waSession.name, change.waSession.patch);
      for (const { id, patch } of change.widgetSessions ?? []) this.sessions.patchWidget(id, patch);
      // The transactional outbox: the events commit with the change that caused them, or not at all.
      if (change.webhookEvents?.length) this.webhooks.insertEvents(change.webhookEvents, Date.now());
    })();
  }

  // --- webhooks (sqlite-webhooks.ts) -----------------------------------------------------------------
  async insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
    this.db.transaction(() => {
      this.tenants.insert(endpoint.tenantId, endpoint.createdAt);
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

  // --- abuse limits (sqlite-rate-limits.ts) and retention -----------------------------------------
  async takeRateLimit(buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult> {
    return takeSqliteRateLimit(this.db, (sql) => this.prepare(sql), buckets, now);
  }

  async purgeWidgetSessions(before: number): Promise<number> {
    return this.sessions.purgeWidgets(before);
  }

  // --- Baileys auth state (sqlite-auth-state.ts) ----------------------------------------------------
  async readCreds(key: AuthStateKey): Promise<string | null> {
    return this.authState.readCreds(key);
  }

  async writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): Promise<void> {
    this.authState.writeCreds(key, creds, fence);
  }

  async readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Promise<Map<string, string>> {
    return this.authState.readKeys(key, type, ids);
  }

  async writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): Promise<void> {
    this.authState.writeKeys(key, entries, fence);
  }

  async hasAuthState(key: AuthStateKey): Promise<boolean> {
    return (await this.readCreds(key)) !== null;
  }

  async deleteAuthState(key: AuthStateKey, fence?: LeaseFence): Promise<void> {
    this.authState.delete(key, fence);
  }

  async rewriteAuthState(transform: (value: string) => string | null): Promise<number> {
    const changed = this.authState.rewrite(transform);
    // The old values' pages sit in the WAL until a checkpoint copies the new ones over them;
    // TRUNCATE also empties the WAL file itself.
    if (changed > 0 && this.path !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
    return changed;
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
}
