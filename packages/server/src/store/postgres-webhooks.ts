// PostgresStore's webhook tables (postgres-migrations.ts entry 4), the same contract as
// sqlite-webhooks.ts. Composed into PostgresStore, which owns the pool and the transactions.
import type pg from 'pg';
import { type Queryable, rows, setClause, type Transaction } from './postgres-rows.js';
import {
  newWebhookEventId,
  toWebhookAttempt,
  toWebhookDelivery,
  toWebhookEndpoint,
  toWebhookJob,
  WEBHOOK_ENDPOINT_COLUMNS,
  webhookEndpointValues,
} from './sqlite-rows.js';
import type {
  WebhookAttemptRecord,
  WebhookAttemptResult,
  WebhookDeliveryJob,
  WebhookDeliveryRecord,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookEventDraft,
} from './types.js';
import { DELIVERIES_SELECT, deliveryAfterAttempt, dueDeliveriesSql, purgeEventsSql } from './webhook-sql.js';

export class PostgresWebhooks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
  ) {}

  async insertEndpoint(endpoint: WebhookEndpointRecord, on: Queryable = this.pool): Promise<void> {
    const v = webhookEndpointValues(endpoint);
    await on.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, secret_enc, enabled, disabled_reason, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [v.id, v.tenantId, v.url, v.events, v.description, v.secretEnc, v.enabled, v.disabledReason, v.createdAt, v.updatedAt],
    );
  }

  async getEndpoint(tenantId: string, id: string): Promise<WebhookEndpointRecord | null> {
    const [row] = await rows(this.pool, 'SELECT * FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
    return row ? toWebhookEndpoint(row) : null;
  }

  async listEndpoints(tenantId?: string): Promise<WebhookEndpointRecord[]> {
    const found = tenantId
      ? await rows(this.pool, 'SELECT * FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId])
      : await rows(this.pool, 'SELECT * FROM webhook_endpoints ORDER BY tenant_id, created_at, id');
    return found.map(toWebhookEndpoint);
  }

  async updateEndpoint(tenantId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRecord | null> {
    const { set, values } = setClause(WEBHOOK_ENDPOINT_COLUMNS, webhookEndpointValues(patch) as WebhookEndpointPatch, 3);
    if (!set) return this.getEndpoint(tenantId, id);
    const [row] = await rows(this.pool, `UPDATE webhook_endpoints SET ${set} WHERE id = $1 AND tenant_id = $2 RETURNING *`, [id, tenantId, ...values]);
    return row ? toWebhookEndpoint(row) : null;
  }

  async deleteEndpoint(id: string, tenantId?: string): Promise<boolean> {
    const result = tenantId
      ? await this.pool.query('DELETE FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2', [id, tenantId])
      : await this.pool.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Outbox rows and their deliveries, on the caller's transaction. */
  async insertEvents(drafts: readonly WebhookEventDraft[], now: number, on: Queryable): Promise<string[]> {
    const ids: string[] = [];
    for (const draft of drafts) {
      const eventId = newWebhookEventId();
      const at = draft.at ?? now;
      const [event] = await rows(
        on,
        'INSERT INTO webhook_events (id, tenant_id, session_name, type, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq',
        [eventId, draft.tenantId, draft.sessionName, draft.type, JSON.stringify(draft.data), at],
      );
      if (draft.type === 'webhook.test') {
        await on.query(
          `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, session_name, attempts, next_attempt_at)
           SELECT w.id, $1, $2, NULL, 0, $3 FROM webhook_endpoints w WHERE w.id = $4 AND w.tenant_id = $5 AND w.enabled = 1`,
          [eventId, event!.seq, at, draft.data.endpoint, draft.tenantId],
        );
      } else {
        await on.query(
          `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, session_name, attempts, next_attempt_at)
           SELECT w.id, $1, $2, $3, 0, $4 FROM webhook_endpoints w
           WHERE w.tenant_id = $5 AND w.enabled = 1 AND (w.events IS NULL OR w.events::jsonb ? $6)`,
          [eventId, event!.seq, draft.sessionName, at, draft.tenantId, draft.type],
        );
      }
      ids.push(eventId);
    }
    return ids;
  }

  appendEvents(drafts: readonly WebhookEventDraft[], now: number): Promise<string[]> {
    return this.transaction((client) => this.insertEvents(drafts, now, client));
  }

  /** SKIP LOCKED: instances claiming at once take different deliveries, none waits on another. */
  claim(now: number, limit: number, leaseMs: number): Promise<WebhookDeliveryJob[]> {
    return this.transaction(async (client) => {
      const jobs = (await rows(client, dueDeliveriesSql('$1', '$2', 'FOR UPDATE OF d SKIP LOCKED'), [now, limit])).map(toWebhookJob);
      if (jobs.length > 0) {
        await client.query(
          `UPDATE webhook_deliveries d SET next_attempt_at = $1 FROM unnest($2::text[], $3::text[]) AS j(endpoint_id, event_id)
           WHERE d.endpoint_id = j.endpoint_id AND d.event_id = j.event_id`,
          [now + leaseMs, jobs.map((j) => j.endpointId), jobs.map((j) => j.eventId)],
        );
      }
      return jobs;
    });
  }

  async recordAttempts(results: readonly WebhookAttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.transaction(async (client) => {
      for (const result of results) {
        const { endpointId, eventId, at, statusCode, error, latencyMs } = result;
        const next = deliveryAfterAttempt(result);
        const [row] = await rows(
          client,
          `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $3, last_error = $4,
             delivered_at = $5, failed_at = $6, next_attempt_at = $7
           WHERE endpoint_id = $1 AND event_id = $2 RETURNING attempts`,
          [endpointId, eventId, statusCode, error, next.deliveredAt, next.failedAt, next.nextAttemptAt],
        );
        // The endpoint was deleted while the attempt ran: nothing left to record.
        if (!row) continue;
        await client.query(
          `INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, at, status_code, error, latency_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [endpointId, eventId, Number(row.attempts), at, statusCode, error, latencyMs],
        );
        if (result.outcome === 'gone') {
          await client.query('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1, updated_at = $2 WHERE id = $3', [
            result.disabledReason ?? 'The receiver answered 410 Gone.',
            at,
            endpointId,
          ]);
        }
      }
    });
  }

  async listDeliveries(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return (await rows(this.pool, `${DELIVERIES_SELECT} WHERE d.endpoint_id = $1 ORDER BY d.event_seq DESC LIMIT $2`, [endpointId, limit])).map(toWebhookDelivery);
  }

  async listAttempts(endpointId: string, eventId: string): Promise<WebhookAttemptRecord[]> {
    return (await rows(this.pool, 'SELECT * FROM webhook_attempts WHERE endpoint_id = $1 AND event_id = $2 ORDER BY attempt', [endpointId, eventId])).map(toWebhookAttempt);
  }

  async purgeEvents(before: number): Promise<number> {
    return (await this.pool.query(purgeEventsSql('$1'), [before])).rowCount ?? 0;
  }

  async retry(endpointId: string, eventId: string, now: number): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE webhook_deliveries SET delivered_at = NULL, failed_at = NULL, next_attempt_at = $1 WHERE endpoint_id = $2 AND event_id = $3',
      [now, endpointId, eventId],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
