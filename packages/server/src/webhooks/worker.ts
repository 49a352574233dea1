// The delivery worker: takes due deliveries from the outbox (a poll, and a wake-up right after a
// commit with events so latency stays low), sends each signed, at most `concurrency` at a time,
// and records every attempt. At least once: a delivery is leased when claimed, so one whose
// process died mid-attempt is due again when the lease runs out, with the same webhook-id.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { WebhookConfig } from '../config.types.js';
import type { Store, WebhookAttemptResult, WebhookDeliveryJob } from '../store/index.js';
import { webhookSecretBox } from '../services/webhooks.js';
import { deliverWebhook, type DeliveryOutcome, type DeliveryRequest } from './deliver.js';
import { decideAttempt } from './schedule.js';
import { signWebhook } from './sign.js';

/** Success is a 2xx within 15 s (DESIGN "Webhooks"). */
export const DELIVERY_TIMEOUT_MS = 15_000;

export interface WebhookWorkerOptions {
  store: Pick<Store, 'claimWebhookDeliveries' | 'recordWebhookAttempts'>;
  clock: Clock;
  logger: Logger;
  /** TITAN_SECRET: opens the sealed `whsec_` secrets. */
  secret: string;
  config: WebhookConfig;
  /** HTTP deliveries in flight at most (one slow receiver must not hold the others up). */
  concurrency?: number;
  /** How often the outbox is looked at without a wake-up (retries coming due, other instances' events). */
  pollMs?: number;
  timeoutMs?: number;
  /** How long a claimed delivery is this worker's: past the timeout, so only a dead worker's lapses. */
  leaseMs?: number;
  /** The HTTP call (tests stub it). */
  deliver?: (request: DeliveryRequest, options: { allowPrivate: boolean; timeoutMs?: number }) => Promise<DeliveryOutcome>;
}

/** `{ type, timestamp, data }` from the stored event: `data` is spliced in as stored, never parsed again. */
export const webhookBody = (job: Pick<WebhookDeliveryJob, 'type' | 'createdAt' | 'payload'>): string =>
  `{"type":${JSON.stringify(job.type)},"timestamp":"${new Date(job.createdAt).toISOString()}","data":${job.payload}}`;

export class WebhookWorker {
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly deliver: NonNullable<WebhookWorkerOptions['deliver']>;
  private readonly secrets = new Map<string, string>();
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private results: WebhookAttemptResult[] = [];
  private flushing: Promise<void> | null = null;
  private claiming = false;
  private claimAgain = false;
  private wakeScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** Past `stop()`: the store may be closed; late results are left to their lease. */
  private closed = false;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 15_000;
    this.deliver = options.deliver ?? deliverWebhook;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.closed = false;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Look at the outbox soon (coalesced: many commits in one turn make one claim). */
  wake(): void {
    if (this.stopped || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.claim();
    });
  }

  /**
   * Stops claiming; waits up to `graceMs` for the attempts in flight and records them. Attempts
   * still running after that are left to their lease (sent again later, with the same id).
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (grace = setTimeout(resolve, graceMs)))]);
    clearTimeout(grace);
    await this.flush();
    this.closed = true;
  }

  /** Resolves when nothing is in flight and every result is recorded (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.flushing || this.results.length > 0 || this.claiming) {
      await Promise.allSettled([...this.running]);
      await this.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async claim(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        const room = this.concurrency - this.inFlight;
        if (this.stopped || room <= 0) return;
        const jobs = await this.options.store.claimWebhookDeliveries(this.options.clock.now(), room, this.leaseMs);
        this.sendAll(jobs);
        // A full batch: more may be due right away.
        if (jobs.length === room) this.claimAgain = true;
      } while (this.claimAgain && !this.stopped);
    } catch (err) {
      this.options.logger.error({ err }, 'webhooks: could not claim deliveries');
    } finally {
      this.claiming = false;
    }
  }

  private sendAll(jobs: readonly WebhookDeliveryJob[]): void {
    // One body per event, however many endpoints it goes to.
    const bodies = new Map<string, string>();
    for (const job of jobs) {
      let body = bodies.get(job.eventId);
      if (body === undefined) bodies.set(job.eventId, (body = webhookBody(job)));
      this.inFlight++;
      const attempt = this.send(job, body).finally(() => {
        this.running.delete(attempt);
      });
      this.running.add(attempt);
    }
  }

  private async send(job: WebhookDeliveryJob, body: string): Promise<void> {
    const { allowPrivate, retrySchedule } = this.options.config;
    let outcome: DeliveryOutcome;
    try {
      const timestampSeconds = Math.floor(this.options.clock.now() / 1000);
      const signature = signWebhook(this.secretOf(job.secretEnc), job.eventId, timestampSeconds, body);
      outcome = await this.deliver({ url: job.url, id: job.eventId, timestampSeconds, body, signature }, { allowPrivate, timeoutMs: this.timeoutMs });
    } catch (err) {
      outcome = { ok: false, statusCode: null, latencyMs: 0, error: err instanceof Error ? err.message : String(err) };
    }
    if (this.closed) return;
    const at = this.options.clock.now();
    const decision = decideAttempt(job.attempts + 1, outcome.ok ? (outcome.statusCode ?? 200) : outcome.statusCode, at, retrySchedule);
    if (decision.outcome === 'gone') this.options.logger.warn({ endpoint: job.endpointId }, 'webhooks: the receiver answered 410; endpoint disabled');
    this.results.push({
      eventId: job.eventId,
      endpointId: job.endpointId,
      at,
      statusCode: outcome.statusCode,
      error: outcome.ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`),
      latencyMs: Math.round(outcome.latencyMs),
      ...decision,
    });
    await this.flush();
  }

  /** Records the attempts finished so far in one transaction, then frees their slots. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.results.length > 0 ? this.flush() : undefined));
    if (this.results.length === 0) return Promise.resolve();
    const batch = this.results;
    this.results = [];
    this.flushing = (async () => {
      // Let attempts finishing in the same turn join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      batch.push(...this.results.splice(0));
      try {
        await this.options.store.recordWebhookAttempts(batch);
      } catch (err) {
        // Unrecorded attempts stay leased: sent again when the lease runs out (at least once).
        this.options.logger.error({ err }, 'webhooks: could not record delivery attempts');
      } finally {
        this.inFlight -= batch.length;
        this.flushing = null;
      }
      this.wake();
    })();
    return this.flushing;
  }

  private secretOf(secretEnc: string): string {
    let secret = this.secrets.get(secretEnc);
    if (secret === undefined) {
      // Endpoints are few; a bound keeps a long-lived process from keeping every old one.
      if (this.secrets.size >= 1000) this.secrets.clear();
      secret = webhookSecretBox(this.options.secret).open(secretEnc);
      this.secrets.set(secretEnc, secret);
    }
    return secret;
  }
}

/**
 * The store as the app sees it, waking the worker after every commit that put events in the
 * outbox (a link change with events, or events appended), so they go out at once.
 */
export function withWebhookWakeups<S extends Store>(store: S, wake: () => void): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'commitLinkChange') {
        // Every argument passes through (cluster mode adds its lease fence).
        return async (...args: Parameters<Store['commitLinkChange']>) => {
          await target.commitLinkChange(...args);
          if (args[0].webhookEvents?.length) wake();
        };
      }
      if (prop === 'appendWebhookEvents' || prop === 'retryWebhookDelivery') {
        return async (...args: unknown[]) => {
          const result = await (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          wake();
          return result;
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
