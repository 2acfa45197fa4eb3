/**
 * The toy models of superposition (Elhage et al. 2022): n sparse features squeezed through m < n
 * hidden dimensions and read back out.
 *
 *     relu          h = W x                   x′ = ReLU(Wᵀ h + b)      the paper's main model
 *     linear        h = W x                   x′ = Wᵀ h + b            PCA-like: never superposes
 *     hidden-relu   h = ReLU(W x)             x′ = ReLU(Wᵀ h + b)      a privileged basis: neurons
 *     abs           h = ReLU(W₁ x)            y′ = ReLU(W₂ h + b)      computes |x| (untied layers)
 *
 * Loss, per instance: the importance-weighted squared error, averaged over the batch and the
 * features; the instances' losses are summed, so each instance trains as if alone:
 *
 *     L = Σ_instances  mean_{batch, i}  Iᵢ (yᵢ − x′ᵢ)²        (y = x, or |x| for abs)
 *
 * Shapes, with I instances, a batch of B, n features and m hidden dims:
 *
 *     x, x′   [I, B, n]       W, W₁   [I, m, n]       b   [I, 1, n]
 *     h       [I, B, m]       W₂      [I, n, m]       importance [I, 1, n]
 *
 * Feature i of instance k is the column W[k, :, i]: a direction in the m-dimensional hidden space.
 * Everything the lesson measures (norms, interference, dimensionality) is read off those columns.
 *
 * The products run as batched matmuls with the instance axis as the batch: h = x Wᵀ is
 * `matmul(x, W, { transposeB: true })`, and Wᵀ h is `matmul(h, W)`, with no transposed copy.
 *
 * @module
 */
import { abs, add, matmul, relu, sum } from '../autograd/index.js';
import { linearReadoutLoss, reluOfSum, reluReadoutLoss } from './fused.js';
import { noGrad } from '../autograd/engine.js';
import { checkFiniteLoss, checkFiniteParameters } from './divergence.js';
import { type Variable, parameter } from '../autograd/variable.js';
import { AdamW } from '../optim/adam.js';
import { xavierNormal } from '../optim/init.js';
import { zeros } from '../tensor/creation.js';
import { fail } from '../tensor/errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { type TrainingState, restoreParameters, snapshot } from './training-state.js';
import { generateFeatures, importanceTensor } from './data.js';

/** The four toy models; see the module notes. */
export type ToyModelKind = 'relu' | 'linear' | 'hidden-relu' | 'abs';

/** Every kind, for argument checking and loops. */
export const TOY_MODEL_KINDS: readonly ToyModelKind[] = ['relu', 'linear', 'hidden-relu', 'abs'];

/** The size and kind of a toy model. */
export interface ToyModelConfig {
  /** Which model. Default `"relu"`. */
  kind?: ToyModelKind;
  /** I: models trained side by side, each with its own data density and importance. */
  instances: number;
  /** n: features. */
  features: number;
  /** m: hidden dimensions. */
  hidden: number;
  /** Seed for the initial weights. Default 0. */
  seed?: number;
}

/** A toy model: its parameters and its forward pass. */
export class ToyModel {
  /** Which model this is. */
  readonly kind: ToyModelKind;
  /** I: instances trained side by side. */
  readonly instances: number;
  /** n: features. */
  readonly features: number;
  /** m: hidden dimensions. */
  readonly hidden: number;
  /** W [I, m, n] (W₁ for the abs model): column i is feature i's direction in hidden space. */
  readonly W: Variable;
  /** The output bias b [I, 1, n]. */
  readonly b: Variable;
  /** W₂ [I, n, m], the abs model's untied output layer; null for the tied models. */
  readonly W2: Variable | null;

  /** Initialises W (and W₂) Xavier-normal per instance matrix, and b = 0. */
  constructor(config: ToyModelConfig) {
    const op = 'ToyModel';
    const kind = config.kind ?? 'relu';
    if (!TOY_MODEL_KINDS.includes(kind)) fail(op, `kind must be one of ${TOY_MODEL_KINDS.join(', ')}, got ${String(kind)}`);
    for (const name of ['instances', 'features', 'hidden'] as const) {
      const value = config[name];
      if (!Number.isInteger(value) || value < 1) fail(op, `${name} must be a whole number ≥ 1, got ${value}`);
    }
    this.kind = kind;
    this.instances = config.instances;
    this.features = config.features;
    this.hidden = config.hidden;
    const rng = new Rng(config.seed ?? 0);
    const { instances: I, features: n, hidden: m } = this;
    this.W = parameter(xavierNormal([I, m, n], { rng }), kind === 'abs' ? 'W1' : 'W');
    this.W2 = kind === 'abs' ? parameter(xavierNormal([I, n, m], { rng }), 'W2') : null;
    this.b = parameter(zeros([I, 1, n]), 'b');
  }

  /** The trainable parameters, in a fixed order. */
  parameters(): Variable[] {
    return this.W2 === null ? [this.W, this.b] : [this.W, this.W2, this.b];
  }

  /** The hidden activations h [I, B, m] for features x [I, B, n]. */
  hiddenActivations(x: Tensor): Variable {
    this.checkInput(x);
    const h = matmul(x, this.W, { transposeB: true }); // h = W x for every sample: x Wᵀ
    return this.kind === 'hidden-relu' || this.kind === 'abs' ? relu(h) : h;
  }

  /** The reconstruction x′ [I, B, n] (for abs: the estimate of |x|). */
  forward(x: Tensor): Variable {
    const readOut = this.readOut(this.hiddenActivations(x));
    return this.kind === 'linear' ? add(readOut, this.b) : reluOfSum(readOut, this.b);
  }

  /** Wᵀ h (W₂ h for the abs model), before the bias: [I, B, n]. */
  private readOut(h: Tensor): Variable {
    return this.W2 === null ? matmul(h, this.W) : matmul(h, this.W2, { transposeB: true });
  }

  /** What the model should output for x: x itself, or |x| for the abs model. */
  target(x: Tensor): Tensor {
    return this.kind === 'abs' ? abs(x) : x;
  }

  /**
   * Each instance's loss, [I]: mean over batch and features of Iᵢ (yᵢ − x′ᵢ)².
   * `importance` is [I, 1, n] (see `importanceTensor`).
   */
  lossPerInstance(x: Tensor, importance: Tensor): Variable {
    // The read-out (ReLU or bias only) and the loss as one op (see fused.ts): the same numbers, half the passes.
    if (this.kind === 'linear') return linearReadoutLoss(this.readOut(this.hiddenActivations(x)), this.b, x, importance);
    return reluReadoutLoss(this.readOut(this.hiddenActivations(x)), this.b, this.target(x), importance);
  }

  private checkInput(x: Tensor): void {
    if (x.rank !== 3 || x.shape[0] !== this.instances || x.shape[2] !== this.features) {
      fail('ToyModel', `expected features of shape [${this.instances}, batch, ${this.features}], got [${x.shape.join(',')}]`);
    }
  }
}

/** How to train a toy model. Defaults follow the paper. */
export interface TrainOptions {
  /** Feature density p per instance (or one for all), each in (0, 1]. */
  density: number | readonly number[];
  /**
   * Importance: a ratio r (Iᵢ = rⁱ), one ratio per instance, or a tensor [I, 1, n] giving every
   * importance (e.g. [1, r] per instance for the phase diagram). Default 1 (all equal).
   */
  importance?: number | readonly number[] | Tensor;
  /** Optimisation steps. Default 10,000. */
  steps?: number;
  /** Samples per step, per instance. Default 1024. */
  batch?: number;
  /** AdamW's learning rate. Default 1e-3. */
  lr?: number;
  /** AdamW's decoupled weight decay. Default 1e-2 (PyTorch's AdamW default, which the paper used). */
  weightDecay?: number;
  /** Seed of the data stream. Default 0. */
  seed?: number;
  /** Called every `progressEvery` steps and at the last step, with the step (1-based) and the loss. */
  onProgress?: (step: number, loss: number) => void;
  /** How often `onProgress` and the loss history sample. Default every 100 steps. */
  progressEvery?: number;
  /** Calls `onCheckpoint` every this many steps (counted from step 0, so resumed runs keep the rhythm) and at the last step. Default: never. */
  checkpointEvery?: number;
  /** Receives the full training state (see training-state.ts) every `checkpointEvery` steps. */
  onCheckpoint?: (state: TrainingState) => void;
  /**
   * A state from `onCheckpoint` to resume from: the parameters, AdamW's state and the data stream
   * are restored and training runs from step `state.step + 1` to `steps`. The model and the other
   * options must be the ones the state was saved with; then the result is bit-identical to a run
   * that never stopped.
   */
  resumeFrom?: TrainingState;
  /** How the caller names the learning rate, for the {@link DivergenceError} of a run that diverges. Default `lr`. */
  lrSetting?: string;
}

/** What training returns. */
export interface TrainResult {
  /** The summed loss (over instances) every `progressEvery` steps: [step, loss] pairs. */
  history: [step: number, loss: number][];
  /** Each instance's loss on a fresh batch after training. */
  finalLoss: number[];
  /** Wall time, in seconds. */
  seconds: number;
}

/**
 * One training step at a time: draws a fresh batch (into one reused buffer), then forward,
 * backward and an AdamW update. {@link trainToyModel} loops it; benchmarks time it.
 */
export class ToyModelTrainer {
  /** The model being trained, in place. */
  readonly model: ToyModel;
  /** The optimizer (AdamW). */
  readonly optimizer: AdamW;
  /** The importances [I, 1, n]. */
  readonly importance: Tensor;
  /** The feature batch [I, B, n], refilled by every step. */
  readonly batch: Tensor;
  private readonly draw: (out?: Tensor) => Tensor;
  private readonly rng: Rng;

  /** Checks the options and allocates the batch buffer and the optimizer state. */
  constructor(model: ToyModel, options: TrainOptions) {
    const op = 'trainToyModel';
    const batch = options.batch ?? 1024;
    if (!(model instanceof ToyModel)) fail(op, 'expected a ToyModel');
    if (!Number.isInteger(batch) || batch < 1) fail(op, `batch must be a whole number ≥ 1, got ${batch}`);
    this.model = model;
    this.importance = options.importance instanceof Tensor
      ? checkImportance(options.importance, model)
      : importanceTensor(model.instances, model.features, options.importance ?? 1);
    const rng = new Rng(options.seed ?? 0);
    this.rng = rng;
    this.optimizer = new AdamW({ params: model.parameters(), lr: options.lr ?? 1e-3, weightDecay: options.weightDecay ?? 1e-2 });
    this.draw = (out?: Tensor): Tensor => generateFeatures({
      instances: model.instances, batch, features: model.features, density: options.density, rng,
      values: model.kind === 'abs' ? 'signed' : 'unit', out,
    });
    this.batch = this.draw();
  }

  /** One step; returns the loss (summed over instances) computed on this step's batch. */
  step(): Variable {
    this.draw(this.batch);
    this.optimizer.zeroGrad();
    const loss = sum(this.model.lossPerInstance(this.batch, this.importance));
    loss.backward();
    this.optimizer.step();
    return loss;
  }

  /**
   * The full state after `step` steps, as copies: parameters (by name), AdamW's state and the data
   * stream's generator (role `data`). The batch buffer needs no saving: every step refills it whole.
   */
  trainingState(step: number): TrainingState {
    const parameters: Record<string, Tensor> = {};
    for (const param of this.model.parameters()) parameters[param.name ?? ''] = snapshot(param);
    return { step, parameters, optimizer: this.optimizer.stateDict(), rngs: { data: this.rng.getState() }, counters: {} };
  }

  /** Restores a state from {@link ToyModelTrainer.trainingState}; returns its step. Checks before it changes anything but the RNG. */
  restore(state: TrainingState): number {
    const op = 'trainToyModel';
    const data = state.rngs.data;
    if (data === undefined) fail(op, 'the state to resume from has no "data" generator state');
    const targets: Record<string, Tensor> = {};
    for (const param of this.model.parameters()) targets[param.name ?? ''] = param;
    restoreParameters(op, targets, state.parameters);
    this.optimizer.loadStateDict(state.optimizer);
    this.rng.setState(data);
    return state.step;
  }

  /** Each instance's loss on a fresh batch (not the training buffer), without recording a graph. */
  evaluate(): number[] {
    return noGrad(() => Array.from(this.model.lossPerInstance(this.draw(), this.importance).toTypedArray()));
  }
}

/**
 * Trains `model` in place with AdamW on freshly drawn sparse features each step.
 *
 * @example
 * ```ts
 * const model = new ToyModel({ instances: 2, features: 5, hidden: 2 });
 * const { finalLoss } = trainToyModel(model, { density: [1, 0.05], importance: 0.9, steps: 500 });
 * ```
 */
export function trainToyModel(model: ToyModel, options: TrainOptions): TrainResult {
  const op = 'trainToyModel';
  const steps = options.steps ?? 10_000;
  const every = options.progressEvery ?? 100;
  if (!Number.isInteger(steps) || steps < 0) fail(op, `steps must be a whole number ≥ 0, got ${steps}`);
  if (!Number.isInteger(every) || every < 1) fail(op, `progressEvery must be a whole number ≥ 1, got ${every}`);
  const checkpointEvery = options.checkpointEvery ?? 0;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) fail(op, `checkpointEvery must be a whole number ≥ 0, got ${checkpointEvery}`);
  const started = performance.now();
  const trainer = new ToyModelTrainer(model, options);
  const history: [number, number][] = [];
  const first = options.resumeFrom === undefined ? 1 : trainer.restore(options.resumeFrom) + 1;
  if (first - 1 > steps) fail(op, `the state to resume from is at step ${first - 1}, past steps = ${steps}`);
  const divergence = { op, lr: trainer.optimizer.lr, setting: options.lrSetting };
  for (let step = first; step <= steps; step++) {
    const value = trainer.step().item();
    // Every step: one scalar read, so a diverged run stops where it diverged.
    checkFiniteLoss(value, step, divergence);
    if (step % every === 0 || step === steps) {
      history.push([step, value]);
      options.onProgress?.(step, value);
    }
    if (checkpointEvery > 0 && step % checkpointEvery === 0 && step !== steps && options.onCheckpoint !== undefined) {
      checkFiniteParameters(model.parameters(), step, divergence); // a checkpoint is never non-finite
      options.onCheckpoint(trainer.trainingState(step));
    }
  }
  checkFiniteParameters(model.parameters(), steps, divergence);
  // The last state is taken before the evaluation draws from the data stream, and handed out
  // only once the evaluation is finite too: a run that diverged at the end saves no last checkpoint.
  const last = checkpointEvery > 0 && first <= steps ? trainer.trainingState(steps) : undefined;
  const finalLoss = trainer.evaluate();
  finalLoss.forEach((value) => checkFiniteLoss(value, steps, divergence, 'the final loss'));
  if (last !== undefined) options.onCheckpoint?.(last);
  return { history, finalLoss, seconds: (performance.now() - started) / 1000 };
}

function checkImportance(importance: Tensor, model: ToyModel): Tensor {
  const { instances, features } = model;
  if (importance.rank !== 3 || importance.shape[0] !== instances || importance.shape[1] !== 1 || importance.shape[2] !== features) {
    fail('trainToyModel', `an importance tensor must have shape [${instances}, 1, ${features}], got [${importance.shape.join(',')}]`);
  }
  return importance;
}
