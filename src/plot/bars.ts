/**
 * Bar charts and stacked bar charts: one band per label along x, bars rising from 0 (or falling,
 * for negative values) on a linear y axis whose domain always includes 0.
 *
 * Stacks follow the diverging convention: within a group, positive segments stack upwards from
 * 0 and negative ones downwards, in the order given, so a group's top is the sum of its positive
 * parts and its bottom the sum of its negative parts. Non-finite values are not drawn (a note
 * says how many); they do not move the axis.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import { OKABE_ITO, categoryColors, sequentialColor } from './color.js';
import {
  type AxisModel, type LegendBox, FONT, TOP_MARGIN, colorBarLegend, cornerNote, drawAxes, layoutAxes, noData, swatchLegend, yPixel,
} from './frame.js';
import { type ContinuousScale, finiteExtent, fixedLinearScale, linearScale } from './scale.js';
import { type PlotOptions, formatPlotNumber, px, svgDocument, textElement, tooltip } from './svg.js';

/** One bar: its label on the x axis and its height. */
export interface Bar {
  /** The bar's label. */
  label: string;
  /** Its value (negative bars hang below 0). */
  value: number;
}

/** Options for {@link barChart}. */
export interface BarChartOptions extends PlotOptions {
  /**
   * One number per bar; bars are then coloured by a sequential (viridis) scale over
   * `colorDomain`, with a colour bar legend. Must have the same length as the bars.
   */
  colorValues?: number[];
  /** The colour bar's heading, e.g. "interference". */
  colorLabel?: string;
  /**
   * The values the colour scale spans, [lo, hi]. Default: 0 to the largest value when all are ≥ 0
   * (so near-equal values get near-equal colours), else the values' own range.
   */
  colorDomain?: [number, number];
}

/** One segment of a stacked bar. */
export interface StackedSegment {
  /** What the segment stands for; segments with the same label share a colour across groups. */
  label: string;
  /** Its height (negative segments stack downwards from 0). */
  value: number;
}

/** One group of a stacked bar chart: a label on the x axis and its segments, bottom to top. */
export interface StackedBarGroup {
  /** The group's label. */
  label: string;
  /** Its segments, stacked in this order. */
  segments: StackedSegment[];
}

/** The colour of bars that carry no colour meaning. */
const BAR_COLOR = OKABE_ITO[4];

/** Fraction of a band a bar fills. */
const BAR_FILL = 0.72;

function notDrawnNote(count: number, what: string): string {
  return `${count} ${what}${count === 1 ? '' : 's'} with a non-finite value not drawn`;
}

/** Draws the y axis, bands and legend for a bar-like chart, returning the pieces to place marks. */
function barFrame(labels: string[], y: ContinuousScale, o: PlotOptions, legend: ((maxHeight: number) => LegendBox) | null) {
  const x: AxisModel = { kind: 'bands', labels };
  const height = o.height ?? 320;
  const legendBox = legend === null ? null : legend(height - TOP_MARGIN - 60);
  const legendWidth = legendBox === null ? 0 : legendBox.width + 14;
  const size = { width: o.width ?? Math.max(420, Math.min(900, 120 + labels.length * 36)) + legendWidth, height };
  const axisLabels = { xLabel: o.xLabel, yLabel: o.yLabel };
  const layout = layoutAxes(size, x, y, axisLabels, legendBox);
  const axes = drawAxes(layout, x, y, axisLabels, { xBaseline: 0 });
  const band = layout.area.width / Math.max(1, labels.length);
  const legendSvg = legendBox !== null && layout.legendAt !== null ? legendBox.draw(layout.legendAt.x, layout.legendAt.y) : [];
  return { layout, axes, band, legendSvg, pixelY: (value: number) => yPixel(y, layout.area, value) };
}

/**
 * A bar chart: one `<rect class="bar">` per bar with a finite value, labels along x, a linear y
 * axis through 0. With `colorValues` the bars are coloured by them (e.g. feature norms coloured
 * by interference) and a colour bar explains the colours; otherwise all bars share one colour.
 *
 * @example
 * ```ts
 * const svg = barChart([{ label: 'f0', value: 1 }, { label: 'f1', value: -0.5 }], { title: 'Norms' });
 * svg.match(/class="bar"/g)?.length;   // returns 2
 * ```
 */
export function barChart(bars: Bar[], o: BarChartOptions): string {
  const colorValues = o.colorValues;
  if (colorValues !== undefined && colorValues.length !== bars.length) {
    fail('barChart', `colorValues has ${colorValues.length} values for ${bars.length} bars; give one per bar`);
  }
  // With values printed on the bars, leave room for them beyond the longest bars.
  const showValues = bars.length <= 16;
  const extent = finiteExtent(bars.map((bar) => bar.value)) ?? [0, 0];
  const room = showValues ? 0.06 * (Math.max(0, extent[1]) - Math.min(0, extent[0])) : 0;
  const y = linearScale(bars.map((bar) => bar.value), { include: [0, extent[1] > 0 ? extent[1] + room : 0, extent[0] < 0 ? extent[0] - room : 0] });
  let colorOf: (i: number) => string = () => BAR_COLOR;
  let legend: ((maxHeight: number) => LegendBox) | null = null;
  if (colorValues !== undefined) {
    const [valuesLo, valuesHi] = finiteExtent(colorValues) ?? [0, 1];
    const [lo, hi] = o.colorDomain ?? (valuesLo >= 0 ? [0, valuesHi] : [valuesLo, valuesHi]);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) {
      fail('barChart', `colorDomain must be two finite numbers [lo, hi] with lo ≤ hi, got [${lo}, ${hi}]`);
    }
    const colorScale = fixedLinearScale(lo, hi > lo ? hi : lo + (lo === 0 ? 1 : Math.abs(lo)));
    const [domainLo, domainHi] = colorScale.domain;
    const sequential = (value: number): string => sequentialColor((value - domainLo) / (domainHi - domainLo));
    colorOf = (i) => (Number.isFinite(colorValues[i]) ? sequential(colorValues[i]) : '#9ca3af');
    legend = (maxHeight) => colorBarLegend(colorScale, sequential, Math.max(60, Math.min(180, maxHeight - 24)), o.colorLabel);
  }
  const { layout, axes, band, legendSvg, pixelY } = barFrame(bars.map((bar) => bar.label), y, o, legend);
  const barWidth = band * BAR_FILL;
  const marks: string[] = ['<g class="bars">'];
  let skipped = 0;
  bars.forEach((bar, i) => {
    if (!Number.isFinite(bar.value)) {
      skipped++;
      return;
    }
    const top = pixelY(Math.max(0, bar.value));
    const bottom = pixelY(Math.min(0, bar.value));
    const left = layout.area.left + i * band + (band - barWidth) / 2;
    const colorPart = colorValues === undefined ? '' : `, ${o.colorLabel ?? 'colour'} ${formatPlotNumber(colorValues[i])}`;
    marks.push(`<rect class="bar" x="${px(left)}" y="${px(top)}" width="${px(barWidth)}" height="${px(Math.max(0, bottom - top))}" ` +
      `fill="${colorOf(i)}">${tooltip(`${bar.label}: ${formatPlotNumber(bar.value)}${colorPart}`)}</rect>`);
    if (showValues && band >= 26) {
      const above = bar.value >= 0;
      marks.push(textElement(left + barWidth / 2, above ? top - 3 : bottom + 3, formatPlotNumber(bar.value), {
        size: FONT.small, anchor: 'middle', baseline: above ? 'auto' : 'hanging', fill: '#374151', className: 'bar-value',
      }));
    }
  });
  marks.push('</g>');
  const body = [...axes, ...marks, ...legendSvg];
  if (bars.length === 0) body.push(noData(layout.area));
  if (skipped > 0) body.push(cornerNote(layout.size, notDrawnNote(skipped, 'bar')));
  return svgDocument(layout.size, o.title, body, `Bar chart of ${bars.length} bars.`);
}

/**
 * A stacked bar chart: one stack per group, one `<rect class="segment">` per segment with a
 * finite value, coloured by segment label (Okabe–Ito, or viridis stops past eight labels) with a
 * legend of the labels in first-seen order.
 *
 * @example
 * ```ts
 * const svg = stackedBarChart([
 *   { label: 'neuron 0', segments: [{ label: 'f0', value: 0.8 }, { label: 'f1', value: 0.2 }] },
 *   { label: 'neuron 1', segments: [{ label: 'f1', value: 1 }] },
 * ], { title: 'Which features each neuron serves' });
 * svg.match(/class="segment"/g)?.length;   // returns 3
 * ```
 */
export function stackedBarChart(groups: StackedBarGroup[], o: PlotOptions): string {
  const categories: string[] = [];
  const seen = new Map<string, number>();
  const sums: number[] = [];
  for (const group of groups) {
    let up = 0;
    let down = 0;
    for (const segment of group.segments) {
      if (!seen.has(segment.label)) {
        seen.set(segment.label, categories.length);
        categories.push(segment.label);
      }
      if (!Number.isFinite(segment.value)) continue;
      if (segment.value >= 0) up += segment.value;
      else down += segment.value;
    }
    sums.push(up, down);
  }
  const colors = categoryColors(categories.length);
  const y = linearScale(sums, { include: [0] });
  const legend = categories.length === 0 ? null
    : (maxHeight: number) => swatchLegend(categories.map((label, i) => ({ label, color: colors[i] })), maxHeight);
  const { layout, axes, band, legendSvg, pixelY } = barFrame(groups.map((group) => group.label), y, o, legend);
  const barWidth = band * BAR_FILL;
  const marks: string[] = ['<g class="stacks">'];
  let skipped = 0;
  groups.forEach((group, i) => {
    const left = layout.area.left + i * band + (band - barWidth) / 2;
    let up = 0;
    let down = 0;
    for (const segment of group.segments) {
      if (!Number.isFinite(segment.value)) {
        skipped++;
        continue;
      }
      const from = segment.value >= 0 ? up : down;
      const to = from + segment.value;
      if (segment.value >= 0) up = to;
      else down = to;
      const top = pixelY(Math.max(from, to));
      const bottom = pixelY(Math.min(from, to));
      const color = colors[seen.get(segment.label) as number];
      marks.push(`<rect class="segment" x="${px(left)}" y="${px(top)}" width="${px(barWidth)}" height="${px(Math.max(0, bottom - top))}" ` +
        `fill="${color}" stroke="#ffffff" stroke-width="0.75">${tooltip(`${group.label}, ${segment.label}: ${formatPlotNumber(segment.value)}`)}</rect>`);
    }
  });
  marks.push('</g>');
  const body = [...axes, ...marks, ...legendSvg];
  if (groups.length === 0) body.push(noData(layout.area));
  if (skipped > 0) body.push(cornerNote(layout.size, notDrawnNote(skipped, 'segment')));
  return svgDocument(layout.size, o.title, body, `Stacked bar chart of ${groups.length} groups over ${categories.length} categories: ${categories.join(', ')}.`);
}
