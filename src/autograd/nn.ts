/**
 * Losses and the softmax family, built from the differentiable ops, so their gradients come from
 * those ops' rules (none of these functions has a backward rule of its own).
 *
 *     mseLoss(x̂, x)                  mean over every entry of (x̂ − x)²
 *     l1Loss(x̂, x)                   mean over every entry of |x̂ − x|
 *     importanceWeightedMse(x̂, x, I) Σ over summed axes of mean over `meanAxes` of I ⊙ (x̂ − x)²
 *     softmax(x, ax)                 eˣ / Σ_ax eˣ
 *     logSoftmax(x, ax)              x − logsumexp(x, ax)
 *     logsumexp(x, ax)               log Σ_ax eˣ
 *     crossEntropy(z, t)             mean over positions of −log softmax(z)[t]   (or −Σ_c t_c log softmax(z)_c)
 *
 * Stability. eˣ overflows float64 above x ≈ 709 (float32 above 88), and underflows to 0 below
 * −745, so the exponentials are always taken of x − m, where m is the largest entry along the
 * axis: every exponent is then ≤ 0, and the largest is exactly e⁰ = 1, so the sum is ≥ 1 and its log
 * is finite. Since
 *
 *     log Σ eˣ = m + log Σ eˣ⁻ᵐ        and        softmax(x) = softmax(x − m)
 *
 * for any constant m, m is taken as a constant (computed by the raw kernel, outside the graph):
 * the gradient is the same as if it were differentiated, and cheaper.
 *
 * Edges, as in PyTorch. logsumexp takes m = 0 where the largest entry is ±∞, so a slice of −∞
 * gives −∞ and one holding +∞ gives +∞. softmax and logSoftmax keep m = ±∞, so such a slice is NaN
 * throughout (∞ − ∞). Over an empty axis, softmax and logSoftmax are empty and logsumexp is −∞,
 * like sum (0) and mean (NaN), which do not throw either.
 *
 * Shapes: `pred` and `target` of the regression losses must have the same shape (no silent
 * broadcasting: a [B,1] prediction against a [B] target is a classic bug). The class axis of the
 * softmax family and of crossEntropy is the last one unless `axis` says otherwise.
 *
 * @module
 */
import { isFloat } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import * as kernels from '../tensor/kernels.js';
import { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, add, div, exp, log, mul, square, sub } from './ops/elementwise.js';
import { gather } from './ops/indexing.js';
import { squeeze } from './ops/movement.js';
import { mean, sum } from './ops/reduce.js';
import type { Variable } from './variable.js';

// ---------------------------------------------------------------------------------------------
// Checks shared by the losses
// ---------------------------------------------------------------------------------------------

function checkFloatTensor(op: string, x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) fail(op, `${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!isFloat(x.dtype)) fail(op, `${what} must be float32 or float64, got ${x.dtype} ${formatShape(x.shape)}`);
}

/** pred and target: float tensors of one shape and one dtype. */
function checkPair(op: string, pred: Tensor, target: Tensor): void {
  checkFloatTensor(op, pred, 'pred');
  checkFloatTensor(op, target, 'target');
  if (!shapesEqual(pred.shape, target.shape)) {
    fail(op, `pred ${formatShape(pred.shape)} and target ${formatShape(target.shape)} must have the same shape ` +
      `(reshape one of them: broadcasting here usually hides a bug)`);
  }
  if (pred.dtype !== target.dtype) {
    fail(op, `dtypes differ: pred is ${pred.dtype}, target is ${target.dtype} (shape ${formatShape(pred.shape)}); convert one first`);
  }
}

// ---------------------------------------------------------------------------------------------
// Regression losses
// ---------------------------------------------------------------------------------------------

/**
 * Mean squared error: (1/n) Σᵢ (predᵢ − targetᵢ)² over all n entries.
 * ∂/∂pred = 2(pred − target)/n. Shapes must match.
 *
 * @example
 * ```ts
 * mseLoss(tensor([1, 2, 3, 4]), tensor([1, 0, 0, 4])).item();   // returns 3.25  ((0 + 4 + 9 + 0) / 4)
 * ```
 */
export function mseLoss(pred: Tensor, target: Tensor): Variable {
  checkPair('mseLoss', pred, target);
  return mean(square(sub(pred, target)));
}

/**
 * Mean absolute error: (1/n) Σᵢ |predᵢ − targetᵢ| over all n entries.
 * ∂/∂pred = sign(pred − target)/n (0 where they are equal). Shapes must match.
 *
 * @example
 * ```ts
 * l1Loss(tensor([1, 2, 3, 4]), tensor([1, 0, 0, 4])).item();   // returns 1.25  ((0 + 2 + 3 + 0) / 4)
 * ```
 */
export function l1Loss(pred: Tensor, target: Tensor): Variable {
  checkPair('l1Loss', pred, target);
  return mean(abs(sub(pred, target)));
}

/** Options of {@link importanceWeightedMse}. */
export interface ImportanceWeightedMseOptions {
  /**
   * The axes averaged over; every other axis is summed. Default `[0]`, the batch axis.
   * For the toy model's `[batch, instances, features]`, `[0, 2]` averages over batch and features
   * and sums over instances, as in Elhage et al.'s code.
   */
  meanAxes?: number | readonly number[];
}

/**
 * The toy model's loss: squared error weighted by feature importance,
 *
 *     L = Σ_{summed axes} mean_{meanAxes} ( I ⊙ (pred − target)² )
 *
 * By default `meanAxes = [0]`: for pred `[batch, features]` that is
 * L = (1/B) Σ_b Σ_f I_f (pred − target)²_{b,f}, "Σ over features, averaged over the batch". For
 * `[batch, instances, features]` the default also sums over instances, so each instance's loss is
 * its own term and instances train independently; pass `{ meanAxes: [0, 2] }` to average over
 * features too (Elhage et al.'s reduction, which divides the default by the number of features).
 *
 * `importance` (a constant: no gradient flows into it) broadcasts against pred from the right, so
 * `[features]` or `[instances, features]` both work; it may not make the result larger than pred.
 * ∂/∂pred = 2 I ⊙ (pred − target) / (product of the averaged axes' sizes).
 *
 * @example
 * ```ts
 * const pred = tensor([[1, 1], [0, 0]]);                 // [batch=2, features=2]
 * const target = tensor([[0, 0], [0, 2]]);
 * importanceWeightedMse(pred, target, tensor([1, 0.5])).item();
 * // returns 1.75   (((1·1 + 0.5·1) + (0 + 0.5·4)) / 2)
 * ```
 */
export function importanceWeightedMse(
  pred: Tensor, target: Tensor, importance: Tensor | number, options: ImportanceWeightedMseOptions = {},
): Variable {
  const op = 'importanceWeightedMse';
  checkPair(op, pred, target);
  if (typeof importance !== 'number') {
    checkFloatTensor(op, importance, 'importance');
    if (importance.dtype !== pred.dtype) {
      fail(op, `importance is ${importance.dtype} but pred is ${pred.dtype}; convert one first`);
    }
    const joint = broadcastShapes(op, pred.shape, importance.shape);
    if (!shapesEqual(joint, pred.shape)) {
      fail(op, `importance ${formatShape(importance.shape)} must broadcast to pred's shape ${formatShape(pred.shape)}, ` +
        `but together they make ${formatShape(joint)}`);
    }
  }
  const averaged = normalizeAxes(op, options.meanAxes ?? [0], pred.rank);
  const weighted = mul(square(sub(pred, target)), importance);
  return sum(averaged.length === 0 ? weighted : mean(weighted, averaged, { keepDims: true }));
}

// ---------------------------------------------------------------------------------------------
// The softmax family
// ---------------------------------------------------------------------------------------------

/**
 * The largest entry along `axes` (kept as size-1 axes), as a constant. Subtracting it changes
 * neither softmax nor, once added back, logsumexp. Over an empty axis there is no largest entry,
 * and 0 serves (softmax of nothing is empty; logsumexp of nothing is log 0 = −∞, as in PyTorch).
 *
 * `finiteOnly` (logsumexp) replaces ±∞ maxima by 0, as PyTorch does, so that a slice of −∞ gives
 * −∞ and a slice holding +∞ gives +∞. softmax and logSoftmax keep the raw maximum, as PyTorch does:
 * a slice holding +∞ (or only −∞) then gives NaN throughout, since ∞ − ∞ is NaN.
 */
function stableShift(x: Tensor, axes: readonly number[], finiteOnly: boolean): Tensor {
  const keptShape = x.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
  if (axes.some((axis) => x.shape[axis] === 0)) return kernels.zeros(keptShape, x.dtype);
  const largest = kernels.max(x, axes, { keepDims: true });
  if (!finiteOnly) return largest;
  const values = largest.toTypedArray().slice();
  for (let i = 0; i < values.length; i++) if (values[i] === Infinity || values[i] === -Infinity) values[i] = 0;
  return new Tensor(values, largest.shape.slice());
}

/** Options of {@link logsumexp}. */
export interface LogsumexpOptions {
  /** Keep the reduced axes as size-1 dims. Default false. */
  keepDims?: boolean;
}

/**
 * log Σ eˣ along `axes` (the last axis by default; a list such as `[0, 1]` reduces several),
 * computed stably as m + log Σ eˣ⁻ᵐ with m the largest entry. ∂/∂x = softmax(x) along the axes.
 *
 * @param x - float32 or float64, any shape.
 * @param axes - one axis or a list of axes; default −1.
 * @param options - `keepDims` keeps the reduced axes as size-1 dims.
 *
 * @example
 * ```ts
 * logsumexp(tensor([1000, 1000], undefined, 'float64')).item();   // returns 1000.6931471805599  (1000 + ln 2)
 * logsumexp(tensor([[0, 0], [1, 1]]), [0, 1]).item();          // returns about 2.0064  (ln(2 + 2e))
 * ```
 */
export function logsumexp(x: Tensor, axes: number | readonly number[] = -1, options: LogsumexpOptions = {}): Variable {
  const op = 'logsumexp';
  checkFloatTensor(op, x, 'x');
  const reduced = normalizeAxes(op, axes, x.rank);
  const shift = stableShift(x, reduced, true);
  const kept = add(log(sum(exp(sub(x, shift)), reduced, { keepDims: true })), shift);
  return options.keepDims === true ? kept : squeeze(kept, reduced);
}

/**
 * softmax(x)ᵢ = eˣⁱ / Σⱼ eˣʲ along `axis` (default the last): non-negative, summing to 1 along the
 * axis. Computed as softmax(x − m), m the largest entry, so inputs like ±1000 are fine.
 * ∂/∂x = y ⊙ (dy − Σ dy ⊙ y), through the ops it is built from.
 *
 * @example
 * ```ts
 * softmax(tensor([0, Math.log(3)], undefined, 'float64')).toArray();   // returns [0.25, 0.7499999999999999]  (¼ and ¾)
 * ```
 */
export function softmax(x: Tensor, axis = -1): Variable {
  const op = 'softmax';
  checkFloatTensor(op, x, 'x');
  const along = normalizeAxis(op, axis, x.rank);
  const e = exp(sub(x, stableShift(x, [along], false)));
  return div(e, sum(e, along, { keepDims: true }));
}

/**
 * log softmax(x) = (x − m) − log Σ eˣ⁻ᵐ along `axis` (default the last). Finite for finite x, even
 * where softmax itself underflows to 0 (e.g. −2000 next to 0), which is why crossEntropy uses it.
 *
 * @example
 * ```ts
 * logSoftmax(tensor([0, -2000], undefined, 'float64')).toArray();   // returns [0, -2000]
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Variable {
  const op = 'logSoftmax';
  checkFloatTensor(op, x, 'x');
  const along = normalizeAxis(op, axis, x.rank);
  const shifted = sub(x, stableShift(x, [along], false));
  return sub(shifted, log(sum(exp(shifted), along, { keepDims: true })));
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** The class axis of the logits. Default −1 (the last). PyTorch's default is axis 1; for [N, C] they agree. */
  axis?: number;
}

/**
 * Cross-entropy between logits and targets, averaged over every position (every index of the
 * logits but the class axis: the batch).
 *
 * - `target` int32, shaped like the logits without the class axis: class indices, and
 *   L = −mean_p log softmax(z_p)[t_p].
 * - `target` float, shaped like the logits: class probabilities per position, and
 *   L = −mean_p Σ_c t_{p,c} log softmax(z_p)_c.
 *
 * ∂/∂z = (softmax(z) − onehot(t)) / (number of positions). The target is a constant.
 *
 * @example
 * ```ts
 * const logits = tensor([[0, 0], [0, Math.log(3)]], undefined, 'float64');
 * crossEntropy(logits, tensor([0, 1], undefined, 'int32')).item();
 * // returns 0.49041462650586315  ((ln 2 + ln(4/3)) / 2)
 * ```
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Variable {
  const op = 'crossEntropy';
  checkFloatTensor(op, logits, 'logits');
  if (!(target instanceof Tensor)) fail(op, `target must be a Tensor, got ${target === null ? 'null' : typeof target}`);
  if (logits.rank === 0) fail(op, 'logits must have a class axis; got a scalar');
  const along = normalizeAxis(op, options.axis ?? -1, logits.rank);
  const classes = logits.shape[along];
  const positionShape = logits.shape.filter((_, axis) => axis !== along);
  const logProbabilities = logSoftmax(logits, along);

  if (target.dtype === 'int32') {
    if (!shapesEqual(target.shape, positionShape)) {
      fail(op, `class-index target ${formatShape(target.shape)} must have the logits' shape ${formatShape(logits.shape)} ` +
        `without the class axis ${along}, i.e. ${formatShape(positionShape)}`);
    }
    const indices = target.toTypedArray();
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= classes) {
        fail(op, `target holds class ${indices[i]} at flat position ${i}, but the logits have ${classes} classes ` +
          `(0..${classes - 1}) on axis ${along}`);
      }
    }
    const picked = gather(logProbabilities, along, kernels.unsqueeze(target, along));
    return mul(mean(picked), -1);
  }

  if (!shapesEqual(target.shape, logits.shape)) {
    fail(op, `a probability target must have the logits' shape ${formatShape(logits.shape)}, got ` +
      `${formatShape(target.shape)} (for class indices, pass an int32 target of shape ${formatShape(positionShape)})`);
  }
  if (target.dtype !== logits.dtype) {
    fail(op, `dtypes differ: logits are ${logits.dtype}, the probability target is ${target.dtype}; convert one first`);
  }
  const positions = logits.size / Math.max(classes, 1);
  return mul(sum(mul(target, logProbabilities)), -1 / positions);
}
