/**
 * `superposition phase`: the phase diagram of the smallest model that superposes, n = 2 features
 * in m = 1 hidden dimension, trained on a grid and set beside the theory.
 *
 * The grid: the extra feature's relative importance r from 0.1 to 10 (columns, log scale) ×
 * the density p of both features from 1 down to 0.01 (rows, log scale). Every cell is one
 * instance of a single ReLU toy model, so the whole grid trains at once: grid² instances, the
 * importance tensor [grid², 1, 2] holding [1, r] per instance, and cell k at row ⌊k / grid⌋
 * (density) and column k mod grid (importance), the order of `phaseGrid`.
 *
 Restarts. Gradient descent on this model has traps: a feature whose output ReLU has gone dead
 * (its weight decayed to 0 under a negative bias) gets no gradient and stays dropped, and two
 * weights of the same sign with a negative bias form a poorer local optimum. Trained once, the
 * sparse cells land in such traps often. So every cell is trained `--restarts` times from
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
 * JSON (`--json`):
 *
 *     {"features":2,"hidden":1,"grid","restarts","steps","batch","lr","seed",
 *      "cells":[{"importance","density","phase","theoryPhase","W":[w₁,w₂],"b":[b₁,b₂],"loss",
 *                "theoryLoss","restartPhases":[…],"restartLosses":[…],"awayFromBoundary"}],
 *      "agreement":{"cells","agree","interiorCells","interiorAgree"},"seconds"}
 *
 * With `--out DIR`, the same document as DIR/result.json and the two diagrams as heatmaps of
 * phases, density down the rows and importance across (`phasePlots`): `phase-trained.svg` and
 * `phase-theory.svg`.
 *
 * @module
 */
import { classifyPhase, instanceWeights, logGrid, type Phase, PHASES, phaseGrid } from '../../analysis/index.js';
import { noGrad } from '../../autograd/engine.js';
import { generateFeatures } from '../../models/data.js';
import { ToyModel, trainToyModel } from '../../models/tms.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { CliUsageError, intFlag, numberFlag } from '../args.js';
import { heatmap } from '../../plot/index.js';
import { refuseOversize, toyModelBuffers } from '../limits.js';
import { commonFlags, defineCommand, type OutFile, outFlag, writeOutFolder } from '../command.js';
import { float32Number, formatNumber, valuesToJson } from '../format.js';
import { progressInterval } from './tms.js';

/** The importance range of the extra feature, and the density range, as the issue and the paper set them. */
export const PHASE_IMPORTANCE_RANGE = [0.1, 10] as const;
/** Densities run from dense (top row) to sparse (bottom row). */
export const PHASE_DENSITY_RANGE = [1, 0.01] as const;

/** One letter per phase, for the text grids. */
const PHASE_LETTER: Record<Phase, string> = { 'not-represented': '·', dedicated: 'D', superposition: 'S' };

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

/** How each phase is named in the plots' legends, in the order of `PHASES`. */
const PHASE_NAMES: Record<Phase, string> = {
  'not-represented': 'x₂ not represented', dedicated: 'x₂ dedicated', superposition: 'superposition',
};

/**
 * The phase diagrams, trained and theory, as categorical heatmaps: row r is density
 * `densities[r]`, column c importance `importances[c]`, and cell r·columns + c of each list
 * its phase.
 */
export function phasePlots(grid: { importances: readonly number[]; densities: readonly number[]; trained: readonly Phase[]; theory: readonly Phase[] }): OutFile[] {
  const columns = grid.importances.length;
  const rowsOf = (phases: readonly Phase[]): number[][] => grid.densities.map((_, row) =>
    phases.slice(row * columns, (row + 1) * columns).map((phase) => PHASES.indexOf(phase)));
  const common = {
    rowLabels: grid.densities.map((density) => formatNumber(density, 2)),
    colLabels: grid.importances.map((importance) => formatNumber(importance, 2)),
    xLabel: 'relative importance of x₂', yLabel: 'feature density p',
    categorical: { labels: PHASES.map((phase) => PHASE_NAMES[phase]) },
  };
  return [
    { name: 'phase-trained.svg', text: heatmap(rowsOf(grid.trained), { ...common, title: 'Phase diagram, n=2 in m=1: trained' }) },
    { name: 'phase-theory.svg', text: heatmap(rowsOf(grid.theory), { ...common, title: 'Phase diagram, n=2 in m=1: theory (lowest closed-form loss)' }) },
  ];
}

/** The `phase` command. */
export const phaseCommand = defineCommand({
  name: 'phase',
  summary: 'the n=2, m=1 phase diagram: trained beside the closed-form theory',
  description:
    'Trains the smallest model that superposes (n=2 features, m=1 hidden dimension, ReLU output) ' +
    'on a grid: the extra feature\'s relative importance from 0.1 to 10 (columns) by the density ' +
    'of both features from 1 to 0.01 (rows), both on log scales, all cells at once as instances of ' +
    'one model. Each cell is classified as x2 not represented (·), x2 dedicated (D), or an ' +
    'antipodal pair in superposition (S), and set beside the phase of lowest closed-form loss.',
  notes:
    'Run time: about 13 s with the defaults (144 cells × 8 restarts = 1152 instances at batch 128: ' +
    'about 6 ms a step, measured on a shared 2-core machine). Why restarts: in the sparse cells ' +
    'that disagreed when trained once, 20-55% of single runs stopped in a poorer local optimum (a ' +
    'dead output, or two weights of the same sign), much the same at 1000 or 5000 steps and at lr ' +
    '1e-3 or 1e-2. With 8 restarts per cell the trained diagram agreed with theory in all 144 cells ' +
    'for seeds 0, 1 and 2 (with 6 restarts, in 143).',
  flags: {
    features: intFlag({ default: 2, min: 1, help: 'n: must be 2 (the phase analysis is for n=2, m=1)' }),
    hidden: intFlag({ default: 1, min: 1, help: 'm: must be 1' }),
    grid: intFlag({ default: 12, min: 2, max: 64, help: 'cells per side: grid × grid cells' }),
    restarts: intFlag({ default: 8, min: 1, help: 'models trained per cell from different initial weights; the lowest held-out loss wins' }),
    steps: intFlag({ default: 2_000, min: 0, help: 'AdamW steps' }),
    batch: intFlag({ default: 128, min: 1, help: 'samples per step, per cell and restart' }),
    lr: numberFlag({ default: 1e-2, min: 0, exclusiveMin: true, defaultText: '1e-2', help: 'learning rate' }),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    if (flags.features !== 2) throw new CliUsageError(`--features must be 2 for the phase diagram (the analysis is for n=2, m=1), got ${flags.features}`);
    if (flags.hidden !== 1) throw new CliUsageError(`--hidden must be 1 for the phase diagram (the analysis is for n=2, m=1), got ${flags.hidden}`);
    const started = performance.now();
    const size = flags.grid;
    const importances = logGrid(PHASE_IMPORTANCE_RANGE[0], PHASE_IMPORTANCE_RANGE[1], size);
    const densities = logGrid(PHASE_DENSITY_RANGE[0], PHASE_DENSITY_RANGE[1], size);
    const theory = phaseGrid(importances, densities);
    const cellCount = theory.length;
    const restarts = flags.restarts;
    const instances = cellCount * restarts;
    refuseOversize(toyModelBuffers({ instances, batch: flags.batch, features: 2, hidden: 1 }, {
      instances: `cells × restarts (--grid ${size}² × --restarts ${restarts}) =`, batch: '--batch', features: 'n', hidden: 'm',
    }));
    const cellOf = (instance: number): (typeof theory)[number] => theory[instance % cellCount];
    const density = Array.from({ length: instances }, (_, k) => cellOf(k).density);
    const importance = new Tensor(new Float32Array(Array.from({ length: instances }, (_, k) => [1, cellOf(k).importance]).flat()), [instances, 1, 2]);

    const model = new ToyModel({ kind: 'relu', instances, features: 2, hidden: 1, seed: flags.seed });
    const task = progress.task(`training ${cellCount} cells × ${restarts} restart${restarts === 1 ? '' : 's'} (n=2, m=1)`, flags.steps);
    trainToyModel(model, {
      density, importance, steps: flags.steps, batch: flags.batch, lr: flags.lr,
      seed: flags.seed, lrSetting: '--lr', progressEvery: progressInterval(flags.steps),
      onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
    });
    task.finish();
    // A stream forked off the seed's, so the held-out samples are not the training data's.
    const losses = evaluationLoss(model, { density, importance, batch: 1024, batches: 16, rng: new Rng(flags.seed).fork() });
    const phaseOf = (instance: number): Phase => classifyPhase(instanceWeights(model.W, instance));

    const theoryPhases = theory.map((cell) => cell.phase);
    const interior = awayFromBoundary(theoryPhases, size, size);
    const cells = theory.map((cell, index) => {
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
    const phases = cells.map((cell) => cell.phase);
    const seconds = (performance.now() - started) / 1000;
    const agreement = {
      cells: cellCount,
      agree: cells.filter((cell) => cell.phase === cell.theoryPhase).length,
      interiorCells: cells.filter((cell) => cell.awayFromBoundary).length,
      interiorAgree: cells.filter((cell) => cell.awayFromBoundary && cell.phase === cell.theoryPhase).length,
    };

    const json = `${JSON.stringify({
      features: 2, hidden: 1, grid: size, restarts, steps: flags.steps, batch: flags.batch, lr: flags.lr, seed: flags.seed,
      cells, agreement, seconds,
    })}\n`;
    if (flags.out !== '') writeOutFolder(flags.out, json, phasePlots({ importances, densities, trained: phases, theory: theoryPhases }), context);
    if (flags.json) {
      out(json);
      return;
    }

    const rowLabel = (row: number): string => formatNumber(densities[row]).padStart(7);
    const letters = (source: readonly Phase[], row: number): string =>
      source.slice(row * size, (row + 1) * size).map((phase) => PHASE_LETTER[phase]).join(' ');
    const axis = `importance ${float32Number(importances[0])} → ${float32Number(importances[size - 1])}`;
    const width = Math.max(2 * size - 1, axis.length, 'trained'.length);
    const title = (text: string): string => text.padEnd(width);
    const lines = [
      `Phase diagram of n=2 features in m=1 dimension: ${size}×${size} cells, best of ${restarts} restart${restarts === 1 ? '' : 's'}, ` +
      `${flags.steps} steps of batch ${flags.batch}, lr ${flags.lr}, seed ${flags.seed} (${seconds.toFixed(1)} s)`,
      '',
      `density  ${title('trained')}    ${title('theory (lowest closed-form loss)')}`,
      ...Array.from({ length: size }, (_, row) => `${rowLabel(row)}  ${title(letters(phases, row))}    ${letters(theoryPhases, row)}`),
      `         ${title(axis)}    ${axis}`,
      '',
      '· x2 not represented (W ≈ [1, 0])   D x2 dedicated (W ≈ [0, 1])   S superposition (W ≈ [1, −1])',
      '',
      `Trained and theory agree in ${agreement.agree} of ${agreement.cells} cells, ` +
      `and in ${agreement.interiorAgree} of the ${agreement.interiorCells} cells away from the theory's boundaries.`,
    ];
    out(`${lines.join('\n')}\n`);
  },
});
