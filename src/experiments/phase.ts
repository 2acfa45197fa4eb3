/**
 * The phase diagram of the smallest model that superposes, n = 2 features in m = 1 hidden
 * dimension, trained on a grid and set beside the theory.
 *
 * The grid: the extra feature's relative importance r from 0.1 to 10 (columns, log scale) ×
 * the density p of both features from 1 down to 0.01 (rows, log scale). Every cell is one
 * instance of a single ReLU toy model, so the whole grid trains at once: grid² instances, the
 * importance tensor [grid², 1, 2] holding [1, r] per instance, and cell k at row ⌊k / grid⌋
 * (density) and column k mod grid (importance), the order of `phaseGrid`.
 *
 * Restarts. Gradient descent on this model has traps: a feature whose output ReLU has gone dead
 * (its weight decayed to 0 under a negative bias) gets no gradient and stays dropped, and two
 * weights of the same sign with a negative bias form a poorer local optimum. Trained once, the
 * sparse cells land in such traps often. So every cell is trained `restarts` times from
 * different initial weights (all restarts are more instances of the same model: grid² × restarts
 * in all, instance = restart · grid² + cell), and the restart with the lowest loss on a held-out
 * evaluation set is the cell's answer, which is what "the phase the model settles into" means
 * when the loss has several basins.
 *
 * Each cell's answer is classified by its weights (`classifyPhase`: x₂ not represented, x₂
 * dedicated, or an antipodal pair) and compared with the phase of lowest closed-form loss
 * (`theoreticalPhase`). A cell whose four neighbours all share its theoretical phase is "away
 * from the boundaries": there the two should agree.
 *
 * {@link toJson} gives the `phase --json` document:
 *
 *     {"features":2,"hidden":1,"grid","restarts","steps","batch","lr","seed",
 *      "cells":[{"importance","density","phase","theoryPhase","W":[w₁,w₂],"b":[b₁,b₂],"loss",
 *                "theoryLoss","restartPhases":[…],"restartLosses":[…],"awayFromBoundary"}],
 *      "agreement":{"cells","agree","interiorCells","interiorAgree"},"seconds"}
 *
 * @module
 */
import { classifyPhase, instanceWeights, logGrid, type Phase, phaseGrid } from '../analysis/index.js';
import { noGrad } from '../autograd/engine.js';
import { generateFeatures } from '../models/data.js';
import { ToyModel, trainToyModel } from '../models/tms.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { formatNumber, valuesToJson } from './format.js';
import { progressInterval, type ProgressSink, secondsSince, SILENT_PROGRESS } from './options.js';

/** The importance range of the extra feature, as the paper sets it. */
export const PHASE_IMPORTANCE_RANGE = [0.1, 10] as const;
/** Densities run from dense (top row) to sparse (bottom row). */
export const PHASE_DENSITY_RANGE = [1, 0.01] as const;

/** What to train. */
export interface PhaseOptions {
  /** Cells per side: grid × grid cells. */
  grid: number;
  /** Models trained per cell from different initial weights; the lowest held-out loss wins. */
  restarts: number;
  /** AdamW steps. */
  steps: number;
  /** Samples per step, per cell and restart. */
  batch: number;
  /** Learning rate. */
  lr: number;
  /** Seed of the initial weights and of the data. */
  seed: number;
}

/** The `phase` command's defaults: 12 × 12 cells, 8 restarts each. */
export const PHASE_DEFAULTS: Readonly<PhaseOptions> = { grid: 12, restarts: 8, steps: 2_000, batch: 128, lr: 1e-2, seed: 0 };

/** One cell of the diagram, as `phase --json` has it. */
export interface PhaseCellResult {
  /** The extra feature's relative importance r. */
  importance: number;
  /** Both features' density p. */
  density: number;
  /** The phase of the best restart's weights. */
  phase: Phase;
  /** The phase of lowest closed-form loss. */
  theoryPhase: Phase;
  /** The best restart's W [w₁, w₂]. */
  W: number[];
  /** Its bias [b₁, b₂]. */
  b: number[];
  /** Its held-out loss. */
  loss: number;
  /** The closed-form loss of the theory's phase. */
  theoryLoss: number;
  /** Every restart's phase. */
  restartPhases: Phase[];
  /** Every restart's held-out loss. */
  restartLosses: number[];
  /** Whether its four neighbours share its theoretical phase. */
  awayFromBoundary: boolean;
}

/** How far trained and theory agree. */
export interface PhaseAgreement {
  /** grid² cells. */
  cells: number;
  /** Cells whose trained phase is the theory's. */
  agree: number;
  /** Cells away from the theory's boundaries. */
  interiorCells: number;
  /** Of those, the ones that agree. */
  interiorAgree: number;
}

/** A trained phase diagram. */
export interface PhaseResult {
  /** The options it ran with. */
  options: PhaseOptions;
  /** The column importances, left to right. */
  importances: number[];
  /** The row densities, top to bottom. */
  densities: number[];
  /** The cells, row-major. */
  cells: PhaseCellResult[];
  /** How far trained and theory agree. */
  agreement: PhaseAgreement;
  /** Wall time, in seconds. */
  seconds: number;
}

/**
 * For each cell of a row-major grid (rows × columns), whether its up/down/left/right neighbours
 * all have its phase. Cells on the grid's edge only compare with the neighbours they have.
 */
export function awayFromBoundary(phases: readonly Phase[], rows: number, columns: number): boolean[] {
  return phases.map((phase, index) => {
    const row = Math.floor(index / columns);
    const column = index % columns;
    const neighbours = [[row - 1, column], [row + 1, column], [row, column - 1], [row, column + 1]]
      .filter(([r, c]) => r >= 0 && r < rows && c >= 0 && c < columns);
    return neighbours.every(([r, c]) => phases[r * columns + c] === phase);
  });
}

/**
 * Each instance's loss averaged over `batches` fresh batches of `batch` samples: an estimate of
 * its expected loss precise enough to rank restarts even at density 0.01, where one training
 * batch holds only a few samples with a feature present.
 */
export function evaluationLoss(
  model: ToyModel, options: { density: readonly number[]; importance: Tensor; batch: number; batches: number; rng: Rng },
): number[] {
  const { rng } = options;
  const totals = new Float64Array(model.instances);
  const x = new Tensor(new Float32Array(model.instances * options.batch * model.features), [model.instances, options.batch, model.features]);
  noGrad(() => {
    for (let round = 0; round < options.batches; round++) {
      generateFeatures({ instances: model.instances, batch: options.batch, features: model.features, density: options.density, rng, out: x });
      model.lossPerInstance(x, options.importance).toTypedArray().forEach((loss, k) => {
        totals[k] += loss;
      });
    }
  });
  return Array.from(totals, (total) => total / options.batches);
}

/** Trains every cell's restarts at once, picks each cell's best on held-out data, and compares with theory. */
export function run(options: PhaseOptions, onProgress: ProgressSink = SILENT_PROGRESS): PhaseResult {
  const started = performance.now();
  const size = options.grid;
  const importances = logGrid(PHASE_IMPORTANCE_RANGE[0], PHASE_IMPORTANCE_RANGE[1], size);
  const densities = logGrid(PHASE_DENSITY_RANGE[0], PHASE_DENSITY_RANGE[1], size);
  const theory = phaseGrid(importances, densities);
  const cellCount = theory.length;
  const restarts = options.restarts;
  const instances = cellCount * restarts;
  const cellOf = (instance: number): (typeof theory)[number] => theory[instance % cellCount];
  const density = Array.from({ length: instances }, (_, k) => cellOf(k).density);
  const importance = new Tensor(new Float32Array(Array.from({ length: instances }, (_, k) => [1, cellOf(k).importance]).flat()), [instances, 1, 2]);

  const model = new ToyModel({ kind: 'relu', instances, features: 2, hidden: 1, seed: options.seed });
  const task = onProgress.task(`training ${cellCount} cells × ${restarts} restart${restarts === 1 ? '' : 's'} (n=2, m=1)`, options.steps);
  trainToyModel(model, {
    density, importance, steps: options.steps, batch: options.batch, lr: options.lr,
    seed: options.seed, progressEvery: progressInterval(options.steps),
    onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
  });
  task.finish();
  // A stream forked off the seed's, so the held-out samples are not the training data's.
  const losses = evaluationLoss(model, { density, importance, batch: 1024, batches: 16, rng: new Rng(options.seed).fork() });
  const phaseOf = (instance: number): Phase => classifyPhase(instanceWeights(model.W, instance));

  const theoryPhases = theory.map((cell) => cell.phase);
  const interior = awayFromBoundary(theoryPhases, size, size);
  const cells = theory.map((cell, index): PhaseCellResult => {
    const tries = Array.from({ length: restarts }, (_, restart) => restart * cellCount + index);
    const best = tries.reduce((a, b) => (losses[b] < losses[a] ? b : a));
    return {
      importance: cell.importance,
      density: cell.density,
      phase: phaseOf(best),
      theoryPhase: cell.phase,
      W: valuesToJson(instanceWeights(model.W, best)),
      b: valuesToJson(instanceWeights(model.b, best)),
      loss: losses[best],
      theoryLoss: cell.losses[cell.phase],
      restartPhases: tries.map(phaseOf),
      restartLosses: tries.map((k) => losses[k]),
      awayFromBoundary: interior[index],
    };
  });
  const seconds = secondsSince(started);
  const agreement = {
    cells: cellCount,
    agree: cells.filter((cell) => cell.phase === cell.theoryPhase).length,
    interiorCells: cells.filter((cell) => cell.awayFromBoundary).length,
    interiorAgree: cells.filter((cell) => cell.awayFromBoundary && cell.phase === cell.theoryPhase).length,
  };
  return { options: { ...options }, importances, densities, cells, agreement, seconds };
}

/** The `phase --json` document (see the module notes). */
export interface PhaseJson extends PhaseOptions {
  /** Always 2. */
  features: 2;
  /** Always 1. */
  hidden: 1;
  /** The cells, row-major. */
  cells: PhaseCellResult[];
  /** How far trained and theory agree. */
  agreement: PhaseAgreement;
  /** Wall time, in seconds. */
  seconds: number;
}

/** The `phase --json` document (see the module notes). */
export function toJson(result: PhaseResult): PhaseJson {
  const { options } = result;
  return {
    features: 2, hidden: 1, grid: options.grid, restarts: options.restarts, steps: options.steps, batch: options.batch,
    lr: options.lr, seed: options.seed, cells: result.cells, agreement: result.agreement, seconds: result.seconds,
  };
}
