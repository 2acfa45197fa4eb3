/**
 * Tests of the tensor core: `tensor()` and the other creation functions, `toArray`, `toString`,
 * shapes and broadcasting, strided reads (`copyToContiguous`, `at`, `item`), and the comparisons
 * `allClose` / `arrayEqual`. Oracles are written here, independently of the library.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allClose, allCloseReference, arrayEqual } from '../src/tensor/compare.js';
import { arange, eye, full, linspace, ones, onesLike, tensor, zeros, zerosLike } from '../src/tensor/creation.js';
import { TensorError } from '../src/tensor/errors.js';
import { broadcastShapes, broadcastStrides, coalesceAxes, contiguousStrides, normalizeAxes, normalizeAxis, sizeOf } from '../src/tensor/shape.js';
import { type NestedArray, Tensor, copyToContiguous } from '../src/tensor/tensor.js';
import { anyTensorArb, broadcastPairArb, broadcastPartnerArb, flatValues, shapeArb, stridedView, stridedViewArb, tensorArb, valueArb } from './support/arbitraries.js';
import { expectTensorError } from './support/expect.js';

// ---------------------------------------------------------------------------------------------
// Oracles and helpers


/** Nested arrays of `shape` holding `flat` in row-major order, built recursively. */
function nest(flat: readonly number[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0];
  const [dim, ...rest] = shape;
  const block = rest.reduce((p, d) => p * d, 1);
  return Array.from({ length: dim }, (_, i) => nest(flat.slice(i * block, (i + 1) * block), rest));
}

/** The multi-index of a row-major flat position. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}

/** Broadcasting by the rule, axis by axis: the result, or null when some axis clashes. */
function broadcastOracle(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const padA = [...Array(rank - a.length).fill(1), ...a];
  const padB = [...Array(rank - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    if (padA[k] !== padB[k] && padA[k] !== 1 && padB[k] !== 1) return null;
    out.push(padA[k] === 1 ? padB[k] : padA[k]);
  }
  return out;
}

function tryBroadcast(a: readonly number[], b: readonly number[]): number[] | null {
  try {
    return broadcastShapes('test', a, b);
  } catch (error) {
    expect(error).toBeInstanceOf(TensorError);
    return null;
  }
}

/** Shapes with small dims 1–3 (and a few zeros), so that random pairs clash only sometimes. */
const smallShapeArb = shapeArb({ maxDim: 3 });
const viewOf = (t: Tensor): fc.Arbitrary<Tensor> => fc.oneof(fc.constant(t), stridedViewArb(t));

// ---------------------------------------------------------------------------------------------

describe('tensor()', () => {
  it('reads nested arrays of any shape, in row-major order', () => {
    const arb = shapeArb({ minRank: 1, allowZero: false }).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.array(valueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })),
    );
    fc.assert(
      fc.property(arb, ([shape, flat]) => {
        const t = tensor(nest(flat, shape));
        expect(t.shape).toEqual(shape);
        expect(t.dtype).toBe('float32');
        expect(t.isContiguous).toBe(true);
        expect(flatValues(t)).toEqual(flat);
        for (let position = 0; position < flat.length; position++) expect(t.at(...unravel(position, shape))).toBe(flat[position]);
      }),
    );
  });

  it('reads flat data with a shape, in each dtype', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([1.5, -2.5], [2], 'float64').toTypedArray()).toEqual(new Float64Array([1.5, -2.5]));
    // int32 holds whole numbers only: a fraction is refused, not truncated (tests/limits.test.ts).
    expect(Array.from(tensor([1, -1, 3], [3], 'int32').toTypedArray())).toEqual([1, -1, 3]);
    // Nested data may be given a shape of the same size: it is read flat.
    expect(tensor([[1, 2], [3, 4]], [4]).toArray()).toEqual([1, 2, 3, 4]);
    expect(tensor([], [0, 3]).shape).toEqual([0, 3]);
  });

  it('keeps a typed array’s dtype and copies its data', () => {
    const source64 = new Float64Array([0.1, 0.2, 0.3]);
    const t64 = tensor(source64);
    expect(t64.dtype).toBe('float64');
    expect(t64.shape).toEqual([3]);
    source64[0] = 99;
    expect(t64.at(0)).toBe(0.1);
    expect(tensor(new Int32Array([1, 2, 3, 4]), [2, 2]).dtype).toBe('int32');
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(tensor(new Float64Array([1.25]), undefined, 'float32').dtype).toBe('float32');
    // Other typed arrays are read as numbers into float32.
    expect(flatValues(tensor(new Uint8Array([1, 255]) as unknown as Int32Array))).toEqual([1, 255]);
  });

  it('makes a scalar from a number', () => {
    const s = tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(2.5);
    expect(s.at()).toBe(2.5);
    expect(s.toArray()).toBe(2.5);
    expect(tensor(3, [1, 1]).shape).toEqual([1, 1]);
  });

  it('reads empty arrays as shape [0] or [n, 0]', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[], []]).toArray()).toEqual([[], []]);
  });

  it('refuses ragged nested arrays, naming the element', () => {
    expectTensorError(() => tensor([[1, 2], [3]]), 'tensor:', 'ragged', '[1]');
    expectTensorError(() => tensor([1, [2]] as NestedArray), 'tensor:', 'ragged');
    expectTensorError(() => tensor([[1], 2] as NestedArray), 'tensor:', 'ragged');
    expectTensorError(() => tensor([[[1, 2], [3, 4]], [[5, 6], [7]]]), 'tensor:', 'ragged', '[1][1]');
  });

  it('refuses non-numbers, bad shapes, size mismatches and unknown dtypes', () => {
    expectTensorError(() => tensor([1, 'a'] as unknown as number[]), 'tensor:', 'element 1 is string');
    expectTensorError(() => tensor([1, undefined] as unknown as number[]), 'tensor:', 'element 1');
    expectTensorError(() => tensor('12' as unknown as number), 'tensor:');
    expectTensorError(() => tensor(new DataView(new ArrayBuffer(8)) as unknown as number[]), 'tensor:');
    expectTensorError(() => tensor([1, 2, 3, 4], [3, 2]), 'tensor:', '[3,2]', '6 elements', 'has 4');
    expectTensorError(() => tensor([1, 2, 3, 4], [2, -2]), 'tensor:', 'bad shape [2,-2]');
    expectTensorError(() => tensor([1, 2, 3, 4], [2, 2.5]), 'tensor:', 'bad shape [2,2.5]');
    expectTensorError(() => tensor([1, 2], [Number.NaN]), 'tensor:', 'bad shape [NaN]');
    expectTensorError(() => tensor([1, 2], [2], 'float16' as 'float32'), 'tensor:', 'unknown dtype float16');
  });
});

describe('zeros, ones, full, zerosLike, onesLike', () => {
  it('fill every element, in the shape and dtype asked for', () => {
    const dtypeArb = fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const);
    fc.assert(
      fc.property(shapeArb(), dtypeArb, fc.integer({ min: -100, max: 100 }), (shape, dtype, value) => {
        for (const [t, expected] of [[zeros(shape, dtype), 0], [ones(shape, dtype), 1], [full(shape, value, dtype), value]] as const) {
          expect(t.shape).toEqual(shape);
          expect(t.dtype).toBe(dtype);
          expect(t.size).toBe(shape.reduce((p, d) => p * d, 1));
          expect(flatValues(t)).toEqual(new Array(t.size).fill(expected));
        }
        const like = full(shape, value, dtype);
        expect(zerosLike(like).shape).toEqual(shape);
        expect(zerosLike(like).dtype).toBe(dtype);
        expect(flatValues(onesLike(like)).every((v) => v === 1)).toBe(true);
      }),
    );
    expect(full([2], 0.1).at(0)).toBe(Math.fround(0.1));
    expect(Number.isNaN(full([1], Number.NaN).item())).toBe(true);
  });

  it('refuse bad shapes and dtypes with errors naming the op', () => {
    for (const [name, make] of [['zeros', zeros], ['ones', ones], ['full', (s: number[]) => full(s, 1)]] as const) {
      expectTensorError(() => make([2, -1]), `${name}:`, 'bad shape [2,-1]');
      expectTensorError(() => make([1.5]), `${name}:`, 'bad shape [1.5]');
      expectTensorError(() => make([Number.NaN, 2]), `${name}:`, 'bad shape [NaN,2]');
      expectTensorError(() => make([Infinity]), `${name}:`, 'bad shape [Infinity]');
      expectTensorError(() => make(4 as unknown as number[]), `${name}:`, 'shape must be an array');
    }
    expectTensorError(() => zeros([2], 'bool' as 'int32'), 'zeros:', 'unknown dtype bool');
    expectTensorError(() => full([2], '1' as unknown as number), 'full:', 'value must be a number');
  });
});

describe('arange, linspace, eye', () => {
  it('arange matches the counting oracle (NumPy’s half-open range)', () => {
    const stepArb = fc.oneof(fc.integer({ min: -5, max: 5 }).filter((s) => s !== 0), fc.constantFrom(0.5, -0.25, 0.125));
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }), stepArb, (start, stop, step) => {
        const expected: number[] = [];
        for (let x = start; step > 0 ? x < stop : x > stop; x += step) expected.push(x);
        const t = arange(start, stop, step, 'float64');
        expect(t.shape).toEqual([expected.length]);
        expect(flatValues(t)).toEqual(expected);
      }),
    );
    expect(flatValues(arange(4))).toEqual([0, 1, 2, 3]);
    expect(flatValues(arange(0, 1, 0.25))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(3, 0).shape).toEqual([0]);
    expect(arange(5, undefined, 1, 'int32').dtype).toBe('int32');
  });

  it('linspace spaces count points evenly and hits both ends exactly', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        (start, stop, count) => {
          const t = linspace(start, stop, count, 'float64');
          expect(t.shape).toEqual([count]);
          const got = flatValues(t);
          if (count === 0) return;
          expect(got[0]).toBe(start);
          if (count > 1) expect(got[count - 1]).toBe(stop);
          // Oracle: the weighted mean (1 − w)·start + w·stop at w = i / (count − 1).
          const oracle = got.map((_, i) => (count === 1 ? start : (1 - i / (count - 1)) * start + (i / (count - 1)) * stop));
          const scale = Math.max(Math.abs(start), Math.abs(stop));
          got.forEach((v, i) => expect(Math.abs(v - oracle[i])).toBeLessThanOrEqual(1e-12 * scale + 1e-300));
        },
      ),
    );
    expect(flatValues(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('eye has ones exactly on the main diagonal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (rows, cols) => {
        const t = eye(rows, cols);
        expect(t.shape).toEqual([rows, cols]);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(t.at(i, j)).toBe(i === j ? 1 : 0);
      }),
    );
    expect(eye(3).shape).toEqual([3, 3]);
    expect(eye(2, 2, 'int32').dtype).toBe('int32');
  });

  it('refuse bad arguments with errors naming the op', () => {
    expectTensorError(() => arange(0, 5, 0), 'arange:', 'step must not be 0');
    expectTensorError(() => arange(0, Infinity), 'arange:', 'stop must be a finite number');
    expectTensorError(() => arange(Number.NaN), 'arange:');
    expectTensorError(() => arange(0, 3, 1, 'bool' as 'int32'), 'arange:', 'unknown dtype bool');
    expectTensorError(() => linspace(0, 1, -1), 'linspace:', 'count');
    expectTensorError(() => linspace(0, 1, 2.5), 'linspace:', 'count');
    expectTensorError(() => linspace(0, Number.NaN, 3), 'linspace:', 'finite');
    expectTensorError(() => linspace(0, 1, 3, 'bool' as 'int32'), 'linspace:', 'unknown dtype bool');
    expectTensorError(() => eye(-1), 'eye:', 'bad shape [-1,-1]');
    expectTensorError(() => eye(2, 1.5), 'eye:', 'bad shape [2,1.5]');
    expectTensorError(() => eye(2, 2, 'bool' as 'int32'), 'eye:', 'unknown dtype bool');
  });
});

describe('toArray', () => {
  it('round-trips through tensor(), for any layout', () => {
    fc.assert(
      fc.property(anyTensorArb().chain((t) => fc.tuple(fc.constant(t), viewOf(t))), ([t, view]) => {
        const nested = view.toArray();
        expect(nested).toEqual(t.toArray());
        expect(flatValues(tensor(nested, t.shape))).toEqual(flatValues(t));
        // Without an explicit shape, the shape is inferred, unless a zero dim hides the ones after it.
        if (!t.shape.includes(0)) expect(tensor(nested).shape).toEqual(t.shape);
      }),
    );
  });

  it('nests like the shape', () => {
    expect(arange(6).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Tensor(arange(6).data, [3, 2]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(new Tensor(arange(6).data, [2, 1, 3]).toArray()).toEqual([[[0, 1, 2]], [[3, 4, 5]]]);
  });
});

describe('toString', () => {
  it('prints like PyTorch, with shape and dtype', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2,2], dtype=float32)');
    expect(tensor([0.5, -1.25]).toString()).toBe('tensor([ 0.5000, -1.2500], shape=[2], dtype=float32)');
    expect(tensor([1, 2], undefined, 'int32').toString()).toBe('tensor([1, 2], shape=[2], dtype=int32)');
    expect(tensor(3).toString()).toBe('tensor(3., shape=[], dtype=float32)');
    expect(zeros([0]).toString()).toBe('tensor([], shape=[0], dtype=float32)');
    expect(tensor([Number.NaN, Infinity, -Infinity, 1]).toString()).toBe('tensor([ nan,  inf, -inf,   1.], shape=[4], dtype=float32)');
    expect(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]).toString()).toBe(
      'tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]], shape=[2,2,2], dtype=float32)',
    );
    // Very small numbers switch the whole tensor to scientific notation.
    expect(tensor([1e-5, 1]).toString()).toMatch(/^tensor\(\[1\.0000e-0?5, 1\.0000e\+0?0\]/);
  });

  it('shows every element up to 1000 and elides larger tensors with ...', () => {
    const countNumbers = (text: string) => (text.replace(/shape=\[.*\]/, '').match(/\d+\./g) ?? []).length;
    const small = arange(1000).toString();
    expect(small).not.toContain('...');
    expect(countNumbers(small)).toBe(1000);
    const large = arange(1001).toString();
    expect(large).toContain('...');
    expect(large).toMatch(/^tensor\(\[\s*0\.,\s*1\.,\s*2\., \.\.\.,\s*998\.,\s*999\., 1000\.\], shape=\[1001\], dtype=float32\)$/);
    const matrix = new Tensor(arange(1600).data, [40, 40]).toString();
    const lines = matrix.split('\n');
    expect(lines).toHaveLength(7); // three rows, the ... line, three rows
    expect(lines[3].trim()).toBe('...,');
    expect(countNumbers(matrix)).toBe(36);
    expect(matrix).toContain('1599.]]');
  });

  it('prints a strided view the same as its packed copy', () => {
    fc.assert(
      fc.property(anyTensorArb().chain((t) => fc.tuple(fc.constant(t), stridedViewArb(t))), ([t, view]) => {
        expect(view.toString()).toBe(t.toString());
        expect(String(view)).toBe(view.toString());
      }),
    );
  });
});

describe('broadcastShapes', () => {
  it('gives the axis-by-axis rule’s result, and fails exactly when two dims differ and neither is 1', () => {
    fc.assert(
      fc.property(smallShapeArb, smallShapeArb, (a, b) => {
        expect(tryBroadcast(a, b)).toEqual(broadcastOracle(a, b));
      }),
    );
  });

  it('always succeeds on broadcast partners, with the larger shape as result', () => {
    fc.assert(
      fc.property(broadcastPairArb(), ([a, b]) => {
        const out = broadcastShapes('test', a, b);
        expect(out).toEqual(broadcastOracle(a, b));
        // A partner is the shape with dims set to 1 or leading axes dropped: the result is the shape.
        expect([a, b]).toContainEqual(out);
      }),
    );
  });

  it('is commutative', () => {
    fc.assert(fc.property(broadcastPairArb(), ([a, b]) => {
      expect(broadcastShapes('t', a, b)).toEqual(broadcastShapes('t', b, a));
    }));
    fc.assert(fc.property(smallShapeArb, smallShapeArb, (a, b) => {
      expect(tryBroadcast(a, b)).toEqual(tryBroadcast(b, a));
    }));
  });

  it('is associative, failures included', () => {
    const grouped = (x: number[], y: number[], z: number[], left: boolean): number[] | null => {
      if (left) {
        const xy = tryBroadcast(x, y);
        return xy === null ? null : tryBroadcast(xy, z);
      }
      const yz = tryBroadcast(y, z);
      return yz === null ? null : tryBroadcast(x, yz);
    };
    fc.assert(fc.property(smallShapeArb, smallShapeArb, smallShapeArb, (x, y, z) => {
      expect(grouped(x, y, z, true)).toEqual(grouped(x, y, z, false));
    }));
    // Triples that all broadcast: partners of one shape.
    const tripleArb = shapeArb().chain((shape) => fc.tuple(broadcastPartnerArb(shape), broadcastPartnerArb(shape), broadcastPartnerArb(shape)));
    fc.assert(fc.property(tripleArb, ([x, y, z]) => {
      expect(grouped(x, y, z, true)).not.toBeNull();
      expect(grouped(x, y, z, true)).toEqual(grouped(x, y, z, false));
    }));
  });

  it('names the op and both shapes when it fails', () => {
    expectTensorError(() => broadcastShapes('add', [8, 5], [4, 5]), 'add:', '[8,5]', '[4,5]', 'axis -2');
    expectTensorError(() => broadcastShapes('mul', [2, 3], [0]), 'mul:', '[2,3]', '[0]');
  });
});

describe('strided reads', () => {
  it('copyToContiguous of a strided view equals the values', () => {
    fc.assert(
      fc.property(anyTensorArb().chain((t) => fc.tuple(fc.constant(t), stridedViewArb(t))), ([t, view]) => {
        expect(Array.from(copyToContiguous(view))).toEqual(flatValues(t));
        const packed = view.contiguous();
        expect(packed.isContiguous).toBe(true);
        expect(packed.shape).toEqual(t.shape);
        expect(flatValues(packed)).toEqual(flatValues(t));
        expect(packed.dtype).toBe(t.dtype);
      }),
    );
  });

  it('reads a transposed view element by element', () => {
    fc.assert(
      fc.property(shapeArb({ minRank: 2, maxRank: 2 }).chain((s) => tensorArb(s, 'float64')), (t) => {
        const [rows, cols] = t.shape;
        // Transpose by swapping strides: element (j, i) of the view is element (i, j) of t.
        const view = new Tensor(t.data, [cols, rows], [t.strides[1], t.strides[0]]);
        const expected: number[] = [];
        for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) expected.push(t.at(i, j));
        expect(Array.from(copyToContiguous(view))).toEqual(expected);
        expect(view.isContiguous).toBe(t.size === 0 || rows === 1 || cols === 1);
      }),
    );
  });

  it('reads broadcast (stride-0) views by repeating elements', () => {
    fc.assert(
      fc.property(broadcastPairArb().chain(([a, b]) => fc.tuple(tensorArb(a), fc.constant(b))), ([t, partner]) => {
        const target = broadcastShapes('test', t.shape, partner);
        const view = new Tensor(t.data, target, broadcastStrides(t.shape, t.strides, target));
        const lead = target.length - t.rank;
        const got = Array.from(copyToContiguous(view));
        for (let flat = 0; flat < got.length; flat++) {
          const index = unravel(flat, target).slice(lead).map((i, k) => (t.shape[k] === 1 ? 0 : i));
          expect(got[flat]).toBe(t.at(...index));
        }
      }),
    );
  });

  it('isContiguous is true exactly for row-major strides', () => {
    fc.assert(
      fc.property(anyTensorArb({ allowZero: false }).chain((t) => fc.tuple(fc.constant(t), stridedViewArb(t))), ([t, view]) => {
        // A view is row-major when its strides equal the packed strides on every axis longer than 1.
        const packed = contiguousStrides(t.shape);
        const rowMajor = t.shape.every((d, k) => d === 1 || view.strides[k] === packed[k]);
        expect(view.isContiguous).toBe(rowMajor);
      }),
    );
  });

  it('at() reads any element, with negative indices from the end', () => {
    fc.assert(
      fc.property(anyTensorArb({ minRank: 1, allowZero: false }).chain((t) => fc.tuple(fc.constant(t), stridedViewArb(t))), ([t, view]) => {
        const flat = flatValues(t);
        for (let position = 0; position < flat.length; position++) {
          const index = unravel(position, t.shape);
          expect(view.at(...index)).toBe(flat[position]);
          expect(view.at(...index.map((i, k) => i - t.shape[k]))).toBe(flat[position]);
        }
      }),
    );
  });

  it('at() and item() refuse bad indices and sizes, naming the shape', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expectTensorError(() => t.at(0), 'at:', 'expected 2 indices', '[2,3]', 'got 1');
    expectTensorError(() => t.at(0, 0, 0), 'at:', 'expected 2 indices');
    expectTensorError(() => t.at(2, 0), 'at:', 'index 2 is out of range for axis 0', '[2,3]');
    expectTensorError(() => t.at(0, -4), 'at:', 'index -4', 'axis 1');
    expectTensorError(() => t.at(0.5, 0), 'at:', 'index 0.5');
    expectTensorError(() => t.at(Number.NaN, 0), 'at:', 'index NaN');
    expectTensorError(() => t.item(), 'item:', 'one element', '[2,3]');
    expectTensorError(() => zeros([0]).item(), 'item:', '[0]');
    expect(tensor([[7]]).item()).toBe(7);
    // item() of a one-element view reads at its offset.
    expect(new Tensor(new Float32Array([1, 2, 3]), [1], [1], 2).item()).toBe(3);
  });

  it('toTypedArray returns a fresh copy', () => {
    const t = tensor([1, 2, 3]);
    const copy = t.toTypedArray();
    copy[0] = 42;
    expect(t.at(0)).toBe(1);
  });
});

describe('normalizeAxis, normalizeAxes', () => {
  it('maps −rank..rank−1 onto 0..rank−1 and refuses the rest', () => {
    for (let rank = 0; rank <= 4; rank++) {
      for (let axis = -rank; axis < rank; axis++) expect(normalizeAxis('sum', axis, rank)).toBe(axis < 0 ? axis + rank : axis);
      expectTensorError(() => normalizeAxis('sum', rank, rank), 'sum:', `axis ${rank} is out of range`, `rank ${rank}`);
      expectTensorError(() => normalizeAxis('sum', -rank - 1, rank), 'sum:');
    }
    expect(normalizeAxes('sum', undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes('sum', [-1, 0], 3)).toEqual([0, 2]);
    expectTensorError(() => normalizeAxes('sum', [1, -2], 3), 'sum:', 'listed twice');
  });
});

// ---------------------------------------------------------------------------------------------

describe('allClose', () => {
  const pairArb = broadcastPairArb().chain(([sa, sb]) => fc.tuple(tensorArb(sa), tensorArb(sb)));
  const pairWithViewsArb = pairArb.chain(([a, b]) => fc.tuple(viewOf(a), viewOf(b)));
  const tolerancesArb = fc.record({
    rtol: fc.constantFrom(0, 1e-5, 1e-2, 0.5),
    atol: fc.constantFrom(0, 1e-8, 1e-2, 1),
    equalNaN: fc.boolean(),
  });

  /** The rule, element by element, over the broadcast shape, with a float64 oracle. */
  function allCloseOracle(a: Tensor, b: Tensor, rtol: number, atol: number, equalNaN: boolean): boolean {
    const shape = broadcastOracle(a.shape, b.shape)!;
    const size = sizeOf(shape);
    for (let flat = 0; flat < size; flat++) {
      const index = unravel(flat, shape);
      const x = a.at(...index.slice(shape.length - a.rank).map((i, k) => (a.shape[k] === 1 ? 0 : i)));
      const y = b.at(...index.slice(shape.length - b.rank).map((i, k) => (b.shape[k] === 1 ? 0 : i)));
      const close = Number.isNaN(x) || Number.isNaN(y)
        ? equalNaN && Number.isNaN(x) && Number.isNaN(y)
        : !Number.isFinite(x) || !Number.isFinite(y)
          ? x === y
          : Math.abs(x - y) <= atol + rtol * Math.abs(y);
      if (!close) return false;
    }
    return true;
  }

  it('matches the elementwise oracle, broadcasting, on any layout; fast path equals reference', () => {
    fc.assert(
      fc.property(pairWithViewsArb, tolerancesArb, ([a, b], { rtol, atol, equalNaN }) => {
        const expected = allCloseOracle(a, b, rtol, atol, equalNaN);
        expect(allClose(a, b, { rtol, atol, equalNaN })).toBe(expected);
        expect(allCloseReference(a, b, { rtol, atol, equalNaN })).toBe(expected);
      }),
    );
  });

  it('is reflexive, holds between a tensor and its views, and sees a change anywhere', () => {
    const arb = anyTensorArb({ allowZero: false }).chain((t) =>
      fc.tuple(fc.constant(t), stridedViewArb(t), fc.nat({ max: t.size - 1 }), fc.constantFrom(1e-3, -0.5, 3)),
    );
    fc.assert(
      fc.property(arb, ([t, view, position, delta]) => {
        expect(allClose(t, t)).toBe(true);
        expect(allClose(view, t)).toBe(true);
        expect(allClose(t, view)).toBe(true);
        expect(arrayEqual(view, t)).toBe(true);
        const changed = t.toTypedArray();
        changed[position] += delta;
        const other = new Tensor(changed, t.shape.slice());
        // delta ≥ 1e-3 with |values| ≤ 4 is far outside the default tolerance (≈ 4e-5).
        expect(allClose(other, view)).toBe(false);
        expect(allClose(view, other)).toBe(false);
        expect(arrayEqual(other, t)).toBe(false);
      }),
    );
  });

  it('applies |a − b| ≤ atol + rtol·|b| at the boundary', () => {
    const f64 = (x: number) => tensor([x], [1], 'float64');
    expect(allClose(f64(1.5), f64(1), { rtol: 0, atol: 0.5 })).toBe(true);
    expect(allClose(f64(1.5), f64(1), { rtol: 0, atol: 0.4999 })).toBe(false);
    expect(allClose(f64(3), f64(2), { rtol: 0.5, atol: 0 })).toBe(true);
    // Relative to b: |3 − 2| ≤ 0.4·|3| but not ≤ 0.4·|2|.
    expect(allClose(f64(3), f64(2), { rtol: 0.4, atol: 0 })).toBe(false);
    expect(allClose(f64(2), f64(3), { rtol: 0.4, atol: 0 })).toBe(true);
    expect(allClose(f64(1), f64(1 + 1e-6))).toBe(true);
    expect(allClose(f64(1), f64(1 + 1e-4))).toBe(false);
  });

  it('treats NaN and infinities like NumPy', () => {
    const t = (values: number[]) => tensor(values, [values.length], 'float64');
    expect(allClose(t([1, Number.NaN]), t([1, Number.NaN]))).toBe(false);
    expect(allClose(t([1, Number.NaN]), t([1, Number.NaN]), { equalNaN: true })).toBe(true);
    expect(allClose(t([Number.NaN]), t([1]), { equalNaN: true })).toBe(false);
    expect(allClose(t([Infinity, -Infinity]), t([Infinity, -Infinity]))).toBe(true);
    expect(allClose(t([Infinity]), t([-Infinity]))).toBe(false);
    expect(allClose(t([5]), t([Infinity]), { rtol: 1 })).toBe(false);
    expect(allClose(t([Infinity]), t([5]), { rtol: 1 })).toBe(false);
  });

  it('broadcasts, compares across dtypes, and accepts empty tensors', () => {
    const rows = tensor([[1, 2, 3], [1, 2, 3]]);
    expect(allClose(rows, tensor([1, 2, 3], [3], 'float64'))).toBe(true);
    expect(allClose(rows, tensor([1, 2, 4]))).toBe(false);
    expect(allClose(tensor(2), full([2, 2], 2))).toBe(true);
    expect(allClose(tensor([0.1]), tensor([0.1], [1], 'float64'))).toBe(true); // float32 rounding is within rtol
    expect(allClose(zeros([0, 3]), zeros([3]))).toBe(true);
    expect(allClose(tensor([1, 2], [2], 'int32'), tensor([1, 2]))).toBe(true);
  });

  it('refuses shapes that do not broadcast and bad tolerances, naming the op', () => {
    expectTensorError(() => allClose(zeros([2, 3]), zeros([4])), 'allClose:', '[2,3]', '[4]');
    expectTensorError(() => allClose(zeros([2]), zeros([3])), 'allClose:', '[2]', '[3]');
    expectTensorError(() => allCloseReference(zeros([2]), zeros([3])), 'allCloseReference:', '[2]', '[3]');
    expectTensorError(() => allClose(zeros([2]), zeros([2]), { rtol: -1 }), 'allClose:', 'rtol');
    expectTensorError(() => allClose(zeros([2]), zeros([2]), { atol: Number.NaN }), 'allClose:', 'atol');
    expectTensorError(() => allClose(zeros([2]), zeros([2]), { atol: Infinity }), 'allClose:', 'atol');
    expectTensorError(() => allClose(zeros([2]), zeros([2]), { equalNaN: 1 as unknown as boolean }), 'allClose:', 'equalNaN');
    expectTensorError(() => allClose([1, 2] as unknown as Tensor, zeros([2])), 'allClose:', 'a must be a Tensor');
    expectTensorError(() => allClose(zeros([2]), null as unknown as Tensor), 'allClose:', 'b must be a Tensor');
  });
});

describe('arrayEqual', () => {
  it('needs the same shape (no broadcasting) and the same values', () => {
    expect(arrayEqual(tensor([1, 2]), tensor([[1, 2]]))).toBe(false);
    expect(arrayEqual(tensor([[1, 2], [1, 2]]), tensor([1, 2]))).toBe(false);
    expect(arrayEqual(tensor([1, Number.NaN]), tensor([1, Number.NaN]))).toBe(true);
    expect(arrayEqual(tensor([0]), tensor([-0]))).toBe(true);
    expect(arrayEqual(tensor([1], [1], 'float64'), tensor([1 + 2 ** -52], [1], 'float64'))).toBe(false);
    expect(arrayEqual(tensor([0.5], [1], 'float64'), tensor([0.5]))).toBe(true);
    expect(arrayEqual(tensor([0.1], [1], 'float64'), tensor([0.1]))).toBe(false); // float32(0.1) ≠ 0.1
    expect(arrayEqual(zeros([0, 2]), zeros([0, 2]))).toBe(true);
    expect(arrayEqual(zeros([0, 2]), zeros([2, 0]))).toBe(false);
  });

  it('agrees with comparing packed values', () => {
    fc.assert(
      fc.property(pairOfSameShape(), ([a, b]) => {
        const expected = flatValues(a).every((x, i) => x === flatValues(b)[i]);
        expect(arrayEqual(a, b)).toBe(expected);
      }),
    );
  });

  it('refuses non-tensors', () => {
    expectTensorError(() => arrayEqual(zeros([1]), 3 as unknown as Tensor), 'arrayEqual:', 'b must be a Tensor');
  });
});

/** Two tensors of one shape; equal about half the time. */
function pairOfSameShape(): fc.Arbitrary<[Tensor, Tensor]> {
  return shapeArb({ maxDim: 2 }).chain((shape) =>
    fc.tuple(tensorArb(shape), fc.boolean()).chain(([a, same]) =>
      same ? fc.tuple(fc.constant(a), stridedViewArb(a)) : fc.tuple(fc.constant(a), tensorArb(shape).chain(viewOfPermuted)),
    ),
  );
}

function viewOfPermuted(t: Tensor): fc.Arbitrary<Tensor> {
  const order = Array.from({ length: t.rank }, (_, k) => t.rank - 1 - k);
  return fc.constant(stridedView(t, order, 1));
}

describe('size limit', () => {
  it('refuses tensors of more than 2³¹ − 1 elements with a TensorError, before allocating', () => {
    expect(() => zeros([1e5, 1e5])).toThrow(/zeros: shape \[100000,100000\] has 10000000000 elements; at most 2147483647/);
    expect(() => arange(0, 1e12)).toThrow(/arange: .* has 1000000000000 elements/);
    expect(() => linspace(0, 1, 2 ** 32)).toThrow(/linspace: .* elements/);
  });
});

describe('coalesceAxes', () => {
  /** Every position a row-major walk of `shape` visits with `strides`, in order. */
  function positions(shape: readonly number[], strides: readonly number[]): number[] {
    const out: number[] = [];
    const size = sizeOf(shape);
    for (let flat = 0; flat < size; flat++) {
      let rest = flat;
      let position = 0;
      for (let axis = shape.length - 1; axis >= 0; axis--) {
        position += (rest % shape[axis]) * strides[axis];
        rest = Math.floor(rest / shape[axis]);
      }
      out.push(position);
    }
    return out;
  }

  it('visits the same positions in the same order, for every operand, on fewer or equal axes', () => {
    fc.assert(fc.property(
      broadcastPairArb({ allowZero: false }).chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb), fc.boolean())),
      ([sa, sb, transposeA]) => {
        const shape = broadcastShapes('t', sa, sb);
        let stridesA = contiguousStrides(sa);
        if (transposeA && sa.length >= 2) stridesA = [...stridesA.slice(0, -2), stridesA[sa.length - 1], stridesA[sa.length - 2]];
        const full = [broadcastStrides(sa, stridesA, shape), broadcastStrides(sb, contiguousStrides(sb), shape)];
        const walk = coalesceAxes(shape, full);
        expect(walk.shape.length).toBeLessThanOrEqual(shape.length);
        expect(sizeOf(walk.shape)).toBe(sizeOf(shape));
        for (let k = 0; k < 2; k++) expect(positions(walk.shape, walk.strides[k])).toEqual(positions(shape, full[k]));
      }));
  });

  it('merges an expanded [8,1,1] over [8,1024,5] into two axes', () => {
    expect(coalesceAxes([8, 1024, 5], [[1, 0, 0]])).toEqual({ shape: [8, 5120], strides: [[1, 0]] });
  });
});
