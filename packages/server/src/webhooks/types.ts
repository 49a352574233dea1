// The seam between what produces webhook events and the outbox that delivers them.
import type { WebhookEventDraft } from '../store/index.js';

export type { WebhookEventDraft };

/**
 * Puts events into the transactional outbox (one transaction for the batch), fanned out to the
 * tenant's enabled endpoints that subscribe to each type. Status changes do not go through here:
 * they ride on `LinkChange.webhookEvents` so they commit with the change itself.
 */
export interface WebhookPublisher {
  publish(events: readonly WebhookEventDraft[]): Promise<void>;
}
