/**
 * Colours that read for everyone, including the ≈8 % of men with a colour-vision deficiency.
 *
 * - Categories: the Okabe–Ito palette (Okabe & Ito, 2008), eight colours chosen to stay distinct
 *   under protanopia, deuteranopia and tritanopia. Past eight categories a plot falls back to
 *   evenly spaced stops of the sequential scale, which stay ordered even where hues blur.
 * - Signed values: a diverging blue–white–red scale (ColorBrewer's RdBu, reversed so negative is
 *   blue), white at 0, so the sign reads from the hue and the size from the depth.
 * - Magnitudes: a sequential scale through viridis' stops (dark purple → yellow), perceptually
 *   uniform and monotone in lightness, so it also survives greyscale printing.
 *
 * Between stops colours are interpolated linearly in sRGB: for t in [0, 1] over stops c₀ … cₖ,
 * colour = lerp(cⱼ, cⱼ₊₁, k·t − j) with j = ⌊k·t⌋.
 *
 * @module
 */

/**
 * The Okabe–Ito palette, in the usual order: orange, sky blue, bluish green, yellow, blue,
 * vermillion, reddish purple, black. Plots use it in this order, so series 0 is always orange.
 */
export const OKABE_ITO: readonly string[] = [
  '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000',
];

/**
 * The order plots hand Okabe–Ito colours to series: the yellow (hard to see as a thin line or a
 * small dot on white) goes last, after black.
 */
const SERIES_ORDER: readonly number[] = [0, 1, 2, 4, 5, 6, 7, 3];

/** ColorBrewer RdBu (9 classes), from negative (blue) through white to positive (red). */
const DIVERGING_STOPS: readonly string[] = [
  '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b',
];

/** Ten stops sampled from matplotlib's viridis. */
const SEQUENTIAL_STOPS: readonly string[] = [
  '#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725',
];

/** The grey used for missing values (NaN cells, unknown categories). */
export const MISSING_COLOR = '#d4d4d8';

function parseHex(color: string): [number, number, number] {
  const hex = color.replace('#', '');
  return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
}

function toHex([red, green, blue]: readonly number[]): string {
  return '#' + [red, green, blue].map((channel) => Math.round(Math.min(255, Math.max(0, channel))).toString(16).padStart(2, '0')).join('');
}

function interpolateStops(stops: readonly string[], t: number): string {
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : t > 0 ? 1 : 0;
  const position = clamped * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(position));
  const within = position - index;
  const from = parseHex(stops[index]);
  const to = parseHex(stops[index + 1]);
  return toHex(from.map((channel, c) => channel + (to[c] - channel) * within));
}

/**
 * The diverging colour for t in [−1, 1]: −1 deep blue, 0 white, +1 deep red (clamped outside).
 *
 * @example
 * ```ts
 * divergingColor(0);   // returns '#f7f7f7'
 * divergingColor(1);   // returns '#b2182b'
 * ```
 */
export function divergingColor(t: number): string {
  return interpolateStops(DIVERGING_STOPS, (t + 1) / 2);
}

/**
 * The sequential (viridis) colour for t in [0, 1]: 0 dark purple, 1 yellow (clamped outside).
 *
 * @example
 * ```ts
 * sequentialColor(0);   // returns '#440154'
 * ```
 */
export function sequentialColor(t: number): string {
  return interpolateStops(SEQUENTIAL_STOPS, t);
}

/**
 * `count` distinct category colours: Okabe–Ito (yellow last) for up to eight, else `count`
 * evenly spaced viridis stops (ordered, so neighbouring categories get neighbouring colours).
 */
export function categoryColors(count: number): string[] {
  if (count <= OKABE_ITO.length) return SERIES_ORDER.slice(0, count).map((index) => OKABE_ITO[index]);
  return Array.from({ length: count }, (_, i) => sequentialColor(i / (count - 1)));
}

/** Relative luminance (WCAG) of a `#rrggbb` colour, 0 (black) … 1 (white). */
export function luminance(color: string): number {
  const [red, green, blue] = parseHex(color).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** Dark or white text, whichever contrasts more with `background`. */
export function textColorOn(background: string): string {
  // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); equal at L ≈ 0.179.
  return luminance(background) > 0.179 ? '#111827' : '#ffffff';
}

/**
 * A colour scale for a numeric domain [lo, hi]: diverging with white at 0 when lo < 0 < hi
 * (each side scaled to its own end, so an asymmetric domain still puts white at 0), else
 * sequential from lo to hi.
 */
export function valueColorScale(domain: readonly [number, number]): (value: number) => string {
  const [lo, hi] = domain;
  if (lo < 0 && hi > 0) {
    return (value) => divergingColor(value < 0 ? -value / lo : value / hi);
  }
  const span = hi - lo || 1;
  return (value) => sequentialColor((value - lo) / span);
}
