/**
 * The differentiable matrix product.
 *
 *     C = A_eff · B_eff        A_eff = A or Aᵀ (transposeA),  B_eff = B or Bᵀ (transposeB)
 *     dA_eff = dC · B_effᵀ     dB_eff = A_effᵀ · dC
 *
 * and a stored operand read transposed gets the transpose of its gradient. Written out, with the
 * transposes passed as flags so no transposed copy is ever built (the trick tfjs uses too):
 *
 *     flags         dA                            dB
 *     —             dC · Bᵀ                       Aᵀ · dC
 *     transposeA    B · dCᵀ                       A · dC
 *     transposeB    dC · B                        dCᵀ · A
 *     both          Bᵀ · dCᵀ                      dCᵀ · Aᵀ
 *
 * Shapes: A [… , M, K], B [… , K, N] → C [… , M, N], batch dims broadcast. A batch-broadcast
 * operand (say B [K, N] shared by every batch) gets a gradient with the full batch shape, which
 * the engine's unbroadcast sums back to [K, N]. A 1-D operand is lifted to a matrix by a
 * differentiable reshape, so the rule above only ever sees matrices.
 *
 * @module
 */
import { fail } from '../../tensor/errors.js';
import * as kernels from '../../tensor/matmul.js';
import type { MatmulOptions } from '../../tensor/matmul.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../engine.js';
import type { Variable } from '../variable.js';
import { reshape, squeeze } from './movement.js';

/**
 * C = A·B (or with either operand transposed), with NumPy's batch and vector rules.
 * ∂/∂A = dC·Bᵀ, ∂/∂B = Aᵀ·dC; see the module notes for the transposed cases.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([[1, 2], [3, 4]]));
 * sum(matmul(w, tensor([[1], [1]]))).backward();
 * w.grad?.toArray();   // returns [[1, 1], [1, 1]]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Variable {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) fail('matmul', 'both operands must be Tensors');
  if (a.rank === 1 && b.rank === 1) {
    if (a.shape[0] !== b.shape[0]) kernels.matmul(a, b); // throws the core's message
    return reshape(matmul(reshape(a, [1, a.shape[0]]), reshape(b, [b.shape[0], 1])), []);
  }
  if (a.rank === 1 && b.rank >= 2) {
    return squeeze(matmul(reshape(a, [1, a.shape[0]]), b, { transposeB: options.transposeB }), -2);
  }
  if (b.rank === 1 && a.rank >= 2) {
    return squeeze(matmul(a, reshape(b, [b.shape[0], 1]), { transposeA: options.transposeA }), -1);
  }
  const transposeA = options.transposeA === true;
  const transposeB = options.transposeB === true;
  return record('matmul', [a, b], () => kernels.matmul(a, b, options), (dC, needs) => [
    needs[0]
      ? transposeA
        ? kernels.matmul(b, dC, { transposeA: transposeB, transposeB: true })
        : kernels.matmul(dC, b, { transposeB: !transposeB })
      : null,
    needs[1]
      ? transposeB
        ? kernels.matmul(dC, a, { transposeA: true, transposeB: transposeA })
        : kernels.matmul(a, dC, { transposeA: !transposeA })
      : null,
  ]);
}

/** The dot product of two vectors [K]·[K] → [].  ∂/∂a = dy·b, ∂/∂b = dy·a. */
export function dot(a: Tensor, b: Tensor): Variable {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.rank !== 1 || b.rank !== 1) {
    kernels.dot(a, b); // throws the core's message
  }
  return matmul(a, b);
}

/** The outer product [M] ⊗ [N] → [M, N].  ∂/∂a = dC·b, ∂/∂b = dCᵀ·a. */
export function outer(a: Tensor, b: Tensor): Variable {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.rank !== 1 || b.rank !== 1) {
    kernels.outer(a, b); // throws the core's message
  }
  return matmul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]));
}
