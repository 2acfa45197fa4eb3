/**
 * The `.npy` reader and writer: round trips, files written by NumPy itself, headers made by hand
 * to NumPy's documented format, and every refusal with the rule it names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NPY_READABLE_DESCRS, parseNpyHeader, readNpy, writeNpy } from '../../src/io/npy.js';
import { tensor } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import { TensorError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { anyTensorArb, flatValues, stridedViewArb } from '../support/arbitraries.js';
import { expectOpError } from '../support/expect.js';

/** Bytes from base64, for the fixtures NumPy wrote. */
function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/**
 * Files written by NumPy 2.4.6 with `np.save` (or `np.lib.format.write_array(..., version=(2, 0))`),
 * base64-encoded:
 *
 *     f4      np.arange(6, dtype='<f4').reshape(2, 3)
 *     fortran np.asfortranarray(np.arange(6, dtype='<f8').reshape(2, 3))
 *     i8      np.array([-5, 2**31 - 1, -2**31], dtype='<i8')
 *     v2      np.array([0.5, -2, 3], dtype='<f4'), version 2.0
 *     rank15  np.full((1,) * 15, 7, dtype='<f4'): NumPy leaves 20 spaces for the first dim to
 *             grow, which here pushes the data from byte 128 to byte 192
 */
const NUMPY_FILES = {
  f4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=',
  fortran: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=',
  i8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr7/////////////38AAAAAAAAAgP////8=',
  rank15: 'k05VTVBZAQC2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAADgQA==',
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AAAAwAAAQEA=',
};

/**
 * A `.npy` file built by hand from NumPy's documented layout: magic, version, header length
 * (2 bytes little-endian for 1.0, 4 for 2.0 and 3.0), the header text as given, then `data`.
 * No padding is added unless the header text has it.
 */
function npyFile(header: string, data: Uint8Array = new Uint8Array(0), version: [number, number] = [1, 0]): Uint8Array {
  const lengthBytes = version[0] === 1 ? 2 : 4;
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + lengthBytes + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version[0], version[1]]);
  for (let i = 0; i < lengthBytes; i++) out[8 + i] = Math.floor(headerBytes.length / 256 ** i) % 256;
  out.set(headerBytes, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + headerBytes.length);
  return out;
}

/** The little-endian bytes of float32 values. */
function float32Bytes(values: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((value, i) => view.setFloat32(4 * i, value, true));
  return new Uint8Array(view.buffer);
}

/** The standard header dict for a descr and shape text, as NumPy writes it (without padding). */
function dict(descr: string, shape: string, fortran = 'False'): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
}

function expectRefused(bytes: Uint8Array, ...fragments: string[]): TensorError {
  return expectOpError(() => readNpy(bytes), 'readNpy', ...fragments);
}

describe('readNpy on files NumPy wrote', () => {
  it('reads a float32 C-order array, and writeNpy gives back the same bytes', () => {
    const bytes = fromBase64(NUMPY_FILES.f4);
    const t = readNpy(bytes);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(writeNpy(t)).toEqual(bytes);
  });

  it('reads a Fortran-order float64 array into C order: the same array as in NumPy', () => {
    const t = readNpy(fromBase64(NUMPY_FILES.fortran));
    expect(t.dtype).toBe('float64');
    expect(t.isContiguous).toBe(true);
    // The file stores the columns one after another (0, 3, 1, 4, 2, 5); the array is arange(6).reshape(2, 3).
    expect(t.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('reads <i8 into int32, including both ends of the int32 range', () => {
    const t = readNpy(fromBase64(NUMPY_FILES.i8));
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([-5, 2 ** 31 - 1, -(2 ** 31)]);
  });

  it('writes the room NumPy leaves for the first dim to grow, so even long headers match byte for byte', () => {
    const bytes = fromBase64(NUMPY_FILES.rank15);
    expect(parseNpyHeader(bytes).dataOffset).toBe(192);
    const t = readNpy(bytes);
    expect(t.shape).toEqual(new Array(15).fill(1));
    expect(t.item()).toBe(7);
    expect(writeNpy(t)).toEqual(bytes);
  });

  it('reads a version 2.0 file (4-byte header length), and writes the same bytes with version 2', () => {
    const bytes = fromBase64(NUMPY_FILES.v2);
    const header = parseNpyHeader(bytes);
    expect(header.version).toEqual({ major: 2, minor: 0 });
    expect(header.dataOffset).toBe(128);
    const t = readNpy(bytes);
    expect(t.toArray()).toEqual([0.5, -2, 3]);
    expect(writeNpy(t, { version: 2 })).toEqual(bytes);
  });
});

describe('round trips through writeNpy and readNpy', () => {
  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    it(`keeps shape, dtype and every value of ${dtype} tensors (any rank, empty ones, strided views)`, () => {
      fc.assert(fc.property(
        anyTensorArb({ maxRank: 4 }, dtype).chain((t) => stridedViewArb(t)),
        fc.constantFrom(1 as const, 2 as const),
        (t, version) => {
          const bytes = writeNpy(t, { version });
          const back = readNpy(bytes);
          expect(back.dtype).toBe(t.dtype);
          expect(back.shape).toEqual(t.shape);
          expect(flatValues(back)).toEqual(flatValues(t));
          // Written again, the bytes are the same.
          expect(writeNpy(back, { version })).toEqual(bytes);
        },
      ));
    });
  }

  it('keeps float64 digits that float32 would lose', () => {
    const t = tensor([Math.PI, 1 / 3, 1e-300], undefined, 'float64');
    expect(flatValues(readNpy(writeNpy(t)))).toEqual([Math.PI, 1 / 3, 1e-300]);
  });

  it('writes a 0-d array with shape () and an empty one with its zero dim', () => {
    const scalar = writeNpy(tensor(2.5));
    expect(parseNpyHeader(scalar).shape).toEqual([]);
    expect(readNpy(scalar).item()).toBe(2.5);
    const empty = readNpy(writeNpy(new Tensor(new Float32Array(0), [0, 3])));
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.size).toBe(0);
  });

  it('pads the header to a multiple of 64 bytes, ending in a newline, as the format asks', () => {
    fc.assert(fc.property(anyTensorArb({ maxRank: 4, maxDim: 3 }), fc.constantFrom(1 as const, 2 as const), (t, version) => {
      const bytes = writeNpy(t, { version });
      const { dataOffset } = parseNpyHeader(bytes);
      expect(dataOffset % 64).toBe(0);
      expect(bytes[dataOffset - 1]).toBe(0x0a);
      expect(bytes.length - dataOffset).toBe(t.size * 4);
    }));
  });

  it('reads data that starts at an unaligned byte offset, into an aligned array of its own', () => {
    const file = writeNpy(tensor([[1.5, -2], [3, 4.25]], undefined, 'float64'));
    for (const shift of [1, 3, 5]) {
      const buffer = new Uint8Array(file.length + shift);
      buffer.set(file, shift);
      const t = readNpy(buffer.subarray(shift));
      expect(t.toArray()).toEqual([[1.5, -2], [3, 4.25]]);
      expect(t.data.byteOffset % 8).toBe(0);
      expect(t.data.buffer).not.toBe(buffer.buffer);
    }
  });
});

describe('headers made by hand to the documented format', () => {
  it('accepts double quotes, any key order, no trailing comma, extra spaces and no padding', () => {
    const header = '{ "shape" : ( 2 , 1 ) ,"fortran_order":False,  "descr":"<f4"}';
    const t = readNpy(npyFile(header, float32Bytes([7, 8])));
    expect(t.shape).toEqual([2, 1]);
    expect(t.toArray()).toEqual([[7], [8]]);
  });

  it('reads a 1-tuple (5,) as rank 1 and () as rank 0', () => {
    expect(readNpy(npyFile(dict('<f4', '(2,)'), float32Bytes([1, 2]))).shape).toEqual([2]);
    expect(readNpy(npyFile(dict('<f4', '()'), float32Bytes([3]))).shape).toEqual([]);
  });

  it('reads a version 3.0 header (UTF-8, 4-byte length)', () => {
    expect(readNpy(npyFile(dict('<f4', '(1,)'), float32Bytes([9]), [3, 0])).toArray()).toEqual([9]);
  });

  it('reads <i4 as int32', () => {
    const data = new Uint8Array(Int32Array.of(-7, 1 << 30).buffer);
    const t = readNpy(npyFile(dict('<i4', '(2,)'), data));
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([-7, 1 << 30]);
  });

  it('transposes a Fortran-order 3-D array: element (i, j, k) sits at i + 2j + 6k', () => {
    // shape (2, 3, 4) in Fortran order: the file's element at flat index i + 2j + 6k is (i, j, k).
    const values = new Float64Array(24);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) values[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const t = readNpy(npyFile(dict('<f8', '(2, 3, 4)', 'True'), new Uint8Array(values.buffer)));
    expect(t.shape).toEqual([2, 3, 4]);
    for (const [i, j, k] of [[0, 0, 0], [1, 2, 3], [1, 0, 2], [0, 2, 1]]) expect(t.at(i, j, k)).toBe(100 * i + 10 * j + k);
  });
});

describe('refusals, each naming its rule', () => {
  const good = npyFile(dict('<f4', '(2,)'), float32Bytes([1, 2]));

  it('a file without the magic, or an empty one', () => {
    expectRefused(new TextEncoder().encode('x,y\n1,2\n'), 'not a .npy file', 'magic', '78 2c 79');
    expectRefused(new Uint8Array(0), 'not a .npy file', 'an empty file');
  });

  it('a header cut short: before the version, or inside the header length', () => {
    expectRefused(good.subarray(0, 7), 'truncated header', 'before the version');
    expectRefused(good.subarray(0, 9), 'truncated header', 'inside the 2-byte header length');
    expectRefused(npyFile(dict('<f4', '(1,)'), float32Bytes([1]), [2, 0]).subarray(0, 10), 'inside the 4-byte header length');
  });

  it('a header length that runs past the end of the file', () => {
    const bytes = good.slice();
    bytes[8] = 0xff;
    bytes[9] = 0xff;
    expectRefused(bytes, 'header length 65535 runs past the end of the file');
    // A 2.0 header claiming 2³² − 1 bytes.
    const v2 = npyFile(dict('<f4', '(1,)'), float32Bytes([1]), [2, 0]);
    v2.fill(0xff, 8, 12);
    expectRefused(v2, `header length ${2 ** 32 - 1} runs past the end`);
  });

  it('a version other than 1.0, 2.0 or 3.0', () => {
    expectRefused(npyFile(dict('<f4', '(1,)'), float32Bytes([1]), [4, 0]), 'unsupported format version 4.0', 'supported: 1.0, 2.0, 3.0');
    expectRefused(npyFile(dict('<f4', '(1,)'), float32Bytes([1]), [1, 1]), 'unsupported format version 1.1');
  });

  it('a header that is not a Python dict literal', () => {
    expectRefused(npyFile('{"descr": "<f4", "fortran_order": False, "shape": (1,)'), 'not a valid Python dict literal', "expected ',' or '}'");
    expectRefused(npyFile("{'descr': '<f4}"), 'unterminated string');
    expectRefused(npyFile("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}"), "expected a value, got 'false'");
    expectRefused(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3L,)}"), 'only whole numbers in decimal');
    expectRefused(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk"), 'after the dict');
    expectRefused(npyFile(`{'descr': ${'('.repeat(100)}`), 'nested too deeply');
    expectRefused(npyFile('[1, 2]'), 'the header must be a dict');
  });

  it('a dict without exactly the three keys, or with one twice', () => {
    expectRefused(npyFile("{'descr': '<f4', 'shape': (1,)}"), "lacks 'fortran_order'");
    expectRefused(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}"), "unexpected key 'extra'");
    expectRefused(npyFile("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"), "the key 'descr' appears twice");
  });

  it('values of the wrong type', () => {
    expectRefused(npyFile("{'descr': 4, 'fortran_order': False, 'shape': (1,)}"), "'descr' must be a string");
    expectRefused(npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), 'structured dtypes');
    expectRefused(npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}"), "'fortran_order' must be True or False, got 0");
    // (3) is the number 3 in Python, not a tuple.
    expectRefused(npyFile(dict('<f4', '(3)')), "'shape' must be a tuple", 'got 3');
    expectRefused(npyFile(dict('<f4', "('a',)")), "'shape' must hold whole numbers");
    expectRefused(npyFile(dict('<f4', '(2, -1)')), "dims must be ≥ 0, got -1 at axis 1");
  });

  it('an unsupported or big-endian descr, listing what is supported', () => {
    expectRefused(npyFile(dict('<f2', '(1,)'), new Uint8Array(2)), "unsupported dtype '<f2'", `supported: ${NPY_READABLE_DESCRS.join(', ')}`);
    expectRefused(npyFile(dict('|b1', '(1,)'), new Uint8Array(1)), "unsupported dtype '|b1'");
    expectRefused(npyFile(dict('>f4', '(1,)'), new Uint8Array(4)), "big-endian data ('>f4') is not supported");
  });

  it('absurd sizes, refused before anything is allocated', () => {
    expectRefused(npyFile(dict('<f4', '(99999999999999999999,)')), 'is absurd');
    expectRefused(npyFile(dict('<f4', '(2147483648,)')), 'is absurd');
    // Each dim is fine; the product (10¹⁵) is not.
    expectRefused(npyFile(dict('<f8', '(100000, 100000, 100000)')), 'more than 2147483647 elements');
  });

  it('data whose length is not the shape times the item size', () => {
    expectRefused(npyFile(dict('<f4', '(3,)'), float32Bytes([1, 2])), 'the data is 8 bytes', '3 × 4 = 12 bytes', 'truncated');
    expectRefused(npyFile(dict('<f4', '(1,)'), float32Bytes([1, 2])), 'the data is 8 bytes', '1 × 4 = 4 bytes', 'extra bytes');
    // A zero dim needs no data at all.
    expectRefused(npyFile(dict('<f8', '(0, 5)'), new Uint8Array(8)), 'extra bytes');
  });

  it('<i8 values that do not fit in int32', () => {
    const data = new Uint8Array(BigInt64Array.of(1n, 2n ** 31n).buffer);
    expectRefused(npyFile(dict('<i8', '(2,)'), data), "'<i8' value 2147483648 at element 1 does not fit in int32");
  });

  it('anything but a Uint8Array', () => {
    expectRefused([1, 2, 3] as unknown as Uint8Array, 'expected the file as a Uint8Array');
  });

  it('corrupted files end in readNpy\'s own error or read as some valid array, never anything else', () => {
    const file = writeNpy(tensor([[1, 2, 3], [4, 5, 6]]));
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat({ max: file.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat({ max: file.length }),
      (edits, length) => {
        const bytes = file.slice(0, length);
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        try {
          const t = readNpy(bytes);
          expect(t.size * (t.dtype === 'float64' ? 8 : 4)).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(TensorError);
          expect((error as TensorError).op).toBe('readNpy');
        }
      },
    ));
  });
});
