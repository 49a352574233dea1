// One delivery attempt of one signed webhook: a POST, judged by its status code alone. The
// worker decides retries and records outcomes; this file only makes the request safely.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { bareHost, checkWebhookUrlShape, isForbiddenAddress, privateAddressMessage, WebhookUrlError } from './ssrf.js';

export interface DeliveryRequest {
  url: string;
  /** The event id: `webhook-id`, the same on every attempt so receivers can deduplicate. */
  id: string;
  /** `webhook-timestamp` of this attempt (Unix seconds), the one `signature` was computed with. */
  timestampSeconds: number;
  body: string;
  /** `webhook-signature` (see sign.ts). */
  signature: string;
}

export interface DeliveryOutcome {
  /** A 2xx answer within the timeout. */
  ok: boolean;
  /** The receiver's status code; null when no answer came (refused address, network error, timeout before headers). */
  statusCode: number | null;
  latencyMs: number;
  /** Why the attempt failed, as a short sentence for the delivery log; null when ok. */
  error: string | null;
}

export interface DeliveryOptions {
  /** `TITAN_WEBHOOK_ALLOW_PRIVATE=1`: plain http and private addresses (development and tests). */
  allowPrivate: boolean;
  /** Connect + answer; default 15 s (DESIGN: success is 2xx within 15 s). */
  timeoutMs?: number;
  /** The resolver the socket uses (tests make a name resolve to a private address). Default `dns.lookup`. */
  lookup?: typeof dnsLookup;
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
/** How much of an answer is read: receivers owe us a status code, not a body. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
export const WEBHOOK_USER_AGENT = 'TitanConnect-Webhooks/1';

/** A resolved address the guard refused; carried through the socket's error to the outcome. */
class ForbiddenAddressError extends Error {
  constructor(host: string, address: string) {
    super(privateAddressMessage(host, address));
    this.name = 'ForbiddenAddressError';
  }
}

/**
 * The socket's `lookup`: resolves as Node would, then refuses the connection if any answer is
 * private. Checking here, not before the request, means the address checked is the address
 * connected to; a second resolution (DNS rebinding) cannot slip between check and connect.
 */
export function guardedLookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      const forbidden = addresses.find(({ address }) => isForbiddenAddress(address));
      if (forbidden) return callback(new ForbiddenAddressError(hostname, forbidden.address), []);
      if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** The delivery log's sentence for a network error (`ECONNREFUSED connect …`). */
function describeError(error: unknown): string {
  if (error instanceof ForbiddenAddressError) return error.message;
  const { code, message } = error as NodeJS.ErrnoException;
  return code && !message.includes(code) ? `${code}: ${message}` : message || String(error);
}

/**
 * POSTs one signed webhook. Never throws: every failure is an outcome for the delivery log.
 * No redirect is followed (a 3xx fails with its code), only the first 64 kB of the answer are
 * read, and the whole exchange (connect, TLS, headers, that body) has `timeoutMs`.
 */
export async function deliverWebhook(request: DeliveryRequest, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const started = performance.now();
  const outcome = (statusCode: number | null, error: string | null): DeliveryOutcome => ({
    ok: error === null,
    statusCode,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    error,
  });

  let url: URL;
  try {
    url = checkWebhookUrlShape(request.url, options);
  } catch (error) {
    return outcome(null, error instanceof WebhookUrlError ? error.message : String(error));
  }
  // An IP literal never reaches `lookup`: Node connects to it directly, so it is checked here.
  const host = bareHost(url);
  if (!options.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) return outcome(null, privateAddressMessage(host, host));

  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const body = Buffer.from(request.body, 'utf8');
  const transport = url.protocol === 'https:' ? https : http;
  // The guard sits in the socket's own resolution, so the address checked is the one connected to.
  const lookup = options.allowPrivate ? options.lookup : guardedLookup(options.lookup);

  return new Promise<DeliveryOutcome>((resolve) => {
    let statusCode: number | null = null;
    let settled = false;
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome(statusCode, error));
    };

    let req: ClientRequest;
    const timer = setTimeout(() => {
      finish(`timeout after ${seconds(timeoutMs)}`);
      req.destroy();
    }, timeoutMs);
    try {
      req = transport.request(url, {
        method: 'POST',
        // A fresh connection per attempt: each one resolves and is checked again (no pooled socket
        // from before a DNS change), and no idle socket outlives the attempt.
        agent: false,
        ...(lookup && { lookup }),
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': WEBHOOK_USER_AGENT,
          'webhook-id': request.id,
          'webhook-timestamp': String(request.timestampSeconds),
          'webhook-signature': request.signature,
        },
      });
    } catch (error) {
      // A header value Node refuses (a newline in an id): an outcome too, never a throw.
      return finish(describeError(error));
    }

    req.on('error', (error) => finish(describeError(error)));
    req.on('response', (res: IncomingMessage) => {
      statusCode = res.statusCode ?? null;
      const code = statusCode ?? 0;
      const verdict =
        code >= 200 && code < 300 ? null : code >= 300 && code < 400 ? `HTTP ${code}: redirects are not followed` : `HTTP ${code}`;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read < MAX_RESPONSE_BYTES) return;
        // Enough: the rest is dropped with the socket.
        finish(verdict);
        res.destroy();
      });
      res.on('end', () => finish(verdict));
      res.on('error', (error) => finish(verdict ?? describeError(error)));
      // Cut off before its end: a 2xx that never finished is not an acknowledgement.
      res.on('close', () => finish(res.complete ? verdict : (verdict ?? 'the receiver closed the connection mid-answer')));
    });
    req.end(body);
  });
}
