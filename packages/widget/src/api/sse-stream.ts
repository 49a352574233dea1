// Server-sent events over `fetch`, because `EventSource` cannot send `Authorization` (needed when
// the element is used directly on another origin) and gives no access to the HTTP status (a 401
// or 403 means the widget token is gone, and must stop the reconnect loop rather than feed it).

/** One parsed event: `event:` name, joined `data:` lines, and the last `id:` seen. */
export interface SseMessage {
  event: string;
  data: string;
  id: string;
}

export interface EventStreamOptions {
  url: string;
  headers?: Record<string, string>;
  onMessage(message: SseMessage): void;
  /** The stream is (re)opened and answering. */
  onOpen?(): void;
  /** The stream dropped; a reconnect is scheduled. */
  onDrop?(): void;
  /** 401/403: the token is missing, invalid or expired. The stream stays closed. */
  onUnauthorized?(status: number): void;
  /** Longest silence before the stream counts as lost; the server comments every 15 s. */
  stallMs?: number;
}

export interface EventStream {
  close(): void;
}

/** Splits a byte stream into SSE messages (WHATWG rules: CRLF/CR/LF, `:` comments, `retry:`). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  lastEventId = '';
  retry: number | null = null;

  constructor(private readonly emit: (message: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    // A trailing lone CR may be half of a CRLF split across chunks: keep it for the next push.
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.emit({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Opens the stream and keeps it open: on a drop it waits (0.5 s doubling to 15 s, with jitter so
 * a server restart is not hit by every widget at once) and resumes with `Last-Event-ID`.
 */
export function openEventStream(options: EventStreamOptions): EventStream {
  const closing = new AbortController();
  const stallMs = options.stallMs ?? 45_000;
  const parser = new SseParser(options.onMessage);

  // 'ended': the stream was open and then ended or stalled; 'refused': it never opened.
  const readOnce = async (): Promise<'ended' | 'refused' | 'unauthorized'> => {
    // One controller per attempt so the stall watchdog can abort just this response.
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    closing.signal.addEventListener('abort', abort, { once: true });
    let watchdog = setTimeout(abort, stallMs);
    let opened = false;
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers };
      if (parser.lastEventId) headers['Last-Event-ID'] = parser.lastEventId;
      const response = await fetch(options.url, { headers, cache: 'no-store', signal: attempt.signal });
      if (response.status === 401 || response.status === 403) {
        options.onUnauthorized?.(response.status);
        return 'unauthorized';
      }
      if (!response.ok || !response.body) return 'refused';
      opened = true;
      options.onOpen?.();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'ended';
        clearTimeout(watchdog);
        watchdog = setTimeout(abort, stallMs);
        parser.push(value);
      }
    } catch {
      return opened ? 'ended' : 'refused';
    } finally {
      clearTimeout(watchdog);
      closing.signal.removeEventListener('abort', abort);
    }
  };

  void (async () => {
    let failures = 0;
    while (!closing.signal.aborted) {
      const outcome = await readOnce();
      if (outcome === 'unauthorized' || closing.signal.aborted) return;
      options.onDrop?.();
      // A stream that was open resets the back-off: the first retry after a drop is quick.
      failures = outcome === 'ended' ? 0 : failures + 1;
      const delay = Math.min(15_000, (parser.retry ?? 500) * 2 ** Math.min(failures, 5));
      await sleep(delay * (0.75 + Math.random() * 0.5), closing.signal);
    }
  })();

  return { close: () => closing.abort() };
}
