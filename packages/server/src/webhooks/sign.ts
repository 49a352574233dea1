// Standard Webhooks 1.0 signing (DESIGN "Webhooks"). The framing (`id.timestamp.body`, the
// `whsec_` key encoding, the `v1,` prefix) comes from the `standardwebhooks` package itself, so
// what we send is exactly what its `verify` and every other Standard Webhooks library accept.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The prefix Standard Webhooks gives a base64 signing key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 24 random bytes (192 bits, in the 24-64 byte range the spec asks for). */
export const generateWebhookSecret = (): string => WEBHOOK_SECRET_PREFIX + randomBytes(24).toString('base64');

/**
 * The `webhook-signature` header value (`v1,<base64 HMAC-SHA256>`) for one attempt. `id` is the
 * event id (the same on every attempt); `timestampSeconds` is the attempt's `webhook-timestamp`.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) throw new RangeError(`Not a Unix timestamp in seconds: ${timestampSeconds}`);
  return new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body);
}
