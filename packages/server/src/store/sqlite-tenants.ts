// SqliteStore's tenants and their API keys. Composed into SqliteStore, which owns the connection.
import type Database from 'better-sqlite3';
import { type Row, toApiKey } from './sqlite-rows.js';
import type { ApiKeyRecord } from './types.js';

type Prepare = (sql: string) => Database.Statement;

export class SqliteTenants {
  constructor(
    private readonly db: Database.Database,
    private readonly prepare: Prepare,
  ) {}

  /** Every row that names a tenant inserts it first (foreign keys). */
  insert(id: string, now: number): void {
    this.prepare('INSERT OR IGNORE INTO tenants (id, created_at) VALUES (?, ?)').run(id, now);
  }

  list(): string[] {
    return (this.prepare('SELECT id FROM tenants ORDER BY id').all() as Row[]).map((r) => String(r.id));
  }

  insertApiKey(key: ApiKeyRecord): void {
    this.db.transaction(() => {
      this.insert(key.tenantId, key.createdAt);
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

  getApiKey(id: string): ApiKeyRecord | null {
    const row = this.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return row ? toApiKey(row) : null;
  }

  listApiKeys(tenantId?: string): ApiKeyRecord[] {
    const all = tenantId ? this.prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at').all(tenantId) : this.prepare('SELECT * FROM api_keys ORDER BY tenant_id, created_at').all();
    return (all as Row[]).map(toApiKey);
  }

  revokeApiKey(id: string, now: number): boolean {
    return this.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  touchApiKey(id: string, now: number): void {
    this.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, id);
  }
}
