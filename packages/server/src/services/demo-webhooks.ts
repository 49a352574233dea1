// The demo page's webhook receiver: the demo registers an endpoint of tenant `default` pointing
// back at this server (`/demo/webhooks/receiver`), verifies what arrives there as an integrator's
// backend would, and keeps the last deliveries for the page to show. A receiver on this server's
// own loopback is just what the SSRF guard refuses, so it exists only with
// TITAN_WEBHOOK_ALLOW_PRIVATE=1 (`pnpm start` sets it); otherwise the panel says so.
import type { Logger } from 'pino';
import type { WebhookEventType } from '@titan-connect/protocol';
import { DEFAULT_WEBHOOK_CONFIG } from '../config.js';
import type { AppDeps } from '../deps.js';
import { webhookSecretBox, type Webhooks } from './webhooks.js';

/** Where the demo's endpoint points, under PUBLIC_URL. */
export const DEMO_RECEIVER_PATH = '/demo/webhooks/receiver';
/** Marks the endpoint as the demo's own, so a start on another PUBLIC_URL replaces it. */
export const DEMO_ENDPOINT_DESCRIPTION = 'Titan Connect demo page (created at start, TITAN_DEMO on)';
/** Deliveries the page can show: enough for a few link-and-message rounds, bounded in memory. */
export const DEMO_DELIVERIES_KEPT = 50;

/** One verified delivery as the demo page lists it. */
export interface DemoDelivery {
  /** `webhook-id`: the event id, the same on every attempt. */
  id: string;
  type: WebhookEventType;
  timestamp: string;
  data: unknown;
  receivedAt: string;
  verified: true;
}

/** What the panel polls: whether deliveries can arrive at all, and the last ones, newest first. */
export interface DemoDeliveries {
  receiving: boolean;
  /** Why not, when not receiving. */
  reason: string | null;
  deliveries: DemoDelivery[];
}

/** The receiver's state: the endpoint's secret once registered, and the last verified deliveries. */
export class DemoWebhookInbox {
  private secretValue: string | null = null;
  private reason: string | null = 'The demo has not registered its webhook endpoint yet.';
  private readonly deliveries: DemoDelivery[] = [];

  /** The `whsec_` secret deliveries are verified with; null until registered. */
  get secret(): string | null {
    return this.secretValue;
  }

  receiveWith(secret: string): void {
    this.secretValue = secret;
    this.reason = null;
  }

  refuse(reason: string): void {
    this.secretValue = null;
    this.reason = reason;
  }

  /** Keeps a verified delivery; false when its id is already kept (a retry of an event already shown). */
  add(delivery: DemoDelivery): boolean {
    if (this.deliveries.some((d) => d.id === delivery.id)) return false;
    this.deliveries.unshift(delivery);
    this.deliveries.length = Math.min(this.deliveries.length, DEMO_DELIVERIES_KEPT);
    return true;
  }

  list(): DemoDeliveries {
    return { receiving: this.secretValue !== null, reason: this.reason, deliveries: [...this.deliveries] };
  }
}

export const PRIVATE_NOT_ALLOWED =
  'This server does not deliver webhooks to private addresses such as its own: set TITAN_WEBHOOK_ALLOW_PRIVATE=1 to see deliveries here.';

/**
 * At start with the demo on: makes sure tenant `default` has exactly one demo endpoint at
 * `<PUBLIC_URL>/demo/webhooks/receiver` and hands its secret to the inbox. Secrets are sealed
 * with TITAN_SECRET, so the existing endpoint is reused across restarts; one whose secret no
 * longer opens (TITAN_SECRET changed), or that a start on another PUBLIC_URL left, is replaced.
 * Never throws: the demo panel explains what went wrong instead of the server failing to start.
 */
export async function registerDemoWebhook(
  deps: Pick<AppDeps, 'store' | 'config'> & { logger: Logger },
  webhooks: Webhooks,
  inbox: DemoWebhookInbox,
  tenantId: string,
): Promise<void> {
  const { allowPrivate } = deps.config.webhooks ?? DEFAULT_WEBHOOK_CONFIG;
  if (!allowPrivate) {
    inbox.refuse(PRIVATE_NOT_ALLOWED);
    return;
  }
  const url = `${deps.config.publicUrl}${DEMO_RECEIVER_PATH}`;
  try {
    const box = webhookSecretBox(deps.config.secret);
    let reused: { id: string; secret: string } | null = null;
    for (const endpoint of await deps.store.listWebhookEndpoints(tenantId)) {
      if (endpoint.description !== DEMO_ENDPOINT_DESCRIPTION) continue;
      const secret: string | null = endpoint.url === url && !reused ? openOrNull(() => box.open(endpoint.secretEnc)) : null;
      if (secret === null) {
        await webhooks.deleteAny(endpoint.id);
        continue;
      }
      reused = { id: endpoint.id, secret };
      // A 410 or an operator may have turned it off; the demo wants its deliveries.
      if (!endpoint.enabled) await webhooks.update(tenantId, endpoint.id, { enabled: true });
    }
    const endpoint = reused ?? (await webhooks.create(tenantId, { url, description: DEMO_ENDPOINT_DESCRIPTION }));
    inbox.receiveWith(endpoint.secret);
    deps.logger.info({ endpoint: endpoint.id, url }, `demo: webhook deliveries of tenant ${tenantId} show on the demo page`);
  } catch (err) {
    deps.logger.warn({ err, url }, 'demo: could not register the webhook endpoint of the demo page');
    inbox.refuse(`The demo could not register its webhook endpoint (${err instanceof Error ? err.message : String(err)}); see the server log.`);
  }
}

const openOrNull = (open: () => string): string | null => {
  try {
    return open();
  } catch {
    return null;
  }
};
