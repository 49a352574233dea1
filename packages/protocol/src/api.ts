import type { LinkMethod, WidgetMode } from './modes.js';

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
