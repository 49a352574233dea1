// `parseBody(schema)`: the one way a route reads its JSON body. It runs after `jsonBody()` (which
// answers 415/413/400 for what is not JSON) and replaces `req.body` with the schema's output, so
// the handler sees typed, validated data; a body that does not fit is a 400 naming the field.
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { HttpError } from '../errors.js';

/** The first problem of a body, as a 400 with the field it concerns (or "body" for the whole). */
export function validationError(error: z.ZodError): HttpError {
  const issue = error.issues[0];
  if (!issue) return new HttpError(400, 'VALIDATION_FAILED', 'The request body is not valid.');
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return new HttpError(400, 'VALIDATION_FAILED', `${field ? `${field}.` : ''}${issue.keys[0]}: unknown field`);
  }
  // A wrong type at the root (an array, a string) says what is expected instead of a type name.
  if (field === '') return new HttpError(400, 'VALIDATION_FAILED', 'body: must be a JSON object');
  return new HttpError(400, 'VALIDATION_FAILED', `${field}: ${issue.message}`);
}

/** Validates `req.body` against `schema` and replaces it with the parsed (typed) value. */
export function parseBody<S extends z.ZodType>(schema: S): RequestHandler<Record<string, string>, unknown, z.output<S>> {
  return (req, _res, next) => {
    // `jsonBody()` leaves `{}` for a bodyless request; routes mounted without it get undefined.
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    req.body = parsed.data;
    next();
  };
}
