// Structured logs (pino). Credentials never reach a log line: known fields are redacted, and the
// request logger writes the path without its query string (widget tokens travel in `?token=`).
import type { NextFunction, Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Field paths pino censors wherever they appear (top level or one object deep). */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'widgetToken',
  'apiKey',
  'secret',
  'appSecret',
  'accessToken',
  'businessToken',
  'password',
  '*.authorization',
  '*["x-api-key"]',
  '*.token',
  '*.widgetToken',
  '*.apiKey',
  '*.secret',
  '*.appSecret',
  '*.accessToken',
  '*.businessToken',
  '*.password',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
  /** The fields on every line; default `{ service: 'titan-connect' }` (a session thread passes its parent logger's bindings). */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: options.base ?? { service: 'titan-connect' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** The path of a request URL, never its query string. */
export const pathOf = (req: Request): string => (req.originalUrl || req.url).split('?')[0] ?? '/';

/** One line per request: method, path (no query), status, duration. pino-http is not a dependency. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path: pathOf(req), status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    });
    next();
  };
}
