/**
 * A sparse autoencoder trained on activations, and how sparse its code is, how well it
 * reconstructs, and (when the true features are known) whether its decoder directions found them.
 *
 * Two sources of activations:
 *
 * - a toy model of superposition ({@link trainToySource}), trained first; the SAE reads the
 *   hidden activations h = W x (ReLU(W x) for hidden-relu and abs) of one instance k, on fresh
 *   sparse features x every step. d_in = m. The true features are the hidden directions h(eᵢ) of
 *   that instance, one per row [n, m] (see `toyFeatureDirections`).
 * - a matrix of activations [N, d_in] ({@link ActivationMatrix}), one sample per row; each step
 *   draws a batch of rows at random (with replacement, from the seeded rng), optionally with known
 *   directions [n, d_in] to score recovery against.
 *
 * After training, every measure is taken on one evaluation batch: {@link EVALUATION_SAMPLES}
 * fresh samples of the toy model, which training never saw; for a matrix, all its rows, or
 * {@link EVALUATION_ROWS} rows drawn at random from a larger one:
 *
 *     l0     mean latents active per sample        mse   (1/B) Σ_s ‖x_s − x̂_s‖²
 *     fve    1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²            dead  latents that fired on no sample
 *     mmcs   mean max cosine, true→learned and learned→true (null without true features)
 *     recovered  true features with a decoder direction at cosine ≥ 0.9 (null without them)
 *
 * {@link toJson} gives the `sae --json` document, with the decoder as d_sae rows of d_in:
 *
 *     {"arch","latents","k","l1","steps","batch","lr","resample","seed","source","inputDim",
 *      "l0","mse","fve","dead","mmcs":{"trueToLearned","learnedToTrue"}|null,"recovered"|null,
 *      "decoder":[[d_in] × latents],"history":[{"step","loss","mse","l0","dead","resampled"}],
 *      "trueFeatures":[[d_in] × n]                  (with the toy model, or known directions)
 *      "toyModel":{"model","features","hidden","instances","instance","density","importanceRatio",
 *                  "steps","batch","lr","loss"}      (with the toy model)
 *      "seconds"}
 *
 * The pieces (the toy source, training, measuring) are exported for `steer` and the lesson.
 *
 * @module
 */
import {
  deadLatents, featuresRecovered, fractionOfVarianceExplained, l0, latentFireCounts, latentMatches, meanSquaredError, mmcs,
  type LatentMatch, type Mmcs, toyFeatureDirections, zeroRows,
} from '../analysis/index.js';
import { noGrad } from '../autograd/engine.js';
import { generateFeatures, importanceTensor } from '../models/data.js';
import {
  type ActivationSampler, type SaeArchitecture, type SaeHistoryEntry, SparseAutoencoder, trainSae,
} from '../models/sae.js';
import { ToyModel, type ToyModelKind, trainToyModel } from '../models/tms.js';
import { TensorError } from '../tensor/errors.js';
import * as kernels from '../tensor/kernels.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { formatNumber, matrixToJson } from './format.js';
import {
  type Densities, OptionError, progressInterval, type ProgressSink, resolveDensities, SILENT_PROGRESS,
} from './options.js';
import type { TrainingCheckpoints } from './tms.js';

/** Fresh toy-model samples the measures are taken on. */
export const EVALUATION_SAMPLES = 8192;

/** A matrix's rows used for the measures: all of them up to this many, else this many drawn at random. */
export const EVALUATION_ROWS = 16_384;

/** The toy model an SAE reads, and its training (the `tms` options, with its training ones prefixed `tms`). */
export interface ToySourceOptions {
  /** Which toy model. */
  model: ToyModelKind;
  /** n: its features. */
  features: number;
  /** m: its hidden dimensions, the SAE's d_in. */
  hidden: number;
  /** Toy models trained side by side, one per density. */
  instances: number;
  /** The instance whose hidden activations the SAE reads; −1 for the last (the sparsest). */
  instance: number;
  /** The importance ratio r: feature i has importance rⁱ. */
  importance: number;
  /** One density for every instance, one per instance, or a range. */
  density: Densities;
  /** The toy model's AdamW steps. */
  tmsSteps: number;
  /** Its samples per step. */
  tmsBatch: number;
  /** Its learning rate. */
  tmsLr: number;
  /** Seed of the initial weights and of the data. */
  seed: number;
}

/** The SAE and its training. */
export interface SaeTrainingOptions {
  /** SAE architecture. */
  arch: SaeArchitecture;
  /** d_sae, its latents; 0 for the default (n on a toy model, 4 × d_in on a matrix). */
  latents: number;
  /** Sparsity coefficient λ (relu, jumprelu, gated). */
  l1: number;
  /** TopK: latents kept per sample; 0 for min(2, latents). */
  k: number;
  /** JumpReLU: each latent's initial threshold θ₀. */
  threshold: number;
  /** JumpReLU: the straight-through kernel's bandwidth ε. */
  bandwidth: number;
  /** The SAE's Adam steps. */
  steps: number;
  /** Its samples per step. */
  batch: number;
  /** Its learning rate. */
  lr: number;
  /** Dead-latent resampling. */
  resample: 'none' | 'simple' | 'anthropic';
  /** Seed of the SAE's weights, its data stream and the evaluation batch. */
  seed: number;
}

/** ARENA's ToySAE: 5 features in 2 dimensions at density 0.025, one instance. */
export const TOY_SOURCE_DEFAULTS: Readonly<ToySourceOptions> = {
  model: 'relu', features: 5, hidden: 2, instances: 1, instance: -1, importance: 1, density: [0.025],
  tmsSteps: 10_000, tmsBatch: 1024, tmsLr: 1e-3, seed: 0,
};

/** A 5-latent ReLU SAE with λ = 0.2. */
export const SAE_TRAINING_DEFAULTS: Readonly<SaeTrainingOptions> = {
  // The paper's θ₀ = ε = 0.001 suit activations normalised to norm √d_in; the toy model's hidden
  // activations are ten to a hundred times smaller, and with 0.001 the thresholds never reach the
  // straight-through band. Measured on the ToySAE setup (4 seeds, λ 0.1): θ₀ 0.05, ε 0.02 gave
  // MMCS 1.000, 0.996, 0.935, 0.906, where the paper's values gave 0.84 in a single run.
  arch: 'relu', latents: 0, l1: 0.2, k: 0, threshold: 0.05, bandwidth: 0.02, steps: 10_000, batch: 1024, lr: 1e-3,
  resample: 'none', seed: 0,
};

/** Activations given as a matrix: `rows` samples of `cols` values, row-major float32. */
export interface ActivationMatrix {
  /** Samples. */
  rows: number;
  /** d_in. */
  cols: number;
  /** The values, [rows, cols]. */
  data: Float32Array;
  /** Known feature directions [n, d_in], one per row, or null. */
  trueFeatures: Tensor | null;
}

/** What to run: the SAE's options and its source, a toy model or (with `input`) a matrix. */
export type SaeOptions = ToySourceOptions & SaeTrainingOptions & TrainingCheckpoints & {
  /** The activations to train on; null to train the toy model and read it. */
  input: ActivationMatrix | null;
};

/** A trained toy model, seen as a source of activations for an SAE. */
export interface ToySource {
  /** The trained model. */
  model: ToyModel;
  /** The instance k whose hidden activations the SAE reads. */
  instance: number;
  /** That instance's feature density. */
  density: number;
  /** Every instance's density. */
  densities: number[];
  /** Draws hidden activations h [1, batch, m] of instance k, on fresh features. */
  sample: ActivationSampler;
  /** Feature i's hidden direction h(eᵢ), one per row, [n, m]. */
  trueFeatures: Tensor;
  /** Each instance's final loss. */
  finalLoss: number[];
  /** Training time, in seconds. */
  seconds: number;
}

/** The instance an SAE reads: `instance`, or the last for −1. @throws OptionError past the last. */
function resolveInstance(options: Pick<ToySourceOptions, 'instance' | 'instances'>): number {
  const { instances } = options;
  const instance = options.instance === -1 ? instances - 1 : options.instance;
  if (instance >= instances) {
    throw new OptionError((name) =>
      `${name('instance')} ${instance} is past the last instance: ${name('instances')} is ${instances}, so K runs from 0 to ${instances - 1}`);
  }
  return instance;
}

/**
 * Trains the toy model `options` describes and returns it as an SAE's source: a sampler of
 * instance k's hidden activations, and its true feature directions.
 *
 * @throws OptionError when `instance` is past the last instance or the densities do not fit.
 */
export function trainToySource(options: ToySourceOptions, onProgress: ProgressSink = SILENT_PROGRESS): ToySource {
  const densities = resolveDensities(options.density, options.instances, true);
  const { features: n, hidden: m, instances } = options;
  const instance = resolveInstance(options);
  const model = new ToyModel({ kind: options.model, instances, features: n, hidden: m, seed: options.seed });
  const steps = options.tmsSteps;
  const task = onProgress.task(`training the ${options.model} toy model (${instances} instance${instances === 1 ? '' : 's'})`, steps);
  const result = trainToyModel(model, {
    density: densities, importance: importanceTensor(instances, n, options.importance), steps, batch: options.tmsBatch,
    lr: options.tmsLr, lrSetting: 'tmsLr', seed: options.seed, progressEvery: progressInterval(steps),
    onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
  });
  task.finish(`loss ${formatNumber(result.finalLoss.reduce((a, b) => a + b, 0))}`);

  // Instance k's weights [1, m, n], packed once: every SAE step multiplies by them.
  const weights = kernels.slice(model.W, 0, instance, instance + 1).contiguous();
  const density = densities[instance];
  const hiddenRelu = options.model === 'hidden-relu' || options.model === 'abs';
  const values = options.model === 'abs' ? 'signed' : 'unit';
  const sample: ActivationSampler = (batch, rng) => {
    const x = generateFeatures({ instances: 1, batch, features: n, density, rng, values });
    const h = kernels.matmul(x, weights, { transposeB: true }); // h = W x per sample: x Wᵀ, [1, batch, m]
    return hiddenRelu ? kernels.relu(h) : h;
  };
  return {
    model, instance, density, densities, sample, trueFeatures: toyFeatureDirections(model, instance),
    finalLoss: result.finalLoss, seconds: result.seconds,
  };
}

/** Draws rows of `data` [rows, cols] at random (with replacement) as a batch [1, batch, cols]. */
export function rowSampler(data: Float32Array, rows: number, cols: number): ActivationSampler {
  return (batch, rng) => {
    const out = new Float32Array(batch * cols);
    for (let s = 0; s < batch; s++) {
      const row = Math.floor(rng.nextDouble() * rows);
      out.set(data.subarray(row * cols, (row + 1) * cols), s * cols);
    }
    return new Tensor(out, [1, batch, cols]);
  };
}

/**
 * The latents asked for, or the default `fallback` (n for the toy model, 4 × d_in for a matrix),
 * and TopK's k (default min(2, latents)).
 *
 * @throws OptionError when k is larger than the latents (for TopK, or when no architecture is given).
 */
export function resolveLatents(
  options: Pick<SaeTrainingOptions, 'latents' | 'k'> & Partial<Pick<SaeTrainingOptions, 'arch'>>, fallback: number,
): Pick<SaeTrainingOptions, 'latents' | 'k'> {
  const latents = options.latents === 0 ? fallback : options.latents;
  const { k } = options;
  // Only TopK keeps k latents; the other architectures ignore k, so it is not held against the latents.
  if ((options.arch === undefined || options.arch === 'topk') && k > latents) {
    throw new OptionError((name) =>
      `${name('k')} ${k} is larger than ${name('latents')} ${latents}: TopK keeps k of the latents, so k must be at most ${latents}`);
  }
  return { latents, k: k === 0 ? Math.min(2, latents) : k };
}

/** An SAE trained on a source, with its history. */
export interface TrainedSae {
  /** The SAE (one instance). */
  sae: SparseAutoencoder;
  /** The training history. */
  history: SaeHistoryEntry[];
  /** Training time, in seconds. */
  seconds: number;
}

/** Builds the SAE `options` describe on d_in = `shape.inputDim` and trains it on `sample`. */
export function trainSaeOn(
  options: SaeTrainingOptions, shape: { inputDim: number; latents: number; k: number }, sample: ActivationSampler,
  onProgress: ProgressSink = SILENT_PROGRESS, checkpoints: TrainingCheckpoints = {},
): TrainedSae {
  const sae = new SparseAutoencoder({
    architecture: options.arch, inputDim: shape.inputDim, latents: shape.latents, k: shape.k, seed: options.seed,
    initialThreshold: options.threshold, bandwidth: options.bandwidth,
  });
  const task = onProgress.task(`training the ${options.arch} SAE (${shape.inputDim} → ${shape.latents})`, options.steps);
  const result = trainSae(sae, sample, {
    steps: options.steps, batch: options.batch, lr: options.lr, l1: options.l1, resample: options.resample, seed: options.seed,
    resumeFrom: checkpoints.resumeFrom, checkpointEvery: checkpoints.checkpointEvery, onCheckpoint: checkpoints.onCheckpoint,
    progressEvery: progressInterval(options.steps),
    onProgress: (step, { loss, l0: active, dead }) => task.update(step, `loss ${formatNumber(loss)}, L0 ${formatNumber(active)}, dead ${dead}`),
  });
  const last = result.history.at(-1);
  task.finish(last === undefined ? '' : `loss ${formatNumber(last.loss)}`);
  return { sae, history: result.history, seconds: result.seconds };
}

/** The measures of an SAE on an evaluation batch. */
export interface SaeMeasures {
  /** Mean latents active per sample. */
  l0: number;
  /** (1/B) Σ_s ‖x_s − x̂_s‖². */
  mse: number;
  /** Fraction of variance explained (about the mean); null when the batch has no variance. */
  fve: number | null;
  /** Latents that fired on no sample of the batch. */
  dead: number;
  /** Each latent's fire count on the batch. */
  fireCounts: number[];
  /** The batch's size. */
  samples: number;
  /** MMCS both ways, or null without true features. */
  mmcs: Mmcs | null;
  /** True features matched at cosine ≥ 0.9, or null without them. */
  recovered: number | null;
  /** Each latent's best-matching true feature, or null without them. */
  matches: LatentMatch[] | null;
  /** How many true features there are, or null without them. */
  trueFeatureCount: number | null;
  /** The true features that are the zero vector (no direction): left out of MMCS, recovery and matches. */
  zeroTrueFeatures: number[];
}

/** Encodes and decodes `x` [1, B, d_in] and takes every measure (see the module notes). */
export function measureSae(sae: SparseAutoencoder, x: Tensor, trueFeatures: Tensor | null): SaeMeasures {
  const { latents, reconstruction } = noGrad(() => sae.forward(x));
  let fve: number | null;
  try {
    fve = fractionOfVarianceExplained(x, reconstruction);
  } catch (error) {
    // The one refusal left once shapes and values are checked: x has no variance about its mean.
    if (!(error instanceof TensorError)) throw error;
    fve = null;
  }
  const fireCounts = latentFireCounts(latents);
  const decoder = sae.decoderDirections(0);
  // Zero true features have no direction to find: measured without them (the run notes which).
  const zeroTrueFeatures = trueFeatures === null ? [] : zeroRows(trueFeatures);
  const total = trueFeatures?.shape[0] ?? null;
  let keep: number[] | null = null; // the rows kept, when some were left out
  if (trueFeatures !== null && zeroTrueFeatures.length > 0) {
    keep = Array.from({ length: trueFeatures.shape[0] }, (_, i) => i).filter((i) => !zeroTrueFeatures.includes(i));
    const [, d] = trueFeatures.shape;
    const packed = trueFeatures.contiguous();
    const rows = new Float32Array(keep.length * d);
    keep.forEach((row, r) => rows.set(packed.data.subarray(packed.offset + row * d, packed.offset + (row + 1) * d), r * d));
    trueFeatures = keep.length === 0 ? null : new Tensor(rows, [keep.length, d]);
  }
  return {
    l0: l0(latents),
    mse: meanSquaredError(x, reconstruction),
    fve,
    dead: deadLatents(fireCounts).length,
    fireCounts,
    samples: x.shape[1],
    mmcs: trueFeatures === null ? null : mmcs(trueFeatures, decoder),
    recovered: trueFeatures === null ? null : featuresRecovered(trueFeatures, decoder),
    matches: trueFeatures === null ? null : latentMatches(trueFeatures, decoder)
      .map((match) => (keep === null ? match : { ...match, feature: keep[match.feature] })),
    trueFeatureCount: total,
    zeroTrueFeatures,
  };
}

/** A stream for evaluation batches, apart from the training stream of the same seed. */
export function evaluationRng(seed: number): Rng {
  return new Rng(seed).fork();
}

/** A trained `sae` run. */
export interface SaeResult {
  /** The options it ran with (`input` left out: see `source`). */
  options: Omit<SaeOptions, 'input' | keyof TrainingCheckpoints>;
  /** Where the activations came from. */
  source: 'tms' | 'input';
  /** d_in. */
  inputDim: number;
  /** The latents and TopK's k, defaults resolved. */
  latents: number;
  /** TopK's k (also set for the other architectures, which ignore it). */
  k: number;
  /** The toy model, or null for a matrix. */
  toy: ToySource | null;
  /** The trained SAE and its history. */
  trained: TrainedSae;
  /** The measures on the evaluation batch. */
  measures: SaeMeasures;
  /** The true feature directions [n, d_in], or null. */
  trueFeatures: Tensor | null;
  /** Training time of the toy model and the SAE, in seconds. */
  seconds: number;
}

/**
 * Trains the toy model (unless `input` gives the activations), then the SAE, and measures it.
 *
 * @throws OptionError when k is larger than the latents, or the toy model's options do not fit.
 */
export function run(options: SaeOptions, onProgress: ProgressSink = SILENT_PROGRESS): SaeResult {
  const { input } = options;
  let inputDim: number;
  let sample: ActivationSampler;
  let trueFeatures: Tensor | null;
  let evaluation: Tensor;
  let toy: ToySource | null = null;
  if (input !== null) {
    inputDim = input.cols;
    trueFeatures = input.trueFeatures;
    sample = rowSampler(input.data, input.rows, input.cols);
    evaluation = input.rows <= EVALUATION_ROWS
      ? new Tensor(input.data, [1, input.rows, input.cols])
      : sample(EVALUATION_ROWS, evaluationRng(options.seed));
  } else {
    // Check the SAE's options before spending time on the toy model.
    resolveLatents(options, options.features);
    toy = trainToySource(options, onProgress);
    inputDim = options.hidden;
    sample = toy.sample;
    trueFeatures = toy.trueFeatures;
    evaluation = sample(EVALUATION_SAMPLES, evaluationRng(options.seed));
  }
  const { latents, k } = resolveLatents(options, input !== null ? 4 * inputDim : options.features);
  const trained = trainSaeOn(options, { inputDim, latents, k }, sample, onProgress, options);
  const measures = measureSae(trained.sae, evaluation, trueFeatures);
  if (measures.zeroTrueFeatures.length > 0) {
    const zero = measures.zeroTrueFeatures;
    onProgress.note(`warning: true feature${zero.length === 1 ? '' : 's'} ${zero.slice(0, 5).join(', ')}${zero.length > 5 ? ` and ${zero.length - 5} more` : ''} ` +
      `${zero.length === 1 ? 'is' : 'are'} the zero vector (no direction), so MMCS and recovery leave ${zero.length === 1 ? 'it' : 'them'} out`);
  }
  const { input: _input, resumeFrom: _resume, checkpointEvery: _every, onCheckpoint: _write, ...plain } = options;
  return {
    options: plain, source: input === null ? 'tms' : 'input', inputDim, latents, k, toy, trained, measures, trueFeatures,
    seconds: trained.seconds + (toy?.seconds ?? 0),
  };
}

/** The toy model under an SAE, as `sae --json` describes it. */
export interface ToyModelJson {
  /** Which toy model. */
  model: ToyModelKind;
  /** n. */
  features: number;
  /** m. */
  hidden: number;
  /** Instances trained. */
  instances: number;
  /** The instance the SAE read. */
  instance: number;
  /** Its density. */
  density: number;
  /** The importance ratio r. */
  importanceRatio: number;
  /** The toy model's steps. */
  steps: number;
  /** Its samples per step. */
  batch: number;
  /** Its learning rate. */
  lr: number;
  /** The instance's final loss. */
  loss: number;
}

/** The headline measures every SAE report quotes: L0, MSE, FVE, dead latents, MMCS, features recovered. */
export type SaeHeadline = Pick<SaeMeasures, 'l0' | 'mse' | 'fve' | 'dead' | 'mmcs' | 'recovered'>;

/** The `sae --json` document (see the module notes). */
export interface SaeJson extends SaeHeadline {
  /** SAE architecture. */
  arch: SaeArchitecture;
  /** d_sae. */
  latents: number;
  /** TopK's k, or null for the other architectures. */
  k: number | null;
  /** λ. */
  l1: number;
  /** The SAE's steps. */
  steps: number;
  /** Its samples per step. */
  batch: number;
  /** Its learning rate. */
  lr: number;
  /** Dead-latent resampling. */
  resample: SaeTrainingOptions['resample'];
  /** The seed. */
  seed: number;
  /** Where the activations came from. */
  source: 'tms' | 'input';
  /** d_in. */
  inputDim: number;
  /** The decoder directions, d_sae rows of d_in. */
  decoder: number[][];
  /** The training history. */
  history: SaeHistoryEntry[];
  /** The true feature directions, n rows of d_in (when known). */
  trueFeatures?: number[][];
  /** The toy model (with the toy-model source). */
  toyModel?: ToyModelJson;
  /** Training time of the toy model and the SAE, in seconds. */
  seconds: number;
}

/** The `sae --json` document (see the module notes). */
export function toJson(result: SaeResult): SaeJson {
  const { options, toy, measures, trueFeatures } = result;
  return {
    arch: options.arch, latents: result.latents, k: options.arch === 'topk' ? result.k : null, l1: options.l1, steps: options.steps,
    batch: options.batch, lr: options.lr, resample: options.resample, seed: options.seed, source: result.source,
    inputDim: result.inputDim, l0: measures.l0, mse: measures.mse, fve: measures.fve, dead: measures.dead, mmcs: measures.mmcs,
    recovered: measures.recovered, decoder: matrixToJson(result.trained.sae.decoderDirections(0)), history: result.trained.history,
    ...(trueFeatures === null ? {} : { trueFeatures: matrixToJson(trueFeatures) }),
    ...(toy === null ? {} : {
      toyModel: {
        model: options.model, features: options.features, hidden: options.hidden, instances: options.instances, instance: toy.instance,
        density: toy.density, importanceRatio: options.importance, steps: options.tmsSteps, batch: options.tmsBatch,
        lr: options.tmsLr, loss: toy.finalLoss[toy.instance],
      },
    }),
    seconds: result.seconds,
  };
}
