import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divergingColor, escapeXml, formatPlotNumber, niceTicks, sequentialColor } from '../../src/plot/index.js';
import { categoryColors, luminance, valueColorScale } from '../../src/plot/color.js';
import { linearScale, logScale, tickLabel, tickStep } from '../../src/plot/scale.js';

/** True when step = 1, 2 or 5 × 10ᵏ (up to float rounding). */
function isNiceStep(step: number): boolean {
  const power = 10 ** Math.floor(Math.log10(step) + 1e-9);
  const multiplier = step / power;
  return [1, 2, 5, 10].some((m) => Math.abs(multiplier - m) < 1e-6);
}

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe('niceTicks', () => {
  it('gives round steps (hand-checked cases)', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // span 11.1 / 5 = 2.22 → step 2; multiples of 2 inside [-3.2, 7.9].
    expect(niceTicks(-3.2, 7.9, 5)).toEqual([-2, 0, 2, 4, 6]);
    // span 0.3 / 5 = 0.06 → step 0.05, written without float noise.
    expect(niceTicks(0.1, 0.4, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(3, 1)).toEqual([]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it('ticks lie inside [lo, hi], evenly spaced by a 1-2-5 step, 3 to 9 of them for count 5', () => {
    fc.assert(fc.property(finite, finite, (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      fc.pre(hi - lo > Math.max(1e-9, Math.abs(hi) * 1e-9));
      const ticks = niceTicks(lo, hi, 5);
      const step = tickStep(lo, hi, 5);
      expect(isNiceStep(step)).toBe(true);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks.length).toBeLessThanOrEqual(9);
      for (const tick of ticks) {
        expect(tick).toBeGreaterThanOrEqual(lo - step * 1e-6);
        expect(tick).toBeLessThanOrEqual(hi + step * 1e-6);
        expect(Math.abs(tick / step - Math.round(tick / step))).toBeLessThan(1e-6);
      }
      for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeCloseTo(step, 6);
    }));
  });
});

describe('linearScale', () => {
  it('covers the finite data with a domain whose ends are ticks', () => {
    fc.assert(fc.property(fc.array(finite, { minLength: 1, maxLength: 20 }), (values) => {
      const scale = linearScale(values);
      const [lo, hi] = scale.domain;
      expect(lo).toBeLessThan(hi);
      // Rounding out tolerates a billionth of a step, far below a pixel.
      const slack = (hi - lo) * 1e-6;
      expect(lo).toBeLessThanOrEqual(Math.min(...values) + slack);
      expect(hi).toBeGreaterThanOrEqual(Math.max(...values) - slack);
      const tickValues = scale.ticks.map((tick) => tick.value);
      expect(tickValues[0]).toBeCloseTo(lo, 9);
      expect(tickValues[tickValues.length - 1]).toBeCloseTo(hi, 9);
      expect(scale.fraction(lo)).toBe(0);
      expect(scale.fraction(hi)).toBeCloseTo(1, 12);
    }));
  });

  it('never gives a zero-length axis: empty, single and all-equal data', () => {
    expect(linearScale([]).domain).toEqual([0, 1]);
    expect(linearScale([NaN, Infinity, -Infinity]).domain).toEqual([0, 1]);
    const [lo0, hi0] = linearScale([0, 0, 0]).domain;
    expect(lo0).toBeLessThan(0);
    expect(hi0).toBeGreaterThan(0);
    const [lo, hi] = linearScale([5]).domain;
    expect(lo).toBeLessThan(5);
    expect(hi).toBeGreaterThan(5);
    const [tinyLo, tinyHi] = linearScale([1e-12, 1e-12]).domain;
    expect(tinyLo).toBeLessThan(tinyHi);
  });

  it('ignores non-finite values, honours include and symmetric', () => {
    expect(linearScale([1, 2, NaN, Infinity]).domain).toEqual(linearScale([1, 2]).domain);
    expect(linearScale([3, 4], { include: [0] }).domain[0]).toBe(0);
    const [lo, hi] = linearScale([-0.3, 0.9], { symmetric: true }).domain;
    expect(lo).toBe(-hi);
    expect(hi).toBeGreaterThanOrEqual(0.9);
  });

  it('labels ticks with just enough decimals and no float noise', () => {
    const labels = linearScale([0, 0.3]).ticks.map((tick) => tick.label);
    expect(labels).toEqual(['0', '0.05', '0.1', '0.15', '0.2', '0.25', '0.3']);
    expect(tickLabel(0.30000000000000004, 0.1)).toBe('0.3');
    expect(tickLabel(2e6, 1e6)).toBe('2e6');
    expect(tickLabel(2.5e6, 5e5)).toBe('2.5e6');
    expect(tickLabel(100000, 20000)).toBe('100000');
    // A step of 5e-6 puts every label of the axis in exponent form, with the digits it needs.
    expect(linearScale([1e-5, 3e-5]).ticks.map((tick) => tick.label)).toEqual(['1e-5', '1.5e-5', '2e-5', '2.5e-5', '3e-5']);
  });
});

describe('logScale', () => {
  it('rounds out to powers of ten with major ticks at every power', () => {
    const scale = logScale([0.003, 42]);
    expect(scale.domain).toEqual([0.001, 100]);
    const major = scale.ticks.filter((tick) => !tick.minor);
    expect(major.map((tick) => tick.value)).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(major.map((tick) => tick.label)).toEqual(['0.001', '0.01', '0.1', '1', '10', '100']);
    for (const tick of major) expect(Math.log10(tick.value)).toBeCloseTo(Math.round(Math.log10(tick.value)), 12);
    expect(scale.fraction(0.01)).toBeCloseTo(0.2, 12);
  });

  it('ignores values ≤ 0 and non-finite ones; a single value gets two decades', () => {
    expect(logScale([0, -1, NaN, 5, 50]).domain).toEqual([1, 100]);
    expect(logScale([]).domain).toEqual([1, 10]);
    expect(logScale([10]).domain).toEqual([1, 100]);
  });

  it('writes large and small powers with superscripts and thins many decades', () => {
    const scale = logScale([1e-9, 1e9]);
    const major = scale.ticks.filter((tick) => !tick.minor);
    expect(major.length).toBeLessThanOrEqual(10);
    expect(major[0].label).toBe('10⁻⁹');
    expect(scale.ticks.some((tick) => tick.label === '10⁹' || tick.value === 1e9)).toBe(true);
  });
});

describe('formatPlotNumber and escapeXml', () => {
  it('formats compactly', () => {
    expect(formatPlotNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatPlotNumber(2 / 3)).toBe('0.667');
    expect(formatPlotNumber(123456)).toBe('1.23e5');
    expect(formatPlotNumber(-0.00001234)).toBe('-1.23e-5');
    expect(formatPlotNumber(-0)).toBe('0');
    expect(formatPlotNumber(NaN)).toBe('n/a');
    expect(formatPlotNumber(-Infinity)).toBe('-∞');
  });

  it('escapes markup characters and drops control characters', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  });
});

describe('colours', () => {
  it('diverging: blue for negative, white at 0, red for positive, symmetric in lightness', () => {
    expect(divergingColor(0)).toBe('#f7f7f7');
    expect(divergingColor(-1)).toBe('#2166ac');
    expect(divergingColor(1)).toBe('#b2182b');
    expect(divergingColor(5)).toBe(divergingColor(1));
    const [red, , blue] = [1, 3, 5].map((i) => parseInt(divergingColor(0.8).slice(i, i + 2), 16));
    expect(red).toBeGreaterThan(blue);
    const scale = valueColorScale([-2, 4]);
    expect(scale(0)).toBe('#f7f7f7');
    expect(scale(-2)).toBe('#2166ac');
    expect(scale(4)).toBe('#b2182b');
  });

  it('sequential: monotone in luminance (readable in greyscale)', () => {
    let previous = -1;
    for (let t = 0; t <= 1; t += 0.05) {
      const current = luminance(sequentialColor(t));
      expect(current).toBeGreaterThan(previous);
      previous = current;
    }
  });

  it('categories: distinct Okabe–Ito colours up to eight, distinct stops beyond', () => {
    expect(new Set(categoryColors(8)).size).toBe(8);
    expect(categoryColors(3)).toEqual(['#E69F00', '#56B4E9', '#009E73']);
    expect(new Set(categoryColors(20)).size).toBe(20);
  });
});
