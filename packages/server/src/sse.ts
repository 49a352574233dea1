// The one Server-Sent Events helper (after Hono's `helper/streaming/sse.ts`): framing, headers,
// heartbeat and clean-up live here so no route writes raw `data:` lines.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseMessage {
  /** Event name (`event:` line); omitted means the browser's default `message`. */
  event?: string;
  /** Payload; split on newlines into several `data:` lines as the spec requires. */
  data: string;
  id?: string | number;
  /** Reconnection delay the browser should use, ms. */
  retry?: number;
}

/** A CR or LF inside `event:` or `id:` would let a payload forge extra fields or events. */
const hasLineBreak = (value: string): boolean => /[\r\n]/.test(value);

/** Frames one event; throws on a line break in the event name or id. */
export function formatSseMessage(message: SseMessage): string {
  let out = '';
  if (message.event !== undefined) {
    if (hasLineBreak(message.event)) throw new TypeError('SSE event name must not contain CR or LF');
    out += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    const id = String(message.id);
    if (hasLineBreak(id)) throw new TypeError('SSE id must not contain CR or LF');
    out += `id: ${id}\n`;
  }
  if (message.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(message.retry))}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + '\n';
}

/** An event already framed (and encoded), ready for any number of streams. */
export interface SseFrame {
  readonly bytes: Buffer;
}

export const formatSseFrame = (message: SseMessage): SseFrame => ({ bytes: Buffer.from(formatSseMessage(message), 'utf8') });

/** Bytes a stream may hold unsent before it is closed (about 60 QR events). */
export const MAX_BUFFERED_BYTES = 1 << 20;

export interface SseOptions {
  /**
   * Comment sent when idle, ms. 15 s keeps the connection under the 30-60 s idle timeouts of
   * common proxies and load balancers, and lets the server notice a dead client.
   */
  heartbeatMs?: number;
}

export interface SseStream {
  /** Writes one event; returns false once the stream is closed. */
  send(message: SseMessage): boolean;
  /**
   * Writes an event framed once by `formatSseFrame`, for broadcasts: thousands of streams share
   * one buffer instead of each framing and UTF-8 encoding the same text again.
   */
  sendFrame(frame: SseFrame): boolean;
  /** Writes a `:` comment line (ignored by EventSource). */
  comment(text?: string): void;
  /** Sets the client's reconnection delay, ms (a `retry:` field alone dispatches no event). */
  retry(ms: number): void;
  /** Ends the response (idempotent). */
  close(): void;
  readonly closed: boolean;
  /** Runs `fn` once when the stream closes, whoever closed it. */
  onClose(fn: () => void): void;
}

/** Turns a response into an event stream. Works with Express and bare `node:http` alike. */
export function openSse(req: IncomingMessage, res: ServerResponse, options: SseOptions = {}): SseStream {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-store: an event stream is never a cacheable resource; X-Accel-Buffering: nginx would
    // otherwise buffer the stream and the widget would see events in bursts.
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  // Nagle would hold each small event back for up to 40 ms.
  req.socket.setNoDelay(true);
  res.flushHeaders();

  let closed = false;
  const closeHandlers: (() => void)[] = [];
  const heartbeat = setInterval(() => stream.comment(), heartbeatMs);
  heartbeat.unref();

  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const fn of closeHandlers.splice(0)) fn();
  };
  // `res` 'close' fires when the client goes away or the response ends; `req` 'close' does not
  // mean that (since Node 16 it fires once the request body is read).
  res.on('close', finish);
  // The client may have gone while the route awaited (e.g. linking starting): 'close' has fired
  // already and will not again, so without this the heartbeat and the subscription would leak.
  if (res.destroyed || req.socket.destroyed) finish();

  const stream: SseStream = {
    send(message) {
      if (closed) return false;
      res.write(formatSseMessage(message));
      return true;
    },
    sendFrame(frame) {
      if (closed) return false;
      // Public API only: `res.write` frames the chunk and keeps `res` aware of what is buffered
      // (drain, writableLength). Writing the socket directly was faster under Express (see
      // docs/server.md) but read Node's private fields, which a minor release may change.
      res.write(frame.bytes);
      // A client that stopped reading would hold every later event in memory; past the cap it
      // is cut off and, on reconnecting with Last-Event-ID, resumes from the event ring.
      if (res.writableLength > MAX_BUFFERED_BYTES) stream.close();
      return true;
    },
    comment(text = '') {
      if (closed) return;
      if (hasLineBreak(text)) throw new TypeError('SSE comment must not contain CR or LF');
      res.write(`:${text}\n\n`);
    },
    retry(ms) {
      if (closed) return;
      res.write(`retry: ${Math.max(0, Math.floor(ms))}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      res.end();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else closeHandlers.push(fn);
    },
  };
  return stream;
}
