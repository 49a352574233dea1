// Inbound messages and the statuses of sent ones, from the linking engine to the webhook outbox:
// `message` → `message.received`, `message_status` → `message.status`. Not a link change, so
// they go through the `WebhookPublisher` rather than riding on a `LinkChange` (webhooks/types.ts).
import type { Logger } from 'pino';
import type { WebhookEventDraft, WebhookPublisher } from '../webhooks/types.js';
import type { EngineEvent, LinkingEngine } from '../whatsapp/engine.js';

/** The webhook event an engine event becomes, or null for the events this service does not publish. */
export const inboundDraft = (event: EngineEvent): WebhookEventDraft | null => {
  const base = { tenantId: event.key.tenantId, sessionName: event.key.name } as const;
  if (event.type === 'message') {
    const { id, from, type, text, timestamp } = event.message;
    return {
      ...base,
      type: 'message.received',
      data: { session: event.key.name, id, from, type, ...(text === undefined ? {} : { text }), timestamp: new Date(timestamp).toISOString() },
    };
  }
  if (event.type === 'message_status') {
    return { ...base, type: 'message.status', data: { session: event.key.name, id: event.id, status: event.status } };
  }
  return null;
};

export interface InboundMessages {
  /** Stops listening to the engine (what is already queued is still published). */
  stop(): void;
  /** Resolves once everything received so far was handed to the publisher (tests, shutdown). */
  settled(): Promise<void>;
}

/**
 * Publishes every inbound message and status of the engine's sessions. One publish at a time, in
 * the order the engine reported them: the outbox numbers events as they commit, and a message's
 * "delivered" must never be numbered after its "read". A failed publish is logged and the next
 * one goes on (the engine cannot replay an event; the outbox is what makes delivery durable).
 */
export function publishInboundMessages(engine: Pick<LinkingEngine, 'subscribe'>, publisher: WebhookPublisher, logger: Logger): InboundMessages {
  let chain: Promise<void> = Promise.resolve();
  const stop = engine.subscribe((event) => {
    const draft = inboundDraft(event);
    if (!draft) return;
    chain = chain
      .then(() => publisher.publish([draft]))
      .catch((err: unknown) => logger.error({ err, type: draft.type, session: draft.sessionName }, 'could not publish a webhook event'));
  });
  return { stop, settled: () => chain };
}
