// One way to read a request body: a zod schema, and the first problem named by its field.
import type { z } from 'zod';
import { HttpError } from './errors.js';

/** The first problem of a body, with the field it concerns. */
export function validationError(error: z.ZodError): HttpError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    return new HttpError(400, 'VALIDATION_FAILED', `${prefix}${issue.keys[0]}: unknown field`);
  }
  if (issue.path.length === 0) return new HttpError(400, 'VALIDATION_FAILED', 'body: must be a JSON object');
  return new HttpError(400, 'VALIDATION_FAILED', `${issue.path.join('.')}: ${issue.message}`);
}

/** The body as `schema` reads it, or a 400 `VALIDATION_FAILED` naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
