// Caps on open widget event streams (SECURITY.md): a leaked widget URL must not hold thousands
// of sockets, and one address must not hold a server's worth of them.
import { HttpError } from '../errors.js';
import type { SseStream } from '../sse.js';

/**
 * Streams one widget session may hold. A widget page needs one; 3 leaves room for a second tab
 * and a reload whose old socket the server has not noticed closing yet.
 */
export const STREAMS_PER_WIDGET_SESSION = 3;
/** Open streams per client address (behind a NAT many users share one; 50 is far above one person). */
export const STREAMS_PER_IP = 50;
/** What a refused stream is told to wait before trying again, s. */
export const STREAM_RETRY_AFTER_SECONDS = 15;
/**
 * The `retry:` a replaced stream is sent before it is closed, ms: the widget's own back-off cap,
 * so two tabs too many take turns slowly instead of replacing each other in a tight loop.
 */
export const REPLACED_RETRY_MS = 15_000;

export interface StreamLimitOptions {
  perWidgetSession?: number;
  perIp?: number;
}

/**
 * Over the per-widget-session cap the **oldest** stream is closed, not the newest refused: a
 * client whose network dropped and came back reconnects while the server still holds its dead
 * socket (TCP can take minutes to notice), and refusing the newest would lock that tab out. A
 * closed stream gets a `:replaced` comment and a long `retry:` first; its widget reconnects later
 * with `Last-Event-ID` and loses nothing. Over the per-IP cap the newest is refused with 429:
 * there the newcomer is the abuser, and no old stream is owed anything.
 */
export class StreamLimits {
  private readonly perWidgetSession: number;
  private readonly perIp: number;
  /** Open streams per widget session, oldest first. */
  private readonly bySession = new Map<string, SseStream[]>();
  /** Open (or opening) streams per client address. */
  private readonly byIp = new Map<string, number>();

  constructor(options: StreamLimitOptions = {}) {
    this.perWidgetSession = options.perWidgetSession ?? STREAMS_PER_WIDGET_SESSION;
    this.perIp = options.perIp ?? STREAMS_PER_IP;
  }

  /**
   * Takes one of the address's slots before the route awaits anything (so a burst cannot slip
   * in between check and count); throws 429 when none is left. Returns the release function.
   */
  reserve(ip: string): () => void {
    const open = this.byIp.get(ip) ?? 0;
    if (open >= this.perIp) {
      throw new HttpError(429, 'RATE_LIMITED', `Too many open event streams from this address; try again in ${STREAM_RETRY_AFTER_SECONDS} s.`, {
        'Retry-After': String(STREAM_RETRY_AFTER_SECONDS),
      });
    }
    this.byIp.set(ip, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.byIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.byIp.delete(ip);
      else this.byIp.set(ip, left);
    };
  }

  /** Counts an open stream against its widget session, closing the oldest ones over the cap. */
  attach(widgetSessionId: string, stream: SseStream): void {
    const streams = (this.bySession.get(widgetSessionId) ?? []).filter((s) => !s.closed);
    streams.push(stream);
    this.bySession.set(widgetSessionId, streams);
    stream.onClose(() => {
      const left = (this.bySession.get(widgetSessionId) ?? []).filter((s) => s !== stream && !s.closed);
      if (left.length === 0) this.bySession.delete(widgetSessionId);
      else this.bySession.set(widgetSessionId, left);
    });
    while (streams.length > this.perWidgetSession) {
      const oldest = streams.shift()!;
      oldest.comment('replaced');
      oldest.retry(REPLACED_RETRY_MS);
      oldest.close();
    }
  }

  /** Open streams of a widget session (for tests and metrics). */
  openFor(widgetSessionId: string): number {
    return (this.bySession.get(widgetSessionId) ?? []).filter((s) => !s.closed).length;
  }
}
