/**
 * The toy models' data: the fast generator (geometric jumps) draws from the same distribution as
 * the plain one, reproducibly, and the pair structures hold.
 */
import { describe, expect, it } from 'vitest';
import { generateFeatures, generateFeaturesReference, importanceTensor, logSpacedDensities } from '../../src/models/data.js';
import { Rng } from '../../src/tensor/random.js';
import { expectOpError } from '../support/expect.js';

/** Fraction of non-zero entries and mean of the non-zero ones, per instance. */
function stats(data: ArrayLike<number>, instances: number): { present: number[]; meanValue: number[] } {
  const run = data.length / instances;
  const present: number[] = [];
  const meanValue: number[] = [];
  for (let k = 0; k < instances; k++) {
    let count = 0;
    let total = 0;
    for (let j = 0; j < run; j++) {
      const v = data[k * run + j];
      if (v !== 0) { count++; total += v; }
    }
    present.push(count / run);
    meanValue.push(count === 0 ? NaN : total / count);
  }
  return { present, meanValue };
}

describe('generateFeatures', () => {
  const density = [1, 0.3, 0.05, 0.01];
  const shape = { instances: 4, batch: 4000, features: 10 };

  for (const [name, generate] of [['fast', generateFeatures], ['reference', generateFeaturesReference]] as const) {
    it(`${name}: each instance's density and value distribution match p and U[0, 1)`, () => {
      const x = generate({ ...shape, density, rng: new Rng(5) });
      expect(x.shape).toEqual([4, 4000, 10]);
      const values = x.toTypedArray();
      const { present, meanValue } = stats(values, 4);
      const n = shape.batch * shape.features;
      density.forEach((p, k) => {
        // A binomial proportion: 5 standard errors either way.
        expect(Math.abs(present[k] - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n) + 1e-12);
        // Present values are U[0,1): mean 1/2, standard error √(1/12 / count).
        expect(Math.abs(meanValue[k] - 0.5)).toBeLessThanOrEqual(5 * Math.sqrt(1 / 12 / (p * n)));
      });
      for (const v of values) expect(v >= 0 && v < 1).toBe(true);
    });
  }

  it('spaces present features geometrically: gaps have the right mean', () => {
    const x = generateFeatures({ instances: 1, batch: 20000, features: 10, density: 0.02, rng: new Rng(1) });
    const values = x.toTypedArray();
    const positions: number[] = [];
    values.forEach((v, i) => { if (v !== 0) positions.push(i); });
    const gaps = positions.slice(1).map((p, i) => p - positions[i] - 1);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const expected = (1 - 0.02) / 0.02; // the mean of a geometric number of failures
    expect(Math.abs(mean - expected)).toBeLessThanOrEqual(5 * Math.sqrt((1 - 0.02) / 0.02 ** 2 / gaps.length));
  });

  it('is reproducible from the seed, and refills a given buffer', () => {
    const a = generateFeatures({ ...shape, density, rng: new Rng(9) });
    const b = generateFeatures({ ...shape, density, rng: new Rng(9) });
    expect(a.toTypedArray()).toEqual(b.toTypedArray());
    const again = generateFeatures({ ...shape, density, rng: new Rng(9), out: a });
    expect(again).toBe(a);
    expect(a.toTypedArray()).toEqual(b.toTypedArray());
  });

  it('draws signed values for the absolute-value model', () => {
    const values = generateFeatures({ instances: 1, batch: 2000, features: 5, density: 1, rng: new Rng(2), values: 'signed' }).toTypedArray();
    expect(Math.min(...values)).toBeLessThan(-0.9);
    expect(Math.max(...values)).toBeGreaterThan(0.9);
    for (const v of values) expect(v >= -1 && v < 1).toBe(true);
  });

  it('correlated pairs are present together; anti-correlated pairs never both', () => {
    const correlated = generateFeatures({ instances: 1, batch: 3000, features: 4, density: 0.3, rng: new Rng(3), structure: 'correlated' }).toTypedArray();
    const anti = generateFeatures({ instances: 1, batch: 3000, features: 4, density: 0.3, rng: new Rng(3), structure: 'anticorrelated' }).toTypedArray();
    let both = 0;
    for (let i = 0; i < correlated.length; i += 2) {
      expect(correlated[i] !== 0).toBe(correlated[i + 1] !== 0);
      expect(anti[i] !== 0 && anti[i + 1] !== 0).toBe(false);
      if (anti[i] !== 0 || anti[i + 1] !== 0) both++;
    }
    // A pair is present with probability 2p = 0.6, so each feature keeps p = 0.3.
    const pairs = correlated.length / 2;
    expect(Math.abs(both / pairs - 0.6)).toBeLessThanOrEqual(5 * Math.sqrt(0.24 / pairs));
    expect(Math.abs(stats(anti, 1).present[0] - 0.3)).toBeLessThanOrEqual(5 * Math.sqrt(0.21 / anti.length) * 2);
  });

  it('refuses bad options, naming what was wrong', () => {
    const rng = new Rng(0);
    expectOpError(() => generateFeatures({ ...shape, density: [1, 2, 0.5, 0.1], rng }), 'generateFeatures', 'instance 1', '(0, 1]');
    expectOpError(() => generateFeatures({ ...shape, density: [1, 0.5], rng }), 'generateFeatures', 'one per instance (4)');
    expectOpError(() => generateFeatures({ ...shape, batch: 0, density: 1, rng }), 'generateFeatures', 'batch');
    expectOpError(() => generateFeatures({ ...shape, features: 5, density: 0.1, rng, structure: 'correlated' }), 'generateFeatures', 'even');
    expectOpError(() => generateFeatures({ ...shape, density: 0.6, rng, structure: 'anticorrelated' }), 'generateFeatures', '≤ 0.5');
  });
});

describe('importance and densities', () => {
  it('importance is rⁱ per instance, broadcastable over the batch', () => {
    const t = importanceTensor(2, 3, [0.5, 1]);
    expect(t.shape).toEqual([2, 1, 3]);
    expect(t.toArray()).toEqual([[[1, 0.5, 0.25]], [[1, 1, 1]]]);
    expectOpError(() => importanceTensor(2, 3, [0.5]), 'importanceTensor', 'one per instance (2)');
  });

  it('densities are log-evenly spaced, ends included', () => {
    const d = logSpacedDensities(1, 0.01, 5);
    expect(d[0]).toBe(1);
    expect(d[4]).toBeCloseTo(0.01, 15);
    for (let k = 1; k < 5; k++) expect(d[k] / d[k - 1]).toBeCloseTo(0.01 ** 0.25, 12);
    expectOpError(() => logSpacedDensities(1, 0, 3), 'logSpacedDensities', '(0, 1]');
  });
});
