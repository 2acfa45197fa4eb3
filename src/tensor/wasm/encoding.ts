/**
 * The byte-level encodings of the WebAssembly binary format that the emitter needs.
 *
 * - LEB128 ("little-endian base 128"): an integer as groups of 7 bits, lowest group first, each
 *   byte's top bit set when more bytes follow. Unsigned: 624485 → e5 8e 26. Signed: the same
 *   groups of the two's complement value, stopping once the rest is all sign bits (and the last
 *   byte's bit 6 agrees with the sign): −123456 → c0 bb 78.
 * - A name: its UTF-8 length (unsigned LEB128), then the bytes.
 * - A vector: its element count (unsigned LEB128), then the elements.
 * - A section: an id byte, the contents' byte length (unsigned LEB128), then the contents.
 *
 * Every number a module holds (indices, sizes, offsets, i32 constants) goes through these.
 *
 * @module
 */

/**
 * An unsigned integer 0 … 2³²−1 as unsigned LEB128 bytes.
 *
 * @throws RangeError for a value that is not an integer in that range.
 *
 * @example
 * ```ts
 * unsignedLeb128(624485);   // returns [0xe5, 0x8e, 0x26]
 * ```
 */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`unsignedLeb128: expected an integer in 0 … 2³²−1, got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest % 128; // not `& 0x7f`: bitwise ops would wrap values past 2³¹
    rest = Math.floor(rest / 128);
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

/**
 * A signed integer −2³¹ … 2³¹−1 as signed LEB128 bytes (how `i32.const` stores its operand).
 *
 * @throws RangeError for a value that is not an integer in that range.
 *
 * @example
 * ```ts
 * signedLeb128(-123456);   // returns [0xc0, 0xbb, 0x78]
 * signedLeb128(64);        // returns [0xc0, 0x00]: 0x40 alone would read as −64
 * ```
 */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new RangeError(`signedLeb128: expected an integer in −2³¹ … 2³¹−1, got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7; // arithmetic shift: keeps the sign
    // Done when what is left is all sign bits and bit 6 of this byte already says the sign.
    const signBitSet = (low & 0x40) !== 0;
    if ((rest === 0 && !signBitSet) || (rest === -1 && signBitSet)) {
      bytes.push(low);
      return bytes;
    }
    bytes.push(low | 0x80);
  }
}

/** A float32 as its four little-endian IEEE-754 bytes (how `f32.const` stores its operand). */
export function float32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return [view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3)];
}

/** A float64 as its eight little-endian IEEE-754 bytes (how `f64.const` stores its operand). */
export function float64Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return Array.from({ length: 8 }, (_, i) => view.getUint8(i));
}

/** A name: UTF-8 byte length, then the bytes. */
export function encodeName(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...unsignedLeb128(utf8.length), ...utf8];
}

/** A vector: the element count, then each element's bytes in order. */
export function encodeVector(elements: readonly (readonly number[])[]): number[] {
  const bytes = unsignedLeb128(elements.length);
  for (const element of elements) bytes.push(...element);
  return bytes;
}

/** A section: its id, the byte length of `contents`, then `contents`. */
export function encodeSection(id: number, contents: readonly number[]): number[] {
  return [id, ...unsignedLeb128(contents.length), ...contents];
}
