// The few Meta Graph API calls Titan Connect makes (Embedded Signup finish, sending a text).
// Plain `fetch`, no SDK: five endpoints do not justify a dependency, and the base URL comes from
// `META_GRAPH_URL` so tests point it at a local fake.

/** Where Meta's answer came from: one step of the signup finish, or a send. */
export type GraphStep = 'exchange' | 'subscribe' | 'register' | 'phone' | 'send';

/** Meta's error body: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
interface GraphErrorBody {
  error?: { message?: unknown; type?: unknown; code?: unknown; error_subcode?: unknown; fbtrace_id?: unknown };
}

/**
 * A failed Graph call. `message` is Meta's own sentence when Meta answered (it is what the user
 * needs to see, e.g. "Phone number is not verified"), otherwise a sentence of ours. It never
 * holds the request URL: the code exchange carries the app secret and the code in its query.
 */
export class GraphError extends Error {
  constructor(
    readonly step: GraphStep,
    message: string,
    /** HTTP status from Meta, or null when Meta did not answer (timeout, network). */
    readonly status: number | null,
    readonly metaCode: number | null = null,
    readonly metaSubcode: number | null = null,
    readonly fbtraceId: string | null = null,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphClientOptions {
  /** `META_GRAPH_URL`, e.g. `https://graph.facebook.com`. */
  graphUrl: string;
  /** `META_GRAPH_VERSION`, e.g. `v21.0`. */
  graphVersion: string;
  /**
   * Per call. 10 s: the login code lives about 30 s and is never retried, so three sequential
   * calls must all fit, and a hung Graph call must turn into a `failed` event the user sees.
   */
  timeoutMs?: number;
}

export interface PhoneNumberInfo {
  displayPhoneNumber: string | null;
  verifiedName: string | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class GraphClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(options: GraphClientOptions) {
    this.base = `${options.graphUrl.replace(/\/+$/, '')}/${options.graphVersion}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `GET /oauth/access_token`: the Embedded Signup code becomes a business token. */
  async exchangeCode(appId: string, appSecret: string, code: string): Promise<string> {
    const query = new URLSearchParams({ client_id: appId, client_secret: appSecret, code });
    const body = await this.call('exchange', 'GET', `/oauth/access_token?${query}`, null, null);
    const token = (body as { access_token?: unknown }).access_token;
    if (typeof token !== 'string' || token === '') throw new GraphError('exchange', 'Meta returned no access token.', 200);
    return token;
  }

  /** `POST /{waba_id}/subscribed_apps`: the app receives the WABA's webhooks. */
  async subscribeApp(wabaId: string, businessToken: string): Promise<void> {
    await this.call('subscribe', 'POST', `/${encodeURIComponent(wabaId)}/subscribed_apps`, businessToken, null);
  }

  /** `POST /{phone_number_id}/register`: the number starts using Cloud API, with a two-step PIN. */
  async registerPhone(phoneNumberId: string, businessToken: string, pin: string): Promise<void> {
    await this.call('register', 'POST', `/${encodeURIComponent(phoneNumberId)}/register`, businessToken, {
      messaging_product: 'whatsapp',
      pin,
    });
  }

  /** `GET /{phone_number_id}?fields=display_phone_number,verified_name`, for the success screen. */
  async phoneNumber(phoneNumberId: string, businessToken: string): Promise<PhoneNumberInfo> {
    const path = `/${encodeURIComponent(phoneNumberId)}?fields=display_phone_number,verified_name`;
    const body = (await this.call('phone', 'GET', path, businessToken, null)) as Record<string, unknown>;
    return {
      displayPhoneNumber: typeof body.display_phone_number === 'string' ? body.display_phone_number : null,
      verifiedName: typeof body.verified_name === 'string' ? body.verified_name : null,
    };
  }

  /** `POST /{phone_number_id}/messages` with a text; returns Meta's message id (`wamid.…`). */
  async sendText(phoneNumberId: string, businessToken: string, to: string, text: string): Promise<string> {
    const body = (await this.call('send', 'POST', `/${encodeURIComponent(phoneNumberId)}/messages`, businessToken, {
      messaging_product: 'whatsapp',
      to,
      type: 'text',
      text: { body: text },
    })) as { messages?: { id?: unknown }[] };
    const id = body.messages?.[0]?.id;
    if (typeof id !== 'string') throw new GraphError('send', 'Meta returned no message id.', 200);
    return id;
  }

  private async call(step: GraphStep, method: 'GET' | 'POST', path: string, token: string | null, json: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (json !== null) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: json === null ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      // Never pass `error` on: undici's causes can quote the URL, and this URL may hold secrets.
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new GraphError(
        step,
        timedOut ? `Meta did not answer within ${Math.round(this.timeoutMs / 1000)} s.` : 'Could not reach the Meta Graph API.',
        null,
      );
    }
    const text = await response.text().catch(() => '');
    let body: unknown = null;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = null;
    }
    if (!response.ok || body === null || typeof body !== 'object') throw graphErrorFrom(step, response.status, body);
    return body;
  }
}

function graphErrorFrom(step: GraphStep, status: number, body: unknown): GraphError {
  const error = (body as GraphErrorBody | null)?.error;
  const message =
    typeof error?.message === 'string' && error.message.trim() !== ''
      ? error.message
      : `Meta answered HTTP ${status} without an error message.`;
  return new GraphError(
    step,
    message,
    status,
    typeof error?.code === 'number' ? error.code : null,
    typeof error?.error_subcode === 'number' ? error.error_subcode : null,
    typeof error?.fbtrace_id === 'string' ? error.fbtrace_id : null,
  );
}
