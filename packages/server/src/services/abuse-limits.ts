// The persisted abuse limits (SECURITY.md lists them): pairing codes per widget session, per
// phone number and per session name, and Cloud API finishes per widget session. Counted in the
// store, so a restart does not reset them and every instance on one database shares them.
import { createHmac } from 'node:crypto';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { RateLimitBucket } from '../store/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface PairingLimits {
  /** Per widget session: a user who mistyped the number retries a couple of times. */
  perWidgetSession: { limit: number; windowMs: number };
  /**
   * Per phone number, across every tenant and session: each code makes WhatsApp push a
   * notification to that phone, and WhatsApp bans numbers (ours and theirs) that ask too often.
   */
  perPhoneNumber: { limit: number; windowMs: number };
  /** Per tenant and session name: many widget sessions for one name cannot multiply the above. */
  perSessionName: { limit: number; windowMs: number };
}

export const PAIRING_LIMITS: PairingLimits = {
  perWidgetSession: { limit: 3, windowMs: MINUTE },
  perPhoneNumber: { limit: 5, windowMs: HOUR },
  perSessionName: { limit: 10, windowMs: HOUR },
};

/**
 * Cloud API finishes per widget session (= per token, which lives 15 min): each spends calls
 * against the platform Meta app's Graph rate limit, shared by every tenant.
 */
export const CLOUD_API_FINISHES = { limit: 5, windowMs: 15 * MINUTE };

export class AbuseLimits {
  constructor(
    private readonly deps: Pick<AppDeps, 'store' | 'clock' | 'config'>,
    private readonly pairing: PairingLimits = PAIRING_LIMITS,
  ) {}

  /** Counts one pairing-code request; 429 with `Retry-After` when any of its limits is full. */
  async takePairingCode(widget: { id: string; tenantId: string; sessionName: string }, phoneNumber: string): Promise<void> {
    const { perWidgetSession, perPhoneNumber, perSessionName } = this.pairing;
    await this.take('pairing codes', [
      { key: `pairing:ws:${widget.id}`, ...perWidgetSession },
      // Keyed by a keyed hash: the table must not become a list of phone numbers.
      { key: `pairing:phone:${this.pseudonym(phoneNumber)}`, ...perPhoneNumber },
      { key: `pairing:name:${widget.tenantId}/${widget.sessionName}`, ...perSessionName },
    ]);
  }

  /** Counts one Cloud API finish attempt of a widget session. */
  async takeCloudApiFinish(widgetSessionId: string): Promise<void> {
    await this.take('Cloud API signup attempts', [{ key: `cloud-api:ws:${widgetSessionId}`, ...CLOUD_API_FINISHES }]);
  }

  private async take(what: string, buckets: RateLimitBucket[]): Promise<void> {
    const result = await this.deps.store.takeRateLimit(buckets, this.deps.clock.now());
    if (result.allowed) return;
    const retryAfter = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    throw new HttpError(429, 'RATE_LIMITED', `Too many ${what}; try again in ${retryAfter} s.`, { 'Retry-After': String(retryAfter) });
  }

  private pseudonym(phoneNumber: string): string {
    return createHmac('sha256', this.deps.config.secret).update(`phone:${phoneNumber}`).digest('base64url').slice(0, 22);
  }
}
