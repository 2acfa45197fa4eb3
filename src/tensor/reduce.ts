/**
 * Reductions: collapse some axes of a tensor into one number per remaining position.
 *
 * For x of shape [d₀, …, dₙ₋₁] reduced over a set of axes R, the output keeps the other axes
 * (or keeps every axis with size 1 at R, with `keepDims`), and each output element folds the
 * n_R = Π_{a∈R} d_a input elements that share its kept coordinates:
 *
 *     sum       y = Σᵢ xᵢ
 *     mean      y = (1/n) Σᵢ xᵢ                      (NaN when n = 0, like NumPy)
 *     max, min  y = maxᵢ xᵢ, minᵢ xᵢ                  (NaN if any xᵢ is NaN)
 *     argmax    y = the first i with xᵢ = maxⱼ xⱼ     (int32; over all axes, the row-major flat index)
 *     norm      ‖x‖₁ = Σᵢ |xᵢ|,   ‖x‖₂ = √(Σᵢ xᵢ²)
 *     variance  y = Σᵢ (xᵢ − x̄)² / max(0, n − correction),  x̄ = mean; correction 0 = population
 *
 * Shapes: sum of [1024,100] over axis 0 → [100]; with `keepDims` → [1,100]; over all axes → [].
 *
 * Numbers are accumulated in JavaScript numbers (float64) even for float32 data, and rounded to
 * the output dtype once, at the end. The `rows` and `strided` paths add the elements of each
 * output in the same order as the reference (row-major), so they agree with it bit for bit; the
 * `runs` path keeps four partial sums for speed, so its sums agree to float64 rounding. max, min
 * and the arg ops agree bit for bit on every path.
 *
 * dtypes: sum, max, min keep the input's dtype (an int32 sum that leaves the int32 range is a
 * TensorError, not a wrap-around); mean, norm and variance of int32 data return float32, the
 * working type; argmax and argmin return int32 indices.
 *
 * How the work is laid out (see {@link reductionPath}):
 *
 * - `runs`: a contiguous input reduced over its trailing axes. Each output folds one unbroken run
 *   of memory, e.g. the row sums of [1024,100] are 1024 runs of 100.
 * - `rows`: a contiguous input reduced over a block of consecutive axes followed by kept axes,
 *   viewed as [outer, rows, inner]. Each row is added into an output vector of length `inner`
 *   with unit stride. Reducing the leading axes (outer = 1) is the bias gradient: the sum over the
 *   batch of a [1024,100] gradient.
 * - `strided`: anything else (any strides, offsets, broadcast axes, scattered axes). An odometer
 *   walks the input in row-major order and carries the output slot along with the position.
 *
 * {@link reduceReference} computes the same results in the plainest way: it lists each output's
 * elements and applies the definition above. It is the one to read first.
 *
 * Reading order, top to bottom: the reference, the public reductions (each a few lines: plan,
 * fold, finish), then the planning helpers and the folds, fast paths last. To follow `sum`: its
 * definition is the `'sum'` case of {@link reduceReference}; its fast path is {@link sum} → `addFold`
 * → `addRuns` / `addRows` / `addStrided`; its backward is the `sum` row of the rule table at the
 * top of `autograd/ops/reduce.ts` (dx = dy copied along the reduced axes). Every reduction's
 * backward is its row in that table, beside its forward.
 *
 * @module
 */
import { type DType, allocate, isFloat } from './dtype.js';
import { TensorError, fail, formatShape } from './errors.js';
import { normalizeAxes, normalizeAxis, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { StridedWalk, positionAt } from './walk.js';

/** Which axes to reduce: one axis, a list of axes (negative counts from the end), or `undefined` for all. */
export type Axes = number | readonly number[] | undefined;

/** Options every reduction takes. */
export interface ReduceOptions {
  /** Keep the reduced axes as size-1 dims, so the result broadcasts against the input. Default false. */
  keepDims?: boolean;
}

/** Options for {@link variance}. */
export interface VarianceOptions extends ReduceOptions {
  /**
   * Subtracted from the count in the divisor, like PyTorch's `correction`: 0 (the default) is the
   * population variance Σ(x − x̄)²/n, 1 is the unbiased sample variance Σ(x − x̄)²/(n − 1).
   */
  correction?: number;
}

/** The reductions {@link reduceReference} knows; `norm1` and `norm2` are the L1 and L2 norms. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin' | 'norm1' | 'norm2' | 'variance';

/** The three loop layouts a reduction can take; see the module notes. */
export type ReductionPath = 'runs' | 'rows' | 'strided';

// ---------------------------------------------------------------------------------------------
// The reference: list each output's elements, then apply the definition.
// ---------------------------------------------------------------------------------------------

/**
 * The plain definition of every reduction, for reading and for testing the fast paths against.
 *
 * It visits the elements in row-major order, finds each one's place in memory and its output slot
 * from its multi-index (by division, one element at a time), collects each slot's elements in a
 * list, and then applies the formula from the module notes to each list.
 *
 * @param op - which reduction; `norm1`/`norm2` are {@link norm} with p = 1 / 2.
 * @param x - the input.
 * @param axes - the axes to reduce; `argmax`/`argmin` accept one axis or undefined.
 * @param options - `keepDims`, and `correction` for `variance`.
 *
 * @example
 * ```ts
 * reduceReference('sum', tensor([[1, 2], [3, 4]]), 0).toArray();   // returns [4, 6]
 * ```
 */
export function reduceReference(op: ReduceOp, x: Tensor, axes?: Axes, options?: VarianceOptions): Tensor {
  if (op === 'argmax' || op === 'argmin') {
    if (Array.isArray(axes) && axes.length === 1) axes = axes[0] as number;
    axes = argAxes(op, x, axes as number | undefined);
  }
  const plan = planReduction(op, x, axes, options);
  if (op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin') checkNotEmpty(op, x, plan);
  const correction = op === 'variance' ? checkCorrection(x, options) : 0;

  // Output strides over the input's axes: 0 on a reduced axis, so all its elements share a slot.
  const outStrides = outputStrides(x.shape, plan.reduced);
  const lists: number[][] = Array.from({ length: plan.outSize }, () => []);
  for (let flat = 0; flat < x.size; flat++) {
    const position = positionAt(flat, x.shape, x.strides, x.offset);
    const slot = positionAt(flat, x.shape, outStrides, 0);
    lists[slot].push(x.data[position]);
  }

  const results = new Float64Array(plan.outSize);
  for (let slot = 0; slot < plan.outSize; slot++) {
    const list = lists[slot];
    const n = list.length;
    const total = list.reduce((acc, v) => acc + v, 0);
    switch (op) {
      case 'sum':
        results[slot] = total;
        break;
      case 'mean':
        results[slot] = total / n;
        break;
      case 'max':
        results[slot] = list.reduce((acc, v) => Math.max(acc, v), -Infinity);
        break;
      case 'min':
        results[slot] = list.reduce((acc, v) => Math.min(acc, v), Infinity);
        break;
      case 'argmax':
      case 'argmin': {
        // The first NaN if there is one, else the first position of the extreme value.
        const firstNaN = list.findIndex((v) => Number.isNaN(v));
        const extreme = op === 'argmax' ? list.reduce((acc, v) => Math.max(acc, v), -Infinity) : list.reduce((acc, v) => Math.min(acc, v), Infinity);
        results[slot] = firstNaN >= 0 ? firstNaN : list.indexOf(extreme);
        break;
      }
      case 'norm1':
        results[slot] = list.reduce((acc, v) => acc + Math.abs(v), 0);
        break;
      case 'norm2':
        results[slot] = Math.sqrt(list.reduce((acc, v) => acc + v * v, 0));
        break;
      case 'variance': {
        const average = total / n;
        const squares = list.reduce((acc, v) => acc + (v - average) * (v - average), 0);
        results[slot] = squares / Math.max(0, n - correction);
        break;
      }
      default:
        fail('reduceReference', `unknown reduction ${String(op)}`);
    }
  }
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : op === 'sum' || op === 'max' || op === 'min' ? x.dtype : floatResult(x.dtype);
  return finish(op, results, plan, dtype, x);
}

function checkCorrection(x: Tensor, options: VarianceOptions | undefined): number {
  const correction = options?.correction ?? 0;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    fail('variance', `correction must be a finite number ≥ 0 (0 population, 1 unbiased), got ${String(correction)} for shape ${formatShape(x.shape)}`);
  }
  return correction;
}

// ---------------------------------------------------------------------------------------------
// The public reductions.
// ---------------------------------------------------------------------------------------------

/**
 * The sum over `axes`: y = Σᵢ xᵢ. An empty set sums to 0. Keeps the input's dtype; an int32
 * result outside the int32 range is a TensorError.
 *
 * @param x - the input.
 * @param axes - one axis, a list, or undefined for all axes (a scalar result).
 * @param options - `keepDims` keeps the reduced axes as size-1 dims.
 *
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]])).item();                    // returns 10
 * sum(tensor([[1, 2], [3, 4]]), 0).toArray();              // returns [4, 6]
 * sum(tensor([[1, 2], [3, 4]]), 1, { keepDims: true }).shape;   // returns [2, 1]
 * ```
 */
export function sum(x: Tensor, axes?: Axes, options?: ReduceOptions): Tensor {
  const plan = planReduction('sum', x, axes, options);
  const acc = new Float64Array(plan.outSize);
  addFold(x, plan, 'value', null, acc);
  return finish('sum', acc, plan, x.dtype, x);
}

/**
 * The mean over `axes`: y = (1/n) Σᵢ xᵢ. An empty set gives NaN, as in NumPy. int32 input gives
 * float32.
 *
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]]), 1).toArray();   // returns [1.5, 3.5]
 * ```
 */
export function mean(x: Tensor, axes?: Axes, options?: ReduceOptions): Tensor {
  const plan = planReduction('mean', x, axes, options);
  const acc = new Float64Array(plan.outSize);
  addFold(x, plan, 'value', null, acc);
  for (let slot = 0; slot < acc.length; slot++) acc[slot] /= plan.count;
  return finish('mean', acc, plan, floatResult(x.dtype), x);
}

/**
 * The largest element over `axes`. NaN propagates: any NaN makes the result NaN. Reducing an
 * empty set is a TensorError (a max of nothing has no value). Keeps the input's dtype.
 *
 * @example
 * ```ts
 * max(tensor([[1, 5], [3, 4]]), 0).toArray();   // returns [3, 5]
 * ```
 */
export function max(x: Tensor, axes?: Axes, options?: ReduceOptions): Tensor {
  return extreme('max', x, axes, options, 1);
}

/**
 * The smallest element over `axes`. NaN propagates, an empty set is a TensorError, the dtype is
 * kept; see {@link max}.
 *
 * @example
 * ```ts
 * min(tensor([[1, 5], [3, 4]]), 1).toArray();   // returns [1, 3]
 * ```
 */
export function min(x: Tensor, axes?: Axes, options?: ReduceOptions): Tensor {
  return extreme('min', x, axes, options, -1);
}

function extreme(op: 'max' | 'min', x: Tensor, axes: Axes, options: ReduceOptions | undefined, sign: 1 | -1): Tensor {
  const plan = planReduction(op, x, axes, options);
  checkNotEmpty(op, x, plan);
  const best = new Float64Array(plan.outSize);
  extremeFold(x, plan, sign, best, new Int32Array(plan.outSize));
  return finish(op, best, plan, x.dtype, x);
}

/**
 * The position of the largest element, as int32: along `axis`, or over all axes (then the
 * row-major flat index, as in NumPy). Ties go to the lowest index; a NaN counts as the largest,
 * so the first NaN's index is returned. An empty set is a TensorError.
 *
 * @param x - the input.
 * @param axis - one axis, or undefined for the flat index over all axes.
 * @param options - `keepDims` keeps the reduced axis (or all axes) as size 1.
 *
 * @example
 * ```ts
 * argmax(tensor([[1, 5], [7, 4]]), 1).toArray();   // returns [1, 0]
 * argmax(tensor([[1, 5], [7, 4]])).item();         // returns 2
 * ```
 */
export function argmax(x: Tensor, axis?: number, options?: ReduceOptions): Tensor {
  return argExtreme('argmax', x, axis, options, 1);
}

/**
 * The position of the smallest element, as int32; ties, NaN and empty sets as in {@link argmax}.
 *
 * @example
 * ```ts
 * argmin(tensor([[1, 5], [7, 4]]), 0).toArray();   // returns [0, 1]
 * ```
 */
export function argmin(x: Tensor, axis?: number, options?: ReduceOptions): Tensor {
  return argExtreme('argmin', x, axis, options, -1);
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, options: ReduceOptions | undefined, sign: 1 | -1): Tensor {
  if (!(x instanceof Tensor)) fail(op, `expected a Tensor, got ${describe(x)}`);
  const plan = planReduction(op, x, argAxes(op, x, axis), options);
  checkNotEmpty(op, x, plan);
  const at = new Int32Array(plan.outSize);
  extremeFold(x, plan, sign, new Float64Array(plan.outSize), at);
  return new Tensor(at, plan.outShape);
}

/**
 * The L1 or L2 norm over `axes`: ‖x‖₁ = Σᵢ |xᵢ|, ‖x‖₂ = √(Σᵢ xᵢ²). An empty set has norm 0.
 * int32 input gives float32.
 *
 * @param x - the input.
 * @param p - 1 or 2 (default 2).
 * @param axes - one axis, a list, or undefined for all axes.
 * @param options - `keepDims`.
 *
 * @example
 * ```ts
 * norm(tensor([3, -4])).item();      // returns 5
 * norm(tensor([3, -4]), 1).item();   // returns 7
 * norm(tensor([[3, 4], [6, 8]]), 2, 1).toArray();   // returns [5, 10]
 * ```
 */
export function norm(x: Tensor, p: 1 | 2 = 2, axes?: Axes, options?: ReduceOptions): Tensor {
  if (p !== 1 && p !== 2) {
    fail('norm', `p must be 1 or 2 (the L1 or L2 norm), got ${String(p)}${x instanceof Tensor ? ` for shape ${formatShape(x.shape)}` : ''}`);
  }
  const plan = planReduction('norm', x, axes, options);
  const acc = new Float64Array(plan.outSize);
  addFold(x, plan, p === 1 ? 'abs' : 'square', null, acc);
  if (p === 2) for (let slot = 0; slot < acc.length; slot++) acc[slot] = Math.sqrt(acc[slot]);
  return finish('norm', acc, plan, floatResult(x.dtype), x);
}

/**
 * The variance over `axes`: Σᵢ (xᵢ − x̄)² / max(0, n − correction), with x̄ the mean over the same
 * axes. The population variance by default (correction 0); `correction: 1` is the unbiased sample
 * variance, as in PyTorch. Two passes (mean, then squared deviations) keep it accurate when the
 * mean is large next to the spread. NaN when the divisor is 0. int32 input gives float32.
 *
 * @param x - the input.
 * @param axes - one axis, a list, or undefined for all axes.
 * @param options - `keepDims`, and `correction` (a finite number ≥ 0).
 *
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])).item();                      // returns 1.25
 * variance(tensor([1, 2, 3, 4]), 0, { correction: 1 }).item();   // returns 1.6666666269302368 (5/3 in float32)
 * ```
 */
export function variance(x: Tensor, axes?: Axes, options?: VarianceOptions): Tensor {
  const plan = planReduction('variance', x, axes, options);
  const correction = checkCorrection(x, options);
  const center = new Float64Array(plan.outSize);
  addFold(x, plan, 'value', null, center);
  for (let slot = 0; slot < center.length; slot++) center[slot] /= plan.count;
  const acc = new Float64Array(plan.outSize);
  addFold(x, plan, 'square', center, acc);
  const divisor = Math.max(0, plan.count - correction);
  for (let slot = 0; slot < acc.length; slot++) acc[slot] /= divisor;
  return finish('variance', acc, plan, floatResult(x.dtype), x);
}


// ---------------------------------------------------------------------------------------------
// Planning: shapes and validation, shared by the reference and the fast paths.
// ---------------------------------------------------------------------------------------------

/** What a reduction call works out before touching any element. */
interface Plan {
  /** The reduced axes, normalised and sorted. */
  axes: number[];
  /** `reduced[a]` says whether axis a is reduced. */
  reduced: boolean[];
  /** The result's shape (size-1 dims at the reduced axes with keepDims, else without them). */
  outShape: number[];
  /** The number of outputs: the product of the kept dims. */
  outSize: number;
  /** The number of inputs folded into each output: the product of the reduced dims. */
  count: number;
}

function planReduction(op: string, x: Tensor, axes: Axes, options: ReduceOptions | undefined): Plan {
  if (!(x instanceof Tensor)) fail(op, `expected a Tensor, got ${describe(x)}`);
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    fail(op, `options must be an object such as { keepDims: true }, got ${describe(options)}`);
  }
  if (axes !== undefined && typeof axes !== 'number' && !Array.isArray(axes)) {
    fail(op, `axes must be a number, an array of numbers or undefined, got ${describe(axes)}`);
  }
  const list = withShape(op, x, () => normalizeAxes(op, axes, x.rank));
  const reduced = new Array<boolean>(x.rank).fill(false);
  for (const axis of list) reduced[axis] = true;
  const keepDims = options?.keepDims === true;
  const outShape: number[] = [];
  let outSize = 1;
  let count = 1;
  for (let axis = 0; axis < x.rank; axis++) {
    if (reduced[axis]) {
      count *= x.shape[axis];
      if (keepDims) outShape.push(1);
    } else {
      outSize *= x.shape[axis];
      outShape.push(x.shape[axis]);
    }
  }
  return { axes: list, reduced, outShape, outSize, count };
}

/** max, min, argmax and argmin have no value for an empty set, so reducing one is an error. */
function checkNotEmpty(op: string, x: Tensor, plan: Plan): void {
  if (plan.count === 0 && plan.outSize > 0) {
    fail(
      op,
      `cannot reduce over zero elements: shape ${formatShape(x.shape)} over axes [${plan.axes.join(',')}] ` +
        `(${op} of an empty set is undefined; sum or mean have a value there)`,
    );
  }
}

/** argmax/argmin take one axis or all of them: their index must name one position. */
function argAxes(op: string, x: Tensor, axis: number | undefined): number | undefined {
  if (axis === undefined) return undefined;
  if (typeof axis !== 'number') {
    fail(op, `axis must be a single number or undefined (for all axes), got ${describe(axis)} for shape ${formatShape(x.shape)}`);
  }
  return withShape(op, x, () => normalizeAxis(op, axis, x.rank));
}

/** Runs an axis check from shape.ts, adding x's shape to its message, which names only the rank. */
function withShape<T>(op: string, x: Tensor, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof TensorError)) throw error;
    return fail(op, `${error.message.slice(op.length + 2)}; shape ${formatShape(x.shape)}`);
  }
}

/** The dtype of a result that is a fraction or a root: the input's float dtype, or float32 for int32. */
function floatResult(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(String).join(',')}]`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Rounds the float64 results into a tensor of `dtype`; int32 results must fit. */
function finish(op: string, values: Float64Array, plan: Plan, dtype: DType, x: Tensor): Tensor {
  const out = allocate(dtype, values.length);
  if (dtype === 'int32') {
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (v > 2147483647 || v < -2147483648) {
        fail(op, `int32 result ${v} does not fit in int32 (shape ${formatShape(x.shape)}); reduce float64 data instead`);
      }
    }
  }
  out.set(values);
  return new Tensor(out, plan.outShape);
}

// ---------------------------------------------------------------------------------------------
// Choosing the loop layout.
// ---------------------------------------------------------------------------------------------

/** The layout with its sizes: [outer, rows, inner] for `rows`, [outer, run] for `runs`. */
interface Layout {
  path: ReductionPath;
  outer: number;
  rows: number;
  inner: number;
}

function layoutOf(x: Tensor, plan: Plan): Layout {
  const { axes } = plan;
  const strided: Layout = { path: 'strided', outer: 0, rows: 0, inner: 0 };
  if (!x.isContiguous || axes.length === 0) return strided;
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (last - first + 1 !== axes.length) return strided; // the reduced axes are not one block
  const outer = sizeOf(x.shape.slice(0, first));
  const rows = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  return { path: inner === 1 ? 'runs' : 'rows', outer, rows, inner };
}

/**
 * Which loop layout reduces `x` over `axes`: `runs` (contiguous, trailing axes), `rows`
 * (contiguous, a block of axes with kept axes after it) or `strided` (everything else).
 * Exposed so that you can see which kernel your call takes, and so the tests can cover each.
 *
 * @example
 * ```ts
 * reductionPath(zeros([1024, 100]), 0);    // returns 'rows'
 * reductionPath(zeros([1024, 100]), -1);   // returns 'runs'
 * ```
 */
export function reductionPath(x: Tensor, axes?: Axes): ReductionPath {
  return layoutOf(x, planReduction('reductionPath', x, axes, undefined)).path;
}

// ---------------------------------------------------------------------------------------------
// Additive folds: acc[slot] = Σ term(x), with term = x, |x| or (x − center[slot])².
// ---------------------------------------------------------------------------------------------

/** What each element adds: itself, its absolute value, or its squared distance to the slot's center. */
type Term = 'value' | 'abs' | 'square';

/**
 * acc[slot] = Σ term(xᵢ) over each slot's elements. `center` (per output slot) shifts the squares
 * for the variance; null means 0.
 */
function addFold(x: Tensor, plan: Plan, term: Term, center: Float64Array | null, acc: Float64Array): void {
  const layout = layoutOf(x, plan);
  if (layout.path === 'runs') addRuns(x.data, x.offset, layout.outer, layout.rows, term, center, acc);
  else if (layout.path === 'rows') addRows(x.data, x.offset, layout, term, center, acc);
  else addStrided(x, plan, term, center, acc);
}

/**
 * Output o = Σ term over data[offset + o·run … offset + (o+1)·run): one unbroken run each.
 *
 * Four running sums, one per lane p mod 4, added together at the end: one sum would be a chain
 * of dependent additions, each waiting about four cycles for the last; four chains keep the adder
 * busy (measured: the sum over the last axis of [1024,100] went from 119 to 83 µs, the sum of all
 * of [1024,1024] from 1.15 to 0.73 ms). The price is a different association than the
 * reference's left-to-right sum: the two agree to float64 rounding, far below float32's, and the
 * tests hold them equal within n·ε₆₄·Σ|term|.
 */
function addRuns(
  data: ArrayLike<number>,
  offset: number,
  outer: number,
  run: number,
  term: Term,
  center: Float64Array | null,
  acc: Float64Array,
): void {
  for (let o = 0; o < outer; o++) {
    const start = offset + o * run;
    const end = start + run;
    const c = center === null ? 0 : center[o];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let p = start;
    if (term === 'value') {
      for (; p + 4 <= end; p += 4) {
        s0 += data[p]; s1 += data[p + 1]; s2 += data[p + 2]; s3 += data[p + 3];
      }
      for (; p < end; p++) s0 += data[p];
    } else if (term === 'abs') {
      for (; p + 4 <= end; p += 4) {
        s0 += Math.abs(data[p]); s1 += Math.abs(data[p + 1]); s2 += Math.abs(data[p + 2]); s3 += Math.abs(data[p + 3]);
      }
      for (; p < end; p++) s0 += Math.abs(data[p]);
    } else {
      for (; p + 4 <= end; p += 4) {
        const d0 = data[p] - c, d1 = data[p + 1] - c, d2 = data[p + 2] - c, d3 = data[p + 3] - c;
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
      }
      for (; p < end; p++) {
        const d = data[p] - c;
        s0 += d * d;
      }
    }
    acc[o] = (s0 + s1) + (s2 + s3);
  }
}

/**
 * The input read as [outer, rows, inner]: acc[o·inner + j] = Σ_r term(x[o, r, j]). Each row is
 * added into the output vector with unit stride, so memory is read once, in order.
 *
 * For plain sums (the bias gradient) four rows are added per pass over the output vector:
 * `acc + a + b + c + d` is still added left to right, in row order, so the result is the same
 * number as row by row, but the output vector is loaded and stored a quarter as often (measured
 * 2.5× faster on [1024,100]).
 */
function addRows(
  data: ArrayLike<number>,
  offset: number,
  { outer, rows, inner }: Layout,
  term: Term,
  center: Float64Array | null,
  acc: Float64Array,
): void {
  for (let o = 0; o < outer; o++) {
    const slot0 = o * inner;
    let r = 0;
    if (term === 'value') {
      for (; r + 4 <= rows; r += 4) {
        const base0 = offset + (o * rows + r) * inner;
        const base1 = base0 + inner;
        const base2 = base1 + inner;
        const base3 = base2 + inner;
        for (let j = 0; j < inner; j++) {
          acc[slot0 + j] = acc[slot0 + j] + data[base0 + j] + data[base1 + j] + data[base2 + j] + data[base3 + j];
        }
      }
    }
    for (; r < rows; r++) {
      const base = offset + (o * rows + r) * inner;
      if (term === 'value') {
        for (let j = 0; j < inner; j++) acc[slot0 + j] += data[base + j];
      } else if (term === 'abs') {
        for (let j = 0; j < inner; j++) acc[slot0 + j] += Math.abs(data[base + j]);
      } else if (center === null) {
        for (let j = 0; j < inner; j++) {
          const v = data[base + j];
          acc[slot0 + j] += v * v;
        }
      } else {
        for (let j = 0; j < inner; j++) {
          const d = data[base + j] - center[slot0 + j];
          acc[slot0 + j] += d * d;
        }
      }
    }
  }
}

/**
 * Any strides: the shared walk (`walk.ts`) visits the input in row-major order, carrying the
 * memory position (input strides) and the output slot (output strides, 0 along reduced axes).
 */
function addStrided(x: Tensor, plan: Plan, term: Term, center: Float64Array | null, acc: Float64Array): void {
  const data = x.data;
  const walk = new StridedWalk(x.shape, [x.strides, outputStrides(x.shape, plan.reduced)], [x.offset, 0]);
  const [sp, ss] = walk.innerSteps;
  const [rp, rs] = walk.rowSteps;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, p0 = walk.starts[0], s0 = walk.starts[1]; r < walk.rows; r++, p0 += rp, s0 += rs) {
      for (let i = 0, p = p0, s = s0; i < walk.inner; i++, p += sp, s += ss) {
        acc[s] += termOf(term, data[p], center === null ? 0 : center[s]);
      }
    }
  }
}

function termOf(term: Term, v: number, c: number): number {
  if (term === 'value') return v;
  if (term === 'abs') return Math.abs(v);
  const d = v - c;
  return d * d;
}

/** Row-major strides of the output, spread over the input's axes with 0 on the reduced ones. */
function outputStrides(shape: readonly number[], reduced: readonly boolean[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    if (reduced[axis]) continue;
    out[axis] = stride;
    stride *= shape[axis];
  }
  return out;
}

/** Row-major strides of the reduced block, spread over the input's axes with 0 on the kept ones. */
function withinStrides(shape: readonly number[], reduced: readonly boolean[]): number[] {
  return outputStrides(shape, reduced.map((r) => !r));
}

// ---------------------------------------------------------------------------------------------
// Extremum folds: the largest value of sign·x per slot, and where it first occurs.
// ---------------------------------------------------------------------------------------------

/**
 * For each slot, best[slot] = max over its elements of sign·x (sign −1 turns min into max) and
 * at[slot] = its position within the slot's elements in row-major order (the axis index for one
 * axis, the flat index for all). A later element wins only if strictly larger, so ties go to
 * the lower index; the first NaN wins and stays, so NaN propagates.
 */
function extremeFold(x: Tensor, plan: Plan, sign: 1 | -1, best: Float64Array, at: Int32Array): void {
  best.fill(-Infinity);
  const layout = layoutOf(x, plan);
  if (layout.path === 'runs') extremeRuns(x.data, x.offset, layout.outer, layout.rows, sign, best, at);
  else if (layout.path === 'rows') extremeRows(x.data, x.offset, layout, sign, best, at);
  else extremeStrided(x, plan, sign, best, at);
  for (let slot = 0; slot < best.length; slot++) best[slot] *= sign;
}

function extremeRuns(
  data: ArrayLike<number>,
  offset: number,
  outer: number,
  run: number,
  sign: number,
  best: Float64Array,
  at: Int32Array,
): void {
  for (let o = 0; o < outer; o++) {
    const start = offset + o * run;
    let top = -Infinity;
    let where = 0;
    for (let i = 0; i < run; i++) {
      const v = sign * data[start + i];
      if (v > top || (v !== v && top === top)) {
        top = v;
        where = i;
      }
    }
    best[o] = top;
    at[o] = where;
  }
}

function extremeRows(
  data: ArrayLike<number>,
  offset: number,
  { outer, rows, inner }: Layout,
  sign: number,
  best: Float64Array,
  at: Int32Array,
): void {
  for (let o = 0; o < outer; o++) {
    const slot0 = o * inner;
    for (let r = 0; r < rows; r++) {
      const base = offset + (o * rows + r) * inner;
      for (let j = 0; j < inner; j++) {
        const v = sign * data[base + j];
        const top = best[slot0 + j];
        if (v > top || (v !== v && top === top)) {
          best[slot0 + j] = v;
          at[slot0 + j] = r;
        }
      }
    }
  }
}

/** Like {@link addStrided}, with a third position: the element's index within the reduced block. */
function extremeStrided(x: Tensor, plan: Plan, sign: number, best: Float64Array, at: Int32Array): void {
  const data = x.data;
  const strides = [x.strides, outputStrides(x.shape, plan.reduced), withinStrides(x.shape, plan.reduced)];
  const walk = new StridedWalk(x.shape, strides, [x.offset, 0, 0]);
  const [sp, ss, sw] = walk.innerSteps;
  const [rp, rs, rw] = walk.rowSteps;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, p0 = walk.starts[0], s0 = walk.starts[1], w0 = walk.starts[2]; r < walk.rows; r++, p0 += rp, s0 += rs, w0 += rw) {
      for (let i = 0, p = p0, s = s0, w = w0; i < walk.inner; i++, p += sp, s += ss, w += sw) {
        const v = sign * data[p];
        const top = best[s];
        if (v > top || (v !== v && top === top)) {
          best[s] = v;
          at[s] = w;
        }
      }
    }
  }
}
