import type { ErrorCode } from './errors.js';
import type { LinkMethod } from './modes.js';
import type { StatusReason } from './session.js';

/** Every webhook event type (DESIGN "Webhooks"); an endpoint subscribes to some or all of them. */
export const WEBHOOK_EVENT_TYPES = [
  'session.connected',
  'session.disconnected',
  'widget_session.completed',
  'widget_session.failed',
  'widget_session.expired',
  'message.received',
  'message.status',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (value: unknown): value is WebhookEventType =>
  typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

/** The kinds of an inbound message; media carry their type and caption only (no download). */
export const MESSAGE_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'reaction', 'other'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** `data` of each webhook event type. */
export interface WebhookEventDataMap {
  'session.connected': { session: string; method: LinkMethod; phone: string | null; pushName?: string | null };
  /** `final`: the session stopped for good (logged out, replaced and stopped, deleted); false never reaches webhooks today. */
  'session.disconnected': { session: string; statusReason: StatusReason; final: boolean };
  'widget_session.completed': { widgetSession: string; session: string; method: LinkMethod };
  'widget_session.failed': { widgetSession: string; session: string; code: ErrorCode; retryable: boolean };
  'widget_session.expired': { widgetSession: string; session: string; reason: 'QR_TIMEOUT' | 'TOKEN_EXPIRED' };
  /** `from`: the sender's number, digits only; `timestamp`: ISO 8601. */
  'message.received': { session: string; id: string; from: string; type: MessageType; text?: string; timestamp: string };
  'message.status': { session: string; id: string; status: MessageStatus };
  'webhook.test': { endpoint: string };
}

/** The JSON body of every webhook request (signed per Standard Webhooks 1.0). */
export type WebhookPayload<T extends WebhookEventType = WebhookEventType> = {
  [K in T]: { type: K; timestamp: string; data: WebhookEventDataMap[K] };
}[T];
