/**
 * `Variable`: a tensor that remembers how it was made, so gradients can flow back through it.
 *
 * A Variable *is* a {@link Tensor} (same data, shape, strides), plus three things:
 *
 *     requiresGrad   does a gradient flow into this value?
 *     node           the op that made it and how to send a gradient back (null for a leaf)
 *     grad           for a leaf that requires grad: ∂L/∂x after `backward()`, else null
 *
 * Leaves are where gradients stop: parameters you train, or the inputs of `valueAndGrad`.
 * Every differentiable op returns a Variable; when none of its inputs requires grad (or inside
 * `noGrad`) the result is a constant with `node = null` and costs nothing to keep.
 *
 * The class itself is defined in engine.ts, beside the graph node it holds and the backward walk
 * its `backward()` starts (so that the two files do not import each other); this module re-exports
 * it with the functions that make leaves.
 *
 * Why a subclass and not fields on Tensor: the tensor core (`src/tensor`) stays a library of
 * numbers that knows nothing of gradients, and its kernels accept Variables unchanged, since a
 * Variable is a Tensor. PyTorch merged the two classes to spare users the split; here the split
 * is invisible to users too, because every op they import returns a Variable.
 *
 * @module
 */
import { allocate } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Variable } from './engine.js';

export { Variable };

/** Options for {@link variable} and {@link parameter}. */
export interface VariableOptions {
  /** Whether gradients flow into it. */
  requiresGrad?: boolean;
  /** A label for traces and graph drawings. */
  name?: string;
}

/**
 * A leaf Variable over `value`'s storage (no copy). With `requiresGrad: true` it collects a
 * gradient in `.grad` when a loss built from it calls `backward()`.
 */
export function variable(value: Tensor, options: VariableOptions = {}): Variable {
  if (!(value instanceof Tensor)) fail('variable', `expected a Tensor, got ${value === null ? 'null' : typeof value}`);
  return new Variable(value, options.requiresGrad ?? false, null, options.name);
}

/**
 * A trainable leaf: a *packed copy* of `value` that requires grad. It owns its storage, because
 * optimizers update parameters in place and must not write through a view into someone else's data.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2, 3]), 'w');
 * const loss = sum(square(w));
 * loss.backward();
 * w.grad?.toArray();   // returns [2, 4, 6]
 * ```
 */
export function parameter(value: Tensor, name?: string): Variable {
  if (!(value instanceof Tensor)) fail('parameter', `expected a Tensor, got ${value === null ? 'null' : typeof value}`);
  if (value.dtype === 'int32') {
    fail('parameter', `a parameter must be float32 or float64, got int32 ${formatShape(value.shape)}`);
  }
  const storage = allocate(value.dtype, value.size);
  storage.set(value.toTypedArray());
  return new Variable(new Tensor(storage, value.shape.slice()), true, null, name);
}

/** The same numbers as a constant Variable: no gradient flows through the result. */
export function detach(x: Tensor): Variable {
  return new Variable(x, false);
}
