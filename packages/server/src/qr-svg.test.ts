import { test } from 'node:test';
import assert from 'node:assert/strict';
import QRCode from 'qrcode';
import { qrSvgPath } from './qr-svg.js';

/** Paints the path back into a grid so the test checks the picture, not the string. */
function paint(svgPath: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const [, x, y, w] of svgPath.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(w); i++) {
      assert.equal(grid[Number(y)]![Number(x) + i], false, 'runs never overlap');
      grid[Number(y)]![Number(x) + i] = true;
    }
  }
  return grid;
}

const TEXTS = [
  'hello',
  'https://wa.me/settings/linked_devices#2@' + 'A'.repeat(80) + ',' + 'b'.repeat(44) + ',' + 'c'.repeat(44) + ',' + 'd'.repeat(44) + ',1',
];

test('qrSvgPath draws exactly the dark modules of the QR symbol', () => {
  for (const text of TEXTS) {
    const { svgPath, modules } = qrSvgPath(text);
    const expected = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M' }).modules;
    assert.equal(modules, expected.size);
    assert.match(svgPath, /^(M\d+ \d+h\d+v1h-\d+z)+$/);
    const grid = paint(svgPath, modules);
    for (let y = 0; y < modules; y++)
      for (let x = 0; x < modules; x++) assert.equal(grid[y]![x], Boolean(expected.get(y, x)), `module ${x},${y} of ${text.slice(0, 10)}`);
  }
});

test('qrSvgPath merges horizontal runs (one rectangle per run, not per module)', () => {
  const { svgPath, modules } = qrSvgPath('hello');
  const rects = svgPath.split('z').length - 1;
  const dark = paint(svgPath, modules).flat().filter(Boolean).length;
  assert.ok(rects < dark, `${rects} rectangles for ${dark} dark modules`);
  // The finder pattern's top row is a run of 7 dark modules.
  assert.ok(svgPath.startsWith('M0 0h7v1h-7z'));
});
