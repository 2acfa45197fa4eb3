/**
 * Sparse autoencoders: machines for un-mixing superposed activations into features.
 *
 * Every architecture reads an activation x, subtracts the decoder bias, encodes to many more
 * latents than x has dimensions, keeps few of them active, and decodes:
 *
 *     x̄ = x − b_dec                      π = x̄ W_enc + b_enc                x̂ = f W_dec + b_dec
 *
 *     relu      f = ReLU(π)                                    L = ‖x − x̂‖² + λ Σⱼ fⱼ
 *     topk      f = ReLU(TopKₖ(π))  (the k largest kept)        L = ‖x − x̂‖² + α·AuxK
 *     jumprelu  f = π ⊙ H(π − θ)    (one threshold θⱼ each)     L = ‖x − x̂‖² + λ Σⱼ H(πⱼ − θⱼ)
 *     gated     f = H(π_gate) ⊙ ReLU(π_mag)                     L = ‖x − x̂‖² + λ Σⱼ ReLU(π_gate)ⱼ + ‖x − x̂_gate‖²
 *
 * (Bricken et al. 2023; Gao et al. 2024; Rajamanoharan et al. 2024, twice.) The squared errors are
 * summed over the d_in dimensions and averaged over the batch; instances' losses are summed.
 *
 * - **Unit-norm decoder.** Row j of W_dec is latent j's direction in activation space. Before each
 *   step the gradient's component along each row is removed, after it the rows are renormalised,
 *   so λ cannot be dodged by shrinking f and growing W_dec.
 * - **TopK.** The encoder starts as the decoder's transpose. AuxK: the k_aux largest
 *   pre-activations among *dead* latents try to reconstruct what the SAE missed, e = x − x̂, with
 *   ‖e − ê‖² weighted by α = 1/32, so dead latents get a gradient again.
 * - **JumpReLU.** H has no useful derivative, so θ learns through straight-through estimators
 *   with a rectangle kernel K of bandwidth ε (K(u) = 1 for |u| < ½):
 *       ∂f/∂θ = −(θ/ε) K((π − θ)/ε)        ∂H(π − θ)/∂θ = −(1/ε) K((π − θ)/ε)
 *   written with `customOp`. θ = exp(log θ) stays positive.
 * - **Gated.** The gate decides which latents fire, the magnitude path how much; the two share
 *   weights, W_mag = W_gate ⊙ exp(r_mag). The auxiliary term reconstructs from ReLU(π_gate) through
 *   a frozen decoder, so the gate learns to select.
 * - **Dead latents** (none fired for `deadWindow` steps) can be resampled: `simple` re-initialises
 *   them at random; `anthropic` (Bricken et al.) points each at an input drawn with probability ∝
 *   (its squared error)², sets the encoder to that input scaled to 0.2 × the mean live encoder
 *   norm, zeroes b_enc, and resets the Adam state of the touched weights.
 *
 * Shapes, with a leading instance axis I so several SAEs train at once (SAELens's layout per
 * instance): x [I, B, d_in]; W_enc [I, d_in, d_sae]; b_enc [I, 1, d_sae]; W_dec [I, d_sae, d_in];
 * b_dec [I, 1, d_in]; f [I, B, d_sae].
 *
 * @module
 */
import { customOp } from '../autograd/functional.js';
import { noGrad } from '../autograd/engine.js';
import { add, detach, exp, matmul, mean, mul, relu, square, sub, sum } from '../autograd/index.js';
import { type Variable, parameter } from '../autograd/variable.js';
import { Adam } from '../optim/adam.js';
import { reluOfShiftedSum } from './fused.js';
import { decoderRowsWasmFor } from './decoder-wasm.js';
import { type TrainingState, restoreParameters, snapshot } from './training-state.js';
import { checkFiniteLoss, checkFiniteParameters } from './divergence.js';
import { kaimingUniform } from '../optim/init.js';
import { full, zeros } from '../tensor/creation.js';
import { fail, formatShape } from '../tensor/errors.js';
import * as kernels from '../tensor/kernels.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** The four architectures; see the module notes. */
export type SaeArchitecture = 'relu' | 'topk' | 'jumprelu' | 'gated';

/** Every architecture, for argument checking. */
export const SAE_ARCHITECTURES: readonly SaeArchitecture[] = ['relu', 'topk', 'jumprelu', 'gated'];

/** The size and kind of an SAE. */
export interface SaeConfig {
  /** Default `"relu"`. */
  architecture?: SaeArchitecture;
  /** d_in: the width of the activations. */
  inputDim: number;
  /** d_sae: the number of latents. */
  latents: number;
  /** SAEs trained side by side. Default 1. */
  instances?: number;
  /** TopK's k (latents kept per sample). Default min(4, latents). */
  k?: number;
  /** JumpReLU's initial threshold θ. Default 0.001, as in the paper. */
  initialThreshold?: number;
  /** JumpReLU's kernel bandwidth ε. Default 0.001, as in the paper. */
  bandwidth?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

// ─── The straight-through pieces, each a custom op with its own backward. ───

/** ReLU(TopKₖ(π)) along the last axis; ∂/∂π passes dy where the output is positive. */
const topkRelu = customOp({
  name: 'topkRelu',
  forward: (pre, kTensor) => {
    const k = kTensor.item();
    const { values, indices } = kernels.topk(pre, k, -1, { sorted: false });
    const out = new Float32Array(pre.size);
    const width = pre.shape[pre.rank - 1];
    const v = values.toTypedArray();
    const at = indices.toTypedArray();
    for (let row = 0, r = 0; r < v.length; row++, r += k) {
      for (let j = 0; j < k; j++) {
        const value = v[r + j];
        out[row * width + at[r + j]] = value > 0 ? value : 0;
      }
    }
    return kernels.astype(new Tensor(out, pre.shape.slice()), pre.dtype);
  },
  backward: (dy, _inputs, output) => [kernels.mul(dy, kernels.greater(output, 0)), null],
});

/** Rectangle kernel K((π − θ)/ε): 1 where |π − θ| < ε/2. */
function rectangle(pre: Tensor, threshold: Tensor, bandwidth: number): Tensor {
  return kernels.less(kernels.abs(kernels.sub(pre, threshold)), bandwidth / 2);
}

/** JumpReLU: π where π > θ, else 0. ∂/∂π = H(π − θ); ∂/∂θ = −(θ/ε) K((π − θ)/ε) (straight-through). */
const jumpRelu = customOp({
  name: 'jumpRelu',
  forward: (pre, threshold) => kernels.mul(pre, kernels.greater(pre, threshold)),
  backward: (dy, [pre, threshold, bandwidthTensor]) => {
    const bandwidth = bandwidthTensor.item();
    return [
      kernels.mul(dy, kernels.greater(pre, threshold)),
      kernels.mul(kernels.mul(dy, rectangle(pre, threshold, bandwidth)), kernels.div(kernels.neg(threshold), bandwidth)),
      null,
    ];
  },
});

/** H(π − θ): 1 where π > θ. ∂/∂π = 0; ∂/∂θ = −(1/ε) K((π − θ)/ε) (straight-through). */
const heaviside = customOp({
  name: 'heaviside',
  forward: (pre, threshold) => kernels.greater(pre, threshold),
  backward: (dy, [pre, threshold, bandwidthTensor]) => {
    const bandwidth = bandwidthTensor.item();
    return [null, kernels.mul(kernels.mul(dy, rectangle(pre, threshold, bandwidth)), -1 / bandwidth), null];
  },
});

/** An SAE's output on a batch. */
export interface SaeOutput {
  /** The latent activations f [I, B, d_sae] (a latent is a feature only once shown to match one). */
  latents: Variable;
  /** x̂ [I, B, d_in]. */
  reconstruction: Variable;
}

/** The loss of one batch, by term; each term is [I] (one value per instance). */
export interface SaeLoss {
  /** Σ over instances of every term: what training minimises. */
  total: Variable;
  /** Mean over the batch of ‖x − x̂‖², [I]. */
  mse: Variable;
  /** The sparsity term before λ: Σⱼ fⱼ (relu), Σⱼ H (jumprelu), Σⱼ ReLU(π_gate) (gated); zeros for topk. */
  sparsity: Variable;
  /** AuxK (topk) or the gate's reconstruction (gated), [I]; zeros otherwise. */
  auxiliary: Variable;
  /** The latent activations f [I, B, d_sae]. */
  latents: Variable;
  /** x̂ [I, B, d_in]. */
  reconstruction: Variable;
}

/** A sparse autoencoder with a leading instance axis. See the module notes. */
export class SparseAutoencoder {
  /** Which architecture. */
  readonly architecture: SaeArchitecture;
  /** d_in. */
  readonly inputDim: number;
  /** d_sae. */
  readonly latents: number;
  /** I. */
  readonly instances: number;
  /** TopK's k. */
  readonly k: number;
  /** JumpReLU's bandwidth ε. */
  readonly bandwidth: number;
  /** The encoder [I, d_in, d_sae] (the gate's weights for the gated SAE). */
  readonly W_enc: Variable;
  /** The encoder bias [I, 1, d_sae] (b_gate for the gated SAE). */
  readonly b_enc: Variable;
  /** The decoder [I, d_sae, d_in]: row j is latent j's unit direction. */
  readonly W_dec: Variable;
  /** The decoder bias [I, 1, d_in], subtracted before encoding and added after decoding. */
  readonly b_dec: Variable;
  /** JumpReLU: log θ [I, 1, d_sae]; null otherwise. */
  readonly logThreshold: Variable | null;
  /** Gated: r_mag [I, 1, d_sae], the log-scale tying W_mag = W_gate ⊙ exp(r_mag); null otherwise. */
  readonly r_mag: Variable | null;
  /** Gated: the magnitude path's bias b_mag [I, 1, d_sae]; null otherwise. */
  readonly b_mag: Variable | null;

  /** Random unit decoder rows, the encoder as their transpose, zero biases. */
  constructor(config: SaeConfig) {
    const op = 'SparseAutoencoder';
    const architecture = config.architecture ?? 'relu';
    if (!SAE_ARCHITECTURES.includes(architecture)) {
      fail(op, `architecture must be one of ${SAE_ARCHITECTURES.join(', ')}, got ${String(architecture)}`);
    }
    const instances = config.instances ?? 1;
    for (const [name, value] of [['inputDim', config.inputDim], ['latents', config.latents], ['instances', instances]] as const) {
      if (!Number.isInteger(value) || value < 1) fail(op, `${name} must be a whole number ≥ 1, got ${value}`);
    }
    const k = config.k ?? Math.min(4, config.latents);
    if (architecture === 'topk' && (!Number.isInteger(k) || k < 1 || k > config.latents)) {
      fail(op, `k must be a whole number from 1 to latents (${config.latents}), got ${k}`);
    }
    const bandwidth = config.bandwidth ?? 0.001;
    const initialThreshold = config.initialThreshold ?? 0.001;
    if (!(bandwidth > 0) || !(initialThreshold > 0)) fail(op, `bandwidth and initialThreshold must be positive, got ${bandwidth} and ${initialThreshold}`);
    this.architecture = architecture;
    this.inputDim = config.inputDim;
    this.latents = config.latents;
    this.instances = instances;
    this.k = k;
    this.bandwidth = bandwidth;
    const rng = new Rng(config.seed ?? 0);
    const { inputDim: d, latents: L } = this;
    const decoder = kaimingUniform([instances, L, d], { rng });
    normalizeRows(decoder.data, instances * L, d);
    this.W_dec = parameter(decoder, 'W_dec');
    this.W_enc = parameter(kernels.transpose(decoder, 1, 2), 'W_enc');
    this.b_enc = parameter(zeros([instances, 1, L]), architecture === 'gated' ? 'b_gate' : 'b_enc');
    this.b_dec = parameter(zeros([instances, 1, d]), 'b_dec');
    this.logThreshold = architecture === 'jumprelu' ? parameter(full([instances, 1, L], Math.log(initialThreshold)), 'log_threshold') : null;
    this.r_mag = architecture === 'gated' ? parameter(zeros([instances, 1, L]), 'r_mag') : null;
    this.b_mag = architecture === 'gated' ? parameter(zeros([instances, 1, L]), 'b_mag') : null;
  }

  /** The trainable parameters, in a fixed order. */
  parameters(): Variable[] {
    const extra = [this.logThreshold, this.r_mag, this.b_mag].filter((p): p is Variable => p !== null);
    return [this.W_enc, this.b_enc, this.W_dec, this.b_dec, ...extra];
  }

  /** JumpReLU's thresholds θ = exp(log θ) [I, 1, d_sae], as a plain tensor (null for other architectures). */
  thresholds(): Tensor | null {
    return this.logThreshold === null ? null : kernels.exp(this.logThreshold);
  }

  /**
   * π = (x − b_dec) W_enc + b_enc, [I, B, d_sae], computed as x W_enc − b_dec W_enc + b_enc.
   *
   * The same numbers (up to rounding), but a cheaper backward: in the first form b_dec's gradient
   * comes through x̄ = x − b_dec, which costs a full product dπ W_encᵀ ([B, d_sae]·[d_sae, d_in]);
   * in the second, x is a constant and b_dec meets W_enc in a [1, d_in]·[d_in, d_sae] product, so
   * its gradient costs a vector times a matrix. One of the step's six big matmuls is gone.
   */
  private preActivations(x: Tensor): Variable {
    this.checkInput(x);
    return this.project(x, this.W_enc, this.b_enc);
  }

  /** (x − b_dec) W + bias, distributed as in {@link SparseAutoencoder.preActivations}. */
  private project(x: Tensor, W: Tensor, bias: Tensor): Variable {
    return add(sub(matmul(x, W), matmul(this.b_dec, W)), bias);
  }

  /** f [I, B, d_sae] for x [I, B, d_in]. */
  encode(x: Tensor): Variable {
    return this.architecture === 'relu' ? this.reluLatents(x) : this.encodeFrom(this.preActivations(x), x);
  }

  /** The ReLU SAE's f = ReLU(π), the same numbers as relu(preActivations(x)) in one fused pass. */
  private reluLatents(x: Tensor): Variable {
    this.checkInput(x);
    return reluOfShiftedSum(matmul(x, this.W_enc), matmul(this.b_dec, this.W_enc), this.b_enc);
  }

  private encodeFrom(pre: Variable, x: Tensor): Variable {
    switch (this.architecture) {
      case 'relu':
        return relu(pre);
      case 'topk':
        return topkRelu(pre, this.k);
      case 'jumprelu':
        return jumpRelu(pre, exp(this.logThreshold as Variable), this.bandwidth);
      case 'gated': {
        const magnitude = relu(this.project(x, mul(this.W_enc, exp(this.r_mag as Variable)), this.b_mag as Variable));
        return mul(magnitude, kernels.greater(pre, 0)); // the gate H(π_gate): a constant mask
      }
    }
  }

  /** x̂ = f W_dec + b_dec, [I, B, d_in]. */
  decode(f: Tensor): Variable {
    return add(matmul(f, this.W_dec), this.b_dec);
  }

  /** Encode, then decode. */
  forward(x: Tensor): SaeOutput {
    const latents = this.encode(x);
    return { latents, reconstruction: this.decode(latents) };
  }

  /**
   * Every term of the loss on a batch x [I, B, d_in]. `l1` is λ; `dead` (for topk's AuxK) marks
   * the latents that have not fired lately, one flag per instance and latent (I·d_sae entries).
   */
  loss(x: Tensor, options: { l1?: number; dead?: Uint8Array } = {}): SaeLoss {
    const l1 = options.l1 ?? 0;
    // The ReLU SAE never needs π itself, so it takes the fused encoder; the others build π.
    let preCache: Variable | null = null;
    const preOf = (): Variable => (preCache ??= this.preActivations(x));
    const latents = this.architecture === 'relu' ? this.reluLatents(x) : this.encodeFrom(preOf(), x);
    const reconstruction = this.decode(latents);
    const perSample = (t: Variable): Variable => mean(sum(t, -1), -1); // Σ over the last axis, mean over the batch
    const mse = perSample(square(sub(x, reconstruction)));
    const none = (): Variable => mul(mse, 0);
    let sparsity: Variable;
    let auxiliary: Variable;
    switch (this.architecture) {
      case 'relu':
        sparsity = perSample(latents);
        auxiliary = none();
        break;
      case 'topk':
        sparsity = none();
        auxiliary = this.auxK(x, preOf(), reconstruction, options.dead) ?? none();
        break;
      case 'jumprelu':
        sparsity = perSample(heaviside(preOf(), exp(this.logThreshold as Variable), this.bandwidth));
        auxiliary = none();
        break;
      case 'gated': {
        const gateActivity = relu(preOf());
        sparsity = perSample(gateActivity);
        const frozen = add(matmul(gateActivity, detach(this.W_dec)), detach(this.b_dec));
        auxiliary = perSample(square(sub(x, frozen)));
        break;
      }
    }
    const total = sum(add(add(mse, mul(sparsity, l1)), auxiliary));
    return { total, mse, sparsity, auxiliary, latents, reconstruction };
  }

  /** AuxK: the k_aux largest pre-activations of dead latents reconstruct the residual, weighted 1/32; null when none is dead. */
  private auxK(x: Tensor, pre: Variable, reconstruction: Variable, dead: Uint8Array | undefined): Variable | null {
    const I = this.instances;
    const L = this.latents;
    let deadCount = 0;
    if (dead !== undefined) for (const flag of dead) deadCount += flag;
    if (dead === undefined || deadCount === 0) return null; // nothing dead: no auxiliary term
    // Live latents are pushed far below any pre-activation so TopK picks dead ones only.
    const penalty = new Float32Array(I * L);
    for (let i = 0; i < penalty.length; i++) penalty[i] = dead[i] === 1 ? 0 : -1e30;
    const kAux = Math.min(L, Math.max(1, Math.floor(this.inputDim / 2)));
    const auxFeatures = topkRelu(add(pre, new Tensor(penalty, [I, 1, L])), kAux);
    const residual = kernels.sub(x, reconstruction); // a target: no gradient through it
    const auxReconstruction = matmul(auxFeatures, this.W_dec);
    return mul(mean(sum(square(sub(residual, auxReconstruction)), -1), -1), 1 / 32);
  }

  /** Removes from W_dec's gradient its component along each decoder row (call before the step). */
  projectDecoderGradient(): void {
    const grad = this.W_dec.grad;
    if (grad === null) return;
    const d = this.inputDim;
    const W = this.W_dec.data;
    const G = grad.data;
    const rows = this.instances * this.latents;
    // float32 runs in WebAssembly where the kernel backend allows (decoder-wasm.ts), with the same bits.
    const wasm = W instanceof Float32Array && G instanceof Float32Array && grad.isContiguous && grad.offset === 0
      ? decoderRowsWasmFor(rows * d) : null;
    if (wasm !== null) {
      wasm.projectRows(W as Float32Array, G as Float32Array, rows, d);
      return;
    }
    for (let row = 0; row < rows; row++) {
      let along = 0;
      for (let i = 0; i < d; i++) along += W[row * d + i] * G[row * d + i];
      for (let i = 0; i < d; i++) G[row * d + i] -= along * W[row * d + i];
    }
  }

  /** Rescales every decoder row to unit norm, in place (call after the step). */
  normalizeDecoder(): void {
    normalizeRows(this.W_dec.data, this.instances * this.latents, this.inputDim);
  }

  /** Decoder directions of one instance, [d_sae, d_in] (a view). */
  decoderDirections(instance = 0): Tensor {
    if (!Number.isInteger(instance) || instance < 0 || instance >= this.instances) {
      fail('decoderDirections', `instance must be from 0 to ${this.instances - 1}, got ${instance}`);
    }
    return kernels.squeeze(kernels.slice(this.W_dec, 0, instance, instance + 1), 0);
  }

  private checkInput(x: Tensor): void {
    if (!(x instanceof Tensor) || x.rank !== 3 || x.shape[0] !== this.instances || x.shape[2] !== this.inputDim) {
      fail('SparseAutoencoder', `expected activations of shape [${this.instances}, batch, ${this.inputDim}], got ` +
        (x instanceof Tensor ? formatShape(x.shape) : String(x)));
    }
  }
}

/** Rescales `rows` rows of length `width`, stored one after another, to unit L2 norm (zero rows stay). */
function normalizeRows(data: Tensor['data'], rows: number, width: number): void {
  const wasm = data instanceof Float32Array ? decoderRowsWasmFor(rows * width) : null;
  if (wasm !== null) {
    wasm.normalizeRows(data as Float32Array, rows, width); // the same bits, in WebAssembly (decoder-wasm.ts)
    return;
  }
  for (let row = 0; row < rows; row++) {
    let squares = 0;
    for (let i = 0; i < width; i++) {
      const x = data[row * width + i];
      squares += x * x;
    }
    if (squares === 0) continue;
    const scale = 1 / Math.sqrt(squares);
    for (let i = 0; i < width; i++) data[row * width + i] *= scale;
  }
}

// ─── Training ───

/** How to train an SAE. */
export interface SaeTrainOptions {
  /** Steps. Default 10,000. */
  steps?: number;
  /** Samples per step, per instance. Default 1024. */
  batch?: number;
  /** Adam's learning rate. Default 1e-3. */
  lr?: number;
  /** λ, the sparsity coefficient (relu, jumprelu, gated). Default 0.1 (a toy-sized choice; tune it). */
  l1?: number;
  /** Steps over which λ ramps linearly from 0 to its value. Default 0 (no warm-up). */
  l1Warmup?: number;
  /** Dead-latent resampling: `"none"` (default), `"simple"` or `"anthropic"`. */
  resample?: 'none' | 'simple' | 'anthropic';
  /** Resample every this many steps. Default 2,500. */
  resampleEvery?: number;
  /** A latent that has not fired for this many steps is dead. Default 1,000. */
  deadWindow?: number;
  /** Seed of the data stream and of resampling. Default 0. */
  seed?: number;
  /** Called every `progressEvery` steps and at the end. */
  onProgress?: (step: number, figures: { loss: number; l0: number; dead: number }) => void;
  /** Default 100. */
  progressEvery?: number;
  /** Calls `onCheckpoint` every this many steps (counted from step 0) and at the last step. Default: never. */
  checkpointEvery?: number;
  /**
   * Receives the full training state every `checkpointEvery` steps: parameters, Adam's state, the
   * generator (role `data`, shared by sampling and resampling) and the counter `sinceFired`
   * (int32 [I·d_sae], steps since each latent fired). See training-state.ts.
   */
  onCheckpoint?: (state: TrainingState) => void;
  /**
   * A state from `onCheckpoint` to resume from: training runs from step `state.step + 1` to
   * `steps`, bit-identical to a run that never stopped, given the same SAE, sampler and options.
   */
  resumeFrom?: TrainingState;
  /** How the caller names the learning rate, for the DivergenceError of a run that diverges. Default `lr`. */
  lrSetting?: string;
}

/** One entry of the training history (means over instances; `dead` is summed). */
export interface SaeHistoryEntry {
  /** The step (1-based). */
  step: number;
  /** The total loss of that step's batch, summed over instances. */
  loss: number;
  /** Mean over instances of the batch's mean ‖x − x̂‖². */
  mse: number;
  /** Mean number of active latents per sample. */
  l0: number;
  /** Latents (over all instances) that have not fired for `deadWindow` steps. */
  dead: number;
  /** Latents resampled since the previous entry. */
  resampled: number;
}

/** What {@link trainSae} returns. */
export interface SaeTrainResult {
  /** Figures every `progressEvery` steps. */
  history: SaeHistoryEntry[];
  /** Wall time, in seconds. */
  seconds: number;
  /** The Adam optimizer, with its state (for checkpoints). */
  optimizer: Adam;
}

/** Draws a batch of activations [I, batch, d_in] from the generator. */
export type ActivationSampler = (batch: number, rng: Rng) => Tensor;

/**
 * Trains `sae` in place with Adam, keeping the decoder rows at unit norm, tracking dead latents
 * and resampling them if asked. See the module notes.
 */
export function trainSae(sae: SparseAutoencoder, sample: ActivationSampler, options: SaeTrainOptions = {}): SaeTrainResult {
  const op = 'trainSae';
  const steps = options.steps ?? 10_000;
  const batch = options.batch ?? 1024;
  const every = options.progressEvery ?? 100;
  const deadWindow = options.deadWindow ?? 1000;
  const resampleEvery = options.resampleEvery ?? 2500;
  const resample = options.resample ?? 'none';
  const l1 = options.l1 ?? 0.1;
  const l1Warmup = options.l1Warmup ?? 0;
  for (const [name, value, min] of [['steps', steps, 0], ['batch', batch, 1], ['progressEvery', every, 1],
    ['deadWindow', deadWindow, 1], ['resampleEvery', resampleEvery, 1], ['l1Warmup', l1Warmup, 0]] as const) {
    if (!Number.isInteger(value) || value < min) fail(op, `${name} must be a whole number ≥ ${min}, got ${value}`);
  }
  if (!(l1 >= 0) || !Number.isFinite(l1)) fail(op, `l1 must be a number ≥ 0, got ${l1}`);
  if (!['none', 'simple', 'anthropic'].includes(resample)) fail(op, `resample must be none, simple or anthropic, got ${String(resample)}`);
  const started = performance.now();
  const rng = new Rng(options.seed ?? 0);
  const optimizer = new Adam({ params: sae.parameters(), lr: options.lr ?? 1e-3 });
  const { instances: I, latents: L } = sae;
  const sinceFired = new Int32Array(I * L);
  const dead = new Uint8Array(I * L);
  const history: SaeHistoryEntry[] = [];
  let resampledSinceReport = 0;
  const checkpointEvery = options.checkpointEvery ?? 0;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) fail(op, `checkpointEvery must be a whole number ≥ 0, got ${checkpointEvery}`);
  const namedParameters = (): Record<string, Variable> => {
    const named: Record<string, Variable> = {};
    for (const param of sae.parameters()) named[param.name ?? ''] = param;
    return named;
  };
  const divergence = { op, lr: optimizer.lr, setting: options.lrSetting };
  let first = 1;
  if (options.resumeFrom !== undefined) {
    const state = options.resumeFrom;
    const data = state.rngs.data;
    const saved = state.counters.sinceFired;
    if (data === undefined) fail(op, 'the state to resume from has no "data" generator state');
    if (saved === undefined || saved.size !== sinceFired.length) {
      fail(op, `the state to resume from needs a sinceFired counter of ${sinceFired.length} entries`);
    }
    if (state.step > steps) fail(op, `the state to resume from is at step ${state.step}, past steps = ${steps}`);
    restoreParameters(op, namedParameters(), state.parameters);
    optimizer.loadStateDict(state.optimizer);
    rng.setState(data);
    sinceFired.set(saved.toTypedArray());
    resampledSinceReport = state.counters.resampledSinceReport?.toTypedArray()[0] ?? 0;
    first = state.step + 1;
  }
  for (let step = first; step <= steps; step++) {
    const x = sample(batch, rng);
    for (let i = 0; i < dead.length; i++) dead[i] = sinceFired[i] >= deadWindow ? 1 : 0;
    const coefficient = l1Warmup > 0 ? l1 * Math.min(1, step / l1Warmup) : l1;
    optimizer.zeroGrad();
    const terms = sae.loss(x, { l1: coefficient, dead });
    terms.total.backward();
    sae.projectDecoderGradient();
    optimizer.step();
    sae.normalizeDecoder();
    countStepsSinceFired(terms.latents, sinceFired, I, L);
    if (resample !== 'none' && step % resampleEvery === 0 && step < steps) {
      resampledSinceReport += resampleDeadLatents(sae, optimizer, sinceFired, deadWindow, resample, sample, batch, rng);
    }
    const loss = terms.total.item();
    checkFiniteLoss(loss, step, divergence); // every step: one scalar read
    if (step % every === 0 || step === steps) {
      const l0 = countNonZero(terms.latents) / (I * terms.latents.shape[1]);
      let deadNow = 0;
      for (const since of sinceFired) if (since >= deadWindow) deadNow++;
      const entry = { step, loss, mse: meanOf(terms.mse), l0, dead: deadNow, resampled: resampledSinceReport };
      resampledSinceReport = 0;
      history.push(entry);
      options.onProgress?.(step, { loss, l0, dead: deadNow });
    }
    if (checkpointEvery > 0 && (step % checkpointEvery === 0 || step === steps) && options.onCheckpoint !== undefined) {
      checkFiniteParameters(sae.parameters(), step, divergence); // a checkpoint is never non-finite
      const parameters: Record<string, Tensor> = {};
      for (const [name, param] of Object.entries(namedParameters())) parameters[name] = snapshot(param);
      options.onCheckpoint({
        step, parameters, optimizer: optimizer.stateDict(), rngs: { data: rng.getState() },
        counters: {
          sinceFired: new Tensor(sinceFired.slice(), [sinceFired.length]),
          resampledSinceReport: new Tensor(Int32Array.of(resampledSinceReport), [1]),
        },
      });
    }
  }
  checkFiniteParameters(sae.parameters(), steps, divergence);
  return { history, seconds: (performance.now() - started) / 1000, optimizer };
}

/**
 * Adds one step to every (instance, latent)'s count of steps since it last fired, then resets the
 * ones that fired on any sample of this batch. In place: nothing is allocated per step.
 */
function countStepsSinceFired(activations: Tensor, sinceFired: Int32Array, instances: number, latents: number): void {
  const packed = activations.contiguous();
  const f = packed.data;
  const start = packed.offset;
  const batch = activations.shape[1];
  for (let i = 0; i < sinceFired.length; i++) sinceFired[i]++;
  for (let k = 0; k < instances; k++) {
    for (let s = 0; s < batch; s++) {
      const row = start + (k * batch + s) * latents;
      for (let j = 0; j < latents; j++) if (f[row + j] !== 0) sinceFired[k * latents + j] = 0;
    }
  }
}

function countNonZero(t: Tensor): number {
  let count = 0;
  for (const v of t.toTypedArray()) if (v !== 0) count++;
  return count;
}

function meanOf(t: Tensor): number {
  const values = t.toTypedArray();
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/**
 * Re-initialises every dead latent (see the module notes) and returns how many. Needs at least one
 * live latent in an instance to scale the new encoder rows; an instance with none is left alone.
 */
export function resampleDeadLatents(
  sae: SparseAutoencoder, optimizer: Adam, sinceFired: Int32Array, deadWindow: number,
  method: 'simple' | 'anthropic', sample: ActivationSampler, batch: number, rng: Rng,
): number {
  const { instances: I, latents: L, inputDim: d } = sae;
  let resampled = 0;
  noGrad(() => {
    const x = method === 'anthropic' ? sample(batch, rng) : null;
    const errors = x === null ? null : kernels.sum(kernels.square(kernels.sub(x, sae.forward(x).reconstruction)), -1).toTypedArray();
    const xs = x?.toTypedArray() ?? null;
    const Wenc = sae.W_enc.data;
    const Wdec = sae.W_dec.data;
    const benc = sae.b_enc.data;
    for (let k = 0; k < I; k++) {
      const deadLatents: number[] = [];
      let liveNorm = 0;
      let live = 0;
      for (let j = 0; j < L; j++) {
        if (sinceFired[k * L + j] >= deadWindow) {
          deadLatents.push(j);
        } else {
          let squares = 0;
          for (let i = 0; i < d; i++) squares += Wenc[(k * d + i) * L + j] ** 2;
          liveNorm += Math.sqrt(squares);
          live++;
        }
      }
      if (deadLatents.length === 0 || live === 0) continue;
      const encoderNorm = 0.2 * (liveNorm / live);
      // Anthropic's sampling weights: each input's squared error, squared.
      let weights: Float64Array | null = null;
      let totalWeight = 0;
      if (errors !== null) {
        weights = new Float64Array(batch);
        for (let s = 0; s < batch; s++) {
          weights[s] = errors[k * batch + s] ** 2;
          totalWeight += weights[s];
        }
      }
      const touched: { enc: number[]; dec: number[]; bias: number[] } = { enc: [], dec: [], bias: [] };
      for (const j of deadLatents) {
        const direction = new Float64Array(d);
        if (weights !== null && xs !== null && totalWeight > 0) {
          let pick = rng.nextDouble() * totalWeight;
          let s = 0;
          while (s < batch - 1 && pick >= weights[s]) pick -= weights[s++];
          for (let i = 0; i < d; i++) direction[i] = xs[(k * batch + s) * d + i];
        } else {
          for (let i = 0; i < d; i++) direction[i] = rng.normal();
        }
        let norm = 0;
        for (let i = 0; i < d; i++) norm += direction[i] ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let i = 0; i < d; i++) {
          const unit = direction[i] / norm;
          Wdec[(k * L + j) * d + i] = unit;
          Wenc[(k * d + i) * L + j] = unit * encoderNorm;
          touched.dec.push((k * L + j) * d + i);
          touched.enc.push((k * d + i) * L + j);
        }
        benc[k * L + j] = 0;
        touched.bias.push(k * L + j);
        sinceFired[k * L + j] = 0;
        resampled++;
      }
      optimizer.resetStateAt(sae.W_enc, touched.enc);
      optimizer.resetStateAt(sae.W_dec, touched.dec);
      optimizer.resetStateAt(sae.b_enc, touched.bias);
    }
  });
  return resampled;
}
