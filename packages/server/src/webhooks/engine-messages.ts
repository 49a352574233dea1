// The linking engines' message events (Baileys `messages.upsert` and acks, both engines' shape)
// as webhook events: `message` → `message.received`, `message_status` → `message.status`. They
// change no session state, so they go through the publisher, not a link change; the events of
// one turn of the event loop are published together (one outbox transaction for a burst).
import type { Logger } from 'pino';
import type { EngineEvent, LinkingEngine } from '../whatsapp/engine.js';
import type { WebhookEventDraft, WebhookPublisher } from './types.js';

/** The webhook event of an engine event; null for events that are not about messages. */
export function messageEvent(event: EngineEvent): WebhookEventDraft | null {
  const { tenantId, name: session } = event.key;
  if (event.type === 'message') {
    const { id, from, type, text, timestamp } = event.message;
    const data = { session, id, from, type, ...(text === undefined ? {} : { text }), timestamp: new Date(timestamp).toISOString() };
    return { tenantId, sessionName: session, type: 'message.received', data };
  }
  if (event.type === 'message_status') return { tenantId, sessionName: session, type: 'message.status', data: { session, id: event.id, status: event.status } };
  return null;
}

/** Subscribes to `engine` and publishes its message events; returns the unsubscribe function. */
export function forwardEngineMessages(engine: Pick<LinkingEngine, 'subscribe'>, publisher: WebhookPublisher, logger: Pick<Logger, 'error'>): () => void {
  let batch: WebhookEventDraft[] = [];
  const flush = () => {
    const events = batch;
    batch = [];
    publisher.publish(events).catch((err: unknown) => logger.error({ err, events: events.length }, 'webhooks: could not store message events'));
  };
  return engine.subscribe((event) => {
    const draft = messageEvent(event);
    if (!draft) return;
    if (batch.length === 0) setImmediate(flush);
    batch.push(draft);
  });
}
