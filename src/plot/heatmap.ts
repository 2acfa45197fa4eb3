/**
 * Heatmaps: a matrix [rows, cols] drawn as a grid of coloured cells, row 0 at the top.
 *
 * Numeric cells are coloured by {@link valueColorScale} over a domain [lo, hi]: by default the
 * symmetric ±max|v| over the finite values, so 0 is white, negatives blue and positives red (a
 * signed matrix such as WᵀW reads at a glance). A domain with lo ≥ 0 gets the sequential
 * (viridis) scale instead. Values outside the domain, ±∞ included, take the end colours; NaN
 * cells are grey and counted in a note. Categorical cells hold a category index and are coloured
 * from a palette, with a legend naming each category.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import { MISSING_COLOR, categoryColors, textColorOn, valueColorScale } from './color.js';
import {
  type AxisModel, type LegendBox, FONT, TOP_MARGIN, colorBarLegend, cornerNote, drawAxes, layoutAxes, noData, swatchLegend,
} from './frame.js';
import { fixedLinearScale } from './scale.js';
import { type PlotOptions, formatPlotNumber, px, svgDocument, textElement, tooltip } from './svg.js';

/** Categories for a categorical heatmap: cell value k means `labels[k]`. */
export interface HeatmapCategories {
  /** One name per category index. */
  labels: string[];
  /** One colour per category (default: Okabe–Ito, or viridis stops past eight). */
  colors?: string[];
}

/** Options for {@link heatmap}. */
export interface HeatmapOptions extends PlotOptions {
  /** One label per row (default the row index). */
  rowLabels?: string[];
  /** One label per column (default the column index). */
  colLabels?: string[];
  /** The value range the colours span. Default symmetric ±max|v|; lo ≥ 0 gives a sequential scale. */
  domain?: [number, number];
  /** The heading of the colour legend, e.g. "cosine". */
  legendLabel?: string;
  /** Treat values as category indices into these labels (e.g. a phase diagram's phases). */
  categorical?: HeatmapCategories;
}

/** The default colour domain: ±max|v| over the finite values, or ±1 when all are 0 or missing. */
function symmetricDomain(values: readonly (readonly number[])[]): [number, number] {
  let reach = 0;
  for (const row of values) for (const value of row) if (Number.isFinite(value)) reach = Math.max(reach, Math.abs(value));
  return reach > 0 ? [-reach, reach] : [-1, 1];
}

/**
 * A heatmap of `values` (rows of numbers; ragged rows are padded with missing cells). Each cell
 * is one `<rect class="cell">` with a tooltip; small matrices also print each value in its cell.
 * The legend is a colour bar, or for `categorical` a swatch per label.
 *
 * @example
 * ```ts
 * const svg = heatmap([[1, -0.5], [-0.5, 1]], { title: 'WᵀW', legendLabel: 'dot product' });
 * svg.match(/class="cell"/g)?.length;   // returns 4
 * ```
 */
export function heatmap(values: number[][], o: HeatmapOptions): string {
  const rows = values.length;
  const cols = values.reduce((widest, row) => Math.max(widest, row.length), 0);
  const categorical = o.categorical;
  let colorOf: (value: number) => string;
  let legend: (maxHeight: number) => LegendBox;
  let domain: [number, number] = [0, 1];
  if (categorical !== undefined) {
    const palette = categorical.colors ?? categoryColors(categorical.labels.length);
    if (palette.length < categorical.labels.length) {
      fail('heatmap', `categorical.colors has ${palette.length} colours for ${categorical.labels.length} labels`);
    }
    colorOf = (value) => (Number.isInteger(value) && value >= 0 && value < categorical.labels.length ? palette[value] : MISSING_COLOR);
    legend = (maxHeight) => swatchLegend(categorical.labels.map((label, i) => ({ label, color: palette[i] })), maxHeight, o.legendLabel);
  } else {
    if (o.domain !== undefined) {
      const [lo, hi] = o.domain;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
        fail('heatmap', `domain must be two finite numbers with lo < hi, got [${o.domain.join(', ')}]`);
      }
    }
    domain = o.domain ?? symmetricDomain(values);
    const scale = valueColorScale(domain);
    colorOf = (value) => (Number.isNaN(value) ? MISSING_COLOR : scale(value));
    legend = (maxHeight) => colorBarLegend(fixedLinearScale(domain[0], domain[1]), scale, Math.max(60, Math.min(200, maxHeight - 24)), o.legendLabel);
  }

  const x: AxisModel = { kind: 'bands', labels: Array.from({ length: cols }, (_, c) => o.colLabels?.[c] ?? String(c)) };
  const y: AxisModel = { kind: 'bands', labels: Array.from({ length: rows }, (_, r) => o.rowLabels?.[r] ?? String(r)) };
  const labels = { xLabel: o.xLabel, yLabel: o.yLabel };

  // Square cells unless the caller fixes the size: lay out once to learn the margins, then size
  // the SVG so the grid gets cells of `cell` px.
  const explicit = o.width !== undefined || o.height !== undefined;
  const cell = Math.max(8, Math.min(40, Math.floor(Math.min(360 / Math.max(1, cols), 300 / Math.max(1, rows)))));
  const requested = { width: o.width ?? 520, height: o.height ?? 380 };
  let legendBox = legend(requested.height - TOP_MARGIN - 50);
  let layout = layoutAxes(requested, x, y, labels, legendBox);
  if (!explicit && rows > 0 && cols > 0) {
    const marginX = layout.size.width - layout.area.width;
    const marginY = layout.size.height - layout.area.height;
    legendBox = legend(Math.max(rows * cell + 30, 90));
    layout = layoutAxes({ width: marginX + cols * cell, height: marginY + rows * cell }, x, y, labels, legendBox);
  }
  const { area } = layout;
  const cellWidth = area.width / Math.max(1, cols);
  const cellHeight = area.height / Math.max(1, rows);
  const annotate = categorical === undefined && rows * cols <= 144 && cellWidth >= 28 && cellHeight >= 16;
  const withTooltips = rows * cols <= 4096;
  const gap = Math.min(cellWidth, cellHeight) >= 6 ? 0.5 : 0;

  const cells: string[] = ['<g class="cells">'];
  let missing = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = c < values[r].length ? values[r][c] : NaN;
      const fill = colorOf(value);
      if (fill === MISSING_COLOR) missing++;
      const left = area.left + c * cellWidth;
      const top = area.top + r * cellHeight;
      const shown = categorical !== undefined && fill !== MISSING_COLOR ? categorical.labels[value] : formatPlotNumber(value);
      const tip = withTooltips ? tooltip(`${y.labels[r]}, ${x.labels[c]}: ${shown}`) : '';
      cells.push(`<rect class="cell" x="${px(left)}" y="${px(top)}" width="${px(cellWidth)}" height="${px(cellHeight)}" ` +
        `fill="${fill}"${gap > 0 ? ` stroke="#ffffff" stroke-width="${gap}"` : ''}>${tip}</rect>`);
      const printed = formatPlotNumber(value, 2);
      // The value in the cell, in the largest font (up to the tick size) that fits its width.
      const size = Math.min(FONT.tick, Math.floor(cellHeight * 0.6), Math.floor((cellWidth - 4) / (0.6 * printed.length)));
      if (annotate && Number.isFinite(value) && size >= 7) {
        cells.push(textElement(left + cellWidth / 2, top + cellHeight / 2, printed, {
          size, anchor: 'middle', baseline: 'middle', fill: textColorOn(fill), className: 'cell-value',
        }));
      }
    }
  }
  cells.push('</g>');

  const body = [...drawAxes(layout, x, y, labels, { grid: false }), ...cells];
  if (layout.legendAt !== null) body.push(...legendBox.draw(layout.legendAt.x, layout.legendAt.y));
  if (rows === 0 || cols === 0) body.push(noData(area));
  if (missing > 0) {
    body.push(cornerNote(layout.size, categorical === undefined ? `${missing} missing cell${missing === 1 ? '' : 's'} (not a number) in grey` : `${missing} cell${missing === 1 ? '' : 's'} with no category in grey`));
  }
  const description = categorical === undefined
    ? `Heatmap of ${rows} × ${cols} values; colours span ${formatPlotNumber(domain[0])} to ${formatPlotNumber(domain[1])}.`
    : `Heatmap of ${rows} × ${cols} cells in ${categorical.labels.length} categories: ${categorical.labels.join(', ')}.`;
  return svgDocument(layout.size, o.title, body, description);
}
