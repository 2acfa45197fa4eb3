/**
 * The lesson on a real network: a digit classifier whose hidden neurons are polysemantic, and a
 * sparse autoencoder on its hidden layer whose latents are purer.
 *
 * 1. Split the digits (seeded): `heldOut` images are never trained on; everything measured is
 *    measured on them.
 * 2. Train an MLP 784 → H → 10 (ReLU, cross-entropy, Adam). H = 64 by default: ten classes but far
 *    more useful strokes and shapes (loops, bars, slants, at many positions) than 64 neurons, so
 *    each neuron must serve several, which is what makes them polysemantic. (H = 32 also shows it,
 *    but stays under 92% held-out accuracy on this data and budget; much wider layers give each
 *    neuron fewer jobs.)
 * 3. Every neuron: its top held-out images, their class mix (purity, entropy, classes to cover
 *    80%; src/analysis/purity.ts), its mean activation per class, its input weights (a 28 × 28
 *    map) and its logit weights (column j of W₂).
 * 4. Train a TopK SAE (src/models/sae.ts, one instance) on the training images' hidden vectors:
 *    d_sae = 8·H latents, k = 4. b_dec starts at the mean hidden vector (as SAELens may start it),
 *    so the short run spends its steps on directions, not on finding the mean. Measured on the
 *    held-out hidden vectors: FVE, L0, dead latents (never fire on any held-out image).
 * 5. Every latent: the same class mix, plus its card: activation histogram, quantile samples,
 *    logit weights W₂ dⱼ (dⱼ its decoder row), nearest latents by decoder cosine.
 * 6. The comparison: purity of the neurons against purity of the live latents that fire on at
 *    least `topK` held-out images (so both are measured on `topK` images; rarer latents would be
 *    "pure" on two or three images by luck). Both distributions are returned.
 * 7. Steering: h′ = h + s·aⱼ·dⱼ (aⱼ the latent's largest held-out activation, s a strength),
 *    added to the hidden vector of held-out images of other classes, read through the output
 *    layer: how often does the prediction become the latent's class?
 *
 * The result holds every number the report draws, and {@link toJson} the JSON document of
 * `superposition mnist --json` (`accuracy`, `heldOutLabels`, `neurons[].topExamples`,
 * `latents[].topExamples` and `alive`, so anyone can recompute purity from raw indices).
 *
 * @module
 */
import { noGrad } from '../autograd/engine.js';
import {
  activationHistogram, type ActivationHistogram, type ClassMix, logitWeights, nearestByCosine, type Neighbour, profileUnits, type QuantileBand, quantileSamples, summarize, type Summary, unitColumns,
} from '../analysis/purity.js';
import { fractionOfVarianceExplained, l0 } from '../analysis/sae.js';
import { DIGIT_CLASSES, DIGIT_PIXELS, type DigitSet, splitDigits } from '../models/digits.js';
import { classifierAccuracy, MlpClassifier, type MlpEpoch, trainClassifier } from '../models/mlp.js';
import { type SaeHistoryEntry, SparseAutoencoder, trainSae } from '../models/sae.js';
import { fail } from '../tensor/errors.js';
import * as kernels from '../tensor/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { type ProgressSink, type ProgressTask, secondsSince, SILENT_PROGRESS } from './options.js';

/** What {@link run} runs; every field but `digits` has a default. */
export interface MnistOptions {
  /** All the digits (e.g. the `mnist` package's 10,000, loaded by the CLI). */
  digits: DigitSet;
  /** Seed of the split, the weights, the shuffles and the SAE. Default 0. */
  seed?: number;
  /** Held-out images. Default 2,000. */
  heldOut?: number;
  /** Training images. Default 8,000. */
  train?: number;
  /** H, hidden neurons. Default 64. */
  hidden?: number;
  /** Classifier epochs. Default 6. */
  epochs?: number;
  /** Classifier batch. Default 64. */
  batch?: number;
  /** Classifier learning rate. Default 2e-3. */
  lr?: number;
  /** SAE latents. Default 8·H. */
  latents?: number;
  /** TopK's k. Default 4. */
  k?: number;
  /** SAE steps. Default 300. */
  saeSteps?: number;
  /** SAE batch. Default 64. */
  saeBatch?: number;
  /** SAE learning rate. Default 8e-3. */
  saeLr?: number;
  /** Top examples per unit (purity is measured on these). Default 20. */
  topK?: number;
}

/** The options with their defaults filled in (the digits left out). */
export type MnistConfig = Required<Omit<MnistOptions, 'digits'>>;

/** What every unit (neuron or latent) reports. */
export interface UnitReport {
  /** Its index. */
  index: number;
  /** Held-out images where it is > 0. */
  fires: number;
  /** Its largest held-out activation. */
  maxActivation: number;
  /** Held-out indices of its top images, strongest first (only where it fires). */
  topExamples: number[];
  /** Their activations. */
  topActivations: number[];
  /** The class mix of the top examples. */
  mix: ClassMix;
  /** Mean activation over the held-out images of each class. */
  meanByClass: number[];
  /** What a unit step along it adds to each logit: W₂ eⱼ for a neuron, W₂ dⱼ for a latent. */
  logitWeights: number[];
}

/** A latent: a unit with a dashboard card. */
export interface LatentReport extends UnitReport {
  /** Fires on at least one held-out image. */
  alive: boolean;
  /** Fraction of held-out images it fires on. */
  density: number;
  /** Its nonzero held-out activations, binned. */
  histogram: ActivationHistogram;
  /** Held-out images across its activation quantiles, strongest band first. */
  quantiles: QuantileBand[];
  /** The live latents nearest by decoder cosine. */
  nearest: Neighbour[];
}

/** One steering experiment. */
export interface SteeringResult {
  /** The latent added. */
  latent: number;
  /** Its majority class, which its direction should push the prediction to. */
  targetClass: number;
  /** The held-out images steered: correctly classified, of other classes. */
  images: number[];
  /** Strengths s, in units of the latent's largest held-out activation. */
  strengths: number[];
  /** For each strength, the fraction of `images` now predicted `targetClass`. */
  flippedToTarget: number[];
  /** For each strength, the predicted class of each image. */
  predictions: number[][];
}

/** Neuron, its top classes and the mean of its top images in each: strokes shared between digits. */
export interface SharedStroke {
  /** The neuron. */
  neuron: number;
  /** Its most frequent classes among its top images (at most three), most first. */
  classes: number[];
  /** For each, the mean of its top images of that class, [784]. */
  meanImages: number[][];
  /** Its input weights W₁[j], [784]. */
  weights: number[];
  /** The cosine between the neuron's positive weights and each class mean: how much of the stroke each digit carries. */
  overlap: number[];
}

/** The SAE's figures on the held-out hidden vectors. */
export interface MnistSaeFigures {
  /** Fraction of variance explained. */
  fve: number;
  /** Latents active per digit. */
  l0: number;
  /** Latents that fire on no held-out digit. */
  dead: number;
  /** Latents that fire on some. */
  alive: number;
  /** The training history. */
  history: SaeHistoryEntry[];
}

/** Purity of neurons beside purity of live latents, each over the units firing on ≥ topK held-out digits. */
export interface PurityComparison {
  /** The neurons' purities, summed up. */
  neurons: Summary;
  /** The latents', summed up. */
  latents: Summary;
  /** Each neuron's purity (those compared, in index order). */
  neuronPurity: number[];
  /** Each compared latent's purity, in the order of `latentIndices`. */
  latentPurity: number[];
  /** The latents compared. */
  latentIndices: number[];
}

/** Everything {@link run} measures. */
export interface MnistResult {
  /** The settings used. */
  config: MnistConfig;
  /** Held-out accuracy of the classifier. */
  accuracy: number;
  /** The classifier's epochs. */
  history: MlpEpoch[];
  /** The class of each held-out image, in held-out order. */
  heldOutLabels: number[];
  /** Row of the whole digit set each held-out image came from. */
  heldOutIndices: number[];
  /** The held-out images, [heldOut·784] (for drawing). */
  heldOutImages: Float32Array;
  /** The classifier's prediction for each held-out image. */
  heldOutPredictions: number[];
  /** One per hidden neuron. */
  neurons: UnitReport[];
  /** One per SAE latent. */
  latents: LatentReport[];
  /** The SAE's figures on held-out hidden vectors. */
  sae: MnistSaeFigures;
  /** Purity of neurons and of live latents that fire on ≥ topK images. */
  comparison: PurityComparison;
  /** The card latents: live, firing on ≥ topK images, most frequent first (not chosen by purity). */
  cardLatents: number[];
  /** One steering experiment per card latent. */
  steering: SteeringResult[];
  /** The least pure neuron, as a picture of shared strokes. */
  sharedStroke: SharedStroke;
  /** Wall time, seconds. */
  seconds: number;
}

/** The `mnist` command's defaults. */
export const MNIST_DEFAULTS: Readonly<MnistConfig> = {
  seed: 0, heldOut: 2000, train: 8000, hidden: 64, epochs: 6, batch: 64, lr: 2e-3,
  latents: 512, k: 4, saeSteps: 300, saeBatch: 64, saeLr: 8e-3, topK: 20,
};

/** Latent cards the result details (and the report draws). */
export const CARD_LATENTS = 6;

/** Steering strengths, in units of the latent's largest held-out activation. */
export const STEERING_STRENGTHS: readonly number[] = [0, 0.5, 1, 2];

/**
 * Trains, measures and compares; see the module notes. Progress: a task for the classifier's
 * epochs, one for the SAE's steps, and a note when the measuring starts.
 */
export function run(options: MnistOptions, onProgress: ProgressSink = SILENT_PROGRESS): MnistResult {
  const started = performance.now();
  checkMnistOptions(options);
  const config: MnistConfig = {
    ...MNIST_DEFAULTS,
    latents: 8 * (options.hidden ?? MNIST_DEFAULTS.hidden),
    ...Object.fromEntries(Object.entries(options).filter(([key, value]) => key !== 'digits' && value !== undefined)),
  } as MnistConfig;
  const { seed, hidden, latents, topK } = config;
  const split = splitDigits(options.digits, { heldOut: config.heldOut, train: config.train, seed });
  const heldOutLabels = Array.from(split.heldOut.labels.toTypedArray());

  // 2. The classifier.
  const model = new MlpClassifier({ inputs: DIGIT_PIXELS, hidden, classes: DIGIT_CLASSES, seed });
  const classifierTask: ProgressTask = onProgress.task(`training the digit classifier (784 → ${hidden} → 10, ${config.train} digits)`, config.epochs);
  const history = trainClassifier(model, split.train.images, split.train.labels, {
    epochs: config.epochs, batch: config.batch, lr: config.lr, seed,
    onEpoch: (epoch, figures) => classifierTask.update(epoch, `loss ${figures.loss.toFixed(3)}, train accuracy ${(100 * figures.trainAccuracy).toFixed(1)}%`),
  });
  classifierTask.finish();
  const accuracy = classifierAccuracy(model, split.heldOut.images, split.heldOut.labels);
  const heldOutPredictions = Array.from(model.predict(split.heldOut.images).toTypedArray());
  const trainHidden = noGrad(() => model.hiddenActivations(split.train.images)).contiguous();
  const heldOutHidden = noGrad(() => model.hiddenActivations(split.heldOut.images)).contiguous();
  const W2 = new Tensor(model.W2.toTypedArray().slice(), [DIGIT_CLASSES, hidden]);

  // 3. The neurons.
  const neuronProfiles = profileUnits(heldOutHidden, heldOutLabels, { topK });
  const neurons: UnitReport[] = neuronProfiles.map((profile) => ({
    index: profile.unit, fires: profile.fires, maxActivation: profile.maxActivation,
    topExamples: profile.top.indices, topActivations: profile.top.activations, mix: profile.mix,
    meanByClass: profile.meanByClass, logitWeights: logitWeights(oneHot(hidden, profile.unit), W2),
  }));

  // 4. The SAE.
  const sae = new SparseAutoencoder({ architecture: 'topk', inputDim: hidden, latents, k: config.k, seed });
  const trainValues = trainHidden.toTypedArray() as Float32Array;
  const trainRows = config.train;
  const meanHidden = new Float32Array(hidden);
  for (let row = 0; row < trainRows; row++) for (let j = 0; j < hidden; j++) meanHidden[j] += trainValues[row * hidden + j] / trainRows;
  sae.b_dec.data.set(meanHidden);
  const saeTask: ProgressTask = onProgress.task(`training the SAE on its hidden layer (${latents} latents, k = ${config.k})`, config.saeSteps);
  const saeTraining = trainSae(sae, (batch, rng) => {
    const x = new Float32Array(batch * hidden);
    for (let r = 0; r < batch; r++) {
      const row = Math.floor(rng.nextDouble() * trainRows);
      x.set(trainValues.subarray(row * hidden, (row + 1) * hidden), r * hidden);
    }
    return new Tensor(x, [1, batch, hidden]);
  }, {
    steps: config.saeSteps, batch: config.saeBatch, lr: config.saeLr, lrSetting: 'saeLr', seed,
    deadWindow: Math.max(1, Math.floor(config.saeSteps / 4)), progressEvery: 50,
    onProgress: (step, figures) => saeTask.update(step, `loss ${figures.loss.toFixed(3)}, L0 ${figures.l0.toFixed(2)}, dead ${figures.dead}`),
  });
  saeTask.finish();
  onProgress.note('measuring neurons and latents: top digits, purity, cards, steering');
  const heldOutBatch = kernels.reshape(heldOutHidden, [1, config.heldOut, hidden]);
  const encoded = noGrad(() => sae.forward(heldOutBatch));
  const latentActivations = kernels.reshape(encoded.latents, [config.heldOut, latents]).contiguous();
  const fve = fractionOfVarianceExplained(heldOutBatch, encoded.reconstruction);
  const meanL0 = l0(encoded.latents);
  const decoder = sae.decoderDirections(0).contiguous();
  const decoderValues = decoder.toTypedArray();

  // 5. The latents and their cards.
  const latentProfiles = profileUnits(latentActivations, heldOutLabels, { topK });
  const aliveIndices = latentProfiles.filter((p) => p.fires > 0).map((p) => p.unit);
  const latentColumns = unitColumns(latentActivations);
  const latentReports: LatentReport[] = latentProfiles.map((profile) => {
    const column = latentColumns[profile.unit];
    const direction = decoderValues.subarray(profile.unit * hidden, (profile.unit + 1) * hidden);
    const alive = profile.fires > 0;
    return {
      index: profile.unit, fires: profile.fires, maxActivation: profile.maxActivation,
      topExamples: profile.top.indices, topActivations: profile.top.activations, mix: profile.mix,
      meanByClass: profile.meanByClass, logitWeights: logitWeights(direction, W2),
      alive, density: profile.fires / config.heldOut,
      histogram: activationHistogram(column, 16),
      quantiles: alive ? quantileSamples(column, 4, 4) : [],
      nearest: alive ? nearestByCosine(decoder, profile.unit, 3, aliveIndices) : [],
    };
  });

  // 6. The comparison.
  const comparable = latentReports.filter((latent) => latent.fires >= topK);
  const neuronPurity = neurons.filter((neuron) => neuron.fires >= topK).map((neuron) => neuron.mix.purity);
  const latentPurity = comparable.map((latent) => latent.mix.purity);
  const comparison = {
    neurons: summarize(neuronPurity), latents: summarize(latentPurity), neuronPurity, latentPurity,
    latentIndices: comparable.map((latent) => latent.index),
  };
  const cardLatents = [...comparable].sort((a, b) => b.fires - a.fires || a.index - b.index).slice(0, CARD_LATENTS).map((l) => l.index);

  // 7. Steering.
  const heldOutValues = heldOutHidden.toTypedArray();
  const steering = cardLatents.map((latent) => {
    const report = latentReports[latent];
    const targetClass = report.mix.majorityClass;
    const images: number[] = [];
    for (let i = 0; i < config.heldOut && images.length < 100; i++) {
      if (heldOutLabels[i] !== targetClass && heldOutPredictions[i] === heldOutLabels[i]) images.push(i);
    }
    const direction = decoderValues.subarray(latent * hidden, (latent + 1) * hidden);
    const predictions = STEERING_STRENGTHS.map((strength) => {
      const steered = new Float32Array(images.length * hidden);
      images.forEach((image, r) => {
        for (let j = 0; j < hidden; j++) {
          steered[r * hidden + j] = heldOutValues[image * hidden + j] + strength * report.maxActivation * direction[j];
        }
      });
      const logits = noGrad(() => model.logitsFromHidden(new Tensor(steered, [images.length, hidden])));
      return Array.from(kernels.argmax(logits, -1).toTypedArray());
    });
    const flippedToTarget = predictions.map((row) => (row.length === 0 ? 0 : row.filter((c) => c === targetClass).length / row.length));
    return { latent, targetClass, images, strengths: [...STEERING_STRENGTHS], flippedToTarget, predictions };
  });

  // Shared strokes: the least pure neuron (ties: the lower index).
  const heldOutImages = split.heldOut.images.toTypedArray() as Float32Array;
  const leastPure = [...neurons].filter((n) => n.fires >= topK).sort((a, b) => a.mix.purity - b.mix.purity || a.index - b.index)[0] ?? neurons[0];
  const sharedStroke = sharedStrokeOf(leastPure, heldOutImages, heldOutLabels, model.W1.toTypedArray().subarray(leastPure.index * DIGIT_PIXELS, (leastPure.index + 1) * DIGIT_PIXELS));

  const dead = latentReports.filter((latent) => !latent.alive).length;
  return {
    config, accuracy, history, heldOutLabels, heldOutIndices: split.heldOutIndices, heldOutImages, heldOutPredictions,
    neurons, latents: latentReports,
    sae: { fve, l0: meanL0, dead, alive: latents - dead, history: saeTraining.history },
    comparison, cardLatents, steering, sharedStroke,
    seconds: secondsSince(started),
  };
}

function oneHot(size: number, at: number): Float64Array {
  const vector = new Float64Array(size);
  vector[at] = 1;
  return vector;
}

function sharedStrokeOf(neuron: UnitReport, images: Float32Array, labels: readonly number[], weights: ArrayLike<number>): SharedStroke {
  const order = neuron.mix.counts.map((count, c) => ({ count, c })).filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count || a.c - b.c).slice(0, 3).map((entry) => entry.c);
  const positive = Array.from(weights, (w) => Math.max(0, w));
  const meanImages = order.map((c) => {
    const mean = new Array<number>(DIGIT_PIXELS).fill(0);
    const members = neuron.topExamples.filter((i) => labels[i] === c);
    for (const i of members) for (let p = 0; p < DIGIT_PIXELS; p++) mean[p] += images[i * DIGIT_PIXELS + p] / members.length;
    return mean;
  });
  return { neuron: neuron.index, classes: order, meanImages, weights: Array.from(weights), overlap: meanImages.map((mean) => cosine(mean, positive)) };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
}

/** Rounds for JSON: 6 significant digits. */
function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

function unitJson(unit: UnitReport): Record<string, unknown> {
  return {
    index: unit.index, fires: unit.fires, maxActivation: round(unit.maxActivation),
    topExamples: unit.topExamples, topActivations: unit.topActivations.map(round),
    purity: round(unit.mix.purity), entropyBits: round(unit.mix.entropyBits), classesToCover: unit.mix.classesToCover,
    majorityClass: unit.mix.majorityClass, classCounts: unit.mix.counts,
    meanByClass: unit.meanByClass.map(round), logitWeights: unit.logitWeights.map(round),
  };
}

/**
 * The JSON document of `superposition mnist --json`: `accuracy`, `heldOutLabels`, `neurons[]` and
 * `latents[]` (each with `topExamples`, held-out indices strongest first; latents also `alive`),
 * the SAE's figures, the purity comparison, the steering results. Images are left out (they are
 * the `mnist` package's, rows `heldOutIndices` of its classes in order 0–9).
 */
export function toJson(result: MnistResult): Record<string, unknown> {
  return {
    config: result.config,
    accuracy: round(result.accuracy),
    heldOutLabels: result.heldOutLabels,
    heldOutIndices: result.heldOutIndices,
    heldOutPredictions: result.heldOutPredictions,
    classifier: { history: result.history.map((e) => ({ epoch: e.epoch, loss: round(e.loss), trainAccuracy: round(e.trainAccuracy) })) },
    neurons: result.neurons.map(unitJson),
    sae: {
      architecture: 'topk', latents: result.config.latents, k: result.config.k, fve: round(result.sae.fve), l0: round(result.sae.l0),
      dead: result.sae.dead, alive: result.sae.alive,
    },
    latents: result.latents.map((latent) => ({
      ...unitJson(latent), alive: latent.alive, density: round(latent.density),
      histogram: { edges: latent.histogram.edges.map(round), counts: latent.histogram.counts },
      quantiles: latent.quantiles.map((band) => ({ low: round(band.low), high: round(band.high), indices: band.indices })),
      nearest: latent.nearest.map((n) => ({ latent: n.index, cosine: round(n.cosine) })),
    })),
    comparison: {
      measure: `purity: the share of a unit's top ${result.config.topK} held-out images in its majority class`,
      neurons: roundSummary(result.comparison.neurons), latents: roundSummary(result.comparison.latents),
      latentIndices: result.comparison.latentIndices,
    },
    cardLatents: result.cardLatents,
    steering: result.steering.map((s) => ({
      latent: s.latent, targetClass: s.targetClass, images: s.images.length, strengths: s.strengths, flippedToTarget: s.flippedToTarget.map(round),
    })),
    sharedStroke: { neuron: result.sharedStroke.neuron, classes: result.sharedStroke.classes, overlap: result.sharedStroke.overlap.map(round) },
    seconds: round(result.seconds),
  };
}

function roundSummary(summary: Summary): Summary {
  return { count: summary.count, mean: round(summary.mean), q1: round(summary.q1), median: round(summary.median), q3: round(summary.q3) };
}

/** Checks an options object's numbers before a long run (the CLI checks its flags itself). */
function checkMnistOptions(options: MnistOptions): void {
  const op = 'mnist';
  for (const [key, value] of Object.entries(options)) {
    if (key === 'digits' || value === undefined) continue;
    if (!(key in MNIST_DEFAULTS)) fail(op, `unknown option ${key}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(op, `${key} must be a number ≥ 0, got ${String(value)}`);
  }
  const merged = { ...MNIST_DEFAULTS, ...options };
  if (merged.topK < 1 || merged.k < 1) fail(op, `topK and k must be ≥ 1, got ${merged.topK} and ${merged.k}`);
}
