// The one error handler, and the only place an error becomes `{ error, code }` JSON. Bad input is
// a 4xx with a sentence a developer can act on; only real faults are 500, logged without request
// secrets. Routes throw HttpError; engines, linking and meta throw EngineError; libraries throw
// their own errors, mapped here by the `status` they carry.
import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody, ErrorCode } from '@titan-connect/protocol';
import { EngineError, engineHttpError, HttpError } from '../errors.js';
import { pathOf } from '../logger.js';
import { BODY_LIMIT_BYTES } from './body.js';
import { validationError } from './parse-body.js';

/** http-errors (body-parser, raw-body, router) mark client faults with a 4xx `status`/`statusCode`. */
interface StatusError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
}
const clientStatusOf = (error: unknown): number | null => {
  if (typeof error !== 'object' || error === null) return null;
  const { status, statusCode } = error as StatusError;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 500 ? value : null;
};

const hasUnreadBody = (req: IncomingMessage): boolean =>
  !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);

/** zod errors (a `.parse` outside `parseBody`) name the first failing field. */
const isZodError = (error: unknown): error is Parameters<typeof validationError>[0] =>
  error instanceof Error && error.name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);

/** body-parser's `type` says what went wrong with the body; the sentences are ours, not its. */
const BODY_ERRORS: Record<string, [number, ErrorCode, string]> = {
  'entity.parse.failed': [400, 'INVALID_JSON', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} kB.`],
  'encoding.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'The Content-Encoding of the body is not supported (use identity, gzip, deflate or br).'],
  'charset.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.'],
  'request.aborted': [400, 'BAD_REQUEST', 'The request body was cut off.'],
  'request.size.invalid': [400, 'BAD_REQUEST', 'The request body does not match its Content-Length.'],
};

/** Any other 4xx from a library: the status stands, with a code for it and a generic sentence. */
const CLIENT_ERRORS: Record<number, [ErrorCode, string]> = {
  400: ['BAD_REQUEST', 'The request could not be read (malformed URL, header or body).'],
  401: ['UNAUTHORIZED', 'Authentication is required.'],
  403: ['BAD_REQUEST', 'The request is not allowed.'],
  404: ['NOT_FOUND', 'Not found.'],
  408: ['BAD_REQUEST', 'The request took too long to arrive.'],
  413: ['PAYLOAD_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} kB.`],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON.'],
  429: ['RATE_LIMITED', 'Too many requests.'],
};

/** Normalises anything thrown into an HttpError (500 only for what is no client fault). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof EngineError) return engineHttpError(error);
  if (isZodError(error)) return validationError(error);
  const status = clientStatusOf(error);
  if (status !== null) {
    const type = (error as StatusError).type;
    const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
    if (known) return new HttpError(known[0], known[1], known[2]);
    const [code, message] = CLIENT_ERRORS[status] ?? ['BAD_REQUEST', 'The request could not be processed.'];
    return new HttpError(status, code, message);
  }
  return new HttpError(500, 'INTERNAL_ERROR', 'Internal server error.');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const http = toHttpError(error);
    if (http.status >= 500) {
      // Only the error and where it happened: never headers, query or body (tokens, keys).
      const cause = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
      logger.error({ err: cause, method: req.method, path: pathOf(req), code: http.code }, 'unhandled error');
    }
    // A stream (SSE) that already sent headers cannot carry a JSON error: let Express close it.
    if (res.headersSent) return next(error);
    // Refused before its body was read (401 on /api, 413 from Content-Length): close the socket
    // rather than let Node drain a body nobody will use. (`req.complete` alone is false for any
    // request still in its first tick, so bodyless requests would lose keep-alive.)
    if (hasUnreadBody(req)) res.set('Connection', 'close');
    const body: ErrorBody = { error: http.message, code: http.code };
    res.status(http.status).set(http.headers).json(body);
  };
}
