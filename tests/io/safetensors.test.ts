/**
 * The safetensors reader and writer: round trips for every dtype, files built by hand from the
 * format's documented layout, every refusal with the rule it names, adversarial headers, and
 * fuzzing with random corruptions of valid files.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SAFETENSORS_DTYPES, inspectSafetensors, readSafetensors, writeSafetensors, type SafetensorsDType,
} from '../../src/io/safetensors.js';
import { tensor } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import { TensorError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { anyTensorArb, flatValues, stridedViewArb } from '../support/arbitraries.js';
import { expectOpError } from '../support/expect.js';

const ITEM_SIZE: Record<SafetensorsDType, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };

/**
 * A safetensors file built by hand from the documented layout: the 8-byte little-endian header
 * length (the true length of `header` unless `declaredLength` overrides it), the header text as
 * given (no padding added), then `data`.
 */
function stFile(header: string, data: Uint8Array | number[] = [], declaredLength?: bigint): Uint8Array {
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/** One header entry's JSON text. */
function entry(dtype: string, shape: unknown, offsets: unknown): string {
  return `{"dtype":${JSON.stringify(dtype)},"shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;
}

function expectRefused(bytes: Uint8Array, ...fragments: string[]): TensorError {
  return expectOpError(() => readSafetensors(bytes), 'readSafetensors', ...fragments);
}

/** The header text of a file, without its padding. */
function headerText(bytes: Uint8Array): string {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + length)).trimEnd();
}

/** A map of 1–4 small tensors of random dtypes (int32 ones sometimes marked for I64), shapes incl. 0-rank and empty. */
const tensorMapArb = fc
  .uniqueArray(
    fc.tuple(
      fc.string({ minLength: 1, maxLength: 6 }).filter((name) => name !== '__metadata__'),
      fc.constantFrom<DType>('float32', 'float64', 'int32').chain((dtype) => anyTensorArb({ maxRank: 3, maxDim: 3 }, dtype)),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 4, selector: ([name]) => name },
  )
  .map((items) => ({
    tensors: Object.fromEntries(items.map(([name, t]) => [name, t])) as Record<string, Tensor>,
    int64: items.filter(([, t, wide]) => wide && t.dtype === 'int32').map(([name]) => name),
  }));

describe('readSafetensors on a file built by hand from the documented layout', () => {
  // Header: 2 tensors and metadata, 2 spaces of padding. Data, little-endian, written byte by byte:
  //   a: F32 [2]  = 1.0 (00 00 80 3f), −2.0 (00 00 00 c0)                → data bytes 0–8
  //   b: I64 []   = −3  (fd ff ff ff ff ff ff ff, two's complement)        → data bytes 8–16
  //   c: F64 [0]  = nothing                                                → data bytes 16–16
  const header = `{"a":${entry('F32', [2], [0, 8])},"b":${entry('I64', [], [8, 16])},"c":${entry('F64', [0], [16, 16])},"__metadata__":{"format":"pt","note":"hand-built"}}  `;
  const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  const file = stFile(header, data);

  it('reads every tensor, dtype, shape and the metadata', () => {
    const { tensors, metadata } = readSafetensors(file);
    expect(Object.keys(tensors).sort()).toEqual(['a', 'b', 'c']);
    expect(tensors.a.dtype).toBe('float32');
    expect(tensors.a.toArray()).toEqual([1, -2]);
    expect(tensors.b.dtype).toBe('int32');
    expect(tensors.b.shape).toEqual([]);
    expect(tensors.b.item()).toBe(-3);
    expect(tensors.c.dtype).toBe('float64');
    expect(tensors.c.shape).toEqual([0]);
    expect(metadata).toEqual({ format: 'pt', note: 'hand-built' });
  });

  it('inspects the header: entries in data order, the header length with its padding', () => {
    const inspection = inspectSafetensors(file);
    expect(inspection.headerLength).toBe(header.length);
    expect(inspection.entries.map((e) => [e.name, e.dtype, e.shape, e.dataOffsets])).toEqual([
      ['a', 'F32', [2], [0, 8]],
      ['b', 'I64', [], [8, 16]],
      ['c', 'F64', [0], [16, 16]],
    ]);
  });

  it('reads bytes that start at an odd offset of their buffer into aligned arrays of their own', () => {
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 1);
    const view = shifted.subarray(1, 1 + file.length);
    const { tensors } = readSafetensors(view);
    expect(tensors.a.toArray()).toEqual([1, -2]);
    expect(tensors.a.data.buffer).not.toBe(shifted.buffer);
    shifted.fill(0);
    expect(tensors.a.toArray()).toEqual([1, -2]); // a copy, not a view of the file
  });

  it('a file with no tensors and no metadata: an empty header object', () => {
    expect(readSafetensors(stFile('{}'))).toEqual({ tensors: {}, metadata: null });
  });

  it('"__proto__" as a tensor name or metadata key stays a plain key', () => {
    const bytes = stFile(`{"__proto__":${entry('F32', [1], [0, 4])},"__metadata__":{"__proto__":"x"}}`, [0, 0, 0x80, 0x3f]);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.hasOwn(metadata!, '__proto__')).toBe(true);
  });
});

describe('writeSafetensors', () => {
  it('writes the documented layout: header length, JSON padded to 8, then the data in sorted order', () => {
    const bytes = writeSafetensors(
      { z: tensor([1, 2], undefined, 'float32'), a: tensor([3], undefined, 'int32'), m: tensor(5, undefined, 'float64'), i: tensor([-1], undefined, 'int32') },
      { metadata: { b: '2', a: '1' }, int64: ['i'] },
    );
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + length) % 8).toBe(0);
    // Widest first (I64, F64 by name), then the 4-byte ones by name; metadata first, keys sorted.
    expect(headerText(bytes)).toBe(
      '{"__metadata__":{"a":"1","b":"2"},' +
      `"i":${entry('I64', [1], [0, 8])},"m":${entry('F64', [], [8, 16])},` +
      `"a":${entry('I32', [1], [16, 20])},"z":${entry('F32', [2], [20, 28])}}`,
    );
    // The padding is spaces only.
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + length)).slice(headerText(bytes).length)).toMatch(/^ *$/);
    expect(bytes.length).toBe(8 + length + 28);
    // The I64 −1: all ones, little-endian.
    expect(Array.from(bytes.subarray(8 + length, 8 + length + 8))).toEqual(new Array(8).fill(0xff));
  });

  it('the documented example: one float32 [2] tensor is 72 bytes', () => {
    // Header {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 characters (counted
    // by hand), padded with 2 spaces to 56 so the data starts at byte 64.
    const bytes = writeSafetensors({ w: tensor([1, 2]) });
    expect(headerText(bytes)).toBe(`{"w":${entry('F32', [2], [0, 8])}}`);
    expect(headerText(bytes).length).toBe(54);
    expect(Array.from(bytes.subarray(8 + 54, 8 + 56))).toEqual([0x20, 0x20]);
    expect(bytes.length).toBe(8 + 56 + 8);
  });

  it('every tensor starts at a multiple of its item size, and the data at a multiple of 8', () => {
    fc.assert(fc.property(tensorMapArb, ({ tensors, int64 }) => {
      const bytes = writeSafetensors(tensors, { int64 });
      const { entries, headerLength } = inspectSafetensors(bytes);
      expect((8 + headerLength) % 8).toBe(0);
      for (const e of entries) expect(e.dataOffsets[0] % ITEM_SIZE[e.dtype]).toBe(0);
    }));
  });

  it('refuses a tensor named __metadata__, an int64 name that is not an int32 tensor, and non-string metadata', () => {
    expectOpError(() => writeSafetensors({ __metadata__: tensor([1]) }), 'writeSafetensors', 'reserves it for metadata');
    expectOpError(() => writeSafetensors({ x: tensor([1]) }, { int64: ['x'] }), 'writeSafetensors', 'a float32 tensor', 'only int32');
    expectOpError(() => writeSafetensors({ x: tensor([1]) }, { int64: ['y'] }), 'writeSafetensors', 'not among the tensors');
    expectOpError(() => writeSafetensors({}, { metadata: { k: 3 as unknown as string } }), 'writeSafetensors', 'map of strings to strings');
    expectOpError(() => writeSafetensors({ x: [1] as unknown as Tensor }), 'writeSafetensors', 'not a Tensor');
    expectOpError(() => writeSafetensors({}, { metadata: { k: 3n as unknown as string } }), 'writeSafetensors', 'got 3 for key "k"');
  });
});

describe('round trips', () => {
  it('write → read gives the same dtypes, shapes and values; rewriting gives identical bytes', () => {
    fc.assert(fc.property(tensorMapArb, fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), { nil: undefined }), ({ tensors, int64 }, metadata) => {
      const bytes = writeSafetensors(tensors, { metadata, int64 });
      const back = readSafetensors(bytes);
      expect(back.metadata).toEqual(metadata ?? null);
      expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) {
        const read = back.tensors[name];
        expect(read.dtype).toBe(t.dtype);
        expect(read.shape).toEqual(t.shape);
        expect(flatValues(read)).toEqual(flatValues(t));
      }
      const wide = inspectSafetensors(bytes).entries.filter((e) => e.dtype === 'I64').map((e) => e.name);
      expect(wide.sort()).toEqual([...int64].sort());
      expect(writeSafetensors(back.tensors, { metadata: back.metadata ?? undefined, int64: wide })).toEqual(bytes);
    }));
  });

  it('every dtype, with extreme values: float32, float64, int32 and int32 stored as I64 (negative too)', () => {
    const tensors = {
      f32: tensor([Math.fround(1e-40), -0, Infinity, -3.5], undefined, 'float32'),
      f64: tensor([Number.MIN_VALUE, -Number.MAX_VALUE, Math.PI], undefined, 'float64'),
      i32: tensor([-(2 ** 31), 2 ** 31 - 1, 0], undefined, 'int32'),
      i64: tensor([-(2 ** 31), 2 ** 31 - 1, -1, 7], undefined, 'int32'),
    };
    const bytes = writeSafetensors(tensors, { int64: ['i64'] });
    expect(inspectSafetensors(bytes).entries.map((e) => e.dtype).sort()).toEqual([...SAFETENSORS_DTYPES].sort());
    const back = readSafetensors(bytes).tensors;
    for (const name of Object.keys(tensors) as (keyof typeof tensors)[]) {
      expect(Array.from(back[name].data)).toEqual(Array.from(tensors[name].data));
    }
    expect(Object.is(back.f32.data[1], -0)).toBe(true);
    // NaN survives bit for bit through the byte copy.
    expect(Number.isNaN(readSafetensors(writeSafetensors({ n: tensor([NaN]) })).tensors.n.item())).toBe(true);
  });

  it('empty and 0-rank tensors', () => {
    const tensors = { empty: new Tensor(new Float32Array(0), [3, 0, 2]), scalar: tensor(4.5, undefined, 'float64'), none: new Tensor(new Int32Array(0), [0]) };
    const bytes = writeSafetensors(tensors, { int64: ['none'] });
    const back = readSafetensors(bytes).tensors;
    expect(back.empty.shape).toEqual([3, 0, 2]);
    expect(back.empty.size).toBe(0);
    expect(back.scalar.shape).toEqual([]);
    expect(back.scalar.item()).toBe(4.5);
    expect(back.none.shape).toEqual([0]);
    expect(writeSafetensors(back, { int64: ['none'] })).toEqual(bytes);
  });

  it('strided views are written in row-major order: the same bytes as their packed copies', () => {
    fc.assert(fc.property(anyTensorArb({ minRank: 1, maxRank: 4, maxDim: 3 }).chain((t) => fc.tuple(fc.constant(t), stridedViewArb(t))), ([packed, view]) => {
      expect(writeSafetensors({ x: view })).toEqual(writeSafetensors({ x: packed }));
    }));
  });
});

describe('readSafetensors refuses, naming the rule', () => {
  const one = [0, 0, 0x80, 0x3f]; // 1.0 as F32

  it('a file shorter than the 8-byte header length, and anything but bytes', () => {
    expectRefused(new Uint8Array(5), 'truncated file', '5 bytes');
    expectRefused([1, 2, 3] as unknown as Uint8Array, 'expected the file as a Uint8Array');
  });

  it('a header length past the end of the file, including 2⁶⁴ − 1 and ones just over', () => {
    expectRefused(stFile('{}', [], 2n ** 64n - 1n), 'the header length 18446744073709551615 runs past the end of the file');
    expectRefused(stFile('{}', [], 2n ** 32n), 'the header length 4294967296 runs past the end');
    expectRefused(stFile('{}', [], 3n), 'the header length 3 runs past the end of the file (10 bytes');
    expectRefused(stFile('{}', [], 2n ** 32n - 1n), 'runs past the end');
  });

  it('a header that is not UTF-8 or not well-formed JSON, or not an object', () => {
    const bad = stFile('{"a":1}');
    bad[9] = 0xff;
    expectRefused(bad, 'not valid UTF-8');
    expectRefused(stFile('{"a":'), 'not well-formed JSON');
    expectRefused(stFile("{'a': 1}"), 'not well-formed JSON');
    expectRefused(stFile('\uFEFF{}'), 'not well-formed JSON');
    expectRefused(stFile('[]'), 'must be a JSON object');
    expectRefused(stFile('null'), 'must be a JSON object');
  });

  it('a key that appears twice, at the top or inside an entry, even spelled with escapes', () => {
    expectRefused(stFile(`{"a":${entry('F32', [1], [0, 4])},"a":${entry('F32', [1], [0, 4])}}`, one), 'the key "a" twice');
    expectRefused(stFile(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one), 'the key "dtype" twice');
    expectRefused(stFile(`{"ab":${entry('F32', [1], [0, 4])},"\\u0061b":${entry('F32', [0], [4, 4])}}`, one), 'the key "ab" twice');
    expectRefused(stFile(`{"__metadata__":{"k":"1","k":"2"}}`), 'the key "k" twice');
    // The same name in different objects, or inside a string, is not a duplicate.
    expect(readSafetensors(stFile(`{"__metadata__":{"a":"\\"a\\":","dtype":"x"},"a":${entry('F32', [1], [0, 4])}}`, one)).metadata).toEqual({ a: '"a":', dtype: 'x' });
  });

  it('an unknown or unsupported dtype, listing the supported ones', () => {
    expectRefused(stFile(`{"a":${entry('F33', [1], [0, 4])}}`, one), 'tensor "a": unknown dtype "F33"; supported: F32, F64, I32, I64');
    expectRefused(stFile(`{"a":${entry('BF16', [2], [0, 4])}}`, one), 'unsupported dtype "BF16"');
    expectRefused(stFile(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, one), 'unknown dtype 4');
  });

  it('an entry that is not an object or lacks a field', () => {
    expectRefused(stFile('{"a":[1,2]}'), 'tensor "a": its header entry must be an object');
    expectRefused(stFile('{"a":{"dtype":"F32","data_offsets":[0,4]}}', one), "lacks 'shape'");
  });

  it('a shape that is not an array of whole numbers ≥ 0', () => {
    for (const shape of ['"2"', '[-1]', '[1.5]', '["1"]', '[null]', '[1e400]', '{"0":1}']) {
      expectRefused(stFile(`{"a":{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}}`, one), 'shape must be an array of whole numbers ≥ 0');
    }
  });

  it('a shape whose element count overflows, before anything is multiplied past 2⁵³ or allocated', () => {
    expectRefused(stFile(`{"a":${entry('F32', [65536, 65536], [0, 4])}}`, one), 'the element count of shape [65536,65536] overflows');
    expectRefused(stFile(`{"a":${entry('F32', [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1], [0, 4])}}`, one), 'shape dim 9007199254740991 at axis 0 overflows');
    expectRefused(stFile(`{"a":${entry('F32', [2 ** 31, 0], [0, 0])}}`), 'shape dim 2147483648 at axis 0 overflows');
    // Many modest dims whose product would pass 2⁵³ if multiplied blindly.
    expectRefused(stFile(`{"a":${entry('F32', new Array(40).fill(3), [0, 4])}}`, one), 'overflows');
  });

  it('a huge declared shape with tiny data: shape × dtype size ≠ byte length', () => {
    expectRefused(stFile(`{"a":${entry('F64', [1_000_000_000], [0, 4])}}`, one), 'shape × dtype size ≠ byte length', 'needs 1000000000 × 8 = 8000000000 bytes', 'hold 4');
    expectRefused(stFile(`{"a":${entry('F32', [2], [0, 4])}}`, one), 'needs 2 × 4 = 8 bytes');
  });

  it('data_offsets that are not two whole numbers, point backwards, or run past the data', () => {
    for (const offsets of ['[0]', '[0,4,8]', '[0,4.5]', '[-4,0]', '"0,4"', '[0,1e400]']) {
      expectRefused(stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":${offsets}}}`, one), 'data_offsets must be two whole numbers [begin, end] ≥ 0');
    }
    expectRefused(stFile(`{"a":${entry('F32', [1], [4, 0])}}`, one), 'data_offsets [4, 0] point backwards');
    expectRefused(stFile(`{"a":${entry('F32', [1], [4, 8])}}`, one), 'data_offsets [4, 8] run past the end of the data buffer (4 bytes)');
    expectRefused(stFile(`{"a":${entry('F32', [1], [2 ** 53 - 5, 2 ** 53 - 1])}}`, one), 'run past the end of the data buffer');
  });

  it('offsets that overlap, leave a gap, or leave bytes after the last tensor', () => {
    const two = [...one, ...one];
    expectRefused(stFile(`{"a":${entry('F32', [2], [0, 8])},"b":${entry('F32', [1], [4, 8])}}`, two), 'do not tile the data', 'tensor "b" at [4, 8] overlaps tensor "a" at [0, 8]');
    expectRefused(stFile(`{"a":${entry('F32', [1], [0, 4])},"b":${entry('F32', [1], [0, 4])}}`, one), 'overlaps');
    expectRefused(stFile(`{"a":${entry('F32', [1], [0, 4])},"b":${entry('F32', [1], [8, 12])}}`, [...two, ...one]), 'a gap of bytes 4–8 between tensor "a" and tensor "b"');
    expectRefused(stFile(`{"a":${entry('F32', [1], [4, 8])}}`, two), 'a gap of bytes 0–4 before tensor "a"');
    expectRefused(stFile(`{"a":${entry('F32', [1], [0, 4])}}`, two), 'they cover 4 bytes, but the data buffer is 8 bytes (4 bytes belong to no tensor)');
    expectRefused(stFile('{}', one), 'they cover 0 bytes');
  });

  it('metadata that is not a string → string map', () => {
    expectRefused(stFile('{"__metadata__":["a"]}'), '__metadata__ must be a map of strings to strings');
    expectRefused(stFile('{"__metadata__":null}'), '__metadata__ must be a map of strings to strings');
    expectRefused(stFile('{"__metadata__":{"n":1}}'), '__metadata__ must be a map of strings to strings, got 1 for key "n"');
    expectRefused(stFile('{"__metadata__":{"n":{"x":"y"}}}'), 'map of strings to strings');
  });

  it('deeply nested JSON (10⁵ levels) anywhere, without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectRefused(stFile(`{"a":${deep}}`), 'tensor "a": its header entry must be an object', 'got an array of 1');
    expectRefused(stFile(`{"__metadata__":{"k":${deep}}}`), 'map of strings to strings, got an array of 1 for key "k"');
    expectRefused(stFile(`{"a":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`), 'shape must be an array of whole numbers ≥ 0, got an array of 1 at axis 0');
    expectRefused(stFile(deep), 'must be a JSON object');
  });

  it('I64 values that do not fit in int32', () => {
    const data = new Uint8Array(BigInt64Array.of(-1n, 2n ** 31n).buffer);
    expectRefused(stFile(`{"a":${entry('I64', [2], [0, 16])}}`, data), 'tensor "a": I64 value 2147483648 at element 1 does not fit in int32');
    const low = new Uint8Array(BigInt64Array.of(-(2n ** 31n) - 1n).buffer);
    expectRefused(stFile(`{"a":${entry('I64', [1], [0, 8])}}`, low), 'I64 value -2147483649');
  });
});

describe('fuzzing: corrupted files end in a successful read or readSafetensors\'s own error', () => {
  /**
   * Reads the bytes and checks the outcome: either a TensorError from readSafetensors, or tensors
   * whose storage together is no larger than the file (nothing sized beyond what was checked).
   */
  function readOrRefuse(bytes: Uint8Array): void {
    try {
      const { tensors } = readSafetensors(bytes);
      let stored = 0;
      for (const t of Object.values(tensors)) {
        expect(t).toBeInstanceOf(Tensor);
        expect(t.data.length).toBe(t.size);
        stored += t.data.byteLength;
      }
      expect(stored).toBeLessThanOrEqual(bytes.length);
    } catch (error) {
      if (!(error instanceof TensorError)) throw error;
      expect(error.op).toBe('readSafetensors');
    }
  }

  /** A valid file of a few small tensors, with or without metadata. */
  const fileArb = fc.tuple(tensorMapArb, fc.boolean()).map(([{ tensors, int64 }, withMetadata]) =>
    writeSafetensors(tensors, { int64, metadata: withMetadata ? { format: 'pt', n: '3' } : undefined }));

  it('truncated at any point, or with garbage appended', () => {
    fc.assert(fc.property(fileArb, fc.nat(), fc.uint8Array({ maxLength: 24 }), (file, cut, garbage) => {
      readOrRefuse(file.slice(0, cut % (file.length + 1)));
      const longer = new Uint8Array(file.length + garbage.length);
      longer.set(file);
      longer.set(garbage, file.length);
      readOrRefuse(longer);
    }));
  });

  it('with random bytes flipped anywhere, the length field included', () => {
    fc.assert(fc.property(fileArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), (file, flips) => {
      const bytes = file.slice();
      for (const [at, mask] of flips) bytes[at % bytes.length] ^= mask;
      readOrRefuse(bytes);
    }));
  });

  it('with huge or wrong header lengths', () => {
    const lengthArb = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 2n ** 32n, 2n ** 32n - 1n, 2n ** 53n + 1n, 0n),
      fc.integer({ min: -16, max: 16 }).map(BigInt),
    );
    fc.assert(fc.property(fileArb, lengthArb, fc.boolean(), (file, length, relative) => {
      const bytes = file.slice();
      const view = new DataView(bytes.buffer);
      const value = relative ? view.getBigUint64(0, true) + length : length;
      view.setBigUint64(0, BigInt.asUintN(64, value), true);
      readOrRefuse(bytes);
    }));
  });

  it('with the header text edited: characters replaced, numbers swapped for huge or odd ones, keys duplicated', () => {
    const charArb = fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '-', '0', '9', 'e', '.', ' ', '\\', 'F', 'I', 'x');
    const numberArb = fc.constantFrom('18446744073709551615', '9007199254740993', '1e308', '-1', '0', '1.5', '2147483648', '4294967296', '99999999999999999999999');
    const editArb = fc.oneof(
      fc.record({ kind: fc.constant('char' as const), at: fc.nat(), text: charArb }),
      fc.record({ kind: fc.constant('number' as const), at: fc.nat(), text: numberArb }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.constant('') }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), text: fc.constant('') }),
    );
    fc.assert(fc.property(fileArb, fc.array(editArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (file, edits, fixLength) => {
      let text = headerText(file);
      const length = Number(new DataView(file.buffer).getBigUint64(0, true));
      const data = file.subarray(8 + length);
      for (const { kind, at, text: insert } of edits) {
        if (kind === 'number') {
          const numbers = [...text.matchAll(/\d+/g)];
          if (numbers.length === 0) continue;
          const match = numbers[at % numbers.length];
          text = text.slice(0, match.index) + insert + text.slice(match.index + match[0].length);
        } else if (kind === 'duplicate') {
          // Repeat the first top-level member: `{"k":v,...}` → `{"k":v,"k":v,...}` (text only).
          const firstEnd = text.indexOf('},') + 1;
          if (firstEnd > 0) text = `${text.slice(0, firstEnd)},${text.slice(1, firstEnd)}${text.slice(firstEnd)}`;
        } else {
          // 'char' replaces one character, 'delete' removes it.
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + 1);
        }
      }
      // Either a consistent length field (so parsing goes deeper) or the original one.
      readOrRefuse(fixLength ? stFile(text, data) : stFile(text, data, BigInt(length)));
    }), { numRuns: 300 });
  });
});
