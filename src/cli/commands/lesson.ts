/**
 * `superposition lesson` (what `npm start` runs): the whole lesson on built-in settings, in about a
 * minute on two cores, ending in a plain-language summary on stdout and a self-contained HTML
 * report (`out/lesson/index.html`, with `lesson.json` beside it).
 *
 * The lesson, after a look inside the engine:
 *
 *     0  inside one training step   the op-by-op trace of one toy-model step, forward and backward,
 *                                   with shapes and times, and its graph drawn
 *     1  polysemantic neurons       the hidden-ReLU model (h = ReLU(W x)), 10 features in 5 neurons:
 *                                   how many features each neuron serves as features get sparser
 *     2  superposition              5 features in 2 dimensions across densities: the ReLU model ends
 *                                   in a pentagon; the linear model beside it never superposes
 *     3  features are directions    the n=2, m=1 phase diagram beside its theory, and the sticky
 *                                   fractions of feature geometry (1, 3/4, 2/3, 1/2, 2/5, 3/8)
 *     4  un-mixing with an SAE      a sparse autoencoder on a toy model's hidden activations:
 *                                   training curves, true × learned cosines and MMCS, and steering
 *
 * Each act is a script of the other subcommands: it runs `tms`, `phase`, `geometry` with the
 * flags of its {@link LessonPlan} and reads their `--json` documents (so the numbers are the ones
 * those commands print, and the report gives the command line that reproduces each act), and the
 * SAE act uses the pieces `sae` and `steer` are built from. The plots are the subcommands' own
 * `--out` plots, plus a few the lesson adds (stacked neuron bars, counts across densities, the
 * steering heatmap).
 *
 * The built-in plan and what it costs, measured with `npm start` on the shared 2-core machine this
 * was written on, while other work was running (load average above 4), so upper-ish figures:
 * one traced step 0.05 s; the hidden-ReLU act 10 s (6 densities × 4000 steps of batch 1024);
 * the ReLU and linear models 6 s together (8 densities × 3000 steps each, lr 1e-2, which reaches
 * the pentagon in a third of the default 10,000 steps at 1e-3); the 10 × 10 phase grid with 8
 * restarts 11 s; the geometry 22 s; the SAE and steering 4.5 s: 53 s in all (54 s of wall time
 * with Node's start). The geometry is the `geometry` command's default (200 features in 20 dims,
 * 20 densities from 1 to 0.01, ≈ 100 s) cut down to 100 features in 10 dims at 12 densities from 1
 * to 0.1: 1/density up to 10, which is where the sticky fractions are (sparser than that, Dᵢ falls
 * below 3/8 and no named fraction is left to stick at). It still shows dimensions per feature at 1,
 * then 1/2, then near 2/5 and 3/8, and most represented Dᵢ in the fractions' range at a named
 * fraction (92 of 116 for seed 0, where chance would give 34%). `--fast` shrinks every act to a
 * few dozen steps (0.4 s of work, 0.7 s with Node's start): the plumbing, not the science.
 *
 * Nothing half-written: the report is built in memory and written with
 * {@link writeDirectoryAtomically} (a temporary folder beside `--out`, then a rename).
 *
 * JSON (`--json` on stdout, and `lesson.json` always): timings only under keys `ms` and `seconds`,
 * so that two runs with the same seed agree on everything else.
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
 *      "seconds":{"trainingStep","polysemanticity","superposition","phase","geometry","sae","total"}}
 *
 * @module
 */
import { cosineMatrix, gram, type Phase, STICKY_FRACTIONS, steer, type SteeringReport } from '../../analysis/index.js';
import { collectGraph } from '../../autograd/graph.js';
import { sum } from '../../autograd/index.js';
import { type TraceEntry, trace } from '../../autograd/trace.js';
import { logSpacedDensities } from '../../models/data.js';
import { ToyModel, ToyModelTrainer } from '../../models/tms.js';
import { barChart, graphDiagram, heatmap, scatterPlot, stackedBarChart } from '../../plot/index.js';
import { type ReportBlock, type ReportSection, renderReport } from '../../plot/report.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { booleanFlag, CliUsageError, parseFlags, stringFlag } from '../args.js';
import { checkOutFolder, type DirectoryIO, nodeDirectoryIO, writeDirectoryAtomically } from '../atomic.js';
import { type Command, type CommandContext, commonFlags, defineCommand, type OutFile } from '../command.js';
import { argMax, formatNumber } from '../format.js';
import { packageVersion } from '../node-io.js';
import { geometryCommand, geometryPlots } from './geometry.js';
import { phaseCommand, phasePlots } from './phase.js';
import {
  EVALUATION_SAMPLES, measureSae, resolveLatents, saeFlags, saePlots, toyModelFlags, trainSaeOn, trainToySource,
} from './sae.js';
import { tmsCommand, tmsPlots } from './tms.js';

// ─── The plan ─────────────────────────────────────────────────────────────────────────────────

/** What the lesson runs: each act's subcommand flags (without `--seed` and `--json`). */
export interface LessonPlan {
  /** The traced step: a ReLU toy model of 5 features in 2 dims, this many instances and samples. */
  trainingStep: { instances: number; batch: number };
  /** `tms` flags for act 1 (the hidden-ReLU model). */
  polysemanticity: string[];
  /** `tms` flags for act 2, run once with `--model relu` and once with `--model linear`. */
  superposition: string[];
  /** `phase` flags for act 3. */
  phase: string[];
  /** `geometry` flags for act 3. */
  geometry: string[];
  /** `sae` / `steer` flags for act 4 (the toy model and the SAE). */
  sae: string[];
}

/** The built-in lesson: about a minute on two cores (see the module notes for each act's cost). */
export const FULL_PLAN: LessonPlan = {
  trainingStep: { instances: 8, batch: 1024 },
  polysemanticity: [
    '--model', 'hidden-relu', '--features', '10', '--hidden', '5', '--instances', '6', '--density', '1:0.03',
    '--importance', '0.9', '--steps', '4000', '--lr', '1e-2',
  ],
  superposition: ['--features', '5', '--hidden', '2', '--instances', '8', '--density', '1:0.02', '--importance', '0.9', '--steps', '3000', '--lr', '1e-2'],
  phase: ['--grid', '10', '--restarts', '8', '--steps', '2000'],
  geometry: ['--features', '100', '--hidden', '10', '--instances', '12', '--density', '1:0.1', '--steps', '3000'],
  sae: [],
};

/** `--fast`: every act in a few dozen steps, for tests (the plumbing, not the science). */
export const FAST_PLAN: LessonPlan = {
  trainingStep: { instances: 4, batch: 32 },
  polysemanticity: [
    '--model', 'hidden-relu', '--features', '10', '--hidden', '5', '--instances', '3', '--density', '1:0.05',
    '--importance', '0.9', '--steps', '60', '--batch', '64', '--lr', '1e-2',
  ],
  superposition: ['--features', '5', '--hidden', '2', '--instances', '4', '--density', '1:0.05', '--importance', '0.9', '--steps', '60', '--batch', '64', '--lr', '1e-2'],
  phase: ['--grid', '4', '--restarts', '1', '--steps', '40', '--batch', '32'],
  geometry: ['--features', '20', '--hidden', '4', '--instances', '3', '--density', '1:0.2', '--steps', '40', '--batch', '32'],
  sae: ['--tms-steps', '100', '--tms-batch', '64', '--steps', '100', '--batch', '64'],
};

/** A feature with ‖Wᵢ‖ below this is not represented (as `classifyFeatures` and `geometry` have it). */
const REPRESENTED_NORM = 0.5;

/** The fractions of the geometry act as people write them, largest first. */
const FRACTION_TEXT = ['1', '3/4', '2/3', '1/2', '2/5', '3/8'] as const;

// ─── What the subcommands' JSON holds (the parts read here) ───────────────────────────────────

/** One instance of `tms --json`. */
interface TmsInstance {
  density: number;
  W: number[][];
  b: number[];
  loss: number;
  featureNorms: number[];
  interference: number[];
  dimensionality: number[];
  dimensionsPerFeature: number | null;
  status: ('dedicated' | 'superposed' | 'absent')[];
  polysemanticity?: { featuresPerNeuron: number[]; topFeatureShare: number[]; polysemanticNeurons: number };
}

/** `tms --json`. */
interface TmsJson {
  model: string;
  features: number;
  hidden: number;
  instances: TmsInstance[];
}

/** `phase --json`. */
interface PhaseJson {
  grid: number;
  restarts: number;
  cells: { importance: number; density: number; phase: Phase; theoryPhase: Phase; awayFromBoundary: boolean }[];
  agreement: { cells: number; agree: number; interiorCells: number; interiorAgree: number };
}

/** `geometry --json`. */
interface GeometryJson {
  features: number;
  hidden: number;
  tolerance: number;
  instances: { density: number; dimensionsPerFeature: number | null; represented: number; featureNorms: number[]; dimensionality: number[] }[];
  clusters: Record<string, number>;
  inRange: { lower: number; upper: number; total: number; matched: number; chance: number };
}

// ─── Running the acts ─────────────────────────────────────────────────────────────────────────

/** The command line that reproduces a subcommand run. */
function commandLine(name: string, argv: readonly string[]): string {
  return ['superposition', name, ...argv].join(' ');
}

/** Runs a subcommand with `--json` and reads its one JSON document. */
async function runJson<T>(command: Command, argv: readonly string[], context: CommandContext): Promise<T> {
  const prepared = command.prepare([...argv, '--json']);
  if (prepared === null) throw new Error(`lesson: ${command.name} was asked for its help instead of a run`);
  let text = '';
  await prepared.run({ ...context, out: (chunk) => void (text += chunk) });
  return JSON.parse(text) as T;
}

/** Seconds since `start` (a `performance.now()` reading). */
function since(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Labels x0 … x(n−1). */
function featureLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `x${i}`);
}

/** "p = 0.03". */
function densityLabel(density: number): string {
  return `p = ${formatNumber(density)}`;
}

/** Picks plots by file name from a subcommand's `--out` plots. */
function plotsNamed(plots: readonly OutFile[], test: (name: string) => boolean): string[] {
  return plots.filter((plot) => test(plot.name)).map((plot) => plot.text);
}

/** A shape as `[8,1024,5]`, or `—` where no gradient was sent. */
function shapeText(shape: readonly number[] | null): string {
  return shape === null ? '—' : `[${shape.join(',')}]`;
}

/** The instances of `tms --json` with WᵀW, as `tmsPlots` draws them (W comes as m rows of n). */
function withGram(instances: readonly TmsInstance[]): (TmsInstance & { gram: number[][] })[] {
  return instances.map((instance) => {
    const m = instance.W.length;
    const n = instance.W[0]?.length ?? 0;
    return { ...instance, gram: gram(new Tensor(Float64Array.from(instance.W.flat()), [m, n])) };
  });
}

/** Counts of represented features (‖Wᵢ‖ ≥ 0.5). */
function representedCount(norms: readonly number[]): number {
  return norms.filter((norm) => norm >= REPRESENTED_NORM).length;
}

/** Act 0: one traced training step of the ReLU toy model, and its graph. */
function traceTrainingStep(plan: LessonPlan['trainingStep'], seed: number) {
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
  trainingStep: {
    instances: number; batch: number; features: number; hidden: number; loss: number; forwardOps: number; backwardOps: number;
    onGradPath: number; graph: { vertices: number; edges: number }; ops: TraceEntry[];
  };
  /** Act 1. */
  polysemanticity: {
    features: number; hidden: number; densities: number[]; polysemanticNeurons: number[]; represented: number[];
    featuresPerNeuron: number[][]; losses: number[];
  };
  /** Act 2. */
  superposition: {
    features: number; hidden: number; densities: number[];
    relu: { represented: number[]; superposed: number[]; dimensionsPerFeature: (number | null)[]; losses: number[]; W: number[][][] };
    linear: { represented: number[]; superposed: number[]; dimensionsPerFeature: (number | null)[]; losses: number[]; W: number[][][] };
    sparsest: { density: number; represented: number; angleGaps: number[]; pentagon: boolean };
  };
  /** Act 3, the phase diagram. */
  phase: {
    grid: number; restarts: number; cells: number; agree: number; interiorCells: number; interiorAgree: number;
    importances: number[]; densities: number[]; trained: Phase[]; theory: Phase[];
  };
  /** Act 3, the geometry. */
  geometry: {
    features: number; hidden: number; tolerance: number; densities: number[]; dimensionsPerFeature: (number | null)[]; represented: number[];
    clusters: Record<string, number>; inRange: { lower: number; upper: number; total: number; matched: number; chance: number };
  };
  /** Act 4. */
  sae: {
    arch: string; latents: number; trueFeatures: number; density: number; l0: number; mse: number; fve: number | null; dead: number;
    mmcs: { trueToLearned: number; learnedToTrue: number } | null; recovered: number | null; cosines: number[][];
    history: { step: number; loss: number; mse: number; l0: number; dead: number; resampled: number }[];
    steering: { fired: SteeringReport['fired']; ablation: SteeringSummary; clamp: SteeringSummary };
  };
  /** Wall time of each act, in seconds (the only timings besides the trace's `ms`). */
  seconds: Record<string, number>;
}

/** One steering edit, as the lesson reports it. */
interface SteeringSummary {
  /** The toy model's input x [n]. */
  input: number[];
  latent: number;
  feature: number;
  cosine: number;
  mode: 'ablate' | 'clamp';
  before: number;
  after: number;
  /** The output feature the latent is named for: its value from the reconstruction, and after the edit. */
  target: { feature: number; reconstruction: number; steered: number };
  changed: SteeringReport['changed'];
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

/** Everything the report draws, beside the figures. */
interface LessonResult {
  figures: LessonFigures;
  sections: ReportSection[];
}

/** A test's way in: called after each act with its name (throwing from it aborts the lesson). */
export interface LessonHooks {
  /** Called when an act has finished, before the next starts. */
  afterAct?(act: string): void;
}

/** Runs every act of `plan` and builds the report's sections. */
async function runLesson(plan: LessonPlan, seed: number, fast: boolean, context: CommandContext, hooks: LessonHooks): Promise<LessonResult> {
  const { progress } = context;
  const started = performance.now();
  const seedFlag = ['--seed', String(seed)];
  const seconds: Record<string, number> = {};
  const commands: Record<string, string> = {};
  const sections: ReportSection[] = [];
  const done = (act: string, start: number): void => {
    seconds[act] = since(start);
    hooks.afterAct?.(act);
  };

  // ── Act 0: inside one training step ──
  progress.note('Inside one training step: tracing the ops of one toy-model step');
  let start = performance.now();
  const step = traceTrainingStep(plan.trainingStep, seed);
  const { graphData: _graph, ...trainingStep } = step; // the figures stay plain data; the section draws the graph
  sections.push(trainingStepSection(step));
  done('trainingStep', start);

  // ── Act 1: polysemantic neurons ──
  progress.note('Act 1 of 4, polysemantic neurons: the hidden-ReLU model');
  start = performance.now();
  const polyArgv = [...plan.polysemanticity, ...seedFlag];
  commands.polysemanticity = commandLine('tms', polyArgv);
  const poly = await runJson<TmsJson>(tmsCommand, polyArgv, context);
  const polysemanticity = {
    features: poly.features, hidden: poly.hidden,
    densities: poly.instances.map((instance) => instance.density),
    polysemanticNeurons: poly.instances.map((instance) => instance.polysemanticity?.polysemanticNeurons ?? 0),
    represented: poly.instances.map((instance) => representedCount(instance.featureNorms)),
    featuresPerNeuron: poly.instances.map((instance) => instance.polysemanticity?.featuresPerNeuron ?? []),
    losses: poly.instances.map((instance) => instance.loss),
  };
  sections.push(polysemanticitySection(poly, polysemanticity, commands.polysemanticity));
  done('polysemanticity', start);

  // ── Act 2: superposition ──
  progress.note('Act 2 of 4, superposition: 5 features in 2 dimensions, ReLU and linear');
  start = performance.now();
  const reluArgv = ['--model', 'relu', ...plan.superposition, ...seedFlag];
  const linearArgv = ['--model', 'linear', ...plan.superposition, ...seedFlag];
  commands.superpositionRelu = commandLine('tms', reluArgv);
  commands.superpositionLinear = commandLine('tms', linearArgv);
  const relu = await runJson<TmsJson>(tmsCommand, reluArgv, context);
  const linear = await runJson<TmsJson>(tmsCommand, linearArgv, context);
  const modelFigures = (json: TmsJson) => ({
    represented: json.instances.map((instance) => representedCount(instance.featureNorms)),
    superposed: json.instances.map((instance) => instance.status.filter((status) => status === 'superposed').length),
    dimensionsPerFeature: json.instances.map((instance) => instance.dimensionsPerFeature),
    losses: json.instances.map((instance) => instance.loss),
    W: json.instances.map((instance) => instance.W),
  });
  const sparsestInstance = relu.instances[relu.instances.length - 1];
  const stored = sparsestInstance.featureNorms.flatMap((norm, i) => (norm >= REPRESENTED_NORM ? [i] : []));
  const gaps = sparsestInstance.W.length === 2 && stored.length > 0 ? angleGaps(sparsestInstance.W, stored) : [];
  const superposition = {
    features: relu.features, hidden: relu.hidden,
    densities: relu.instances.map((instance) => instance.density),
    relu: modelFigures(relu), linear: modelFigures(linear),
    sparsest: {
      density: sparsestInstance.density, represented: stored.length, angleGaps: gaps,
      pentagon: stored.length === 5 && gaps.every((gap) => Math.abs(gap - 72) <= PENTAGON_SLACK_DEGREES),
    },
  };
  sections.push(superpositionSection(relu, linear, superposition, [commands.superpositionRelu, commands.superpositionLinear]));
  done('superposition', start);

  // ── Act 3: features are directions ──
  progress.note('Act 3 of 4, features are directions: the phase diagram and the feature geometry');
  start = performance.now();
  const phaseArgv = [...plan.phase, ...seedFlag];
  commands.phase = commandLine('phase', phaseArgv);
  const phaseJson = await runJson<PhaseJson>(phaseCommand, phaseArgv, context);
  const size = phaseJson.grid;
  const phase = {
    grid: size, restarts: phaseJson.restarts, ...phaseJson.agreement,
    importances: phaseJson.cells.slice(0, size).map((cell) => cell.importance),
    densities: Array.from({ length: size }, (_, row) => phaseJson.cells[row * size].density),
    trained: phaseJson.cells.map((cell) => cell.phase),
    theory: phaseJson.cells.map((cell) => cell.theoryPhase),
  };
  seconds.phase = since(start);
  start = performance.now();
  const geometryArgv = [...plan.geometry, ...seedFlag];
  commands.geometry = commandLine('geometry', geometryArgv);
  const geometryJson = await runJson<GeometryJson>(geometryCommand, geometryArgv, context);
  const geometry = {
    features: geometryJson.features, hidden: geometryJson.hidden, tolerance: geometryJson.tolerance,
    densities: geometryJson.instances.map((instance) => instance.density),
    dimensionsPerFeature: geometryJson.instances.map((instance) => instance.dimensionsPerFeature),
    represented: geometryJson.instances.map((instance) => instance.represented),
    clusters: geometryJson.clusters, inRange: geometryJson.inRange,
  };
  sections.push(directionsSection(phase, geometry, geometryJson, [commands.phase, commands.geometry]));
  done('geometry', start);

  // ── Act 4: un-mixing with an SAE ──
  progress.note('Act 4 of 4, un-mixing with an SAE: a sparse autoencoder on a toy model, then steering');
  start = performance.now();
  const saeArgv = [...plan.sae, ...seedFlag];
  commands.sae = commandLine('sae', saeArgv);
  const sae = unmix(saeArgv, context);
  commands.steer = commandLine('steer', [...saeArgv, '--present', '0', '--ablate']);
  sections.push(saeSection(sae, [commands.sae, commands.steer]));
  done('sae', start);

  seconds.total = since(started);
  return {
    figures: {
      lesson: 'superposition', seed, fast, commands,
      trainingStep, polysemanticity, superposition, phase, geometry, sae: sae.figures, seconds,
    },
    sections,
  };
}

/** Act 4: trains the toy model and the SAE as `sae` does, measures, and steers as `steer` does. */
function unmix(argv: readonly string[], context: CommandContext) {
  const flags = parseFlags({ ...toyModelFlags(), ...saeFlags(), ...commonFlags() }, argv);
  const toy = trainToySource(flags, context.progress);
  const n = flags.features;
  const { latents, k } = resolveLatents(flags, n);
  const trained = trainSaeOn(flags, { inputDim: flags.hidden, latents, k }, toy.sample, context.progress);
  const measures = measureSae(trained.sae, toy.sample(EVALUATION_SAMPLES, new Rng(flags.seed).fork()), toy.trueFeatures);
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

  const figures: LessonFigures['sae'] = {
    arch: flags.arch, latents, trueFeatures: n, density: toy.density,
    l0: measures.l0, mse: measures.mse, fve: measures.fve, dead: measures.dead, mmcs: measures.mmcs, recovered: measures.recovered,
    cosines, history: trained.history,
    steering: { fired: ablated.fired, ablation: steeringSummary(ablated), clamp: steeringSummary(clamped) },
  };
  const plots = saePlots({ history: trained.history, decoder: decoder.toArray() as number[][], cosines, mmcs: measures.mmcs });
  return { figures, plots, ablated, clamped, hidden: flags.hidden, steps: flags.steps, tmsSteps: flags['tms-steps'] };
}

// ─── The report's sections ────────────────────────────────────────────────────────────────────

function trainingStepSection(step: ReturnType<typeof traceTrainingStep>): ReportSection {
  const forwardMs = step.ops.filter((entry) => entry.phase === 'forward').reduce((total, entry) => total + entry.ms, 0);
  const backwardMs = step.ops.filter((entry) => entry.phase === 'backward').reduce((total, entry) => total + entry.ms, 0);
  return {
    id: 'act-0',
    title: 'Inside one training step',
    blocks: [
      {
        kind: 'paragraph',
        text: `Before the lesson, the engine at work. One training step of the ReLU toy model (${step.instances} instances side by side, ` +
          `a batch of ${step.batch} samples of ${step.features} features squeezed into ${step.hidden} dimensions): every op it ran, ` +
          'forward then backward, with the shapes that went in and out and the time each took. Everything the lesson trains is ' +
          'this step, repeated.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'forward ops', value: `${step.forwardOps} (${step.onGradPath} on the gradient path), ${formatNumber(forwardMs)} ms` },
          { label: 'backward ops', value: `${step.backwardOps}, ${formatNumber(backwardMs)} ms` },
          { label: 'graph', value: `${step.graph.vertices} vertices, ${step.graph.edges} edges` },
          { label: 'loss of this step', value: formatNumber(step.loss, 4) },
        ],
      },
      {
        kind: 'table',
        caption: 'The op-by-op trace (trace(fn) in src/autograd/trace.ts). Backward rows: dy is the gradient that arrived; one gradient shape per input, — where an input needs none.',
        header: ['#', 'phase', 'op', 'inputs', 'output', 'dtype', 'grad path', 'time µs'],
        numeric: [true, false, false, false, false, false, false, true],
        rows: step.ops.map((entry) => [
          String(entry.index), entry.phase, entry.op,
          (entry.phase === 'backward' ? 'dy ' : '') + entry.inputShapes.map(shapeText).join(' '),
          entry.outputShapes.map(shapeText).join(' '),
          entry.dtype, entry.onGradPath ? 'yes' : 'no', (entry.ms * 1000).toFixed(1),
        ]),
      },
      {
        kind: 'paragraph',
        text: 'After backward(), AdamW updates W and b in place; that update is plain arithmetic on the parameters, not an op of the graph, so it is not in the trace.',
      },
      {
        kind: 'figures', columns: 1, maxWidth: 640,
        figures: [{
          svg: graphDiagram(step.graphData, { title: 'The graph of one step: loss = Σ over instances of the importance-weighted error' }),
          caption: 'Data flows down from the leaves at the top (the batch x, drawn as a constant since it needs no gradient, and the parameters W and b) to the loss at the bottom; the importances and the ' +
            'target ride inside reluReadoutLoss, which fuses the read-out ReLU with the weighted error. backward() walks these edges the ' +
            'other way, from the loss back up to W and b.',
        }],
      },
    ],
  };
}

function polysemanticitySection(json: TmsJson, figures: LessonFigures['polysemanticity'], command: string): ReportSection {
  const { features: n, hidden: m } = figures;
  const labels = featureLabels(n);
  const neuronPlots = plotsNamed(tmsPlots('hidden-relu', withGram(json.instances)), (name) => name.endsWith('-neurons.svg'));
  const stacked = json.instances.map((instance) => {
    const groups = instance.W.map((row, j) => {
      const positive = row.map((weight) => Math.max(weight, 0) ** 2);
      const total = positive.reduce((a, b) => a + b, 0);
      return { label: `neuron ${j}`, segments: labels.map((label, i) => ({ label, value: total > 0 ? positive[i] / total : 0 })) };
    });
    return stackedBarChart(groups, {
      title: `Which features drive each neuron (${densityLabel(instance.density)})`, xLabel: 'neuron', yLabel: 'share of W⁺²',
    });
  });
  return {
    id: 'act-1',
    title: 'Act 1. Polysemantic neurons',
    blocks: [
      {
        kind: 'paragraph',
        text: `The hidden-ReLU toy model, h = ReLU(W x): ${n} features, ${m} neurons, trained at ${figures.densities.length} feature ` +
          'densities from dense to sparse. Row j of W is neuron j\'s weights over the features, so one can ask of each neuron: which ' +
          'features switch it on? A neuron counts as polysemantic when two or more features drive it at least half as hard as its ' +
          'strongest one.',
      },
      {
        kind: 'facts',
        facts: figures.densities.map((density, k) => ({
          label: densityLabel(density),
          value: `${figures.polysemanticNeurons[k]} of ${m} neurons polysemantic, ${figures.represented[k]} of ${n} features stored, loss ${formatNumber(figures.losses[k])}`,
        })),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: barChart(figures.densities.map((density, k) => ({ label: densityLabel(density), value: figures.polysemanticNeurons[k] })), {
            title: `Polysemantic neurons (of ${m}) as features get sparser`, xLabel: 'feature density', yLabel: 'polysemantic neurons',
          }),
          caption: 'Dense features get a neuron each (and the rest are dropped); sparse features share neurons, so each neuron serves several.',
        }],
      },
      {
        kind: 'figures', heading: 'Which features each neuron serves, dense to sparse', columns: 3,
        figures: stacked.map((svg, k) => ({
          svg,
          caption: `${densityLabel(figures.densities[k])}: each bar is one neuron, split by each feature's share of its squared positive weights; ` +
            `${figures.polysemanticNeurons[k]} of ${m} neurons serve two or more features.`,
        })),
      },
      {
        kind: 'figures', heading: 'Neuron × feature weights W', columns: 3,
        figures: neuronPlots.map((svg, k) => ({
          svg, caption: `${densityLabel(figures.densities[k])}: red drives a neuron, blue holds it down.`,
        })),
      },
      {
        kind: 'paragraph',
        text: 'What to see: with dense features each neuron is one feature; as features get sparser the model stores more features than it ' +
          'has neurons, and every neuron becomes a mix. Reading one neuron tells you little: a neuron is not a concept.',
      },
      { kind: 'command', text: command },
    ],
  };
}

function superpositionSection(relu: TmsJson, linear: TmsJson, figures: LessonFigures['superposition'], commands: string[]): ReportSection {
  const { features: n, hidden: m, densities } = figures;
  const reluPlots = tmsPlots('relu', withGram(relu.instances));
  const linearPlots = tmsPlots('linear', withGram(linear.instances));
  const last = densities.length - 1;
  const picks = [...new Set([0, Math.floor(last / 2), last])];
  const caption = (k: number): string => `${densityLabel(densities[k])}`;
  const byInstance = (plots: readonly OutFile[], suffix: string) => (k: number): string =>
    plotsNamed(plots, (name) => name === `instance-${k}-${suffix}.svg`)[0] ?? '';
  const reluArrows = byInstance(reluPlots, 'directions');
  const linearArrows = byInstance(linearPlots, 'directions');
  const reluGram = byInstance(reluPlots, 'gram');
  const linearGram = byInstance(linearPlots, 'gram');
  const reluNorms = byInstance(reluPlots, 'norms');
  const linearNorms = byInstance(linearPlots, 'norms');
  const { sparsest } = figures;
  const shape = sparsest.pentagon
    ? `all ${sparsest.represented} features, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart: a pentagon`
    : `${sparsest.represented} of ${n} features stored${sparsest.angleGaps.length > 0 ? `, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart` : ''}`;
  const inverse = densities.map((density) => 1 / density);
  return {
    id: 'act-2',
    title: 'Act 2. Superposition',
    blocks: [
      {
        kind: 'paragraph',
        text: `The toy model of superposition: ${n} features of importance 0.9ⁱ squeezed into ${m} dimensions (h = W x) and read back ` +
          '(x′ = ReLU(Wᵀh + b)), trained at densities from 1 (every feature always present) down to ' +
          `${formatNumber(densities[last])}. Column i of W is feature i's direction in the ${m}-D hidden space: one arrow each.`,
      },
      {
        kind: 'facts',
        facts: [
          { label: 'densities', value: densities.map((density) => formatNumber(density)).join(', ') },
          { label: 'features stored, ReLU model', value: figures.relu.represented.join(', ') },
          { label: 'features stored, linear model', value: figures.linear.represented.join(', ') },
          { label: 'dimensions per feature, ReLU', value: figures.relu.dimensionsPerFeature.map((value) => (value === null ? '–' : value.toFixed(2))).join(', ') },
          { label: `sparsest ReLU instance (${densityLabel(sparsest.density)})`, value: shape },
        ],
      },
      {
        kind: 'figures', heading: 'ReLU model: one arrow per feature, dense to sparse', columns: 4,
        figures: densities.map((_, k) => ({
          svg: reluArrows(k),
          caption: `${caption(k)}: ${figures.relu.represented[k]} of ${n} features stored${k === last && sparsest.pentagon ? ', as a pentagon' : ''}.`,
        })),
      },
      {
        kind: 'figures', heading: 'Linear model, the same data', columns: 4,
        figures: densities.map((_, k) => ({ svg: linearArrows(k), caption: `${caption(k)}: ${figures.linear.represented[k]} of ${n} features stored.` })),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: scatterPlot([
            { label: 'ReLU model', points: inverse.map((x, k) => ({ x, y: figures.relu.represented[k] })) },
            { label: 'linear model', points: inverse.map((x, k) => ({ x, y: figures.linear.represented[k] })) },
          ], {
            title: `Features stored in ${m} dimensions as features get sparser`, xLabel: '1 / density', yLabel: 'features with ‖Wᵢ‖ ≥ 0.5', xLog: true,
            // The lines also keep 0 and n on the axis, so the linear model's flat count is not hidden on its edge.
            referenceLines: [{ y: n, label: `all ${n} features` }, { y: m, label: `${m} = the dimensions` }, { y: 0, label: 'none' }],
          }),
          caption: `The linear model stores the ${m} most important features and drops the rest at every density (it behaves like PCA); ` +
            `the ReLU model stores more than ${m} once features are sparse.`,
        }],
      },
      {
        kind: 'figures', heading: 'WᵀW: the diagonal is ‖Wᵢ‖², the rest is interference', columns: 2, maxWidth: 980,
        figures: [
          ...picks.map((k) => ({ svg: reluGram(k), caption: `ReLU, ${caption(k)}.` })),
          { svg: linearGram(last), caption: `Linear, ${caption(last)}: no off-diagonal mass.` },
        ],
      },
      {
        kind: 'figures', heading: 'Feature norms, coloured by interference', columns: 2, maxWidth: 980,
        figures: [
          ...picks.map((k) => ({ svg: reluNorms(k), caption: `ReLU, ${caption(k)}.` })),
          { svg: linearNorms(last), caption: `Linear, ${caption(last)}.` },
        ],
      },
      {
        kind: 'paragraph',
        text: `What to see: dense data gets ${m} orthogonal features, as PCA would; as features get sparser the ReLU model packs in more ` +
          'features than it has dimensions, at a cost in interference (the off-diagonal WᵀW), until all five sit at the corners of a ' +
          'pentagon. The linear model never does: without the ReLU to clean up interference, superposition does not pay.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

function directionsSection(
  phase: LessonFigures['phase'], geometry: LessonFigures['geometry'], geometryJson: GeometryJson, commands: string[],
): ReportSection {
  const phaseSvgs = phasePlots({ importances: phase.importances, densities: phase.densities, trained: phase.trained, theory: phase.theory });
  const geometrySvgs = geometryPlots(geometryJson.instances.map((instance) => ({
    density: instance.density, dimensionsPerFeature: instance.dimensionsPerFeature,
    represented: instance.dimensionality.filter((_, i) => instance.featureNorms[i] >= REPRESENTED_NORM),
  })));
  const names = STICKY_FRACTIONS.map((fraction) => fraction.name);
  const { inRange } = geometry;
  const percent = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
  return {
    id: 'act-3',
    title: 'Act 3. Features are directions',
    blocks: [
      {
        kind: 'paragraph',
        text: 'The smallest model that superposes: 2 features in 1 dimension. Across the relative importance of the second feature ' +
          '(columns) and the density of both (rows), the trained model settles into one of three phases, and a closed-form loss for each ' +
          'candidate predicts which.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'phase diagram', value: `${phase.grid} × ${phase.grid} cells, best of ${phase.restarts} restart${phase.restarts === 1 ? '' : 's'} each` },
          { label: 'trained agrees with theory', value: `${phase.agree} of ${phase.cells} cells; ${phase.interiorAgree} of the ${phase.interiorCells} away from the theory's boundaries` },
          { label: 'feature geometry', value: `${geometry.features} features in ${geometry.hidden} dimensions, ${geometry.densities.length} densities` },
          {
            label: 'represented Dᵢ at a named fraction',
            value: `${inRange.matched} of ${inRange.total} (${percent}%) within ${geometry.tolerance} of one; spread evenly, ${Math.round(100 * inRange.chance)}% would be`,
          },
          { label: 'by fraction', value: names.map((name, i) => `${FRACTION_TEXT[i]}: ${geometry.clusters[name] ?? 0}`).join(', ') },
        ],
      },
      {
        kind: 'figures', heading: 'Phase diagram of n = 2 features in m = 1 dimension', columns: 2,
        figures: phaseSvgs.map((plot) => ({
          svg: plot.text,
          caption: plot.name === 'phase-trained.svg'
            ? 'Trained: each cell is the phase the model settled into (the best of its restarts on held-out data).'
            : 'Theory: the phase of lowest closed-form loss.',
        })),
      },
      {
        kind: 'paragraph',
        text: 'Many features in few dimensions. Each feature\'s dimensionality Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)² is its share of a dimension. ' +
          'Superposed features do not spread out evenly: they group into small regular shapes, and Dᵢ sticks at their fractions.',
      },
      {
        kind: 'figures', columns: 1, maxWidth: 860,
        figures: [
          {
            svg: geometrySvgs[0]?.text ?? '',
            caption: 'Each dot is one represented feature\'s Dᵢ (‖Wᵢ‖ ≥ 0.5), against 1/density; the lines mark 1 (a dimension of its own), ' +
              '3/4 (tetrahedron), 2/3 (triangle), 1/2 (antipodal pair), 2/5 (pentagon) and 3/8 (square antiprism).',
          },
        ],
      },
      {
        kind: 'figures', columns: 1, maxWidth: 640,
        figures: [
          {
            svg: barChart([
              ...names.map((name, i) => ({ label: FRACTION_TEXT[i], value: geometry.clusters[name] ?? 0 })),
              { label: 'other', value: geometry.clusters.unmatched ?? 0 },
            ], { title: 'Represented features by the fraction their Dᵢ sits at', xLabel: 'Dᵢ within the tolerance of', yLabel: 'features' }),
            caption: `"other" counts represented features whose Dᵢ is at no named fraction, most of them below 3/8 in the sparsest instances.`,
          },
        ],
      },
      {
        kind: 'paragraph',
        text: 'What to see: trained and theory agree away from the boundaries, so superposition is a phase the loss chooses, not an accident; ' +
          'and features are directions arranged in geometry, with dimensionality clustering at the named fractions far more than chance.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

function saeSection(result: ReturnType<typeof unmix>, commands: string[]): ReportSection {
  const { figures, plots, ablated, clamped } = result;
  const n = figures.trueFeatures;
  const byName = (name: string): string => plotsNamed(plots, (file) => file === name)[0] ?? '';
  const mmcs = figures.mmcs === null ? '–' : `${figures.mmcs.trueToLearned.toFixed(3)} true→learned, ${figures.mmcs.learnedToTrue.toFixed(3)} learned→true`;
  const { ablation, clamp } = figures.steering;
  const rows = [
    ablated.outputs.original, ablated.outputs.reconstruction, ablated.outputs.steered, clamped.outputs.reconstruction, clamped.outputs.steered,
  ];
  const largest = Math.max(1e-9, ...rows.flat().map(Math.abs));
  const fired = ablated.fired;
  return {
    id: 'act-4',
    title: 'Act 4. Un-mixing with a sparse autoencoder',
    blocks: [
      {
        kind: 'paragraph',
        text: `A toy model stores ${n} features in ${result.hidden} dimensions (density ${formatNumber(figures.density)}, a pentagon). Its hidden ` +
          `activations are all an interpreter would see. A ${figures.arch} sparse autoencoder with ${figures.latents} latents learns to ` +
          'rewrite each activation as a sparse sum of decoder directions; since the true features are known here, we can check it found them.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'L0 (latents active per sample)', value: formatNumber(figures.l0) },
          { label: 'fraction of variance explained', value: figures.fve === null ? '–' : formatNumber(figures.fve, 4) },
          { label: 'MSE', value: formatNumber(figures.mse) },
          { label: 'dead latents', value: `${figures.dead} of ${figures.latents}` },
          { label: 'MMCS', value: mmcs },
          { label: 'features recovered (cosine ≥ 0.9)', value: `${figures.recovered ?? '–'} of ${n}` },
        ],
      },
      {
        kind: 'figures', heading: 'Training', columns: 2,
        figures: [
          { svg: byName('training-loss.svg'), caption: 'Loss (reconstruction plus λ·L1) and reconstruction error per step.' },
          { svg: byName('training-sparsity.svg'), caption: 'Latents active per sample (L0), and latents that have not fired for a while (dead).' },
        ],
      },
      {
        kind: 'figures', heading: 'Did it find the features?', columns: 2,
        figures: [
          { svg: byName('cosines.svg'), caption: `Cosine of each true feature direction with each latent's decoder direction. MMCS: ${mmcs}.` },
          ...(byName('decoder.svg') === '' ? [] : [{ svg: byName('decoder.svg'), caption: 'The learned decoder directions in the hidden plane: compare with the pentagon of act 2.' }]),
        ],
      },
      {
        kind: 'paragraph',
        text: `Name and steer. Feature 0 alone, at value 1, goes into the toy model; its hidden vector goes into the SAE. Latent ${ablation.latent} ` +
          `(the closest to feature 0, cosine ${ablation.cosine.toFixed(3)}) fired at ${ablation.before.toFixed(3)}. Ablating it (setting it to 0) ` +
          `moved output x′${ablation.target.feature} from ${ablation.target.reconstruction.toFixed(3)} to ${ablation.target.steered.toFixed(3)}. ` +
          `Then, with no feature present, clamping latent ${clamp.latent} (the closest to feature ${clamp.feature}) to ${clamp.after.toFixed(3)}, ` +
          `the activation it takes on feature ${clamp.feature} alone, moved x′${clamp.target.feature} from ${clamp.target.reconstruction.toFixed(3)} ` +
          `to ${clamp.target.steered.toFixed(3)}: the SAE's latent writes the feature into the model.`,
      },
      {
        kind: 'table',
        caption: `Latents that fired on feature 0 alone (${fired.length} of ${figures.latents}), largest first, each named by the true feature its decoder direction matches best.`,
        header: ['latent', 'activation', 'matches feature', 'cosine'],
        numeric: [true, true, true, true],
        rows: fired.map((latent) => [String(latent.latent), latent.activation.toFixed(3), String(latent.feature), latent.cosine.toFixed(3)]),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: heatmap(rows, {
            title: 'The toy model\'s outputs x′, steered through the SAE',
            rowLabels: [
              'e₀, model', 'e₀, SAE ĥ', `e₀, ablate L${ablation.latent}`, '0, SAE ĥ', `0, clamp L${clamp.latent}`,
            ],
            colLabels: featureLabels(n), xLabel: 'output feature', legendLabel: 'x′ᵢ', domain: [-largest, largest],
          }),
          caption: `Rows 1-3, feature 0 alone (x = e₀): the model's output on its own hidden vector h, on the SAE's reconstruction ĥ, and after ` +
            `ablating latent ${ablation.latent} (L${ablation.latent}). Rows 4-5, no feature (x = 0): on ĥ, and after clamping latent ${clamp.latent} ` +
            `to ${clamp.after.toFixed(3)}. Editing one latent switches one output feature off, or on.`,
        }],
      },
      {
        kind: 'paragraph',
        text: 'What to see: the SAE\'s latents line up one-to-one with the true features (one bright cell in every row and column, MMCS near 1), so each latent can be ' +
          'named, and editing one latent moves the one output feature it is named for. That is what un-mixing superposition buys.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

// ─── The summary ──────────────────────────────────────────────────────────────────────────────

/** The plain-language summary printed on stdout (every figure in it is also in lesson.json). */
export function formatLessonSummary(figures: LessonFigures, reportPath: string): string {
  const { trainingStep: step, polysemanticity: poly, superposition: sup, phase, geometry, sae } = figures;
  const list = (values: readonly number[]): string => values.map((value) => formatNumber(value)).join(', ');
  const { inRange } = geometry;
  const percent = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
  const names = STICKY_FRACTIONS.map((fraction) => fraction.name);
  const { ablation, clamp } = sae.steering;
  const sparsest = sup.sparsest;
  const lines = [
    `The lesson: polysemanticity, superposition and sparse autoencoders (seed ${figures.seed}${figures.fast ? ', --fast: too few steps to show the science' : ''}, ` +
      `${figures.seconds.total.toFixed(1)} s)`,
    '',
    `Inside one training step: ${step.forwardOps} forward ops and ${step.backwardOps} backward ops on a batch of ` +
      `[${step.instances},${step.batch},${step.features}] features; the graph has ${step.graph.vertices} vertices.`,
    '',
    `Act 1, polysemantic neurons. A hidden-ReLU model stores ${poly.features} features in ${poly.hidden} neurons.`,
    `  densities:            ${list(poly.densities)}`,
    `  polysemantic neurons: ${poly.polysemanticNeurons.join(', ')} (of ${poly.hidden})`,
    poly.polysemanticNeurons[poly.polysemanticNeurons.length - 1] > poly.polysemanticNeurons[0]
      ? '  As features get sparser, each neuron serves several features: a neuron is not a concept.'
      : '  (This run does not show polysemantic neurons rising with sparsity: too few steps?)',
    '',
    `Act 2, superposition. ${sup.features} features in ${sup.hidden} dimensions.`,
    `  densities:                       ${list(sup.densities)}`,
    `  features stored, ReLU model:     ${sup.relu.represented.join(', ')}`,
    `  features stored, linear model:   ${sup.linear.represented.join(', ')}`,
    `  sparsest ReLU instance: ${sparsest.represented} features stored` +
      (sparsest.angleGaps.length > 0 ? `, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart` : '') +
      (sparsest.pentagon ? ': a pentagon' : ''),
    Math.max(...sup.relu.represented) > sup.hidden && Math.max(...sup.linear.represented) <= sup.hidden
      ? '  The ReLU model packs more features than dimensions once they are sparse; the linear model never does.'
      : `  (This run does not show the ReLU model alone storing more than ${sup.hidden} features: too few steps?)`,
    '',
    'Act 3, features are directions.',
    `  phase diagram (n=2, m=1, ${phase.grid}×${phase.grid} cells): trained agrees with theory in ${phase.agree} of ${phase.cells} cells ` +
      `(${phase.interiorAgree} of ${phase.interiorCells} away from the boundaries)`,
    `  geometry (${geometry.features} features in ${geometry.hidden} dims): ${inRange.matched} of ${inRange.total} represented features ` +
      `(${percent}%) with D_i in the fractions' range sit at a named fraction, where chance gives ${Math.round(100 * inRange.chance)}%`,
    `  by fraction: ${names.map((name, i) => `${FRACTION_TEXT[i]}: ${geometry.clusters[name] ?? 0}`).join(', ')}`,
    '',
    `Act 4, un-mixing with an SAE. ${sae.latents} latents on the hidden activations of a toy model of ${sae.trueFeatures} features.`,
    `  L0 ${formatNumber(sae.l0)}, FVE ${sae.fve === null ? '–' : formatNumber(sae.fve, 4)}, dead latents ${sae.dead} of ${sae.latents}, ` +
      `MMCS ${sae.mmcs === null ? '–' : formatNumber(sae.mmcs.trueToLearned, 4)}, features recovered ${sae.recovered ?? '–'} of ${sae.trueFeatures}`,
    `  steering: feature 0 alone fired latent ${ablation.latent} (≈ feature ${ablation.feature}, cos ${ablation.cosine.toFixed(3)}); ` +
      `ablating it moved output ${ablation.target.feature} from ${ablation.target.reconstruction.toFixed(3)} to ${ablation.target.steered.toFixed(3)}`,
    `  with no feature present, clamping latent ${clamp.latent} (≈ feature ${clamp.feature}) to ${clamp.after.toFixed(3)} moved output ${clamp.target.feature} ` +
      `from ${clamp.target.reconstruction.toFixed(3)} to ${clamp.target.steered.toFixed(3)}`,
    '',
    `Report: ${reportPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

// ─── The report ───────────────────────────────────────────────────────────────────────────────

/** The whole HTML page. */
function lessonPage(result: LessonResult, version: string | null): string {
  const { figures } = result;
  return renderReport({
    title: 'Superposition, polysemanticity and sparse autoencoders',
    subtitle: 'Why a neuron is not a concept, and why networks pack more features than they have dimensions: toy models trained from scratch.',
    intro: [
      'Polysemanticity is the symptom (one neuron, many meanings). Superposition is the cause (more features than neurons, packed as ' +
        'overlapping directions). The feature, a direction in activation space, is the unit worth reading, and a sparse autoencoder is ' +
        'a machine for recovering it. Each act below measures one of these claims on a model trained in this run.',
    ],
    meta: [
      { label: 'seed', value: String(figures.seed) },
      { label: 'plan', value: figures.fast ? '--fast: a few dozen steps per act, too few to show the science' : 'the built-in lesson' },
      { label: 'run time', value: `${figures.seconds.total.toFixed(1)} s` },
      ...(version === null ? [] : [{ label: 'superposition', value: version }]),
    ],
    sections: result.sections,
    footer: 'Made by `superposition lesson` (npm start): a pure-TypeScript tensor library with reverse-mode autodiff. ' +
      'Every number here is also in lesson.json beside this page; each act names the command that reproduces it.',
  });
}

/** The file system the lesson writes with: the context's `files` (main passes `CliIO.files`), else Node's. */
function directoryIO(context: CommandContext): DirectoryIO {
  return context.files ?? nodeDirectoryIO();
}

/** The package's version for the report's header, or null where package.json cannot be read. */
function versionOrNull(): string | null {
  try {
    return packageVersion();
  } catch {
    return null;
  }
}

/** Test hooks (see {@link LessonHooks}); empty outside tests. */
export const lessonHooks: LessonHooks = {};

/** The report's file names inside `--out`. */
export const LESSON_FILES = { report: 'index.html', json: 'lesson.json' } as const;

/** The `lesson` command. */
export const lessonCommand = defineCommand({
  name: 'lesson',
  summary: 'the whole lesson in four acts (what npm start runs): a summary here, an HTML report in out/lesson',
  description:
    'Runs the whole lesson on built-in settings: a look inside one training step, then four acts. 1 polysemantic neurons ' +
    '(the hidden-ReLU model), 2 superposition (5 features in 2 dimensions, ReLU beside linear), 3 features are directions (the ' +
    'phase diagram beside theory, the sticky fractions of feature geometry), 4 un-mixing with a sparse autoencoder (recovery and ' +
    'steering). Prints what each act found, and writes a self-contained HTML report (inline SVG, no scripts, opens from disk) ' +
    'and lesson.json into --out, replacing what an earlier run left there.',
  notes:
    'Run time: about 55 s with the built-in plan, measured on a busy shared 2-core machine (the reduced geometry, 100 features in ' +
    '10 dims, takes 22 s of it); --fast takes under a second and shows the plumbing, not the science. Each act in the report ' +
    'names the subcommand line that reproduces it.\n' +
    'Example: npm start (that is, superposition lesson), then open out/lesson/index.html',
  flags: {
    out: stringFlag({ default: 'out/lesson', placeholder: 'DIR', help: 'the folder for index.html and lesson.json (replaced whole, atomically)' }),
    fast: booleanFlag({ help: 'a few dozen steps per act: seconds instead of a minute, for tests (too few steps to show the science)' }),
    ...commonFlags(),
  },
  async run(flags, context) {
    const files = directoryIO(context);
    const refusal = checkOutFolder(flags.out, files, { force: context.force });
    if (refusal !== null) throw new CliUsageError(`--out cannot be replaced: ${refusal}`);
    const result = await runLesson(flags.fast ? FAST_PLAN : FULL_PLAN, flags.seed, flags.fast, context, lessonHooks);
    const json = `${JSON.stringify(result.figures)}\n`;
    const reportPath = `${flags.out.replace(/[/\\]+$/, '')}/${LESSON_FILES.report}`;
    writeDirectoryAtomically(flags.out, { [LESSON_FILES.report]: lessonPage(result, versionOrNull()), [LESSON_FILES.json]: json }, files, { force: context.force });
    if (flags.json) {
      context.out(json);
      context.progress.note(`wrote ${reportPath} and ${LESSON_FILES.json}`);
      return;
    }
    context.out(formatLessonSummary(result.figures, reportPath));
  },
});
