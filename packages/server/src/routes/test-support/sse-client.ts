// A tiny real-HTTP SSE reader for tests: parses frames as a browser would and waits for events.
import http from 'node:http';

export interface SseFrame {
  event: string;
  id: string | null;
  data: string;
  /** `JSON.parse(data)` */
  json: any;
}

export class SseClient {
  readonly frames: SseFrame[] = [];
  comments = 0;
  /** The last `retry:` the server sent, ms. */
  retry: number | null = null;
  /** Comment texts, in order (the heartbeat's is empty). */
  readonly commentTexts: string[] = [];
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  private markEnded!: () => void;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private buffer = '';
  private waiters: { test: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void }[] = [];
  private readonly req: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(port: number, path: string, headers: Record<string, string> = {}) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.opened = new Promise((resolve, reject) => {
      this.req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.on('error', () => {});
        res.on('end', () => this.markEnded());
        res.on('close', () => this.markEnded());
        resolve();
      });
      this.req.on('error', (err) => (this.closed ? resolve() : reject(err)));
    });
  }
  private closed = false;

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (block.startsWith(':')) {
        this.comments++;
        this.commentTexts.push(block.slice(1));
        continue;
      }
      const frame: SseFrame = { event: 'message', id: null, data: '', json: null };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') frame.event = value;
        else if (field === 'id') frame.id = value;
        else if (field === 'data') data.push(value);
      }
      // A block without data (e.g. `retry:` alone) dispatches no event, as in a browser.
      if (data.length === 0) {
        if (/^retry: ?\d+$/m.test(block)) this.retry = Number(/^retry: ?(\d+)$/m.exec(block)![1]);
        continue;
      }
      frame.data = data.join('\n');
      frame.json = JSON.parse(frame.data);
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.test(frame) ? (w.resolve(frame), false) : true));
    }
  }

  /** The first frame (received or to come) that passes `test`. */
  waitFor(test: (f: SseFrame) => boolean, timeoutMs = 5_000): Promise<SseFrame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${this.frames.map((f) => `${f.id}:${f.event}`).join(' ')}`)), timeoutMs);
      this.waiters.push({ test, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  waitForEvent(event: string, timeoutMs?: number): Promise<SseFrame> {
    return this.waitFor((f) => f.event === event, timeoutMs);
  }

  /** Waits until `n` frames have arrived. */
  async waitForCount(n: number, timeoutMs?: number): Promise<void> {
    await this.waitFor(() => this.frames.length >= n, timeoutMs);
  }

  /** Drops the connection as a flaky network would. */
  destroy(): void {
    this.closed = true;
    this.req.destroy();
  }

  get lastId(): string | null {
    return this.frames.at(-1)?.id ?? null;
  }
}
