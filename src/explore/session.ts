/**
 * One live training session of the explorable: a toy model training step by step, and a sparse
 * autoencoder training beside it on that model's hidden activations. The worker owns one; it runs
 * steps in short time slices and posts {@link ExploreReport}s for the page to draw.
 *
 *     toy model   h = W x (ReLU(W x) for hidden-relu),  x′ = ReLU(Wᵀh + b) (no ReLU for linear)
 *                 AdamW on the importance-weighted squared error, fresh sparse x every step
 *     SAE         d_in = m, n latents, ReLU + L1 (λ = 0.2, the CLI's default), Adam, unit-norm
 *                 decoder rows, on the hidden activations h of the model as it is now, one step
 *                 for every SAE_EVERY of the model's
 *
 * Shapes (one instance): x [1, B, n], W [1, m, n], b [1, 1, n], h [1, B_sae, m], the SAE's
 * decoder [n, m] (row j is latent j's direction in the hidden space).
 *
 * Moving a slider of density, importance, lr or batch changes training live: the model keeps its
 * weights and a new trainer (and AdamW state) continues from them. Model, n, m and seed need a new
 * model, which {@link ExploreSession.apply} builds. The data stream's seed mixes the settings' seed
 * with the step at which the trainer was made, so a live change does not replay the same batches.
 *
 * Everything here is the library's own code (ToyModel, ToyModelTrainer, SparseAutoencoder, the
 * analysis functions); nothing needs a DOM or Node.
 *
 * @module
 */
import {
  classifyFeatures, dimensionsPerFeature, featureDimensionality, featureNorms, gram, instanceWeights, interference,
  type FeatureStatus,
} from '../analysis/features.js';
import { cosineMatrix, featuresRecovered, l0, mmcs } from '../analysis/sae.js';
import { toyFeatureDirections } from '../analysis/steer.js';
import { noGrad } from '../autograd/engine.js';
import { generateFeatures } from '../models/data.js';
import { SparseAutoencoder } from '../models/sae.js';
import { ToyModel, ToyModelTrainer } from '../models/tms.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ExploreSettings } from './settings.js';
import { needsReset } from './settings.js';

/** The SAE's sparsity coefficient λ: the `sae` command's default, which recovers the pentagon. */
export const SAE_L1 = 0.2;
/** The SAE's learning rate: ten times the CLI's 1e-3, so that it keeps up with a model that moves. */
export const SAE_LR = 1e-2;
/**
 * The SAE takes one step for every this many of the model's: its step (an encoder, a decoder and
 * their backward through the library's autograd) costs about twice the toy model's fused step, so
 * stepping it every time would cut the model's speed to a third.
 */
export const SAE_EVERY = 4;
/** The SAE's samples per step: a quarter of the toy model's usual batch, so it costs less than the model's own step. */
export const SAE_BATCH = 256;
/** The loss curve keeps one point per this many steps: the mean loss over them. */
export const LOSS_EVERY = 10;

/** What the SAE panel draws. */
export interface SaeReport {
  /** SAE steps taken (one per {@link SAE_EVERY} toy-model steps). */
  step: number;
  /** The learned directions: the decoder's rows, n of them, each of length m. */
  directions: number[][];
  /** The true feature directions in the hidden space, [n][m] (see `toyFeatureDirections`). */
  trueDirections: number[][];
  /** cos(true feature i, learned direction j), [n][n]. */
  cosines: number[][];
  /** Mean max cosine, true to learned: 1 when every feature has been found. */
  mmcs: number;
  /** True features with a learned direction at cosine ≥ 0.9. */
  recovered: number;
  /** Mean number of latents active per sample, on the last batch. */
  l0: number;
}

/** What the worker posts to the page: everything one frame draws. */
export interface ExploreReport {
  /** Which model this is: increases with every new model, so the page can drop a stale curve. */
  generation: number;
  /** The settings this report was made under. */
  settings: ExploreSettings;
  /** Steps taken by this model. */
  step: number;
  /** The mean loss over the last {@link LOSS_EVERY} steps (NaN before the first step). */
  loss: number;
  /** New loss-curve points since the last report: [step, mean loss over LOSS_EVERY steps]. */
  lossPoints: [number, number][];
  /** W as m rows of n numbers: column i is feature i's direction. */
  W: number[][];
  /** The output bias, n numbers. */
  b: number[];
  /** ‖Wᵢ‖ per feature. */
  norms: number[];
  /** Σ_{j≠i} (Ŵᵢ·Wⱼ)² per feature: how much feature i shares its direction. */
  interference: number[];
  /** Dᵢ = ‖Wᵢ‖² / Σⱼ(Ŵᵢ·Wⱼ)² per feature. */
  dimensionality: number[];
  /** m / ‖W‖_F² (NaN while W is all zeros). */
  dimensionsPerFeature: number;
  /** Each feature: dedicated, superposed or absent (`classifyFeatures`'s default thresholds). */
  statuses: FeatureStatus[];
  /** WᵀW, [n][n]. */
  gram: number[][];
  /** The SAE beside the model. */
  sae: SaeReport;
}

/** Rows of a 2-D tensor as plain arrays. */
function rowsOf(t: Tensor): number[][] {
  const [rows, cols] = t.shape;
  const values = t.contiguous().toTypedArray();
  return Array.from({ length: rows }, (_, r) => Array.from(values.subarray(r * cols, (r + 1) * cols), Number));
}

/** The toy model, its trainer, and the SAE trained beside it. See the module notes. */
export class ExploreSession {
  /** The settings training runs under. */
  settings: ExploreSettings;
  /** Which model this is (see {@link ExploreReport.generation}). */
  generation = 0;
  /** Steps taken by the current model. */
  step = 0;
  private model!: ToyModel;
  private trainer!: ToyModelTrainer;
  private sae!: SparseAutoencoder;
  private saeOptimizer!: Adam;
  private saeRng!: Rng;
  private saeStep = 0;
  private saeL0 = Number.NaN;
  private lossSum = 0;
  private lossCount = 0;
  private lastLoss = Number.NaN;
  private pendingLoss: [number, number][] = [];

  /** A fresh model (and SAE) for `settings`. */
  constructor(settings: ExploreSettings) {
    this.settings = { ...settings };
    this.reset();
  }

  /** A fresh model and SAE with the current settings: the same seed gives the same start. */
  reset(): void {
    const { model, n, m, seed } = this.settings;
    this.generation++;
    this.step = 0;
    this.model = new ToyModel({ kind: model, instances: 1, features: n, hidden: m, seed });
    this.trainer = this.makeTrainer();
    this.sae = new SparseAutoencoder({ inputDim: m, latents: n, seed });
    this.saeOptimizer = new Adam({ params: this.sae.parameters(), lr: SAE_LR });
    this.saeRng = new Rng(seed).fork();
    this.saeStep = 0;
    this.saeL0 = Number.NaN;
    this.lossSum = 0;
    this.lossCount = 0;
    this.lastLoss = Number.NaN;
    this.pendingLoss = [];
  }

  /**
   * Moves to new settings: a new model when model, n, m or seed changed (returns `"reset"`), else
   * the same weights trained on from here with the new density, importance, lr or batch
   * (returns `"live"`).
   */
  apply(settings: ExploreSettings): 'reset' | 'live' {
    const before = this.settings;
    this.settings = { ...settings };
    if (needsReset(before, settings)) {
      this.reset();
      return 'reset';
    }
    if (before.density !== settings.density || before.importance !== settings.importance || before.batch !== settings.batch) {
      this.trainer = this.makeTrainer();
    } else if (before.lr !== settings.lr) {
      this.trainer.optimizer.lr = settings.lr;
    }
    return 'live';
  }

  private makeTrainer(): ToyModelTrainer {
    const { density, importance, lr, batch, seed } = this.settings;
    // The data stream restarts with each trainer; mixing in the step keeps it from replaying.
    const dataSeed = (seed * 1_000_003 + this.step) % 2 ** 31;
    return new ToyModelTrainer(this.model, { density, importance, lr, batch, seed: dataSeed });
  }

  /**
   * One step of the toy model and one of the SAE. Returns the model's loss on its batch.
   * Throws when the loss stops being finite (lr too large), naming the step and the lr.
   */
  advance(): number {
    const loss = this.trainer.step().item();
    if (!Number.isFinite(loss)) {
      throw new Error(`the loss became ${loss} at step ${this.step + 1}; try a smaller learning rate (now ${this.settings.lr})`);
    }
    this.step++;
    this.lossSum += loss;
    this.lossCount++;
    if (this.lossCount === LOSS_EVERY) {
      this.lastLoss = this.lossSum / this.lossCount;
      this.pendingLoss.push([this.step, this.lastLoss]);
      this.lossSum = 0;
      this.lossCount = 0;
    } else if (Number.isNaN(this.lastLoss)) {
      this.lastLoss = loss;
    }
    if (this.step % SAE_EVERY === 0) this.advanceSae();
    return loss;
  }

  /** Steps until `budgetMs` of wall time has passed (at least one); returns how many. */
  run(budgetMs: number, now: () => number = () => performance.now()): number {
    const until = now() + budgetMs;
    let steps = 0;
    do {
      this.advance();
      steps++;
    } while (now() < until);
    return steps;
  }

  /** The model's hidden activations for a fresh batch: the SAE's training data, [1, B, m]. */
  private hiddenBatch(batch: number): Tensor {
    const { n, density } = this.settings;
    const x = generateFeatures({ instances: 1, batch, features: n, density, rng: this.saeRng });
    return noGrad(() => this.model.hiddenActivations(x));
  }

  private advanceSae(): void {
    const h = this.hiddenBatch(SAE_BATCH);
    this.saeOptimizer.zeroGrad();
    const loss = this.sae.loss(h, { l1: SAE_L1 });
    loss.total.backward();
    this.sae.projectDecoderGradient();
    this.saeOptimizer.step();
    this.sae.normalizeDecoder();
    this.saeStep++;
    // L0 of the batch just seen: the encoding is cheap next to the step, and needs no graph.
    if (this.saeStep % LOSS_EVERY === 0) this.saeL0 = l0(noGrad(() => this.sae.encode(h)));
  }

  /** Everything the page draws now; hands over (and forgets) the loss points not yet reported. */
  report(): ExploreReport {
    const W = instanceWeights(this.model.W, 0);
    const b = instanceWeights(this.model.b, 0);
    const norms = featureNorms(W);
    const represented = norms.some((norm) => norm > 0);
    const trueFeatures = toyFeatureDirections(this.model, 0);
    const learned = this.sae.decoderDirections(0);
    const lossPoints = this.pendingLoss;
    this.pendingLoss = [];
    return {
      generation: this.generation,
      settings: { ...this.settings },
      step: this.step,
      loss: this.lastLoss,
      lossPoints,
      W: rowsOf(W),
      b: rowsOf(b)[0],
      norms,
      interference: interference(W),
      dimensionality: featureDimensionality(W),
      dimensionsPerFeature: represented ? dimensionsPerFeature(W) : Number.NaN,
      statuses: classifyFeatures(W),
      gram: gram(W),
      sae: {
        step: this.saeStep,
        directions: rowsOf(learned),
        trueDirections: rowsOf(trueFeatures),
        cosines: cosineMatrix(trueFeatures, learned),
        mmcs: mmcs(trueFeatures, learned).trueToLearned,
        recovered: featuresRecovered(trueFeatures, learned),
        l0: this.saeL0,
      },
    };
  }
}
