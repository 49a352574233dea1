/** Audience of every widget token. */
export const WIDGET_TOKEN_AUDIENCE = 'titan-widget';
/** Lifetime of a widget token (and of its widget session), in seconds. */
export const WIDGET_TOKEN_TTL_SECONDS = 900;

/** Claims of the widget token (a JWT, HS256). */
export interface WidgetTokenClaims {
  /** Widget session id. */
  sub: string;
  /** Tenant id. */
  tid: string;
  /** WhatsApp session name. */
  ses: string;
  aud: typeof WIDGET_TOKEN_AUDIENCE;
  iat: number;
  exp: number;
}

/** API key scopes. */
export const API_SCOPES = ['*', 'sessions:read', 'sessions:manage', 'messages:write', 'webhooks:manage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const isApiScope = (value: unknown): value is ApiScope =>
  typeof value === 'string' && (API_SCOPES as readonly string[]).includes(value);
