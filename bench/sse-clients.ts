// Raw-socket SSE clients that time each benchmark event's arrival (sse.bench.ts and
// webhooks.bench.ts). The server puts its send time (epoch ms) in the event's `message`, so
// each client's latency is arrival minus that, with no clock shared but the machine's.
import net from 'node:net';

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const STATE_MARK = Buffer.from('event: state');
const BENCH_MARK = Buffer.from('"message":"');

/** The `q` quantile (0..1) of `values`; NaN when there are none. */
export const percentile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/**
 * Opens `n` SSE clients on `path`, `concurrency` connections being opened at once (a burst of
 * reconnecting tabs, not a SYN flood); each records the latency of every timed event it reads.
 */
export async function openClients(port: number, path: string, n: number, concurrency = 200) {
  const latencies: number[] = [];
  const sockets: net.Socket[] = [];
  let failed = 0;
  const openOne = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      let open = false;
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
      // Buffers, not strings: decoding and regex work per chunk would make this client, not
      // the server under test, the slowest part of the measurement.
      socket.on('data', (chunk: Buffer) => {
        const now = epochMs();
        if (!open && chunk.includes(STATE_MARK)) {
          open = true;
          resolve();
        }
        // An event's first bytes and its timestamp arrive in one chunk (frames are < 200 bytes).
        let at = chunk.indexOf(BENCH_MARK);
        while (at >= 0) {
          let t = 0;
          let i = at + BENCH_MARK.length;
          let scale = 0;
          for (; i < chunk.length; i++) {
            const c = chunk[i]!;
            if (c === 46) scale = 1;
            else if (c >= 48 && c <= 57) {
              if (scale) t += (c - 48) / 10 ** scale++;
              else t = t * 10 + (c - 48);
            } else break;
          }
          latencies.push(now - t);
          at = chunk.indexOf(BENCH_MARK, i);
        }
      });
      socket.on('error', () => {
        if (!open) {
          failed++;
          resolve();
        }
      });
      sockets.push(socket);
    });
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      await openOne();
    }
  }));
  return { latencies, sockets, failed };
}
