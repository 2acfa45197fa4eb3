/**
 * The text side of drawing SVG by hand: escaping, numbers for people, coordinates that never read
 * "NaN", a rough text-width estimate for layout, and the `<svg>` document shell every plot shares.
 *
 * Every plot in src/plot is a plain string built from these pieces, so it needs no DOM and runs
 * the same in Node and in a browser. No element carries an `id`: a report inlines many SVGs in one
 * HTML page, where repeated ids (for markers, gradients, clip paths) would clash.
 *
 * @module
 */

/** The font stack for all plot text: the platform's UI font, falling back to any sans-serif. */
export const PLOT_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** Options every plot takes. */
export interface PlotOptions {
  /** The plot's title, drawn above it and used as the SVG's accessible `<title>`. */
  title: string;
  /** Width in CSS pixels (the viewBox width too). Each plot has a sensible default. */
  width?: number;
  /** Height in CSS pixels (the viewBox height too). Each plot has a sensible default. */
  height?: number;
  /** The x axis label. */
  xLabel?: string;
  /** The y axis label. */
  yLabel?: string;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML character data and attribute values: `&`, `<`, `>`, `"` and `'` become
 * entities, and the control characters XML 1.0 forbids are dropped.
 *
 * @example
 * ```ts
 * escapeXml('a < b & "c"');   // returns 'a &lt; b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  return String(text)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/[&<>"']/g, (character) => XML_ENTITIES[character]);
}

/**
 * A number for people: `digits` significant digits (default 3), trailing zeros dropped, exponent
 * form below 10⁻³ and from 10⁵, so float noise such as 0.30000000000000004 reads `0.3`.
 * Non-finite values read `∞`, `-∞` or `n/a`, never `NaN`.
 *
 * @example
 * ```ts
 * formatPlotNumber(0.1 + 0.2);   // returns '0.3'
 * formatPlotNumber(123456);      // returns '1.23e5'
 * ```
 */
export function formatPlotNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(digits)));
}

/**
 * A coordinate or length for an attribute, rounded to 0.1 px. A non-finite value (which a plot
 * should never produce) becomes 0 rather than the string "NaN", which would void the whole SVG.
 */
export function px(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const rounded = Math.round(value * 10) / 10;
  return String(rounded === 0 ? 0 : rounded);
}

/**
 * An estimate of how wide `text` renders at `fontSize` px. There is no font metrics API without
 * a browser, so layout reserves ≈0.6 em per character (generous for system-ui; digits are ≈0.55 em).
 */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

/** Shortens `text` to at most `maxWidth` px (estimated), ending in `…` when cut. */
export function truncateText(text: string, maxWidth: number, fontSize: number): string {
  const characters = [...text];
  const fits = Math.max(1, Math.floor(maxWidth / (fontSize * 0.6)));
  return characters.length <= fits ? text : characters.slice(0, Math.max(1, fits - 1)).join('') + '…';
}

/** Attributes of a `<text>` element beyond its position. */
export interface TextStyle {
  /** Font size in px. Default 11. */
  size?: number;
  /** `start`, `middle` or `end`. Default `start`. */
  anchor?: 'start' | 'middle' | 'end';
  /** Fill colour. Default a near-black grey. */
  fill?: string;
  /** Font weight, e.g. 600 for titles. */
  weight?: number;
  /** Degrees to rotate about (x, y). */
  rotate?: number;
  /** Vertical alignment via `dominant-baseline`, e.g. `middle` or `hanging`. */
  baseline?: 'middle' | 'hanging' | 'auto';
  /** A class name for tests and stylesheets. */
  className?: string;
  /** A white outline under the glyphs, so a label stays legible over lines and points. */
  halo?: boolean;
}

/** A `<text>` element with escaped content. */
export function textElement(x: number, y: number, content: string, style: TextStyle = {}): string {
  const parts = [`x="${px(x)}"`, `y="${px(y)}"`, `font-size="${style.size ?? 11}"`];
  if (style.anchor !== undefined && style.anchor !== 'start') parts.push(`text-anchor="${style.anchor}"`);
  if (style.baseline !== undefined && style.baseline !== 'auto') parts.push(`dominant-baseline="${style.baseline}"`);
  parts.push(`fill="${style.fill ?? '#1f2937'}"`);
  if (style.weight !== undefined) parts.push(`font-weight="${style.weight}"`);
  if (style.rotate !== undefined && style.rotate !== 0) parts.push(`transform="rotate(${px(style.rotate)} ${px(x)} ${px(y)})"`);
  if (style.className !== undefined) parts.push(`class="${escapeXml(style.className)}"`);
  if (style.halo) parts.push('stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"');
  return `<text ${parts.join(' ')}>${escapeXml(content)}</text>`;
}

/** A `<title>` child, which browsers show as a tooltip and screen readers read. */
export function tooltip(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

/** The size a plot ends up with, after defaults. */
export interface PlotSize {
  /** Width in px. */
  width: number;
  /** Height in px. */
  height: number;
}

/**
 * Wraps a plot's body in the `<svg>` shell: namespace, viewBox with matching width and height,
 * `role="img"`, the accessible `<title>` (and `<desc>` when given), a white background so the
 * plot reads on dark pages, and the visible title centred at the top. `display`, when given, is
 * the width and height to show it at (the drawing scales to fit, keeping its aspect).
 */
export function svgDocument(size: PlotSize, title: string, body: readonly string[], description?: string, display?: PlotSize): string {
  const width = Math.max(1, Math.round(size.width));
  const height = Math.max(1, Math.round(size.height));
  const shownWidth = display === undefined || !(display.width > 0) ? width : Math.round(display.width);
  const shownHeight = display === undefined || !(display.height > 0) ? height : Math.round(display.height);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${shownWidth}" height="${shownHeight}" ` +
      `role="img" font-family="${escapeXml(PLOT_FONT)}">`,
    `<title>${escapeXml(title)}</title>`,
  ];
  if (description !== undefined && description !== '') head.push(`<desc>${escapeXml(description)}</desc>`);
  head.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  // Long titles step down in size before they are cut (the full title stays in <title>).
  const titleSize = [14, 12, 11].find((size) => textWidth(title, size) <= width - 16) ?? 11;
  head.push(textElement(width / 2, 20, truncateText(title, width - 16, titleSize), {
    size: titleSize, anchor: 'middle', weight: 600, fill: '#111827', className: 'plot-title',
  }));
  return [...head, ...body, '</svg>'].join('\n');
}
