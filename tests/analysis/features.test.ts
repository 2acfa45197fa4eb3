import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyFeatures, dimensionsPerFeature, featureDimensionality, featureNorms, gram, instanceWeights, interference,
} from '../../src/analysis/features.js';
import { polytope } from '../../src/analysis/geometry.js';
import { tensor, eye, zeros } from '../../src/tensor/creation.js';
import { permute } from '../../src/tensor/movement.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { stridedViewArb, tensorArb } from '../support/arbitraries.js';
import { expectOpError } from '../support/expect.js';

/** A float64 matrix from nested rows, so that hand-derived values like 0.4 are held exactly. */
const matrix = (rows: number[][]): Tensor => tensor(rows, undefined, 'float64');

/** A random m×m orthogonal matrix: Gram–Schmidt on a seeded normal matrix (rows orthonormal). */
function randomOrthogonal(m: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  while (rows.length < m) {
    const v = Array.from({ length: m }, () => rng.normal());
    for (const q of rows) {
      const dot = v.reduce((s, x, k) => s + x * q[k], 0);
      for (let k = 0; k < m; k++) v[k] -= dot * q[k];
    }
    const length = Math.hypot(...v);
    if (length > 1e-6) rows.push(v.map((x) => x / length));
  }
  return rows;
}

/** Q·W in float64, for W [m, n] given as a tensor. */
function rotate(Q: number[][], W: Tensor): Tensor {
  const [m, n] = W.shape;
  const out = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += Q[r][k] * W.at(k, c);
    out[r * n + c] = s;
  }
  return new Tensor(out, [m, n]);
}

const closeArrays = (actual: number[], expected: number[], tolerance: number): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i]))));
};

/** W of shape [m, n] (m 1–4, n 1–6) with float32 values in [−4, 4]. */
const weightsArb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })).chain(([m, n]) => tensorArb([m, n]));

describe('per-feature measures on hand-built W', () => {
  it('orthogonal unit vectors: norms 1, interference 0, D 1, Gram = I, one dim per feature', () => {
    const W = eye(3, 3, 'float64');
    expect(featureNorms(W)).toEqual([1, 1, 1]);
    expect(interference(W)).toEqual([0, 0, 0]);
    expect(featureDimensionality(W)).toEqual([1, 1, 1]);
    expect(gram(W)).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(dimensionsPerFeature(W)).toBe(1); // m / ‖W‖_F² = 3 / 3
  });

  it('an antipodal pair: each sees the other fully (interference 1) and gets half a dimension', () => {
    // W = [1, −1] in one dim: Ŵ₁·W₂ = −1, so interference (−1)² = 1 and D = 1 / (1 + 1) = 1/2.
    const W = matrix([[1, -1]]);
    expect(featureNorms(W)).toEqual([1, 1]);
    expect(interference(W)).toEqual([1, 1]);
    expect(featureDimensionality(W)).toEqual([0.5, 0.5]);
    expect(gram(W)).toEqual([[1, -1], [-1, 1]]);
    expect(dimensionsPerFeature(W)).toBe(0.5); // 1 / (1 + 1)
  });

  it('a zero column: norm 0, interference and D defined as 0, and it adds nothing to the others', () => {
    // Columns e₁, 0, −e₁ in 2 dims. Feature 0 sees only feature 2: interference 1, D = 1/(1+0+1).
    const W = matrix([[1, 0, -1], [0, 0, 0]]);
    expect(featureNorms(W)).toEqual([1, 0, 1]);
    expect(interference(W)).toEqual([1, 0, 1]);
    expect(featureDimensionality(W)).toEqual([0.5, 0, 0.5]);
    expect(gram(W)).toEqual([[1, 0, -1], [0, 0, 0], [-1, 0, 1]]);
    expect(dimensionsPerFeature(W)).toBe(1); // 2 / (1 + 0 + 1)
  });

  it('scaled orthogonal columns: norms follow the scale, interference stays 0 and D stays 1', () => {
    const W = matrix([[3, 0], [0, 0.5]]);
    expect(featureNorms(W)).toEqual([3, 0.5]);
    expect(interference(W)).toEqual([0, 0]);
    expect(featureDimensionality(W)).toEqual([1, 1]);
    expect(dimensionsPerFeature(W)).toBe(2 / 9.25); // m = 2, ‖W‖_F² = 9 + 0.25
  });

  it('parallel columns of lengths 1 and 2: the longer one takes the larger share of the dimension', () => {
    // G = [[1, 2], [2, 4]]. interference₀ = 2²/1 = 4, interference₁ = 2²/4 = 1.
    // D₀ = 1² / (1 + 4) = 1/5, D₁ = 4² / (4 + 16) = 4/5: together the one dimension.
    const W = matrix([[1, 2]]);
    expect(featureNorms(W)).toEqual([1, 2]);
    expect(interference(W)).toEqual([4, 1]);
    closeArrays(featureDimensionality(W), [0.2, 0.8], 1e-15);
    expect(dimensionsPerFeature(W)).toBe(0.2); // 1 / (1 + 4)
  });

  it('columns at 45°: e₁ and (1, 1)', () => {
    // G = [[1, 1], [1, 2]]. interference₀ = 1/1 = 1, interference₁ = 1/2; D₀ = 1/(1+1), D₁ = 4/(4+1).
    const W = matrix([[1, 1], [0, 1]]);
    closeArrays(featureNorms(W), [1, Math.SQRT2], 1e-15);
    expect(interference(W)).toEqual([1, 0.5]);
    expect(featureDimensionality(W)).toEqual([0.5, 0.8]);
    expect(gram(W)).toEqual([[1, 1], [1, 2]]);
    expect(dimensionsPerFeature(W)).toBe(2 / 3); // 2 / (1 + 2)
  });
});

describe('laws of the measures', () => {
  it('rotating the hidden space (W → QW, Q orthogonal) changes no measure', () => {
    fc.assert(fc.property(weightsArb, fc.integer({ min: 0, max: 1_000_000 }), (W, seed) => {
      const rotated = rotate(randomOrthogonal(W.shape[0], seed), W);
      const scale = Math.max(1, ...featureNorms(W)) ** 2;
      closeArrays(featureNorms(rotated), featureNorms(W), 1e-12 * scale);
      closeArrays(interference(rotated), interference(W), 1e-12 * scale);
      closeArrays(gram(rotated).flat(), gram(W).flat(), 1e-12 * scale);
      // D is a ratio: compare it only where the column is clearly non-zero (a column of norm
      // 1e-9 rounds to a different direction after rotation, and D is 0 exactly at zero).
      const norms = featureNorms(W);
      const dOriginal = featureDimensionality(W);
      const dRotated = featureDimensionality(rotated);
      norms.forEach((norm, i) => {
        if (norm > 1e-3) expect(Math.abs(dRotated[i] - dOriginal[i])).toBeLessThan(1e-9);
      });
    }));
  });

  it('scaling W by s scales norms by |s|, interference and Gram by s², keeps D, divides dims per feature by s²', () => {
    fc.assert(fc.property(weightsArb, fc.constantFrom(-2, -0.5, 0.25, 4), (W, s) => {
      const scaled = new Tensor(Float64Array.from(W.toTypedArray(), (v) => v * s), W.shape);
      closeArrays(featureNorms(scaled), featureNorms(W).map((v) => Math.abs(s) * v), 1e-12);
      closeArrays(interference(scaled), interference(W).map((v) => s * s * v), 1e-12);
      closeArrays(gram(scaled).flat(), gram(W).flat().map((v) => s * s * v), 1e-12);
      closeArrays(featureDimensionality(scaled), featureDimensionality(W), 1e-12);
      if (featureNorms(W).some((v) => v > 0)) {
        expect(dimensionsPerFeature(scaled)).toBeCloseTo(dimensionsPerFeature(W) / (s * s), 9);
      }
    }));
  });

  it('0 ≤ Dᵢ ≤ 1, Σᵢ Dᵢ ≤ m, and interferenceᵢ = ‖Wᵢ‖²(1/Dᵢ − 1)', () => {
    fc.assert(fc.property(weightsArb, (W) => {
      const m = W.shape[0];
      const D = featureDimensionality(W);
      const norms = featureNorms(W);
      const others = interference(W);
      for (const d of D) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1 + 1e-12);
      }
      expect(D.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(m + 1e-9);
      D.forEach((d, i) => {
        if (d > 0) expect(others[i]).toBeCloseTo(norms[i] ** 2 * (1 / d - 1), 6);
      });
    }));
  });

  it('strided views, transposes and float32 storage give the same values as packed float64', () => {
    fc.assert(fc.property(weightsArb.chain((W) => fc.tuple(fc.constant(W), stridedViewArb(W))), ([W, view]) => {
      const W64 = new Tensor(Float64Array.from(W.toTypedArray()), W.shape);
      // The transpose of Wᵀ packed: strides [1, m], not contiguous.
      const transposed = permute(new Tensor(Float64Array.from(permute(W, [1, 0]).toTypedArray()), [W.shape[1], W.shape[0]]), [1, 0]);
      for (const other of [view, W64, transposed]) {
        expect(featureNorms(other)).toEqual(featureNorms(W));
        expect(interference(other)).toEqual(interference(W));
        expect(featureDimensionality(other)).toEqual(featureDimensionality(W));
        expect(gram(other)).toEqual(gram(W));
        expect(classifyFeatures(other)).toEqual(classifyFeatures(W));
      }
    }));
  });
});

describe('instanceWeights', () => {
  it('returns instance k of [I, m, n] as an [m, n] view with the same values', () => {
    // W3[k][r][c] = 100k + 10r + c, so every entry names its position.
    const W3 = tensor(Array.from({ length: 3 }, (_, k) => Array.from({ length: 2 }, (_, r) => Array.from({ length: 4 }, (_, c) => 100 * k + 10 * r + c))));
    const W = instanceWeights(W3, 2);
    expect(W.shape).toEqual([2, 4]);
    expect(W.data).toBe(W3.data); // a view, not a copy
    expect(W.toArray()).toEqual([[200, 201, 202, 203], [210, 211, 212, 213]]);
    expect(featureNorms(W)).toEqual(featureNorms(tensor([[200, 201, 202, 203], [210, 211, 212, 213]])));
  });

  it('refuses a tensor that is not [I, m, n] and an instance out of range', () => {
    expectOpError(() => instanceWeights(zeros([2, 3]), 0), 'instanceWeights', '[2,3]', '[instances, m, n]');
    expectOpError(() => instanceWeights(zeros([2, 1, 3]), 2), 'instanceWeights', 'instance 2', '[2,1,3]');
    expectOpError(() => instanceWeights(zeros([2, 1, 3]), 0.5), 'instanceWeights', 'instance 0.5');
  });
});

describe('classifyFeatures', () => {
  it('the identity: every feature dedicated', () => {
    expect(classifyFeatures(eye(4))).toEqual(['dedicated', 'dedicated', 'dedicated', 'dedicated']);
  });

  it('a pentagon: every feature superposed (interference 3/2 each)', () => {
    expect(classifyFeatures(polytope('pentagon'))).toEqual(new Array(5).fill('superposed'));
  });

  it('zero and short columns are absent, and an absent column does not make its neighbour superposed', () => {
    // Column 1 is 0.4·e₁: norm 0.4 < 0.5, so absent. It puts interference 0.4² = 0.16 > 0.1 on
    // column 0 (e₁), but only represented features count, so column 0 stays dedicated.
    const W = matrix([[1, 0.4, 0, 0], [0, 0, 0, 1]]);
    expect(interference(W)[0]).toBeCloseTo(0.16, 12);
    expect(classifyFeatures(W)).toEqual(['dedicated', 'absent', 'absent', 'dedicated']);
  });

  it('an antipodal pair plus a dedicated feature, and the thresholds move the boundaries', () => {
    const W = matrix([[1, -1, 0], [0, 0, 0.6]]);
    expect(classifyFeatures(W)).toEqual(['superposed', 'superposed', 'dedicated']);
    // Raise the bar for "represented" above 0.6: the third feature becomes absent.
    expect(classifyFeatures(W, { representedNorm: 0.7 })).toEqual(['superposed', 'superposed', 'absent']);
    // Tolerate interference up to 1 (the pair's): everyone is dedicated.
    expect(classifyFeatures(W, { interferenceLimit: 1 })).toEqual(['dedicated', 'dedicated', 'dedicated']);
  });

  it('refuses nonsense thresholds', () => {
    expectOpError(() => classifyFeatures(eye(2), { representedNorm: -1 }), 'classifyFeatures', 'representedNorm', '-1');
    expectOpError(() => classifyFeatures(eye(2), { interferenceLimit: Number.NaN }), 'classifyFeatures', 'interferenceLimit');
  });
});

describe('errors name the function and the shape', () => {
  const measures = { featureNorms, interference, featureDimensionality, gram, dimensionsPerFeature, classifyFeatures } as const;

  for (const [name, measure] of Object.entries(measures)) {
    it(`${name} refuses a non-matrix, an empty matrix and a non-finite entry`, () => {
      expectOpError(() => measure(zeros([5])), name, '[5]', '[m, n]');
      expectOpError(() => measure(zeros([4, 2, 5])), name, '[4,2,5]', 'instanceWeights');
      expectOpError(() => measure(zeros([2, 0])), name, '[2,0]');
      expectOpError(() => measure(matrix([[1, Number.NaN]])), name, 'W[0,1] is NaN', '[1,2]');
    });
  }

  it('dimensionsPerFeature refuses an all-zero W (m / 0)', () => {
    expectOpError(() => dimensionsPerFeature(zeros([2, 3])), 'dimensionsPerFeature', '[2,3]', 'all zeros');
  });
});
