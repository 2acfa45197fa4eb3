/**
 * Digit images: the hand-written PNG encoder (its checksums against published check values, and
 * its output inflated by Node's zlib back to the rows given), base64 against Node's, and the grids
 * as well-formed SVG with one image per grid and a caption per digit.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, base64, crc32, digitGrid, encodePng, pixelMaps } from '../../src/plot/digits.js';
import { checkSvg, elements } from './svg-check.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The chunks of a PNG: type and data. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array; crc: number }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array; crc: number }[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    out.push({ type, data: png.subarray(at + 8, at + 8 + length), crc: view.getUint32(at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('PNG by hand', () => {
  it('checksums match their published check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(adler32(ascii('Wikipedia'))).toBe(0x11e60398);
  });

  it('writes a PNG whose rows inflate back to the pixels, for grey and RGB, small and over 64 KB', () => {
    for (const [width, height, channels] of [[3, 2, 1], [28, 28, 3], [300, 120, 3]] as const) {
      const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
      const png = encodePng(width, height, pixels, channels);
      expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const parts = chunks(png);
      expect(parts.map((part) => part.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      for (const part of parts) {
        const typed = new Uint8Array([...ascii(part.type), ...part.data]);
        expect(part.crc).toBe(crc32(typed));
      }
      const header = new DataView(parts[0].data.buffer, parts[0].data.byteOffset);
      expect([header.getUint32(0), header.getUint32(4), parts[0].data[8], parts[0].data[9]]).toEqual([width, height, 8, channels === 1 ? 0 : 2]);
      const rows = inflateSync(parts[1].data);
      const rowBytes = width * channels;
      expect(rows.length).toBe(height * (rowBytes + 1));
      for (let y = 0; y < height; y++) {
        expect(rows[y * (rowBytes + 1)]).toBe(0);
        expect(Array.from(rows.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)))).toEqual(Array.from(pixels.subarray(y * rowBytes, (y + 1) * rowBytes)));
      }
    }
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow('expected 4 bytes');
  });

  it('base64 agrees with Node for every length mod 3', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 100]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 91 + 7) % 256);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});

describe('digit grids', () => {
  const digit = (shift: number): number[] => Array.from({ length: 784 }, (_, p) => ((p + shift) % 28) / 27);

  it('draws one image per digit with its caption, as well-formed SVG', () => {
    const svg = digitGrid([{ pixels: digit(0), caption: '7' }, { pixels: digit(3), caption: '1' }, { pixels: digit(5) }], { title: 'Top images', columns: 2 });
    const root = checkSvg(svg, 'Top images');
    const images = elements(root, 'image');
    expect(images).toHaveLength(3);
    for (const image of images) expect(image.attributes.href.startsWith('data:image/png;base64,')).toBe(true);
    const captions = elements(root, 'text').map((text) => text.text);
    expect(captions).toContain('7');
    expect(captions).toContain('1');
    // Two columns: the third digit starts a second row, below the first.
    expect(Number(images[2].attributes.y)).toBeGreaterThan(Number(images[0].attributes.y));
    expect(images[2].attributes.x).toBe(images[0].attributes.x);
  });

  it('draws "no images" for an empty grid, and refuses a wrong-sized digit', () => {
    expect(digitGrid([], { title: 'None' })).toContain('no images');
    expect(() => digitGrid([{ pixels: [1, 2, 3] }], { title: 'Bad' })).toThrow('cell 0 has 3 pixels');
  });

  it('draws signed pixel maps, red where positive and blue where negative', () => {
    const values = Array.from({ length: 784 }, (_, p) => (p < 392 ? 1 : -1));
    const root = checkSvg(pixelMaps([{ values, caption: 'weights' }], { title: 'Weights' }), 'Weights');
    const href = elements(root, 'image')[0].attributes.href;
    const png = Buffer.from(href.slice('data:image/png;base64,'.length), 'base64');
    const rows = inflateSync(chunks(new Uint8Array(png))[1].data);
    const first = Array.from(rows.subarray(1, 4)); // pixel (0, 0): positive
    const last = Array.from(rows.subarray(rows.length - 3)); // pixel (27, 27): negative
    expect(first[0]).toBeGreaterThan(first[2]); // red
    expect(last[2]).toBeGreaterThan(last[0]); // blue
  });
});
