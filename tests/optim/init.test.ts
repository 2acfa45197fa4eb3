import { describe, expect, it } from 'vitest';
import { kaimingUniform, xavierNormal } from '../../src/optim/init.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { flatValues } from '../support/arbitraries.js';
import { expectOpError } from '../support/expect.js';

/*
 * Statistical tolerances. With N independent draws, the sample mean has standard error σ/√N and
 * the sample variance s² has standard error √(Var(w²)/N):
 *
 *     normal:   Var(w²) = 2σ⁴,                so  s²/σ² − 1 has SE √(2/N)
 *     uniform:  Var(w²) = b⁴/5 − b⁴/9 = 4b⁴/45, and σ² = b²/3, so  s²/σ² − 1 has SE √(0.8/N)
 *
 * Every check allows 5 standard errors: a correct initialiser fails one with probability below
 * 10⁻⁶, while a wrong fan (e.g. PyTorch's fan_in = m·n for a [instances, m, n] weight) is off by
 * a factor, hundreds of standard errors. The seeds are fixed, so the tests are also deterministic.
 */
const SIGMAS = 5;

function moments(t: Tensor): { mean: number; variance: number; count: number; largest: number } {
  const values = flatValues(t);
  const count = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / count;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / count;
  const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { mean, variance, count, largest };
}

describe('xavierNormal', () => {
  it('draws N(0, σ²) with σ = √(2/(fan_in + fan_out)), fan_in the last axis, fan_out the one before', () => {
    const shape = [16, 50, 100]; // 16 instances of a 100 → 50 map: σ² = 2/150
    const w = xavierNormal(shape, { seed: 1 });
    const expectedVariance = 2 / (100 + 50);
    const { mean, variance, count } = moments(w);
    expect(w.shape).toEqual(shape);
    expect(w.dtype).toBe('float32');
    expect(Math.abs(mean)).toBeLessThan(SIGMAS * Math.sqrt(expectedVariance / count));
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(SIGMAS * Math.sqrt(2 / count));
  });

  it('gives every instance the same scale: leading axes do not change the fans', () => {
    const w = xavierNormal([8, 40, 60], { seed: 2, dtype: 'float64' });
    const expectedVariance = 2 / (60 + 40);
    const perInstance = 40 * 60;
    const values = flatValues(w);
    for (let i = 0; i < 8; i++) {
      const slice = values.slice(i * perInstance, (i + 1) * perInstance);
      const variance = slice.reduce((s, v) => s + v * v, 0) / perInstance; // mean 0 is known
      expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(SIGMAS * Math.sqrt(2 / perInstance));
    }
  });

  it('scales by gain exactly: the same seed with gain g gives g times the values', () => {
    const plain = flatValues(xavierNormal([5, 7], { seed: 3, dtype: 'float64' }));
    const scaled = flatValues(xavierNormal([5, 7], { seed: 3, dtype: 'float64', gain: Math.SQRT2 }));
    scaled.forEach((v, i) => expect(Math.abs(v - Math.SQRT2 * plain[i])).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(v))));
    expect(flatValues(xavierNormal([5, 7], { seed: 3, gain: 0 })).every((v) => v === 0)).toBe(true);
  });
});

describe('kaimingUniform', () => {
  it('draws U[−b, b) with b = √(6/fan_in) by default (a = 0, gain √2)', () => {
    const shape = [16, 50, 100];
    const bound = Math.sqrt(6 / 100);
    const w = kaimingUniform(shape, { seed: 4, dtype: 'float64' });
    const { mean, variance, count, largest } = moments(w);
    const expectedVariance = (bound * bound) / 3; // = gain²/fan_in = 2/100
    expect(w.shape).toEqual(shape);
    expect(largest).toBeLessThanOrEqual(bound);
    // Some draw lies within 0.1% of the bound, unless (1 − 0.0005)^N ≈ e⁻⁴⁰ strikes.
    expect(largest).toBeGreaterThan(bound * (1 - 1e-3));
    expect(Math.abs(mean)).toBeLessThan(SIGMAS * Math.sqrt(expectedVariance / count));
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(SIGMAS * Math.sqrt(0.8 / count));
  });

  it("uses gain √(2/(1 + a²)): a = √5 gives nn.Linear's bound 1/√fan_in, a = 1 gives √(3/fan_in)", () => {
    const linear = moments(kaimingUniform([200, 400], { seed: 5, a: Math.sqrt(5), dtype: 'float64' }));
    expect(linear.largest).toBeLessThanOrEqual(1 / Math.sqrt(400));
    expect(linear.largest).toBeGreaterThan((1 / Math.sqrt(400)) * (1 - 1e-3));
    const slopeOne = moments(kaimingUniform([200, 400], { seed: 6, a: 1, dtype: 'float64' }));
    expect(slopeOne.largest).toBeLessThanOrEqual(Math.sqrt(3 / 400));
    expect(slopeOne.largest).toBeGreaterThan(Math.sqrt(3 / 400) * (1 - 1e-3));
    expect(Math.abs(slopeOne.variance / (1 / 400) - 1)).toBeLessThan(SIGMAS * Math.sqrt(0.8 / slopeOne.count));
  });

  it('depends on fan_in only: fan_out and leading axes leave the bound alone', () => {
    for (const shape of [[3, 64], [300, 64], [7, 3, 64]]) {
      const { largest } = moments(kaimingUniform(shape, { seed: 7, dtype: 'float64' }));
      expect(largest).toBeLessThanOrEqual(Math.sqrt(6 / 64));
    }
  });
});

describe('initialisers: randomness, dtypes and errors', () => {
  for (const [name, init] of [['xavierNormal', xavierNormal], ['kaimingUniform', kaimingUniform]] as const) {
    it(`${name}: the same seed replays the same numbers, another seed does not`, () => {
      expect(flatValues(init([4, 6], { seed: 11 }))).toEqual(flatValues(init([4, 6], { seed: 11 })));
      expect(flatValues(init([4, 6], { seed: 11 }))).not.toEqual(flatValues(init([4, 6], { seed: 12 })));
    });

    it(`${name}: draws from a given rng, advancing it, and a saved state replays`, () => {
      const rng = new Rng(9);
      const saved = rng.getState();
      const first = flatValues(init([3, 5], { rng }));
      const second = flatValues(init([3, 5], { rng }));
      expect(second).not.toEqual(first);
      expect(flatValues(init([3, 5], { rng: Rng.fromState(saved) }))).toEqual(first);
    });

    it(`${name}: float64 on request, and empty shapes give empty tensors`, () => {
      expect(init([2, 3], { seed: 1, dtype: 'float64' }).dtype).toBe('float64');
      expect(init([0, 5], { seed: 1 }).size).toBe(0);
      expect(init([4, 0], { seed: 1 }).shape).toEqual([4, 0]);
    });

    it(`${name}: refuses shapes without two fan axes, bad dims, and bad options`, () => {
      expectOpError(() => init([5], { seed: 1 }), name, 'rank ≥ 2', '[5]');
      expectOpError(() => init([], { seed: 1 }), name, 'rank ≥ 2');
      expectOpError(() => init([2, -3], { seed: 1 }), name, 'bad shape');
      expectOpError(() => init([2, 3], { seed: 1, rng: new Rng(1) }), name, 'either seed or rng');
      expectOpError(() => init([2, 3], { seed: 1.5 }), name, 'seed');
      expectOpError(() => init([2, 3], { dtype: 'int32' as 'float32' }), name, 'int32');
    });
  }

  it('refuses a bad gain or slope', () => {
    expectOpError(() => xavierNormal([2, 3], { gain: -1 }), 'xavierNormal', 'gain', '≥ 0');
    expectOpError(() => xavierNormal([2, 3], { gain: Number.NaN }), 'xavierNormal', 'gain');
    expectOpError(() => kaimingUniform([2, 3], { a: Number.POSITIVE_INFINITY }), 'kaimingUniform', 'a must be');
  });
});
