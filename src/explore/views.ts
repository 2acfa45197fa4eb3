/**
 * The explorable's live views, each a plain function from a worker's report to an SVG string made
 * by src/plot, the same plotting code the lesson's report uses:
 *
 *     weights          W's columns as arrows in the hidden plane (m = 2; on a line for m = 1),
 *                      else W itself as a heat map [m × n]
 *     gram             WᵀW: norms² on the diagonal, overlaps off it
 *     norms            ‖Wᵢ‖ per feature, coloured by superposition Σ_{j≠i} (Ŵᵢ·Wⱼ)²
 *     loss             the loss curve, on a log axis
 *     dimensionality   Dᵢ = ‖Wᵢ‖² / Σⱼ(Ŵᵢ·Wⱼ)² per feature, against the sticky fractions
 *     phase            the n = 2, m = 1 phase diagram from the closed-form losses, with a
 *                      crosshair at the current importance r and density p
 *     phase losses     the three candidates' closed-form losses at (r, p)
 *     sae arrows       the SAE's learned directions beside the true ones (m = 2)
 *     sae cosines      cos(true feature i, learned direction j), with MMCS in the title
 *
 * No DOM and no Node: the page sets these strings as the panels' markup, and the tests can call
 * them directly.
 *
 * @module
 */
import { STICKY_FRACTIONS } from '../analysis/geometry.js';
import { PHASES, type Phase, candidateLosses, logGrid, phaseGrid } from '../analysis/phase.js';
import { arrowDiagram } from '../plot/arrows.js';
import { barChart } from '../plot/bars.js';
import { heatmap } from '../plot/heatmap.js';
import { lineChart, scatterPlot } from '../plot/scatter.js';
import { formatPlotNumber } from '../plot/svg.js';
import type { ExploreReport } from './session.js';
import { RANGES } from './settings.js';

/** The size every panel is drawn at (CSS then scales it to its column). */
const SIZE = { width: 400, height: 320 };

/** Feature labels f0 … f(n−1). */
function featureLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

/** W's columns as arrows when m ≤ 2, else W as a heat map. */
export function weightsView(report: ExploreReport): string {
  const { W } = report;
  const m = W.length;
  const n = W[0]?.length ?? 0;
  if (m <= 2) {
    const arrows = featureLabels(n).map((label, i) => ({ x: W[0][i], y: m === 2 ? W[1][i] : 0, label }));
    return arrowDiagram(arrows, {
      ...SIZE, unitCircle: true, title: m === 2 ? 'W’s columns in the hidden plane' : 'W’s columns on the hidden line (m = 1)',
      xLabel: 'hidden dim 0', yLabel: m === 2 ? 'hidden dim 1' : undefined,
    });
  }
  return heatmap(W, {
    ...SIZE, title: `W: ${m} hidden dims × ${n} features`, rowLabels: W.map((_, r) => `h${r}`), colLabels: featureLabels(n),
    legendLabel: 'weight',
  });
}

/** WᵀW on a symmetric colour scale. */
export function gramView(report: ExploreReport): string {
  const labels = featureLabels(report.gram.length);
  return heatmap(report.gram, { ...SIZE, title: 'WᵀW', rowLabels: labels, colLabels: labels, legendLabel: 'Wᵢ·Wⱼ' });
}

/** Feature norms, coloured by how much each shares its direction. */
export function normsView(report: ExploreReport): string {
  const { norms, interference } = report;
  const most = interference.reduce((high, value) => (Number.isFinite(value) ? Math.max(high, value) : high), 0);
  return barChart(norms.map((value, i) => ({ label: `f${i}`, value })), {
    ...SIZE, title: 'Feature norms ‖Wᵢ‖, coloured by superposition', yLabel: '‖Wᵢ‖',
    colorValues: interference, colorLabel: 'Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)²', colorDomain: [0, Math.max(1, most)],
  });
}

/** The loss curve: `points` are [step, loss]. */
export function lossView(points: [number, number][]): string {
  return lineChart([{ label: 'loss', points }], { ...SIZE, title: 'Loss', xLabel: 'step', yLabel: 'loss (log)', yLog: true });
}

/** Each feature's dimensionality, against the sticky fractions of small polytopes. */
export function dimensionalityView(report: ExploreReport): string {
  const points = report.dimensionality.map((y, x) => ({ x, y }));
  const referenceLines = STICKY_FRACTIONS.filter((sticky) => [1, 0.5, 0.4].includes(Number(sticky.fraction.toFixed(2))))
    .map((sticky) => ({ y: sticky.fraction, label: `${sticky.name} ${formatPlotNumber(sticky.fraction)}` }));
  const perFeature = Number.isFinite(report.dimensionsPerFeature) ? `, m/‖W‖²_F = ${formatPlotNumber(report.dimensionsPerFeature)}` : '';
  return scatterPlot([{ label: 'Dᵢ', points }], {
    ...SIZE, title: `Feature dimensionality Dᵢ${perFeature}`, xLabel: 'feature i', yLabel: 'Dᵢ', referenceLines,
  });
}

/** How the phases are named in the legend (as the `phase` command names them). */
const PHASE_NAMES: Record<Phase, string> = {
  'not-represented': 'x₂ not represented', dedicated: 'x₂ dedicated', superposition: 'superposition',
};

/** The theory's phase diagram: a grid of r × p points coloured by phase; `grid` cells per side. */
export function phaseView(importance: number, density: number, grid = 15): string {
  const importances = logGrid(RANGES.importance.min, RANGES.importance.max, grid);
  const densities = logGrid(RANGES.density.max, RANGES.density.min, grid);
  const cells = phaseGrid(importances, densities);
  const series = PHASES.map((phase) => ({
    label: PHASE_NAMES[phase],
    points: cells.filter((cell) => cell.phase === phase).map((cell) => ({ x: cell.importance, y: cell.density })),
  }));
  series.push({ label: 'now', points: [{ x: importance, y: density }] });
  return scatterPlot(series, {
    ...SIZE, title: '2 → 1 phase diagram (closed-form theory)', xLog: true, yLog: true,
    xLabel: 'relative importance r of x₂', yLabel: 'density p',
    referenceLines: [{ x: importance, label: `r = ${formatPlotNumber(importance)}` }, { y: density, label: `p = ${formatPlotNumber(density)}` }],
  });
}

/** The closed-form losses of the three candidate solutions of the n = 2, m = 1 model at (r, p). */
export function phaseLossesView(importance: number, density: number): string {
  const losses = candidateLosses(importance, density);
  return barChart(PHASES.map((phase) => ({ label: PHASE_NAMES[phase], value: losses[phase] })), {
    ...SIZE, title: `Closed-form losses at r = ${formatPlotNumber(importance)}, p = ${formatPlotNumber(density)}`, yLabel: 'expected loss',
  });
}

/** The SAE's learned directions beside the true feature directions, both scaled to unit length (m = 2 only). */
export function saeArrowsView(report: ExploreReport): string | null {
  const { trueDirections, directions } = report.sae;
  if (report.settings.m !== 2) return null;
  const unit = (row: number[]): [number, number] => {
    const length = Math.hypot(row[0], row[1]);
    return length > 0 ? [row[0] / length, row[1] / length] : [0, 0];
  };
  // Each learned direction is named by the true feature it matches best, as the lesson names latents.
  const { cosines } = report.sae;
  const bestMatch = (j: number): number => cosines.reduce((best, row, i) => (row[j] > cosines[best][j] ? i : best), 0);
  const arrows = [
    ...trueDirections.map((row, i) => ({ x: unit(row)[0], y: unit(row)[1], label: `true f${i}` })),
    ...directions.map((row, j) => ({ x: unit(row)[0], y: unit(row)[1], label: `L${j} ≈ f${bestMatch(j)}` })),
  ];
  return arrowDiagram(arrows, { ...SIZE, title: 'SAE: learned directions and true features', xLabel: 'hidden dim 0', yLabel: 'hidden dim 1' });
}

/** True × learned cosines, with MMCS. */
export function saeCosinesView(report: ExploreReport): string {
  const { cosines, mmcs, recovered } = report.sae;
  return heatmap(cosines, {
    ...SIZE, title: `SAE: true × learned cosines, MMCS ${formatPlotNumber(mmcs)}, ${recovered} of ${cosines.length} found`,
    rowLabels: featureLabels(cosines.length), colLabels: (cosines[0] ?? []).map((_, j) => `L${j}`), domain: [-1, 1], legendLabel: 'cosine',
    xLabel: 'learned latent', yLabel: 'true feature',
  });
}
