import type { ErrorCode } from '@titan-connect/protocol';

/**
 * The one error type of the HTTP edge. Throw it (or reject with it) anywhere in a route; the error
 * handler turns it into `{ error, code }` JSON with `status` and the extra `headers`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * What engines, linking and the Meta client throw: a domain failure with its machine code and a
 * sentence, and no HTTP status, because they are also called from timers and the CLI. The error
 * handler gives it the status of `HTTP_STATUS_OF_CODE`.
 */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * The HTTP status of every machine code: a `Record` over the closed union, so a new code does not
 * compile until it has one. Linking failures that reach a request are the upstream's fault (502),
 * except those that are the caller's (a rejected pairing code, a timed-out QR).
 */
export const HTTP_STATUS_OF_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  INVALID_API_KEY: 401,
  WIDGET_TOKEN_NOT_ALLOWED: 401,
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  SESSION_ALREADY_CONNECTED: 409,
  SESSION_NOT_CONNECTED: 409,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  ORIGIN_NOT_ALLOWED: 403,
  MISSING_WIDGET_TOKEN: 401,
  INVALID_WIDGET_TOKEN: 403,
  TOKEN_EXPIRED: 403,
  WA_UNREACHABLE: 502,
  LOGGED_OUT: 409,
  SESSION_DELETED: 409,
  REPLACED: 409,
  PAIRING_REJECTED: 400,
  QR_TIMEOUT: 409,
  META_NOT_CONFIGURED: 400,
  META_EXCHANGE_FAILED: 502,
  META_SIGNUP_CANCELLED: 400,
  LINKING_FAILED: 502,
  COMPANION_LIMIT: 409,
  META_SEND_FAILED: 502,
};

/** The HttpError an EngineError becomes at the route edge. */
export const engineHttpError = (error: EngineError): HttpError => new HttpError(HTTP_STATUS_OF_CODE[error.code], error.code, error.message);
