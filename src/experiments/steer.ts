/**
 * "Name and steer". Trains a toy model and an SAE on one instance's hidden activations (the
 * options and defaults of the `sae` experiment with a toy model), then takes one input with a few
 * features present, lists the latents that fire and the true feature each matches, clamps or
 * ablates one latent, decodes, runs the toy model's output layer on the result, and reports which
 * output features changed (`steer` in src/analysis/steer.ts does the work).
 *
 * The input: the `present` features at their values (default feature 0 alone, at 1). One feature
 * alone is the clean demo: with two at once the toy model itself mixes them (in a pentagon,
 * features 0 and 2 together read out as feature 1), which is its interference, not the SAE's.
 * The edit: `latent` (default: the latent whose decoder direction is closest to the first present
 * feature) set to `value`, or to 0 when `value` is null (ablation, the default edit).
 *
 * {@link toJson} gives the `steer --json` document: the steering report, plus what was trained:
 *
 *     {"instance","input":[n],"hidden":[m],"latents","fired":[{"latent","activation","feature","cosine"}],
 *      "intervention":{"latent","mode","before","after","feature","cosine"},
 *      "reconstructedHidden":[m],"steeredHidden":[m],
 *      "outputs":{"original":[n],"reconstruction":[n],"steered":[n]},
 *      "changed":[{"feature","reconstruction","steered","delta"}],"tolerance",
 *      "toyModel":{"model","features","hidden","instances","density","steps","loss"},
 *      "sae":{"arch","latents","k","l1","steps","mmcs","recovered"},"seconds"}
 *
 * @module
 */
import { cosineMatrix, type SteeringReport, steer } from '../analysis/index.js';
import { argMax } from './format.js';
import { OptionError, type ProgressSink, SILENT_PROGRESS } from './options.js';
import {
  EVALUATION_SAMPLES, evaluationRng, measureSae, resolveLatents, type SaeMeasures, type SaeTrainingOptions, type ToySource,
  type ToySourceOptions, type TrainedSae, trainSaeOn, trainToySource,
} from './sae.js';

/** Features present in the input: indices, each with its (non-zero) value. */
export interface PresentFeatures {
  /** Feature indices, distinct. */
  indices: number[];
  /** The value of each. */
  values: number[];
}

/** What to train, the input, and the edit. */
export type SteerOptions = ToySourceOptions & SaeTrainingOptions & {
  /** The features present in the input; null for feature 0 alone, at 1. */
  present: PresentFeatures | null;
  /** The latent to edit; −1 for the one closest to the first present feature. */
  latent: number;
  /** Clamp the latent to this activation; null to ablate it (set it to 0). */
  value: number | null;
  /** An output feature has changed when it moves by more than this. */
  tolerance: number;
};

/** The edit's defaults: feature 0 alone, its closest latent ablated, changes above 1e-3. */
export const STEER_DEFAULTS: Readonly<Pick<SteerOptions, 'present' | 'latent' | 'value' | 'tolerance'>> = {
  present: null, latent: -1, value: null, tolerance: 1e-3,
};

/** A steering run. */
export interface SteerResult {
  /** The options it ran with. */
  options: SteerOptions;
  /** The latents, default resolved. */
  latents: number;
  /** TopK's k, default resolved. */
  k: number;
  /** The trained toy model. */
  toy: ToySource;
  /** The trained SAE. */
  trained: TrainedSae;
  /** The SAE's measures on fresh samples. */
  measures: SaeMeasures;
  /** What the edit did. */
  report: SteeringReport;
  /** Training time, in seconds. */
  seconds: number;
}

/**
 * Trains the toy model and the SAE, then steers (see the module notes).
 *
 * @throws OptionError when a present feature or the latent is past the last, or the SAE's or toy
 * model's options do not fit.
 */
export function run(options: SteerOptions, onProgress: ProgressSink = SILENT_PROGRESS): SteerResult {
  const n = options.features;
  const present = options.present ?? { indices: [0], values: [1] };
  for (const index of present.indices) {
    if (index >= n) throw new OptionError((name) => `${name('present')} lists feature ${index}, but the toy model has ${name('features')} ${n} (0 to ${n - 1})`);
  }
  const { latents, k } = resolveLatents(options, n);
  if (options.latent >= latents) {
    throw new OptionError((name) => `${name('latent')} ${options.latent} is past the last latent: the SAE has ${latents} (0 to ${latents - 1})`);
  }

  const toy = trainToySource(options, onProgress);
  const trained = trainSaeOn(options, { inputDim: options.hidden, latents, k }, toy.sample, onProgress);
  const measures = measureSae(trained.sae, toy.sample(EVALUATION_SAMPLES, evaluationRng(options.seed)), toy.trueFeatures);

  // By default, edit the latent that best matches the first present feature.
  const cosines = cosineMatrix(toy.trueFeatures, trained.sae.decoderDirections(0))[present.indices[0]];
  const latent = options.latent !== -1 ? options.latent : argMax(cosines);
  const x = new Array<number>(n).fill(0);
  present.indices.forEach((index, i) => {
    x[index] = present.values[i];
  });
  const report = steer(toy.model, toy.instance, trained.sae, x, {
    latent, ...(options.value !== null ? { value: options.value } : { ablate: true }), tolerance: options.tolerance,
  });
  return { options: { ...options }, latents, k, toy, trained, measures, report, seconds: toy.seconds + trained.seconds };
}

/** The `steer --json` document: the steering report and what was trained (see the module notes). */
export interface SteerJson extends SteeringReport {
  /** The toy model. */
  toyModel: {
    /** Which toy model. */
    model: ToySourceOptions['model'];
    /** n. */
    features: number;
    /** m. */
    hidden: number;
    /** Instances trained. */
    instances: number;
    /** The steered instance's density. */
    density: number;
    /** The toy model's steps. */
    steps: number;
    /** The steered instance's final loss. */
    loss: number;
  };
  /** The SAE. */
  sae: {
    /** Its architecture. */
    arch: SaeTrainingOptions['arch'];
    /** d_sae. */
    latents: number;
    /** TopK's k, or null for the other architectures. */
    k: number | null;
    /** λ. */
    l1: number;
    /** Its steps. */
    steps: number;
    /** MMCS both ways on fresh samples. */
    mmcs: SaeMeasures['mmcs'];
    /** True features recovered (cosine ≥ 0.9). */
    recovered: number | null;
  };
  /** Training time, in seconds. */
  seconds: number;
}

/** The `steer --json` document (see the module notes). */
export function toJson(result: SteerResult): SteerJson {
  const { options, toy, measures } = result;
  return {
    ...result.report,
    toyModel: {
      model: options.model, features: options.features, hidden: options.hidden, instances: options.instances, density: toy.density,
      steps: options.tmsSteps, loss: toy.finalLoss[toy.instance],
    },
    sae: {
      arch: options.arch, latents: result.latents, k: options.arch === 'topk' ? result.k : null, l1: options.l1, steps: options.steps,
      mmcs: measures.mmcs, recovered: measures.recovered,
    },
    seconds: result.seconds,
  };
}
