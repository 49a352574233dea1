import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, FrameDecoder, FramingError } from './framing.js';

const WA = Buffer.from([0x57, 0x41, 6, 3]);
const frame = (hex: string): Buffer => encodeFrame(Buffer.from(hex, 'hex'));
const ed = (routing: Buffer): Buffer => {
  const head = Buffer.alloc(7);
  head.write('ED', 0, 'latin1');
  head[2] = 0;
  head[3] = 1;
  head.writeUIntBE(routing.length, 4, 3);
  return Buffer.concat([head, routing, WA]);
};

describe('FrameDecoder', () => {
  const CASES: Array<[string, Buffer[], string[], string | null]> = [
    ['WA intro and one frame in one message', [Buffer.concat([WA, frame('aabb')])], ['aabb'], null],
    ['two frames joined', [Buffer.concat([WA, frame('01'), frame('0203')])], ['01', '0203'], null],
    ['a frame split across messages', [Buffer.concat([WA, frame('aabbcc').subarray(0, 4)]), frame('aabbcc').subarray(4)], ['aabbcc'], null],
    ['the intro split across messages', [WA.subarray(0, 1), Buffer.concat([WA.subarray(1), frame('ff')])], ['ff'], null],
    ['an ED routing intro', [Buffer.concat([ed(Buffer.from('0a0b', 'hex')), frame('cafe')])], ['cafe'], '0a0b'],
    ['an empty frame', [Buffer.concat([WA, frame('')])], [''], null],
  ];
  for (const [name, chunks, expected, routing] of CASES) {
    it(`reads ${name}`, () => {
      const decoder = new FrameDecoder();
      const frames = chunks.flatMap((chunk) => decoder.push(chunk));
      assert.deepEqual(frames.map((f) => f.toString('hex')), expected);
      assert.equal(decoder.routingInfo?.toString('hex') ?? null, routing);
    });
  }

  it('refuses a stream that is not WhatsApp Web', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1')), FramingError);
  });

  it('writes a 3-byte big-endian length', () => {
    assert.equal(encodeFrame(Buffer.alloc(0x010203)).subarray(0, 3).toString('hex'), '010203');
  });
});
