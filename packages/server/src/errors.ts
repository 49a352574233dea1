import type { ErrorCode } from '@titan-connect/protocol';

/**
 * The one error type of the server. Throw it (or reject with it) anywhere in a route; the error
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
