// The webhook events of linking, as drafts for the outbox (they commit with the change that
// caused them). Which changes are news is decided in service.ts; what each event says, here.
import type { StoredWidgetSession, WebhookEventDraft } from '../store/index.js';
import type { SessionKey } from '../whatsapp/engine.js';
import type { LinkSnapshot } from './snapshot.js';

type SessionEventType = 'session.connected' | 'session.disconnected';

export function sessionEvent<T extends SessionEventType>(at: number, key: SessionKey, type: T, data: Extract<WebhookEventDraft, { type: T }>['data']): WebhookEventDraft {
  return { tenantId: key.tenantId, sessionName: key.name, type, data, at } as WebhookEventDraft;
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
