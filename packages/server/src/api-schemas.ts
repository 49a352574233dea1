// The request bodies of the HTTP API, once: routes parse with these, and each is tied to the
// protocol's type with `satisfies`, so the contract the widget and backends compile against and
// the one the server enforces cannot drift apart.
import { z } from 'zod';
import {
  type ClusterInfo,
  type CloudApiFinishRequest,
  type CreatedWebhookEndpoint,
  type CreateWebhookEndpointRequest,
  type UpdateWebhookEndpointRequest,
  type WebhookDeliveryInfo,
  type WebhookEndpointInfo,
  WEBHOOK_EVENT_TYPES,
  type CreateWidgetSessionRequest,
  type CreateWidgetSessionResponse,
  ERROR_CODES,
  type ErrorBody,
  LINK_METHODS,
  SESSION_STATUSES,
  STATUS_REASONS,
  type WhatsAppSessionInfo,
  type WidgetSessionResult,
  compactPhoneNumber,
  EMBEDDED_SIGNUP_FINISH_EVENTS,
  PHONE_DIGITS_PATTERN,
  SESSION_NAME_PATTERN,
  WIDGET_MODES,
} from '@titan-connect/protocol';
import { isCallbackUrl, isOrigin, canonicalLocale } from './urls.js';

/** A widget session id as `POST /api/widget/sessions` makes them (`ws_` + base62). */
export const WIDGET_SESSION_ID_PATTERN = /^ws_[A-Za-z0-9]{1,64}$/;

const metaIdField = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id of letters, digits, - or _');

export const createWidgetSessionBody = z.strictObject({
  mode: z.enum(WIDGET_MODES, { error: `must be one of ${WIDGET_MODES.join(', ')}` }).optional(),
  sessionName: z
    .string()
    .regex(SESSION_NAME_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .optional(),
  callbackUrl: z
    .string()
    .max(2048)
    .refine(isCallbackUrl, 'must be an absolute https URL (http only for localhost)')
    .optional(),
  allowedOrigins: z
    .array(z.string().max(255).refine(isOrigin, 'must be an origin like https://app.example.com (no path)'))
    .max(20)
    .optional(),
  metaApp: z
    .strictObject({ appId: metaIdField, configId: metaIdField, appSecret: z.string().min(1).max(256).optional() })
    .optional(),
  locale: z
    .string()
    .max(35)
    .refine((text) => canonicalLocale(text) !== null, 'must be a BCP 47 language tag like pt-BR')
    .optional(),
}) satisfies z.ZodType<CreateWidgetSessionRequest>;
export type CreateWidgetSessionBody = z.infer<typeof createWidgetSessionBody>;

/** WhatsApp caps a text message at 4096 characters. */
export const sendMessageBody = z.strictObject({
  to: z
    .string()
    .transform(compactPhoneNumber)
    .pipe(z.string().regex(PHONE_DIGITS_PATTERN, 'digits only (E.164 without +), e.g. 5511912345678')),
  text: z.string().min(1, 'must not be empty').max(4096, 'at most 4096 characters'),
});

export const pairingCodeBody = z.strictObject({ phoneNumber: z.string({ error: 'send { "phoneNumber": "+5511912345678" }' }).max(40, 'at most 40 characters') });

// --- webhooks ----------------------------------------------------------------------------------------

/** A webhook endpoint id as the server makes them (`wh_` + base62). */
export const WEBHOOK_ENDPOINT_ID_PATTERN = /^wh_[A-Za-z0-9]{1,64}$/;
/** An outbox event id (`msg_` + base64url). */
export const WEBHOOK_EVENT_ID_PATTERN = /^msg_[A-Za-z0-9_-]{1,64}$/;

// Only the form here; whether the address may be called (https, no private range) is
// webhooks/ssrf.ts' `checkWebhookUrl`, which resolves the host.
const webhookUrl = z.string().max(2048).url({ error: 'must be an absolute URL' });
const webhookEvents = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be among ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .min(1, 'must name at least one event type (leave it out for all)')
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((types) => [...new Set(types)]);

export const createWebhookBody = z.strictObject({
  url: webhookUrl,
  events: webhookEvents.optional(),
  description: z.string().max(500, 'at most 500 characters').optional(),
}) satisfies z.ZodType<CreateWebhookEndpointRequest>;

export const updateWebhookBody = z.strictObject({
  url: webhookUrl.optional(),
  events: webhookEvents.nullable().optional(),
  enabled: z.boolean().optional(),
}) satisfies z.ZodType<UpdateWebhookEndpointRequest>;

// Graph ids are numeric; checking that also keeps user input from steering the Graph URL path.
const graphId = z.string().regex(/^\d{1,32}$/, 'must be a numeric Meta id');

export const cloudApiFinishBody = z
  .object({
    code: z.string().min(1, 'is required').max(4096),
    wabaId: graphId,
    phoneNumberId: graphId.optional(),
    event: z.enum(EMBEDDED_SIGNUP_FINISH_EVENTS),
  })
  // A plain FINISH has a number to register; the other two may come without one.
  .refine((body) => body.event !== 'FINISH' || body.phoneNumberId !== undefined, {
    path: ['phoneNumberId'],
    message: 'is required for FINISH',
  }) satisfies z.ZodType<CloudApiFinishRequest>;

// --- responses (documented in the OpenAPI document; tied to the protocol's types) ---------------

export const errorBody = z.object({
  error: z.string().describe('A sentence for the developer.'),
  code: z.enum(ERROR_CODES),
}) satisfies z.ZodType<ErrorBody>;

export const createWidgetSessionResponse = z.object({
  success: z.literal(true),
  data: z.object({
    session: z.string(),
    widgetUrl: z.string().describe('Embed this: script tag, iframe or TitanWidget.mount().'),
    widgetToken: z.string(),
    expiresAt: z.string().describe('ISO 8601; 900 s after creation.'),
    mode: z.enum(WIDGET_MODES),
  }),
}) satisfies z.ZodType<CreateWidgetSessionResponse>;

export const whatsAppSessionInfo = z.object({
  name: z.string(),
  status: z.enum(SESSION_STATUSES),
  statusReason: z.enum(STATUS_REASONS).nullable(),
  method: z.enum(LINK_METHODS).nullable(),
  phone: z.string().nullable().describe('Digits only (E.164 without +).'),
  pushName: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<WhatsAppSessionInfo>;

export const widgetSessionResult = z.object({
  id: z.string(),
  session: z.string(),
  status: z.enum(['pending', 'connected', 'failed', 'expired']),
  method: z.enum(LINK_METHODS).nullable(),
  phone: z.string().nullable(),
  completedAt: z.string().nullable(),
}) satisfies z.ZodType<WidgetSessionResult>;

export const webhookEndpointInfo = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).nullable().describe('null: every event type.'),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('Why the server disabled it (the receiver answered 410).'),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<WebhookEndpointInfo>;

export const createdWebhookEndpoint = webhookEndpointInfo.extend({
  secret: z.string().describe('whsec_…: shown only in this answer; verify webhook-signature with it.'),
}) satisfies z.ZodType<CreatedWebhookEndpoint>;

export const webhookDeliveryInfo = z.object({
  eventId: z.string().describe('msg_…: the webhook-id header of every attempt.'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  session: z.string().nullable(),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  failedAt: z.string().nullable(),
  createdAt: z.string(),
}) satisfies z.ZodType<WebhookDeliveryInfo>;

export const clusterInfo = z.object({
  mode: z.enum(['single', 'cluster']).describe('cluster when TITAN_REDIS_URL is set.'),
  instanceId: z.string().describe('The instance that answered.'),
  instances: z.array(
    z.object({
      id: z.string(),
      startedAt: z.string(),
      seenAt: z.string().describe('Its last heartbeat.'),
      sessions: z.array(
        z.object({
          session: z.string(),
          tenant: z.string(),
          leaseAgeMs: z.number().int().nullable().describe('How long it has held the lease; null in single mode.'),
          epoch: z.number().int().nullable().describe('The lease fencing epoch; null in single mode.'),
        }),
      ),
    }),
  ),
}) satisfies z.ZodType<ClusterInfo>;
