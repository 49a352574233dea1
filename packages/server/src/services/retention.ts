// Widget sessions are kept a while after they expire (support questions, "what happened to my
// link?"), then deleted: otherwise every widget ever opened stays in the database forever. The
// webhook outbox likewise: an event is kept while an endpoint waits for it, and for its delivery
// log a while after.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Store } from '../store/types.js';

const DAY = 24 * 60 * 60 * 1000;

/** How long an expired widget session's row is kept: a week covers a support ticket. */
export const WIDGET_SESSION_RETENTION_MS = 7 * DAY;
/** How long a webhook event that no endpoint waits for is kept: its delivery log (and a manual retry) for a month. */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * DAY;
/** How often the purge runs: hourly keeps each run small and the table near its bound. */
export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface PurgeJob {
  /** Resolves when the run started with the job (at start-up) is done. */
  readonly firstRun: Promise<void>;
  stop(): void;
}

/**
 * Deletes widget sessions that expired more than `retentionMs` ago: once now, then every
 * `intervalMs`. The timer is unref'd (it never keeps the process alive), a failed run is logged
 * and the next one tries again.
 */
export function startWidgetSessionPurge(
  deps: { store: Pick<Store, 'purgeWidgetSessions'>; clock: Clock; logger: Pick<Logger, 'info' | 'error'> },
  options: { retentionMs?: number; intervalMs?: number } = {},
): PurgeJob {
  const retentionMs = options.retentionMs ?? WIDGET_SESSION_RETENTION_MS;
  return startPurge(deps, options, (now) => deps.store.purgeWidgetSessions(now - retentionMs), 'widget sessions past their retention', 'expired widget sessions');
}

/** The same for the webhook outbox: events past `retentionMs` that no endpoint waits for. */
export function startWebhookEventPurge(
  deps: { store: Pick<Store, 'purgeWebhookEvents'>; clock: Clock; logger: Pick<Logger, 'info' | 'error'> },
  options: { retentionMs?: number; intervalMs?: number } = {},
): PurgeJob {
  const retentionMs = options.retentionMs ?? WEBHOOK_EVENT_RETENTION_MS;
  return startPurge(deps, options, (now) => deps.store.purgeWebhookEvents(now - retentionMs), 'webhook events past their retention', 'old webhook events');
}

function startPurge(
  deps: { clock: Clock; logger: Pick<Logger, 'info' | 'error'> },
  options: { intervalMs?: number },
  purge: (now: number) => Promise<number>,
  what: string,
  failed: string,
): PurgeJob {
  const run = async (): Promise<void> => {
    try {
      const purged = await purge(deps.clock.now());
      if (purged > 0) deps.logger.info({ purged }, `purged ${what}`);
    } catch (err) {
      deps.logger.error({ err }, `could not purge ${failed}`);
    }
  };
  const timer = setInterval(() => void run(), options.intervalMs ?? PURGE_INTERVAL_MS);
  timer.unref();
  return { firstRun: run(), stop: () => clearInterval(timer) };
}
