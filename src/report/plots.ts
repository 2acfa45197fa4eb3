/**
 * The plots of each experiment, as the `--out` folders hold them and the lesson's report shows
 * them: plain functions from an experiment's figures to named SVG files.
 *
 *     tms        instance-k-directions.svg   one arrow per feature, column i of W (m = 2 only)
 *                instance-k-gram.svg         WᵀW [n, n]: the diagonal is ‖Wᵢ‖², the rest is interference
 *                instance-k-norms.svg        ‖Wᵢ‖ per feature, coloured by Σ_{j≠i} (Ŵᵢ·Wⱼ)²
 *                instance-k-neurons.svg      W [m, n], neuron × feature weights (hidden-relu only)
 *     phase      phase-trained.svg, phase-theory.svg: the diagrams as heatmaps of phases,
 *                density down the rows and importance across
 *     geometry   sticky-fractions.svg: against 1/density on a log scale, each instance's
 *                dimensions per feature and every represented feature's Dᵢ, with reference
 *                lines at the named fractions
 *     sae        training-loss.svg       loss and MSE against the step
 *                training-sparsity.svg   L0 and dead latents against the step
 *                cosines.svg             the true × learned cosine matrix, with MMCS (with true features)
 *                decoder.svg             the decoder directions as arrows (d_in = 2 only)
 *     steer      latents.svg          every latent's activation on the input, before the edit
 *                outputs-before.svg   out(ĥ): the toy model's outputs on the SAE's reconstruction
 *                outputs-after.svg    out(ĥ′): after the edit, coloured by how far each output moved
 *
 * @module
 */
import { type Phase, PHASES, STICKY_FRACTIONS, type SteeringReport } from '../analysis/index.js';
import { formatNumber } from '../experiments/format.js';
import { FRACTION_TEXT } from '../experiments/geometry.js';
import type { Mmcs } from '../analysis/index.js';
import type { SaeHistoryEntry } from '../models/sae.js';
import { arrowDiagram, barChart, heatmap, lineChart, scatterPlot } from '../plot/index.js';

/** One file of plots: its name inside an `--out` folder, and its SVG text. */
export interface OutFile {
  /** Its name inside the folder, e.g. `instance-0-gram.svg`. */
  name: string;
  /** Its text (an SVG document, or JSON). */
  text: string;
}

/** Labels x₀ … x₍ₙ₋₁₎ for n features. */
export function featureLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `x${i}`);
}

// ─── tms ───

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

// ─── phase ───

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

// ─── geometry ───

/**
 * The sticky-fraction scatter: per instance, at x = 1/density, its dimensions per feature (null
 * for a model whose W is all zeros: left out) and the Dᵢ of its represented features, with a
 * reference line at each named fraction.
 */
export function geometryPlots(instances: readonly { density: number; dimensionsPerFeature: number | null; represented: readonly number[] }[]): OutFile[] {
  const perFeature = instances.flatMap((instance) => instance.represented.map((value) => ({ x: 1 / instance.density, y: value })));
  const perModel = instances.flatMap((instance) =>
    instance.dimensionsPerFeature === null ? [] : [{ x: 1 / instance.density, y: instance.dimensionsPerFeature }]);
  return [{
    name: 'sticky-fractions.svg',
    text: scatterPlot([
      { label: 'Dᵢ, per feature', points: perFeature },
      { label: 'm / ‖W‖²_F', points: perModel },
    ], {
      title: 'Feature geometry: dimensionality sticks at the fractions of small polytopes',
      xLabel: '1 / density', yLabel: 'dimensions per feature', xLog: true,
      referenceLines: STICKY_FRACTIONS.map(({ name, fraction }) => ({ y: fraction, label: `${FRACTION_TEXT[name]} ${name}` })),
    }),
  }];
}

// ─── sae ───

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

// ─── steer ───

/** The `steer` plots (see the module notes for the files). */
export function steerPlots(report: SteeringReport): OutFile[] {
  const { intervention, outputs } = report;
  const activations = new Array<number>(report.latents).fill(0);
  const matches = new Array<string>(report.latents).fill('');
  for (const fired of report.fired) {
    activations[fired.latent] = fired.activation;
    matches[fired.latent] = ` (x${fired.feature})`;
  }
  const edit = intervention.mode === 'ablate'
    ? `ablating latent ${intervention.latent}`
    : `clamping latent ${intervention.latent} to ${formatNumber(intervention.after)}`;
  const outputBars = (values: readonly number[]) => values.map((value, i) => ({ label: `x${i}`, value }));
  return [
    {
      name: 'latents.svg',
      text: barChart(activations.map((value, j) => ({ label: `${j}${matches[j]}`, value })), {
        title: 'Latents on the input, before the edit', xLabel: 'latent (the feature it matches)', yLabel: 'activation',
      }),
    },
    {
      name: 'outputs-before.svg',
      text: barChart(outputBars(outputs.reconstruction), {
        title: 'Outputs before the edit', xLabel: 'output feature', yLabel: 'out(ĥ), on the reconstruction',
      }),
    },
    {
      name: 'outputs-after.svg',
      text: barChart(outputBars(outputs.steered), {
        title: `Outputs after ${edit}`, xLabel: 'output feature', yLabel: 'out(ĥ′)',
        colorValues: outputs.steered.map((value, i) => Math.abs(value - outputs.reconstruction[i])), colorLabel: '|change|',
      }),
    },
  ];
}
