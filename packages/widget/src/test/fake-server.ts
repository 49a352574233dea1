// Stands in for the widget routes by intercepting `window.fetch`: the event stream is a real
// ReadableStream fed with SSE text, so the element's parser, resume and reconnect run for real.
import { WIDGET_PATHS, type WidgetEvent, type WidgetEventMap } from '@titan-connect/protocol';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

export class FakeWidgetServer {
  readonly requests: RecordedRequest[] = [];
  /** Events every new stream starts with (normally one `state`). */
  opening: WidgetEvent[] = [];
  /** Status the event stream answers with (401/403 to refuse the token). */
  eventsStatus = 200;
  /** Replies of the POST routes, by path. */
  replies = new Map<string, Reply>();
  private streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  private nextId = 1;
  private original: typeof fetch | null = null;
  private encoder = new TextEncoder();

  install(): this {
    this.original = window.fetch;
    window.fetch = (input, init) => this.handle(new Request(input, init));
    return this;
  }

  restore(): void {
    if (this.original) window.fetch = this.original;
    for (const stream of this.streams) {
      try {
        stream.close();
      } catch {
        // already closed
      }
    }
    this.streams = [];
  }

  /** Streams currently open. */
  get openStreams(): number {
    return this.streams.length;
  }

  send<K extends keyof WidgetEventMap>(event: K, data: WidgetEventMap[K]): void {
    this.write(`id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Raw SSE text to every open stream (for parser edge cases). */
  write(text: string): void {
    for (const stream of this.streams) stream.enqueue(this.encoder.encode(text));
  }

  /** Ends every open stream, as a lost connection does. */
  drop(): void {
    for (const stream of this.streams) stream.error(new TypeError('network error'));
    this.streams = [];
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.json().catch(() => null) : null;
    this.requests.push({ method: request.method, path: url.pathname, headers: request.headers, body });
    if (url.pathname === WIDGET_PATHS.events) return this.openStream(request);
    const reply = this.replies.get(url.pathname) ?? { status: 200, body: { success: true } };
    return new Response(JSON.stringify(reply.body ?? null), {
      status: reply.status,
      headers: { 'Content-Type': 'application/json', ...reply.headers },
    });
  }

  private openStream(request: Request): Response {
    if (this.eventsStatus !== 200) {
      return new Response(JSON.stringify({ error: 'Invalid widget token', code: 'INVALID_WIDGET_TOKEN' }), { status: this.eventsStatus });
    }
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        this.streams = this.streams.filter((s) => s !== controller);
      },
    });
    request.signal.addEventListener('abort', () => {
      this.streams = this.streams.filter((s) => s !== controller);
      try {
        controller.error(new DOMException('aborted', 'AbortError'));
      } catch {
        // already closed
      }
    });
    this.streams.push(controller);
    for (const event of this.opening) this.send(event.event, event.data as never);
    return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }
}

/**
 * Mocha hooks for a test file: a fresh fake server before each test; after it, every widget
 * removed from the page and `fetch` given back.
 */
export function useFakeWidgetServer(set: (server: FakeWidgetServer) => void): void {
  let server: FakeWidgetServer;
  beforeEach(() => set((server = new FakeWidgetServer().install())));
  afterEach(() => {
    document.querySelectorAll('titan-connect-widget').forEach((el) => el.remove());
    server.restore();
  });
}
