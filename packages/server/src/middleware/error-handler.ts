// The one error handler: every error becomes `{ error, code }` JSON. Bad input is a 4xx with a
// sentence a developer can act on; only real faults are 500, logged without request secrets.
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody } from '@titan-connect/protocol';
import { HttpError } from '../errors.js';
import { pathOf } from '../logger.js';
import { BODY_LIMIT_BYTES } from './body.js';

/** body-parser (express.json) marks its errors with `type` and a 4xx `status`. */
interface BodyParserError extends Error {
  type: string;
  status: number;
}
const isBodyParserError = (error: unknown): error is BodyParserError =>
  error instanceof Error && typeof (error as BodyParserError).type === 'string' && typeof (error as BodyParserError).status === 'number';

/** zod errors (a route that parses with `.parse`) name the first failing field. */
interface ZodLikeError extends Error {
  issues: { path: PropertyKey[]; message: string }[];
}
const isZodError = (error: unknown): error is ZodLikeError =>
  error instanceof Error && error.name === 'ZodError' && Array.isArray((error as ZodLikeError).issues);

function fromBodyParser(error: BodyParserError): HttpError {
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} kB.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.');
    default:
      return new HttpError(error.status >= 400 && error.status < 500 ? error.status : 400, 'BAD_REQUEST', 'The request body could not be read.');
  }
}

/** Normalises anything thrown into an HttpError (500 for what is not one). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isBodyParserError(error)) return fromBodyParser(error);
  if (isZodError(error)) {
    const issue = error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    return new HttpError(400, 'VALIDATION_FAILED', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  return new HttpError(500, 'INTERNAL_ERROR', 'Internal server error.');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const http = toHttpError(error);
    if (http.status >= 500) {
      // Only the error and where it happened: never headers, query or body (tokens, keys).
      const cause = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
      logger.error({ err: cause, method: req.method, path: pathOf(req) }, 'unhandled error');
    }
    // A stream (SSE) that already sent headers cannot carry a JSON error: let Express close it.
    if (res.headersSent) return next(error);
    const body: ErrorBody = { error: http.message, code: http.code };
    res.status(http.status).set(http.headers).json(body);
  };
}
