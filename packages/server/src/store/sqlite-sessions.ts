// SqliteStore's session rows: WhatsApp sessions (one per tenant and name) and the widget sessions
// that link them. Composed into SqliteStore, which owns the connection and the transactions
// (group commit for createWidget, one transaction per link change).
import type { SessionStatus } from '@titan-connect/protocol';
import type Database from 'better-sqlite3';
import { countsByStatus, type Row, toWaSession, toWidgetSession, WA_COLUMNS, WIDGET_COLUMNS } from './sqlite-rows.js';
import type { SqliteTenants } from './sqlite-tenants.js';
import type { CreateWidgetSessionResult, StoredWidgetSession, WaSessionPatch, WaSessionRecord, WidgetSessionPatch, WidgetSessionRecord } from './types.js';

type Prepare = (sql: string) => Database.Statement;

export class SqliteSessions {
  constructor(
    private readonly prepare: Prepare,
    private readonly tenants: SqliteTenants,
  ) {}

  // --- WhatsApp sessions --------------------------------------------------------------------------
  getWa(tenantId: string, name: string): WaSessionRecord | null {
    const row = this.prepare('SELECT * FROM wa_sessions WHERE tenant_id = ? AND name = ?').get(tenantId, name) as
      | Row
      | undefined;
    return row ? toWaSession(row) : null;
  }

  listWa(tenantId: string): WaSessionRecord[] {
    return (this.prepare('SELECT * FROM wa_sessions WHERE tenant_id = ? ORDER BY created_at').all(tenantId) as Row[]).map(
      toWaSession,
    );
  }

  listWaByStatus(status: WaSessionRecord['status']): WaSessionRecord[] {
    return (this.prepare('SELECT * FROM wa_sessions WHERE status = ? ORDER BY created_at').all(status) as Row[]).map(
      toWaSession,
    );
  }

  findCloudApi(phoneNumberId: string): WaSessionRecord | null {
    // CASE, not AND: json_extract raises on a value that is not JSON, and AND may run it first.
    const row = this.prepare(
      `SELECT * FROM wa_sessions
       WHERE CASE WHEN json_valid(cloud_api) THEN json_extract(cloud_api, '$.phoneNumberId') END = ?
       ORDER BY status = 'CONNECTED' DESC, updated_at DESC LIMIT 1`,
    ).get(phoneNumberId) as Row | undefined;
    return row ? toWaSession(row) : null;
  }

  countWaByStatus(): Record<SessionStatus, number> {
    const rows = this.prepare('SELECT status, COUNT(*) AS n FROM wa_sessions GROUP BY status').all() as Row[];
    return countsByStatus(rows);
  }

  /** Inserts a DISCONNECTED session unless one exists; true when it did. */
  insertWaIfAbsent(tenantId: string, name: string, now: number): boolean {
    this.tenants.insert(tenantId, now);
    return (
      this
        .prepare(
          `INSERT OR IGNORE INTO wa_sessions (tenant_id, name, status, status_reason, created_at, updated_at)
           VALUES (?, ?, 'DISCONNECTED', NULL, ?, ?)`,
        )
        .run(tenantId, name, now, now).changes > 0
    );
  }

  patchWa(tenantId: string, name: string, patch: WaSessionPatch): void {
    const keys = Object.keys(patch) as (keyof WaSessionPatch)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${WA_COLUMNS[k]} = @${k}`).join(', ');
    this.prepare(`UPDATE wa_sessions SET ${set} WHERE tenant_id = @tenantId AND name = @name`).run({ ...patch, tenantId, name });
  }

  deleteWa(tenantId: string, name: string): boolean {
    return this.prepare('DELETE FROM wa_sessions WHERE tenant_id = ? AND name = ?').run(tenantId, name).changes > 0;
  }

  // --- widget sessions ----------------------------------------------------------------------------
  /** The work of `createWidgetSession`; the store runs it inside its group commit. */
  createWidget(ws: WidgetSessionRecord, generatedName: boolean): CreateWidgetSessionResult {
    const { tenantId, sessionName, createdAt } = ws;
    if (!this.insertWaIfAbsent(tenantId, sessionName, createdAt)) {
      if (generatedName) return 'name-taken';
      if (this.getWa(tenantId, sessionName)?.status === 'CONNECTED') return 'already-connected';
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
  }

  getWidget(id: string): StoredWidgetSession | null {
    const row = this.prepare('SELECT * FROM widget_sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toWidgetSession(row) : null;
  }

  patchWidget(id: string, patch: WidgetSessionPatch): void {
    const keys = Object.keys(patch) as (keyof WidgetSessionPatch)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${WIDGET_COLUMNS[k]} = @${k}`).join(', ');
    this.prepare(`UPDATE widget_sessions SET ${set} WHERE id = @id`).run({ ...patch, id });
  }

  listLiveWidgets(now: number): StoredWidgetSession[] {
    return (
      this
        .prepare(`SELECT * FROM widget_sessions WHERE expires_at > ? AND phase IN ('starting', 'qr', 'pairing') ORDER BY created_at`)
        .all(now) as Row[]
    ).map(toWidgetSession);
  }

  listWidgetsFor(tenantId: string, sessionName: string): StoredWidgetSession[] {
    return (
      this
        .prepare('SELECT * FROM widget_sessions WHERE tenant_id = ? AND session_name = ? ORDER BY created_at DESC')
        .all(tenantId, sessionName) as Row[]
    ).map(toWidgetSession);
  }

  /** Retention: widget sessions that ran out before `before`. */
  purgeWidgets(before: number): number {
    return this.prepare('DELETE FROM widget_sessions WHERE expires_at < ?').run(before).changes;
  }
}
