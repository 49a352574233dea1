// The webhook events of linking, as drafts for the outbox (they commit with the change that
// caused them). What the service knows (a fresh link, a linked number) goes in; the events that
// are news come out, each saying what it says here.
import type { LinkMethod, StatusReason } from '@titan-connect/protocol';
import type { StoredWidgetSession, WebhookEventDraft } from '../store/index.js';
import type { SessionKey } from '../whatsapp/engine.js';
import type { LinkSnapshot } from './snapshot.js';

type SessionEventType = 'session.connected' | 'session.disconnected';

function sessionEvent<T extends SessionEventType>(at: number, key: SessionKey, type: T, data: Extract<WebhookEventDraft, { type: T }>['data']): WebhookEventDraft {
  return { tenantId: key.tenantId, sessionName: key.name, type, data, at } as WebhookEventDraft;
}

/** A number linked: `session.connected` when the link is new (`fresh`); a reconnect is no news to the integrator. */
export function linkedEvents(at: number, key: SessionKey, link: { method: LinkMethod; phone: string | null; pushName: string | null }, fresh: boolean): WebhookEventDraft[] {
  return fresh ? [sessionEvent(at, key, 'session.connected', { session: key.name, method: link.method, phone: link.phone, pushName: link.pushName })] : [];
}

/** A number stopped for good: `session.disconnected` when it was linked; a linking that failed is its widget sessions' news. */
export function stoppedEvents(at: number, key: SessionKey, statusReason: StatusReason, wasLinked: boolean): WebhookEventDraft[] {
  return wasLinked ? [sessionEvent(at, key, 'session.disconnected', { session: key.name, statusReason, final: true })] : [];
}

/**
 * The event of a widget session reaching an end phase (connected, failed, expired) from `from`;
 * none for other phases or the same phase again. A completed widget session stays completed:
 * what happens to the number later is the session's own news (session.disconnected).
 */
export function widgetSessionEvents(record: StoredWidgetSession, snapshot: LinkSnapshot, from: LinkSnapshot['phase'], at: number): WebhookEventDraft[] {
  const { phase, connected, failure, expired, completedAt } = snapshot;
  if (phase === from || (completedAt && phase !== 'connected')) return [];
  const base = { tenantId: record.tenantId, sessionName: record.sessionName, at };
  const ids = { widgetSession: record.id, session: record.sessionName };
  if (phase === 'connected' && connected) return [{ ...base, type: 'widget_session.completed', data: { ...ids, method: connected.method } }];
  if (phase === 'failed' && failure) return [{ ...base, type: 'widget_session.failed', data: { ...ids, code: failure.code, retryable: failure.retryable } }];
  if (phase === 'expired' && expired) return [{ ...base, type: 'widget_session.expired', data: { ...ids, reason: expired.reason } }];
  return [];
}
