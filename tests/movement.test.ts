/**
 * Movement ops: every view is read three ways (toArray, contiguous().toArray(), and at() per
 * element) and compared with an oracle built by index arithmetic on the input's row-major values.
 * Inputs are both packed tensors and strided views (permuted storage with a NaN-filled gap, so a
 * wrong address shows up as NaN).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '../src/tensor/creation.js';
import type { DType } from '../src/tensor/dtype.js';
import {
  broadcastTo,
  concat,
  concatReference,
  contiguous,
  expand,
  flatten,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from '../src/tensor/movement.js';
import { contiguousStrides, sizeOf } from '../src/tensor/shape.js';
import { type NestedArray, Tensor } from '../src/tensor/tensor.js';
import { broadcastPartnerArb, flatValues, shapeArb, stridedView, stridedViewArb, tensorArb } from './support/arbitraries.js';
import { expectOpError, indicesOf } from './support/expect.js';

// ---------------------------------------------------------------------------------------------
// Oracle helpers: plain index arithmetic on row-major values
// ---------------------------------------------------------------------------------------------

/** The row-major position of `index` in `shape`. */
function flatPosition(shape: readonly number[], index: readonly number[]): number {
  let position = 0;
  for (let axis = 0; axis < shape.length; axis++) position = position * shape[axis] + index[axis];
  return position;
}

/** Row-major values laid out as nested arrays of `shape`. */
function nest(values: readonly number[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const inner = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(values.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

/**
 * `oracle(index)` gives the expected element at each index of `shape`; the view must read those
 * values through toTypedArray, toArray, contiguous() and at().
 */
function expectReads(view: Tensor, shape: readonly number[], oracle: (index: number[]) => number): void {
  expect(view.shape).toEqual(shape);
  const indices = indicesOf(shape);
  const expected = indices.map(oracle);
  expect(flatValues(view)).toEqual(expected);
  expect(view.toArray()).toEqual(nest(expected, shape));
  expect(view.contiguous().toArray()).toEqual(nest(expected, shape));
  indices.forEach((index, k) => expect(view.at(...index)).toBe(expected[k]));
}

/** A tensor of a random shape, either packed or as a strided view with the same values. */
function inputArb(options: Parameters<typeof shapeArb>[0] = {}, dtype: DType = 'float32'): fc.Arbitrary<Tensor> {
  return shapeArb(options).chain((shape) => tensorArb(shape, dtype)).chain((t) => fc.oneof(fc.constant(t), stridedViewArb(t)));
}

/** The same values as `t`, as a strided view that is surely not contiguous (needs two axes > 1). */
function reversedView(t: Tensor): Tensor {
  const order = Array.from({ length: t.rank }, (_, axis) => t.rank - 1 - axis);
  return stridedView(t, order, 2);
}


function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; n > 1; p++) while (n % p === 0) (out.push(p), (n /= p));
  return out;
}

/** A random shape holding exactly `size` elements (ranks 0–5, some dims 1). */
function sameSizeShapeArb(size: number): fc.Arbitrary<number[]> {
  if (size === 0) {
    return fc.tuple(shapeArb({ maxRank: 3, allowZero: false }), fc.nat()).map(([dims, at]) => {
      const out = dims.slice();
      out.splice(at % (dims.length + 1), 0, 0);
      return out;
    });
  }
  const factors = primeFactors(size);
  return fc
    .integer({ min: Math.min(1, factors.length), max: 5 })
    .chain((rank) =>
      rank === 0
        ? fc.constant<number[]>([])
        : fc.array(fc.nat(rank - 1), { minLength: factors.length, maxLength: factors.length }).map((groups) => {
            const dims = new Array<number>(rank).fill(1);
            factors.forEach((p, k) => (dims[groups[k]] *= p));
            return dims;
          }),
    );
}

// ---------------------------------------------------------------------------------------------
// reshape, flatten
// ---------------------------------------------------------------------------------------------

describe('reshape', () => {
  it('keeps row-major order and round-trips to the original shape', () => {
    const arb = inputArb().chain((x) => fc.tuple(fc.constant(x), sameSizeShapeArb(x.size)));
    fc.assert(
      fc.property(arb, ([x, shape]) => {
        const values = flatValues(x);
        const y = reshape(x, shape);
        expectReads(y, shape, (index) => values[flatPosition(shape, index)]);
        const back = reshape(y, x.shape);
        expectReads(back, x.shape, (index) => values[flatPosition(x.shape, index)]);
      }),
    );
  });

  it('infers one -1 dim', () => {
    const arb = inputArb()
      .chain((x) => fc.tuple(fc.constant(x), sameSizeShapeArb(x.size)))
      .filter(([, shape]) => shape.length > 0)
      .chain(([x, shape]) => fc.tuple(fc.constant(x), fc.constant(shape), fc.nat(shape.length - 1)))
      .filter(([, shape, at]) => sizeOf(shape.filter((_, axis) => axis !== at)) !== 0);
    fc.assert(
      fc.property(arb, ([x, shape, at]) => {
        const withHole = shape.slice();
        withHole[at] = -1;
        const y = reshape(x, withHole);
        expect(y.shape).toEqual(shape);
        expect(flatValues(y)).toEqual(flatValues(x));
      }),
    );
  });

  it('is a view of a contiguous tensor, also one with an offset', () => {
    const arb = shapeArb({ minRank: 1 }).chain((shape) => tensorArb(shape));
    fc.assert(
      fc.property(arb, fc.nat(), (x, cut) => {
        const y = reshape(x, [x.size]);
        expect(y.data).toBe(x.data);
        // A slice along axis 0 of a packed tensor is still packed, just starting later.
        const tail = slice(x, 0, cut % (x.shape[0] + 1));
        expect(tail.isContiguous).toBe(true);
        const flat = reshape(tail, [-1]);
        expect(flat.data).toBe(x.data);
        expect(flatValues(flat)).toEqual(flatValues(tail));
      }),
    );
  });

  it('copies a non-contiguous tensor, correctly', () => {
    const arb = shapeArb({ minRank: 2, allowZero: false })
      .filter((shape) => shape.filter((dim) => dim > 1).length >= 2)
      .chain((shape) => tensorArb(shape));
    fc.assert(
      fc.property(arb, (packed) => {
        const x = reversedView(packed);
        expect(x.isContiguous).toBe(false);
        const y = reshape(x, [-1]);
        expect(y.data).not.toBe(x.data);
        expect(y.isContiguous).toBe(true);
        expect(Array.from(y.data)).toEqual(flatValues(packed));
      }),
    );
  });

  it('refuses a size mismatch, two -1s, bad dims and an ambiguous -1', () => {
    const x = zeros([2, 3]);
    expect(() => reshape(x, [4, 2])).toThrow('reshape: cannot reshape [2,3] (6 elements) into [4,2] (8 elements)');
    expectOpError(() => reshape(x, [-1, 2, -1]), 'reshape', '-1', '[-1,2,-1]');
    expectOpError(() => reshape(x, [4, -1]), 'reshape', '[2,3]', '[4,-1]', 'multiple of 4');
    expectOpError(() => reshape(x, [2, 1.5]), 'reshape', '[2,1.5]');
    expectOpError(() => reshape(x, [-2, -3]), 'reshape', '[-2,-3]');
    expectOpError(() => reshape(x, ['3' as unknown as number, 2]), 'reshape', '[3,2]');
    expectOpError(() => reshape(x, 6 as unknown as number[]), 'reshape', '6');
    expectOpError(() => reshape(zeros([0, 3]), [0, -1]), 'reshape', '[0,-1]', '[0,3]');
  });
});

describe('flatten', () => {
  it('merges axes start…end, leaving the values in order', () => {
    const arb = inputArb({ minRank: 1 }).chain((x) =>
      fc.tuple(fc.constant(x), fc.nat(x.rank - 1), fc.nat(x.rank - 1)).map(([t, a, b]) => [t, Math.min(a, b), Math.max(a, b)] as const),
    );
    fc.assert(
      fc.property(arb, ([x, first, last]) => {
        const values = flatValues(x);
        const y = flatten(x, first, last);
        const shape = [...x.shape.slice(0, first), sizeOf(x.shape.slice(first, last + 1)), ...x.shape.slice(last + 1)];
        expectReads(y, shape, (index) => values[flatPosition(shape, index)]);
        expect(flatten(x).shape).toEqual([x.size]);
      }),
    );
  });

  it('makes a scalar into [1], and refuses start after end', () => {
    const s = tensor(7);
    expectReads(flatten(s), [1], () => 7);
    expectOpError(() => flatten(zeros([2, 3, 4]), 2, 1), 'flatten', '[2,3,4]', '2', '1');
    expectOpError(() => flatten(zeros([2, 3]), 3), 'flatten', 'axis 3', 'rank 2');
  });
});

// ---------------------------------------------------------------------------------------------
// squeeze, unsqueeze
// ---------------------------------------------------------------------------------------------

describe('squeeze and unsqueeze', () => {
  it('unsqueeze inserts a size-1 axis read at index 0, and squeeze undoes it', () => {
    const arb = inputArb({ maxRank: 3 }).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: -x.rank - 1, max: x.rank })));
    fc.assert(
      fc.property(arb, ([x, axis]) => {
        const values = flatValues(x);
        const at = axis < 0 ? axis + x.rank + 1 : axis;
        const y = unsqueeze(x, axis);
        expect(y.data).toBe(x.data);
        const shape = [...x.shape.slice(0, at), 1, ...x.shape.slice(at)];
        expectReads(y, shape, (index) => values[flatPosition(x.shape, index.filter((_, a) => a !== at))]);
        expect(y.isContiguous).toBe(x.isContiguous);
        const back = squeeze(y, at);
        expect(back.data).toBe(x.data);
        expectReads(back, x.shape, (index) => values[flatPosition(x.shape, index)]);
      }),
    );
  });

  it('squeeze with no axes drops every size-1 axis and keeps the values', () => {
    const arb = shapeArb({ maxDim: 2 })
      .chain((shape) => tensorArb(shape))
      .chain((t) => fc.oneof(fc.constant(t), stridedViewArb(t)));
    fc.assert(
      fc.property(arb, (x) => {
        const y = squeeze(x);
        expect(y.data).toBe(x.data);
        const shape = x.shape.filter((dim) => dim !== 1);
        const values = flatValues(x);
        expectReads(y, shape, (index) => values[flatPosition(shape, index)]);
      }),
    );
  });

  it('refuses to squeeze an axis that is not 1, bad axes, and repeated axes', () => {
    expectOpError(() => squeeze(zeros([1, 3]), 1), 'squeeze', 'axis 1', '[1,3]', '3');
    expectOpError(() => squeeze(zeros([1, 3]), [0, 1]), 'squeeze', 'axis 1', '[1,3]');
    expectOpError(() => squeeze(zeros([1, 1]), [0, -2]), 'squeeze', 'twice');
    expectOpError(() => squeeze(zeros([1, 3]), 2), 'squeeze', 'axis 2', 'rank 2');
    expectOpError(() => unsqueeze(zeros([2, 3]), 3), 'unsqueeze', 'axis 3', 'rank 3');
    expectOpError(() => unsqueeze(zeros([2, 3]), -4), 'unsqueeze', 'axis -4');
  });
});

// ---------------------------------------------------------------------------------------------
// permute, transpose
// ---------------------------------------------------------------------------------------------

/** A tensor and a random order of its axes. */
const permuteCaseArb = inputArb().chain((x) =>
  fc.tuple(
    fc.constant(x),
    fc.shuffledSubarray(Array.from({ length: x.rank }, (_, a) => a), { minLength: x.rank, maxLength: x.rank }),
    fc.shuffledSubarray(Array.from({ length: x.rank }, (_, a) => a), { minLength: x.rank, maxLength: x.rank }),
  ),
);

describe('permute', () => {
  it('reads y[i] = x[j] with j[order[k]] = i[k], as a view', () => {
    fc.assert(
      fc.property(permuteCaseArb, ([x, order]) => {
        const values = flatValues(x);
        const y = permute(x, order);
        expect(y.data).toBe(x.data);
        const shape = order.map((axis) => x.shape[axis]);
        expectReads(y, shape, (index) => {
          const source = new Array<number>(x.rank);
          order.forEach((axis, k) => (source[axis] = index[k]));
          return values[flatPosition(x.shape, source)];
        });
      }),
    );
  });

  it('the inverse order undoes it, and twice is the composed order', () => {
    fc.assert(
      fc.property(permuteCaseArb, ([x, p, q]) => {
        const inverse = new Array<number>(x.rank);
        p.forEach((axis, k) => (inverse[axis] = k));
        const back = permute(permute(x, p), inverse);
        expect(back.shape).toEqual(x.shape);
        expect(back.strides).toEqual(x.strides);
        expect(flatValues(back)).toEqual(flatValues(x));
        // Axis k of permute(y, q) is axis q[k] of y, which is axis p[q[k]] of x.
        const composed = q.map((axis) => p[axis]);
        const twice = permute(permute(x, p), q);
        const once = permute(x, composed);
        expect(twice.shape).toEqual(once.shape);
        expect(twice.strides).toEqual(once.strides);
        expect(flatValues(twice)).toEqual(flatValues(once));
      }),
    );
  });

  it('accepts negative axes and refuses wrong lengths and repeats', () => {
    const x = zeros([2, 3, 4]);
    expect(permute(x, [-1, 0, -2]).shape).toEqual([4, 2, 3]);
    expectOpError(() => permute(x, [0, 1]), 'permute', '[2,3,4]', '[0,1]', '3 axes');
    expectOpError(() => permute(x, [0, 1, 1]), 'permute', '[2,3,4]', '[0,1,1]', 'twice');
    expectOpError(() => permute(x, [0, 1, 3]), 'permute', 'axis 3', 'rank 3');
  });
});

describe('transpose', () => {
  it('swaps two axes (default the last two) as a view', () => {
    const arb = inputArb({ minRank: 2 }).chain((x) =>
      fc.tuple(fc.constant(x), fc.integer({ min: -x.rank, max: x.rank - 1 }), fc.integer({ min: -x.rank, max: x.rank - 1 })),
    );
    fc.assert(
      fc.property(arb, ([x, a, b]) => {
        const values = flatValues(x);
        const swap = (index: number[], i: number, j: number): number[] => {
          const out = index.slice();
          out[i] = index[j];
          out[j] = index[i];
          return out;
        };
        const [i, j] = [a < 0 ? a + x.rank : a, b < 0 ? b + x.rank : b];
        const y = transpose(x, a, b);
        expect(y.data).toBe(x.data);
        expectReads(y, swap(x.shape.slice(), i, j), (index) => values[flatPosition(x.shape, swap(index, i, j))]);
        const last = transpose(x);
        expectReads(last, swap(x.shape.slice(), x.rank - 2, x.rank - 1), (index) =>
          values[flatPosition(x.shape, swap(index, x.rank - 2, x.rank - 1))],
        );
        expect(flatValues(transpose(last))).toEqual(values);
      }),
    );
  });

  it('refuses rank 0 and 1, and bad axes', () => {
    expectOpError(() => transpose(zeros([3])), 'transpose', '[3]', 'rank');
    expectOpError(() => transpose(tensor(1)), 'transpose', '[]', 'rank');
    expectOpError(() => transpose(zeros([2, 3]), 0, 2), 'transpose', 'axis 2', 'rank 2');
  });
});

// ---------------------------------------------------------------------------------------------
// expand, slice, contiguous
// ---------------------------------------------------------------------------------------------

describe('expand', () => {
  it('reads repeated elements through stride 0, sharing data', () => {
    const arb = shapeArb()
      .chain((target) => fc.tuple(fc.constant(target), broadcastPartnerArb(target)))
      .chain(([target, shape]) =>
        fc.tuple(fc.constant(target), tensorArb(shape).chain((t) => fc.oneof(fc.constant(t), stridedViewArb(t)))),
      );
    fc.assert(
      fc.property(arb, ([target, x]) => {
        const values = flatValues(x);
        const lead = target.length - x.rank;
        // Drop the leading axes x lacks, and read index 0 where x has size 1.
        const oracle = (index: number[]): number =>
          values[flatPosition(x.shape, index.slice(lead).map((i, a) => (x.shape[a] === 1 ? 0 : i)))];
        const y = expand(x, target);
        expect(y.data).toBe(x.data);
        expectReads(y, target, oracle);
        const z = broadcastTo(x, target);
        expect(z.data).toBe(x.data);
        expectReads(z, target, oracle);
      }),
    );
  });

  it('refuses shapes that do not broadcast, naming both', () => {
    expectOpError(() => expand(zeros([2, 3]), [4, 3]), 'expand', '[2,3]', '[4,3]', 'axis 0');
    expectOpError(() => expand(zeros([2, 3]), [3]), 'expand', '[2,3]', '[3]', 'fewer axes');
    expectOpError(() => expand(zeros([1, 3]), [2, -1]), 'expand', '[2,-1]');
    expectOpError(() => broadcastTo(zeros([2, 3]), [2, 4]), 'broadcastTo', '[2,3]', '[2,4]');
  });
});

describe('slice', () => {
  const arb = inputArb({ minRank: 1 }).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.nat(x.rank - 1),
      fc.integer({ min: -8, max: 8 }),
      fc.option(fc.integer({ min: -8, max: 8 }), { nil: undefined }),
      fc.integer({ min: 1, max: 4 }),
    ),
  );

  /** The indices Python's `range(dim)[start:end:step]` picks, by filtering every index. */
  function pythonPicks(dim: number, start: number, end: number | undefined, step: number): number[] {
    const lo = start < 0 ? Math.max(0, dim + start) : Math.min(start, dim);
    const hi = end === undefined ? dim : end < 0 ? Math.max(0, dim + end) : Math.min(end, dim);
    return Array.from({ length: dim }, (_, i) => i).filter((i) => i >= lo && i < hi && (i - lo) % step === 0);
  }

  it('matches Python slicing, incl. negative indices, clamping and steps, as a view', () => {
    fc.assert(
      fc.property(arb, ([x, axis, start, end, step]) => {
        const values = flatValues(x);
        const picks = pythonPicks(x.shape[axis], start, end, step);
        const y = slice(x, axis, start, end, step);
        expect(y.data).toBe(x.data);
        const shape = x.shape.slice();
        shape[axis] = picks.length;
        expectReads(y, shape, (index) => {
          const source = index.slice();
          source[axis] = picks[index[axis]];
          return values[flatPosition(x.shape, source)];
        });
        // A negative axis names the same axis.
        expect(flatValues(slice(x, axis - x.rank, start, end, step))).toEqual(flatValues(y));
      }),
    );
  });

  it('slices of slices compose', () => {
    const twice = arb.chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 3 })));
    fc.assert(
      fc.property(twice, ([[x, axis, start, end, step], start2, step2]) => {
        const values = flatValues(x);
        const first = pythonPicks(x.shape[axis], start, end, step);
        const picks = pythonPicks(first.length, start2, undefined, step2).map((i) => first[i]);
        const y = slice(slice(x, axis, start, end, step), axis, start2, undefined, step2);
        const shape = x.shape.slice();
        shape[axis] = picks.length;
        expectReads(y, shape, (index) => {
          const source = index.slice();
          source[axis] = picks[index[axis]];
          return values[flatPosition(x.shape, source)];
        });
      }),
    );
  });

  it('refuses bad steps, bad bounds, bad axes and scalars', () => {
    const x = zeros([4, 5]);
    expectOpError(() => slice(x, 0, 0, 4, 0), 'slice', 'step', '0');
    expectOpError(() => slice(x, 0, 0, 4, -1), 'slice', 'step', '-1', 'negative');
    expectOpError(() => slice(x, 0, 0, 4, 1.5), 'slice', 'step', '1.5');
    expectOpError(() => slice(x, 0, 0.5), 'slice', 'start', '0.5');
    expectOpError(() => slice(x, 0, 0, Number.NaN), 'slice', 'end', 'NaN');
    expectOpError(() => slice(x, 2, 0), 'slice', 'axis 2', 'rank 2');
    expectOpError(() => slice(tensor(3), 0, 0), 'slice', '[]');
  });
});

describe('contiguous', () => {
  it('packs a view into row-major order and returns a packed tensor itself', () => {
    fc.assert(
      fc.property(inputArb(), (x) => {
        const values = flatValues(x);
        const y = contiguous(x);
        expect(y.isContiguous).toBe(true);
        expect(Array.from(y.data.subarray(y.offset, y.offset + y.size))).toEqual(values);
        // A packed tensor comes back as itself; anything else as a fresh row-major copy.
        if (x.isContiguous) expect(y).toBe(x);
        else expect([y.data === x.data, y.offset, y.strides]).toEqual([false, 0, contiguousStrides(x.shape)]);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// concat, stack
// ---------------------------------------------------------------------------------------------

/** Nested arrays joined along `depth`: the oracle for concat, built on toArray(). */
function concatNested(parts: NestedArray[], depth: number): NestedArray {
  if (depth === 0) return (parts as NestedArray[][]).flat(1);
  return (parts[0] as NestedArray[]).map((_, i) => concatNested(parts.map((p) => (p as NestedArray[])[i]), depth - 1));
}

/** Nested arrays gathered under a new axis at `depth`: the oracle for stack. */
function stackNested(parts: NestedArray[], depth: number): NestedArray {
  if (depth === 0) return parts;
  return (parts[0] as NestedArray[]).map((_, i) => stackNested(parts.map((p) => (p as NestedArray[])[i]), depth - 1));
}

const dtypeArb = fc.constantFrom<DType>('float32', 'float64', 'int32');

/** 1–4 tensors of one dtype whose shapes agree except on `axis`; each packed or strided. */
function concatCaseArbOf(options: Parameters<typeof shapeArb>[0], maxPartDim: number) {
  return fc
    .tuple(shapeArb(options), dtypeArb)
    .chain(([shape, dtype]) =>
      fc.tuple(
        fc.constant(shape),
        fc.nat(shape.length - 1),
        fc.array(fc.integer({ min: 0, max: maxPartDim }), { minLength: 1, maxLength: 4 }),
        fc.constant(dtype),
      ),
    )
    .chain(([shape, axis, dims, dtype]) =>
      fc.tuple(
        fc.tuple(
          ...dims.map((dim) => {
            const partShape = shape.slice();
            partShape[axis] = dim;
            return tensorArb(partShape, dtype).chain((t) => fc.oneof(fc.constant(t), stridedViewArb(t)));
          }),
        ),
        fc.constant(axis),
      ),
    );
}

/** Small parts: most blocks are short, so concat copies them by a loop. */
const concatCaseArb = concatCaseArbOf({ minRank: 1, maxRank: 3 }, 4);
/** Larger parts: many blocks are long enough for concat to copy them with TypedArray.set. */
const longBlockCaseArb = concatCaseArbOf({ minRank: 1, maxRank: 3, maxDim: 12 }, 12);

/** 1–4 tensors of one shape and dtype, and an axis for the new dim (0 … rank). */
const stackCaseArb = fc
  .tuple(shapeArb({ maxRank: 3 }), dtypeArb, fc.integer({ min: 1, max: 4 }))
  .chain(([shape, dtype, count]) =>
    fc.tuple(
      fc.array(
        tensorArb(shape, dtype).chain((t) => fc.oneof(fc.constant(t), stridedViewArb(t))),
        { minLength: count, maxLength: count },
      ),
      fc.integer({ min: 0, max: shape.length }),
    ),
  );

describe('concat', () => {
  it('matches nested-array joining, for every dtype and packed or strided inputs', () => {
    fc.assert(
      fc.property(concatCaseArb, ([parts, axis]) => {
        const y = concat(parts, axis);
        const shape = parts[0].shape.slice();
        shape[axis] = parts.reduce((total, p) => total + p.shape[axis], 0);
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe(parts[0].dtype);
        expect(y.isContiguous).toBe(true);
        expect(y.toArray()).toEqual(concatNested(parts.map((p) => p.toArray()), axis));
        // A negative axis names the same axis.
        expect(flatValues(concat(parts, axis - parts[0].rank))).toEqual(flatValues(y));
      }),
    );
  });

  it('fast path equals the reference loop, for short and long blocks', () => {
    fc.assert(
      fc.property(fc.oneof(concatCaseArb, longBlockCaseArb), ([parts, axis]) => {
        const fast = concat(parts, axis);
        const reference = concatReference(parts, axis);
        expect(reference.shape).toEqual(fast.shape);
        expect(reference.dtype).toBe(fast.dtype);
        expect(Array.from(reference.data)).toEqual(Array.from(fast.data));
      }),
    );
  });

  it('slicing the result gives back the parts, and inputs are not written', () => {
    fc.assert(
      fc.property(concatCaseArb, ([parts, axis]) => {
        const before = parts.map((p) => Array.from(p.data));
        const y = concat(parts, axis);
        let start = 0;
        for (const part of parts) {
          const back = slice(y, axis, start, start + part.shape[axis]);
          expect(back.shape).toEqual(part.shape);
          expect(flatValues(back)).toEqual(flatValues(part));
          start += part.shape[axis];
        }
        parts.forEach((p, k) => expect(Array.from(p.data)).toEqual(before[k]));
      }),
    );
  });

  it('refuses an empty list, mixed dtypes, mismatching shapes, scalars and bad axes', () => {
    expectOpError(() => concat([]), 'concat', 'empty');
    expectOpError(() => concat([zeros([2]), 3 as unknown as Tensor]), 'concat', 'element 1');
    expectOpError(
      () => concat([zeros([2, 3]), zeros([2, 3], 'float64'), zeros([1, 3], 'int32')]),
      'concat',
      'float32',
      'tensor 1 [2,3] is float64',
      'tensor 2 [1,3] is int32',
    );
    expectOpError(
      () => concat([zeros([2, 3]), zeros([2, 4]), zeros([5, 3]), zeros([2, 3, 1])], 0),
      'concat',
      'axis 0',
      'tensor 0 has [2,3]',
      'tensor 1 has [2,4]',
      'tensor 3 has [2,3,1]',
    );
    // Along axis 1 the [2,4] fits and the [5,3] does not.
    expectOpError(() => concat([zeros([2, 3]), zeros([2, 4]), zeros([5, 3])], -1), 'concat', 'axis 1', 'tensor 2 has [5,3]');
    expectOpError(() => concat([tensor(1), tensor(2)]), 'concat', 'scalars', '[]');
    expectOpError(() => concat([zeros([2, 3]), zeros([2, 3])], 2), 'concat', 'axis 2', 'rank 2');
  });
});

describe('stack', () => {
  it('matches nested-array stacking, and slicing gives back each part', () => {
    fc.assert(
      fc.property(stackCaseArb, ([parts, axis]) => {
        const y = stack(parts, axis);
        const shape = [...parts[0].shape.slice(0, axis), parts.length, ...parts[0].shape.slice(axis)];
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe(parts[0].dtype);
        expect(y.toArray()).toEqual(stackNested(parts.map((p) => p.toArray()), axis));
        parts.forEach((part, k) => {
          const back = squeeze(slice(y, axis, k, k + 1), axis);
          expect(back.shape).toEqual(part.shape);
          expect(flatValues(back)).toEqual(flatValues(part));
        });
        expect(flatValues(stack(parts, axis - parts[0].rank - 1))).toEqual(flatValues(y));
      }),
    );
  });

  it('refuses an empty list, mixed dtypes, different shapes and bad axes', () => {
    expectOpError(() => stack([]), 'stack', 'empty');
    expectOpError(() => stack([zeros([2]), zeros([2], 'int32')]), 'stack', 'float32', 'tensor 1 [2] is int32');
    expectOpError(
      () => stack([zeros([2, 3]), zeros([3, 2]), zeros([2, 3]), zeros([6])]),
      'stack',
      'same shape',
      'tensor 0 has [2,3]',
      'tensor 1 has [3,2]',
      'tensor 3 has [6]',
    );
    expectOpError(() => stack([zeros([2, 3]), zeros([2, 3])], 3), 'stack', 'axis 3', 'rank 3');
  });
});

describe('views compose over one storage', () => {
  it('a chain of views reads like the same chain on a packed copy', () => {
    fc.assert(
      fc.property(permuteCaseArb, fc.nat(), ([x, order], cut) => {
        if (x.rank === 0) return;
        const chain = (t: Tensor): Tensor => unsqueeze(slice(permute(t, order), 0, cut % (x.shape[order[0]] + 1), undefined, 2), -1);
        const viewed = chain(x);
        expect(viewed.data).toBe(x.data);
        const packed = chain(new Tensor(x.toTypedArray(), x.shape.slice()));
        expect(viewed.shape).toEqual(packed.shape);
        expect(viewed.toArray()).toEqual(packed.toArray());
        expect(flatValues(reshape(viewed, [-1]))).toEqual(flatValues(packed));
      }),
    );
  });

  it('arange views: transpose then reshape copies in the transposed order', () => {
    // Row-major position of [j, i] in the transposed [3,2] is j·2 + i; its value is x[i, j] = 3i + j.
    const y = reshape(transpose(reshape(arange(6), [2, 3])), [6]);
    const expected = indicesOf([3, 2]).map(([j, i]) => 3 * i + j);
    expect(flatValues(y)).toEqual(expected);
  });
});
