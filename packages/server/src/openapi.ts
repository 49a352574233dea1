// The OpenAPI 3.1 document of `/api/*`, built from the same zod schemas the routes parse with
// (zod 4 writes JSON Schema 2020-12, which is OpenAPI 3.1's dialect), so the document cannot
// drift from what the server enforces. Served at `GET /api/openapi.json`, browsable at `/api/docs`.
import { z } from 'zod';
import { API_SCOPES, SESSION_NAME_PATTERN } from '@titan-connect/protocol';
import {
  clusterInfo,
  createdWebhookEndpoint,
  createWebhookBody,
  createWidgetSessionBody,
  createWidgetSessionResponse,
  updateWebhookBody,
  WEBHOOK_ENDPOINT_ID_PATTERN,
  WEBHOOK_EVENT_ID_PATTERN,
  webhookDeliveryInfo,
  webhookEndpointInfo,
  errorBody,
  sendMessageBody,
  WIDGET_SESSION_ID_PATTERN,
  whatsAppSessionInfo,
  widgetSessionResult,
} from './api-schemas.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

type Json = Record<string, unknown>;

/** A request body schema as JSON Schema: what the client sends (before zod's transforms). */
const input = (schema: z.ZodType): Json => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
const output = (schema: z.ZodType): Json => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;

const json = (schema: Json) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The error answers a route can give, each the JSON error body. */
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/E${status}` }]));

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input; `error` names the field.',
  401: 'Missing, invalid or revoked API key (a widget token is refused with WIDGET_TOKEN_NOT_ALLOWED).',
  403: 'The key lacks the scope named in `error`.',
  404: 'No such session for this tenant.',
  409: 'Conflict with the session state (already connected, not connected).',
  413: 'Body over the size cap.',
  415: 'Body is not JSON (or an unsupported encoding or charset).',
  429: 'Rate limited; see `Retry-After`.',
  502: 'WhatsApp or Meta refused the operation.',
  503: 'The server is starting; see `Retry-After`.',
};

const sessionName = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: SESSION_NAME_PATTERN.source } };
const scope = (name: (typeof API_SCOPES)[number]) => ({ 'x-required-scope': name });
/** `{ success: true, data }` around a schema. */
const ok = (description: string, data: Json) => ({
  description,
  content: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data } }),
});
const webhookId = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: WEBHOOK_ENDPOINT_ID_PATTERN.source } };
const eventId = { name: 'eventId', in: 'path', required: true, schema: { type: 'string', pattern: WEBHOOK_EVENT_ID_PATTERN.source } };

/** `/api/webhooks*`: endpoints, a test event, the delivery log (DESIGN "Webhooks"). */
const webhookPaths = (): Json => ({
  '/api/webhooks': {
    post: {
      operationId: 'createWebhook',
      summary: 'Register a webhook endpoint; the answer is the only time its whsec_ secret is shown (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      requestBody: { required: true, content: json(ref('CreateWebhookRequest')) },
      responses: { '201': ok('Created', ref('CreatedWebhookEndpoint')), ...errors(400, 401, 403, 413, 415) },
    },
    get: {
      operationId: 'listWebhooks',
      summary: 'The tenant’s webhook endpoints, oldest first (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      responses: { '200': ok('The endpoints', { type: 'array', items: ref('WebhookEndpoint') }), ...errors(401, 403) },
    },
  },
  '/api/webhooks/{id}': {
    parameters: [webhookId],
    get: {
      operationId: 'getWebhook',
      summary: 'One webhook endpoint (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      responses: { '200': ok('The endpoint', ref('WebhookEndpoint')), ...errors(401, 403, 404) },
    },
    patch: {
      operationId: 'updateWebhook',
      summary: 'Change the URL, the event types, or enable/disable it; enabling clears disabledReason (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      requestBody: { required: true, content: json(ref('UpdateWebhookRequest')) },
      responses: { '200': ok('The endpoint as changed', ref('WebhookEndpoint')), ...errors(400, 401, 403, 404, 413, 415) },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Delete the endpoint and its delivery log (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      responses: { '200': ok('Deleted', { type: 'object', properties: { id: { type: 'string' }, deleted: { const: true } } }), ...errors(401, 403, 404) },
    },
  },
  '/api/webhooks/{id}/test': {
    parameters: [webhookId],
    post: {
      operationId: 'testWebhook',
      summary: 'Send a webhook.test event to this endpoint (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      responses: { '202': ok('Queued', { type: 'object', properties: { eventId: { type: 'string' } } }), ...errors(401, 403, 404, 409) },
    },
  },
  '/api/webhooks/{id}/deliveries': {
    parameters: [webhookId],
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log, newest first: attempts, last status code, next attempt (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 100 } }],
      responses: { '200': ok('Deliveries', { type: 'array', items: ref('WebhookDelivery') }), ...errors(400, 401, 403, 404) },
    },
  },
  '/api/webhooks/{id}/deliveries/{eventId}/retry': {
    parameters: [webhookId, eventId],
    post: {
      operationId: 'retryWebhookDelivery',
      summary: 'Send a delivery again now, with the same webhook-id (scope webhooks:manage)',
      ...scope('webhooks:manage'),
      responses: {
        '202': ok('Queued', { type: 'object', properties: { id: { type: 'string' }, eventId: { type: 'string' }, retrying: { const: true } } }),
        ...errors(401, 403, 404),
      },
    },
  },
});

/** Every `/api` operation, by path and method (the test checks the app has no other). */
export function openApiDocument(publicUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Titan Connect API',
      version: '1',
      description:
        'Create widget sessions for the Connect Widget and use the WhatsApp sessions they link. ' +
        'Authenticate with `Authorization: Bearer <api key>` (or `X-Api-Key`). Errors are `{ error, code }`.',
    },
    servers: [{ url: publicUrl }],
    security: [{ apiKey: [] }],
    paths: {
      '/api/widget/sessions': {
        post: {
          operationId: 'createWidgetSession',
          summary: 'Create a widget session (scope sessions:manage)',
          ...scope('sessions:manage'),
          requestBody: { required: false, content: json(ref('CreateWidgetSessionRequest')) },
          responses: { '201': { description: 'Created', content: json(ref('CreateWidgetSessionResponse')) }, ...errors(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      '/api/widget/sessions/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: WIDGET_SESSION_ID_PATTERN.source } }],
        get: {
          operationId: 'getWidgetSession',
          summary: 'How a widget session ended: confirm a redirect with it (scope sessions:read)',
          ...scope('sessions:read'),
          responses: {
            '200': { description: 'The result', content: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: ref('WidgetSessionResult') } }) },
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/sessions': {
        get: {
          operationId: 'listSessions',
          summary: 'List the tenant’s WhatsApp sessions, oldest first (scope sessions:read)',
          ...scope('sessions:read'),
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`nextCursor` of the previous page.' },
          ],
          responses: {
            '200': {
              description: 'One page',
              content: json({
                type: 'object',
                required: ['success', 'data', 'nextCursor'],
                properties: { success: { const: true }, data: { type: 'array', items: ref('WhatsAppSession') }, nextCursor: { type: ['string', 'null'] } },
              }),
            },
            ...errors(400, 401, 403),
          },
        },
      },
      '/api/sessions/{name}': {
        parameters: [sessionName],
        get: {
          operationId: 'getSession',
          summary: 'One WhatsApp session (scope sessions:read)',
          ...scope('sessions:read'),
          responses: {
            '200': { description: 'The session', content: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: ref('WhatsAppSession') } }) },
            ...errors(401, 403, 404),
          },
        },
        delete: {
          operationId: 'deleteSession',
          summary: 'Log the device out and delete the session and its credentials (scope sessions:manage)',
          ...scope('sessions:manage'),
          responses: {
            '200': {
              description: 'Deleted',
              content: json({
                type: 'object',
                required: ['success', 'data'],
                properties: { success: { const: true }, data: { type: 'object', properties: { name: { type: 'string' }, deleted: { const: true } } } },
              }),
            },
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/sessions/{name}/messages': {
        parameters: [sessionName],
        post: {
          operationId: 'sendMessage',
          summary: 'Send a text through a connected session (scope messages:write)',
          ...scope('messages:write'),
          requestBody: { required: true, content: json(ref('SendMessageRequest')) },
          responses: {
            '201': {
              description: 'Sent',
              content: json({
                type: 'object',
                required: ['success', 'data'],
                properties: { success: { const: true }, data: { type: 'object', properties: { id: { type: 'string' }, session: { type: 'string' }, to: { type: 'string' } } } },
              }),
            },
            ...errors(400, 401, 403, 404, 409, 413, 415, 502),
          },
        },
      },
      '/api/cluster': {
        get: {
          operationId: 'getCluster',
          summary: 'The instances and the WhatsApp sessions each runs, with lease ages (scope *)',
          ...scope('*'),
          responses: {
            '200': { description: 'The cluster', content: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: ref('Cluster') } }) },
            ...errors(401, 403),
          },
        },
      },
      ...webhookPaths(),
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: titan_sk_<id>_<secret>' } },
      schemas: {
        CreateWidgetSessionRequest: input(createWidgetSessionBody),
        CreateWidgetSessionResponse: output(createWidgetSessionResponse),
        SendMessageRequest: input(sendMessageBody),
        WhatsAppSession: output(whatsAppSessionInfo),
        WidgetSessionResult: output(widgetSessionResult),
        CreateWebhookRequest: input(createWebhookBody),
        UpdateWebhookRequest: input(updateWebhookBody),
        WebhookEndpoint: output(webhookEndpointInfo),
        CreatedWebhookEndpoint: output(createdWebhookEndpoint),
        WebhookDelivery: output(webhookDeliveryInfo),
        Cluster: output(clusterInfo),
        Error: output(errorBody),
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [`E${status}`, { description, content: json(ref('Error')) }]),
      ),
    },
  };
}
