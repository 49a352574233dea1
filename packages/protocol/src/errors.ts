/** Machine codes of the JSON error body `{ error, code }` and of `failed` events. */
export const ERROR_CODES = [
  // HTTP API
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'INVALID_API_KEY',
  'WIDGET_TOKEN_NOT_ALLOWED',
  'INSUFFICIENT_SCOPE',
  'NOT_FOUND',
  'SESSION_ALREADY_CONNECTED',
  'SESSION_NOT_CONNECTED',
  'CONFLICT',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'ORIGIN_NOT_ALLOWED',
  // Widget token
  'MISSING_WIDGET_TOKEN',
  'INVALID_WIDGET_TOKEN',
  'TOKEN_EXPIRED',
  // Linking (`failed` events)
  'WA_UNREACHABLE',
  'LOGGED_OUT',
  'SESSION_DELETED',
  'REPLACED',
  'PAIRING_REJECTED',
  'QR_TIMEOUT',
  'META_NOT_CONFIGURED',
  'META_EXCHANGE_FAILED',
  'META_SIGNUP_CANCELLED',
  'LINKING_FAILED',
  'COMPANION_LIMIT',
  // Cloud API sending
  'META_SEND_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
}

export const isErrorBody = (value: unknown): value is ErrorBody =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ErrorBody).error === 'string' &&
  typeof (value as ErrorBody).code === 'string';
