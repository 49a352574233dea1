// The webhook outbox's SQL shared by both stores (SQLite's `?` and Postgres' `$n` placeholders
// are filled in by each store's file). The order rule lives here once: a delivery waits while an
// earlier one of the same endpoint and WhatsApp session is neither delivered nor failed.

/** Deliveries the worker may take now; `{now}` and `{limit}` are each store's placeholders. */
export const dueDeliveriesSql = (now: string, limit: string, lock = ''): string => `
  SELECT d.endpoint_id, d.event_id, d.attempts, e.tenant_id, e.type, e.payload, e.created_at, w.url, w.secret_enc
  FROM webhook_deliveries d
  JOIN webhook_events e ON e.id = d.event_id
  JOIN webhook_endpoints w ON w.id = d.endpoint_id
  WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= ${now} AND w.enabled = 1
    AND (d.session_name IS NULL OR NOT EXISTS (
      SELECT 1 FROM webhook_deliveries p
      WHERE p.endpoint_id = d.endpoint_id AND p.session_name = d.session_name AND p.event_seq < d.event_seq
        AND p.delivered_at IS NULL AND p.failed_at IS NULL))
  ORDER BY d.event_seq
  LIMIT ${limit} ${lock}`;

/** Events older than `{before}` that no delivery still waits for (their deliveries and attempts cascade). */
export const purgeEventsSql = (before: string): string => `
  DELETE FROM webhook_events WHERE created_at < ${before} AND NOT EXISTS (
    SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id AND d.delivered_at IS NULL AND d.failed_at IS NULL)`;

export const DELIVERIES_SELECT = `
  SELECT d.endpoint_id, d.event_id, d.session_name, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
    d.delivered_at, d.failed_at, e.type, e.created_at
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`;

/** The columns an attempt's outcome sets on its delivery. */
export function deliveryAfterAttempt(result: {
  at: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'gone';
  nextAttemptAt?: number;
}): { deliveredAt: number | null; failedAt: number | null; nextAttemptAt: number | null } {
  switch (result.outcome) {
    case 'delivered':
      return { deliveredAt: result.at, failedAt: null, nextAttemptAt: null };
    case 'retry':
      return { deliveredAt: null, failedAt: null, nextAttemptAt: result.nextAttemptAt ?? result.at };
    default:
      return { deliveredAt: null, failedAt: result.at, nextAttemptAt: null };
  }
}
