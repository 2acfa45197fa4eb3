/**
 * Plots: plain functions from data to self-contained SVG strings, for the lesson's report and
 * for `--out` directories. Nothing here needs a browser or Node: each plot is a string with an
 * `<svg xmlns=… viewBox=… width=… height=…>` root, a `<title>` for screen readers, axes with
 * nice ticks, labels, and a legend wherever colour carries meaning. No scripts, no ids, no
 * external fonts, so many plots can be inlined in one HTML page.
 *
 * Colours are colour-blind safe: Okabe–Ito for categories, blue–white–red for signed values,
 * viridis-like for magnitudes (see {@link OKABE_ITO}, {@link divergingColor}, {@link sequentialColor}).
 *
 * Bad values never reach a coordinate: NaN and ±∞ are skipped (heatmaps colour NaN grey), and
 * on log axes values ≤ 0 are dropped; a small note in the plot's corner counts whatever was not
 * drawn. Options that cannot be honoured (a reversed heatmap domain, colorValues of the wrong
 * length, a malformed graph) throw a `TensorError` naming the plot.
 *
 * ```ts
 * import { heatmap, lineChart } from 'superposition';
 * const svg = heatmap([[1, -0.2], [-0.2, 1]], { title: 'WᵀW', legendLabel: 'dot product' });
 * svg.startsWith('<svg');   // returns true
 * ```
 *
 * @module
 */
export { type PlotOptions, escapeXml, formatPlotNumber } from './svg.js';
export { OKABE_ITO, divergingColor, sequentialColor } from './color.js';
export { niceTicks } from './scale.js';
export { type HeatmapOptions, type HeatmapCategories, heatmap } from './heatmap.js';
export { type Bar, type BarChartOptions, type StackedBarGroup, type StackedSegment, barChart, stackedBarChart } from './bars.js';
export {
  type ScatterSeries, type ScatterPoint, type ScatterPlotOptions, type ReferenceLine, type LineSeries, type LineChartOptions, scatterPlot, lineChart,
} from './scatter.js';
export { type ArrowVector, type ArrowDiagramOptions, arrowDiagram } from './arrows.js';
export { graphDiagram } from './graph.js';
export { type DigitCell, type DigitGridOptions, type PixelMap, digitGrid, pixelMaps, encodePng, pngDataUrl } from './digits.js';
export * from './report.js';
