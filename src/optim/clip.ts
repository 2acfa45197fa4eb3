/**
 * Gradient clipping by global norm, in place, as PyTorch's `torch.nn.utils.clip_grad_norm_`.
 *
 * All gradients g₁ … gₖ (any shapes) are treated as one long vector:
 *
 *     ‖g‖ = √(Σᵢ Σⱼ gᵢⱼ²)                       the global L2 norm, accumulated in float64
 *     s   = maxNorm / (‖g‖ + 1e-6)
 *     gᵢ ← s·gᵢ   for every i, only if s < 1    so the clipped norm is just under maxNorm
 *
 * Scaling every gradient by one factor keeps the update's direction and only shortens it, which
 * is why the norm is global rather than per tensor. The 1e-6 is PyTorch's, and keeps s finite when
 * every gradient is 0. Parameters whose gradient is null are skipped.
 *
 * @module
 */
import { Variable } from '../autograd/variable.js';
import { fail, formatShape } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';

/** Options for {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /**
   * Throw when the total norm is NaN or ±Inf, instead of returning it with the gradients left
   * unchanged. Default false.
   */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients in place so their global L2 norm is at most `maxNorm` (see the module notes),
 * and returns the norm they had before. A non-finite norm leaves the gradients unchanged and is
 * returned as is (so a training loop can skip the step), or throws with `errorIfNonfinite`.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([0, 0]));
 * w.grad = tensor([3, 4]);
 * clipGradNorm([w], 1);   // returns 5
 * w.grad?.toArray();      // returns [0.6, 0.8] (within 1e-6)
 * ```
 */
export function clipGradNorm(params: readonly Variable[], maxNorm: number, options?: ClipGradNormOptions): number {
  if (!Array.isArray(params)) fail('clipGradNorm', 'params must be an array of Variables');
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm < 0) {
    fail('clipGradNorm', `maxNorm must be a finite number ≥ 0, got ${String(maxNorm)}`);
  }
  for (let index = 0; index < params.length; index++) {
    const param = params[index];
    if (!(param instanceof Variable)) fail('clipGradNorm', `params[${index}] is not a Variable`);
    const grad = param.grad;
    if (grad === null) continue;
    if (!shapesEqual(grad.shape, param.shape) || !grad.isContiguous) {
      fail('clipGradNorm', `the gradient of params[${index}] ${formatShape(param.shape)} must be a packed tensor ` +
        `of the same shape, got ${grad.isContiguous ? '' : 'a strided view of '}shape ${formatShape(grad.shape)}`);
    }
  }
  let sumOfSquares = 0;
  for (let index = 0; index < params.length; index++) {
    const grad = params[index].grad;
    if (grad === null) continue;
    const data = grad.data;
    const end = grad.offset + grad.size;
    for (let i = grad.offset; i < end; i++) sumOfSquares += data[i] * data[i];
  }
  const total = Math.sqrt(sumOfSquares);
  if (!Number.isFinite(total)) {
    if (options?.errorIfNonfinite === true) {
      fail('clipGradNorm', `the total gradient norm is ${total}; some gradient holds NaN or ±Inf, or the sum of squares overflowed float64`);
    }
    return total;
  }
  const scale = maxNorm / (total + 1e-6);
  if (scale < 1) {
    for (let index = 0; index < params.length; index++) {
      const grad = params[index].grad;
      if (grad === null) continue;
      const data = grad.data;
      const end = grad.offset + grad.size;
      for (let i = grad.offset; i < end; i++) data[i] *= scale;
    }
  }
  return total;
}
