// PostgresStore's tenants and their API keys, the same contract as sqlite-tenants.ts. Composed
// into PostgresStore, which owns the pool and the transactions.
import type pg from 'pg';
import { changed, type Queryable, rows, type Transaction } from './postgres-rows.js';
import { toApiKey } from './sqlite-rows.js';
import type { ApiKeyRecord } from './types.js';

export class PostgresTenants {
  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
  ) {}

  /** Every row that names a tenant inserts it first (foreign keys). */
  async insert(id: string, now: number, on: Queryable = this.pool): Promise<void> {
    await on.query('INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, now]);
  }

  async list(): Promise<string[]> {
    return (await rows(this.pool, 'SELECT id FROM tenants ORDER BY id')).map((r) => String(r.id));
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.transaction(async (client) => {
      await this.insert(key.tenantId, key.createdAt, client);
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
    const [row] = await rows(this.pool, 'SELECT * FROM api_keys WHERE id = $1', [id]);
    return row ? toApiKey(row) : null;
  }

  async listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
    const sql = tenantId ? 'SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at' : 'SELECT * FROM api_keys ORDER BY tenant_id, created_at';
    return (await rows(this.pool, sql, tenantId ? [tenantId] : [])).map(toApiKey);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return (await changed(this.pool, 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id])) > 0;
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [now, id]);
  }
}
