/**
 * Many features in few dimensions (n = 200, m = 20 by default), one instance per density from 1
 * down to 0.01, and the geometry the trained features take.
 *
 * Two measures, per instance:
 *
 *     dimensions per feature   m / ‖W‖_F²       against 1/p: it falls as the data get sparser,
 *                                               and lingers ("sticks") near 1 and near 1/2
 *     Dᵢ                       ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²   each feature's share of a dimension; the
 *                                               represented features' values cluster at the
 *                                               fractions of small polytopes: 1, 3/4, 2/3, 1/2,
 *                                               2/5, 3/8 (`STICKY_FRACTIONS`)
 *
 * A feature counts as represented when ‖Wᵢ‖ ≥ 0.5 (`REPRESENTED_NORM`, as `classifyFeatures`
 * has it); an absent feature's Dᵢ is near 0 and says nothing about geometry.
 *
 * Is the clustering real? The named fractions span [3/8, 1]; below 3/8 (the sparsest instances,
 * where features crowd into larger, less regular arrangements) there is no named fraction to sit
 * at. So the represented Dᵢ inside the fractions' range, [3/8 − tol, 1 + tol], are counted, those
 * within the tolerance `tol` of a named fraction among them, and that share is set beside the
 * share of the range the windows cover: what Dᵢ spread evenly over the range would give.
 *
 * Dense data with equal importances has no preferred features: the trained W spreads over all n
 * (each ‖Wᵢ‖² ≈ m/n), so no single feature counts as represented there, while dimensions per
 * feature is ≈ 1.
 *
 * {@link toJson} gives the `geometry --json` document:
 *
 *     {"features","hidden","importance","steps","batch","lr","seed","tolerance",
 *      "instances":[{"density","inverseDensity","loss","dimensionsPerFeature",
 *                    "represented","featureNorms":[n],"dimensionality":[n],
 *                    "clusters":{name: count,…,"unmatched"}}],
 *      "clusters":{name: count,…,"unmatched","total"},
 *      "inRange":{"lower","upper","total","matched","chance"},"seconds"}
 *
 * @module
 */
import {
  clusterDimensionalities, dimensionsPerFeature, featureDimensionality, featureNorms, instanceWeights, REPRESENTED_NORM,
  STICKY_FRACTIONS, type StickyName,
} from '../analysis/index.js';
import { ToyModel, trainToyModel } from '../models/tms.js';
import { formatNumber } from './format.js';
import { progressInterval, type ProgressSink, resolveDensities, SILENT_PROGRESS, type ToyTrainingOptions } from './options.js';

/** What to train and how close counts as "at a fraction". */
export interface GeometryOptions extends ToyTrainingOptions {
  /** How close Dᵢ must be to a named fraction to count as sitting at it. */
  tolerance: number;
  /** Seed of the initial weights and of the data. */
  seed: number;
}

/** The `geometry` command's defaults: 200 features in 20 dimensions, 20 densities from 1 to 0.01. */
export const GEOMETRY_DEFAULTS: Readonly<GeometryOptions> = {
  features: 200, hidden: 20, instances: 20, importance: 1, density: { high: 1, low: 0.01 }, steps: 3_000, batch: 128,
  lr: 3e-3, tolerance: 0.02, seed: 0,
};

/** The named fractions as people write them. */
export const FRACTION_TEXT: Readonly<Record<StickyName, string>> = {
  dedicated: '1', tetrahedron: '3/4', triangle: '2/3', digon: '1/2', pentagon: '2/5', 'square antiprism': '3/8',
};

/** Counts per named fraction, and those at none. */
export type FractionCounts = Record<StickyName, number> & {
  /** Values at no named fraction. */
  unmatched: number;
};

/** One instance's figures, as `geometry --json` has them. */
export interface GeometryInstance {
  /** Its feature density p. */
  density: number;
  /** 1/p. */
  inverseDensity: number;
  /** Its loss on a fresh batch after training. */
  loss: number;
  /** m / ‖W‖²_F, or null when W is all zeros. */
  dimensionsPerFeature: number | null;
  /** How many features are represented (‖Wᵢ‖ ≥ 0.5). */
  represented: number;
  /** ‖Wᵢ‖ per feature. */
  featureNorms: number[];
  /** Dᵢ per feature. */
  dimensionality: number[];
  /** The represented Dᵢ, counted by the fraction they sit at. */
  clusters: FractionCounts;
}

/** What the represented Dᵢ inside the fractions' range show, beside chance. */
export interface InRange {
  /** The range's lower end, 3/8 − tolerance. */
  lower: number;
  /** Its upper end, 1 + tolerance. */
  upper: number;
  /** Represented Dᵢ inside it. */
  total: number;
  /** Of those, the ones at a named fraction. */
  matched: number;
  /** The share of the range the fractions' windows cover. */
  chance: number;
}

/** A trained `geometry` run. */
export interface GeometryResult {
  /** The options it ran with. */
  options: GeometryOptions;
  /** Per instance, its figures. */
  instances: GeometryInstance[];
  /** Per instance, the Dᵢ of its represented features. */
  representedValues: number[][];
  /** Every represented Dᵢ, counted by fraction. */
  clusters: FractionCounts & {
    /** Every represented Dᵢ. */
    total: number;
  };
  /** The represented Dᵢ inside the fractions' range. */
  inRange: InRange;
  /** Training time, in seconds. */
  seconds: number;
}

/** The named fractions' range, widened by the tolerance, and the share of it their windows cover. */
export interface FractionWindows {
  /** 3/8 − tolerance. */
  lower: number;
  /** 1 + tolerance. */
  upper: number;
  /** The share of [lower, upper] within the tolerance of some named fraction. */
  chance: number;
}

/**
 * The range of the named fractions widened by `tolerance`, [3/8 − tol, 1 + tol], and the share of
 * it lying within `tolerance` of some named fraction: where Dᵢ spread evenly over the range would
 * land "at a fraction" by chance. (The windows of 2/5 and 3/8 overlap: the union is counted.)
 */
export function fractionWindows(tolerance: number): FractionWindows {
  const windows = STICKY_FRACTIONS
    .map(({ fraction }) => [fraction - tolerance, fraction + tolerance] as const)
    .sort((a, b) => a[0] - b[0]);
  const lower = windows[0][0];
  const upper = Math.max(...windows.map(([, end]) => end));
  let covered = 0;
  let reach = -Infinity;
  for (const [start, end] of windows) {
    const from = Math.max(start, reach);
    if (end > from) covered += end - from;
    reach = Math.max(reach, end);
  }
  return { lower, upper, chance: upper > lower ? covered / (upper - lower) : 1 };
}

/**
 * Trains the ReLU toy model `options` describes, one instance per density, and measures each
 * instance's dimensions per feature and its represented features' Dᵢ.
 *
 * @throws OptionError when a density list does not have one value per instance.
 */
export function run(options: GeometryOptions, onProgress: ProgressSink = SILENT_PROGRESS): GeometryResult {
  const densities = resolveDensities(options.density, options.instances);
  const { features: n, hidden: m, instances } = options;
  const model = new ToyModel({ kind: 'relu', instances, features: n, hidden: m, seed: options.seed });
  const task = onProgress.task(`training ${instances} instances of n=${n}, m=${m}`, options.steps);
  const trained = trainToyModel(model, {
    density: densities, importance: options.importance, steps: options.steps, batch: options.batch, lr: options.lr,
    seed: options.seed, progressEvery: progressInterval(options.steps, 200),
    onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
  });
  task.finish();

  const representedValues: number[][] = [];
  const report = densities.map((density, k): GeometryInstance => {
    const W = instanceWeights(model.W, k);
    const norms = featureNorms(W);
    const dimensionality = featureDimensionality(W);
    const represented = dimensionality.filter((_, i) => norms[i] >= REPRESENTED_NORM);
    representedValues.push(represented);
    const clusters = clusterDimensionalities(represented, options.tolerance);
    return {
      density,
      inverseDensity: 1 / density,
      loss: trained.finalLoss[k],
      dimensionsPerFeature: norms.some((norm) => norm > 0) ? dimensionsPerFeature(W) : null,
      represented: represented.length,
      featureNorms: norms,
      dimensionality,
      clusters: { ...clusters.counts, unmatched: clusters.unmatched },
    };
  });
  const overall = clusterDimensionalities(representedValues.flat(), options.tolerance);
  const windows = fractionWindows(options.tolerance);
  const inRangeClusters = clusterDimensionalities(
    representedValues.flat().filter((value) => value >= windows.lower && value <= windows.upper), options.tolerance);
  return {
    options: { ...options },
    instances: report,
    representedValues,
    clusters: { ...overall.counts, unmatched: overall.unmatched, total: overall.total },
    inRange: {
      lower: windows.lower, upper: windows.upper, total: inRangeClusters.total,
      matched: inRangeClusters.total - inRangeClusters.unmatched, chance: windows.chance,
    },
    seconds: trained.seconds,
  };
}

/** The `geometry --json` document (see the module notes). */
export interface GeometryJson {
  /** n. */
  features: number;
  /** m. */
  hidden: number;
  /** The importance ratio r. */
  importance: number;
  /** AdamW steps. */
  steps: number;
  /** Samples per step, per instance. */
  batch: number;
  /** Learning rate. */
  lr: number;
  /** The seed. */
  seed: number;
  /** How close counts as at a fraction. */
  tolerance: number;
  /** Per instance, its figures. */
  instances: GeometryInstance[];
  /** Every represented Dᵢ, counted by fraction. */
  clusters: GeometryResult['clusters'];
  /** The represented Dᵢ inside the fractions' range. */
  inRange: InRange;
  /** Training time, in seconds. */
  seconds: number;
}

/** The `geometry --json` document (see the module notes). */
export function toJson(result: GeometryResult): GeometryJson {
  const { options } = result;
  return {
    features: options.features, hidden: options.hidden, importance: options.importance, steps: options.steps, batch: options.batch,
    lr: options.lr, seed: options.seed, tolerance: options.tolerance, instances: result.instances,
    clusters: result.clusters, inRange: result.inRange, seconds: result.seconds,
  };
}
