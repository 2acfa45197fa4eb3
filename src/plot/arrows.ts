/**
 * 2-D arrow diagrams: one arrow from the origin per vector, on equal axes, so angles and lengths
 * read true. This is the picture of superposition: with n = 5 features in m = 2 dimensions the
 * columns of W spread into a regular pentagon (angles of 2π/5 between neighbours) once features
 * are sparse enough.
 *
 * Both axes share one symmetric domain [−R, R], where R is the longest arrow rounded out to a
 * nice number (with room for the labels), and the plotting area is square. Arrows are coloured in
 * order (Okabe–Ito, or viridis stops past eight), labelled at their tips when long enough to
 * carry a label, and listed in a legend. Non-finite vectors are dropped and counted in a note.
 *
 * @module
 */
import { categoryColors } from './color.js';
import { FONT, INK, TOP_MARGIN, cornerNote, drawAxes, layoutAxes, noData, swatchLegend } from './frame.js';
import { linearScale } from './scale.js';
import { type PlotOptions, formatPlotNumber, px, svgDocument, textElement, tooltip } from './svg.js';

/** One vector of an arrow diagram. */
export interface ArrowVector {
  /** Its x component. */
  x: number;
  /** Its y component. */
  y: number;
  /** Its name, drawn at the tip and in the legend. */
  label: string;
}

/** Options for {@link arrowDiagram}. */
export interface ArrowDiagramOptions extends PlotOptions {
  /** Draw the unit circle (dashed), e.g. to show which features have norm ≈ 1. Default false. */
  unitCircle?: boolean;
}

/** Arrowhead length and half-width in px. */
const HEAD_LENGTH = 9;
const HEAD_HALF_WIDTH = 4;

/**
 * Arrows from the origin, one `<line class="arrow">` per finite vector (plus a triangular
 * `<polygon class="arrowhead">` when the arrow is long enough to carry one), on square, equal
 * axes. Arrowheads are polygons rather than `<marker>`s, which would need document-wide ids.
 *
 * @example
 * ```ts
 * const pentagon = [0, 1, 2, 3, 4].map((i) => ({
 *   x: Math.cos((2 * Math.PI * i) / 5), y: Math.sin((2 * Math.PI * i) / 5), label: `f${i}`,
 * }));
 * arrowDiagram(pentagon, { title: 'W columns' }).match(/class="arrow"/g)?.length;   // returns 5
 * ```
 */
export function arrowDiagram(vectors: ArrowVector[], o: ArrowDiagramOptions): string {
  const finite = vectors.filter((vector) => Number.isFinite(vector.x) && Number.isFinite(vector.y));
  const dropped = vectors.length - finite.length;
  const longest = finite.reduce((reach, vector) => Math.max(reach, Math.hypot(vector.x, vector.y)), 0);
  const reach = longest > 0 ? longest : 1;
  // 15 % headroom so tip labels stay inside; the unit circle must fit when asked for.
  const scale = linearScale([-reach * 1.15, reach * 1.15, ...(o.unitCircle ? [-1.05, 1.05] : [])], { symmetric: true });
  const colors = categoryColors(vectors.length);
  const colorOf = new Map(vectors.map((vector, i) => [vector, colors[i]]));
  const size = { width: o.width ?? 480, height: o.height ?? 420 };
  const legend = finite.length >= 2
    ? swatchLegend(finite.map((vector) => ({ label: vector.label, color: colorOf.get(vector) as string, shape: 'line' as const })), size.height - TOP_MARGIN - 60)
    : null;
  const labels = { xLabel: o.xLabel, yLabel: o.yLabel };
  const layout = layoutAxes(size, scale, scale, labels, legend);
  // Equal axes: shrink the longer side of the area to a square, keeping it centred.
  const { area } = layout;
  const side = Math.min(area.width, area.height);
  area.left += (area.width - side) / 2;
  area.top += (area.height - side) / 2;
  area.width = side;
  area.height = side;
  if (layout.legendAt !== null) layout.legendAt.x = area.left + side + 14;

  const toPixel = (x: number, y: number): [number, number] =>
    [area.left + scale.fraction(x) * side, area.top + (1 - scale.fraction(y)) * side];
  const [originX, originY] = toPixel(0, 0);
  const body = drawAxes(layout, scale, scale, labels);
  body.push('<g class="origin-axes">',
    `<line x1="${px(area.left)}" y1="${px(originY)}" x2="${px(area.left + side)}" y2="${px(originY)}" stroke="#9ca3af"/>`,
    `<line x1="${px(originX)}" y1="${px(area.top)}" x2="${px(originX)}" y2="${px(area.top + side)}" stroke="#9ca3af"/>`,
    '</g>');
  if (o.unitCircle) {
    const radius = (scale.fraction(1) - scale.fraction(0)) * side;
    body.push(`<circle class="unit-circle" cx="${px(originX)}" cy="${px(originY)}" r="${px(radius)}" fill="none" stroke="${INK.muted}" stroke-dasharray="4 3"/>`);
  }
  const arrows: string[] = ['<g class="arrows">'];
  const tips: string[] = [];
  for (const vector of finite) {
    const color = colorOf.get(vector) as string;
    const [tipX, tipY] = toPixel(vector.x, vector.y);
    const length = Math.hypot(tipX - originX, tipY - originY);
    const unitX = length > 0 ? (tipX - originX) / length : 1;
    const unitY = length > 0 ? (tipY - originY) / length : 0;
    const hasHead = length > HEAD_LENGTH * 1.5;
    // The shaft stops at the head's base so the tip stays sharp.
    const shaftEnd = hasHead ? length - HEAD_LENGTH + 1 : length;
    const tip = tooltip(`${vector.label}: (${formatPlotNumber(vector.x)}, ${formatPlotNumber(vector.y)}), length ${formatPlotNumber(Math.hypot(vector.x, vector.y))}`);
    arrows.push(`<line class="arrow" x1="${px(originX)}" y1="${px(originY)}" x2="${px(originX + unitX * shaftEnd)}" y2="${px(originY + unitY * shaftEnd)}" ` +
      `stroke="${color}" stroke-width="2.4" stroke-linecap="round">${tip}</line>`);
    if (hasHead) {
      const baseX = tipX - unitX * HEAD_LENGTH;
      const baseY = tipY - unitY * HEAD_LENGTH;
      const corners = [[tipX, tipY], [baseX - unitY * HEAD_HALF_WIDTH, baseY + unitX * HEAD_HALF_WIDTH], [baseX + unitY * HEAD_HALF_WIDTH, baseY - unitX * HEAD_HALF_WIDTH]];
      arrows.push(`<polygon class="arrowhead" points="${corners.map(([cx, cy]) => `${px(cx)},${px(cy)}`).join(' ')}" fill="${color}"/>`);
    }
    if (length >= 14) {
      const anchor = unitX > 0.35 ? 'start' : unitX < -0.35 ? 'end' : 'middle';
      tips.push(textElement(tipX + unitX * 7, tipY + unitY * 7 + (anchor === 'middle' ? unitY * 4 : 0), vector.label, {
        size: FONT.tick, anchor, baseline: 'middle', fill: INK.text, className: 'arrow-label', halo: true,
      }));
    }
  }
  arrows.push('</g>', ...tips);
  body.push(...arrows);
  if (legend !== null && layout.legendAt !== null) body.push(...legend.draw(layout.legendAt.x, layout.legendAt.y));
  if (finite.length === 0) body.push(noData(area));
  if (dropped > 0) body.push(cornerNote(layout.size, `${dropped} vector${dropped === 1 ? '' : 's'} with a non-finite component not drawn`));
  return svgDocument(layout.size, o.title, body, `${finite.length} arrows from the origin on equal axes.`);
}
