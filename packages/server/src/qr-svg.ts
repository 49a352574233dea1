// Draws a QR as one SVG path so the widget paints it crisp without shipping a QR library.
import QRCode from 'qrcode';

export interface QrSvg {
  /** `d` of one `<path>`: unit squares, 1 unit = 1 module, no quiet zone. */
  svgPath: string;
  /** Modules per side. */
  modules: number;
}

/**
 * Encodes `text` (error correction M: WhatsApp's refs are ~240 chars, M keeps the symbol small
 * enough to scan from a laptop screen and still survives glare) and merges each horizontal run of
 * dark modules into one rectangle, which keeps the path about a third of the naive size.
 *
 * One byte-mode segment: letting `qrcode` search for the optimal mix of segment modes costs more
 * than half of the encoding time for a WhatsApp ref and gives the same 61-module symbol, and with
 * a thousand sessions rotating QRs that time is event-loop delay.
 */
export function qrSvgPath(text: string): QrSvg {
  const { modules } = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M' });
  const size = modules.size;
  const parts: string[] = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!modules.get(y, x)) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && modules.get(y, x)) x++;
      parts.push(`M${start} ${y}h${x - start}v1h-${x - start}z`);
    }
  }
  return { svgPath: parts.join(''), modules: size };
}
