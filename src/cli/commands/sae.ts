/**
 * `superposition sae`: trains a sparse autoencoder on activations, and says how sparse its code
 * is, how well it reconstructs, and (when the true features are known) whether its decoder
 * directions found them.
 *
 * Two sources of activations:
 *
 * - `--source tms` (the default): trains a toy model of superposition first (the `tms` flags,
 *   with `--tms-steps`, `--tms-batch`, `--tms-lr` for its training), then feeds the SAE the
 *   hidden activations h = W x (ReLU(W x) for hidden-relu and abs) of one instance k
 *   (`--instance`), on fresh sparse features x every step. d_in = m. The true features are the
 *   hidden directions h(eᵢ) of that instance, one per row [n, m]: the columns W[k][:, i] for the
 *   relu model (see `toyFeatureDirections`).
 * - `--input FILE.npy`: a 2-D NumPy array [N, d_in] of float32 or float64 activations, one sample
 *   per row; each step draws a batch of rows at random (with replacement, from the seeded rng).
 *   A `.safetensors` file works too: its only tensor, or the one `--tensor NAME` names.
 *   `--true-features FILE.npy` [n, d_in] gives known directions to score recovery against.
 *
 * After training, every measure is taken on one evaluation batch: 8192 fresh samples of the toy
 * model, which training never saw; for a file, all its rows, or 16384 rows drawn at random from a
 * larger one:
 *
 *     l0     mean latents active per sample        mse   (1/B) Σ_s ‖x_s − x̂_s‖²
 *     fve    1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²            dead  latents that fired on no sample
 *     mmcs   mean max cosine, true→learned and learned→true (null without true features)
 *     recovered  true features with a decoder direction at cosine ≥ 0.9 (null without them)
 *
 * JSON (`--json`), with the decoder as d_sae rows of d_in:
 *
 *     {"arch","latents","k","l1","steps","batch","lr","resample","seed","source","inputDim",
 *      "l0","mse","fve","dead","mmcs":{"trueToLearned","learnedToTrue"}|null,"recovered"|null,
 *      "decoder":[[d_in] × latents],"history":[{"step","loss","mse","l0","dead","resampled"}],
 *      "trueFeatures":[[d_in] × n]                  (with --source tms, or --true-features)
 *      "toyModel":{"model","features","hidden","instances","instance","density","importanceRatio",
 *                  "steps","batch","lr","loss"}      (with --source tms)
 *      "seconds"}
 *
 * With `--out DIR`, the same document as DIR/result.json and the plots (`saePlots`):
 *
 *     training-loss.svg       loss and MSE against the step
 *     training-sparsity.svg   L0 and dead latents against the step
 *     cosines.svg             the true × learned cosine matrix, with MMCS (with true features)
 *     decoder.svg             the decoder directions as arrows (d_in = 2 only)
 *
 * The pieces that build the toy-model source and train the SAE are exported for `steer`.
 *
 * @module
 */
import {
  cosineMatrix, deadLatents, featuresRecovered, fractionOfVarianceExplained, l0, latentFireCounts, latentMatches, meanSquaredError,
  mmcs, type Mmcs, toyFeatureDirections, zeroRows,
} from '../../analysis/index.js';
import { noGrad } from '../../autograd/engine.js';
import { readNpy, parseNpyHeader } from '../../io/npy.js';
import { readSafetensors } from '../../io/safetensors.js';
import { generateFeatures, importanceTensor } from '../../models/data.js';
import {
  type ActivationSampler, SAE_ARCHITECTURES, type SaeArchitecture, type SaeHistoryEntry, SparseAutoencoder, trainSae,
} from '../../models/sae.js';
import { TOY_MODEL_KINDS, ToyModel, type ToyModelKind, trainToyModel } from '../../models/tms.js';
import { TensorError } from '../../tensor/errors.js';
import * as kernels from '../../tensor/kernels.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  CliUsageError, type DensitySpec, densityFlag, enumFlag, intFlag, numberFlag, resolveDensities, stringFlag,
} from '../args.js';
import { arrowDiagram, heatmap, lineChart } from '../../plot/index.js';
import { type CommandContext, commonFlags, defineCommand, type OutFile, outFlag, writeOutFolder } from '../command.js';
import { formatNumber, formatTable, matrixToJson } from '../format.js';
import type { Progress } from '../progress.js';
import { progressInterval } from './tms.js';
import { refuseOversize, saeBuffers, toyModelBuffers } from '../limits.js';
import { saveSae } from '../../io/saelens.js';
import type { JsonValue } from '../../models/checkpoint.js';
import type { SaeTrainOptions } from '../../models/sae.js';
import {
  INPUT_HASH_KEY, checkpointFlags, checkpointWriter, contentHash, readResumeState, writeFilesAtomically,
} from '../files.js';

/** How `sae` and `steer` name the toy model's size flags in a refusal. */
export const TOY_SIZE_FLAGS = { instances: '--instances', batch: '--tms-batch', features: '--features', hidden: '--hidden' };

/** Fresh toy-model samples the measures are taken on. */
export const EVALUATION_SAMPLES = 8192;

/** A file's rows used for the measures: all of them up to this many, else this many drawn at random. */
export const EVALUATION_ROWS = 16_384;

/** Above this d_in the summary leaves out the decoder directions (they would not fit on a line). */
const MAX_DIRECTION_WIDTH = 6;

// ─── Flags shared with `steer` ────────────────────────────────────────────────────────────────

/** The toy model's flags, as `tms` has them, with its training flags prefixed `tms-`. */
export function toyModelFlags() {
  return {
    features: intFlag({ default: 5, min: 1, help: 'n: the toy model\'s features' }),
    hidden: intFlag({ default: 2, min: 1, help: 'm: its hidden dimensions, the SAE\'s d_in' }),
    instances: intFlag({ default: 1, min: 1, help: 'toy models trained side by side, one per density' }),
    instance: intFlag({ default: -1, min: 0, defaultText: 'the last, sparsest', placeholder: 'K', help: 'which instance\'s hidden activations the SAE reads' }),
    importance: numberFlag({ default: 1, min: 0, exclusiveMin: true, placeholder: 'R', help: 'importance ratio r: feature i has importance r^i' }),
    density: densityFlag({
      default: '0.025',
      help: 'probability that a feature is present: one value for every instance, a comma list (one per instance), or hi:lo spread log-evenly',
    }),
    model: enumFlag({ default: 'relu', values: TOY_MODEL_KINDS, help: 'which toy model' }),
    'tms-steps': intFlag({ default: 10_000, min: 0, help: 'the toy model\'s AdamW steps' }),
    'tms-batch': intFlag({ default: 1024, min: 1, help: 'the toy model\'s samples per step' }),
    'tms-lr': numberFlag({ default: 1e-3, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'the toy model\'s learning rate' }),
  };
}

/** The SAE's flags. */
export function saeFlags() {
  return {
    arch: enumFlag({ default: 'relu', values: SAE_ARCHITECTURES, help: 'SAE architecture: ReLU + L1 (Bricken et al.), TopK, JumpReLU, Gated' }),
    latents: intFlag({ default: 0, min: 1, defaultText: 'n with --source tms, 4 × d_in with --input', help: 'd_sae: the SAE\'s latents' }),
    l1: numberFlag({ default: 0.2, min: 0, placeholder: 'λ', help: 'sparsity coefficient λ (relu, jumprelu, gated; topk has none)' }),
    k: intFlag({ default: 0, min: 1, defaultText: 'min(2, latents)', help: 'TopK: latents kept per sample; must not exceed --latents' }),
    // The paper's θ₀ = ε = 0.001 suit activations normalised to norm √d_in; the toy model's hidden
    // activations are ten to a hundred times smaller, and with 0.001 the thresholds never reach the
    // straight-through band. Measured on the ToySAE setup (4 seeds, λ 0.1): θ₀ 0.05, ε 0.02 gave
    // MMCS 1.000, 0.996, 0.935, 0.906, where the paper's values gave 0.84 in a single run.
    threshold: numberFlag({ default: 0.05, min: 0, exclusiveMin: true, placeholder: 'θ', help: 'JumpReLU: each latent\'s initial threshold θ₀ (scale it with your activations)' }),
    bandwidth: numberFlag({ default: 0.02, min: 0, exclusiveMin: true, placeholder: 'ε', help: 'JumpReLU: the straight-through kernel\'s bandwidth ε' }),
    steps: intFlag({ default: 10_000, min: 0, help: 'the SAE\'s Adam steps' }),
    batch: intFlag({ default: 1024, min: 1, help: 'the SAE\'s samples per step' }),
    lr: numberFlag({ default: 1e-3, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'the SAE\'s learning rate' }),
    resample: enumFlag({
      default: 'none', values: ['none', 'simple', 'anthropic'] as const,
      help: 'dead-latent resampling: none, simple (random re-initialisation), anthropic (inputs the SAE reconstructs worst, Bricken et al.)',
    }),
  };
}

/** The toy-model flags' values. */
export interface ToyModelFlagValues {
  features: number;
  hidden: number;
  instances: number;
  instance: number;
  importance: number;
  density: DensitySpec;
  model: ToyModelKind;
  'tms-steps': number;
  'tms-batch': number;
  'tms-lr': number;
  seed: number;
}

/** The SAE flags' values. */
export interface SaeFlagValues {
  arch: SaeArchitecture;
  latents: number;
  l1: number;
  k: number;
  threshold: number;
  bandwidth: number;
  steps: number;
  batch: number;
  lr: number;
  resample: 'none' | 'simple' | 'anthropic';
  seed: number;
}

// ─── The toy-model source ─────────────────────────────────────────────────────────────────────

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

/** The densities of the instances: one value is every instance's, a list gives one each. */
function instanceDensities(flags: ToyModelFlagValues): number[] {
  const spec = flags.density;
  if (spec.kind === 'list' && spec.values.length === 1) return new Array<number>(flags.instances).fill(spec.values[0]);
  return resolveDensities(spec, flags.instances);
}

/**
 * Trains the toy model the flags describe and returns it as an SAE's source: a sampler of
 * instance k's hidden activations, and its true feature directions.
 *
 * @throws CliUsageError when `--instance` is past the last instance or the densities do not fit.
 */
export function trainToySource(flags: ToyModelFlagValues, progress: Progress): ToySource {
  const densities = instanceDensities(flags);
  const { features: n, hidden: m, instances } = flags;
  const instance = flags.instance === -1 ? instances - 1 : flags.instance;
  if (instance >= instances) {
    throw new CliUsageError(`--instance ${instance} is past the last instance: --instances is ${instances}, so K runs from 0 to ${instances - 1}`);
  }
  const model = new ToyModel({ kind: flags.model, instances, features: n, hidden: m, seed: flags.seed });
  const steps = flags['tms-steps'];
  const task = progress.task(`training the ${flags.model} toy model (${instances} instance${instances === 1 ? '' : 's'})`, steps);
  const result = trainToyModel(model, {
    density: densities, importance: importanceTensor(instances, n, flags.importance), steps, batch: flags['tms-batch'],
    lr: flags['tms-lr'], lrSetting: '--tms-lr', seed: flags.seed, progressEvery: progressInterval(steps),
    onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
  });
  task.finish(`loss ${formatNumber(result.finalLoss.reduce((a, b) => a + b, 0))}`);

  // Instance k's weights [1, m, n], packed once: every SAE step multiplies by them.
  const weights = kernels.slice(model.W, 0, instance, instance + 1).contiguous();
  const density = densities[instance];
  const hiddenRelu = flags.model === 'hidden-relu' || flags.model === 'abs';
  const values = flags.model === 'abs' ? 'signed' : 'unit';
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

// ─── The .npy source ──────────────────────────────────────────────────────────────────────────

/** Reads `path` through the context, turning a failure into a usage error that names the flag. */
function readBytes(context: CommandContext, flag: string, path: string): Uint8Array {
  try {
    return context.readFile(path);
  } catch (error) {
    throw new CliUsageError(`--${flag}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads the tensor of a `.npy` file, or of a `.safetensors` file (the one named `tensorName`, or
 * its only tensor), with a description of its element type for messages. Refuses, as usage
 * errors naming the flag, a file that does not read, a missing name, and a safetensors file of
 * several tensors when no name is given (listing the names).
 */
function readTensorFile(context: CommandContext, flag: string, path: string, tensorName: string): { tensor: Tensor; elementType: string } {
  const bytes = readBytes(context, flag, path);
  const isSafetensors = path.toLowerCase().endsWith('.safetensors');
  try {
    if (!isSafetensors) return { tensor: readNpy(bytes), elementType: `'${parseNpyHeader(bytes).descr}'` };
    const { tensors } = readSafetensors(bytes);
    const names = Object.keys(tensors);
    // A few names and a count: a file may hold hundreds of thousands of tensors.
    const described = names.slice(0, 5).map((name) => `${name.length > 60 ? `${name.slice(0, 57)}…` : name} [${tensors[name].shape.join(',')}]`);
    const listed = names.length > 5 ? `${described.join(', ')} and ${names.length - 5} more` : described.join(', ');
    if (tensorName !== '') {
      if (!Object.hasOwn(tensors, tensorName)) throw new CliUsageError(`--tensor ${tensorName}: ${path} has no such tensor; it holds ${listed || 'none'}`);
      return { tensor: tensors[tensorName], elementType: tensors[tensorName].dtype };
    }
    if (names.length !== 1) {
      throw new CliUsageError(names.length === 0
        ? `--${flag} ${path} holds no tensors`
        : `--${flag} ${path} holds ${names.length} tensors; name one with --tensor NAME: ${listed}`);
    }
    return { tensor: tensors[names[0]], elementType: tensors[names[0]].dtype };
  } catch (error) {
    if (error instanceof TensorError) throw new CliUsageError(`--${flag} ${path} is not a valid ${isSafetensors ? 'safetensors' : '.npy'} file: ${error.message}`);
    throw error;
  }
}

/**
 * Reads a 2-D float32 or float64 `.npy` or `.safetensors` file [rows, cols] into float32 (for
 * safetensors, the tensor named `tensorName`, or the file's only one), refusing (as usage errors
 * naming the flag) a file that does not read, another rank or dtype, an empty array, and NaN or
 * infinite values (also values too large for float32).
 */
export function readMatrixFile(
  context: CommandContext, flag: string, path: string, what: string, tensorName = '',
): { rows: number; cols: number; data: Float32Array } {
  const { tensor, elementType } = readTensorFile(context, flag, path, tensorName);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') {
    throw new CliUsageError(`--${flag} ${path} holds ${elementType}; ${what} must be float32 or float64 ('<f4'/'<f8', or F32/F64)`);
  }
  if (tensor.rank !== 2) {
    throw new CliUsageError(`--${flag} ${path} has shape [${tensor.shape.join(',')}]; ${what} must be a 2-D array, one per row`);
  }
  const [rows, cols] = tensor.shape;
  if (rows === 0 || cols === 0) throw new CliUsageError(`--${flag} ${path} has shape [${rows},${cols}]; ${what} must not be empty`);
  const data = Float32Array.from(tensor.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const value = tensor.data[i];
      const why = Number.isFinite(value) ? `${value}, too large for float32` : String(value);
      throw new CliUsageError(`--${flag} ${path} has ${why} at row ${Math.floor(i / cols)}, column ${i % cols}; ${what} must be finite numbers`);
    }
  }
  return { rows, cols, data };
}

/** Draws rows of `data` [rows, cols] at random (with replacement) as a batch [1, batch, cols]. */
function rowSampler(data: Float32Array, rows: number, cols: number): ActivationSampler {
  return (batch, rng) => {
    const out = new Float32Array(batch * cols);
    for (let s = 0; s < batch; s++) {
      const row = Math.floor(rng.nextDouble() * rows);
      out.set(data.subarray(row * cols, (row + 1) * cols), s * cols);
    }
    return new Tensor(out, [1, batch, cols]);
  };
}

// ─── Training and measuring the SAE ───────────────────────────────────────────────────────────

/** The latents the flags ask for, or the default: n for the toy model, 4 × d_in for a file. */
export function resolveLatents(flags: SaeFlagValues, fallback: number): { latents: number; k: number } {
  const latents = flags.latents === 0 ? fallback : flags.latents;
  // Only TopK keeps k latents; the other architectures ignore --k, so it is not held against --latents.
  if (flags.arch === 'topk' && flags.k > latents) {
    throw new CliUsageError(`--k ${flags.k} is larger than --latents ${latents}: TopK keeps k of the latents, so k must be at most ${latents}`);
  }
  return { latents, k: flags.k === 0 ? Math.min(2, latents) : flags.k };
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

/** Builds the SAE the flags describe on d_in = `inputDim` and trains it on `sample`, with progress. */
export function trainSaeOn(
  flags: SaeFlagValues, shape: { inputDim: number; latents: number; k: number }, sample: ActivationSampler, progress: Progress,
  checkpoints: Pick<SaeTrainOptions, 'resumeFrom' | 'checkpointEvery' | 'onCheckpoint'> = {},
): TrainedSae {
  const sae = new SparseAutoencoder({
    architecture: flags.arch, inputDim: shape.inputDim, latents: shape.latents, k: shape.k, seed: flags.seed,
    initialThreshold: flags.threshold, bandwidth: flags.bandwidth,
  });
  const task = progress.task(`training the ${flags.arch} SAE (${shape.inputDim} → ${shape.latents})`, flags.steps);
  const result = trainSae(sae, sample, {
    steps: flags.steps, batch: flags.batch, lr: flags.lr, lrSetting: '--lr', l1: flags.l1, resample: flags.resample, seed: flags.seed,
    ...checkpoints,
    progressEvery: progressInterval(flags.steps),
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
  matches: { feature: number; cosine: number }[] | null;
  /** How many true features there are, or null without them. */
  trueFeatureCount: number | null;
  /** The true features that are the zero vector (no direction): left out of MMCS, recovery and matches. */
  zeroTrueFeatures: number[];
}

/** Encodes and decodes `x` [1, B, d_in] and takes every measure (see the module notes). */
export function measureSae(sae: SparseAutoencoder, x: Tensor, trueFeatures: Tensor | null): SaeMeasures {
  const { features, reconstruction } = noGrad(() => sae.forward(x));
  let fve: number | null;
  try {
    fve = fractionOfVarianceExplained(x, reconstruction);
  } catch (error) {
    // The one refusal left once shapes and values are checked: x has no variance about its mean.
    if (!(error instanceof TensorError)) throw error;
    fve = null;
  }
  const fireCounts = latentFireCounts(features);
  const decoder = sae.decoderDirections(0);
  // Zero true features have no direction to find: measured without them, and reported (see the command).
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
    l0: l0(features),
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
function evaluationRng(seed: number): Rng {
  return new Rng(seed).fork();
}

/** A row of numbers as `[a, b]`, 3 significant digits each. */
function direction(values: readonly number[]): string {
  return `[${values.map((value) => formatNumber(value)).join(', ')}]`;
}

/** What {@link saePlots} draws from. */
export interface SaePlotData {
  /** The training history. */
  history: readonly SaeHistoryEntry[];
  /** The decoder directions, one row per latent [d_sae][d_in]. */
  decoder: readonly (readonly number[])[];
  /** cos(true feature i, latent j) [n][d_sae], or null without true features. */
  cosines: number[][] | null;
  /** MMCS both ways, or null without true features. */
  mmcs: Mmcs | null;
}

/** The `sae` plots (see the module notes for the files). */
export function saePlots(data: SaePlotData): OutFile[] {
  const files: OutFile[] = [];
  const { history } = data;
  if (history.length > 0) {
    const series = (label: string, value: (entry: SaeHistoryEntry) => number) =>
      ({ label, points: history.map((entry): [number, number] => [entry.step, value(entry)]) });
    const losses = [series('loss', (entry) => entry.loss), series('MSE', (entry) => entry.mse)];
    files.push({
      name: 'training-loss.svg',
      text: lineChart(losses, {
        title: 'SAE training: loss and reconstruction error', xLabel: 'step', yLabel: 'per batch',
        // A log scale shows the long tail of training, but has no place for 0.
        yLog: losses.every(({ points }) => points.every(([, y]) => y > 0)),
      }),
    });
    files.push({
      name: 'training-sparsity.svg',
      text: lineChart([series('L0', (entry) => entry.l0), series('dead latents', (entry) => entry.dead)], {
        title: 'SAE training: L0 (active per sample) and dead latents', xLabel: 'step', yLabel: 'latents',
      }),
    });
  }
  if (data.cosines !== null) {
    const mmcsText = data.mmcs === null ? '' : `, MMCS ${data.mmcs.trueToLearned.toFixed(3)}`;
    files.push({
      name: 'cosines.svg',
      text: heatmap(data.cosines, {
        title: `True × learned cosines${mmcsText}`,
        rowLabels: data.cosines.map((_, i) => `feature ${i}`), colLabels: data.decoder.map((_, j) => `latent ${j}`),
        xLabel: 'learned latent', yLabel: 'true feature', domain: [-1, 1], legendLabel: 'cosine',
      }),
    });
  }
  if (data.decoder.length > 0 && data.decoder[0].length === 2) {
    files.push({
      name: 'decoder.svg',
      text: arrowDiagram(data.decoder.map((row, j) => ({ x: row[0], y: row[1], label: `latent ${j}` })), {
        title: 'SAE decoder directions in the hidden plane', xLabel: 'hidden dimension 0', yLabel: 'hidden dimension 1',
      }),
    });
  }
  return files;
}

// ─── The command ──────────────────────────────────────────────────────────────────────────────

/** The `sae` command. */
export const saeCommand = defineCommand({
  name: 'sae',
  summary: 'train a sparse autoencoder on a toy model\'s hidden activations (or a .npy file), and score what it recovers',
  description:
    'Trains a sparse autoencoder (SAE) to un-mix superposed activations into features. With --source tms ' +
    '(the default) it first trains a toy model (the tms flags; its own training flags are --tms-steps, ' +
    '--tms-batch, --tms-lr), then trains the SAE on the hidden activations h of one instance, whose true ' +
    'features (the hidden directions of the n features) are known. With --input FILE.npy it trains on the ' +
    'rows of a 2-D float32/float64 NumPy array [samples, d_in]; --true-features FILE.npy [n, d_in] gives ' +
    'known directions to score against. It reports L0 (latents active per sample), MSE, the fraction of ' +
    'variance explained (about the mean), dead latents, the mean max cosine similarity (MMCS) between true ' +
    'and learned directions both ways, and the features recovered (cosine ≥ 0.9). The defaults are ARENA\'s ' +
    'ToySAE: n = 5 features in m = 2 dimensions at density 0.025, where a 5-latent ReLU SAE recovers all five.',
  notes:
    'Run time: about 6 s with the defaults, measured on a shared 2-core machine (1.5 s for the toy ' +
    'model, 4 s for the SAE: 10,000 steps of batch 1024 each).\n' +
    `Measures are taken on ${EVALUATION_SAMPLES} fresh samples of the toy model (training never saw them), or on the ` +
    `file's rows (${EVALUATION_ROWS} drawn at random from a larger file). MMCS true→learned asks whether every true ` +
    'feature was found; learned→true whether every latent is one of them.\n' +
    'Examples:\n' +
    'superposition sae --arch topk --k 1 --json > sae.json\n' +
    'superposition sae --input acts.npy --true-features dirs.npy --latents 512 --steps 5000',
  flags: {
    source: enumFlag({ default: 'tms', values: ['tms', 'input'] as const, help: 'where the activations come from; --input implies input' }),
    input: stringFlag({ default: '', placeholder: 'FILE', help: 'a 2-D .npy or .safetensors of activations [samples, d_in], float32 or float64' }),
    tensor: stringFlag({ default: '', placeholder: 'NAME', help: 'with --input FILE.safetensors: the tensor to train on, when the file holds several' }),
    'true-features': stringFlag({ default: '', placeholder: 'FILE.npy', help: 'with --input: known feature directions [n, d_in], one per row' }),
    ...toyModelFlags(),
    ...saeFlags(),
    out: outFlag(),
    ...checkpointFlags(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const fromFile = flags.input !== '';
    if (flags.source === 'input' && !fromFile) throw new CliUsageError('--source input needs --input FILE.npy');
    if (flags['true-features'] !== '' && !fromFile) {
      throw new CliUsageError('--true-features goes with --input; with --source tms the toy model gives the true features');
    }
    if (flags.tensor !== '' && !flags.input.toLowerCase().endsWith('.safetensors')) {
      throw new CliUsageError('--tensor names a tensor of a .safetensors --input; give --input FILE.safetensors');
    }

    let inputDim: number;
    let sample: ActivationSampler;
    let trueFeatures: Tensor | null = null;
    let evaluation: Tensor;
    let toy: ToySource | null = null;
    let inputHash: string | null = null;
    if (fromFile) {
      const data = readMatrixFile(context, 'input', flags.input, 'the activations', flags.tensor);
      inputDim = data.cols;
      // A resume must train on the same rows, not just a file of the same name.
      inputHash = contentHash(new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength));
      if (flags['true-features'] !== '') {
        const truth = readMatrixFile(context, 'true-features', flags['true-features'], 'the true features');
        if (truth.cols !== inputDim) {
          throw new CliUsageError(
            `--true-features ${flags['true-features']} has rows of width ${truth.cols}, but the activations have d_in = ${inputDim}: ` +
            'give one direction per row, in the activations\' space',
          );
        }
        trueFeatures = new Tensor(truth.data, [truth.rows, truth.cols]);
      }
      sample = rowSampler(data.data, data.rows, data.cols);
      evaluation = data.rows <= EVALUATION_ROWS
        ? new Tensor(data.data, [1, data.rows, data.cols])
        : sample(EVALUATION_ROWS, evaluationRng(flags.seed));
    } else {
      // Check the SAE's flags before spending time on the toy model.
      const sizes = resolveLatents(flags, flags.features);
      refuseOversize([...toyModelBuffers({ instances: flags.instances, batch: flags['tms-batch'], features: flags.features, hidden: flags.hidden },
        TOY_SIZE_FLAGS), ...saeBuffers({ batch: flags.batch, latents: sizes.latents, inputDim: flags.hidden, evaluation: EVALUATION_SAMPLES })]);
      toy = trainToySource(flags, progress);
      inputDim = flags.hidden;
      sample = toy.sample;
      trueFeatures = toy.trueFeatures;
      evaluation = sample(EVALUATION_SAMPLES, evaluationRng(flags.seed));
    }
    const { latents, k } = resolveLatents(flags, fromFile ? 4 * inputDim : flags.features);
    if (fromFile) refuseOversize(saeBuffers({ batch: flags.batch, latents, inputDim, evaluation: evaluation.shape[1] }));
    // What a resumed run must share with the saved one (--steps may grow): the SAE's settings and its data's.
    const runConfig = JSON.parse(JSON.stringify({
      arch: flags.arch, latents, k, l1: flags.l1, batch: flags.batch, lr: flags.lr, resample: flags.resample, seed: flags.seed,
      ...(flags.arch === 'jumprelu' ? { threshold: flags.threshold, bandwidth: flags.bandwidth } : {}),
      source: fromFile ? 'input' : 'tms', input: flags.input, tensor: flags.tensor,
      ...(inputHash === null ? {} : { [INPUT_HASH_KEY]: inputHash }),
      ...(fromFile ? {} : {
        model: flags.model, features: flags.features, hidden: flags.hidden, instances: flags.instances, instance: flags.instance,
        importance: flags.importance, density: flags.density, 'tms-steps': flags['tms-steps'], 'tms-batch': flags['tms-batch'], 'tms-lr': flags['tms-lr'],
      }),
    })) as Record<string, JsonValue>;
    const trained = trainSaeOn(flags, { inputDim, latents, k }, sample, progress, {
      resumeFrom: readResumeState(flags.resume, 'sae', runConfig, flags.steps, context.readFile),
      checkpointEvery: flags['checkpoint-every'], onCheckpoint: checkpointWriter(flags.save, 'sae', runConfig),
    });
    if (flags.save !== '') writeFilesAtomically(flags.save, saveSae(trained.sae));
    const measures = measureSae(trained.sae, evaluation, trueFeatures);
    if (measures.zeroTrueFeatures.length > 0) {
      const zero = measures.zeroTrueFeatures;
      progress.note(`warning: true feature${zero.length === 1 ? '' : 's'} ${zero.slice(0, 5).join(', ')}${zero.length > 5 ? ` and ${zero.length - 5} more` : ''} ` +
        `${zero.length === 1 ? 'is' : 'are'} the zero vector (no direction), so MMCS and recovery leave ${zero.length === 1 ? 'it' : 'them'} out`);
    }
    const seconds = trained.seconds + (toy?.seconds ?? 0);

    const decoder = matrixToJson(trained.sae.decoderDirections(0));
    const json = `${JSON.stringify({
      arch: flags.arch, latents, k: flags.arch === 'topk' ? k : null, l1: flags.l1, steps: flags.steps, batch: flags.batch,
      lr: flags.lr, resample: flags.resample, seed: flags.seed, source: fromFile ? 'input' : 'tms', inputDim,
      l0: measures.l0, mse: measures.mse, fve: measures.fve, dead: measures.dead, mmcs: measures.mmcs,
      recovered: measures.recovered, decoder, history: trained.history,
      ...(trueFeatures === null ? {} : { trueFeatures: matrixToJson(trueFeatures) }),
      ...(toy === null ? {} : {
        toyModel: {
          model: flags.model, features: flags.features, hidden: flags.hidden, instances: flags.instances, instance: toy.instance,
          density: toy.density, importanceRatio: flags.importance, steps: flags['tms-steps'], batch: flags['tms-batch'],
          lr: flags['tms-lr'], loss: toy.finalLoss[toy.instance],
        },
      }),
      seconds,
    })}\n`;
    if (flags.out !== '') {
      const cosines = trueFeatures === null ? null : cosineMatrix(trueFeatures, trained.sae.decoderDirections(0));
      writeOutFolder(flags.out, json, saePlots({ history: trained.history, decoder, cosines, mmcs: measures.mmcs }), context);
    }
    if (flags.json) {
      out(json);
      return;
    }
    out(formatSummary({ flags, latents, k, inputDim, toy, measures, trained }));
  },
});

/** The readable summary of an `sae` run. */
function formatSummary(run: {
  flags: SaeFlagValues & ToyModelFlagValues & { input: string; 'true-features': string };
  latents: number; k: number; inputDim: number; toy: ToySource | null; measures: SaeMeasures; trained: TrainedSae;
}): string {
  const { flags, latents, k, inputDim, toy, measures, trained } = run;
  const lines: string[] = [];
  const arch = flags.arch === 'topk' ? `topk (k = ${k})` : `${flags.arch} (λ = ${flags.l1})`;
  const source = toy === null
    ? `the ${inputDim}-dim rows of ${flags.input}`
    : `the hidden activations (m = ${flags.hidden}) of instance ${toy.instance} of a ${flags.model} toy model ` +
      `(n = ${flags.features}, p = ${formatNumber(toy.density)}; trained ${toy.seconds.toFixed(1)} s)`;
  lines.push(`${arch} SAE with ${latents} latents on ${source}`);
  lines.push(`${flags.steps} steps of batch ${flags.batch}, lr ${flags.lr}, resample ${flags.resample}, seed ${flags.seed} (${trained.seconds.toFixed(1)} s)`);
  lines.push('');
  const fve = measures.fve === null ? 'undefined (no variance)' : formatNumber(measures.fve, 4);
  const samples = toy === null ? `${measures.samples} rows of the file` : `${measures.samples} fresh samples`;
  lines.push(`on ${samples}:  L0 ${formatNumber(measures.l0)}   MSE ${formatNumber(measures.mse)}   ` +
    `FVE ${fve}   dead latents ${measures.dead} of ${latents}`);
  if (measures.mmcs !== null && measures.recovered !== null) {
    lines.push(`MMCS ${measures.mmcs.trueToLearned.toFixed(4)} true→learned (is every feature found?), ` +
      `${measures.mmcs.learnedToTrue.toFixed(4)} learned→true (is every latent a feature?)`);
    lines.push(`features recovered (a latent at cosine ≥ 0.9): ${measures.recovered} of ${measures.trueFeatureCount}`);
  }
  lines.push('');
  const header = ['latent', 'fires on'];
  if (measures.matches !== null) header.push('best match', 'cosine');
  const showDirections = inputDim <= MAX_DIRECTION_WIDTH;
  if (showDirections) header.push('decoder direction');
  const decoder = matrixToJson(trained.sae.decoderDirections(0));
  const rows = decoder.map((row, latent) => {
    const cells = [String(latent), `${formatNumber((100 * measures.fireCounts[latent]) / measures.samples)}%`];
    if (measures.matches !== null) {
      const match = measures.matches[latent];
      cells.push(`feature ${match.feature}`, match.cosine.toFixed(4));
    }
    if (showDirections) cells.push(direction(row));
    return cells;
  });
  const textColumns = header.flatMap((title, column) => (title === 'best match' || title === 'decoder direction' ? [column] : []));
  lines.push(formatTable(header, rows, textColumns).trimEnd());
  return `${lines.join('\n')}\n`;
}
