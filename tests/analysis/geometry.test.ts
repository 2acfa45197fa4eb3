import { describe, expect, it } from 'vitest';
import { classifyFeatures, dimensionsPerFeature, featureDimensionality, featureNorms, gram } from '../../src/analysis/features.js';
import {
  STICKY_FRACTIONS, bandDimensionalities, clusterDimensionalities, nearestFraction, polytope, type StickyName,
} from '../../src/analysis/geometry.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** Matrices placed corner to corner: [d₁ + d₂ + …, k₁ + k₂ + …], zeros elsewhere (float64). */
function blockDiagonal(...blocks: Tensor[]): Tensor {
  const rows = blocks.reduce((s, b) => s + b.shape[0], 0);
  const cols = blocks.reduce((s, b) => s + b.shape[1], 0);
  const data = new Float64Array(rows * cols);
  let r0 = 0;
  let c0 = 0;
  for (const block of blocks) {
    const [d, k] = block.shape;
    for (let r = 0; r < d; r++) for (let c = 0; c < k; c++) data[(r0 + r) * cols + c0 + c] = block.at(r, c);
    r0 += d;
    c0 += k;
  }
  return new Tensor(data, [rows, cols]);
}

describe('the named fractions', () => {
  it('are 1, 3/4, 2/3, 1/2, 2/5, 3/8, largest first, each dimensions / features', () => {
    expect(STICKY_FRACTIONS.map((s) => s.fraction)).toEqual([1, 3 / 4, 2 / 3, 1 / 2, 2 / 5, 3 / 8]);
    expect(STICKY_FRACTIONS.map((s) => s.name)).toEqual(['dedicated', 'tetrahedron', 'triangle', 'digon', 'pentagon', 'square antiprism']);
    for (const s of STICKY_FRACTIONS) expect(s.fraction).toBe(s.dimensions / s.features);
  });
});

describe('polytope', () => {
  for (const { name, fraction, features, dimensions } of STICKY_FRACTIONS) {
    it(`${name}: ${features} unit features in ${dimensions} dims, each with D exactly ${fraction}`, () => {
      const W = polytope(name);
      expect(W.shape).toEqual([dimensions, features]);
      expect(W.dtype).toBe('float64');
      for (const norm of featureNorms(W)) expect(Math.abs(norm - 1)).toBeLessThan(1e-15);
      for (const d of featureDimensionality(W)) expect(Math.abs(d - fraction)).toBeLessThan(1e-12);
      // Uniform unit features: dims per feature m / ‖W‖_F² = d / k is the same fraction.
      expect(Math.abs(dimensionsPerFeature(W) - fraction)).toBeLessThan(1e-12);
    });
  }

  it('builds the regular shapes: equal angles between neighbours', () => {
    // Triangle: cos 120° = −1/2 for every pair. Tetrahedron: cos θ = −1/3 for every pair.
    const pairs = (name: StickyName): number[] => gram(polytope(name)).flatMap((row, i) => row.filter((_, j) => j > i));
    for (const c of pairs('triangle')) expect(c).toBeCloseTo(-1 / 2, 14);
    for (const c of pairs('tetrahedron')) expect(c).toBeCloseTo(-1 / 3, 14);
    // Pentagon: each feature has two neighbours at cos 72° and two at cos 144°.
    const row = gram(polytope('pentagon'))[0].slice(1).sort((a, b) => a - b);
    [Math.cos(0.8 * Math.PI), Math.cos(0.8 * Math.PI), Math.cos(0.4 * Math.PI), Math.cos(0.4 * Math.PI)].forEach((c, k) => expect(row[k]).toBeCloseTo(c, 14));
  });

  it('every polytope is fully superposed (the dedicated single feature excepted)', () => {
    for (const { name, features } of STICKY_FRACTIONS) {
      expect(classifyFeatures(polytope(name))).toEqual(new Array(features).fill(name === 'dedicated' ? 'dedicated' : 'superposed'));
    }
  });

  it('refuses an unknown name', () => {
    expectOpError(() => polytope('hexagon' as StickyName), 'polytope', 'hexagon', 'pentagon');
  });
});

describe('the measure is local', () => {
  it('a triangle beside a digon: each feature gets its own polytope\'s D', () => {
    // Orthogonal subspaces: features of one block have zero dot products with the other's.
    const W = blockDiagonal(polytope('triangle'), polytope('digon'));
    expect(W.shape).toEqual([3, 5]);
    const D = featureDimensionality(W);
    [2 / 3, 2 / 3, 2 / 3, 1 / 2, 1 / 2].forEach((expected, i) => expect(Math.abs(D[i] - expected)).toBeLessThan(1e-12));
    // Dims per feature is the whole model's: 3 dims / 5 unit features.
    expect(dimensionsPerFeature(W)).toBeCloseTo(3 / 5, 14);
  });

  it('every shape together, plus a dedicated feature: the values cluster at every named fraction', () => {
    const names = STICKY_FRACTIONS.map((s) => s.name);
    const W = blockDiagonal(...names.map((name) => polytope(name)));
    const clusters = clusterDimensionalities(featureDimensionality(W), 1e-9);
    expect(clusters.counts).toEqual(Object.fromEntries(STICKY_FRACTIONS.map((s) => [s.name, s.features])));
    expect(clusters.unmatched).toBe(0);
    expect(clusters.total).toBe(1 + 4 + 3 + 2 + 5 + 8);
  });
});

describe('nearestFraction and clusterDimensionalities', () => {
  it('picks the nearest named fraction and reports the distance', () => {
    expect(nearestFraction(0.41)).toMatchObject({ name: 'pentagon', fraction: 0.4 });
    expect(nearestFraction(0.41).distance).toBeCloseTo(0.01, 14);
    expect(nearestFraction(0.37).name).toBe('square antiprism');
    expect(nearestFraction(0.9).name).toBe('dedicated');
    expect(nearestFraction(0.7).name).toBe('triangle'); // |0.7 − 2/3| = 0.033 < |0.7 − 3/4| = 0.05
    expect(nearestFraction(0)).toMatchObject({ name: 'square antiprism', distance: 0.375 });
  });

  it('counts values within the tolerance and leaves the rest unmatched', () => {
    // 1 and 0.99 → dedicated; 0.51 → digon; 0.4 → pentagon; 0.3 is 0.075 from 3/8 → unmatched.
    const clusters = clusterDimensionalities([1, 0.99, 0.51, 0.4, 0.3]);
    expect(clusters).toEqual({
      counts: { dedicated: 2, tetrahedron: 0, triangle: 0, digon: 1, pentagon: 1, 'square antiprism': 0 },
      unmatched: 1,
      total: 5,
    });
    // A tighter tolerance drops 0.99 and 0.51.
    expect(clusterDimensionalities([1, 0.99, 0.51, 0.4, 0.3], 0.005).unmatched).toBe(3);
    expect(clusterDimensionalities([]).total).toBe(0);
  });

  it('refuses negative or non-finite values and tolerances', () => {
    expectOpError(() => nearestFraction(-0.1), 'nearestFraction', '-0.1');
    expectOpError(() => clusterDimensionalities([0.5, Number.NaN]), 'clusterDimensionalities', 'value 1', 'NaN');
    expectOpError(() => clusterDimensionalities([0.5], -1), 'clusterDimensionalities', 'tolerance');
  });
});

describe('bandDimensionalities', () => {
  it('splits the values at no fraction into below 3/8, between fractions and above 1', () => {
    // 1 → dedicated; 0.51 → digon; 0.37 → square antiprism (0.005 away); 0.45 and 0.58 sit between
    // fractions (0.05 from 2/5 and 1/2; 0.08 from 1/2 and 2/3); 0.354 is just under 3/8 − 0.02 = 0.355;
    // 0.2 and 0 are far below; 1.5 is above 1 + 0.02.
    const bands = bandDimensionalities([1, 0.51, 0.37, 0.45, 0.58, 0.354, 0.2, 0, 1.5]);
    expect(bands).toEqual({
      counts: { dedicated: 1, tetrahedron: 0, triangle: 0, digon: 1, pentagon: 0, 'square antiprism': 1 },
      between: 2, below: 3, above: 1, total: 9,
    });
  });

  it('agrees with clusterDimensionalities on the matches, and its three bands add up to the unmatched', () => {
    const values = [0.99, 0.76, 0.66, 0.5, 0.41, 0.38, 0.3, 0.6, 0.1];
    for (const tolerance of [0, 0.005, 0.02, 0.05]) {
      const bands = bandDimensionalities(values, tolerance);
      const clusters = clusterDimensionalities(values, tolerance);
      expect(bands.counts).toEqual(clusters.counts);
      expect(bands.between + bands.below + bands.above).toBe(clusters.unmatched);
      expect(bands.total).toBe(values.length);
    }
    // A wider tolerance moves the lower edge: 0.3 is below 3/8 − 0.02 but within 3/8 − 0.1.
    expect(bandDimensionalities([0.3], 0.02).below).toBe(1);
    expect(bandDimensionalities([0.3], 0.1).counts['square antiprism']).toBe(1);
  });

  it('refuses negative or non-finite values and tolerances', () => {
    expectOpError(() => bandDimensionalities([0.5, -1]), 'bandDimensionalities', 'value 1', '-1');
    expectOpError(() => bandDimensionalities([0.5], Number.NaN), 'bandDimensionalities', 'tolerance');
  });
});
