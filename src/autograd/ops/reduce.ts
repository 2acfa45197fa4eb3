/**
 * Differentiable reductions. Each reduced axis collapses to one value; in backward, dy is first
 * given back the reduced axes as size-1 dims (dȳ, shape "kept"), then spread over them:
 *
 *     sum       y = Σ x                  dx = dȳ                            (copied along the axes)
 *     mean      y = Σ x / n              dx = dȳ / n
 *     max, min  y = max x                dx = dȳ ⊙ [x = ȳ] / #ties           (ties share it equally)
 *     norm₁     y = Σ |x|                dx = dȳ ⊙ sign(x)
 *     norm₂     y = √(Σ x²)              dx = dȳ ⊙ x / ȳ                     (0 where ȳ = 0)
 *     variance  y = Σ (x − x̄)² / (n − c)  dx = dȳ ⊙ 2(x − x̄) / (n − c)
 *
 * argmax and argmin return int32 positions: constants, with no gradient.
 *
 * Shapes: x is any shape; `axes` picks the reduced axes (all by default); `keepDims` keeps them
 * as size-1 dims. n is the number of elements folded into each output.
 *
 * Each op is one row of `REDUCE_RULES` below: its forward kernel (in `tensor/reduce.ts`, whose
 * `reduceReference` is the plain definition) beside its backward rule.
 *
 * @module
 */
import * as kernels from '../../tensor/reduce.js';
import type { Axes, ReduceOp, ReduceOptions, VarianceOptions } from '../../tensor/reduce.js';
import { div, equal, mul, sign, sub, where } from '../../tensor/elementwise.js';
import { expand, reshape } from '../../tensor/movement.js';
import { normalizeAxes } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { allocate } from '../../tensor/dtype.js';
import { record } from '../engine.js';
import type { Variable } from '../variable.js';
import { NOT_DIFFERENTIABLE } from './elementwise.js';

/** What a reduction's rule needs: x, the output with its axes kept (ȳ), dy with its axes kept (dȳ), n. */
interface ReduceContext {
  x: Tensor;
  kept: Tensor;
  dyKept: Tensor;
  count: number;
  axes: number[];
  correction: number;
}

interface ReduceRule {
  forward(x: Tensor, axes: Axes, options: VarianceOptions): Tensor;
  backward(c: ReduceContext): Tensor;
}

const REDUCE_RULES: { [Op in ReduceOp]: ReduceRule | typeof NOT_DIFFERENTIABLE } = {
  sum: { forward: kernels.sum, backward: (c) => spread(c.dyKept, c.x) },
  mean: { forward: kernels.mean, backward: (c) => spread(div(c.dyKept, c.count), c.x) },
  max: { forward: kernels.max, backward: shareAmongTies },
  min: { forward: kernels.min, backward: shareAmongTies },
  norm1: { forward: (x, axes, o) => kernels.norm(x, 1, axes, o), backward: (c) => mul(c.dyKept, sign(c.x)) },
  norm2: {
    forward: (x, axes, o) => kernels.norm(x, 2, axes, o),
    // dx = dȳ ⊙ x / ȳ, and 0 where ȳ = 0 (then x = 0 there: the subgradient 0, PyTorch's rule).
    // A guard such as max(ȳ, Number.MIN_VALUE) instead would round to 0 in float32: 0/0 = NaN.
    backward: (c) => where(equal(c.kept, 0), 0, mul(c.dyKept, div(c.x, c.kept))),
  },
  variance: {
    forward: kernels.variance,
    backward: (c) => {
      const centred = sub(c.x, kernels.mean(c.x, c.axes, { keepDims: true }));
      return mul(centred, div(mul(c.dyKept, 2), c.count - c.correction));
    },
  },
  argmax: NOT_DIFFERENTIABLE,
  argmin: NOT_DIFFERENTIABLE,
};

/** dȳ copied along the reduced axes, packed so the next rule reads it on a fast path. */
function spread(dyKept: Tensor, x: Tensor): Tensor {
  if (dyKept.size === 1) {
    // A reduction to one number (every loss ends in one): dx is that number everywhere.
    const out = allocate(dyKept.dtype, x.size);
    out.fill(dyKept.data[dyKept.offset]);
    return new Tensor(out, x.shape.slice());
  }
  // Only trailing axes reduced (a sum over features, per sample): each value of dȳ fills a run
  // of x's last `run` entries. A fill per run is a memset; the strided walk of an expanded view
  // took a few ns per entry (measured: [1,1024,512], the SAE's L1 term).
  let run = 1;
  let axis = x.rank - 1;
  for (; axis >= 0 && dyKept.shape[axis] === 1; axis--) run *= x.shape[axis];
  const leadingMatch = dyKept.isContiguous && x.shape.slice(0, axis + 1).every((dim, i) => dim === dyKept.shape[i]);
  if (leadingMatch && run > 1) {
    const out = allocate(dyKept.dtype, x.size);
    for (let r = 0, start = 0; r < dyKept.size; r++, start += run) out.fill(dyKept.data[dyKept.offset + r], start, start + run);
    return new Tensor(out, x.shape.slice());
  }
  return expand(dyKept, x.shape).contiguous();
}

function shareAmongTies(c: ReduceContext): Tensor {
  const isWinner = equal(c.x, c.kept);
  const ties = kernels.sum(isWinner, c.axes, { keepDims: true });
  return mul(isWinner, div(c.dyKept, ties));
}

function reduce(op: Exclude<ReduceOp, 'argmax' | 'argmin'>, x: Tensor, axes: Axes, options: VarianceOptions): Variable {
  const rule = REDUCE_RULES[op] as ReduceRule;
  let y: Tensor;
  return record(op, [x], () => (y = rule.forward(x, axes, options)), (dy) => {
    const reduced = normalizeAxes(op, axes, x.rank);
    const keptShape = x.shape.map((dim, axis) => (reduced.includes(axis) ? 1 : dim));
    let count = 1;
    for (const axis of reduced) count *= x.shape[axis];
    return [rule.backward({
      x,
      kept: reshape(y, keptShape),
      dyKept: reshape(dy, keptShape),
      count,
      axes: reduced,
      correction: options.correction ?? 0,
    })];
  });
}

/** Σ x over `axes` (all by default).  ∂/∂x: dy copied along the reduced axes. */
export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Variable {
  return reduce('sum', x, axes, options);
}
/** The mean over `axes`.  ∂/∂x: dy / n along the reduced axes. */
export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Variable {
  return reduce('mean', x, axes, options);
}
/** The largest value over `axes`.  ∂/∂x: dy to the maximal entries, shared among ties. */
export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Variable {
  return reduce('max', x, axes, options);
}
/** The smallest value over `axes`.  ∂/∂x: dy to the minimal entries, shared among ties. */
export function min(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Variable {
  return reduce('min', x, axes, options);
}
/** The L1 (p = 1) or L2 (p = 2) norm over `axes`.  ∂/∂x: dy ⊙ sign(x), or dy ⊙ x / ‖x‖. */
export function norm(x: Tensor, p: 1 | 2 = 2, axes?: Axes, options: ReduceOptions = {}): Variable {
  if (p !== 1 && p !== 2) kernels.norm(x, p, axes, options); // throws the core's message for other p
  return reduce(p === 1 ? 'norm1' : 'norm2', x, axes, options);
}
/** The variance over `axes`, with `correction` (0 by default).  ∂/∂x: dy ⊙ 2(x − x̄)/(n − c). */
export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Variable {
  return reduce('variance', x, axes, options);
}
