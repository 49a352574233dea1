// PostgresStore's session rows: WhatsApp sessions (one per tenant and name) and the widget
// sessions that link them, the same contract as sqlite-sessions.ts. Composed into PostgresStore,
// which owns the pool and the transactions (one per widget session creation and link change).
import type { SessionStatus } from '@titan-connect/protocol';
import type pg from 'pg';
import { changed, type Queryable, rows, setClause } from './postgres-rows.js';
import type { PostgresTenants } from './postgres-tenants.js';
import { countsByStatus, toWaSession, toWidgetSession, WA_COLUMNS, WIDGET_COLUMNS } from './sqlite-rows.js';
import type { CreateWidgetSessionResult, StoredWidgetSession, WaSessionPatch, WaSessionRecord, WidgetSessionPatch, WidgetSessionRecord } from './types.js';

export class PostgresSessions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly tenants: PostgresTenants,
  ) {}

  // --- WhatsApp sessions --------------------------------------------------------------------------
  async getWa(tenantId: string, name: string): Promise<WaSessionRecord | null> {
    const [row] = await rows(this.pool, 'SELECT * FROM wa_sessions WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return row ? toWaSession(row) : null;
  }

  async listWa(tenantId: string): Promise<WaSessionRecord[]> {
    return (await rows(this.pool, 'SELECT * FROM wa_sessions WHERE tenant_id = $1 ORDER BY created_at', [tenantId])).map(toWaSession);
  }

  async listWaByStatus(status: WaSessionRecord['status']): Promise<WaSessionRecord[]> {
    return (await rows(this.pool, 'SELECT * FROM wa_sessions WHERE status = $1 ORDER BY created_at', [status])).map(toWaSession);
  }

  async findCloudApi(phoneNumberId: string): Promise<WaSessionRecord | null> {
    // `cloud_api` is TEXT holding JSON.stringify output; CASE keeps the cast away from anything
    // else (a value sealed at rest one day), which would make the cast raise for the whole query.
    const [row] = await rows(
      this.pool,
      `SELECT * FROM wa_sessions
       WHERE CASE WHEN cloud_api LIKE '{%}' THEN cloud_api::jsonb ->> 'phoneNumberId' END = $1
       ORDER BY status = 'CONNECTED' DESC, updated_at DESC LIMIT 1`,
      [phoneNumberId],
    );
    return row ? toWaSession(row) : null;
  }

  async countWaByStatus(): Promise<Record<SessionStatus, number>> {
    return countsByStatus(await rows(this.pool, 'SELECT status, COUNT(*) AS n FROM wa_sessions GROUP BY status'));
  }

  /** Inserts a DISCONNECTED session unless one exists; true when it did. */
  async insertWaIfAbsent(tenantId: string, name: string, now: number, on: Queryable = this.pool): Promise<boolean> {
    await this.tenants.insert(tenantId, now, on);
    const inserted = await changed(
      on,
      `INSERT INTO wa_sessions (tenant_id, name, status, status_reason, created_at, updated_at)
       VALUES ($1, $2, 'DISCONNECTED', NULL, $3, $3) ON CONFLICT DO NOTHING`,
      [tenantId, name, now],
    );
    return inserted > 0;
  }

  async updateWa(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null> {
    const { set, values } = setClause(WA_COLUMNS, patch, 3);
    if (!set) return this.getWa(tenantId, name);
    const [row] = await rows(this.pool, `UPDATE wa_sessions SET ${set} WHERE tenant_id = $1 AND name = $2 RETURNING *`, [tenantId, name, ...values]);
    return row ? toWaSession(row) : null;
  }

  async patchWa(tenantId: string, name: string, patch: WaSessionPatch, on: Queryable): Promise<void> {
    const { set, values } = setClause(WA_COLUMNS, patch, 3);
    if (set) await on.query(`UPDATE wa_sessions SET ${set} WHERE tenant_id = $1 AND name = $2`, [tenantId, name, ...values]);
  }

  async deleteWa(tenantId: string, name: string, on: Queryable): Promise<boolean> {
    return (await changed(on, 'DELETE FROM wa_sessions WHERE tenant_id = $1 AND name = $2', [tenantId, name])) > 0;
  }

  // --- widget sessions ----------------------------------------------------------------------------
  /**
   * `createWidgetSession` in one statement (one round trip instead of BEGIN, three INSERTs and
   * COMMIT): a statement is atomic on its own, and the row it locks stays locked until it commits.
   * Null when it could not decide: the name's row exists but was committed after this statement's
   * snapshot (a concurrent creation of the same name), so the FOR SHARE read cannot see it (nor one
   * deleted meanwhile, which the transaction then inserts again); the
   * caller then runs `createWidget`, whose SELECT takes a fresh snapshot. Nothing is written then
   * but the tenant row, which `createWidget` ensures anyway.
   */
  async createWidgetAtOnce(ws: WidgetSessionRecord, generatedName: boolean): Promise<CreateWidgetSessionResult | null> {
    const [row] = await rows(this.pool, { name: 'create-widget-session', text: CREATE_WIDGET_SQL }, [
      ws.id,
      ws.tenantId,
      ws.sessionName,
      ws.mode,
      ws.callbackUrl,
      JSON.stringify(ws.allowedOrigins),
      ws.locale,
      ws.metaApp ? JSON.stringify(ws.metaApp) : null,
      ws.createdAt,
      ws.expiresAt,
      generatedName,
    ]);
    if (row!.inserted) return 'created';
    if (generatedName) return 'name-taken';
    if (row!.existing_status === null) return null;
    return row!.existing_status === 'CONNECTED' ? 'already-connected' : 'created';
  }

  /**
   * The work of `createWidgetSession`, on the store's transaction. Concurrent creations of one new
   * name: the second INSERT … ON CONFLICT waits on the first one's uncommitted row, then does
   * nothing, so exactly one is 'created'. The CONNECTED check reads the row FOR SHARE: a status
   * change waits until this commits. The slow path behind `createWidgetAtOnce`.
   */
  async createWidget(ws: WidgetSessionRecord, generatedName: boolean, client: Queryable): Promise<CreateWidgetSessionResult> {
    const { tenantId, sessionName, createdAt } = ws;
    if (!(await this.insertWaIfAbsent(tenantId, sessionName, createdAt, client))) {
      if (generatedName) return 'name-taken';
      const [row] = await rows(client, 'SELECT status FROM wa_sessions WHERE tenant_id = $1 AND name = $2 FOR SHARE', [tenantId, sessionName]);
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
  }

  async getWidget(id: string): Promise<StoredWidgetSession | null> {
    const [row] = await rows(this.pool, 'SELECT * FROM widget_sessions WHERE id = $1', [id]);
    return row ? toWidgetSession(row) : null;
  }

  async listLiveWidgets(now: number): Promise<StoredWidgetSession[]> {
    const found = await rows(
      this.pool,
      `SELECT * FROM widget_sessions WHERE expires_at > $1 AND phase IN ('starting', 'qr', 'pairing') ORDER BY created_at`,
      [now],
    );
    return found.map(toWidgetSession);
  }

  async listWidgetsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]> {
    const found = await rows(this.pool, 'SELECT * FROM widget_sessions WHERE tenant_id = $1 AND session_name = $2 ORDER BY created_at DESC', [
      tenantId,
      sessionName,
    ]);
    return found.map(toWidgetSession);
  }

  async patchWidget(id: string, patch: WidgetSessionPatch, on: Queryable): Promise<void> {
    const { set, values } = setClause(WIDGET_COLUMNS, patch, 2);
    if (set) await on.query(`UPDATE widget_sessions SET ${set} WHERE id = $1`, [id, ...values]);
  }

  /** Retention: widget sessions that ran out before `before`. */
  async purgeWidgets(before: number): Promise<number> {
    return changed(this.pool, 'DELETE FROM widget_sessions WHERE expires_at < $1', [before]);
  }
}

/**
 * `createWidgetAtOnce`'s statement. $1–$10 are the widget session's columns ($2 tenant, $3 name,
 * $9 created_at), $11 whether the name was generated. The same rules as `createWidget`:
 * - `wa`: the WhatsApp session row unless it exists. ON CONFLICT waits on a concurrent creation's
 *   uncommitted row and then does nothing, so of concurrent creations of one new name exactly one
 *   inserts it.
 * - `existing`: for a name the caller chose that exists, its row read FOR SHARE (a status change
 *   waits until this commits; one committed meanwhile is re-read, READ COMMITTED's rule for
 *   locking reads). A generated name that exists is simply taken.
 * - `widget`: inserted when the row is new, or exists and is not CONNECTED.
 * The foreign keys to `tenants` are checked at the end of the statement, after `tenant` ran.
 */
const CREATE_WIDGET_SQL = `
  WITH tenant AS (
    INSERT INTO tenants (id, created_at) VALUES ($2, $9) ON CONFLICT DO NOTHING
  ), wa AS (
    INSERT INTO wa_sessions (tenant_id, name, status, status_reason, created_at, updated_at)
    VALUES ($2, $3, 'DISCONNECTED', NULL, $9, $9) ON CONFLICT DO NOTHING
    RETURNING status
  ), existing AS (
    SELECT status FROM wa_sessions
    WHERE tenant_id = $2 AND name = $3 AND NOT $11::boolean AND NOT EXISTS (SELECT FROM wa)
    FOR SHARE
  ), widget AS (
    INSERT INTO widget_sessions (id, tenant_id, session_name, mode, callback_url, allowed_origins, locale, meta_app,
      created_at, expires_at, phase, link_state, last_event_id)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'idle', NULL, 0
    WHERE EXISTS (SELECT FROM wa) OR EXISTS (SELECT FROM existing WHERE status <> 'CONNECTED')
  )
  SELECT EXISTS (SELECT FROM wa) AS inserted, (SELECT status FROM existing) AS existing_status`;
