// SqliteStore's Baileys auth state (creds + signal keys, BufferJSON text). Composed into
// SqliteStore, which owns the connection; every write checks the lease fence in its transaction.
import type Database from 'better-sqlite3';
import type { Row } from './sqlite-rows.js';
import type { SqliteLeases } from './sqlite-leases.js';
import type { AuthStateKey, LeaseFence } from './types.js';

type Prepare = (sql: string) => Database.Statement;

export class SqliteAuthState {
  constructor(
    private readonly db: Database.Database,
    private readonly prepare: Prepare,
    private readonly leases: SqliteLeases,
  ) {}

  readCreds(key: AuthStateKey): string | null {
    const row = this
      .prepare('SELECT creds FROM wa_auth_creds WHERE tenant_id = ? AND session_name = ?')
      .get(key.tenantId, key.sessionName) as Row | undefined;
    return row ? String(row.creds) : null;
  }

  writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): void {
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

  readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Map<string, string> {
    const found = new Map<string, string>();
    const stmt = this.prepare('SELECT value FROM wa_auth_keys WHERE tenant_id = ? AND session_name = ? AND type = ? AND id = ?');
    for (const id of ids) {
      const row = stmt.get(key.tenantId, key.sessionName, type, id) as Row | undefined;
      if (row) found.set(id, String(row.value));
    }
    return found;
  }

  writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): void {
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

  delete(key: AuthStateKey, fence?: LeaseFence): void {
    this.db.transaction(() => (this.leases.check(fence), this.remove(key)))();
  }

  /** Every stored value through `transform` (null: leave it), in one transaction; how many changed. */
  rewrite(transform: (value: string) => string | null): number {
    return this.db.transaction(() => {
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
  }

  /** Creds and keys of one session; unfenced (the caller's transaction decides). */
  remove(key: AuthStateKey): void {
    this.db.transaction(() => {
      this.prepare('DELETE FROM wa_auth_creds WHERE tenant_id = ? AND session_name = ?').run(key.tenantId, key.sessionName);
      this.prepare('DELETE FROM wa_auth_keys WHERE tenant_id = ? AND session_name = ?').run(key.tenantId, key.sessionName);
    })();
  }
}
