/**
 * The functional way in, and custom ops.
 *
 * `valueAndGrad(f)` turns a function of tensors into one that also returns its gradient:
 *
 *     valueAndGrad(f)(x₁, …, xₖ) = [ f(x₁, …, xₖ),  [∂f/∂x₁, …, ∂f/∂xₖ] ]
 *
 * f must return one number (a one-element tensor). Each ∂f/∂xᵢ has xᵢ's shape. The inputs are not
 * changed and nothing is left in any `.grad`: every call starts fresh. This is JAX's style; the
 * PyTorch style (`parameter`, `loss.backward()`, `.grad`) works on the same graph.
 *
 * `customOp` lets a user write an op with their own forward and backward, for gradients that are
 * not the true derivative, such as the straight-through estimators that train JumpReLU thresholds.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import type { Operand } from '../tensor/elementwise.js';
import { backward, enableGrad, noGrad, record } from './engine.js';
import { Variable } from './variable.js';

/**
 * Wraps `f` so that calling it returns `[value, grads]`: f's one-element result and one gradient
 * per tensor argument, each with that argument's shape. Inputs f does not use get zeros.
 *
 * @example
 * ```ts
 * const f = (w: Tensor, x: Tensor) => sum(square(matmul(x, w)));
 * const [loss, [dW, dX]] = valueAndGrad(f)(tensor([[1], [2]]), tensor([[1, 1]]));
 * loss.item();       // returns 9
 * dW.toArray();      // returns [[6], [6]]   (2·(x·w)·xᵀ)
 * dX.toArray();      // returns [[6, 12]]
 * ```
 */
export function valueAndGrad(
  f: (...args: Variable[]) => Tensor,
): (...inputs: Tensor[]) => [value: Tensor, grads: Tensor[]] {
  return (...inputs: Tensor[]): [Tensor, Tensor[]] => {
    const leaves = inputs.map((input, i) => {
      if (!(input instanceof Tensor)) {
        fail('valueAndGrad', `argument ${i} must be a Tensor, got ${input === null ? 'null' : typeof input}`);
      }
      if (input.dtype === 'int32') {
        fail('valueAndGrad', `argument ${i} is int32 ${formatShape(input.shape)}; gradients need float32 or float64`);
      }
      return new Variable(input, true);
    });
    const output = enableGrad(() => f(...leaves));
    if (!(output instanceof Tensor) || output.size !== 1) {
      fail('valueAndGrad', `f must return a one-element tensor (a scalar loss), got ` +
        (output instanceof Tensor ? `shape ${formatShape(output.shape)}` : String(output)));
    }
    if (output instanceof Variable && output.requiresGrad) backward(output);
    const grads = leaves.map((leaf) => leaf.grad ?? zerosLike(leaf));
    return [new Tensor(output.data, output.shape, output.strides, output.offset), grads];
  };
}

/**
 * Like {@link valueAndGrad}, but returns only the gradients.
 *
 * @example
 * ```ts
 * grad((x: Tensor) => sum(square(x)))(tensor([1, 2]))[0].toArray();   // returns [2, 4]
 * ```
 */
export function grad(f: (...args: Variable[]) => Tensor): (...inputs: Tensor[]) => Tensor[] {
  const withValue = valueAndGrad(f);
  return (...inputs: Tensor[]) => withValue(...inputs)[1];
}

/** What a custom op is made of. */
export interface CustomOpDefinition {
  /** The name that traces, graph drawings and errors show. */
  name: string;
  /** y = f(inputs). Runs unrecorded, so any op may be used inside. */
  forward(...inputs: Tensor[]): Tensor;
  /**
   * ∂L/∂(each input) from dy = ∂L/∂y, the inputs and the output; null for an input that needs no
   * gradient (`needs[i]` false) or whose gradient is zero. Gradients may have the broadcast shape.
   */
  backward(dy: Tensor, inputs: readonly Tensor[], output: Tensor, needs: readonly boolean[]): readonly (Tensor | null)[];
}

/**
 * Makes an op from your own forward and backward. The result takes tensors (or numbers, which
 * act as constants) and returns a Variable that gradients flow through by your rule.
 *
 * @example
 * A straight-through estimator: round in the forward pass, pass dy unchanged in the backward.
 * ```ts
 * const roundStraightThrough = customOp({
 *   name: 'roundSTE',
 *   forward: (x) => tensor(Array.from(x.toTypedArray(), Math.round), x.shape),
 *   backward: (dy) => [dy],
 * });
 * const w = parameter(tensor([0.4, 1.6]));
 * sum(mul(roundStraightThrough(w), 3)).backward();
 * w.grad?.toArray();   // returns [3, 3]
 * ```
 */
export function customOp(definition: CustomOpDefinition): (...inputs: Operand[]) => Variable {
  if (typeof definition?.forward !== 'function' || typeof definition?.backward !== 'function') {
    fail('customOp', 'a custom op needs a name, a forward function and a backward function');
  }
  const name = definition.name;
  return (...inputs: Operand[]) => {
    const tensors = inputs.map((input) => (typeof input === 'number' ? new Tensor(Float64Array.of(input), []) : input));
    let output: Tensor;
    return record(name, inputs, () => (output = noGrad(() => definition.forward(...tensors))), (dy, needs) => {
      const grads = definition.backward(dy, tensors, output, needs);
      if (!Array.isArray(grads) || grads.length !== inputs.length) {
        fail(name, `backward must return an array of ${inputs.length} gradients (one per input, null for none), ` +
          `got ${Array.isArray(grads) ? `${grads.length}` : typeof grads}`);
      }
      return grads;
    });
  };
}
