// WhatsApp Web transport framing. Every frame is a 3-byte big-endian length and a body; the
// client's very first WebSocket message is prefixed by an intro: `WA 06 03` (protocol magic,
// version 6, dictionary 3), or `ED 00 01 <len24> <routing info>` then `WA 06 03` when the client
// kept routing info from a previous `edge_routing` (Baileys `Utils/noise-handler.js`).

const WA_MAGIC = Buffer.from('WA', 'latin1');
const ED_MAGIC = Buffer.from('ED', 'latin1');
const INTRO_LENGTH = 4;
const MAX_FRAME = 0xffffff;

export class FramingError extends Error {}

/** Splits a client's byte stream into frames; tolerates frames split across or joined in messages. */
export class FrameDecoder {
  #buffer = Buffer.alloc(0);
  #introSeen = false;
  /** The routing info the client sent in an `ED` intro, if any. */
  routingInfo: Buffer | null = null;

  /** Feeds bytes, returns every complete frame body now available. Throws `FramingError` on a bad intro. */
  push(chunk: Uint8Array): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    if (!this.#introSeen && !this.#readIntro()) return [];
    const frames: Buffer[] = [];
    while (this.#buffer.length >= 3) {
      const size = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < size + 3) break;
      frames.push(this.#buffer.subarray(3, size + 3));
      this.#buffer = this.#buffer.subarray(size + 3);
    }
    return frames;
  }

  /** Consumes the intro once it is complete; false while more bytes are needed. */
  #readIntro(): boolean {
    let offset = 0;
    if (this.#buffer.length < 2) return false;
    if (this.#buffer.subarray(0, 2).equals(ED_MAGIC)) {
      if (this.#buffer.length < 7) return false;
      if (this.#buffer[2] !== 0 || this.#buffer[3] !== 1) throw new FramingError('unsupported ED intro version');
      const routingLength = this.#buffer.readUIntBE(4, 3);
      if (this.#buffer.length < 7 + routingLength) return false;
      this.routingInfo = Buffer.from(this.#buffer.subarray(7, 7 + routingLength));
      offset = 7 + routingLength;
    }
    if (this.#buffer.length < offset + INTRO_LENGTH) return false;
    const intro = this.#buffer.subarray(offset, offset + INTRO_LENGTH);
    if (!intro.subarray(0, 2).equals(WA_MAGIC) || intro[2] !== 6) {
      throw new FramingError(`not a WhatsApp Web intro: ${intro.toString('hex')}`);
    }
    this.#buffer = this.#buffer.subarray(offset + INTRO_LENGTH);
    this.#introSeen = true;
    return true;
  }
}

/** One frame from the server: the server never sends an intro. */
export const encodeFrame = (body: Uint8Array): Buffer => {
  if (body.byteLength > MAX_FRAME) throw new FramingError(`frame of ${body.byteLength} bytes is too large`);
  const frame = Buffer.allocUnsafe(3 + body.byteLength);
  frame.writeUIntBE(body.byteLength, 0, 3);
  frame.set(body, 3);
  return frame;
};
