import { WIDGET_PATHS } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { waitFor } from '../test/dom.js';
import { FakeWidgetServer } from '../test/fake-server.js';
import { AFTER, connected, qr, stamped } from '../test/fixtures.js';
import { SseParser, openEventStream, type EventStream, type EventStreamOptions, type SseMessage } from './sse-stream.js';

describe('SseParser', () => {
  const CASES: [string, string[], Pick<SseMessage, 'event' | 'data' | 'id'>[]][] = [
    ['one event', ['id: 1\nevent: qr\ndata: {"a":1}\n\n'], [{ event: 'qr', data: '{"a":1}', id: '1' }]],
    ['CRLF line ends', ['id: 2\r\nevent: state\r\ndata: {}\r\n\r\n'], [{ event: 'state', data: '{}', id: '2' }]],
    ['split across chunks, even mid-CRLF', ['id: 3\r', '\nevent: q', 'r\ndata: x\r\n', '\r\n'], [{ event: 'qr', data: 'x', id: '3' }]],
    ['multi-line data joins with LF', ['data: a\ndata: b\n\n'], [{ event: 'message', data: 'a\nb', id: '' }]],
    ['comments (heartbeats) are ignored', [': heartbeat\n\n', 'event: expired\ndata: {}\n\n'], [{ event: 'expired', data: '{}', id: '' }]],
    ['no data, no event', ['event: qr\n\n'], []],
    ['id is kept for later events', ['id: 7\nevent: a\ndata: 1\n\nevent: b\ndata: 2\n\n'], [
      { event: 'a', data: '1', id: '7' },
      { event: 'b', data: '2', id: '7' },
    ]],
    ['value without the optional space', ['event:qr\ndata:{}\n\n'], [{ event: 'qr', data: '{}', id: '' }]],
    ['an unfinished event waits', ['event: qr\ndata: {}\n'], []],
  ];
  for (const [name, chunks, expected] of CASES) {
    it(name, () => {
      const seen: SseMessage[] = [];
      const parser = new SseParser((m) => seen.push(m));
      for (const chunk of chunks) parser.push(chunk);
      assert.deepEqual(seen, expected);
    });
  }

  it('reads retry: as the reconnect delay', () => {
    const parser = new SseParser(() => {});
    parser.push('retry: 2500\n\n');
    assert.equal(parser.retry, 2500);
  });
});

describe('openEventStream', () => {
  let server: FakeWidgetServer;
  let stream: EventStream | undefined;
  beforeEach(() => {
    server = new FakeWidgetServer().install();
  });
  afterEach(() => {
    stream?.close();
    server.restore();
  });

  const open = (extra: Partial<EventStreamOptions> = {}) => {
    const log: string[] = [];
    stream = openEventStream({
      url: `${location.origin}${WIDGET_PATHS.events}`,
      headers: { Authorization: 'Bearer t' },
      onMessage: (m) => log.push(`${m.event}#${m.id}`),
      onOpen: () => log.push('open'),
      onDrop: () => log.push('drop'),
      onUnauthorized: (status) => log.push(`unauthorized ${status}`),
      ...extra,
    });
    return log;
  };

  it('resumes after a drop with Last-Event-ID, and keeps delivering', async () => {
    const log = open();
    await waitFor(() => server.openStreams === 1, 'open');
    server.send('qr', stamped(qr()));
    server.send('qr', stamped(qr()));
    await waitFor(() => log.length === 3, 'two events');
    server.drop();
    await waitFor(() => server.requestsTo(WIDGET_PATHS.events).length === 2 && server.openStreams === 1, 'reconnect');
    assert.equal(server.requestsTo(WIDGET_PATHS.events)[1]!.headers.get('Last-Event-ID'), '2');
    server.send('connected', stamped(connected(), AFTER.connected));
    await waitFor(() => log.includes('connected#3'), 'event after resume');
    assert.deepEqual(log, ['open', 'qr#1', 'qr#2', 'drop', 'open', 'connected#3']);
  });

  it('a silent stream counts as lost: the watchdog reconnects', async () => {
    const log = open({ stallMs: 100 });
    await waitFor(() => server.requestsTo(WIDGET_PATHS.events).length === 2, 'reconnect after silence');
    assert.deepEqual(log.slice(0, 2), ['open', 'drop']);
  });

  it('heartbeat comments keep a quiet stream alive', async () => {
    const log = open({ stallMs: 300 });
    await waitFor(() => server.openStreams === 1, 'open');
    for (let i = 0; i < 8; i++) {
      server.write(': heartbeat\n\n');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(server.requestsTo(WIDGET_PATHS.events).length, 1);
    assert.deepEqual(log, ['open']);
  });

  for (const status of [401, 403]) {
    it(`${status} stops for good`, async () => {
      server.eventsStatus = status;
      const log = open();
      await waitFor(() => log.length === 1, 'unauthorized');
      await new Promise((r) => setTimeout(r, 700));
      assert.deepEqual(log, [`unauthorized ${status}`]);
      assert.equal(server.requestsTo(WIDGET_PATHS.events).length, 1);
    });
  }

  it('close() ends the stream and no reconnect follows', async () => {
    open();
    await waitFor(() => server.openStreams === 1, 'open');
    stream!.close();
    await waitFor(() => server.openStreams === 0, 'closed');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(server.requestsTo(WIDGET_PATHS.events).length, 1);
  });
});
