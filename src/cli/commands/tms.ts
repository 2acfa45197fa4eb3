/**
 * `superposition tms`: trains a toy model of superposition (Elhage et al. 2022) with one
 * instance per feature density, and says for each instance which features it stores, how, and
 * at what loss.
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
 * JSON (`--json`), with W as m rows of n:
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
 * With `--out DIR`, the same document as DIR/result.json and, per instance k, the plots
 * (`tmsPlots`):
 *
 *     instance-k-directions.svg   one arrow per feature, column i of W (m = 2 only)
 *     instance-k-gram.svg         WᵀW [n, n]: the diagonal is ‖Wᵢ‖², the rest is interference
 *     instance-k-norms.svg        ‖Wᵢ‖ per feature, coloured by Σ_{j≠i} (Ŵᵢ·Wⱼ)²
 *     instance-k-neurons.svg      W [m, n], neuron × feature weights (hidden-relu only)
 *
 * @module
 */
import {
  classifyFeatures, countPolysemantic, dimensionsPerFeature, featureDimensionality, featureNorms, gram, instanceWeights,
  interference, neuronPolysemanticity,
} from '../../analysis/index.js';
import { importanceTensor } from '../../models/data.js';
import { TOY_MODEL_KINDS, ToyModel, trainToyModel } from '../../models/tms.js';
import { densityFlag, enumFlag, intFlag, numberFlag, resolveDensities } from '../args.js';
import { arrowDiagram, barChart, heatmap } from '../../plot/index.js';
import { commonFlags, defineCommand, type OutFile, outFlag, writeOutFolder } from '../command.js';
import { formatNumber, formatTable, matrixToJson, valuesToJson } from '../format.js';
import { saveToyModel } from '../../io/saelens.js';
import { refuseOversize, toyModelBuffers } from '../limits.js';
import { checkpointFlags, checkpointWriter, readResumeState, writeFilesAtomically } from '../files.js';

/** One letter per feature status, for the summary. */
const STATUS_LETTER = { dedicated: 'D', superposed: 'S', absent: '·' } as const;

/** Above this many features, the summary gives counts only (a letter per feature would not fit). */
const MAX_LETTERS = 40;

/** The steps between two progress reports: about a hundred reports per run, never fewer steps than 1. */
export function progressInterval(steps: number, reports = 100): number {
  return Math.max(1, Math.floor(steps / reports));
}

/** What {@link tmsPlots} draws from, per instance: the fields of `tms --json` it uses. */
export interface TmsInstancePlotData {
  /** The instance's feature density p. */
  density: number;
  /** W as m rows of n (column i is feature i's direction). */
  W: number[][];
  /** ‖Wᵢ‖ per feature. */
  featureNorms: number[];
  /** Σ_{j≠i} (Ŵᵢ·Wⱼ)² per feature. */
  interference: number[];
  /** WᵀW [n, n]: entry (i, j) is Wᵢ·Wⱼ. */
  gram: number[][];
}

/** Labels x₀ … x₍ₙ₋₁₎ for n features. */
function featureLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `x${i}`);
}

/**
 * The `tms` plots of each instance (see the module notes for the files): feature directions as
 * arrows when m = 2, the WᵀW heatmap, feature norms coloured by interference, and for the
 * hidden-ReLU model the neuron × feature weights.
 */
export function tmsPlots(model: string, instances: readonly TmsInstancePlotData[]): OutFile[] {
  return instances.flatMap((instance, k) => {
    const m = instance.W.length;
    const n = instance.featureNorms.length;
    const labels = featureLabels(n);
    const where = `instance ${k}, p = ${formatNumber(instance.density)}`;
    const files: OutFile[] = [];
    if (m === 2) {
      files.push({
        name: `instance-${k}-directions.svg`,
        text: arrowDiagram(labels.map((label, i) => ({ x: instance.W[0][i], y: instance.W[1][i], label })), {
          title: `Feature directions in the hidden plane (${where})`, xLabel: 'hidden dimension 0', yLabel: 'hidden dimension 1',
        }),
      });
    }
    files.push({
      name: `instance-${k}-gram.svg`,
      text: heatmap(instance.gram, {
        title: `WᵀW (${where})`, rowLabels: labels, colLabels: labels, xLabel: 'feature j', yLabel: 'feature i',
        legendLabel: 'Wᵢ·Wⱼ',
      }),
    });
    files.push({
      name: `instance-${k}-norms.svg`,
      text: barChart(labels.map((label, i) => ({ label, value: instance.featureNorms[i] })), {
        title: `Feature norms, coloured by interference (${where})`, xLabel: 'feature', yLabel: '‖Wᵢ‖',
        colorValues: instance.interference, colorLabel: 'interference',
      }),
    });
    if (model === 'hidden-relu') {
      files.push({
        name: `instance-${k}-neurons.svg`,
        text: heatmap(instance.W, {
          title: `Neuron × feature weights (${where})`, rowLabels: Array.from({ length: m }, (_, r) => `neuron ${r}`),
          colLabels: labels, xLabel: 'feature', yLabel: 'neuron', legendLabel: 'weight',
        }),
      });
    }
    return files;
  });
}

/** The `tms` command. */
export const tmsCommand = defineCommand({
  name: 'tms',
  summary: 'train a toy model of superposition across feature densities, and classify its features',
  description:
    'Trains one toy model per feature density, side by side (one instance each): n features of ' +
    'importance r^i squeezed into m hidden dimensions. For each instance it reports the density, ' +
    'the loss, and whether each feature is dedicated (alone in its direction), superposed (sharing ' +
    'it) or absent (norm < 0.5). With the defaults, dense data keeps the two most important ' +
    'features on orthogonal axes; sparse data (p ≈ 0.02) stores all five as a pentagon.',
  notes:
    'Run time: about 9 s with the defaults (about 0.9 ms a step for 8 instances of n=5, m=2 at ' +
    'batch 1024, measured on a shared 2-core machine). Try --model linear to see that the linear ' +
    'model never superposes, and --model hidden-relu to count polysemantic neurons.\n' +
    'Example: superposition tms --density 1:0.01 --steps 3000 --json > tms.json',
  flags: {
    features: intFlag({ default: 5, min: 1, help: 'n: features per instance' }),
    hidden: intFlag({ default: 2, min: 1, help: 'm: hidden dimensions' }),
    instances: intFlag({ default: 8, min: 1, help: 'models trained side by side, one per density' }),
    importance: numberFlag({ default: 0.9, min: 0, exclusiveMin: true, placeholder: 'R', help: 'importance ratio r: feature i has importance r^i' }),
    density: densityFlag({
      default: '1:0.02',
      help: 'probability that a feature is present: a comma list, one per instance, or hi:lo spread log-evenly over the instances',
    }),
    model: enumFlag({ default: 'relu', values: TOY_MODEL_KINDS, help: 'which toy model' }),
    steps: intFlag({ default: 10_000, min: 0, help: 'AdamW steps' }),
    batch: intFlag({ default: 1024, min: 1, help: 'samples per step, per instance' }),
    lr: numberFlag({ default: 1e-3, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'learning rate' }),
    out: outFlag(),
    ...checkpointFlags(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const { features: n, hidden: m, instances } = flags;
    refuseOversize(toyModelBuffers({ instances, batch: flags.batch, features: n, hidden: m })); // before any allocation
    const densities = resolveDensities(flags.density, flags.instances);
    const model = new ToyModel({ kind: flags.model, instances, features: n, hidden: m, seed: flags.seed });
    const importance = importanceTensor(instances, n, flags.importance);
    // What a resumed run must share with the saved one (--steps may grow).
    const runConfig = {
      model: flags.model, features: n, hidden: m, instances, importance: flags.importance, density: densities,
      batch: flags.batch, lr: flags.lr, seed: flags.seed,
    };
    const resumeFrom = readResumeState(flags.resume, 'tms', runConfig, flags.steps, context.readFile);
    const task = progress.task(`training ${flags.model} (${instances} instance${instances === 1 ? '' : 's'})`, flags.steps);
    const result = trainToyModel(model, {
      density: densities, importance, steps: flags.steps, batch: flags.batch, lr: flags.lr, seed: flags.seed,
      lrSetting: '--lr', resumeFrom, checkpointEvery: flags['checkpoint-every'], onCheckpoint: checkpointWriter(flags.save, 'tms', runConfig),
      progressEvery: progressInterval(flags.steps),
      onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
    });
    task.finish(`loss ${formatNumber(result.finalLoss.reduce((a, b) => a + b, 0))}`);
    if (flags.save !== '') writeFilesAtomically(flags.save, saveToyModel(model));

    const importanceRow = valuesToJson(importance).slice(0, n); // every instance has the same rⁱ
    const report = densities.map((density, k) => {
      const W = instanceWeights(model.W, k);
      const norms = featureNorms(W);
      return {
        density,
        importance: importanceRow,
        W: matrixToJson(W),
        b: valuesToJson(instanceWeights(model.b, k)),
        loss: result.finalLoss[k],
        featureNorms: norms,
        interference: interference(W),
        dimensionality: featureDimensionality(W),
        // m / ‖W‖_F² is undefined when W is all zeros (a model that collapsed): null then.
        dimensionsPerFeature: norms.some((norm) => norm > 0) ? dimensionsPerFeature(W) : null,
        status: classifyFeatures(W),
        ...(model.W2 === null ? {} : { W2: matrixToJson(instanceWeights(model.W2, k)) }),
        ...(flags.model === 'hidden-relu' ? {
          polysemanticity: { ...neuronPolysemanticity(W), polysemanticNeurons: countPolysemantic(W) },
        } : {}),
      };
    });

    const json = `${JSON.stringify({
      model: flags.model, features: n, hidden: m, importanceRatio: flags.importance,
      steps: flags.steps, batch: flags.batch, lr: flags.lr, seed: flags.seed,
      instances: report, seconds: result.seconds,
    })}\n`;
    if (flags.out !== '') {
      const plotData = report.map((instance, k) => ({ ...instance, gram: gram(instanceWeights(model.W, k)) }));
      writeOutFolder(flags.out, json, tmsPlots(flags.model, plotData), context);
    }
    if (flags.json) {
      out(json);
      return;
    }

    const letters = n <= MAX_LETTERS;
    const header = ['instance', 'density', 'loss', 'dims/feature'];
    if (letters) header.push(`features 0…${n - 1}`);
    header.push('dedicated', 'superposed', 'absent');
    if (flags.model === 'hidden-relu') header.push('polysemantic neurons');
    const rows = report.map((instance, k) => {
      const count = (status: string): string => String(instance.status.filter((s) => s === status).length);
      const row = [
        String(k), formatNumber(instance.density), formatNumber(instance.loss),
        instance.dimensionsPerFeature === null ? '–' : instance.dimensionsPerFeature.toFixed(2),
      ];
      if (letters) row.push(instance.status.map((status) => STATUS_LETTER[status]).join(' '));
      row.push(count('dedicated'), count('superposed'), count('absent'));
      if (instance.polysemanticity) row.push(`${instance.polysemanticity.polysemanticNeurons} of ${m}`);
      return row;
    });
    out(
      `${flags.model} model: ${n} features (importance ${flags.importance}^i) in ${m} hidden dims, ` +
      `${instances} instances, ${flags.steps} steps of batch ${flags.batch}, lr ${flags.lr}, seed ${flags.seed} ` +
      `(${result.seconds.toFixed(1)} s)\n\n` +
      formatTable(header, rows, letters ? [4] : []) +
      '\nD dedicated: alone in its direction   S superposed: shares its direction (interference > 0.1)   ' +
      '· absent: norm < 0.5\n' +
      'dims/feature = m / ‖W‖²_F: 1 when each represented feature has a dimension of its own, 0.4 for a pentagon in 2-D\n',
    );
  },
});
