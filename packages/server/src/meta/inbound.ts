// Cloud API inbound webhooks (DESIGN "Webhooks", last bullet): Meta's subscription check, and
// signed deliveries of messages and statuses turned into our own events. A delivery is signed
// with the secret of the Meta app subscribed to the WABA: the platform app (META_APP_SECRET) or
// a customer's own app (BYOA, its secret sealed in `cloud_api` at finish). Each session's events
// are published only when the body is signed by that session's own app, so one customer's app
// secret can never speak for another tenant's number.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { SecretBox } from '../secrets.js';
import type { WaSessionRecord } from '../store/types.js';
import type { WebhookEventDraft, WebhookPublisher } from '../webhooks/types.js';
import { parseStoredCloudApi } from './embedded-signup.js';
import { cloudApiChanges, draftsForChange } from './inbound-events.js';

/** Bounds the store look-ups one delivery can cause before its signature is known to be good. */
export const MAX_NUMBERS_PER_DELIVERY = 100;

const SIGNATURE_HEADER = /^sha256=([0-9a-f]{64})$/i;

/** Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of the raw body under `appSecret`; constant-time. */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const hex = header === undefined ? null : SIGNATURE_HEADER.exec(header.trim())?.[1];
  if (!hex) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

/** Equal strings in time that does not depend on where they differ (hashes first: lengths may differ). */
const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Meta's `hub.challenge` is a number; anything else is not reflected. */
const CHALLENGE = /^[A-Za-z0-9._-]{1,256}$/;

/** Where a session's inbound deliveries must be signed from; null when we cannot know (and so cannot verify). */
type SessionSigner = { app: 'platform' } | { app: 'byoa'; appId: string; secret: string } | null;

export interface InboundResult {
  /** Events handed to the publisher. */
  published: number;
  /** Changes skipped: unknown number, or signed by an app that is not the session's. */
  ignored: number;
}

export class MetaInbound {
  private readonly box: SecretBox;

  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'store' | 'clock' | 'logger'>,
    private readonly publisher: WebhookPublisher,
  ) {
    this.box = new SecretBox(deps.config.secret);
  }

  /** `GET /webhooks/meta`: the `hub.challenge` to answer, or an HttpError for Meta's dashboard to show. */
  challenge(query: Record<string, unknown>): string {
    const expected = this.deps.config.meta.verifyToken;
    if (!expected) throw new HttpError(404, 'NOT_FOUND', 'Cloud API webhooks are not set up on this server: set META_VERIFY_TOKEN and use it as the verify token in Meta.');
    const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = query;
    if (mode !== 'subscribe' || typeof token !== 'string' || !sameSecret(token, expected)) {
      throw new HttpError(403, 'UNAUTHORIZED', 'hub.mode must be subscribe and hub.verify_token must equal META_VERIFY_TOKEN.');
    }
    if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) throw new HttpError(400, 'BAD_REQUEST', 'hub.challenge is missing or not a token.');
    return challenge;
  }

  /**
   * `POST /webhooks/meta`: verifies, maps and publishes. 401 (and nothing published) unless the
   * body is signed by the platform app or by the app of a session it names. Resolves once the
   * events are in the outbox, so a failure here is a 500 and Meta delivers again.
   */
  async receive(rawBody: Buffer, signatureHeader: string | undefined): Promise<InboundResult> {
    const log = this.deps.logger;
    if (signatureHeader === undefined || !SIGNATURE_HEADER.test(signatureHeader.trim())) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Missing or malformed X-Hub-Signature-256 header (expected sha256=<hex HMAC of the body>).');
    }
    let body: unknown = null;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      // Verified below like any other body: an unsigned one is 401, whatever it holds.
    }
    const changes = cloudApiChanges(body);
    const numbers = [...new Set(changes.map((c) => c.phoneNumberId))];
    if (numbers.length > MAX_NUMBERS_PER_DELIVERY) {
      throw new HttpError(400, 'BAD_REQUEST', `One delivery names more than ${MAX_NUMBERS_PER_DELIVERY} phone numbers.`);
    }

    const platformSecret = this.deps.config.meta.appSecret;
    const platformSigned = platformSecret !== null && verifyHubSignature(rawBody, signatureHeader, platformSecret);
    const sessions = new Map<string, { session: WaSessionRecord; signed: boolean }>();
    for (const phoneNumberId of numbers) {
      const session = await this.deps.store.findCloudApiSession(phoneNumberId);
      if (!session) continue;
      const signer = this.signerOf(session);
      const signed = signer?.app === 'platform' ? platformSigned : signer ? verifyHubSignature(rawBody, signatureHeader, signer.secret) : false;
      sessions.set(phoneNumberId, { session, signed });
    }
    if (!platformSigned && ![...sessions.values()].some((s) => s.signed)) {
      log.warn({ phoneNumberIds: numbers.slice(0, 10) }, 'Cloud API webhook refused: X-Hub-Signature-256 matches no app secret of the platform or of the sessions it names');
      throw new HttpError(401, 'UNAUTHORIZED', 'X-Hub-Signature-256 does not match the body under the Meta app secret.');
    }
    if (body === null || typeof body !== 'object') throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');

    const now = this.deps.clock.now();
    const drafts: WebhookEventDraft[] = [];
    let ignored = 0;
    for (const { phoneNumberId, value } of changes) {
      const found = sessions.get(phoneNumberId);
      if (!found) {
        ignored++;
        log.info({ phoneNumberId }, 'Cloud API webhook for a phone number no session has: ignored');
        continue;
      }
      const { session, signed } = found;
      if (!signed) {
        ignored++;
        log.warn({ phoneNumberId, tenantId: session.tenantId, session: session.name }, "Cloud API webhook not signed by this session's Meta app: its changes are ignored");
        continue;
      }
      drafts.push(...draftsForChange(session, value, now));
    }
    if (drafts.length > 0) await this.publisher.publish(drafts);
    log.debug({ published: drafts.length, ignored }, 'Cloud API webhook received');
    return { published: drafts.length, ignored };
  }

  /** The platform app for its own app id, else the session's sealed BYOA secret. */
  private signerOf(session: WaSessionRecord): SessionSigner {
    const stored = parseStoredCloudApi(session.cloudApi);
    if (!stored) return null;
    const { appId, appSecret } = this.deps.config.meta;
    if (appSecret !== null && stored.appId === appId) return { app: 'platform' };
    if (stored.appSecretEnc) {
      try {
        return { app: 'byoa', appId: stored.appId, secret: this.box.open(stored.appSecretEnc) };
      } catch {
        this.deps.logger.warn({ tenantId: session.tenantId, session: session.name }, 'The BYOA app secret of this Cloud API session cannot be decrypted (was TITAN_SECRET changed?)');
        return null;
      }
    }
    this.deps.logger.warn(
      { tenantId: session.tenantId, session: session.name, appId: stored.appId },
      'No app secret is stored for the Meta app of this Cloud API session (linked before inbound webhooks existed, or not the platform app): link it again to receive its messages',
    );
    return null;
  }
}
