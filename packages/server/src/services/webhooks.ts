// Webhook endpoints (the integrator's URLs and signing secrets), their delivery log, and the
// publisher that puts events outside a link change (`webhook.test`, inbound messages) into the
// outbox. Routes and the CLI call this; it calls the store and the SSRF check.
import type { CreatedWebhookEndpoint, WebhookDeliveryInfo, WebhookEndpointInfo, WebhookEventType } from '@titan-connect/protocol';
import { randomBase62 } from '../api-keys.js';
import { WEBHOOK_ENDPOINT_ID_PATTERN, WEBHOOK_EVENT_ID_PATTERN } from '../api-schemas.js';
import { DEFAULT_WEBHOOK_CONFIG } from '../config.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { SecretBox } from '../secrets.js';
import type { WebhookDeliveryRecord, WebhookEndpointPatch, WebhookEndpointRecord, WebhookEventDraft } from '../store/index.js';
import { generateWebhookSecret } from '../webhooks/sign.js';
import { checkWebhookUrl, WebhookUrlError } from '../webhooks/ssrf.js';
import type { WebhookPublisher } from '../webhooks/types.js';

/** HKDF purpose of the key that seals `whsec_` secrets (its own key, apart from other secrets). */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secrets v1';
export const webhookSecretBox = (secret: string): SecretBox => new SecretBox(secret, WEBHOOK_SECRET_PURPOSE);

/** Deliveries one `GET …/deliveries` answers at most (newest first). */
export const MAX_DELIVERIES_PAGE = 100;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const webhookEndpointInfo = (e: WebhookEndpointRecord): WebhookEndpointInfo => ({
  id: e.id,
  url: e.url,
  events: e.events,
  description: e.description,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  createdAt: new Date(e.createdAt).toISOString(),
  updatedAt: new Date(e.updatedAt).toISOString(),
});

const deliveryInfo = (d: WebhookDeliveryRecord): WebhookDeliveryInfo => ({
  eventId: d.eventId,
  type: d.type,
  session: d.sessionName,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: iso(d.nextAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  failedAt: iso(d.failedAt),
  createdAt: new Date(d.createdAt).toISOString(),
});

export interface NewWebhookEndpoint {
  url: string;
  events?: WebhookEventType[];
  description?: string;
}

export interface WebhookEndpointChange {
  url?: string;
  events?: WebhookEventType[] | null;
  enabled?: boolean;
}

export class Webhooks implements WebhookPublisher {
  private readonly box: SecretBox;

  constructor(
    private readonly deps: Pick<AppDeps, 'store' | 'config' | 'clock'>,
    /** Called once events are in the outbox (main.ts wakes the delivery worker). */
    private readonly published: () => void = () => {},
  ) {
    this.box = webhookSecretBox(deps.config.secret);
  }

  /** Registers an endpoint; the answer is the only place its secret is ever shown. */
  async create(tenantId: string, body: NewWebhookEndpoint): Promise<CreatedWebhookEndpoint> {
    await this.checkUrl(body.url);
    const secret = generateWebhookSecret();
    const now = this.deps.clock.now();
    const endpoint: WebhookEndpointRecord = {
      id: `wh_${randomBase62(22)}`,
      tenantId,
      url: body.url,
      events: body.events ?? null,
      description: body.description ?? null,
      secretEnc: this.box.seal(secret),
      enabled: true,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.insertWebhookEndpoint(endpoint);
    return { ...webhookEndpointInfo(endpoint), secret };
  }

  async list(tenantId: string): Promise<WebhookEndpointInfo[]> {
    return (await this.deps.store.listWebhookEndpoints(tenantId)).map(webhookEndpointInfo);
  }

  /** Every tenant's endpoints, or one tenant's, with their tenant (the CLI). */
  async listAll(tenantId?: string): Promise<(WebhookEndpointInfo & { tenantId: string })[]> {
    return (await this.deps.store.listWebhookEndpoints(tenantId)).map((e) => ({ ...webhookEndpointInfo(e), tenantId: e.tenantId }));
  }

  /** Deletes an endpoint of any tenant (the CLI, run by the operator); false when there is none. */
  async deleteAny(id: string): Promise<boolean> {
    return this.deps.store.deleteWebhookEndpoint(id);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointInfo> {
    return webhookEndpointInfo(await this.require(tenantId, id));
  }

  async update(tenantId: string, id: string, change: WebhookEndpointChange): Promise<WebhookEndpointInfo> {
    await this.require(tenantId, id);
    if (change.url !== undefined) await this.checkUrl(change.url);
    const patch: WebhookEndpointPatch = { updatedAt: this.deps.clock.now() };
    if (change.url !== undefined) patch.url = change.url;
    if (change.events !== undefined) patch.events = change.events;
    if (change.enabled !== undefined) {
      patch.enabled = change.enabled;
      // Re-enabled by its owner: whatever disabled it is their call now.
      if (change.enabled) patch.disabledReason = null;
    }
    const updated = await this.deps.store.updateWebhookEndpoint(tenantId, id, patch);
    if (!updated) throw this.notFound(id);
    return webhookEndpointInfo(updated);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!WEBHOOK_ENDPOINT_ID_PATTERN.test(id) || !(await this.deps.store.deleteWebhookEndpoint(id, tenantId))) throw this.notFound(id);
  }

  /** Sends `webhook.test` to this endpoint only; resolves to its event id. */
  async test(tenantId: string, id: string): Promise<{ eventId: string }> {
    const endpoint = await this.require(tenantId, id);
    if (!endpoint.enabled) throw new HttpError(409, 'CONFLICT', `Webhook endpoint "${id}" is disabled; enable it first.`);
    const [eventId] = await this.append([{ tenantId, sessionName: null, type: 'webhook.test', data: { endpoint: id } }]);
    return { eventId: eventId! };
  }

  async deliveries(tenantId: string, id: string, limit = MAX_DELIVERIES_PAGE): Promise<WebhookDeliveryInfo[]> {
    await this.require(tenantId, id);
    return (await this.deps.store.listWebhookDeliveries(id, Math.min(limit, MAX_DELIVERIES_PAGE))).map(deliveryInfo);
  }

  /** Makes a delivery due now, even a failed or delivered one (the same event id is sent again). */
  async retry(tenantId: string, id: string, eventId: string): Promise<void> {
    await this.require(tenantId, id);
    const found = WEBHOOK_EVENT_ID_PATTERN.test(eventId) && (await this.deps.store.retryWebhookDelivery(id, eventId, this.deps.clock.now()));
    if (!found) throw new HttpError(404, 'NOT_FOUND', `No delivery of event "${eventId}" to webhook endpoint "${id}".`);
    this.published();
  }

  async publish(events: readonly WebhookEventDraft[]): Promise<void> {
    await this.append(events);
  }

  private async append(events: readonly WebhookEventDraft[]): Promise<string[]> {
    if (events.length === 0) return [];
    const ids = await this.deps.store.appendWebhookEvents(events, this.deps.clock.now());
    this.published();
    return ids;
  }

  private async checkUrl(url: string): Promise<void> {
    const { allowPrivate } = this.deps.config.webhooks ?? DEFAULT_WEBHOOK_CONFIG;
    try {
      await checkWebhookUrl(url, { allowPrivate });
    } catch (error) {
      if (error instanceof WebhookUrlError) throw new HttpError(400, 'VALIDATION_FAILED', `url: ${error.message}`);
      throw error;
    }
  }

  private async require(tenantId: string, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = WEBHOOK_ENDPOINT_ID_PATTERN.test(id) ? await this.deps.store.getWebhookEndpoint(tenantId, id) : null;
    if (!endpoint) throw this.notFound(id);
    return endpoint;
  }

  private notFound(id: string): HttpError {
    return new HttpError(404, 'NOT_FOUND', `No webhook endpoint "${id}".`);
  }
}
