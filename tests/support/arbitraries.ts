/**
 * fast-check generators shared by the property tests.
 *
 * - shapes of rank 0–4 with dims 1–5 and an occasional 0;
 * - broadcast partners, made by setting dims to 1 or dropping leading axes;
 * - tensors with values in [−4, 4] (never NaN);
 * - strided views: the same values as a given tensor, stored in a permuted order with a leading
 *   gap, so that kernels meet non-contiguous inputs without the test needing the movement ops.
 */
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import { allocate } from '../../src/tensor/dtype.js';
import { contiguousStrides, sizeOf } from '../../src/tensor/shape.js';

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  maxDim?: number;
  /** Allow dims of 0 now and then (default true). */
  allowZero?: boolean;
}

/** A shape: ranks 0–4, dims 1–5, an occasional 0. */
export function shapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, maxDim = 5, allowZero = true } = options;
  const dim = allowZero
    ? fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: maxDim }) }, { weight: 1, arbitrary: fc.constant(0) })
    : fc.integer({ min: 1, max: maxDim });
  return fc.array(dim, { minLength: minRank, maxLength: maxRank });
}

/** A partner of `shape` that broadcasts with it: some dims set to 1, some leading axes dropped. */
export function broadcastPartnerArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([dropLeading, toOne]) => shape.map((dim, axis) => (toOne[axis] ? 1 : dim)).slice(dropLeading));
}

/** Two shapes that broadcast, in either order. */
export function broadcastPairArb(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(options).chain((shape) =>
    fc.tuple(broadcastPartnerArb(shape), fc.boolean()).map(([partner, swap]) =>
      swap ? ([partner, shape] as [number[], number[]]) : ([shape, partner] as [number[], number[]]),
    ),
  );
}

/** Values in [−4, 4], exactly representable in float32. */
export const valueArb = fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }).map(Math.fround);

/** A contiguous tensor of the given shape and dtype with values in [−4, 4]. */
export function tensorArb(shape: readonly number[], dtype: DType = 'float32'): fc.Arbitrary<Tensor> {
  const size = sizeOf(shape);
  const values = dtype === 'int32' ? fc.integer({ min: -4, max: 4 }) : valueArb;
  return fc.array(values, { minLength: size, maxLength: size }).map((list) => {
    const storage = allocate(dtype, size);
    storage.set(list);
    return new Tensor(storage, shape.slice());
  });
}

/** A random shape, then a tensor of it. */
export function anyTensorArb(options: ShapeOptions = {}, dtype: DType = 'float32'): fc.Arbitrary<Tensor> {
  return shapeArb(options).chain((shape) => tensorArb(shape, dtype));
}

/**
 * The same values as `t`, stored differently: axes laid out in a random order, after a gap of
 * `gap` unused elements. The result is usually not contiguous but reads exactly like `t`.
 */
export function stridedViewArb(t: Tensor): fc.Arbitrary<Tensor> {
  const rank = t.rank;
  return fc
    .tuple(fc.shuffledSubarray(Array.from({ length: rank }, (_, k) => k), { minLength: rank, maxLength: rank }), fc.integer({ min: 0, max: 3 }))
    .map(([order, gap]) => stridedView(t, order, gap));
}

/** `t`'s values, stored with its axes in `order` (outermost first), after `gap` unused slots. */
export function stridedView(t: Tensor, order: readonly number[], gap: number): Tensor {
  const storedShape = order.map((axis) => t.shape[axis]);
  const storedStrides = contiguousStrides(storedShape);
  const strides = new Array<number>(t.rank);
  order.forEach((axis, position) => (strides[axis] = storedStrides[position]));
  const storage = allocate(t.dtype, gap + t.size);
  storage.fill(Number.NaN); // the gap must never be read
  const source = t.toTypedArray();
  const tStrides = contiguousStrides(t.shape);
  for (let flat = 0; flat < t.size; flat++) {
    let position = gap;
    for (let axis = 0; axis < t.rank; axis++) position += Math.floor(flat / tStrides[axis]) % t.shape[axis] * strides[axis];
    storage[position] = source[flat];
  }
  return new Tensor(storage, t.shape.slice(), strides, gap);
}

/** The elements of a tensor in row-major order, as plain numbers. */
export function flatValues(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}
