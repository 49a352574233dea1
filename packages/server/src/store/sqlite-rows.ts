// Rows to records and back, for SQLite and Postgres alike (same column names): they live here,
// in migrations.ts and in postgres-migrations.ts.
import { randomBytes } from 'node:crypto';
import { SESSION_STATUSES, type ApiScope, type SessionStatus, type WebhookEventType } from '@titan-connect/protocol';
import type {
  ApiKeyRecord,
  StoredWidgetSession,
  WaSessionPatch,
  WaSessionRecord,
  WebhookAttemptRecord,
  WebhookDeliveryJob,
  WebhookDeliveryRecord,
  WebhookEndpointRecord,
  WidgetSessionPatch,
} from './types.js';

export type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const toApiKey = (r: Row): ApiKeyRecord => ({
  id: String(r.id),
  tenantId: String(r.tenant_id),
  secretHash: String(r.secret_hash),
  scopes: String(r.scopes).split(',').filter(Boolean) as ApiScope[],
  label: str(r.label),
  createdAt: Number(r.created_at),
  lastUsedAt: num(r.last_used_at),
  revokedAt: num(r.revoked_at),
});

export const toWaSession = (r: Row): WaSessionRecord => ({
  tenantId: String(r.tenant_id),
  name: String(r.name),
  status: r.status as WaSessionRecord['status'],
  statusReason: str(r.status_reason) as WaSessionRecord['statusReason'],
  method: str(r.method) as WaSessionRecord['method'],
  phone: str(r.phone),
  pushName: str(r.push_name),
  cloudApi: str(r.cloud_api),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** `SELECT status, COUNT(*) AS n … GROUP BY status` rows to a count for every status (Postgres' COUNT is a string). */
export const countsByStatus = (rows: Row[]): Record<SessionStatus, number> => {
  const counts = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
  for (const r of rows) if ((SESSION_STATUSES as readonly unknown[]).includes(r.status)) counts[r.status as SessionStatus] = Number(r.n);
  return counts;
};

export const toWidgetSession = (r: Row): StoredWidgetSession => ({
  id: String(r.id),
  tenantId: String(r.tenant_id),
  sessionName: String(r.session_name),
  mode: r.mode as StoredWidgetSession['mode'],
  callbackUrl: str(r.callback_url),
  allowedOrigins: JSON.parse(String(r.allowed_origins)) as string[],
  locale: str(r.locale),
  metaApp: r.meta_app ? (JSON.parse(String(r.meta_app)) as StoredWidgetSession['metaApp']) : null,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  phase: r.phase as StoredWidgetSession['phase'],
  linkState: str(r.link_state),
  lastEventId: Number(r.last_event_id),
});

export const WA_COLUMNS: Record<keyof WaSessionPatch, string> = {
  status: 'status',
  statusReason: 'status_reason',
  method: 'method',
  phone: 'phone',
  pushName: 'push_name',
  cloudApi: 'cloud_api',
  updatedAt: 'updated_at',
};
export const WIDGET_COLUMNS: Record<keyof WidgetSessionPatch, string> = {
  phase: 'phase',
  linkState: 'link_state',
  lastEventId: 'last_event_id',
};

/** `msg_<random>`: an outbox event's id, sent as `webhook-id` on every attempt of every delivery. */
export const newWebhookEventId = (): string => `msg_${randomBytes(15).toString('base64url')}`;

export const toWebhookEndpoint = (r: Row): WebhookEndpointRecord => ({
  id: String(r.id),
  tenantId: String(r.tenant_id),
  url: String(r.url),
  events: r.events === null || r.events === undefined ? null : (JSON.parse(String(r.events)) as WebhookEventType[]),
  description: str(r.description),
  secretEnc: String(r.secret_enc),
  enabled: Number(r.enabled) === 1,
  disabledReason: str(r.disabled_reason),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** An endpoint's column values as stored (events as JSON text, enabled as 0/1). */
export const webhookEndpointValues = (patch: Partial<WebhookEndpointRecord>): Record<string, unknown> => {
  const values: Record<string, unknown> = { ...patch };
  if ('events' in patch) values.events = patch.events === null || patch.events === undefined ? null : JSON.stringify(patch.events);
  if ('enabled' in patch) values.enabled = patch.enabled ? 1 : 0;
  return values;
};

export const WEBHOOK_ENDPOINT_COLUMNS = {
  url: 'url',
  events: 'events',
  description: 'description',
  enabled: 'enabled',
  disabledReason: 'disabled_reason',
  updatedAt: 'updated_at',
} as const;

/** Rows of `webhook_deliveries d JOIN webhook_events e`. */
export const toWebhookDelivery = (r: Row): WebhookDeliveryRecord => ({
  eventId: String(r.event_id),
  endpointId: String(r.endpoint_id),
  type: r.type as WebhookEventType,
  sessionName: str(r.session_name),
  attempts: Number(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastStatusCode: num(r.last_status_code),
  lastError: str(r.last_error),
  deliveredAt: num(r.delivered_at),
  failedAt: num(r.failed_at),
  createdAt: Number(r.created_at),
});

export const toWebhookAttempt = (r: Row): WebhookAttemptRecord => ({
  eventId: String(r.event_id),
  endpointId: String(r.endpoint_id),
  attempt: Number(r.attempt),
  at: Number(r.at),
  statusCode: num(r.status_code),
  error: str(r.error),
  latencyMs: Number(r.latency_ms),
});

/** Rows of the claim query (deliveries joined with their event and endpoint). */
export const toWebhookJob = (r: Row): WebhookDeliveryJob => ({
  eventId: String(r.event_id),
  endpointId: String(r.endpoint_id),
  tenantId: String(r.tenant_id),
  type: r.type as WebhookEventType,
  payload: String(r.payload),
  createdAt: Number(r.created_at),
  url: String(r.url),
  secretEnc: String(r.secret_enc),
  attempts: Number(r.attempts),
});
