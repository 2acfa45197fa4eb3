/**
 * The toy model of superposition (Elhage et al. 2022) trained with one instance per feature
 * density, and what each instance stores, how, and at what loss.
 *
 * Each instance k has n features of importance Iᵢ = rⁱ and density pₖ, squeezed into m hidden
 * dimensions by W [m, n] (column i is feature i's direction). After training, per instance:
 *
 *     featureNorms      ‖Wᵢ‖
 *     interference      Σ_{j≠i} (Ŵᵢ·Wⱼ)²
 *     dimensionality    Dᵢ = ‖Wᵢ‖² / Σ_j (Ŵᵢ·Wⱼ)²
 *     status            absent (‖Wᵢ‖ < 0.5), dedicated, or superposed (interference > 0.1)
 *
 * With the defaults (n = 5, m = 2, r = 0.9, p from 1 to 0.02) the dense instances keep the two
 * most important features on orthogonal axes and drop the rest; the sparsest stores all five as
 * a pentagon.
 *
 * {@link toJson} gives the `tms --json` document, with W as m rows of n:
 *
 *     {"model","features","hidden","importanceRatio","steps","batch","lr","seed",
 *      "instances":[{"density","importance":[n],"W":[[n] × m],"b":[n],"loss",
 *                    "featureNorms":[n],"interference":[n],"dimensionality":[n],
 *                    "dimensionsPerFeature","status":[n],
 *                    "W2":[[m] × n]                               (abs model only)
 *                    "polysemanticity":{"featuresPerNeuron":[m],"topFeatureShare":[m],
 *                                       "polysemanticNeurons"}     (hidden-relu only)}],
 *      "seconds"}
 *
 * @module
 */
import {
  classifyFeatures, countPolysemantic, dimensionsPerFeature, featureDimensionality, type FeatureStatus, featureNorms, instanceWeights,
  interference, neuronPolysemanticity,
} from '../analysis/index.js';
import type { TrainingState } from '../models/training-state.js';
import { importanceTensor } from '../models/data.js';
import { ToyModel, type ToyModelKind, trainToyModel } from '../models/tms.js';
import { formatNumber, matrixToJson, valuesToJson } from './format.js';
import { progressInterval, type ProgressSink, resolveDensities, SILENT_PROGRESS, type ToyTrainingOptions } from './options.js';

/** What to train: the toy model, its data, and AdamW's settings. */
export interface TmsOptions extends ToyTrainingOptions {
  /** Which toy model. */
  model: ToyModelKind;
  /** Seed of the initial weights and of the data. */
  seed: number;
}

/** The `tms` command's defaults: 5 features in 2 dimensions, 8 densities from 1 to 0.02. */
export const TMS_DEFAULTS: Readonly<TmsOptions> = {
  model: 'relu', features: 5, hidden: 2, instances: 8, importance: 0.9, density: { high: 1, low: 0.02 },
  steps: 10_000, batch: 1024, lr: 1e-3, seed: 0,
};

/** Saving and resuming a run (see `trainToyModel`). */
export interface TrainingCheckpoints {
  /** A saved state to continue from. */
  resumeFrom?: TrainingState;
  /** Steps between two calls of `onCheckpoint`. */
  checkpointEvery?: number;
  /** Receives the full training state. */
  onCheckpoint?: (state: TrainingState) => void;
}

/** One instance's figures, as `tms --json` has them. */
export interface TmsInstance {
  /** Its feature density p. */
  density: number;
  /** Iᵢ per feature (every instance has the same). */
  importance: number[];
  /** W as m rows of n, shortest float32 decimals. */
  W: number[][];
  /** The output bias b [n]. */
  b: number[];
  /** Its loss on a fresh batch after training. */
  loss: number;
  /** ‖Wᵢ‖ per feature. */
  featureNorms: number[];
  /** Σ_{j≠i} (Ŵᵢ·Wⱼ)² per feature. */
  interference: number[];
  /** Dᵢ per feature. */
  dimensionality: number[];
  /** m / ‖W‖²_F, or null when W is all zeros (a model that collapsed). */
  dimensionsPerFeature: number | null;
  /** Each feature's status. */
  status: FeatureStatus[];
  /** The second layer [n rows of m] (abs model only). */
  W2?: number[][];
  /** Per neuron, how many features drive it (hidden-relu only). */
  polysemanticity?: {
    /** Per neuron, the features driving it at least half as hard as its strongest. */
    featuresPerNeuron: number[];
    /** Per neuron, its strongest feature's share of its squared positive weights. */
    topFeatureShare: number[];
    /** Neurons driven by two or more features. */
    polysemanticNeurons: number;
  };
}

/** A trained `tms` run. */
export interface TmsResult {
  /** The options it ran with. */
  options: TmsOptions;
  /** The trained model, every instance. */
  model: ToyModel;
  /** Per instance, its figures. */
  instances: TmsInstance[];
  /** Training time, in seconds. */
  seconds: number;
}

/**
 * Trains the toy model `options` describes, one instance per density, and measures each instance.
 *
 * @throws OptionError when a density list does not have one value per instance.
 */
export function run(options: TmsOptions & TrainingCheckpoints, onProgress: ProgressSink = SILENT_PROGRESS): TmsResult {
  const densities = resolveDensities(options.density, options.instances);
  const { features: n, hidden: m, instances } = options;
  const model = new ToyModel({ kind: options.model, instances, features: n, hidden: m, seed: options.seed });
  const importance = importanceTensor(instances, n, options.importance);
  const task = onProgress.task(`training ${options.model} (${instances} instance${instances === 1 ? '' : 's'})`, options.steps);
  const trained = trainToyModel(model, {
    density: densities, importance, steps: options.steps, batch: options.batch, lr: options.lr, seed: options.seed,
    resumeFrom: options.resumeFrom, checkpointEvery: options.checkpointEvery, onCheckpoint: options.onCheckpoint,
    progressEvery: progressInterval(options.steps),
    onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
  });
  task.finish(`loss ${formatNumber(trained.finalLoss.reduce((a, b) => a + b, 0))}`);

  const importanceRow = valuesToJson(importance).slice(0, n); // every instance has the same rⁱ
  const report = densities.map((density, k): TmsInstance => {
    const W = instanceWeights(model.W, k);
    const norms = featureNorms(W);
    return {
      density,
      importance: importanceRow,
      W: matrixToJson(W),
      b: valuesToJson(instanceWeights(model.b, k)),
      loss: trained.finalLoss[k],
      featureNorms: norms,
      interference: interference(W),
      dimensionality: featureDimensionality(W),
      // m / ‖W‖_F² is undefined when W is all zeros (a model that collapsed): null then.
      dimensionsPerFeature: norms.some((norm) => norm > 0) ? dimensionsPerFeature(W) : null,
      status: classifyFeatures(W),
      ...(model.W2 === null ? {} : { W2: matrixToJson(instanceWeights(model.W2, k)) }),
      ...(options.model === 'hidden-relu' ? {
        polysemanticity: { ...neuronPolysemanticity(W), polysemanticNeurons: countPolysemantic(W) },
      } : {}),
    };
  });
  const { resumeFrom: _resume, checkpointEvery: _every, onCheckpoint: _write, ...plain } = options;
  return { options: plain, model, instances: report, seconds: trained.seconds };
}

/** The `tms --json` document (see the module notes). */
export interface TmsJson {
  /** Which toy model. */
  model: TmsOptions['model'];
  /** n. */
  features: number;
  /** m. */
  hidden: number;
  /** The importance ratio r. */
  importanceRatio: number;
  /** AdamW steps. */
  steps: number;
  /** Samples per step, per instance. */
  batch: number;
  /** Learning rate. */
  lr: number;
  /** The seed. */
  seed: number;
  /** Per instance, its figures. */
  instances: TmsInstance[];
  /** Training time, in seconds. */
  seconds: number;
}

/** The `tms --json` document (see the module notes). */
export function toJson(result: TmsResult): TmsJson {
  const { options } = result;
  return {
    model: options.model, features: options.features, hidden: options.hidden, importanceRatio: options.importance,
    steps: options.steps, batch: options.batch, lr: options.lr, seed: options.seed,
    instances: result.instances, seconds: result.seconds,
  };
}
