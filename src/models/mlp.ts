/**
 * A one-hidden-layer classifier, the smallest real network with neurons worth looking inside:
 *
 *     h = ReLU(x W₁ᵀ + b₁)        z = h W₂ᵀ + b₂        L = mean over the batch of −log softmax(z)[y]
 *
 * trained with Adam on minibatches, reshuffled every epoch.
 *
 * Shapes, with a batch of B, d inputs, H hidden neurons and C classes:
 *
 *     x [B, d]     W₁ [H, d]    b₁ [H]     h [B, H]     W₂ [C, H]    b₂ [C]     z [B, C]     y int32 [B]
 *
 * (PyTorch's `nn.Linear` layout: row j of W₁ is neuron j's input weights, column j of W₂ is what
 * neuron j adds to each logit.) The hidden layer is the object of study: neuron j is coordinate j
 * of h, and a direction v in that space changes the logits by W₂ v, which is how a direction's
 * "logit weights" are read.
 *
 * @module
 */
import { add, crossEntropy, matmul, relu } from '../autograd/index.js';
import { noGrad } from '../autograd/engine.js';
import { type Variable, parameter } from '../autograd/variable.js';
import { Adam } from '../optim/adam.js';
import { DivergenceError } from './divergence.js';
import { kaimingUniform } from '../optim/init.js';
import { fail, formatShape } from '../tensor/errors.js';
import * as kernels from '../tensor/kernels.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** The size of a {@link MlpClassifier}. */
export interface MlpConfig {
  /** d: inputs per sample. */
  inputs: number;
  /** H: hidden ReLU neurons. */
  hidden: number;
  /** C: classes. */
  classes: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

/** An MLP d → H → C with a ReLU hidden layer; see the module notes. */
export class MlpClassifier {
  /** d. */
  readonly inputs: number;
  /** H. */
  readonly hidden: number;
  /** C. */
  readonly classes: number;
  /** W₁ [H, d]. */
  readonly W1: Variable;
  /** b₁ [H]. */
  readonly b1: Variable;
  /** W₂ [C, H]. */
  readonly W2: Variable;
  /** b₂ [C]. */
  readonly b2: Variable;

  /** Weights drawn as PyTorch's `nn.Linear` draws them (uniform, bound 1/√fan_in); biases 0. */
  constructor(config: MlpConfig) {
    const op = 'MlpClassifier';
    for (const name of ['inputs', 'hidden', 'classes'] as const) {
      const value = config[name];
      if (!Number.isInteger(value) || value < 1) fail(op, `${name} must be a whole number ≥ 1, got ${value}`);
    }
    this.inputs = config.inputs;
    this.hidden = config.hidden;
    this.classes = config.classes;
    const rng = new Rng(config.seed ?? 0);
    this.W1 = parameter(kaimingUniform([config.hidden, config.inputs], { rng, a: Math.sqrt(5) }), 'W1');
    this.b1 = parameter(kernels.zeros([config.hidden]), 'b1');
    this.W2 = parameter(kaimingUniform([config.classes, config.hidden], { rng, a: Math.sqrt(5) }), 'W2');
    this.b2 = parameter(kernels.zeros([config.classes]), 'b2');
  }

  /** The trainable parameters, in a fixed order. */
  parameters(): Variable[] {
    return [this.W1, this.b1, this.W2, this.b2];
  }

  /** h = ReLU(x W₁ᵀ + b₁), [B, H], for x [B, d]. */
  hiddenActivations(x: Tensor): Variable {
    if (!(x instanceof Tensor) || x.rank !== 2 || x.shape[1] !== this.inputs) {
      fail('MlpClassifier', `expected inputs of shape [batch, ${this.inputs}], got ${x instanceof Tensor ? formatShape(x.shape) : String(x)}`);
    }
    return relu(add(matmul(x, this.W1, { transposeB: true }), this.b1));
  }

  /** z = h W₂ᵀ + b₂, [B, C], for hidden activations h [B, H] (from this model, or edited). */
  logitsFromHidden(h: Tensor): Variable {
    if (!(h instanceof Tensor) || h.rank !== 2 || h.shape[1] !== this.hidden) {
      fail('MlpClassifier', `expected hidden activations of shape [batch, ${this.hidden}], got ${h instanceof Tensor ? formatShape(h.shape) : String(h)}`);
    }
    return add(matmul(h, this.W2, { transposeB: true }), this.b2);
  }

  /** Both layers, for x [B, d]. */
  forward(x: Tensor): MlpOutput {
    const hidden = this.hiddenActivations(x);
    return { hidden, logits: this.logitsFromHidden(hidden) };
  }

  /** The predicted class of each row of x, int32 [B] (no gradient is recorded). */
  predict(x: Tensor): Tensor {
    return noGrad(() => kernels.argmax(this.forward(x).logits, -1));
  }
}

/** What {@link MlpClassifier.forward} returns. */
export interface MlpOutput {
  /** h [B, H], after the ReLU. */
  hidden: Variable;
  /** z [B, C]. */
  logits: Variable;
}

/** How to train a {@link MlpClassifier}. */
export interface MlpTrainOptions {
  /** Passes over the training set. Default 5. */
  epochs?: number;
  /** Samples per step. Default 64. */
  batch?: number;
  /** Adam's learning rate. Default 1e-3. */
  lr?: number;
  /** Seed of the shuffles. Default 0. */
  seed?: number;
  /** Called after each epoch with its mean loss and its accuracy on the training batches. */
  onEpoch?: (epoch: number, figures: { loss: number; trainAccuracy: number }) => void;
}

/** One entry per epoch. */
export interface MlpEpoch {
  /** 1-based. */
  epoch: number;
  /** Mean cross-entropy over the epoch's batches. */
  loss: number;
  /** The fraction of the epoch's samples predicted right, as the weights stood at each batch. */
  trainAccuracy: number;
}

/**
 * Trains `model` in place on images x [N, d] and labels y int32 [N] with Adam; returns the
 * per-epoch history. The last batch of an epoch may be smaller.
 */
export function trainClassifier(model: MlpClassifier, x: Tensor, y: Tensor, options: MlpTrainOptions = {}): MlpEpoch[] {
  const op = 'trainClassifier';
  const epochs = options.epochs ?? 5;
  const batch = options.batch ?? 64;
  for (const [name, value] of [['epochs', epochs], ['batch', batch]] as const) {
    if (!Number.isInteger(value) || value < 1) fail(op, `${name} must be a whole number ≥ 1, got ${value}`);
  }
  const n = checkLabelled(op, model, x, y);
  const rng = new Rng(options.seed ?? 0);
  const optimizer = new Adam({ params: model.parameters(), lr: options.lr ?? 1e-3 });
  const pixels = x.contiguous();
  const labels = y.toTypedArray();
  const d = model.inputs;
  const order = Array.from({ length: n }, (_, i) => i);
  const history: MlpEpoch[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.nextDouble() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    let right = 0;
    for (let start = 0; start < n; start += batch) {
      const size = Math.min(batch, n - start);
      const xb = new Float32Array(size * d);
      const yb = new Int32Array(size);
      for (let r = 0; r < size; r++) {
        const row = order[start + r];
        xb.set(pixels.data.subarray(pixels.offset + row * d, pixels.offset + (row + 1) * d) as Float32Array, r * d);
        yb[r] = labels[row];
      }
      optimizer.zeroGrad();
      const logits = model.forward(new Tensor(xb, [size, d])).logits;
      const loss = crossEntropy(logits, new Tensor(yb, [size]));
      loss.backward();
      optimizer.step();
      const value = loss.item();
      // The same error as every other trainer's, so the command line names the flag to lower.
      if (!Number.isFinite(value)) {
        throw new DivergenceError({ op, step: optimizer.stepCount, quantity: 'the loss', value, setting: 'lr', lr: optimizer.lr });
      }
      lossSum += value * size;
      const predicted = kernels.argmax(logits, -1).toTypedArray();
      for (let r = 0; r < size; r++) if (predicted[r] === yb[r]) right++;
    }
    const entry = { epoch, loss: lossSum / n, trainAccuracy: right / n };
    history.push(entry);
    options.onEpoch?.(epoch, { loss: entry.loss, trainAccuracy: entry.trainAccuracy });
  }
  return history;
}

/** The fraction of rows of x [N, d] whose predicted class is the label y int32 [N]. */
export function classifierAccuracy(model: MlpClassifier, x: Tensor, y: Tensor): number {
  const n = checkLabelled('classifierAccuracy', model, x, y);
  const predicted = model.predict(x).toTypedArray();
  const labels = y.toTypedArray();
  let right = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) right++;
  return right / n;
}

function checkLabelled(op: string, model: MlpClassifier, x: Tensor, y: Tensor): number {
  if (!(x instanceof Tensor) || x.rank !== 2 || x.shape[1] !== model.inputs || x.shape[0] < 1) {
    fail(op, `x must be [N ≥ 1, ${model.inputs}], got ${x instanceof Tensor ? formatShape(x.shape) : String(x)}`);
  }
  const n = x.shape[0];
  if (!(y instanceof Tensor) || y.dtype !== 'int32' || y.rank !== 1 || y.shape[0] !== n) {
    fail(op, `y must be int32 [${n}], got ${y instanceof Tensor ? `${y.dtype} ${formatShape(y.shape)}` : String(y)}`);
  }
  for (const label of y.toTypedArray()) {
    if (!(label >= 0 && label < model.classes)) fail(op, `labels must be classes 0..${model.classes - 1}, found ${label}`);
  }
  return n;
}
