/**
 * Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), following PyTorch's
 * `torch.optim.Adam` and `torch.optim.AdamW` step for step.
 *
 * For each parameter θ with gradient g (shape S), at its t-th update (t = 1, 2, …), with learning
 * rate η, betas β₁ β₂, epsilon ε and weight decay λ:
 *
 *     Adam:   g ← g + λ·θ                   L2 penalty: decay goes through the moments
 *     AdamW:  θ ← θ − η·λ·θ                 decoupled: decay shrinks θ directly, before the update
 *
 *     m ← β₁·m + (1 − β₁)·g                 first moment (running mean of g)
 *     v ← β₂·v + (1 − β₂)·g²                second moment (running mean of g²)
 *     m̂ = m / (1 − β₁ᵗ)                     bias correction: m and v start at 0, so early
 *     v̂ = v / (1 − β₂ᵗ)                     averages are too small by exactly these factors
 *     θ ← θ − η·m̂ / (√v̂ + ε)
 *
 * As in PyTorch, the last line is computed as θ ← θ − (η / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε),
 * which is the same number: ε is added after the correction of √v, not before.
 *
 * Why the two decays differ: with Adam's L2, the decay term λ·θ is divided by √v̂ like the rest of
 * the gradient, so weights with large gradients are decayed less. AdamW's decay is independent of
 * the gradient's history: every weight shrinks by the same factor (1 − η·λ) each step.
 *
 * On the first update (t = 1, λ = 0): m̂ = g and v̂ = g², so θ moves by η·g / (|g| + ε), which is
 * η·sign(g) up to ε: Adam's first step has the same size for every weight.
 *
 * State: m (`expAvg`) and v (`expAvgSq`), each of θ's shape and dtype, and θ's update count t.
 *
 * The loop below is the reference; float32 parameters of 1024 entries or more run the same
 * update in WebAssembly SIMD (adam-simd.ts), bit for bit, unless `setMatmulBackend('js')`. For
 * that, the float32 moments live in a WebAssembly memory (plain Float32Array views of it, which
 * the loop, checkpoints and `resetState` use as any array).
 *
 * @module
 */
import type { Variable } from '../autograd/variable.js';
import { fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { type Hyperparameters, Optimizer, checkHyperparameter } from './optimizer.js';
import { AdamSimd, adamSimdAllowed } from './adam-simd.js';
import { wasmSimdAvailable } from '../tensor/wasm/backend.js';

/** Options for {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** The parameters to update, made with `parameter()`. */
  params: readonly Variable[];
  /** The learning rate η ≥ 0. Default 1e-3. */
  lr?: number;
  /** The decay rates [β₁, β₂] of the two moments, each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** ε ≥ 0, added to √v̂ so the division stays finite. Default 1e-8. */
  eps?: number;
  /** Weight decay λ ≥ 0. Adam: L2 added to the gradient, default 0. AdamW: decoupled, default 1e-2. */
  weightDecay?: number;
}

/**
 * Adam with an optional L2 penalty added to the gradient (PyTorch's `Adam`); see the module notes.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, -2]));
 * const optimizer = new Adam({ params: [w], lr: 0.1 });
 * sum(square(w)).backward();   // w.grad = [2, -4]
 * optimizer.step();            // first step: θ − η·g/(|g| + ε) ≈ θ − η·sign(g)
 * w.toArray();                 // returns [0.9, -1.9] (within float32)
 * ```
 */
export class Adam extends Optimizer {
  /** β₁, the decay rate of the first moment. */
  readonly beta1: number;
  /** β₂, the decay rate of the second moment. */
  readonly beta2: number;
  /** ε, added to √v̂. */
  readonly eps: number;
  /** Weight decay λ. */
  readonly weightDecay: number;
  /** True for AdamW: decay θ directly (decoupled) instead of adding λ·θ to the gradient. */
  readonly decoupledWeightDecay: boolean;

  /** Checks the options and allocates the two moment buffers of every parameter. */
  constructor(options: AdamOptions);
  /** Used by {@link AdamW}: the name for messages and whether weight decay is decoupled. */
  constructor(options: AdamOptions, name: string, decoupledWeightDecay: boolean, defaultWeightDecay: number);
  constructor(options: AdamOptions, name = 'Adam', decoupledWeightDecay = false, defaultWeightDecay = 0) {
    if (options === null || typeof options !== 'object') fail(name, 'expected an options object { params, lr?, betas?, eps?, weightDecay? }');
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) fail(name, 'betas must be a pair [β₁, β₂]');
    const beta1 = checkHyperparameter(name, 'betas[0]', betas[0], 0, 1, true);
    const beta2 = checkHyperparameter(name, 'betas[1]', betas[1], 0, 1, true);
    const eps = checkHyperparameter(name, 'eps', options.eps ?? 1e-8, 0);
    const weightDecay = checkHyperparameter(name, 'weightDecay', options.weightDecay ?? defaultWeightDecay, 0);
    super(name, options.params, options.lr ?? 1e-3, ['expAvg', 'expAvgSq']);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupledWeightDecay = decoupledWeightDecay;
    this.simd = residentMoments(this.params, this.buffers);
  }

  /** Where the float32 parameters' moments live, for the WebAssembly update; null if nowhere. */
  private readonly simd: AdamSimd | null;

  /** `{ lr, beta1, beta2, eps, weightDecay }`. */
  hyperparameters(): Hyperparameters {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  /** The update in the module notes, over θ's storage and the two moments in place. */
  protected updateParameter(index: number, param: Variable, grad: Tensor, step: number): void {
    const theta = param.data;
    const thetaOffset = param.offset;
    const g = grad.data;
    const gOffset = grad.offset;
    const size = param.size;
    const m = this.buffers[index][0];
    const v = this.buffers[index][1];
    const lr = this.lr;
    const beta1 = this.beta1;
    const beta2 = this.beta2;
    const eps = this.eps;
    const stepSize = lr / (1 - beta1 ** step);
    const correction2Sqrt = Math.sqrt(1 - beta2 ** step);
    // Adam folds λ·θ into the gradient; AdamW scales θ by (1 − η·λ) first. One of the two is 0.
    const l2 = this.decoupledWeightDecay ? 0 : this.weightDecay;
    const shrink = this.decoupledWeightDecay ? 1 - lr * this.weightDecay : 1;
    // float32 runs in WebAssembly where the kernel backend allows (adam-simd.ts), with the same bits.
    if (this.simd !== null && this.simd.holds(index) && g instanceof Float32Array && adamSimdAllowed(size)) {
      this.simd.update(index, theta as Float32Array, thetaOffset, g, gOffset, size, { shrink, l2, beta1, beta2, stepSize, correction2Sqrt, eps });
      return;
    }
    for (let i = 0; i < size; i++) {
      const t = thetaOffset + i;
      const thetaDecayed = theta[t] * shrink;
      const gi = g[gOffset + i] + l2 * theta[t];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      theta[t] = thetaDecayed - stepSize * m[i] / (Math.sqrt(v[i]) / correction2Sqrt + eps);
    }
  }
}

/**
 * AdamW: Adam with decoupled weight decay, θ ← θ − η·λ·θ before the Adam update (PyTorch's
 * `AdamW`, default λ = 1e-2); see the module notes for why it differs from Adam's L2.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, -2]));
 * const optimizer = new AdamW({ params: [w], lr: 0.1, weightDecay: 0.5 });
 * sum(square(w)).backward();
 * optimizer.step();            // θ·(1 − 0.1·0.5) − 0.1·sign(g)
 * w.toArray();                 // returns [0.85, -1.8] (within float32)
 * ```
 */
/**
 * Moves the float32 parameters' moment buffers into one WebAssembly memory (see `AdamSimd`), in
 * place in `buffers`, and returns it; null where WebAssembly SIMD cannot run or there is no float32
 * parameter. The buffers are fresh zeros here, so nothing needs copying.
 */
function residentMoments(params: readonly Variable[], buffers: TypedArray[][]): AdamSimd | null {
  const sizes = params.map((param) => (param.dtype === 'float32' ? param.size : 0));
  if (!sizes.some((n) => n > 0) || !wasmSimdAvailable()) return null;
  let simd: AdamSimd;
  try {
    simd = new AdamSimd(sizes);
  } catch (error) {
    if (error instanceof RangeError) return null; // the memory could not grow that far: keep JavaScript's buffers
    throw error;
  }
  sizes.forEach((n, p) => {
    const moments = simd.moments(p);
    if (moments !== null) [buffers[p][0], buffers[p][1]] = moments;
  });
  return simd;
}

export class AdamW extends Adam {
  /** Checks the options and allocates the two moment buffers of every parameter. */
  constructor(options: AdamOptions) {
    super(options, 'AdamW', true, 1e-2);
  }
}
