import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../src/tensor/errors.js';
import {
  type ReduceOp,
  type ReductionPath,
  argmax,
  argmin,
  max,
  mean,
  min,
  norm,
  reduceReference,
  reductionPath,
  sum,
  variance,
} from '../src/tensor/reduce.js';
import { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/creation.js';
import { contiguousStrides, sizeOf } from '../src/tensor/shape.js';
import { flatValues, shapeArb, stridedViewArb, tensorArb, valueArb } from './support/arbitraries.js';
import { indicesOf } from './support/expect.js';

// ---------------------------------------------------------------------------------------------
// Oracles, written here in float64 without the library's planning code.
// ---------------------------------------------------------------------------------------------


type Oracle = { shape: number[]; values: number[]; dtype: string };

/**
 * For each kept multi-index (row-major), the list of its elements in row-major order over the
 * reduced axes, then the definition applied to the list.
 */
function oracle(op: ReduceOp, x: Tensor, axesIn: number | number[] | undefined, keepDims: boolean, correction = 0): Oracle {
  const rank = x.rank;
  const axes =
    axesIn === undefined
      ? Array.from({ length: rank }, (_, a) => a)
      : (typeof axesIn === 'number' ? [axesIn] : axesIn).map((a) => (a < 0 ? a + rank : a));
  const isReduced = (a: number) => axes.includes(a);
  const kept = x.shape.map((_, a) => a).filter((a) => !isReduced(a));
  const reduced = x.shape.map((_, a) => a).filter(isReduced);
  const flat = flatValues(x);
  const strides = contiguousStrides(x.shape);
  const values: number[] = [];
  for (const keptIndex of indicesOf(kept.map((a) => x.shape[a]))) {
    const list: number[] = [];
    for (const reducedIndex of indicesOf(reduced.map((a) => x.shape[a]))) {
      let position = 0;
      kept.forEach((a, k) => (position += keptIndex[k] * strides[a]));
      reduced.forEach((a, k) => (position += reducedIndex[k] * strides[a]));
      list.push(flat[position]);
    }
    values.push(apply(op, list, correction));
  }
  const shape = keepDims ? x.shape.map((d, a) => (isReduced(a) ? 1 : d)) : kept.map((a) => x.shape[a]);
  const floatOut = x.dtype === 'int32' ? 'float32' : x.dtype;
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : op === 'sum' || op === 'max' || op === 'min' ? x.dtype : floatOut;
  return { shape, values, dtype };
}

function apply(op: ReduceOp, list: number[], correction: number): number {
  let total = 0;
  for (const v of list) total += v;
  const n = list.length;
  switch (op) {
    case 'sum':
      return total;
    case 'mean':
      return total / n;
    case 'max':
    case 'min': {
      if (list.some(Number.isNaN)) return NaN;
      const sorted = list.slice().sort((a, b) => a - b);
      return op === 'max' ? sorted[n - 1] : sorted[0];
    }
    case 'argmax':
    case 'argmin': {
      let at = 0;
      for (let i = 1; i < n; i++) {
        if (Number.isNaN(list[at])) break;
        if (Number.isNaN(list[i]) || (op === 'argmax' ? list[i] > list[at] : list[i] < list[at])) at = i;
      }
      return at;
    }
    case 'norm1':
      return list.reduce((s, v) => s + Math.abs(v), 0);
    case 'norm2':
      return Math.sqrt(list.reduce((s, v) => s + v * v, 0));
    case 'variance': {
      const m = total / n;
      return list.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(0, n - correction);
    }
  }
}

/** Runs the public op, as a user would call it. */
function run(op: ReduceOp, x: Tensor, axes: number | number[] | undefined, keepDims: boolean, correction?: number): Tensor {
  const options = { keepDims };
  switch (op) {
    case 'sum':
      return sum(x, axes, options);
    case 'mean':
      return mean(x, axes, options);
    case 'max':
      return max(x, axes, options);
    case 'min':
      return min(x, axes, options);
    case 'argmax':
      return argmax(x, axes as number | undefined, options);
    case 'argmin':
      return argmin(x, axes as number | undefined, options);
    case 'norm1':
      return norm(x, 1, axes, options);
    case 'norm2':
      return norm(x, 2, axes, options);
    case 'variance':
      return variance(x, axes, { keepDims, correction });
  }
}

/** Same value: equal (so 0 and −0 match) or both NaN. */
function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Same shape, dtype and values as the reference (NaN matches NaN). max, min and the arg ops must
 * match bit for bit. The additive ops may differ by float64 re-association (the `runs` path keeps
 * four partial sums): at most n·ε₆₄·Σ|term|, rounded to the output dtype.
 */
function expectSame(got: Tensor, want: Tensor, op?: ReduceOp, x?: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = flatValues(got);
  const w = flatValues(want);
  const additive = op !== undefined && !EXTREMA.has(op) && x !== undefined;
  const slack = additive ? x.size * 2 ** -52 * scaleOf(x) : 0;
  const ulp = got.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  for (let k = 0; k < g.length; k++) {
    if (same(g[k], w[k])) continue;
    if (additive && Math.abs(g[k] - w[k]) <= slack + ulp * Math.abs(w[k])) continue;
    expect.fail(`element ${k}: fast ${g[k]}, reference ${w[k]}`);
  }
}

/**
 * `got` matches the float64 oracle: exactly for max/min/arg ops, within rounding for the sums.
 * `scale` bounds the size of the terms summed (for float64 re-association error).
 */
function expectMatches(op: ReduceOp, got: Tensor, want: Oracle, scale: number): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const values = flatValues(got);
  expect(values.length).toBe(want.values.length);
  const exact = op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin';
  const relative = got.dtype === 'float64' ? 1e-12 : 2e-7;
  for (let k = 0; k < values.length; k++) {
    const w = want.values[k];
    if (exact || !Number.isFinite(w)) {
      if (!same(values[k], w)) expect.fail(`${op}: element ${k} is ${values[k]}, oracle ${w}`);
    } else if (Math.abs(values[k] - w) > relative * Math.abs(w) + 1e-12 * scale) {
      expect.fail(`${op}: element ${k} is ${values[k]}, oracle ${w}`);
    }
  }
}

/** Σ|x| and Σx², the largest sizes a sum, norm or variance can meet. */
function scaleOf(x: Tensor): number {
  const flat = flatValues(x);
  return flat.reduce((s, v) => s + Math.abs(v) + v * v, 1);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** undefined (all axes), one axis (maybe negative), or a shuffled subset of axes. */
function axesArb(rank: number): fc.Arbitrary<number | number[] | undefined> {
  const options: fc.Arbitrary<number | number[] | undefined>[] = [fc.constant(undefined)];
  const all = Array.from({ length: rank }, (_, a) => a);
  options.push(fc.shuffledSubarray(all).chain((axes) => fc.tuple(...axes.map((a) => fc.constantFrom(a, a - rank))).map((list) => list as number[])));
  if (rank > 0) options.push(fc.integer({ min: -rank, max: rank - 1 }));
  return fc.oneof(...options);
}

/** One axis or undefined, as argmax takes. */
function argAxisArb(rank: number): fc.Arbitrary<number | undefined> {
  return rank === 0 ? fc.constant(undefined) : fc.oneof(fc.constant(undefined), fc.integer({ min: -rank, max: rank - 1 }));
}

/** A tensor of a random shape, contiguous or a strided view of it, in float32 or float64. */
const inputArb = fc
  .tuple(shapeArb(), fc.constantFrom('float32' as const, 'float64' as const), fc.boolean())
  .chain(([shape, dtype, strided]) => tensorArb(shape, dtype).chain((t) => (strided ? stridedViewArb(t) : fc.constant(t))));

const OPS: ReduceOp[] = ['sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'norm1', 'norm2', 'variance'];
const EXTREMA = new Set<ReduceOp>(['max', 'min', 'argmax', 'argmin']);

/** Whether some output would fold zero elements (an error for max/min/arg ops). */
function emptyFold(x: Tensor, axes: number | number[] | undefined): boolean {
  const list = axes === undefined ? x.shape.map((_, a) => a) : (typeof axes === 'number' ? [axes] : axes).map((a) => (a + x.rank) % x.rank);
  const count = sizeOf(list.map((a) => x.shape[a]));
  const outSize = sizeOf(x.shape.filter((_, a) => !list.includes(a)));
  return count === 0 && outSize > 0;
}

const caseArb = (op: ReduceOp) =>
  inputArb.chain((x) =>
    fc.record({
      x: fc.constant(x),
      axes: EXTREMA.has(op) && op.startsWith('arg') ? argAxisArb(x.rank) : axesArb(x.rank),
      keepDims: fc.boolean(),
      correction: fc.constantFrom(0, 1, 2, 0.5),
    }),
  );

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('sum over all axes', () => {
  it('equals nested sums in float64', () => {
    const nested = (value: unknown): number => (Array.isArray(value) ? value.reduce((s: number, v) => s + nested(v), 0) : (value as number));
    fc.assert(
      fc.property(inputArb, (x) => {
        const got = sum(x);
        expect(got.shape).toEqual([]);
        const want = nested(x.toArray());
        const tolerance = (x.dtype === 'float64' ? 1e-12 : 2e-7) * Math.abs(want) + 1e-12 * scaleOf(x);
        expect(Math.abs(got.item() - want)).toBeLessThanOrEqual(tolerance);
      }),
    );
  });
});

describe('each reduction matches a float64 oracle', () => {
  for (const op of OPS) {
    it(`${op}: random shapes, axes, keepDims, strided views, 0-size dims`, () => {
      fc.assert(
        fc.property(caseArb(op), ({ x, axes, keepDims, correction }) => {
          if (EXTREMA.has(op) && emptyFold(x, axes)) {
            expect(() => run(op, x, axes, keepDims)).toThrow(TensorError);
            return;
          }
          const got = run(op, x, axes, keepDims, correction);
          expectMatches(op, got, oracle(op, x, axes, keepDims, correction), scaleOf(x));
        }),
      );
    });
  }

  it('reduces 0-size dims: sum 0, mean NaN, norm 0, max over a kept 0-size axis is empty', () => {
    const shapeWithZero = shapeArb({ minRank: 1 }).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).map((zeroAt) => shape.map((d, a) => (a === zeroAt ? 0 : d))),
    );
    fc.assert(
      fc.property(
        shapeWithZero.chain((shape) => fc.tuple(tensorArb(shape), axesArb(shape.length), fc.boolean())),
        ([x, axes, keepDims]) => {
          for (const op of OPS) {
            const axisForOp = op.startsWith('arg') ? (typeof axes === 'number' ? axes : undefined) : axes;
            if (EXTREMA.has(op) && emptyFold(x, axisForOp)) {
              expect(() => run(op, x, axisForOp, keepDims)).toThrow(/cannot reduce over zero elements/);
              continue;
            }
            expectMatches(op, run(op, x, axisForOp, keepDims), oracle(op, x, axisForOp, keepDims), 1);
          }
        },
      ),
    );
  });

  it('propagates NaN through max and min; argmax/argmin point at the first NaN', () => {
    const withNaN = shapeArb({ minRank: 1, allowZero: false }).chain((shape) =>
      fc.tuple(
        fc.array(fc.oneof({ weight: 4, arbitrary: valueArb }, { weight: 1, arbitrary: fc.constant(NaN) }), {
          minLength: sizeOf(shape),
          maxLength: sizeOf(shape),
        }),
        fc.constant(shape),
      ),
    );
    fc.assert(
      fc.property(
        withNaN.chain(([values, shape]) => fc.tuple(fc.constant(tensor(values, shape)), axesArb(shape.length), argAxisArb(shape.length))),
        ([x, axes, axis]) => {
          for (const op of ['max', 'min'] as const) expectMatches(op, run(op, x, axes, false), oracle(op, x, axes, false), 1);
          for (const op of ['argmax', 'argmin'] as const) expectMatches(op, run(op, x, axis, false), oracle(op, x, axis, false), 1);
        },
      ),
    );
  });

  it('int32: sum/max/min stay int32, mean/norm/variance give float32, argmax gives int32', () => {
    fc.assert(
      fc.property(
        shapeArb().chain((shape) => fc.tuple(tensorArb(shape, 'int32'), axesArb(shape.length), argAxisArb(shape.length), fc.boolean())),
        ([x, axes, axis, keepDims]) => {
          for (const op of OPS) {
            const a = op.startsWith('arg') ? axis : axes;
            if (EXTREMA.has(op) && emptyFold(x, a)) continue;
            expectMatches(op, run(op, x, a, keepDims), oracle(op, x, a, keepDims), scaleOf(x));
          }
        },
      ),
    );
  });

  it('variance: correction 0 is the population variance, 1 the unbiased one', () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 2, maxLength: 30 }),
        (list) => {
          const x = tensor(list, undefined, 'float64');
          const m = list.reduce((s, v) => s + v, 0) / list.length;
          const squares = list.reduce((s, v) => s + (v - m) ** 2, 0);
          expect(variance(x).item()).toBeCloseTo(squares / list.length, 10);
          expect(variance(x, 0, { correction: 1 }).item()).toBeCloseTo(squares / (list.length - 1), 10);
        },
      ),
    );
  });
});

describe('fast paths equal the reference', () => {
  it('every op, every path: bit for bit (sums: to float64 rounding), and the input is left untouched', () => {
    const seen = new Set<ReductionPath>();
    fc.assert(
      fc.property(fc.constantFrom(...OPS).chain((op) => fc.tuple(fc.constant(op), caseArb(op))), ([op, { x, axes, keepDims, correction }]) => {
        if (EXTREMA.has(op) && emptyFold(x, axes)) return;
        const before = Array.from(x.data);
        const got = run(op, x, axes, keepDims, correction);
        const want = reduceReference(op, x, axes, { keepDims, correction });
        seen.add(reductionPath(x, axes));
        expectSame(got, want, op, x);
        const after = Array.from(x.data);
        for (let k = 0; k < before.length; k++) if (!same(before[k], after[k])) expect.fail(`${op} wrote into its input`);
      }),
      { numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(['rows', 'runs', 'strided']);
  });

  it('the bias-gradient case (leading axes, rows path) and row sums (runs path) on larger inputs', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 0, max: 3 })).chain(([rows, cols, lead]) =>
          tensorArb(lead === 0 ? [rows, cols] : [lead, rows, cols], 'float64'),
        ),
        (x) => {
          const leading = x.rank === 2 ? 0 : [0, 1];
          expect(reductionPath(x, leading)).toBe('rows');
          expect(reductionPath(x, -1)).toBe('runs');
          for (const op of ['sum', 'variance', 'norm1', 'norm2', 'max', 'argmin'] as const) {
            const axesFor = op === 'argmin' ? 0 : leading;
            expectSame(run(op, x, axesFor, false), reduceReference(op, x, axesFor), op, x);
            expectSame(run(op, x, -1, true), reduceReference(op, x, -1, { keepDims: true }), op, x);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reductionPath names the layout', () => {
    const x = tensor(new Float32Array(24), [2, 3, 4]);
    expect(reductionPath(x, 2)).toBe('runs');
    expect(reductionPath(x, [1, 2])).toBe('runs');
    expect(reductionPath(x, undefined)).toBe('runs');
    expect(reductionPath(x, 0)).toBe('rows');
    expect(reductionPath(x, 1)).toBe('rows');
    expect(reductionPath(x, [0, 2])).toBe('strided');
    const transposed = new Tensor(x.data, [4, 3, 2], [1, 4, 12]);
    expect(reductionPath(transposed, 2)).toBe('strided');
  });
});

describe('errors', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);

  it('an axis out of range or listed twice names the op, the axis and the shape', () => {
    for (const op of OPS) {
      expect(() => run(op, x, 2, false)).toThrow(new RegExp(`^${op.replace(/\d$/, '')}: axis 2 is out of range.*shape \\[2,3\\]`));
      expect(() => run(op, x, -3, false)).toThrow(TensorError);
      expect(() => run(op, x, 0.5, false)).toThrow(TensorError);
    }
    for (const op of ['sum', 'mean', 'max', 'min', 'norm1', 'norm2', 'variance'] as const) {
      expect(() => run(op, x, [0, -2], false)).toThrow(/axis 0 is listed twice in \[0,-2\]; shape \[2,3\]/);
    }
  });

  it('max, min, argmax, argmin of an empty set name the op and the shape', () => {
    const empty = tensor(new Float32Array(0), [2, 0]);
    for (const op of ['max', 'min', 'argmax', 'argmin'] as const) {
      expect(() => run(op, empty, op.startsWith('arg') ? 1 : 1, false)).toThrow(new RegExp(`^${op}: cannot reduce over zero elements: shape \\[2,0\\]`));
      expect(() => run(op, tensor(new Float32Array(0), [0]), undefined, false)).toThrow(TensorError);
    }
    // An empty output reduces nothing, so it is fine.
    expect(max(tensor(new Float32Array(0), [0, 3]), 1).shape).toEqual([0]);
  });

  it('argmax/argmin take one axis, not a list', () => {
    expect(() => argmax(x, [0, 1] as unknown as number)).toThrow(/^argmax: axis must be a single number.*shape \[2,3\]/);
    expect(() => argmin(x, [0] as unknown as number)).toThrow(/^argmin: axis must be a single number/);
  });

  it('norm accepts p = 1 or 2 only', () => {
    for (const p of [0, 3, Infinity, NaN]) expect(() => norm(x, p as 1)).toThrow(/^norm: p must be 1 or 2.*shape \[2,3\]/);
  });

  it('variance rejects a negative or non-finite correction', () => {
    for (const correction of [-1, NaN, Infinity]) {
      expect(() => variance(x, 0, { correction })).toThrow(/^variance: correction must be a finite number ≥ 0.*shape \[2,3\]/);
    }
  });

  it('an int32 sum outside the int32 range is an error, not a wrap-around', () => {
    const big = tensor([2_000_000_000, 2_000_000_000], [2], 'int32');
    expect(() => sum(big)).toThrow(/^sum: int32 result 4000000000 does not fit in int32 \(shape \[2\]\)/);
    expect(max(big).item()).toBe(2_000_000_000);
  });

  it('non-tensors and malformed axes or options are errors naming the op', () => {
    expect(() => sum([1, 2] as unknown as Tensor)).toThrow(/^sum: expected a Tensor/);
    expect(() => argmax({} as unknown as Tensor)).toThrow(/^argmax: expected a Tensor/);
    expect(() => mean(x, '0' as unknown as number)).toThrow(/^mean: axes must be a number/);
    expect(() => max(x, 0, 5 as unknown as { keepDims: boolean })).toThrow(/^max: options must be an object/);
  });
});
