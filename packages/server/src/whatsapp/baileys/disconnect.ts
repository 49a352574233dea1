// What to do when a Baileys socket closes. Pure: the status code (and a little context) in, one
// decision out, so every branch of the policy is a table row in the test.
import type { ErrorCode } from '@titan-connect/protocol';
import { FAILURE_MESSAGES } from '../engine.js';

/** Bounded exponential back-off for transient failures (network, 408/428/503). */
export interface BackoffPolicy {
  /** Reconnect attempts after a transient failure before giving up with `WA_UNREACHABLE`. */
  maxRetries: number;
  /** Delay before the first retry; doubles on each next one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** ±fraction of random spread, so many sessions cut off together do not reconnect in lockstep. */
  jitter: number;
}

/** 5 tries, 1 s → 16 s: about 31 s of trying before the widget is told WhatsApp is unreachable. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxRetries: 5, baseDelayMs: 1_000, maxDelayMs: 16_000, jitter: 0.2 };

const WA_UNREACHABLE_MESSAGE = FAILURE_MESSAGES.WA_UNREACHABLE;

export type DisconnectDecision =
  /** 515 after a scan: WhatsApp wants a fresh socket with the creds it just issued. */
  | { kind: 'restart' }
  /** The device was unlinked (or refused): delete creds, never reconnect. */
  | { kind: 'logged_out'; message: string }
  /** Another client took over these creds: stop, do not fight it in a loop. */
  | { kind: 'replaced' }
  /** Every QR ref was shown and none was scanned. */
  | { kind: 'qr_timeout' }
  | { kind: 'retry'; attempt: number; delayMs: number; message: string }
  | { kind: 'fail'; code: ErrorCode; message: string; retryable: boolean };

export interface DisconnectContext {
  /** `lastDisconnect.error` of the `connection.update` close event (a Boom, or anything). */
  error: unknown;
  /** How many QRs this socket showed (a 408 after QRs is the ref cycle running out). */
  qrsShown: number;
  maxQrAttempts: number;
  /**
   * The phone linked this socket's device (pair-success wrote registered creds) before it
   * closed. Baileys keeps its QR timer running after pair-success, so a slow 515 (a busy event
   * loop, a slow edge) can end the socket with "QR refs attempts ended" after a good scan.
   */
  paired?: boolean;
  /** Transient-failure retries already spent since the last successful open or QR. */
  retriesSoFar: number;
  policy: BackoffPolicy;
  random?: () => number;
}

/** The status code Baileys puts on its Boom errors (`output.statusCode`), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | null | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : '';
}

/** Delay before retry number `attempt` (1-based): base · 2^(attempt-1), capped, with jitter. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const spread = raw * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + spread));
}

const LOGGED_OUT_CODES = new Set([401, 403, 419]); // baileys' UNAUTHORIZED_CODES

export function decideDisconnect(ctx: DisconnectContext): DisconnectDecision {
  const code = statusCodeOf(ctx.error);
  const message = messageOf(ctx.error);

  if (code === 515) return { kind: 'restart' };
  if (code !== undefined && LOGGED_OUT_CODES.has(code)) {
    return {
      kind: 'logged_out',
      message: code === 401 ? FAILURE_MESSAGES.LOGGED_OUT : `WhatsApp refused this device (${code})`,
    };
  }
  if (code === 440) return { kind: 'replaced' };
  // Baileys ends the socket with 408 "QR refs attempts ended" when the last ref expires; a network
  // timeout is also 408, so the message (or having shown every QR) tells the two apart.
  if (/QR refs attempts ended/i.test(message) || (code === 408 && ctx.qrsShown >= ctx.maxQrAttempts)) {
    // Linked already: log in with the new creds, as after the 515 that did not come in time.
    return ctx.paired ? { kind: 'restart' } : { kind: 'qr_timeout' };
  }
  if (code === 411) {
    return { kind: 'fail', code: 'LINKING_FAILED', message: 'This WhatsApp account does not support linked devices', retryable: false };
  }
  // Everything else (408 lost/timed out, 428 closed, 503, 500 bad session, 405 stale version,
  // WebSocket errors such as ENOTFOUND or ECONNREFUSED) is worth a bounded number of retries.
  const attempt = ctx.retriesSoFar + 1;
  if (attempt > ctx.policy.maxRetries) {
    return { kind: 'fail', code: 'WA_UNREACHABLE', message: WA_UNREACHABLE_MESSAGE, retryable: true };
  }
  return {
    kind: 'retry',
    attempt,
    delayMs: backoffDelay(attempt, ctx.policy, ctx.random),
    message: `${WA_UNREACHABLE_MESSAGE}; retrying (${attempt}/${ctx.policy.maxRetries})`,
  };
}
