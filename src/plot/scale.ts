/**
 * Scales: how a data value becomes a position, and which values get a tick.
 *
 * Linear. A domain [lo, hi] maps to the unit interval by t = (v − lo) / (hi − lo). The domain is
 * widened to "nice" round numbers first: the tick step is 1, 2 or 5 × 10ᵏ, chosen so that about
 * `count` ticks cover the data (the same rule as d3's `ticks`), and lo, hi are rounded out to
 * multiples of the step. A domain of one value (a single point, or all values equal) is widened
 * to ±10 % of the value (±1 around 0), so an axis is never zero-length.
 *
 * Log (base 10). t = (log₁₀ v − log₁₀ lo) / (log₁₀ hi − log₁₀ lo), with lo, hi rounded out to
 * powers of ten; major ticks sit at powers of ten, minor ones at 2…9 × 10ᵏ when few decades show.
 * Only v > 0 has a place on a log axis: callers drop the rest (see each plot's notes).
 *
 * @module
 */

/** A tick on an axis: the value, where it sits (0…1 along the axis), and its label. */
export interface Tick {
  /** The data value at the tick. */
  value: number;
  /** Its position as a fraction of the axis, 0 at the domain's low end. */
  fraction: number;
  /** The label ('' for an unlabelled minor tick). */
  label: string;
  /** Minor ticks are drawn shorter and unlabelled. */
  minor: boolean;
}

/** A continuous scale from a data domain to the unit interval, with its ticks. */
export interface ContinuousScale {
  /** `linear` or `log` (base 10). */
  kind: 'linear' | 'log';
  /** The (nice) domain [lo, hi], lo < hi. */
  domain: [number, number];
  /** The ticks within the domain, in increasing order. */
  ticks: Tick[];
  /** Maps a value to 0…1 (outside the domain gives values outside 0…1). */
  fraction(value: number): number;
}

/**
 * The tick step for about `count` ticks over [lo, hi]: 1, 2 or 5 × 10ᵏ. The error thresholds
 * √50, √10, √2 pick the multiplier whose tick count is closest (geometrically) to `count`.
 */
export function tickStep(lo: number, hi: number, count: number): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const multiplier = error >= Math.SQRT2 * 5 ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1;
  return multiplier * power;
}

/**
 * `index × step` without float noise: for steps below 1, dividing by the exact reciprocal
 * (10, 5, 2 × 10ᵏ are exact in binary) gives 0.3 rather than 0.30000000000000004.
 */
function multipleOf(index: number, step: number): number {
  if (step >= 1) return index * step;
  const inverse = Math.round(1 / step);
  return Math.abs(inverse * step - 1) < 1e-9 ? index / inverse : Number((index * step).toPrecision(12));
}

/**
 * "Nice" tick values covering [lo, hi]: multiples of a 1-2-5 step, about `count` of them, all
 * within [lo, hi]. Returns [] for a non-finite or reversed interval.
 *
 * @example
 * ```ts
 * niceTicks(0, 1, 5);      // returns [0, 0.2, 0.4, 0.6, 0.8, 1]
 * niceTicks(-3.2, 7.9, 5); // returns [-2, 0, 2, 4, 6]
 * ```
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return [lo];
  const step = tickStep(lo, hi, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  // `|| 0` turns -0 (from ceil(-0.000…)) into 0.
  for (let i = first; i <= last; i++) ticks.push(multipleOf(i, step) || 0);
  return ticks;
}

/** The finite numbers among `values`, and their min and max (null when there are none). */
export function finiteExtent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < lo) lo = value;
    if (value > hi) hi = value;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Options for {@link linearScale}. */
export interface LinearScaleOptions {
  /** Values the domain must contain besides the data, e.g. 0 for bars. */
  include?: readonly number[];
  /** About how many ticks. Default 5. */
  tickCount?: number;
  /** Make the domain symmetric about 0, [−a, a]. */
  symmetric?: boolean;
}

/**
 * A linear scale whose domain covers the finite `values` (and `include`), rounded out to nice
 * numbers. No finite values gives [0, 1]; one distinct value is widened so the axis has length.
 */
export function linearScale(values: Iterable<number>, options: LinearScaleOptions = {}): ContinuousScale {
  const count = options.tickCount ?? 5;
  const extent = finiteExtent([...values, ...(options.include ?? [])]);
  let [lo, hi] = extent ?? [0, 1];
  if (options.symmetric) {
    const reach = Math.max(Math.abs(lo), Math.abs(hi));
    [lo, hi] = [-reach, reach];
  }
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (magnitude < 1e-200) {
    // Zero, or so close to it that steps would underflow.
    [lo, hi] = [-1, 1];
  } else if (hi - lo <= magnitude * 1e-9) {
    const pad = Math.abs(lo) * 0.1 || magnitude * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  // Round out to the step; rounding can change the step, so settle it in a second pass (as d3 does).
  for (let pass = 0; pass < 2; pass++) {
    const step = tickStep(lo, hi, count);
    lo = multipleOf(Math.floor(lo / step + 1e-9), step) || 0;
    hi = multipleOf(Math.ceil(hi / step - 1e-9), step) || 0;
  }
  const domainLo = lo;
  const span = hi - lo;
  const fraction = (value: number): number => (value - domainLo) / span;
  const tickValues = niceTicks(lo, hi, count);
  const step = tickValues.length > 1 ? tickValues[1] - tickValues[0] : span;
  const ticks = tickValues.map((value) => ({ value, fraction: fraction(value), label: tickLabel(value, step), minor: false }));
  return { kind: 'linear', domain: [lo, hi], ticks, fraction };
}

/**
 * A linear scale over exactly [lo, hi] (not rounded out), with nice ticks inside it: for colour
 * bars, whose ends must be the colour scale's ends. A reversed or empty domain becomes [lo, lo + 1].
 */
export function fixedLinearScale(lo: number, hi: number, count = 5): ContinuousScale {
  const low = Number.isFinite(lo) ? lo : 0;
  const high = Number.isFinite(hi) && hi > low ? hi : low + 1;
  const span = high - low;
  const fraction = (value: number): number => (value - low) / span;
  const tickValues = niceTicks(low, high, count);
  const step = tickValues.length > 1 ? tickValues[1] - tickValues[0] : span;
  const ticks = tickValues.map((value) => ({ value, fraction: fraction(value), label: tickLabel(value, step), minor: false }));
  return { kind: 'linear', domain: [low, high], ticks, fraction };
}

/**
 * A tick label with just enough decimals for the step (so 0.5, 1, 1.5 rather than 0.5, 1.0, 1.5
 * or 0.500). An axis whose step needs more than four decimals, or whose values reach 10⁶, is
 * written in exponent form throughout (2.5e-5, 3e-5), with as many mantissa digits as the step needs.
 */
export function tickLabel(value: number, step: number): string {
  if (value === 0) return '0';
  const stepExponent = Math.floor(Math.log10(step) + 1e-9);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || stepExponent < -4) {
    const digits = Math.max(0, Math.min(15, Math.floor(Math.log10(magnitude) + 1e-9) - stepExponent));
    const [mantissa, exponent] = value.toExponential(digits).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toFixed(Math.max(0, Math.min(10, -stepExponent)))));
}

const SUPERSCRIPTS: Record<string, string> = {
  '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
};

/**
 * 10ᵏ as people write it: plain (0.001, 1, 1000) when `plain`, else `10` with a superscript
 * exponent (10⁻⁶). One axis uses one style, so labels do not switch halfway along it.
 */
export function powerOfTenLabel(exponent: number, plain: boolean): string {
  if (plain) return String(Number((10 ** exponent).toPrecision(1)));
  return '10' + String(exponent).replace(/[-0-9]/g, (character) => SUPERSCRIPTS[character]);
}

/**
 * A base-10 log scale over the positive finite `values` (others are ignored; callers decide what
 * to say about them), rounded out to powers of ten. None gives [1, 10]. Major ticks at powers of
 * ten (every k-th when there are many decades), minor ticks at 2…9 × 10ᵏ when at most 3 decades show.
 */
export function logScale(values: Iterable<number>, options: { include?: readonly number[] } = {}): ContinuousScale {
  const positive = [...values, ...(options.include ?? [])].filter((value) => value > 0 && Number.isFinite(value));
  const extent = finiteExtent(positive) ?? [1, 10];
  let lowExponent = Math.floor(Math.log10(extent[0]) + 1e-12);
  let highExponent = Math.ceil(Math.log10(extent[1]) - 1e-12);
  if (highExponent <= lowExponent) {
    // All values are the same power of ten: centre it in two decades.
    lowExponent -= 1;
    highExponent = lowExponent + 2;
  }
  const lo = 10 ** lowExponent;
  const hi = 10 ** highExponent;
  const logLo = lowExponent;
  const logSpan = highExponent - lowExponent;
  const fraction = (value: number): number => (Math.log10(value) - logLo) / logSpan;
  const every = Math.max(1, Math.ceil(logSpan / 8));
  const plain = lowExponent >= -3 && highExponent <= 4;
  const ticks: Tick[] = [];
  for (let exponent = lowExponent; exponent <= highExponent; exponent++) {
    const value = Number((10 ** exponent).toPrecision(1));
    if ((exponent - lowExponent) % every === 0) {
      ticks.push({ value, fraction: (exponent - logLo) / logSpan, label: powerOfTenLabel(exponent, plain), minor: false });
    } else {
      ticks.push({ value, fraction: (exponent - logLo) / logSpan, label: '', minor: true });
    }
    if (logSpan <= 3 && exponent < highExponent) {
      for (let multiple = 2; multiple <= 9; multiple++) {
        const minorValue = Number((multiple * 10 ** exponent).toPrecision(1));
        ticks.push({ value: minorValue, fraction: fraction(minorValue), label: '', minor: true });
      }
    }
  }
  return { kind: 'log', domain: [lo, hi], ticks, fraction };
}
