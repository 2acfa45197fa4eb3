/**
 * Digit images in SVG: grids of 28 × 28 digits, and a pixel map of weights (red positive, blue
 * negative), each drawn as one small PNG inlined as a data URL inside an `<svg>`, with captions.
 *
 * Why PNG inside SVG: a digit as SVG rectangles costs one element per inked pixel (≈150, ~6 KB);
 * as a PNG it is ~1 KB, and a grid of twelve is one image. The PNG is written here, by hand, so the
 * library needs no canvas and no dependency, in Node and in browsers alike:
 *
 *     PNG   = signature, IHDR (width, height, 8-bit grey or RGB), IDAT, IEND; each chunk carries
 *             CRC-32 of its type and data
 *     IDAT  = a zlib stream of the rows, each led by filter byte 0 ("none"), in *stored* deflate
 *             blocks (no compression: ≤ 65,535 bytes each), closed by the Adler-32 of the rows
 *
 * The image is drawn with `image-rendering: pixelated` so each pixel stays a crisp square.
 * Ink: MNIST pixel 1 is ink; it is drawn dark on white (grey level 255·(1 − p)).
 *
 * @module
 */
import { divergingColor } from './color.js';
import { escapeXml, svgDocument, textElement } from './svg.js';

// ─── PNG, by hand ───

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the PNG and zip polynomial) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 (zlib's checksum) of `bytes`. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * A PNG of `width` × `height` pixels: `channels` 1 (grey) or 3 (RGB) bytes per pixel, row by row.
 * Uncompressed (stored deflate blocks); see the module notes.
 */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 1 | 3 = 1): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be whole numbers ≥ 1, got ${width} × ${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: expected ${width * height * channels} bytes (${width} × ${height} × ${channels}), got ${pixels.length}`);
  }
  const rowBytes = width * channels;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const zlib = new Uint8Array(2 + blocks * 5 + raw.length + 4);
  zlib[0] = 0x78; // deflate, 32 KB window
  zlib[1] = 0x01; // no preset dictionary, fastest; (0x78·256 + 0x01) % 31 = 0 as zlib requires
  let at = 2;
  for (let block = 0; block < blocks; block++) {
    const start = block * 65535;
    const length = Math.min(65535, raw.length - start);
    zlib[at++] = block === blocks - 1 ? 1 : 0; // BFINAL, BTYPE = 00 (stored)
    zlib[at++] = length & 0xff;
    zlib[at++] = length >>> 8;
    zlib[at++] = ~length & 0xff;
    zlib[at++] = (~length >>> 8) & 0xff;
    zlib.set(raw.subarray(start, start + length), at);
    at += length;
  }
  writeUint32(zlib, at, adler32(raw));
  const header = new Uint8Array(13);
  writeUint32(header, 0, width);
  writeUint32(header, 4, height);
  header[8] = 8; // bits per channel
  header[9] = channels === 1 ? 0 : 2; // grey, or RGB
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', header), chunk('IDAT', zlib), chunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeUint32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  writeUint32(out, 8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with `=` padding) of `bytes`. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | (b >> 4)];
    out += i + 1 < bytes.length ? BASE64[((b & 15) << 2) | (c >> 6)] : '=';
    out += i + 2 < bytes.length ? BASE64[c & 63] : '=';
  }
  return out;
}

/** `data:image/png;base64,…` for a PNG's bytes. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${base64(png)}`;
}

// ─── Grids ───

/** One cell of a {@link digitGrid}. */
export interface DigitCell {
  /** side × side pixels in [0, 1], row by row (1 is ink). */
  pixels: ArrayLike<number>;
  /** A short caption under the digit (its class, say). */
  caption?: string;
  /** The caption's colour. Default dark grey. */
  captionColor?: string;
}

/** Options of {@link digitGrid}. */
export interface DigitGridOptions {
  /** Title, drawn above and used as the accessible title. */
  title: string;
  /** Digits per row. Default: all in one row, up to 12. */
  columns?: number;
  /** Screen pixels per image pixel. Default 2. */
  scale?: number;
  /** Pixels per side of each image. Default 28. */
  side?: number;
  /** A longer description for screen readers. */
  description?: string;
}

const GAP = 2;
const CAPTION_HEIGHT = 14;
const TITLE_HEIGHT = 30;

/**
 * A grid of digits as one SVG: the digits tiled into one grey PNG (1 px of paper between them),
 * captions below each. An empty list draws the frame and says "no images".
 */
export function digitGrid(cells: readonly DigitCell[], options: DigitGridOptions): string {
  const side = options.side ?? 28;
  const scale = options.scale ?? 2;
  const columns = Math.max(1, options.columns ?? Math.min(12, Math.max(1, cells.length)));
  const rows = Math.max(1, Math.ceil(cells.length / columns));
  const hasCaptions = cells.some((cell) => cell.caption !== undefined && cell.caption !== '');
  const cellWidth = side * scale + GAP * scale;
  const cellHeight = side * scale + GAP * scale + (hasCaptions ? CAPTION_HEIGHT : 0);
  const width = Math.max(columns * cellWidth + 8, 120);
  const height = TITLE_HEIGHT + rows * cellHeight + 4;
  const body: string[] = [];
  if (cells.length === 0) {
    body.push(textElement(width / 2, TITLE_HEIGHT + 16, 'no images', { anchor: 'middle', fill: '#6b7280' }));
    return svgDocument({ width, height: TITLE_HEIGHT + 30 }, options.title, body, options.description);
  }
  cells.forEach((cell, i) => {
    if (cell.pixels.length !== side * side) {
      throw new Error(`digitGrid: cell ${i} has ${cell.pixels.length} pixels, expected ${side} × ${side} = ${side * side}`);
    }
    const x = 4 + (i % columns) * cellWidth;
    const y = TITLE_HEIGHT + Math.floor(i / columns) * cellHeight;
    const grey = new Uint8Array(side * side);
    for (let p = 0; p < grey.length; p++) grey[p] = Math.round(255 * (1 - Math.min(1, Math.max(0, cell.pixels[p]))));
    body.push(imageElement(encodePng(side, side, grey), x, y, side * scale, side * scale));
    if (cell.caption !== undefined && cell.caption !== '') {
      body.push(textElement(x + (side * scale) / 2, y + side * scale + 11, cell.caption, { size: 10, anchor: 'middle', fill: cell.captionColor }));
    }
  });
  return svgDocument({ width, height }, options.title, body, options.description);
}

function imageElement(png: Uint8Array, x: number, y: number, width: number, height: number): string {
  return `<image x="${x}" y="${y}" width="${width}" height="${height}" preserveAspectRatio="none" ` +
    `style="image-rendering:pixelated" href="${escapeXml(pngDataUrl(png))}"/>`;
}

/** One panel of a {@link pixelMaps} figure. */
export interface PixelMap {
  /** side × side values; drawn on a diverging scale symmetric about 0 (red positive, blue negative). */
  values: ArrayLike<number>;
  /** A caption under it. */
  caption?: string;
}

/**
 * Signed pixel maps side by side (a neuron's input weights, say): each panel scaled to its own
 * largest |value|, red where positive, blue where negative, white at 0.
 */
export function pixelMaps(maps: readonly PixelMap[], options: DigitGridOptions): string {
  const side = options.side ?? 28;
  const scale = options.scale ?? 3;
  const columns = Math.max(1, options.columns ?? Math.max(1, maps.length));
  const cellWidth = side * scale + GAP * scale * 2;
  const cellHeight = side * scale + GAP * scale + CAPTION_HEIGHT;
  const rows = Math.max(1, Math.ceil(maps.length / columns));
  const width = Math.max(columns * cellWidth + 8, 120);
  const height = TITLE_HEIGHT + rows * cellHeight + 4;
  const body: string[] = [];
  maps.forEach((map, i) => {
    if (map.values.length !== side * side) {
      throw new Error(`pixelMaps: map ${i} has ${map.values.length} values, expected ${side * side}`);
    }
    let largest = 0;
    for (let p = 0; p < map.values.length; p++) largest = Math.max(largest, Math.abs(map.values[p]));
    const rgb = new Uint8Array(side * side * 3);
    for (let p = 0; p < side * side; p++) {
      const color = divergingColor(largest === 0 ? 0 : map.values[p] / largest);
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = parseInt(color.slice(1 + 2 * c, 3 + 2 * c), 16);
    }
    const x = 4 + (i % columns) * cellWidth;
    const y = TITLE_HEIGHT + Math.floor(i / columns) * cellHeight;
    body.push(imageElement(encodePng(side, side, rgb, 3), x, y, side * scale, side * scale));
    if (map.caption !== undefined) body.push(textElement(x + (side * scale) / 2, y + side * scale + 11, map.caption, { size: 10, anchor: 'middle' }));
  });
  return svgDocument({ width, height }, options.title, body, options.description);
}
