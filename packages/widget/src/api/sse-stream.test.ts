import { assert } from '../test/assert.js';
import { SseParser, type SseMessage } from './sse-stream.js';

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
