// Cluster mode's session leases, the rules both stores follow (SQL beside each store:
// sqlite-leases.ts, postgres-leases.ts). A lease row names the one instance that may run a
// WhatsApp session until `expires_at`; its `epoch` grows whenever the owner changes, and every
// auth-state or linking write made for a leased session carries the epoch it was made under,
// checked in the write's own transaction (fencing): an owner that lost its lease (paused, cut
// off, killed mid-write) can no longer change what the new owner writes.
import type { AuthStateKey, LeaseFence, SessionLease } from './types.js';

/** A fenced write whose lease moved on; nothing of it was written. */
export class StaleLeaseError extends Error {
  constructor(
    readonly fence: LeaseFence,
    readonly current: { owner: string; epoch: number } | null,
  ) {
    const now = current ? `${current.owner} at epoch ${current.epoch}` : 'nobody';
    const as = fence.epoch === 0 ? 'without its lease' : `at epoch ${fence.epoch}`;
    super(`stale lease: ${fence.owner} wrote session "${fence.key.sessionName}" ${as}, but it is held by ${now}`);
    this.name = 'StaleLeaseError';
  }
}

/** Throws unless the lease row (`owner, epoch, expires_at`, read in the write's transaction) allows the fenced write. */
export function assertFence(fence: LeaseFence, row: Record<string, unknown> | undefined): void {
  const current = row ? { owner: String(row.owner), epoch: Number(row.epoch) } : null;
  if (fence.epoch === 0) {
    // Never held here: fine unless someone else runs the session right now.
    if (current && current.owner !== fence.owner && Number(row!.expires_at) > (fence.now ?? 0)) throw new StaleLeaseError(fence, current);
    return;
  }
  if (!current || current.owner !== fence.owner || current.epoch !== fence.epoch) throw new StaleLeaseError(fence, current);
}

export const toLease = (row: Record<string, unknown>): SessionLease => ({
  key: { tenantId: String(row.tenant_id), sessionName: String(row.session_name) },
  owner: String(row.owner),
  epoch: Number(row.epoch),
  acquiredAt: Number(row.acquired_at),
  expiresAt: Number(row.expires_at),
});

/**
 * The one upsert that acquires (both databases speak it): a new row starts at epoch 1; an
 * existing row is taken only when it is ours or expired, and its epoch grows only when the owner
 * changes (so a renewal or a re-acquire by the same owner keeps its in-flight writes valid).
 * `$n` placeholders (key, owner, now, expiry), each used once and in order, so SQLite can read them as `?`.
 */
export const ACQUIRE_SQL = `
  INSERT INTO session_leases (tenant_id, session_name, owner, epoch, acquired_at, expires_at)
  VALUES ($1, $2, $3, 1, $4, $5)
  ON CONFLICT (tenant_id, session_name) DO UPDATE SET
    epoch = CASE WHEN session_leases.owner = excluded.owner THEN session_leases.epoch ELSE session_leases.epoch + 1 END,
    acquired_at = CASE WHEN session_leases.owner = excluded.owner AND session_leases.expires_at > excluded.acquired_at
      THEN session_leases.acquired_at ELSE excluded.acquired_at END,
    owner = excluded.owner,
    expires_at = excluded.expires_at
  WHERE session_leases.owner = excluded.owner OR session_leases.expires_at <= excluded.acquired_at
  RETURNING epoch`;

export const leaseKeyValues = (key: AuthStateKey): [string, string] => [key.tenantId, key.sessionName];
