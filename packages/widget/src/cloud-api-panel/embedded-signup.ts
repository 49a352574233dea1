// Meta Embedded Signup, the pure part: which `message` events to trust, how to read them, and how
// to join the `WA_EMBEDDED_SIGNUP` session info with the login callback's `code`. Meta sends the
// two separately and in no fixed order; the server needs both in one request (the code lives 30 s
// and is single-use, so it must be posted exactly once).
import { EMBEDDED_SIGNUP_FINISH_EVENTS, type CloudApiFinishRequest, type EmbeddedSignupFinishEvent, type MetaPublicConfig } from '@titan-connect/protocol';

export type FinishEvent = EmbeddedSignupFinishEvent;

const FINISH_EVENTS: readonly string[] = EMBEDDED_SIGNUP_FINISH_EVENTS;

/** What one `WA_EMBEDDED_SIGNUP` message says. */
export type SignupMessage =
  | { kind: 'finish'; event: FinishEvent; wabaId: string; phoneNumberId: string | null }
  /** The user left the flow: at `step`, or with Meta's `errorMessage`. */
  | { kind: 'cancel'; step: string | null; errorMessage: string | null }
  | { kind: 'error'; errorMessage: string | null };

/** Where the signup stands after a message or the login callback. */
export type SignupOutcome =
  /** Half of it is here; `waitingFor` names the other half. */
  | { kind: 'pending'; waitingFor: 'code' | 'finish' }
  | { kind: 'finish'; request: CloudApiFinishRequest }
  /** `step` and `errorMessage` are null when the user just closed the popup. */
  | { kind: 'cancelled'; step: string | null; errorMessage: string | null }
  | { kind: 'error'; errorMessage: string | null };

/** The login callback's argument, as far as we read it. */
export interface FacebookLoginResponse {
  authResponse?: { code?: unknown } | null;
  status?: string;
}

/**
 * Messages are trusted from `https://*.facebook.com` (where Meta's signup pages post from) and
 * from the SDK's own origin: the operator already trusts it with a script, and it is how a
 * local fake plays Meta in tests. Nothing else: any page can `postMessage` to us.
 */
export function isTrustedOrigin(origin: string, sdkUrl: string): boolean {
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null"
  }
  try {
    if (from.origin === new URL(sdkUrl).origin) return true;
  } catch {
    // A broken sdkUrl trusts nothing of its own; Facebook's hosts are still checked below.
  }
  return from.protocol === 'https:' && from.port === '' && from.hostname.endsWith('.facebook.com');
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Meta ids arrive as strings; accept numbers too, and nothing else. */
const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;

/**
 * Reads a `message` event's `data`: Meta posts a JSON string, other SDK versions the object; a
 * page also receives unrelated messages (other SDKs, extensions, non-JSON text). Those are null.
 */
export function parseSignupMessage(data: unknown): SignupMessage | null {
  let value = data;
  if (typeof value === 'string') {
    if (!value.trimStart().startsWith('{')) return null;
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isRecord(value) || value.type !== 'WA_EMBEDDED_SIGNUP' || typeof value.event !== 'string') return null;
  const info = isRecord(value.data) ? value.data : {};
  if (FINISH_EVENTS.includes(value.event)) {
    const wabaId = text(info.waba_id);
    // A finish without the account it finished is unusable; it is treated as noise.
    return wabaId ? { kind: 'finish', event: value.event as FinishEvent, wabaId, phoneNumberId: text(info.phone_number_id) } : null;
  }
  if (value.event === 'CANCEL') return { kind: 'cancel', step: text(info.current_step), errorMessage: text(info.error_message) };
  if (value.event === 'ERROR') return { kind: 'error', errorMessage: text(info.error_message) };
  return null;
}

/** The login callback's code, or null when the user closed the popup or refused. */
export function loginCode(response: unknown): string | null {
  const authResponse = isRecord(response) ? response.authResponse : null;
  return isRecord(authResponse) && typeof authResponse.code === 'string' && authResponse.code !== '' ? authResponse.code : null;
}

/** `FB.login` options for Embedded Signup: a code (exchanged by the server), and the v3 session info. */
export const loginOptions = (meta: Pick<MetaPublicConfig, 'configId'>) => ({
  config_id: meta.configId,
  response_type: 'code',
  override_default_response_type: true,
  extras: { setup: {}, featureType: '', sessionInfoVersion: '3' },
});

/**
 * One click of "Continue with Facebook": collects the code and the finish, in either order, and
 * yields `finish` exactly once. A CANCEL/ERROR message may still arrive after a code-less callback
 * and then replaces the bare "cancelled" with Meta's detail.
 */
export class SignupAttempt {
  private code: string | null = null;
  private finished: Extract<SignupMessage, { kind: 'finish' }> | null = null;
  private outcome: SignupOutcome | null = null;

  /** Feeds a parsed message; null when it changes nothing (late, repeated, or after the finish). */
  message(message: SignupMessage): SignupOutcome | null {
    if (this.outcome?.kind === 'finish') return null;
    if (message.kind === 'finish') {
      if (this.outcome || this.finished) return null;
      this.finished = message;
      return this.join();
    }
    // A bare cancel (popup closed) is refined by Meta's reason; a reason already shown stays.
    if (this.outcome && !(this.outcome.kind === 'cancelled' && !this.outcome.step && !this.outcome.errorMessage)) return null;
    this.outcome =
      message.kind === 'cancel'
        ? { kind: 'cancelled', step: message.step, errorMessage: message.errorMessage }
        : { kind: 'error', errorMessage: message.errorMessage };
    return this.outcome;
  }

  /** Feeds the `FB.login` callback's response. */
  login(response: unknown): SignupOutcome | null {
    if (this.outcome || this.code) return null;
    const code = loginCode(response);
    if (!code) return (this.outcome = { kind: 'cancelled', step: null, errorMessage: null });
    this.code = code;
    return this.join();
  }

  private join(): SignupOutcome {
    if (!this.code) return { kind: 'pending', waitingFor: 'code' };
    if (!this.finished) return { kind: 'pending', waitingFor: 'finish' };
    const { event, wabaId, phoneNumberId } = this.finished;
    const request: CloudApiFinishRequest = { code: this.code, wabaId, event, ...(phoneNumberId ? { phoneNumberId } : {}) };
    return (this.outcome = { kind: 'finish', request });
  }
}
