// PostgresStore's Baileys auth state (creds + signal keys, BufferJSON text), the same contract as
// sqlite-auth-state.ts. Composed into PostgresStore, which owns the pool and the transactions;
// every fenced write checks the lease first inside its transaction.
import type pg from 'pg';
import type { PostgresLeases } from './postgres-leases.js';
import { changed, lastWriteWins, type Queryable, rows, type Transaction } from './postgres-rows.js';
import type { AuthStateKey, LeaseFence } from './types.js';

export class PostgresAuthState {
  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
    private readonly leases: PostgresLeases,
  ) {}

  async readCreds(key: AuthStateKey): Promise<string | null> {
    const [row] = await rows(this.pool, 'SELECT creds FROM wa_auth_creds WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
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
    const rowsFound = await rows(this.pool, 'SELECT id, value FROM wa_auth_keys WHERE tenant_id = $1 AND session_name = $2 AND type = $3 AND id = ANY($4::text[])', [
      key.tenantId,
      key.sessionName,
      type,
      ids,
    ]);
    for (const row of rowsFound) found.set(String(row.id), String(row.value));
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

  async delete(key: AuthStateKey, fence?: LeaseFence): Promise<void> {
    await this.transaction(async (client) => (await this.leases.check(fence, client), this.remove(key, client)));
  }

  /** Every stored value through `transform` (null: leave it), in one transaction; how many changed. */
  async rewrite(transform: (value: string) => string | null): Promise<number> {
    // Postgres keeps no old row versions readable to clients (VACUUM reclaims them).
    return this.transaction(async (client) => {
      let count = 0;
      for (const row of await rows(client, 'SELECT tenant_id, session_name, creds FROM wa_auth_creds FOR UPDATE', [])) {
        const next = transform(String(row.creds));
        if (next !== null) count += await changed(client, 'UPDATE wa_auth_creds SET creds = $1 WHERE tenant_id = $2 AND session_name = $3', [next, row.tenant_id, row.session_name]);
      }
      for (const row of await rows(client, 'SELECT tenant_id, session_name, type, id, value FROM wa_auth_keys FOR UPDATE', [])) {
        const next = transform(String(row.value));
        if (next !== null) {
          count += await changed(client, 'UPDATE wa_auth_keys SET value = $1 WHERE tenant_id = $2 AND session_name = $3 AND type = $4 AND id = $5', [next, row.tenant_id, row.session_name, row.type, row.id]);
        }
      }
      return count;
    });
  }

  /** Creds and keys of one session, on the caller's transaction (unfenced: the caller decides). */
  async remove(key: AuthStateKey, on: Queryable): Promise<void> {
    await on.query('DELETE FROM wa_auth_creds WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
    await on.query('DELETE FROM wa_auth_keys WHERE tenant_id = $1 AND session_name = $2', [key.tenantId, key.sessionName]);
  }
}
