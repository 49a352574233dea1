import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { formatSseFrame, formatSseMessage, MAX_BUFFERED_BYTES, openSse, type SseStream } from './sse.js';

test('formatSseMessage frames an event', () => {
  const CASES: [Parameters<typeof formatSseMessage>[0], string][] = [
    [{ data: 'x' }, 'data: x\n\n'],
    [{ event: 'qr', id: 7, data: '{"a":1}' }, 'event: qr\nid: 7\ndata: {"a":1}\n\n'],
    [{ data: 'one\ntwo\r\nthree\rfour' }, 'data: one\ndata: two\ndata: three\ndata: four\n\n'],
    [{ data: '', retry: 1500 }, 'retry: 1500\ndata: \n\n'],
  ];
  for (const [input, expected] of CASES) assert.equal(formatSseMessage(input), expected);
});

test('formatSseMessage refuses CR or LF in event and id', () => {
  for (const bad of [{ event: 'a\nb' }, { event: 'a\rb' }, { id: '1\nevent: x' }, { id: '1\r' }])
    assert.throws(() => formatSseMessage({ data: 'x', ...bad }), TypeError);
});

/** A server whose every request opens a stream handed to `onStream`. */
async function serve(onStream: (stream: SseStream) => void, heartbeatMs?: number) {
  const server = http.createServer((req, res) => onStream(openSse(req, res, { heartbeatMs })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, port };
}

/** Reads the stream until `until` matches the text received so far. */
function read(port: number, until: (text: string) => boolean) {
  return new Promise<{ headers: http.IncomingHttpHeaders; text: string; req: http.ClientRequest }>((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: '/' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (until(text)) resolve({ headers: res.headers, text, req });
      });
    });
    req.on('error', reject);
  });
}

test('openSse sends the stream headers and events, and heartbeats when idle', async () => {
  const { server, port } = await serve((s) => {
    s.send({ event: 'state', id: 1, data: '{}' });
    s.sendFrame(formatSseFrame({ event: 'qr', id: 2, data: '"ü"' }));
  }, 20);
  try {
    const { headers, text, req } = await read(port, (t) => t.includes('\n:\n\n'));
    req.destroy();
    assert.equal(headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(headers['cache-control'], 'no-store');
    assert.equal(headers['x-accel-buffering'], 'no');
    assert.ok(text.startsWith('event: state\nid: 1\ndata: {}\n\nevent: qr\nid: 2\ndata: "ü"\n\n'), text);
    assert.match(text, /\n\n:\n\n/);
  } finally {
    server.close();
  }
});

test('openSse runs close handlers once when the client goes away, then refuses to send', async () => {
  let stream: SseStream | null = null;
  let closes = 0;
  const closed = new Promise<void>((resolve) => {
    void serve((s) => {
      stream = s;
      s.onClose(() => {
        closes++;
        resolve();
      });
      s.comment('hello');
    }).then(async ({ server, port }) => {
      const { req } = await read(port, (t) => t.includes(':hello'));
      req.destroy();
      await closed;
      server.close();
    });
  });
  await closed;
  assert.equal(closes, 1);
  assert.equal(stream!.closed, true);
  assert.equal(stream!.send({ data: 'late' }), false);
  let late = 0;
  stream!.onClose(() => late++);
  assert.equal(late, 1, 'a handler added after close runs at once');
});

test('openSse on a client that already left is closed at once (no heartbeat left running)', async () => {
  let stream: SseStream | null = null;
  let opened!: () => void;
  const done = new Promise<void>((r) => (opened = r));
  const server = http.createServer((req, res) => {
    req.socket.destroy();
    // As when a route awaits before opening the stream: 'close' has fired by then.
    res.on('close', () => setImmediate(() => {
      stream = openSse(req, res, { heartbeatMs: 5 });
      opened();
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  http.get({ port, host: '127.0.0.1' }).on('error', () => {});
  await done;
  server.close();
  assert.equal(stream!.closed, true);
  let ran = 0;
  stream!.onClose(() => ran++);
  assert.equal(ran, 1);
});

/** Sends `request` on a raw socket and returns every byte the server wrote until it hung up. */
function rawExchange(port: number, request: string) {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

test('sendFrame puts the same bytes on the wire as res.write, chunked (HTTP/1.1) or not (HTTP/1.0)', async () => {
  const frame = formatSseFrame({ event: 'qr', id: 2, data: '"ü"' });
  const text = 'event: qr\nid: 2\ndata: "ü"\n\n';
  const CASES: [string, string, string][] = [
    // Keep-alive is off so the server hangs up after end(); chunking does not depend on it.
    ['HTTP/1.1', 'Connection: close\r\n', `9\r\n:opened\n\n\r\n${`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`.repeat(2)}0\r\n\r\n`],
    ['HTTP/1.0', '', `:opened\n\n${text}${text}`],
  ];
  const server = http.createServer((req, res) => {
    const stream = openSse(req, res);
    stream.comment('opened');
    assert.equal(stream.sendFrame(frame), true);
    // Twice, on a later turn too: one buffer shared by every write and every stream.
    setImmediate(() => {
      stream.sendFrame(frame);
      stream.close();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    for (const [version, extra, body] of CASES) {
      const raw = await rawExchange(port, `GET / ${version}\r\nHost: 127.0.0.1\r\n${extra}\r\n`);
      const at = raw.indexOf('\r\n\r\n');
      assert.equal(/transfer-encoding: chunked/i.test(raw.slice(0, at)), version === 'HTTP/1.1', raw);
      assert.equal(raw.slice(at + 4), body, version);
    }
  } finally {
    server.close();
  }
});

test('a client that stops reading is cut off once MAX_BUFFERED_BYTES wait unsent', async () => {
  const frame = formatSseFrame({ event: 'qr', data: 'x'.repeat(64 * 1024) });
  let stream!: SseStream;
  const opened = new Promise<void>((resolve) => {
    void serve((s) => {
      stream = s;
      resolve();
    }).then(({ server, port }) => {
      // A raw client that sends the request and then never reads a byte.
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.pause();
      cleanup = () => (socket.destroy(), server.close());
    });
  });
  let cleanup = () => {};
  await opened;
  let sent = 0;
  // Loopback socket buffers absorb a few MB; 64 MB is far past them and the cap together.
  while (!stream.closed && sent < 1024) {
    stream.sendFrame(frame);
    sent++;
    await new Promise((r) => setImmediate(r));
  }
  cleanup();
  assert.equal(stream.closed, true, `still open after ${sent} frames`);
  assert.ok(sent * frame.bytes.length > MAX_BUFFERED_BYTES, 'not cut off before the cap was reached');
});
