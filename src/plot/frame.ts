/**
 * The frame shared by the charts: margins sized to the tick labels, the plotting area, axes with
 * ticks, grid lines and labels, and the two kinds of legend (colour swatches for categories, a
 * colour bar for a numeric scale).
 *
 * Layout runs outside-in: the y tick labels fix the left margin, the legend fixes the right
 * margin, which fixes the plotting area's width; that decides whether the x labels must be
 * rotated, which fixes the bottom margin and so the area's height.
 *
 *     ┌──────────────── title ────────────────┐
 *     │ y label │ ticks │ plotting area │ legend │
 *     │         │       │  x ticks, x label      │
 *     └───────────────────────────────────────┘
 *
 * @module
 */
import { type ContinuousScale } from './scale.js';
import { type PlotSize, px, textElement, textWidth, truncateText } from './svg.js';

/** Font sizes, in px, used by every chart. */
export const FONT = { title: 14, label: 12, tick: 11, legend: 11, small: 10 } as const;

/** Axis and grid colours. */
export const INK = { axis: '#4b5563', grid: '#e5e7eb', text: '#1f2937', muted: '#6b7280' } as const;

/** The plotting area inside the margins, in px. */
export interface Area {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** An axis of named bands (bars, heatmap rows or columns); band i is centred at (i + ½) / n. */
export interface BandAxis {
  /** `bands`. */
  kind: 'bands';
  /** One label per band. */
  labels: readonly string[];
}

/** What an axis shows: a continuous scale or named bands. */
export type AxisModel = ContinuousScale | BandAxis;

/** A legend's footprint, measured before the layout places it. */
export interface LegendBox {
  /** Width in px. */
  width: number;
  /** Height in px. */
  height: number;
  /** Draws it with its top-left corner at (x, y). */
  draw(x: number, y: number): string[];
}

/** How the x tick labels are set: straight or rotated 45°, and every how-many-th one. */
interface XLabelPlan {
  rotated: boolean;
  every: number;
  height: number;
}

/** A finished layout: the overall size, the plotting area, and how the x labels are set. */
export interface AxesLayout {
  /** The SVG's size. */
  size: PlotSize;
  /** The plotting area. */
  area: Area;
  /** Where the legend goes (top-left), if there is one. */
  legendAt: { x: number; y: number } | null;
  /** The x label plan. */
  xPlan: XLabelPlan;
  /** Every how-many-th y band label is shown. */
  yEvery: number;
}

/** Room for the title above the plotting area. */
export const TOP_MARGIN = 38;
const TICK_LENGTH = 5;
const TICK_GAP = 3;
const MAX_BAND_LABEL = 110;

/** The tick labels an axis would draw (for measuring). */
function axisLabels(axis: AxisModel): string[] {
  return axis.kind === 'bands'
    ? axis.labels.map((label) => truncateText(label, MAX_BAND_LABEL, FONT.tick))
    : axis.ticks.filter((tick) => !tick.minor).map((tick) => tick.label);
}

function widestLabel(labels: readonly string[], fontSize: number): number {
  return labels.reduce((widest, label) => Math.max(widest, textWidth(label, fontSize)), 0);
}

function planXLabels(axis: AxisModel, areaWidth: number): XLabelPlan {
  const labels = axisLabels(axis);
  const straightHeight = FONT.tick + 2;
  if (axis.kind !== 'bands' || labels.length === 0) return { rotated: false, every: 1, height: straightHeight };
  const band = areaWidth / labels.length;
  const widest = widestLabel(labels, FONT.tick);
  if (widest <= band * 0.9) return { rotated: false, every: 1, height: straightHeight };
  // Rotated labels need only a line height of room along the axis; thin them out if even that is lacking.
  const every = Math.max(1, Math.ceil((FONT.tick * 1.3) / band));
  return { rotated: true, every, height: (widest + FONT.tick) * Math.SQRT1_2 + 2 };
}

/**
 * Plans margins and the plotting area. `size` is the requested size; `legend` (if any) sits to
 * the right of the area. The area is at least 40 px each way, growing the SVG when needed.
 */
export function layoutAxes(
  size: PlotSize,
  x: AxisModel,
  y: AxisModel,
  labels: { xLabel?: string; yLabel?: string },
  legend: LegendBox | null,
): AxesLayout {
  const yLabels = axisLabels(y);
  const yEvery = y.kind === 'bands' ? Math.max(1, Math.ceil(yLabels.length * (FONT.tick + 1) / Math.max(40, size.height - TOP_MARGIN - 60))) : 1;
  const left = 10 + (labels.yLabel ? FONT.label + 8 : 0) + widestLabel(yLabels, FONT.tick) + TICK_LENGTH + TICK_GAP;
  const right = 14 + (legend === null ? 0 : legend.width + 14);
  const width = Math.max(size.width, left + right + 40);
  const areaWidth = width - left - right;
  const xPlan = planXLabels(x, areaWidth);
  const bottom = TICK_LENGTH + TICK_GAP + xPlan.height + (labels.xLabel ? FONT.label + 10 : 0) + 10;
  const height = Math.max(size.height, TOP_MARGIN + bottom + 40, legend === null ? 0 : TOP_MARGIN + legend.height + 10);
  const area = { left, top: TOP_MARGIN, width: areaWidth, height: height - TOP_MARGIN - bottom };
  const legendAt = legend === null ? null : { x: left + areaWidth + 14, y: TOP_MARGIN };
  return { size: { width, height }, area, legendAt, xPlan, yEvery };
}

/** The pixel x of a value (or band index centre) on the x axis. */
export function xPixel(axis: AxisModel, area: Area, value: number): number {
  const fraction = axis.kind === 'bands' ? (value + 0.5) / Math.max(1, axis.labels.length) : axis.fraction(value);
  return area.left + fraction * area.width;
}

/** The pixel y of a value (or band index centre) on the y axis; bands run top to bottom. */
export function yPixel(axis: AxisModel, area: Area, value: number): number {
  if (axis.kind === 'bands') return area.top + ((value + 0.5) / Math.max(1, axis.labels.length)) * area.height;
  return area.top + (1 - axis.fraction(value)) * area.height;
}

/** Options for {@link drawAxes}. */
export interface DrawAxesOptions {
  /** Grid lines at the major ticks of continuous axes. Default true. */
  grid?: boolean;
  /** Draw the x axis line at this y value instead of at the area's bottom (e.g. 0 for bars). */
  xBaseline?: number;
}

/** Draws both axes (ticks, tick labels, axis labels) and the grid, behind the marks. */
export function drawAxes(
  layout: AxesLayout,
  x: AxisModel,
  y: AxisModel,
  labels: { xLabel?: string; yLabel?: string },
  options: DrawAxesOptions = {},
): string[] {
  const { area, xPlan, yEvery } = layout;
  const bottom = area.top + area.height;
  const right = area.left + area.width;
  const grid: string[] = [];
  const axes: string[] = [];
  const showGrid = options.grid ?? true;

  // x axis.
  const xTicks = x.kind === 'bands'
    ? x.labels.map((label, i) => ({ at: xPixel(x, area, i), label: i % xPlan.every === 0 ? truncateText(label, MAX_BAND_LABEL, FONT.tick) : '', minor: false }))
    : x.ticks.map((tick) => ({ at: area.left + tick.fraction * area.width, label: tick.label, minor: tick.minor }));
  for (const tick of xTicks) {
    if (showGrid && x.kind !== 'bands' && !tick.minor) {
      grid.push(`<line class="grid" x1="${px(tick.at)}" y1="${px(area.top)}" x2="${px(tick.at)}" y2="${px(bottom)}" stroke="${INK.grid}"/>`);
    }
    const length = tick.minor ? TICK_LENGTH - 2 : TICK_LENGTH;
    axes.push(`<line class="tick" x1="${px(tick.at)}" y1="${px(bottom)}" x2="${px(tick.at)}" y2="${px(bottom + length)}" stroke="${INK.axis}"/>`);
    if (tick.label === '') continue;
    const labelY = bottom + TICK_LENGTH + TICK_GAP;
    axes.push(xPlan.rotated
      ? textElement(tick.at, labelY + 4, tick.label, { size: FONT.tick, anchor: 'end', rotate: -45, baseline: 'middle', className: 'tick-label', fill: INK.text })
      : textElement(tick.at, labelY, tick.label, { size: FONT.tick, anchor: 'middle', baseline: 'hanging', className: 'tick-label', fill: INK.text }));
  }

  // y axis.
  const yTicks = y.kind === 'bands'
    ? y.labels.map((label, i) => ({ at: yPixel(y, area, i), label: i % yEvery === 0 ? truncateText(label, MAX_BAND_LABEL, FONT.tick) : '', minor: false }))
    : y.ticks.map((tick) => ({ at: bottom - tick.fraction * area.height, label: tick.label, minor: tick.minor }));
  for (const tick of yTicks) {
    if (showGrid && y.kind !== 'bands' && !tick.minor) {
      grid.push(`<line class="grid" x1="${px(area.left)}" y1="${px(tick.at)}" x2="${px(right)}" y2="${px(tick.at)}" stroke="${INK.grid}"/>`);
    }
    const length = tick.minor ? TICK_LENGTH - 2 : TICK_LENGTH;
    axes.push(`<line class="tick" x1="${px(area.left - length)}" y1="${px(tick.at)}" x2="${px(area.left)}" y2="${px(tick.at)}" stroke="${INK.axis}"/>`);
    if (tick.label !== '') {
      axes.push(textElement(area.left - TICK_LENGTH - TICK_GAP, tick.at, tick.label, { size: FONT.tick, anchor: 'end', baseline: 'middle', className: 'tick-label', fill: INK.text }));
    }
  }

  // Axis lines: the x axis at the baseline when it is inside the domain (bars with negatives).
  let baselineY = bottom;
  if (options.xBaseline !== undefined && y.kind !== 'bands') {
    const at = yPixel(y, area, options.xBaseline);
    if (at >= area.top && at <= bottom) baselineY = at;
  }
  axes.push(`<line class="axis-line" x1="${px(area.left)}" y1="${px(bottom)}" x2="${px(right)}" y2="${px(bottom)}" stroke="${INK.axis}"/>`);
  if (baselineY !== bottom) {
    axes.push(`<line class="baseline" x1="${px(area.left)}" y1="${px(baselineY)}" x2="${px(right)}" y2="${px(baselineY)}" stroke="${INK.axis}"/>`);
  }
  axes.push(`<line class="axis-line" x1="${px(area.left)}" y1="${px(area.top)}" x2="${px(area.left)}" y2="${px(bottom)}" stroke="${INK.axis}"/>`);

  // Axis labels.
  if (labels.xLabel) {
    const labelY = bottom + TICK_LENGTH + TICK_GAP + xPlan.height + 6;
    axes.push(textElement(area.left + area.width / 2, labelY, truncateText(labels.xLabel, layout.size.width - 20, FONT.label),
      { size: FONT.label, anchor: 'middle', baseline: 'hanging', className: 'axis-label', fill: INK.text }));
  }
  if (labels.yLabel) {
    const centre = area.top + area.height / 2;
    axes.push(textElement(10 + FONT.label / 2, centre, truncateText(labels.yLabel, Math.max(area.height, 60), FONT.label),
      { size: FONT.label, anchor: 'middle', baseline: 'middle', rotate: -90, className: 'axis-label', fill: INK.text }));
  }
  return [`<g class="grid-lines">`, ...grid, `</g>`, `<g class="axes">`, ...axes, `</g>`];
}

/** One entry of a swatch legend. */
export interface LegendEntry {
  /** The category's name. */
  label: string;
  /** Its colour. */
  color: string;
  /** How the swatch is drawn: a square (areas), a line (series), or a dot (points). */
  shape?: 'square' | 'line' | 'dot';
  /** Extra swatch attributes, e.g. a dash pattern. */
  extra?: string;
}

const LEGEND_ROW = 17;
const LEGEND_MAX_LABEL = 140;

/**
 * A legend of colour swatches, in as many columns as `maxHeight` requires. An optional heading
 * (e.g. what the colours mean) goes on top.
 */
export function swatchLegend(entries: readonly LegendEntry[], maxHeight: number, heading?: string): LegendBox {
  const headingHeight = heading ? LEGEND_ROW + 2 : 0;
  const rows = Math.max(1, Math.min(entries.length, Math.floor((maxHeight - headingHeight) / LEGEND_ROW)));
  const columns = Math.max(1, Math.ceil(entries.length / rows));
  const labels = entries.map((entry) => truncateText(entry.label, LEGEND_MAX_LABEL, FONT.legend));
  const columnWidth = 22 + widestLabel(labels, FONT.legend) + 10;
  const width = Math.max(columns * columnWidth - 10, heading ? textWidth(heading, FONT.legend) : 0);
  const height = headingHeight + Math.min(rows, entries.length) * LEGEND_ROW;
  return {
    width,
    height,
    draw(x, y) {
      const out = [`<g class="legend">`];
      if (heading) out.push(textElement(x, y + 6, heading, { size: FONT.legend, baseline: 'middle', weight: 600, fill: INK.text, className: 'legend-heading' }));
      entries.forEach((entry, i) => {
        const column = Math.floor(i / rows);
        const left = x + column * columnWidth;
        const middle = y + headingHeight + (i % rows) * LEGEND_ROW + 6;
        out.push(drawSwatch(entry, left, middle));
        out.push(textElement(left + 22, middle, labels[i], { size: FONT.legend, baseline: 'middle', fill: INK.text, className: 'legend-label' }));
      });
      out.push('</g>');
      return out;
    },
  };
}

/** One swatch of a legend, drawn with its left edge at x and centred on y. */
function drawSwatch(entry: LegendEntry, left: number, middle: number): string {
  const extra = entry.extra ? ` ${entry.extra}` : '';
  if (entry.shape === 'line') {
    return `<line class="legend-swatch" x1="${px(left)}" y1="${px(middle)}" x2="${px(left + 16)}" y2="${px(middle)}" stroke="${entry.color}" stroke-width="2.5"${extra}/>`;
  }
  if (entry.shape === 'dot') return `<circle class="legend-swatch" cx="${px(left + 8)}" cy="${px(middle)}" r="4.5" fill="${entry.color}"${extra}/>`;
  return `<rect class="legend-swatch" x="${px(left + 2)}" y="${px(middle - 6)}" width="12" height="12" fill="${entry.color}" stroke="#6b7280" stroke-width="0.5"${extra}/>`;
}

/** A one-line legend, entries side by side (for a legend above a diagram rather than beside it). */
export function rowLegend(entries: readonly LegendEntry[]): LegendBox {
  const widths = entries.map((entry) => 22 + textWidth(entry.label, FONT.legend));
  const width = widths.reduce((sum, w) => sum + w, 0) + Math.max(0, entries.length - 1) * 16;
  return {
    width,
    height: LEGEND_ROW,
    draw(x, y) {
      const out = ['<g class="legend">'];
      let left = x;
      entries.forEach((entry, i) => {
        out.push(drawSwatch(entry, left, y + 6));
        out.push(textElement(left + 22, y + 6, entry.label, { size: FONT.legend, baseline: 'middle', fill: INK.text, className: 'legend-label' }));
        left += widths[i] + 16;
      });
      out.push('</g>');
      return out;
    },
  };
}

/**
 * A vertical colour bar for a numeric scale: `steps` bands of colour (rects rather than a
 * gradient, which would need an id), the scale's ticks beside it, and a heading.
 */
export function colorBarLegend(scale: ContinuousScale, colorOf: (value: number) => string, barHeight: number, heading?: string): LegendBox {
  const steps = 48;
  const barWidth = 14;
  const labels = scale.ticks.filter((tick) => !tick.minor);
  const labelWidth = widestLabel(labels.map((tick) => tick.label), FONT.legend);
  const headingText = heading ? truncateText(heading, 160, FONT.legend) : '';
  const headingHeight = heading ? LEGEND_ROW + 4 : 0;
  const height = headingHeight + barHeight;
  const width = Math.max(barWidth + 6 + labelWidth, textWidth(headingText, FONT.legend));
  const [lo, hi] = scale.domain;
  return {
    width,
    height,
    draw(x, y) {
      const out = [`<g class="legend color-bar">`];
      if (heading) out.push(textElement(x, y + 6, headingText, { size: FONT.legend, baseline: 'middle', weight: 600, fill: INK.text, className: 'legend-heading' }));
      const top = y + headingHeight;
      for (let i = 0; i < steps; i++) {
        // Band i covers fractions [i/steps, (i+1)/steps] from the bottom; colour it by its middle.
        const fraction = (i + 0.5) / steps;
        const value = scale.kind === 'log' ? 10 ** (Math.log10(lo) + fraction * (Math.log10(hi) - Math.log10(lo))) : lo + fraction * (hi - lo);
        const bandTop = top + barHeight * (1 - (i + 1) / steps);
        out.push(`<rect class="legend-swatch" x="${px(x)}" y="${px(bandTop)}" width="${barWidth}" height="${px(barHeight / steps + 0.5)}" fill="${colorOf(value)}"/>`);
      }
      out.push(`<rect x="${px(x)}" y="${px(top)}" width="${barWidth}" height="${px(barHeight)}" fill="none" stroke="#6b7280" stroke-width="0.5"/>`);
      for (const tick of labels) {
        const at = top + (1 - tick.fraction) * barHeight;
        out.push(`<line class="tick" x1="${px(x + barWidth)}" y1="${px(at)}" x2="${px(x + barWidth + 3)}" y2="${px(at)}" stroke="${INK.axis}"/>`);
        out.push(textElement(x + barWidth + 5, at, tick.label, { size: FONT.legend, baseline: 'middle', fill: INK.text, className: 'tick-label' }));
      }
      out.push('</g>');
      return out;
    },
  };
}

/** A small grey note in the bottom-right corner, e.g. how many values could not be drawn. */
export function cornerNote(size: PlotSize, text: string): string {
  return textElement(size.width - 6, size.height - 5, text, { size: FONT.small, anchor: 'end', fill: INK.muted, className: 'plot-note' });
}

/** The "no data" placeholder in the middle of an empty plot. */
export function noData(area: Area): string {
  return textElement(area.left + area.width / 2, area.top + area.height / 2, 'no data', {
    size: FONT.label, anchor: 'middle', baseline: 'middle', fill: INK.muted, className: 'plot-note',
  });
}
