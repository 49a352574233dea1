// SqliteStore's webhook tables (migration 4): endpoints, the outbox, deliveries and their
// attempt log. Composed into SqliteStore, which owns the connection and the transactions.
import type Database from 'better-sqlite3';
import {
  newWebhookEventId,
  type Row,
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

type Prepare = (sql: string) => Database.Statement;

export class SqliteWebhooks {
  constructor(
    private readonly db: Database.Database,
    private readonly prepare: Prepare,
  ) {}

  insertEndpoint(endpoint: WebhookEndpointRecord): void {
    this
      .prepare(
        `INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, secret_enc, enabled, disabled_reason, created_at, updated_at)
         VALUES (@id, @tenantId, @url, @events, @description, @secretEnc, @enabled, @disabledReason, @createdAt, @updatedAt)`,
      )
      .run(webhookEndpointValues(endpoint));
  }

  getEndpoint(tenantId: string, id: string): WebhookEndpointRecord | null {
    const row = this.prepare('SELECT * FROM webhook_endpoints WHERE id = ? AND tenant_id = ?').get(id, tenantId) as Row | undefined;
    return row ? toWebhookEndpoint(row) : null;
  }

  listEndpoints(tenantId?: string): WebhookEndpointRecord[] {
    const rows = tenantId
      ? this.prepare('SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId)
      : this.prepare('SELECT * FROM webhook_endpoints ORDER BY tenant_id, created_at, id').all();
    return (rows as Row[]).map(toWebhookEndpoint);
  }

  updateEndpoint(tenantId: string, id: string, patch: WebhookEndpointPatch): WebhookEndpointRecord | null {
    const keys = (Object.keys(patch) as (keyof WebhookEndpointPatch)[]).filter((k) => Object.hasOwn(WEBHOOK_ENDPOINT_COLUMNS, k));
    if (keys.length > 0) {
      const set = keys.map((k) => `${WEBHOOK_ENDPOINT_COLUMNS[k]} = @${k}`).join(', ');
      this.prepare(`UPDATE webhook_endpoints SET ${set} WHERE id = @id AND tenant_id = @tenantId`).run({ ...webhookEndpointValues(patch), id, tenantId });
    }
    return this.getEndpoint(tenantId, id);
  }

  deleteEndpoint(id: string, tenantId?: string): boolean {
    const statement = tenantId
      ? this.prepare('DELETE FROM webhook_endpoints WHERE id = ? AND tenant_id = ?')
      : this.prepare('DELETE FROM webhook_endpoints WHERE id = ?');
    return (tenantId ? statement.run(id, tenantId) : statement.run(id)).changes > 0;
  }

  /** Outbox rows and their deliveries; call inside a transaction. */
  insertEvents(drafts: readonly WebhookEventDraft[], now: number): string[] {
    const insertEvent = this.prepare(
      'INSERT INTO webhook_events (id, tenant_id, session_name, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const fanOut = this.prepare(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, session_name, attempts, next_attempt_at)
       SELECT w.id, @eventId, @seq, @sessionName, 0, @now FROM webhook_endpoints w
       WHERE w.tenant_id = @tenantId AND w.enabled = 1
         AND (w.events IS NULL OR EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = @type))`,
    );
    const toOne = this.prepare(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, session_name, attempts, next_attempt_at)
       SELECT w.id, @eventId, @seq, NULL, 0, @now FROM webhook_endpoints w WHERE w.id = @endpoint AND w.tenant_id = @tenantId AND w.enabled = 1`,
    );
    return drafts.map((draft) => {
      const eventId = newWebhookEventId();
      const at = draft.at ?? now;
      const seq = insertEvent.run(eventId, draft.tenantId, draft.sessionName, draft.type, JSON.stringify(draft.data), at).lastInsertRowid;
      const params = { eventId, seq, sessionName: draft.sessionName, now: at, tenantId: draft.tenantId, type: draft.type };
      if (draft.type === 'webhook.test') toOne.run({ ...params, endpoint: draft.data.endpoint });
      else fanOut.run(params);
      return eventId;
    });
  }

  appendEvents(drafts: readonly WebhookEventDraft[], now: number): string[] {
    return this.db.transaction(() => this.insertEvents(drafts, now))();
  }

  claim(now: number, limit: number, leaseMs: number): WebhookDeliveryJob[] {
    return this.db.transaction(() => {
      const jobs = (this.prepare(dueDeliveriesSql('@now', '@limit')).all({ now, limit }) as Row[]).map(toWebhookJob);
      const lease = this.prepare('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND event_id = ?');
      for (const job of jobs) lease.run(now + leaseMs, job.endpointId, job.eventId);
      return jobs;
    })();
  }

  recordAttempts(results: readonly WebhookAttemptResult[]): void {
    const update = this.prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = @statusCode, last_error = @error,
         delivered_at = @deliveredAt, failed_at = @failedAt, next_attempt_at = @nextAttemptAt
       WHERE endpoint_id = @endpointId AND event_id = @eventId RETURNING attempts`,
    );
    const log = this.prepare(
      `INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, at, status_code, error, latency_ms)
       VALUES (@endpointId, @eventId, @attempt, @at, @statusCode, @error, @latencyMs)`,
    );
    const disable = this.prepare('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const result of results) {
        const { endpointId, eventId, at, statusCode, error, latencyMs } = result;
        const row = update.get({ endpointId, eventId, statusCode, error, ...deliveryAfterAttempt(result) }) as Row | undefined;
        // The endpoint was deleted while the attempt ran: nothing left to record.
        if (!row) continue;
        log.run({ endpointId, eventId, attempt: Number(row.attempts), at, statusCode, error, latencyMs });
        if (result.outcome === 'gone') disable.run(result.disabledReason ?? 'The receiver answered 410 Gone.', at, endpointId);
      }
    })();
  }

  listDeliveries(endpointId: string, limit: number): WebhookDeliveryRecord[] {
    const rows = this.prepare(`${DELIVERIES_SELECT} WHERE d.endpoint_id = ? ORDER BY d.event_seq DESC LIMIT ?`).all(endpointId, limit) as Row[];
    return rows.map(toWebhookDelivery);
  }

  listAttempts(endpointId: string, eventId: string): WebhookAttemptRecord[] {
    const rows = this.prepare('SELECT * FROM webhook_attempts WHERE endpoint_id = ? AND event_id = ? ORDER BY attempt').all(endpointId, eventId) as Row[];
    return rows.map(toWebhookAttempt);
  }

  purgeEvents(before: number): number {
    return this.prepare(purgeEventsSql('?')).run(before).changes;
  }

  retry(endpointId: string, eventId: string, now: number): boolean {
    return (
      this
        .prepare('UPDATE webhook_deliveries SET delivered_at = NULL, failed_at = NULL, next_attempt_at = ? WHERE endpoint_id = ? AND event_id = ?')
        .run(now, endpointId, eventId).changes > 0
    );
  }
}
