/**
 * Differentiable movement ops. They only move numbers, so their backward moves dy back:
 *
 *     reshape, flatten,      y = x under a new shape       dx = reshape(dy, shape of x)
 *       squeeze, unsqueeze
 *     permute(x, order)      y = x with axes reordered      dx = permute(dy, order⁻¹)
 *     transpose(x, a, b)     two axes swapped               dx = transpose(dy, a, b)
 *     expand(x, shape)       x repeated along size-1 axes   dx = dy, summed back by the engine's unbroadcast
 *     slice(x, ax, s, e, t)  every t-th entry from s to e   dx = zeros, with dy written into that slice
 *     concat([a, b], ax)     a then b along ax              da, db = the matching slices of dy
 *     stack([a, b], ax)      concat of unsqueezed inputs    (built from the two ops above)
 *     contiguous(x)          the same values, packed        dx = dy
 *
 * The table is typed as a total map over {@link MovementOpName}.
 *
 * @module
 */
import { allocate } from '../../tensor/dtype.js';
import { fail } from '../../tensor/errors.js';
import * as kernels from '../../tensor/movement.js';
import { normalizeAxis, shapesEqual } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { StridedWalk } from '../../tensor/walk.js';
import { record } from '../engine.js';
import type { Variable } from '../variable.js';

/** The movement ops that have a gradient rule. */
export type MovementOpName = 'reshape' | 'permute' | 'transpose' | 'expand' | 'slice' | 'concat' | 'contiguous';

/** Given dy and the inputs, the gradient for each input. `args` are the op's own arguments. */
type MovementBackward = (dy: Tensor, inputs: readonly Tensor[], args: readonly number[]) => readonly Tensor[];

const MOVEMENT_RULES: { [Op in MovementOpName]: MovementBackward } = {
  reshape: (dy, [x]) => [kernels.reshape(dy, x.shape)],
  permute: (dy, _inputs, order) => [kernels.permute(dy, inversePermutation(order))],
  transpose: (dy, _inputs, [axisA, axisB]) => [kernels.transpose(dy, axisA, axisB)],
  expand: (dy) => [dy],
  slice: (dy, [x], [axis, start, end, step]) => [writeIntoZeros(x, dy, axis, start, end, step)],
  concat: (dy, inputs, [axis]) => {
    let start = 0;
    return inputs.map((input) => {
      const part = kernels.slice(dy, axis, start, start + input.shape[axis]);
      start += input.shape[axis];
      return part;
    });
  },
  contiguous: (dy) => [dy],
};

/** Records a movement op; `name` is what traces show (unsqueeze, say, uses reshape's rule). */
function movement(
  rule: MovementOpName, inputs: readonly Tensor[], args: readonly number[], forward: () => Tensor, name: string = rule,
): Variable {
  return record(name, inputs, forward, (dy) => MOVEMENT_RULES[rule](dy, inputs, args));
}

function inversePermutation(order: readonly number[]): number[] {
  const inverse = new Array<number>(order.length);
  for (let i = 0; i < order.length; i++) inverse[order[i] < 0 ? order[i] + order.length : order[i]] = i;
  return inverse;
}

/** A zero tensor shaped like `x`, with `dy` written into `slice(·, axis, start, end, step)`. */
function writeIntoZeros(x: Tensor, dy: Tensor, axis: number, start: number, end: number, step: number): Tensor {
  const out = new Tensor(allocate(dy.dtype, x.size), x.shape.slice());
  const target = kernels.slice(out, axis, start, end, step);
  const source = dy.toTypedArray();
  // The shared walk over the slice's shape, moving through `out` by the slice's strides.
  const walk = new StridedWalk(target.shape, [target.strides], [target.offset]);
  const innerStep = walk.innerSteps[0];
  const rowStep = walk.rowSteps[0];
  let read = 0;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, row = walk.starts[0]; r < walk.rows; r++, row += rowStep) {
      for (let i = 0, p = row; i < walk.inner; i++, p += innerStep) out.data[p] = source[read++];
    }
  }
  return out;
}

/** The same elements under a new shape (one dim may be −1).  ∂/∂x: dy reshaped back. */
export function reshape(x: Tensor, shape: readonly number[]): Variable {
  return movement('reshape', [x], [], () => kernels.reshape(x, shape));
}
/** Axes `startAxis..endAxis` merged into one.  ∂/∂x: dy reshaped back. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Variable {
  return movement('reshape', [x], [], () => kernels.flatten(x, startAxis, endAxis), 'flatten');
}
/** Size-1 axes removed (all of them, or the ones named).  ∂/∂x: dy reshaped back. */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Variable {
  return movement('reshape', [x], [], () => kernels.squeeze(x, axes), 'squeeze');
}
/** A size-1 axis inserted at `axis`.  ∂/∂x: dy reshaped back. */
export function unsqueeze(x: Tensor, axis: number): Variable {
  return movement('reshape', [x], [], () => kernels.unsqueeze(x, axis), 'unsqueeze');
}
/** The axes reordered: output axis k is input axis order[k].  ∂/∂x: dy permuted by order⁻¹. */
export function permute(x: Tensor, order: readonly number[]): Variable {
  return movement('permute', [x], order, () => kernels.permute(x, order));
}
/** Two axes swapped (the last two by default).  ∂/∂x: the same swap of dy. */
export function transpose(x: Tensor, axisA = -2, axisB = -1): Variable {
  return movement('transpose', [x], [axisA, axisB], () => kernels.transpose(x, axisA, axisB));
}
/** x repeated along its size-1 (or missing leading) axes.  ∂/∂x: dy summed over them. */
export function expand(x: Tensor, shape: readonly number[]): Variable {
  return movement('expand', [x], [], () => kernels.expand(x, shape));
}
/** Same as {@link expand}. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Variable {
  return movement('expand', [x], [], () => kernels.broadcastTo(x, shape), 'broadcastTo');
}
/**
 * Every `step`-th entry from `start` to `end` along `axis` (a view).
 * ∂/∂x: zeros, with dy written into the same slice.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Variable {
  return movement('slice', [x], [axis, start, end ?? Number.MAX_SAFE_INTEGER, step],
    () => kernels.slice(x, axis, start, end, step));
}
/** A packed copy (or x itself when already packed).  ∂/∂x: dy. */
export function contiguous(x: Tensor): Variable {
  return movement('contiguous', [x], [], () => kernels.contiguous(x));
}
/** The inputs joined along `axis`.  ∂/∂ each input: its slice of dy. */
export function concat(tensors: readonly Tensor[], axis = 0): Variable {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('concat', 'expected a non-empty array of tensors');
  const at = normalizeAxis('concat', axis, tensors[0].rank);
  return movement('concat', tensors, [at], () => kernels.concat(tensors, axis));
}
/** Equal-shaped inputs stacked along a new axis.  ∂/∂ each input: its slice of dy. */
export function stack(tensors: readonly Tensor[], axis = 0): Variable {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('stack', 'expected a non-empty array of tensors');
  const at = normalizeAxis('stack', axis, tensors[0].rank + 1);
  for (const t of tensors) {
    if (!shapesEqual(t.shape, tensors[0].shape)) kernels.stack(tensors, axis); // throws the core's message
  }
  return concat(tensors.map((t) => unsqueeze(t, at)), at);
}
