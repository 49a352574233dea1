import type { Logger } from 'pino';
import type { WebhookPublisher } from './types.js';

/** The publisher when none is wired (tests, or an app built without webhooks): events are dropped with a debug line. */
export const noopWebhookPublisher = (logger: Logger): WebhookPublisher => ({
  publish: async (events) => {
    logger.debug({ events: events.length, types: [...new Set(events.map((e) => e.type))] }, 'no webhook publisher: events dropped');
  },
});
