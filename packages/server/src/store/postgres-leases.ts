// PostgresStore's session leases (rules in leases.ts). The acquire is one upsert, so two
// instances racing for a free session serialise on its row and exactly one wins.
import type pg from 'pg';
import { ACQUIRE_SQL, assertFence, leaseKeyValues, toLease } from './leases.js';
import type { AuthStateKey, LeaseFence, SessionLease } from './types.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

export class PostgresLeases {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(key: AuthStateKey, owner: string, ttlMs: number, now: number): Promise<{ epoch: number } | null> {
    const { rows } = await this.pool.query(ACQUIRE_SQL, [...leaseKeyValues(key), owner, now, now + ttlMs]);
    return rows[0] ? { epoch: Number(rows[0].epoch) } : null;
  }

  async renew(owner: string, now: number, ttlMs: number): Promise<SessionLease[]> {
    const { rows } = await this.pool.query('UPDATE session_leases SET expires_at = $1 WHERE owner = $2 AND expires_at > $3 RETURNING *', [now + ttlMs, owner, now]);
    return rows.map(toLease);
  }

  async release(key: AuthStateKey, owner: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE session_leases SET expires_at = 0 WHERE tenant_id = $1 AND session_name = $2 AND owner = $3', [...leaseKeyValues(key), owner]);
    return (result.rowCount ?? 0) > 0;
  }

  async get(key: AuthStateKey): Promise<SessionLease | null> {
    const { rows } = await this.pool.query('SELECT * FROM session_leases WHERE tenant_id = $1 AND session_name = $2', leaseKeyValues(key));
    return rows[0] ? toLease(rows[0]) : null;
  }

  async list(): Promise<SessionLease[]> {
    return (await this.pool.query('SELECT * FROM session_leases ORDER BY tenant_id, session_name')).rows.map(toLease);
  }

  /**
   * Call first inside the write's transaction. FOR SHARE: the owner's own writes do not wait for
   * one another, but a new owner's acquire (an UPDATE of this row) waits until the write commits,
   * and a write that starts after the acquire reads the new epoch and is refused.
   */
  async check(fence: LeaseFence | undefined, client: Queryable): Promise<void> {
    if (!fence) return;
    const { rows } = await client.query('SELECT owner, epoch, expires_at FROM session_leases WHERE tenant_id = $1 AND session_name = $2 FOR SHARE', leaseKeyValues(fence.key));
    assertFence(fence, rows[0]);
  }
}
