import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../src/tensor/errors.js';
import { gather, indexSelect, topk, topkReference } from '../src/tensor/indexing.js';
import { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/creation.js';
import { contiguousStrides, sizeOf } from '../src/tensor/shape.js';
import { flatValues, shapeArb, stridedViewArb, tensorArb } from './support/arbitraries.js';
import { indicesOf } from './support/expect.js';


/** The element of x at a multi-index, read from its row-major values (no strides involved). */
function reader(x: Tensor): (index: readonly number[]) => number {
  const flat = flatValues(x);
  const strides = contiguousStrides(x.shape);
  return (index) => flat[index.reduce((s, i, a) => s + i * strides[a], 0)];
}

function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** x as given, or a strided view of it. */
const maybeStrided = (t: Tensor) => fc.boolean().chain((strided) => (strided ? stridedViewArb(t) : fc.constant(t)));

// ---------------------------------------------------------------------------------------------
// topk
// ---------------------------------------------------------------------------------------------

/**
 * The sort-based definition: sort each line's (value, index) pairs, NaN first for largest and
 * last for smallest, ties by index; keep k; with sorted = false, put them back in index order.
 */
function topkOracle(x: Tensor, k: number, axis: number, largest: boolean, sorted: boolean): { shape: number[]; values: number[]; indices: number[] } {
  const along = axis < 0 ? axis + x.rank : axis;
  const read = reader(x);
  const shape = x.shape.slice();
  shape[along] = k;
  const values = new Array<number>(sizeOf(shape));
  const indices = new Array<number>(sizeOf(shape));
  const outStrides = contiguousStrides(shape);
  const lineShape = x.shape.map((d, a) => (a === along ? 1 : d));
  for (const start of indicesOf(lineShape)) {
    const line = Array.from({ length: x.shape[along] }, (_, i) => {
      const at = start.slice();
      at[along] = i;
      return { v: read(at), i };
    });
    line.sort((a, b) => {
      const aNaN = Number.isNaN(a.v);
      const bNaN = Number.isNaN(b.v);
      if (aNaN !== bNaN) return largest ? (aNaN ? -1 : 1) : aNaN ? 1 : -1;
      if (!aNaN && a.v !== b.v) return largest ? b.v - a.v : a.v - b.v;
      return a.i - b.i;
    });
    const chosen = line.slice(0, k);
    if (!sorted) chosen.sort((a, b) => a.i - b.i);
    chosen.forEach(({ v, i }, r) => {
      const at = start.slice();
      at[along] = r;
      const position = at.reduce((s, j, a) => s + j * outStrides[a], 0);
      values[position] = v;
      indices[position] = i;
    });
  }
  return { shape, values, indices };
}

/** Values drawn from a few integers (many ties), sometimes NaN. */
const tiedValueArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -3, max: 3 }) }, { weight: 1, arbitrary: fc.constant(NaN) });

const topkCaseArb = shapeArb({ minRank: 1 })
  .chain((shape) =>
    fc.tuple(
      fc.array(tiedValueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }),
      fc.constant(shape),
      fc.constantFrom('float32' as const, 'float64' as const),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
    ),
  )
  .chain(([values, shape, dtype, axis]) =>
    fc.record({
      x: maybeStrided(tensor(values, shape, dtype)),
      axis: fc.constant(axis),
      k: fc.integer({ min: 0, max: shape[axis < 0 ? axis + shape.length : axis] }),
      largest: fc.boolean(),
      sorted: fc.boolean(),
    }),
  );

describe('topk', () => {
  it('topk and the library\'s topkReference match a sort-based oracle: ties by lower index, NaN ranked largest, sorted or in index order', () => {
    fc.assert(
      fc.property(topkCaseArb, ({ x, axis, k, largest, sorted }) => {
        const want = topkOracle(x, k, axis, largest, sorted);
        for (const chosen of [topk, topkReference]) {
          const { values, indices } = chosen(x, k, axis, { largest, sorted });
          expect(values.shape).toEqual(want.shape);
          expect(indices.shape).toEqual(want.shape);
          expect(values.dtype).toBe(x.dtype);
          expect(indices.dtype).toBe('int32');
          expect(flatValues(indices)).toEqual(want.indices);
          const got = flatValues(values);
          for (let r = 0; r < got.length; r++) if (!same(got[r], want.values[r])) expect.fail(`value ${r}: ${got[r]} vs ${want.values[r]}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on longer lines (the heap evicts often) matches the oracle, defaults largest and sorted on the last axis', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 200 })).chain(([rows, cols]) =>
          fc.tuple(
            fc.array(fc.integer({ min: -20, max: 20 }), { minLength: rows * cols, maxLength: rows * cols }).map((v) => tensor(v, [rows, cols])),
            fc.integer({ min: 0, max: cols }),
          ),
        ),
        ([x, k]) => {
          const { values, indices } = topk(x, k);
          const want = topkOracle(x, k, -1, true, true);
          expect(flatValues(values)).toEqual(want.values);
          expect(flatValues(indices)).toEqual(want.indices);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects k out of range, a bad axis and non-tensors, naming the op and the shape', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => topk(x, 4)).toThrow(/^topk: k = 4 is larger than axis 1 of size 3 in shape \[2,3\]/);
    expect(() => topk(x, 3, 0)).toThrow(/^topk: k = 3 is larger than axis 0 of size 2 in shape \[2,3\]/);
    expect(() => topk(x, -1)).toThrow(/^topk: k must be a whole number ≥ 0, got -1 for shape \[2,3\]/);
    expect(() => topk(x, 1.5)).toThrow(/^topk: k must be a whole number/);
    expect(() => topk(x, 1, 2)).toThrow(/^topk: axis 2 is out of range.*shape \[2,3\]/);
    expect(() => topk(tensor(5), 1)).toThrow(/^topk: axis -1 is out of range.*shape \[\]/);
    expect(() => topk([1, 2] as unknown as Tensor, 1)).toThrow(/^topk: x must be a Tensor/);
  });
});

// ---------------------------------------------------------------------------------------------
// gather
// ---------------------------------------------------------------------------------------------

const gatherCaseArb = shapeArb({ minRank: 1 })
  .chain((shape) => fc.tuple(tensorArb(shape, 'float64').chain(maybeStrided), fc.integer({ min: 0, max: shape.length - 1 })))
  .chain(([x, axis]) => {
    const dim = x.shape[axis];
    // Other axes at most x's dims; the gathered axis any length (none when x has no entries to point at).
    const indexShape = fc.tuple(
      ...x.shape.map((d, a) => (a === axis ? (dim === 0 ? fc.constant(0) : fc.integer({ min: 0, max: 4 })) : fc.integer({ min: 0, max: d }))),
    );
    return indexShape.chain((shape) =>
      fc
        .array(fc.integer({ min: 0, max: Math.max(0, dim - 1) }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
        .chain((values) => maybeStrided(tensor(values, shape, 'int32')))
        .map((index) => ({ x, axis, index })),
    );
  });

describe('gather', () => {
  it('out[..i..] = x[..index[..i..]..] along the axis, for strided x and index', () => {
    fc.assert(
      fc.property(gatherCaseArb, fc.boolean(), ({ x, axis, index }, negativeAxis) => {
        const got = gather(x, negativeAxis ? axis - x.rank : axis, index);
        expect(got.shape).toEqual(index.shape);
        expect(got.dtype).toBe(x.dtype);
        const readX = reader(x);
        const readIndex = reader(index);
        const want = indicesOf(index.shape).map((at) => {
          const source = at.slice();
          source[axis] = readIndex(at);
          return readX(source);
        });
        expect(flatValues(got)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad indices, dtypes, ranks and shapes, naming the op, the index, the axis and its size', () => {
    const x = tensor([[10, 11, 12], [20, 21, 22]]);
    const int = (v: number[][]) => tensor(v, undefined, 'int32');
    expect(() => gather(x, 1, int([[3]]))).toThrow(/^gather: index 3 is out of range for axis 1 of size 3 in shape \[2,3\]/);
    expect(() => gather(x, 1, int([[0, -1]]))).toThrow(/^gather: index -1 is out of range for axis 1 of size 3 .*not wrapped/);
    expect(() => gather(x, 0, int([[2]]))).toThrow(/^gather: index 2 is out of range for axis 0 of size 2/);
    expect(() => gather(x, 1, tensor([[0]]))).toThrow(/^gather: index must be int32, got float32 \(shape \[1,1\]\)/);
    expect(() => gather(x, 1, tensor([0], undefined, 'int32'))).toThrow(/^gather: index must have x's rank: x \[2,3\] has rank 2, index \[1\]/);
    expect(() => gather(x, 1, int([[0], [0], [0]]))).toThrow(/^gather: index \[3,1\] is larger than x \[2,3\] at axis 0/);
    expect(() => gather(x, 2, int([[0]]))).toThrow(/^gather: axis 2 is out of range.*shape \[2,3\]/);
    expect(() => gather(x, 1, [[0]] as unknown as Tensor)).toThrow(/^gather: index must be a Tensor/);
    // The gathered axis itself may be longer than x's.
    expect(gather(x, 1, int([[0, 1, 2, 2, 1]])).toArray()).toEqual([[10, 11, 12, 12, 11]]);
  });
});

// ---------------------------------------------------------------------------------------------
// indexSelect
// ---------------------------------------------------------------------------------------------

const selectCaseArb = shapeArb({ minRank: 1 })
  .chain((shape) => fc.tuple(tensorArb(shape).chain(maybeStrided), fc.integer({ min: 0, max: shape.length - 1 })))
  .chain(([x, axis]) => {
    const dim = x.shape[axis];
    const list = dim === 0 ? fc.constant([] as number[]) : fc.array(fc.integer({ min: 0, max: dim - 1 }), { maxLength: 6 });
    return fc.record({ x: fc.constant(x), axis: fc.constant(axis), indices: list, asTensor: fc.boolean(), negativeAxis: fc.boolean() });
  });

describe('indexSelect', () => {
  it('out[..j..] = x[..indices[j]..] along the axis, from an array or an int32 tensor', () => {
    fc.assert(
      fc.property(selectCaseArb, ({ x, axis, indices, asTensor, negativeAxis }) => {
        const got = indexSelect(x, negativeAxis ? axis - x.rank : axis, asTensor ? tensor(indices, [indices.length], 'int32') : indices);
        const shape = x.shape.slice();
        shape[axis] = indices.length;
        expect(got.shape).toEqual(shape);
        expect(got.dtype).toBe(x.dtype);
        const readX = reader(x);
        const want = indicesOf(shape).map((at) => {
          const source = at.slice();
          source[axis] = indices[at[axis]];
          return readX(source);
        });
        expect(flatValues(got)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects out-of-range, negative and fractional indices and bad index tensors', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(() => indexSelect(x, 0, [0, 3])).toThrow(/^indexSelect: index 3 is out of range for axis 0 of size 3 in shape \[3,2\]/);
    expect(() => indexSelect(x, 1, [-1])).toThrow(/^indexSelect: index -1 is out of range for axis 1 of size 2 .*not wrapped/);
    expect(() => indexSelect(x, 0, [0.5])).toThrow(/^indexSelect: indices\[0\] must be a whole number, got 0.5/);
    expect(() => indexSelect(x, 0, tensor([0]))).toThrow(/^indexSelect: indices must be int32, got float32 \(shape \[1\]\)/);
    expect(() => indexSelect(x, 0, tensor([[0]], undefined, 'int32'))).toThrow(/^indexSelect: indices must be 1-D, got shape \[1,1\]/);
    expect(() => indexSelect(x, 0, tensor([5], undefined, 'int32'))).toThrow(/^indexSelect: index 5 is out of range/);
    expect(() => indexSelect(x, -3, [0])).toThrow(/^indexSelect: axis -3 is out of range.*shape \[3,2\]/);
    expect(() => indexSelect(x, 0, 'a' as unknown as number[])).toThrow(TensorError);
  });
});
