// The one table of what an end user reads when something fails. The server's `message` is for
// developers (it may name a field: `wabaId: must be a numeric Meta id`); it goes to the
// `titan-error` event and the host page's `error` message with the code, never on screen.
import { msg } from '@lit/localize';
import type { ErrorCode } from '@titan-connect/protocol';

/** A sentence in the user's language for an error code; any other code gets the generic one. */
export function errorText(code: string): string {
  // Built at call time: `msg()` answers in the language active now (runtime mode can switch).
  const known: Partial<Record<ErrorCode, string>> = {
    WA_UNREACHABLE: msg('Could not reach WhatsApp servers.'),
    LOGGED_OUT: msg('The phone logged this device out.'),
    SESSION_DELETED: msg('This connection was removed by the app. Ask it for a new link.'),
    REPLACED: msg('This number was linked from another window.'),
    PAIRING_REJECTED: msg('WhatsApp rejected the pairing code.'),
    QR_TIMEOUT: msg('The QR code expired.'),
    COMPANION_LIMIT: msg('This phone has as many linked devices as WhatsApp allows. Remove one and try again.'),
    SESSION_ALREADY_CONNECTED: msg('This WhatsApp number is already connected.'),
    CONFLICT: msg('Another window is linking this number. Try again in a moment.'),
    RATE_LIMITED: msg('Too many attempts. Wait a minute and try again.'),
    META_NOT_CONFIGURED: msg('This link has no Meta app, so it cannot connect a number through the Cloud API.'),
    META_SIGNUP_CANCELLED: msg('Facebook signup was cancelled.'),
    META_EXCHANGE_FAILED: msg('Facebook did not confirm the WhatsApp Business account. Try again.'),
    VALIDATION_FAILED: msg('Some details were not accepted. Try again.'),
  };
  return known[code as ErrorCode] ?? msg('Something went wrong. Try again.');
}
