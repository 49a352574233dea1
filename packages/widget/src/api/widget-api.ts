import { WIDGET_PATHS, isErrorBody, type PairingCodePayload, type WidgetState } from '@titan-connect/protocol';

/** Where a widget session lives, read from its `widgetUrl` (`<origin>/widget/connect?token=…`). */
export interface WidgetEndpoint {
  origin: string;
  token: string;
}

/** Reads origin and token from a widget URL; null when the URL has no token. */
export const parseWidgetUrl = (widgetUrl: string, base?: string): WidgetEndpoint | null => {
  try {
    const url = new URL(widgetUrl, base);
    const token = url.searchParams.get('token');
    return token ? { origin: url.origin, token } : null;
  } catch {
    return null;
  }
};

/** A failed widget API call: HTTP status, the server's `{ error, code }`, and `Retry-After` for 429. */
export class WidgetApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before retrying (429 only). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** 401/403: the widget token is missing, invalid or expired. */
  get tokenRejected(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** Calls to `/widget/api/*` with the token in `Authorization` (works same-origin and cross-origin). */
export class WidgetApi {
  constructor(readonly endpoint: WidgetEndpoint) {}

  url(path: string): string {
    return this.endpoint.origin + path;
  }

  get headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.endpoint.token}` };
  }

  /** Asks for a pairing code; the code itself may come back here or as a `pairing_code` event. */
  async requestPairingCode(phoneNumber: string): Promise<PairingCodePayload | null> {
    const body = await this.post(WIDGET_PATHS.pairingCode, { phoneNumber });
    const data = (body as { data?: unknown } | null)?.data ?? body;
    return data && typeof (data as PairingCodePayload).code === 'string' ? (data as PairingCodePayload) : null;
  }

  /** Starts a fresh QR cycle after `QR_TIMEOUT`; returns the new snapshot when the server sends one. */
  async restartQr(): Promise<WidgetState | null> {
    const body = await this.post(WIDGET_PATHS.qrRestart, {});
    const data = (body as { data?: WidgetState } | null)?.data;
    return data && typeof data.session === 'string' && typeof data.status === 'string' ? data : null;
  }

  async post(path: string, payload: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method: 'POST',
        headers: { ...this.headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
    } catch {
      throw new WidgetApiError(0, 'NETWORK', 'Network error');
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) return body;
    const retryAfter = response.status === 429 ? Number(response.headers.get('Retry-After')) || 60 : null;
    throw isErrorBody(body)
      ? new WidgetApiError(response.status, body.code, body.error, retryAfter)
      : new WidgetApiError(response.status, `HTTP_${response.status}`, response.statusText, retryAfter);
  }
}
