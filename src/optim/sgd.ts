/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * following PyTorch's `torch.optim.SGD` step for step.
 *
 * For each parameter θ with gradient g (shape S), at its t-th update (t = 1, 2, …):
 *
 *     d ← g + λ·θ                              weight decay λ (L2 added to the gradient)
 *     if μ ≠ 0:
 *         b ← d                      if t = 1  the buffer starts at the first gradient
 *         b ← μ·b + (1 − τ)·d        if t > 1  momentum μ, dampening τ
 *         d ← d + μ·b                if Nesterov
 *         d ← b                      otherwise
 *     θ ← θ − η·d                              learning rate η
 *
 * The momentum buffer b has θ's shape and dtype; it is the only state. Note that with momentum the
 * first update is η·d, not η·(1 − τ)·d: PyTorch copies the first gradient into the buffer
 * undamped, and this does the same.
 *
 * @module
 */
import type { Variable } from '../autograd/variable.js';
import { fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Hyperparameters, Optimizer, checkHyperparameter } from './optimizer.js';

/** Options for {@link SGD}. */
export interface SGDOptions {
  /** The parameters to update, made with `parameter()`. */
  params: readonly Variable[];
  /** The learning rate η (required, ≥ 0). */
  lr: number;
  /** The momentum factor μ ≥ 0. Default 0 (plain gradient descent, no state). */
  momentum?: number;
  /** The dampening τ ≥ 0 applied to new gradients in the momentum buffer. Default 0. */
  dampening?: number;
  /** Use Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** L2 weight decay λ ≥ 0, added to the gradient as λ·θ. Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent; see the module notes for the update.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2]));
 * const optimizer = new SGD({ params: [w], lr: 0.1, momentum: 0.9 });
 * sum(square(w)).backward();   // w.grad = [2, 4]
 * optimizer.step();
 * w.toArray();                 // returns [0.8, 1.6] (within float32)
 * ```
 */
export class SGD extends Optimizer {
  /** The momentum factor μ. */
  readonly momentum: number;
  /** The dampening τ. */
  readonly dampening: number;
  /** Whether the update uses Nesterov momentum. */
  readonly nesterov: boolean;
  /** The L2 weight decay λ. */
  readonly weightDecay: number;

  /** Checks the options; allocates a momentum buffer per parameter when momentum > 0. */
  constructor(options: SGDOptions) {
    if (options === null || typeof options !== 'object') fail('SGD', 'expected an options object { params, lr, ... }');
    const momentum = checkHyperparameter('SGD', 'momentum', options.momentum ?? 0, 0);
    const dampening = checkHyperparameter('SGD', 'dampening', options.dampening ?? 0, 0);
    const weightDecay = checkHyperparameter('SGD', 'weightDecay', options.weightDecay ?? 0, 0);
    const nesterov = options.nesterov ?? false;
    if (typeof nesterov !== 'boolean') fail('SGD', `nesterov must be true or false, got ${String(nesterov)}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      fail('SGD', `Nesterov momentum needs momentum > 0 and dampening = 0, got momentum ${momentum}, dampening ${dampening}`);
    }
    if (options.lr === undefined) fail('SGD', 'lr is required');
    super('SGD', options.params, options.lr, momentum === 0 ? [] : ['momentumBuffer']);
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  /** `{ lr, momentum, dampening, nesterov, weightDecay }`. */
  hyperparameters(): Hyperparameters {
    return {
      lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay,
    };
  }

  /** The update in the module notes, over θ's storage in place. */
  protected updateParameter(index: number, param: Variable, grad: Tensor, step: number): void {
    const theta = param.data;
    const thetaOffset = param.offset;
    const g = grad.data;
    const gOffset = grad.offset;
    const size = param.size;
    const lr = this.lr;
    const decay = this.weightDecay;
    const mu = this.momentum;
    if (mu === 0) {
      for (let i = 0; i < size; i++) {
        const d = g[gOffset + i] + decay * theta[thetaOffset + i];
        theta[thetaOffset + i] -= lr * d;
      }
      return;
    }
    const buffer = this.buffers[index][0];
    const keep = 1 - this.dampening;
    const first = step === 1;
    const nesterov = this.nesterov;
    for (let i = 0; i < size; i++) {
      const d = g[gOffset + i] + decay * theta[thetaOffset + i];
      buffer[i] = first ? d : mu * buffer[i] + keep * d;
      // Read b back from storage, so a float32 buffer rounds exactly as PyTorch's does.
      const b = buffer[i];
      theta[thetaOffset + i] -= lr * (nesterov ? d + mu * b : b);
    }
  }
}
