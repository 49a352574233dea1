// SqliteStore's session leases (rules in leases.ts). Cluster mode runs on Postgres; SQLite has
// them too so one contract suite holds both stores to the same behaviour.
import type Database from 'better-sqlite3';
import { ACQUIRE_SQL, assertFence, leaseKeyValues, toLease } from './leases.js';
import type { AuthStateKey, LeaseFence, SessionLease } from './types.js';

type Row = Record<string, unknown>;

export class SqliteLeases {
  constructor(private readonly db: Database.Database) {}

  acquire(key: AuthStateKey, owner: string, ttlMs: number, now: number): { epoch: number } | null {
    const row = this.db.prepare(ACQUIRE_SQL.replace(/\$\d/g, '?')).get(...leaseKeyValues(key), owner, now, now + ttlMs) as Row | undefined;
    return row ? { epoch: Number(row.epoch) } : null;
  }

  renew(owner: string, now: number, ttlMs: number): SessionLease[] {
    return (
      this.db.prepare('UPDATE session_leases SET expires_at = ? WHERE owner = ? AND expires_at > ? RETURNING *').all(now + ttlMs, owner, now) as Row[]
    ).map(toLease);
  }

  release(key: AuthStateKey, owner: string): boolean {
    return this.db.prepare('UPDATE session_leases SET expires_at = 0 WHERE tenant_id = ? AND session_name = ? AND owner = ?').run(...leaseKeyValues(key), owner).changes > 0;
  }

  get(key: AuthStateKey): SessionLease | null {
    const row = this.db.prepare('SELECT * FROM session_leases WHERE tenant_id = ? AND session_name = ?').get(...leaseKeyValues(key)) as Row | undefined;
    return row ? toLease(row) : null;
  }

  list(): SessionLease[] {
    return (this.db.prepare('SELECT * FROM session_leases ORDER BY tenant_id, session_name').all() as Row[]).map(toLease);
  }

  /** Call inside the write's transaction (SQLite serialises writers, so the row cannot move under it). */
  check(fence: LeaseFence | undefined): void {
    if (!fence) return;
    assertFence(fence, this.db.prepare('SELECT owner, epoch, expires_at FROM session_leases WHERE tenant_id = ? AND session_name = ?').get(...leaseKeyValues(fence.key)) as Row | undefined);
  }
}
