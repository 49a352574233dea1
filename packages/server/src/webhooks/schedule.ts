// The delivery policy as pure functions (tested as tables): what an attempt's outcome means for
// the delivery, and the retry schedule's text form (TITAN_WEBHOOK_RETRY_SCHEDULE).
import type { WebhookAttemptResult } from '../store/index.js';

/** Seconds between attempts after the first: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (DESIGN "Webhooks"). */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** Longest wait the schedule accepts between two attempts: a week, far past any outage worth retrying. */
const MAX_DELAY_SECONDS = 7 * 24 * 3600;

/** `5,300,1800`: seconds; null when it is not a non-empty list of numbers from 0 to a week. */
export function parseRetrySchedule(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.length > 50) return null;
  const seconds = parts.map((p) => (/^\d+(\.\d+)?$/.test(p) ? Number(p) : NaN));
  return seconds.every((s) => Number.isFinite(s) && s >= 0 && s <= MAX_DELAY_SECONDS) ? seconds : null;
}

export type AttemptDecision = Pick<WebhookAttemptResult, 'outcome' | 'nextAttemptAt' | 'disabledReason'>;

/**
 * What attempt number `attempt` (1 for the first try) that ended with `statusCode` (null: no
 * answer) at `now` means: 2xx delivered; 410 the receiver asked to be forgotten (the endpoint is
 * disabled); otherwise retry after `schedule[attempt - 1]` seconds, or failed once the schedule
 * is spent (a manual retry still works).
 */
export function decideAttempt(attempt: number, statusCode: number | null, now: number, schedule: readonly number[]): AttemptDecision {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { outcome: 'delivered' };
  if (statusCode === 410) return { outcome: 'gone', disabledReason: 'The receiver answered 410 Gone: it asked not to get more webhooks.' };
  const wait = schedule[attempt - 1];
  if (wait === undefined) return { outcome: 'failed' };
  return { outcome: 'retry', nextAttemptAt: now + wait * 1000 };
}
