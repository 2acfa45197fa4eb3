/**
 * Comparing tensors as wholes: `allClose` (equal within a tolerance, like NumPy's `allclose`)
 * and `arrayEqual` (same shape, same values).
 *
 * Two elements a and b are *close* when
 *
 *     |a − b| ≤ atol + rtol · |b|
 *
 * (NumPy's rule; note that it measures the relative error against b, so put the reference
 * values, e.g. a float64 oracle, second). Equal infinities are close, any other infinity is not;
 * NaN is close to NaN only with `equalNaN: true`.
 *
 * The operands broadcast against each other like the elementwise ops ([2,3] against [3] compares
 * each row with the same vector), may have any strides, and may differ in dtype: a float32 result
 * checked against a float64 oracle is exactly what these are for, and comparing numbers of two
 * dtypes is well defined, unlike adding them.
 *
 * @module
 */
import { fail } from './errors.js';
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { StridedWalk, positionAt } from './walk.js';

/** Tolerances of {@link allClose}. */
export interface AllCloseOptions {
  /** Relative tolerance, a multiple of |b| (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN counts as close to NaN (default false). */
  equalNaN?: boolean;
}

/**
 * `allClose` written plainly: for every multi-index (i₀, …) of the broadcast shape, find each
 * operand's element by `offset + Σₖ iₖ · strideₖ` (stride 0 along broadcast axes) and compare.
 * The same answers as `allClose`, slower.
 */
export function allCloseReference(a: Tensor, b: Tensor, options: AllCloseOptions = {}): boolean {
  const { rtol, atol, equalNaN } = checkAllCloseArguments('allCloseReference', a, b, options);
  const shape = broadcastShapes('allCloseReference', a.shape, b.shape);
  const aStrides = broadcastStrides(a.shape, a.strides, shape);
  const bStrides = broadcastStrides(b.shape, b.strides, shape);
  const size = sizeOf(shape);
  for (let flat = 0; flat < size; flat++) {
    const aPosition = positionAt(flat, shape, aStrides, a.offset);
    const bPosition = positionAt(flat, shape, bStrides, b.offset);
    if (!elementsClose(a.data[aPosition], b.data[bPosition], rtol, atol, equalNaN)) return false;
  }
  return true;
}

/**
 * Whether every pair of elements of `a` and `b`, broadcast together, satisfies
 * |a − b| ≤ atol + rtol · |b|. Shapes that do not broadcast are an error, as in NumPy.
 *
 * @example
 * ```ts
 * allClose(tensor([1, 2]), tensor([1, 2.000001]));            // returns true
 * allClose(tensor([[1, 2], [1, 2]]), tensor([1, 2]));         // returns true (broadcast)
 * allClose(tensor([1, NaN]), tensor([1, NaN]), { equalNaN: true });   // returns true
 * ```
 */
export function allClose(a: Tensor, b: Tensor, options: AllCloseOptions = {}): boolean {
  const { rtol, atol, equalNaN } = checkAllCloseArguments('allClose', a, b, options);
  const aData = a.data;
  const bData = b.data;

  // Fast path: same shape, both packed. One flat loop over the two arrays.
  if (a.isContiguous && b.isContiguous && shapesEqual(a.shape, b.shape)) {
    const aOffset = a.offset;
    const bOffset = b.offset;
    for (let i = 0; i < a.size; i++) {
      if (!elementsClose(aData[aOffset + i], bData[bOffset + i], rtol, atol, equalNaN)) return false;
    }
    return true;
  }

  // General path: the shared walk over the broadcast shape, moving both positions by their
  // (broadcast) strides.
  const shape = broadcastShapes('allClose', a.shape, b.shape);
  const walk = new StridedWalk(shape, [broadcastStrides(a.shape, a.strides, shape), broadcastStrides(b.shape, b.strides, shape)], [a.offset, b.offset]);
  const [sa, sb] = walk.innerSteps;
  const [ra, rb] = walk.rowSteps;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, rowA = walk.starts[0], rowB = walk.starts[1]; r < walk.rows; r++, rowA += ra, rowB += rb) {
      for (let i = 0, p = rowA, q = rowB; i < walk.inner; i++, p += sa, q += sb) {
        if (!elementsClose(aData[p], bData[q], rtol, atol, equalNaN)) return false;
      }
    }
  }
  return true;
}

/**
 * Whether `a` and `b` have the same shape (no broadcasting) and the same values, counting NaN
 * equal to NaN and 0 equal to −0. The dtypes may differ: values are compared as numbers.
 *
 * @example
 * ```ts
 * arrayEqual(tensor([1, NaN]), tensor([1, NaN]));   // returns true
 * arrayEqual(tensor([1, 2]), tensor([[1, 2]]));     // returns false: shapes differ
 * ```
 */
export function arrayEqual(a: Tensor, b: Tensor): boolean {
  checkTensor('arrayEqual', 'a', a);
  checkTensor('arrayEqual', 'b', b);
  if (!shapesEqual(a.shape, b.shape)) return false;
  // With both tolerances 0, "close" means equal (and NaN matches NaN).
  return allClose(a, b, { rtol: 0, atol: 0, equalNaN: true });
}

/** The closeness rule for one pair; `b` is the reference. */
function elementsClose(a: number, b: number, rtol: number, atol: number, equalNaN: boolean): boolean {
  if (a === b) return true; // exact, and also equal infinities
  if (a !== a || b !== b) return equalNaN && a !== a && b !== b; // NaN: only NaN–NaN, when asked
  if (a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

function checkTensor(op: string, name: string, x: unknown): void {
  if (!(x instanceof Tensor)) fail(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkAllCloseArguments(
  op: string,
  a: Tensor,
  b: Tensor,
  options: AllCloseOptions,
): { rtol: number; atol: number; equalNaN: boolean } {
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  if (typeof options !== 'object' || options === null) fail(op, `options must be an object, got ${String(options)}`);
  const { rtol = 1e-5, atol = 1e-8, equalNaN = false } = options;
  if (typeof rtol !== 'number' || !(rtol >= 0) || rtol === Infinity) fail(op, `rtol must be a finite number ≥ 0, got ${String(rtol)}`);
  if (typeof atol !== 'number' || !(atol >= 0) || atol === Infinity) fail(op, `atol must be a finite number ≥ 0, got ${String(atol)}`);
  if (typeof equalNaN !== 'boolean') fail(op, `equalNaN must be true or false, got ${String(equalNaN)}`);
  // Check broadcasting up front (the error names both shapes), so every path refuses a mismatch.
  if (!shapesEqual(a.shape, b.shape)) broadcastShapes(op, a.shape, b.shape);
  return { rtol, atol, equalNaN };
}
