/**
 * Scatter plots and line charts on continuous axes, linear or base-10 log.
 *
 * Values a plot cannot place are dropped, never drawn at a made-up position: non-finite
 * coordinates, and on a log axis any value ≤ 0 (log₁₀ v is undefined there). A grey note in the
 * corner says how many were dropped and why, so a missing point is never silent. A line chart
 * breaks its line at a dropped point rather than joining across the gap.
 *
 * Series are coloured from the Okabe–Ito palette in order, with a legend when there are two or
 * more. Reference lines (e.g. the "sticky" fractions 1, 3/4, 2/3 … of the feature-geometry plot)
 * are dashed grey, labelled inside the plot's right (or top) edge, and always within the axes.
 *
 * @module
 */
import { categoryColors } from './color.js';
import { type Area, type LegendBox, type LegendEntry, FONT, INK, TOP_MARGIN, cornerNote, drawAxes, layoutAxes, noData, swatchLegend } from './frame.js';
import { type ContinuousScale, linearScale, logScale } from './scale.js';
import { type PlotOptions, type PlotSize, formatPlotNumber, px, svgDocument, textElement, tooltip } from './svg.js';

/** One point of a scatter plot. */
export interface ScatterPoint {
  /** Its x value. */
  x: number;
  /** Its y value. */
  y: number;
}

/** One series of a scatter plot. */
export interface ScatterSeries {
  /** The series' name, shown in the legend. */
  label: string;
  /** Its points. */
  points: ScatterPoint[];
}

/** A horizontal (`y`) and/or vertical (`x`) reference line with a label. */
export interface ReferenceLine {
  /** Draw a horizontal line at this y. */
  y?: number;
  /** Draw a vertical line at this x. */
  x?: number;
  /** The line's label. */
  label: string;
}

/** Options for {@link scatterPlot}. */
export interface ScatterPlotOptions extends PlotOptions {
  /** A base-10 log x axis; points with x ≤ 0 are dropped (and counted in a note). */
  xLog?: boolean;
  /** A base-10 log y axis; points with y ≤ 0 are dropped (and counted in a note). */
  yLog?: boolean;
  /** Dashed reference lines; the axes always extend to include them. */
  referenceLines?: ReferenceLine[];
}

/** One series of a line chart: [x, y] pairs, drawn in the order given. */
export interface LineSeries {
  /** The series' name, shown in the legend. */
  label: string;
  /** Its points as [x, y]. */
  points: [number, number][];
}

/** Options for {@link lineChart}. */
export interface LineChartOptions extends PlotOptions {
  /** A base-10 log y axis (e.g. a loss curve); points with y ≤ 0 are dropped (and counted in a note). */
  yLog?: boolean;
}

/** Counts of values dropped, for the corner note. */
interface Dropped {
  nonFinite: number;
  nonPositiveX: number;
  nonPositiveY: number;
}

function placeable(value: number, log: boolean): boolean {
  return Number.isFinite(value) && (!log || value > 0);
}

function scaleFor(values: number[], log: boolean, include: number[]): ContinuousScale {
  return log ? logScale(values, { include }) : linearScale(values, { include });
}

/** Sorts out which points can be placed and counts the rest by reason. */
function classify(x: number, y: number, xLog: boolean, yLog: boolean, dropped: Dropped): boolean {
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    dropped.nonFinite++;
    return false;
  }
  if (xLog && x <= 0) {
    dropped.nonPositiveX++;
    return false;
  }
  if (yLog && y <= 0) {
    dropped.nonPositiveY++;
    return false;
  }
  return true;
}

function droppedNote(dropped: Dropped, what: string): string | null {
  const parts: string[] = [];
  if (dropped.nonFinite > 0) parts.push(`${dropped.nonFinite} non-finite`);
  if (dropped.nonPositiveX > 0) parts.push(`${dropped.nonPositiveX} with x ≤ 0 on the log x axis`);
  if (dropped.nonPositiveY > 0) parts.push(`${dropped.nonPositiveY} with y ≤ 0 on the log y axis`);
  return parts.length === 0 ? null : `${what} not drawn: ${parts.join('; ')}`;
}

/** The common frame: size, both scales, axes and an optional legend. */
function continuousFrame(o: PlotOptions, x: ContinuousScale, y: ContinuousScale, entries: LegendEntry[]) {
  const size: PlotSize = { width: o.width ?? 560, height: o.height ?? 360 };
  const legend: LegendBox | null = entries.length >= 2 ? swatchLegend(entries, size.height - TOP_MARGIN - 60) : null;
  const labels = { xLabel: o.xLabel, yLabel: o.yLabel };
  const layout = layoutAxes(size, x, y, labels, legend);
  const { area } = layout;
  const at = (xValue: number, yValue: number): [number, number] =>
    [area.left + x.fraction(xValue) * area.width, area.top + (1 - y.fraction(yValue)) * area.height];
  const legendSvg = legend !== null && layout.legendAt !== null ? legend.draw(layout.legendAt.x, layout.legendAt.y) : [];
  return { layout, at, axes: drawAxes(layout, x, y, labels), legendSvg };
}

/**
 * Spreads labels' positions apart so that neighbours are at least `gap` px apart, keeping their
 * order and staying within [low, high]: a forward pass pushes down, a backward pass pushes up.
 */
function spreadLabels(positions: number[], gap: number, low: number, high: number): number[] {
  const order = positions.map((_, i) => i).sort((a, b) => positions[a] - positions[b]);
  const placed = positions.slice();
  for (let k = 1; k < order.length; k++) placed[order[k]] = Math.max(placed[order[k]], placed[order[k - 1]] + gap);
  if (order.length > 0) placed[order[order.length - 1]] = Math.min(placed[order[order.length - 1]], high);
  for (let k = order.length - 2; k >= 0; k--) placed[order[k]] = Math.min(placed[order[k]], placed[order[k + 1]] - gap);
  for (const index of order) placed[index] = Math.max(low, placed[index]);
  return placed;
}

function drawReferenceLines(lines: ReferenceLine[], x: ContinuousScale, y: ContinuousScale, area: Area, xLog: boolean, yLog: boolean): string[] {
  const out: string[] = ['<g class="reference-lines">'];
  const right = area.left + area.width;
  const bottom = area.top + area.height;
  const horizontal = lines.filter((line) => line.y !== undefined && placeable(line.y, yLog));
  const vertical = lines.filter((line) => line.x !== undefined && placeable(line.x, xLog));
  const dash = `stroke="${INK.muted}" stroke-width="1" stroke-dasharray="5 3"`;
  const horizontalAt = horizontal.map((line) => area.top + (1 - y.fraction(line.y as number)) * area.height);
  // Labels sit just above their line; spread them so close lines (2/5 and 3/8) stay legible.
  const labelAt = spreadLabels(horizontalAt.map((at) => at - 4), FONT.small + 1, area.top + FONT.small, bottom - 2);
  horizontal.forEach((line, i) => {
    out.push(`<line class="reference-line" x1="${px(area.left)}" y1="${px(horizontalAt[i])}" x2="${px(right)}" y2="${px(horizontalAt[i])}" ${dash}>` +
      `${tooltip(`${line.label}: y = ${formatPlotNumber(line.y as number)}`)}</line>`);
    out.push(textElement(right - 4, labelAt[i], line.label, { size: FONT.small, anchor: 'end', fill: '#374151', className: 'reference-label', halo: true }));
  });
  const verticalAt = vertical.map((line) => area.left + x.fraction(line.x as number) * area.width);
  const verticalLabelAt = spreadLabels(verticalAt.map((at) => at + 4), FONT.small + 1, area.left, right - FONT.small);
  vertical.forEach((line, i) => {
    out.push(`<line class="reference-line" x1="${px(verticalAt[i])}" y1="${px(area.top)}" x2="${px(verticalAt[i])}" y2="${px(bottom)}" ${dash}>` +
      `${tooltip(`${line.label}: x = ${formatPlotNumber(line.x as number)}`)}</line>`);
    // Rotated to run down the line, so neighbouring vertical lines do not collide.
    out.push(textElement(verticalLabelAt[i], area.top + 4, line.label, { size: FONT.small, rotate: 90, fill: '#374151', className: 'reference-label', halo: true }));
  });
  out.push('</g>');
  return out;
}

/**
 * A scatter plot: one `<circle class="point">` per placeable point, coloured by series, with
 * optional log axes and dashed reference lines. Points that cannot be placed (non-finite, or ≤ 0
 * on a log axis) are dropped and counted in a corner note.
 *
 * @example
 * ```ts
 * const svg = scatterPlot([{ label: 'features', points: [{ x: 1, y: 1 }, { x: 10, y: 0.5 }] }],
 *   { title: 'Dimensions per feature', xLog: true, referenceLines: [{ y: 0.5, label: '1/2' }] });
 * svg.match(/class="point"/g)?.length;   // returns 2
 * ```
 */
export function scatterPlot(series: ScatterSeries[], o: ScatterPlotOptions): string {
  const xLog = o.xLog ?? false;
  const yLog = o.yLog ?? false;
  const references = o.referenceLines ?? [];
  const dropped: Dropped = { nonFinite: 0, nonPositiveX: 0, nonPositiveY: 0 };
  const kept = series.map((one) => one.points.filter((point) => classify(point.x, point.y, xLog, yLog, dropped)));
  const xs = kept.flatMap((points) => points.map((point) => point.x));
  const ys = kept.flatMap((points) => points.map((point) => point.y));
  const refX = references.flatMap((line) => (line.x !== undefined && placeable(line.x, xLog) ? [line.x] : []));
  const refY = references.flatMap((line) => (line.y !== undefined && placeable(line.y, yLog) ? [line.y] : []));
  const x = scaleFor(xs, xLog, refX);
  const y = scaleFor(ys, yLog, refY);
  const colors = categoryColors(series.length);
  const entries = series.map((one, i) => ({ label: one.label, color: colors[i], shape: 'dot' as const }));
  const { layout, at, axes, legendSvg } = continuousFrame(o, x, y, entries);
  const withTooltips = xs.length <= 3000;
  const marks: string[] = [];
  kept.forEach((points, s) => {
    marks.push(`<g class="series" fill="${colors[s]}">`);
    for (const point of points) {
      const [cx, cy] = at(point.x, point.y);
      const tip = withTooltips ? tooltip(`${series[s].label}: (${formatPlotNumber(point.x)}, ${formatPlotNumber(point.y)})`) : '';
      marks.push(`<circle class="point" cx="${px(cx)}" cy="${px(cy)}" r="3.5" fill-opacity="0.85" stroke="#ffffff" stroke-width="0.6">${tip}</circle>`);
    }
    marks.push('</g>');
  });
  const body = [...axes, ...drawReferenceLines(references, x, y, layout.area, xLog, yLog), ...marks, ...legendSvg];
  if (xs.length === 0) body.push(noData(layout.area));
  const note = droppedNote(dropped, `${dropped.nonFinite + dropped.nonPositiveX + dropped.nonPositiveY} point(s)`);
  if (note !== null) body.push(cornerNote(layout.size, note));
  return svgDocument(layout.size, o.title, body,
    `Scatter plot of ${xs.length} points in ${series.length} series${xLog || yLog ? ' (log axes: ' + [xLog ? 'x' : '', yLog ? 'y' : ''].filter(Boolean).join(', ') + ')' : ''}.`);
}

/**
 * A line chart: one `<path class="series-line">` per series with at least one placeable point,
 * broken where a point is dropped (non-finite, or y ≤ 0 with `yLog`). A point with no neighbour
 * to join is drawn as a dot (`class="series-point"`) so it does not vanish.
 *
 * @example
 * ```ts
 * const svg = lineChart([{ label: 'loss', points: [[0, 1], [100, 0.1], [200, 0.01]] }],
 *   { title: 'Training loss', xLabel: 'step', yLabel: 'loss', yLog: true });
 * svg.match(/class="series-line"/g)?.length;   // returns 1
 * ```
 */
export function lineChart(series: LineSeries[], o: LineChartOptions): string {
  const yLog = o.yLog ?? false;
  const dropped: Dropped = { nonFinite: 0, nonPositiveX: 0, nonPositiveY: 0 };
  // Per series, the runs of consecutive placeable points.
  const runs = series.map((one) => {
    const out: [number, number][][] = [];
    let current: [number, number][] = [];
    for (const [xValue, yValue] of one.points) {
      if (classify(xValue, yValue, false, yLog, dropped)) {
        current.push([xValue, yValue]);
      } else if (current.length > 0) {
        out.push(current);
        current = [];
      }
    }
    if (current.length > 0) out.push(current);
    return out;
  });
  const all = runs.flat(2);
  const x = linearScale(all.map((point) => point[0]));
  const y = scaleFor(all.map((point) => point[1]), yLog, []);
  const colors = categoryColors(series.length);
  const entries = series.map((one, i) => ({ label: one.label, color: colors[i], shape: 'line' as const }));
  const { layout, at, axes, legendSvg } = continuousFrame(o, x, y, entries);
  const marks: string[] = [];
  runs.forEach((seriesRuns, s) => {
    if (seriesRuns.length === 0) return;
    const d = seriesRuns.map((run) => run.map(([xValue, yValue], k) => {
      const [px_, py] = at(xValue, yValue);
      return `${k === 0 ? 'M' : 'L'}${px(px_)} ${px(py)}`;
    }).join('')).join('');
    marks.push(`<path class="series-line" d="${d}" fill="none" stroke="${colors[s]}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round">` +
      `${tooltip(series[s].label)}</path>`);
    for (const run of seriesRuns) {
      if (run.length !== 1) continue;
      const [cx, cy] = at(run[0][0], run[0][1]);
      marks.push(`<circle class="series-point" cx="${px(cx)}" cy="${px(cy)}" r="3" fill="${colors[s]}">` +
        `${tooltip(`${series[s].label}: (${formatPlotNumber(run[0][0])}, ${formatPlotNumber(run[0][1])})`)}</circle>`);
    }
  });
  const body = [...axes, '<g class="lines">', ...marks, '</g>', ...legendSvg];
  if (all.length === 0) body.push(noData(layout.area));
  const note = droppedNote(dropped, `${dropped.nonFinite + dropped.nonPositiveY} point(s)`);
  if (note !== null) body.push(cornerNote(layout.size, note));
  return svgDocument(layout.size, o.title, body, `Line chart of ${series.length} series${yLog ? ' on a log y axis' : ''}.`);
}
