import type { LinkMethod, WidgetMode } from './modes.js';
import type { WebhookEventType } from './webhooks.js';

/** Body of `POST /api/widget/sessions` (every field optional). */
export interface CreateWidgetSessionRequest {
  mode?: WidgetMode;
  sessionName?: string;
  callbackUrl?: string;
  allowedOrigins?: string[];
  metaApp?: { appId: string; configId: string; appSecret?: string };
  locale?: string;
}

/** `201` body of `POST /api/widget/sessions`. */
export interface CreateWidgetSessionResponse {
  success: true;
  data: {
    session: string;
    widgetUrl: string;
    widgetToken: string;
    expiresAt: string;
    mode: WidgetMode;
  };
}

/** `GET /api/widget/sessions/:id` data: how a widget session ended, for a backend to confirm a redirect. */
export interface WidgetSessionResult {
  id: string;
  /** The WhatsApp session name. */
  session: string;
  status: 'pending' | 'connected' | 'failed' | 'expired';
  method: LinkMethod | null;
  /** Digits only. */
  phone: string | null;
  /** ISO 8601, when it connected. */
  completedAt: string | null;
}

/** Body of `POST /api/webhooks`. `events` absent: every type. */
export interface CreateWebhookEndpointRequest {
  url: string;
  events?: WebhookEventType[];
  description?: string;
}

/** Body of `PATCH /api/webhooks/:id`; `events: null` subscribes to every type. Re-enabling clears `disabledReason`. */
export interface UpdateWebhookEndpointRequest {
  url?: string;
  events?: WebhookEventType[] | null;
  enabled?: boolean;
}

/** A webhook endpoint as the API shows it (never its secret). */
export interface WebhookEndpointInfo {
  /** `wh_…` */
  id: string;
  url: string;
  /** null: every type. */
  events: WebhookEventType[] | null;
  description: string | null;
  enabled: boolean;
  /** Why the server disabled it (the receiver answered 410). */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `201` data of `POST /api/webhooks`: the only time the signing secret is shown. */
export interface CreatedWebhookEndpoint extends WebhookEndpointInfo {
  /** `whsec_…`: verify each request's `webhook-signature` with it (Standard Webhooks). */
  secret: string;
}

/** One event × endpoint in `GET /api/webhooks/:id/deliveries` (newest first). Times are ISO 8601. */
export interface WebhookDeliveryInfo {
  /** `msg_…`: the `webhook-id` of every attempt. */
  eventId: string;
  type: WebhookEventType;
  session: string | null;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  createdAt: string;
}

/** `WA_EMBEDDED_SIGNUP` events that finish a signup (CANCEL and ERROR do not). */
export const EMBEDDED_SIGNUP_FINISH_EVENTS = ['FINISH', 'FINISH_ONLY_WABA', 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING'] as const;
export type EmbeddedSignupFinishEvent = (typeof EMBEDDED_SIGNUP_FINISH_EVENTS)[number];

/** `POST /widget/api/cloud-api` body: the login `code` joined with the `WA_EMBEDDED_SIGNUP` finish. */
export interface CloudApiFinishRequest {
  code: string;
  wabaId: string;
  phoneNumberId?: string;
  event: EmbeddedSignupFinishEvent;
}

/** Paths shared by server, widget and loader. */
export const WIDGET_PATHS = {
  page: '/widget/connect',
  state: '/widget/api/state',
  events: '/widget/api/events',
  pairingCode: '/widget/api/pairing-code',
  qrRestart: '/widget/api/qr/restart',
  cloudApi: '/widget/api/cloud-api',
  assets: '/widget/assets/',
  loader: '/widget/loader.js',
} as const;

/** One session an instance runs, in `GET /api/cluster`. */
export interface ClusterSessionInfo {
  session: string;
  tenant: string;
  /** How long this instance has held the session's lease; null in single mode (no leases). */
  leaseAgeMs: number | null;
  /** The lease's fencing epoch; null in single mode. */
  epoch: number | null;
}

/** One live instance in `GET /api/cluster`. */
export interface ClusterInstanceInfo {
  id: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601: its last heartbeat. */
  seenAt: string;
  sessions: ClusterSessionInfo[];
}

/** `GET /api/cluster` data (scope `*`): the instances and the sessions each runs. */
export interface ClusterInfo {
  mode: 'single' | 'cluster';
  /** The instance that answered. */
  instanceId: string;
  instances: ClusterInstanceInfo[];
}
