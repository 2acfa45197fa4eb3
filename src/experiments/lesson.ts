/**
 * The whole lesson (what `npm start` runs), after a look inside the engine, composed from the
 * other experiments' typed results. It opens and closes on a real network (src/experiments/mnist.ts,
 * when the digits are given): a digit classifier whose neurons are polysemantic, first, and the
 * SAE that un-mixes them, last; the toy models in between explain why.
 *
 *     mnist  a real network         an MLP 784 → 64 → 10 on handwritten digits: its neurons' top
 *                                   digits are mixed (the opening); a TopK SAE on its hidden layer
 *                                   has purer latents (the closing)
 *     0  inside one training step   the op-by-op trace of one toy-model step, forward and backward,
 *                                   with shapes and times, and its graph
 *     1  polysemantic neurons       the hidden-ReLU model (h = ReLU(W x)), 10 features in 5 neurons:
 *                                   how many features each neuron serves as features get sparser
 *     2  superposition              5 features in 2 dimensions across densities: the ReLU model ends
 *                                   in a pentagon; the linear model beside it never superposes
 *     3  features are directions    the n=2, m=1 phase diagram beside its theory, and the sticky
 *                                   fractions of feature geometry (1, 3/4, 2/3, 1/2, 2/5, 3/8)
 *     4  un-mixing with an SAE      a sparse autoencoder on a toy model's hidden activations:
 *                                   training curves, true × learned cosines and MMCS, and steering
 *
 * Each act of a {@link LessonPlan} holds the options it changes from that experiment's defaults;
 * the same changes, written as flags, are the command line that reproduces the act
 * ({@link commandLine}), which the figures and the report give.
 *
 * The built-in plan and what it costs: `npm start` took 46 s of wall time on the project's quiet
 * 2-core machine (2026-12-06, seed 0), and `lesson.json`'s `seconds` gave per act: the digit
 * classifier and its SAE 4.4 s; one traced step 0.02 s; the hidden-ReLU act 7.5 s (6 densities ×
 * 4000 steps of batch 1024); the ReLU and linear models 6.4 s together (8 densities × 3000 steps
 * each, lr 1e-2, which reaches the pentagon in a third of the default 10,000 steps at 1e-3); the
 * 10 × 10 phase grid with 8 restarts 10.1 s (16.8 s before its 800 instances' tiny products ran as
 * one WebAssembly call per batch); the geometry 10.9 s; the SAE and steering 5.8 s.
 * The geometry is the paper's 200 features in 20 dims (the `geometry` default) at 8 densities from
 * 1 to 0.1 and 2000 steps, not 20 densities from 1 to 0.01 and 3000 (12 densities from 1 to 0.1
 * at 3000 steps took 102 s of wall time alone under that load): 1/density up to 10 spans the
 * sticky fractions, and past 1/density ≈ 6 Dᵢ falls below 3/8, where no named fraction is left to
 * stick at. For seed 0 dimensions per feature goes
 * from 1 to 1/2 and then 3/8; 122 of the 135 represented Dᵢ in the fractions' range sit at a named
 * fraction (90%, where chance gives 34%), and 201 of all 336 are below 3/8, 165 of them in the two
 * sparsest instances. Cheaper settings blurred the fractions: 12 densities × 1000 steps at lr 1e-2
 * put 75 of 194 at one; 8 × 2000 at lr 5e-3 with batch 64, 81 of 141. {@link FAST_PLAN} shrinks
 * every act to a few dozen steps (0.4 s of work): the plumbing, not the science.
 *
 * The figures ({@link LessonFigures}, `lesson --json` and `lesson.json`) hold timings only under
 * keys `ms` and `seconds`, so that two runs with the same seed agree on everything else:
 *
 *     {"lesson":"superposition","seed","fast","commands":{act: "superposition …"},
 *      "trainingStep":{"instances","batch","features","hidden","loss","forwardOps","backwardOps",
 *                      "onGradPath","graph":{"vertices","edges"},"ops":[trace entries, with "ms"]},
 *      "polysemanticity":{"features","hidden","densities","polysemanticNeurons","represented",
 *                         "featuresPerNeuron":[[m]],"losses"},
 *      "superposition":{"features","hidden","densities","relu":{…},"linear":{…},"sparsest":{…}},
 *      "phase":{"grid","restarts","cells","agree","interiorCells","interiorAgree","importances",
 *               "densities","trained":[grid² phases, row-major],"theory":[…]},
 *      "geometry":{"features","hidden","tolerance","densities","dimensionsPerFeature","represented",
 *                  "clusters","inRange"},
 *      "sae":{"arch","latents","trueFeatures","l0","mse","fve","dead","mmcs","recovered","cosines",
 *             "history","steering":{"fired","ablation","clamp"}},
 *      "mnist":{"accuracy","neuronPurity","latentPurity","fve","l0","alive","dead","cardLatents",
 *               "steering":[{"latent","targetClass","flippedToTarget"}],"sharedStroke"} or null,
 *      "seconds":{"mnist","trainingStep","polysemanticity","superposition","phase","geometry","sae","total"}}
 *
 * @module
 */
import { cosineMatrix, type Phase, REPRESENTED_NORM, steer, type SteeringReport } from '../analysis/index.js';
import { collectGraph, type GraphData } from '../autograd/graph.js';
import { sum } from '../autograd/index.js';
import { type TraceEntry, trace } from '../autograd/trace.js';
import { logSpacedDensities } from '../models/data.js';
import type { SaeHistoryEntry } from '../models/sae.js';
import { ToyModel, ToyModelTrainer } from '../models/tms.js';
import type { DigitSet } from '../models/digits.js';
import * as geometryExperiment from './geometry.js';
import * as mnistExperiment from './mnist.js';
import { argMax } from './format.js';
import { type ProgressSink, secondsSince, SILENT_PROGRESS } from './options.js';
import * as phaseExperiment from './phase.js';
import {
  EVALUATION_SAMPLES, evaluationRng, measureSae, resolveLatents, SAE_TRAINING_DEFAULTS, type SaeHeadline, type SaeTrainingOptions, TOY_SOURCE_DEFAULTS,
  type ToySourceOptions, trainSaeOn, trainToySource,
} from './sae.js';
import * as tmsExperiment from './tms.js';

/** What the lesson runs: per act, the options it changes from that experiment's defaults (all but the seed). */
export interface LessonPlan {
  /** The traced step: a ReLU toy model of 5 features in 2 dims, this many instances and samples. */
  trainingStep: {
    /** Instances side by side. */
    instances: number;
    /** Samples in the batch. */
    batch: number;
  };
  /** Act 1, the hidden-ReLU model: `tms` options. */
  polysemanticity: Partial<Omit<tmsExperiment.TmsOptions, 'seed'>>;
  /** Act 2, run once with the ReLU model and once with the linear one: `tms` options. */
  superposition: Partial<Omit<tmsExperiment.TmsOptions, 'seed' | 'model'>>;
  /** Act 3, the phase diagram: `phase` options. */
  phase: Partial<Omit<phaseExperiment.PhaseOptions, 'seed'>>;
  /** Act 3, the geometry: `geometry` options. */
  geometry: Partial<Omit<geometryExperiment.GeometryOptions, 'seed'>>;
  /** Act 4, the toy model and the SAE: `sae` / `steer` options. */
  sae: Partial<Omit<ToySourceOptions & SaeTrainingOptions, 'seed'>>;
  /** The opening and the closing, the digit classifier and its SAE: `mnist` options. */
  mnist: Partial<Omit<mnistExperiment.MnistConfig, 'seed'>>;
}

/** The built-in lesson: about a minute on two cores (see the module notes for each act's cost). */
export const FULL_PLAN: LessonPlan = {
  trainingStep: { instances: 8, batch: 1024 },
  polysemanticity: {
    model: 'hidden-relu', features: 10, hidden: 5, instances: 6, density: { high: 1, low: 0.03 }, importance: 0.9, steps: 4000, lr: 1e-2,
  },
  superposition: { features: 5, hidden: 2, instances: 8, density: { high: 1, low: 0.02 }, importance: 0.9, steps: 3000, lr: 1e-2 },
  phase: { grid: 10, restarts: 8, steps: 2000 },
  geometry: { features: 200, hidden: 20, instances: 8, density: { high: 1, low: 0.1 }, steps: 2000 },
  sae: {},
  mnist: {},
};

/** `--fast`: every act in a few dozen steps, for tests (the plumbing, not the science). */
export const FAST_PLAN: LessonPlan = {
  trainingStep: { instances: 4, batch: 32 },
  polysemanticity: {
    model: 'hidden-relu', features: 10, hidden: 5, instances: 3, density: { high: 1, low: 0.05 }, importance: 0.9, steps: 60, batch: 64, lr: 1e-2,
  },
  superposition: {
    features: 5, hidden: 2, instances: 4, density: { high: 1, low: 0.05 }, importance: 0.9, steps: 60, batch: 64, lr: 1e-2,
  },
  phase: { grid: 4, restarts: 1, steps: 40, batch: 32 },
  geometry: { features: 20, hidden: 4, instances: 3, density: { high: 1, low: 0.2 }, steps: 40, batch: 32 },
  sae: { tmsSteps: 100, tmsBatch: 64, steps: 100, batch: 64 },
  mnist: { train: 600, heldOut: 300, hidden: 16, epochs: 1, saeSteps: 20 },
};

/** A value as a flag takes it: a density range as hi:lo, a list with commas, a power of ten below 0.1 as 1e-k. */
function flagValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(flagValue).join(',');
  if (typeof value === 'object' && value !== null) {
    const range = value as { high: number; low: number };
    return `${flagValue(range.high)}:${flagValue(range.low)}`;
  }
  if (typeof value === 'number' && value > 0 && value < 0.1 && Number.isInteger(Math.log10(value))) return `1e${Math.log10(value)}`;
  return String(value);
}

/**
 * The command line that runs `command` with `options` (in their order): each option a flag, its
 * name in kebab case (`tmsSteps` is `--tms-steps`).
 *
 * @example
 * ```ts
 * commandLine('tms', { model: 'linear', density: { high: 1, low: 0.02 }, lr: 0.01, seed: 0 });
 * // returns 'superposition tms --model linear --density 1:0.02 --lr 1e-2 --seed 0'
 * ```
 */
export function commandLine(command: string, options: Readonly<Record<string, unknown>>): string {
  const flags = Object.entries(options).flatMap(([name, value]) => [`--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, flagValue(value)]);
  return ['superposition', command, ...flags].join(' ');
}

/** Counts of represented features (‖Wᵢ‖ ≥ 0.5). */
function representedCount(norms: readonly number[]): number {
  return norms.filter((norm) => norm >= REPRESENTED_NORM).length;
}

/** The angles, in degrees, between neighbouring feature directions (columns of a 2-row W) going round the circle. */
function angleGaps(W: readonly (readonly number[])[], features: readonly number[]): number[] {
  const angles = features.map((i) => Math.atan2(W[1][i], W[0][i])).sort((a, b) => a - b);
  return angles.map((angle, k) => {
    const next = k + 1 < angles.length ? angles[k + 1] : angles[0] + 2 * Math.PI;
    return ((next - angle) * 180) / Math.PI;
  });
}

/** Five represented features, each 72° ± this from its neighbours, make a pentagon. */
const PENTAGON_SLACK_DEGREES = 12;

/** One steering edit, as the lesson reports it. */
export interface SteeringSummary {
  /** The toy model's input x [n]. */
  input: number[];
  /** The latent edited. */
  latent: number;
  /** The true feature it matches best. */
  feature: number;
  /** Its cosine with that feature. */
  cosine: number;
  /** Ablated or clamped. */
  mode: 'ablate' | 'clamp';
  /** Its activation before the edit. */
  before: number;
  /** And after. */
  after: number;
  /** The output feature the latent is named for: its value from the reconstruction, and after the edit. */
  target: {
    /** The output feature. */
    feature: number;
    /** Its value on the SAE's reconstruction ĥ. */
    reconstruction: number;
    /** Its value after the edit. */
    steered: number;
  };
  /** The output features that moved. */
  changed: SteeringReport['changed'];
  /** The outputs on h, on ĥ, and after the edit. */
  outputs: SteeringReport['outputs'];
}

function steeringSummary(report: SteeringReport): SteeringSummary {
  const edit = report.intervention;
  return {
    input: report.input, latent: edit.latent, feature: edit.feature, cosine: edit.cosine, mode: edit.mode, before: edit.before, after: edit.after,
    target: { feature: edit.feature, reconstruction: report.outputs.reconstruction[edit.feature], steered: report.outputs.steered[edit.feature] },
    changed: report.changed, outputs: report.outputs,
  };
}

/** One toy model's figures across densities, in act 2. */
export interface ModelFigures {
  /** Features stored (‖Wᵢ‖ ≥ 0.5), per instance. */
  represented: number[];
  /** Superposed features, per instance. */
  superposed: number[];
  /** m / ‖W‖²_F, per instance. */
  dimensionsPerFeature: (number | null)[];
  /** Final loss, per instance. */
  losses: number[];
  /** W, per instance, as m rows of n. */
  W: number[][][];
}

/** Act 0: one traced training step. */
export interface TrainingStepFigures {
  /** Instances side by side. */
  instances: number;
  /** Samples in the batch. */
  batch: number;
  /** n = 5. */
  features: number;
  /** m = 2. */
  hidden: number;
  /** The step's loss. */
  loss: number;
  /** Ops run forward. */
  forwardOps: number;
  /** Ops run backward. */
  backwardOps: number;
  /** Forward ops on the gradient path. */
  onGradPath: number;
  /** The graph's size. */
  graph: {
    /** Its vertices. */
    vertices: number;
    /** Its edges. */
    edges: number;
  };
  /** The trace, op by op (with times under `ms`). */
  ops: TraceEntry[];
}

/** Act 1: the hidden-ReLU model across densities. */
export interface PolysemanticityFigures {
  /** n. */
  features: number;
  /** m, the neurons. */
  hidden: number;
  /** Per instance, its density. */
  densities: number[];
  /** Per instance, neurons driven by two or more features. */
  polysemanticNeurons: number[];
  /** Per instance, features stored (‖Wᵢ‖ ≥ 0.5). */
  represented: number[];
  /** Per instance, per neuron, the features driving it. */
  featuresPerNeuron: number[][];
  /** Per instance, its final loss. */
  losses: number[];
}

/** Act 2: the ReLU model beside the linear one. */
export interface SuperpositionFigures {
  /** n. */
  features: number;
  /** m. */
  hidden: number;
  /** Per instance, its density. */
  densities: number[];
  /** The ReLU model. */
  relu: ModelFigures;
  /** The linear model. */
  linear: ModelFigures;
  /** The sparsest ReLU instance's shape. */
  sparsest: {
    /** Its density. */
    density: number;
    /** Features stored. */
    represented: number;
    /** The angles between neighbouring stored features, in degrees. */
    angleGaps: number[];
    /** Whether five stored features sit 72° ± 12° apart. */
    pentagon: boolean;
  };
}

/** Act 3: the phase diagram. */
export interface PhaseFigures extends phaseExperiment.PhaseAgreement {
  /** Cells per side. */
  grid: number;
  /** Restarts per cell. */
  restarts: number;
  /** The column importances. */
  importances: number[];
  /** The row densities. */
  densities: number[];
  /** The trained phases, row-major. */
  trained: Phase[];
  /** The theory's phases, row-major. */
  theory: Phase[];
}

/** Act 3: the geometry. */
export interface GeometryFigures {
  /** n. */
  features: number;
  /** m. */
  hidden: number;
  /** How close counts as at a fraction. */
  tolerance: number;
  /** Per instance, its density. */
  densities: number[];
  /** Per instance, m / ‖W‖²_F (null for all-zero W). */
  dimensionsPerFeature: (number | null)[];
  /** Per instance, features represented. */
  represented: number[];
  /** Every represented Dᵢ, counted by fraction. */
  clusters: Record<string, number>;
  /** The represented Dᵢ inside the fractions' range. */
  inRange: geometryExperiment.InRange;
}

/** Act 4: the SAE and steering. */
export interface SaeFigures extends SaeHeadline {
  /** SAE architecture. */
  arch: string;
  /** d_sae. */
  latents: number;
  /** How many true features (n). */
  trueFeatures: number;
  /** The toy model's density. */
  density: number;
  /** cos(true feature i, latent j). */
  cosines: number[][];
  /** The training history. */
  history: SaeHistoryEntry[];
  /** Steering. */
  steering: {
    /** The latents that fired on feature 0 alone. */
    fired: SteeringReport['fired'];
    /** Feature 0 alone, its closest latent ablated. */
    ablation: SteeringSummary;
    /** No feature present, another feature's latent clamped on. */
    clamp: SteeringSummary;
  };
}

/** What the lesson found, as JSON-ready figures; see the module notes. */
export interface LessonFigures {
  /** Always "superposition". */
  lesson: 'superposition';
  /** The seed every act used. */
  seed: number;
  /** Whether this was the `--fast` plan. */
  fast: boolean;
  /** The command line that reproduces each act. */
  commands: Record<string, string>;
  /** Act 0. */
  trainingStep: TrainingStepFigures;
  /** Act 1. */
  polysemanticity: PolysemanticityFigures;
  /** Act 2. */
  superposition: SuperpositionFigures;
  /** Act 3, the phase diagram. */
  phase: PhaseFigures;
  /** Act 3, the geometry. */
  geometry: GeometryFigures;
  /** Act 4. */
  sae: SaeFigures;
  /** The digit classifier and its SAE; null when the lesson ran without the digits. */
  mnist: MnistFigures | null;
  /** Wall time of each act, in seconds (the only timings besides the trace's `ms`). */
  seconds: Record<string, number>;
}

/** The digit classifier's headline figures (the whole document is `superposition mnist --json`). */
export interface MnistFigures {
  /** Held-out accuracy. */
  accuracy: number;
  /** Purity of the neurons that fire on at least topK held-out digits. */
  neuronPurity: mnistExperiment.MnistResult['comparison']['neurons'];
  /** Purity of the live latents that fire on at least topK held-out digits. */
  latentPurity: mnistExperiment.MnistResult['comparison']['latents'];
  /** The SAE's fraction of variance explained, held out. */
  fve: number;
  /** Latents active per digit. */
  l0: number;
  /** Latents that fire on some held-out digit. */
  alive: number;
  /** Latents that never do. */
  dead: number;
  /** The latents with cards. */
  cardLatents: number[];
  /** Steering with each card latent. */
  steering: MnistSteeringFigures[];
  /** The least pure neuron and its top classes. */
  sharedStroke: MnistStrokeFigures;
}

/** One card latent's steering, as the lesson's figures hold it. */
export interface MnistSteeringFigures {
  /** The latent whose decoder direction was added. */
  latent: number;
  /** Its majority class. */
  targetClass: number;
  /** Per strength, the share of other digits now predicted as that class. */
  flippedToTarget: number[];
}

/** The shared-stroke neuron, as the lesson's figures hold it. */
export interface MnistStrokeFigures {
  /** The least pure neuron. */
  neuron: number;
  /** Its most frequent classes among its top digits. */
  classes: number[];
}

function mnistFigures(result: mnistExperiment.MnistResult): MnistFigures {
  return {
    accuracy: result.accuracy, neuronPurity: result.comparison.neurons, latentPurity: result.comparison.latents,
    fve: result.sae.fve, l0: result.sae.l0, alive: result.sae.alive, dead: result.sae.dead, cardLatents: result.cardLatents,
    steering: result.steering.map((s) => ({ latent: s.latent, targetClass: s.targetClass, flippedToTarget: s.flippedToTarget })),
    sharedStroke: { neuron: result.sharedStroke.neuron, classes: result.sharedStroke.classes },
  };
}

/** Act 0 as traced: the figures, and the graph of the step. */
export type TracedStep = TrainingStepFigures & {
  /** The graph of the step, for the report to draw. */
  graphData: GraphData;
};

/** Act 4 as run: the SAE's figures, and what the report draws. */
export interface UnmixResult {
  /** The figures. */
  figures: SaeFigures;
  /** The SAE's decoder directions [d_sae][d_in]. */
  decoder: number[][];
  /** Feature 0 alone, its closest latent ablated. */
  ablated: SteeringReport;
  /** No feature present, another feature's latent clamped on. */
  clamped: SteeringReport;
  /** The toy model's hidden dimensions. */
  hidden: number;
}

/** The lesson's typed results: the figures, and each act's own result for the report. */
export interface LessonResult {
  /** JSON-ready figures. */
  figures: LessonFigures;
  /** Act 0. */
  trainingStep: TracedStep;
  /** Act 1: the hidden-ReLU model. */
  polysemanticity: tmsExperiment.TmsResult;
  /** Act 2: the ReLU model. */
  relu: tmsExperiment.TmsResult;
  /** Act 2: the linear model. */
  linear: tmsExperiment.TmsResult;
  /** Act 3: the phase diagram. */
  phase: phaseExperiment.PhaseResult;
  /** Act 3: the geometry. */
  geometry: geometryExperiment.GeometryResult;
  /** Act 4. */
  sae: UnmixResult;
  /** The opening and the closing; null without the digits. */
  mnist: mnistExperiment.MnistResult | null;
}

/** A test's way in: called after each act with its name (throwing from it aborts the lesson). */
export interface LessonHooks {
  /** Called when an act has finished, before the next starts. */
  afterAct?(act: string): void;
}

/** How to run the lesson. */
export interface LessonOptions {
  /** What each act runs. */
  plan: LessonPlan;
  /** The seed of every act. */
  seed: number;
  /** Whether `plan` is the fast one (recorded in the figures). */
  fast: boolean;
  /** Test hooks. */
  hooks?: LessonHooks;
  /** The digits for the opening and the closing (the CLI loads them); without them those two sections are left out. */
  digits?: DigitSet | null;
}

/** Act 0: one traced training step of the ReLU toy model, and its graph. */
function traceTrainingStep(plan: LessonPlan['trainingStep'], seed: number): TracedStep {
  const features = 5;
  const hidden = 2;
  const densities = logSpacedDensities(1, 0.02, plan.instances);
  const model = new ToyModel({ kind: 'relu', instances: plan.instances, features, hidden, seed });
  // The trainer draws the batch and holds AdamW and the importances, as in every training run;
  // its step() is spelled out here so the graph can be collected before backward() releases it.
  const trainer = new ToyModelTrainer(model, { density: densities, importance: 0.9, batch: plan.batch, seed });
  // One untraced step first, so the times are those of a warm step rather than of code being compiled.
  trainer.step();
  const traced = trace(() => {
    trainer.optimizer.zeroGrad();
    const loss = sum(model.lossPerInstance(trainer.batch, trainer.importance));
    const graph = collectGraph(loss);
    loss.backward();
    trainer.optimizer.step();
    return { loss: loss.item(), graph };
  });
  const collected = traced.result.graph;
  const forward = traced.ops.filter((entry) => entry.phase === 'forward');
  return {
    instances: plan.instances, batch: plan.batch, features, hidden, loss: traced.result.loss,
    forwardOps: forward.length,
    backwardOps: traced.ops.length - forward.length,
    onGradPath: forward.filter((entry) => entry.onGradPath).length,
    graph: { vertices: collected.vertices.length, edges: collected.edges.length },
    ops: traced.ops,
    graphData: collected,
  };
}

/** Act 4: trains the toy model and the SAE as `sae` does, measures, and steers as `steer` does. */
function unmix(options: ToySourceOptions & SaeTrainingOptions, onProgress: ProgressSink): UnmixResult {
  const toy = trainToySource(options, onProgress);
  const n = options.features;
  const { latents, k } = resolveLatents(options, n);
  const trained = trainSaeOn(options, { inputDim: options.hidden, latents, k }, toy.sample, onProgress);
  const measures = measureSae(trained.sae, toy.sample(EVALUATION_SAMPLES, evaluationRng(options.seed)), toy.trueFeatures);
  const decoder = trained.sae.decoderDirections(0);
  const cosines = cosineMatrix(toy.trueFeatures, decoder);
  const closestLatent = (feature: number): number => argMax(cosines[feature]);
  const unit = (feature: number): number[] => Array.from({ length: n }, (_, i) => (i === feature ? 1 : 0));

  // Ablate: feature 0 alone, and the latent closest to feature 0 set to 0.
  const ablated = steer(toy.model, toy.instance, trained.sae, unit(0), { latent: closestLatent(0), ablate: true });
  // Clamp: no feature present, and the latent of another feature switched on, to the activation
  // it takes when its own feature is present alone at 1. (Adding it on top of feature 0 would
  // mostly show the toy model's own interference: in a pentagon, two features 144° apart cancel.)
  const other = Math.min(1, n - 1);
  const otherLatent = closestLatent(other);
  const own = steer(toy.model, toy.instance, trained.sae, unit(other), { latent: otherLatent, ablate: true }).intervention.before;
  const clampValue = own > 0 ? own : 1;
  const clamped = steer(toy.model, toy.instance, trained.sae, new Array<number>(n).fill(0), { latent: otherLatent, value: clampValue });

  const figures: SaeFigures = {
    arch: options.arch, latents, trueFeatures: n, density: toy.density,
    l0: measures.l0, mse: measures.mse, fve: measures.fve, dead: measures.dead, mmcs: measures.mmcs, recovered: measures.recovered,
    cosines, history: trained.history,
    steering: { fired: ablated.fired, ablation: steeringSummary(ablated), clamp: steeringSummary(clamped) },
  };
  return { figures, decoder: decoder.toArray() as number[][], ablated, clamped, hidden: options.hidden };
}

/** The figures of one toy model across densities (act 2). */
function modelFigures(result: tmsExperiment.TmsResult): ModelFigures {
  return {
    represented: result.instances.map((instance) => representedCount(instance.featureNorms)),
    superposed: result.instances.map((instance) => instance.status.filter((status) => status === 'superposed').length),
    dimensionsPerFeature: result.instances.map((instance) => instance.dimensionsPerFeature),
    losses: result.instances.map((instance) => instance.loss),
    W: result.instances.map((instance) => instance.W),
  };
}

/** Runs every act of the plan, in order, reporting each on `onProgress`. */
export function run(options: LessonOptions, onProgress: ProgressSink = SILENT_PROGRESS): LessonResult {
  const { plan, seed, fast, hooks = {}, digits = null } = options;
  const started = performance.now();
  const seconds: Record<string, number> = {};
  const commands: Record<string, string> = {};
  const done = (act: string, start: number): void => {
    seconds[act] = secondsSince(start);
    hooks.afterAct?.(act);
  };

  // ── The opening and the closing: a real network (one run serves both sections) ──
  let mnist: mnistExperiment.MnistResult | null = null;
  let start = performance.now();
  if (digits !== null) {
    onProgress.note('A real network: a digit classifier\'s neurons, and an SAE on its hidden layer');
    commands.mnist = commandLine('mnist', { ...plan.mnist, seed });
    mnist = mnistExperiment.run({ ...plan.mnist, digits, seed }, onProgress); // run fills the rest (latents: 8 × hidden)
    done('mnist', start);
  }

  // ── Act 0: inside one training step ──
  onProgress.note('Inside one training step: tracing the ops of one toy-model step');
  start = performance.now();
  const traced = traceTrainingStep(plan.trainingStep, seed);
  const { graphData: _graph, ...trainingStep } = traced; // the figures stay plain data; the report draws the graph
  done('trainingStep', start);

  // ── Act 1: polysemantic neurons ──
  onProgress.note('Act 1 of 4, polysemantic neurons: the hidden-ReLU model');
  start = performance.now();
  commands.polysemanticity = commandLine('tms', { ...plan.polysemanticity, seed });
  const poly = tmsExperiment.run({ ...tmsExperiment.TMS_DEFAULTS, ...plan.polysemanticity, seed }, onProgress);
  const polysemanticity = {
    features: poly.options.features, hidden: poly.options.hidden,
    densities: poly.instances.map((instance) => instance.density),
    polysemanticNeurons: poly.instances.map((instance) => instance.polysemanticity?.polysemanticNeurons ?? 0),
    represented: poly.instances.map((instance) => representedCount(instance.featureNorms)),
    featuresPerNeuron: poly.instances.map((instance) => instance.polysemanticity?.featuresPerNeuron ?? []),
    losses: poly.instances.map((instance) => instance.loss),
  };
  done('polysemanticity', start);

  // ── Act 2: superposition ──
  onProgress.note('Act 2 of 4, superposition: 5 features in 2 dimensions, ReLU and linear');
  start = performance.now();
  const reluOptions = { model: 'relu' as const, ...plan.superposition, seed };
  const linearOptions = { model: 'linear' as const, ...plan.superposition, seed };
  commands.superpositionRelu = commandLine('tms', reluOptions);
  commands.superpositionLinear = commandLine('tms', linearOptions);
  const relu = tmsExperiment.run({ ...tmsExperiment.TMS_DEFAULTS, ...reluOptions }, onProgress);
  const linear = tmsExperiment.run({ ...tmsExperiment.TMS_DEFAULTS, ...linearOptions }, onProgress);
  const sparsestInstance = relu.instances[relu.instances.length - 1];
  const stored = sparsestInstance.featureNorms.flatMap((norm, i) => (norm >= REPRESENTED_NORM ? [i] : []));
  const gaps = sparsestInstance.W.length === 2 && stored.length > 0 ? angleGaps(sparsestInstance.W, stored) : [];
  const superposition = {
    features: relu.options.features, hidden: relu.options.hidden,
    densities: relu.instances.map((instance) => instance.density),
    relu: modelFigures(relu), linear: modelFigures(linear),
    sparsest: {
      density: sparsestInstance.density, represented: stored.length, angleGaps: gaps,
      pentagon: stored.length === 5 && gaps.every((gap) => Math.abs(gap - 72) <= PENTAGON_SLACK_DEGREES),
    },
  };
  done('superposition', start);

  // ── Act 3: features are directions ──
  onProgress.note('Act 3 of 4, features are directions: the phase diagram and the feature geometry');
  start = performance.now();
  commands.phase = commandLine('phase', { ...plan.phase, seed });
  const phaseResult = phaseExperiment.run({ ...phaseExperiment.PHASE_DEFAULTS, ...plan.phase, seed }, onProgress);
  const phase = {
    grid: phaseResult.options.grid, restarts: phaseResult.options.restarts, ...phaseResult.agreement,
    importances: phaseResult.importances, densities: phaseResult.densities,
    trained: phaseResult.cells.map((cell) => cell.phase),
    theory: phaseResult.cells.map((cell) => cell.theoryPhase),
  };
  seconds.phase = secondsSince(start);
  start = performance.now();
  commands.geometry = commandLine('geometry', { ...plan.geometry, seed });
  const geometryResult = geometryExperiment.run({ ...geometryExperiment.GEOMETRY_DEFAULTS, ...plan.geometry, seed }, onProgress);
  const geometry = {
    features: geometryResult.options.features, hidden: geometryResult.options.hidden, tolerance: geometryResult.options.tolerance,
    densities: geometryResult.instances.map((instance) => instance.density),
    dimensionsPerFeature: geometryResult.instances.map((instance) => instance.dimensionsPerFeature),
    represented: geometryResult.instances.map((instance) => instance.represented),
    clusters: geometryResult.clusters, inRange: geometryResult.inRange,
  };
  done('geometry', start);

  // ── Act 4: un-mixing with an SAE ──
  onProgress.note('Act 4 of 4, un-mixing with an SAE: a sparse autoencoder on a toy model, then steering');
  start = performance.now();
  commands.sae = commandLine('sae', { ...plan.sae, seed });
  const sae = unmix({ ...TOY_SOURCE_DEFAULTS, ...SAE_TRAINING_DEFAULTS, ...plan.sae, seed }, onProgress);
  commands.steer = `${commandLine('steer', { ...plan.sae, seed })} --present 0 --ablate`;
  done('sae', start);

  seconds.total = secondsSince(started);
  return {
    figures: {
      lesson: 'superposition', seed, fast, commands,
      trainingStep, polysemanticity, superposition, phase, geometry, sae: sae.figures, mnist: mnist === null ? null : mnistFigures(mnist), seconds,
    },
    trainingStep: traced, polysemanticity: poly, relu, linear, phase: phaseResult, geometry: geometryResult, sae, mnist,
  };
}

/** The lesson's figures, as `lesson --json` prints them and `lesson.json` holds them. */
export function toJson(result: LessonResult): LessonFigures {
  return result.figures;
}
