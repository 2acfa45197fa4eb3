import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activationDensityHistogram, cosineMatrix, deadLatents, denseLatents, featuresRecovered, fractionOfVarianceExplained, l0,
  latentDensities, latentFireCounts, latentMatches, meanSquaredError, meanSquaredErrorPerElement, mmcs,
} from '../../src/analysis/sae.js';
import { tensor } from '../../src/tensor/creation.js';
import { permute, reshape } from '../../src/tensor/movement.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** A float64 matrix from nested rows, so that hand-derived values are held exactly. */
const matrix = (rows: number[][]): Tensor => tensor(rows, undefined, 'float64');

/** The same rows with a leading instance axis of 1: [1, rows, cols]. */
const oneInstance = (t: Tensor): Tensor => reshape(t, [1, ...t.shape]);

describe('l0', () => {
  it('counts non-zero latents per sample and averages over samples', () => {
    // Rows fire 2, 0 and 3 latents: (2 + 0 + 3) / 3.
    const f = matrix([[1, 0, 2], [0, 0, 0], [0.5, 4, 1e-9]]);
    expect(l0(f)).toBe(5 / 3);
  });

  it('is 0 for all-zero features, and d_sae when every latent fires', () => {
    expect(l0(matrix([[0, 0], [0, 0]]))).toBe(0);
    expect(l0(matrix([[1, 2], [3, 4]]))).toBe(2);
  });

  it('reads a one-instance [1, B, d] tensor and a strided view like the packed [B, d] matrix', () => {
    const f = matrix([[1, 0, 2], [0, 0, 3]]);
    expect(l0(oneInstance(f))).toBe(1.5); // (2 + 1) / 2
    // fᵀ is [3, 2]: rows (1,0), (0,0), (2,3) fire 1, 0, 2 → 3 / 3.
    expect(l0(permute(f, [1, 0]))).toBe(1);
  });

  it('refuses other shapes, several instances and NaN, naming itself and the shape', () => {
    expectOpError(() => l0(tensor([1, 0, 2])), 'l0', '[samples, latents]', '[3]');
    expectOpError(() => l0(tensor([[[1]], [[2]]])), 'l0', '[2,1,1]', 'instanceWeights');
    expectOpError(() => l0(matrix([[1, NaN]])), 'l0', 'latents[0,1] is NaN', '[1,2]');
    expectOpError(() => l0(new Tensor(new Float32Array(0), [0, 4])), 'l0', '[0,4]');
  });
});

describe('meanSquaredError', () => {
  it('is the mean over samples of ‖x − x̂‖², summed over dimensions', () => {
    // Errors per sample: (0² + 2²) = 4 and (3² + 0²) = 9 → (4 + 9) / 2 samples.
    const x = matrix([[1, 2], [3, 4]]);
    const xHat = matrix([[1, 0], [0, 4]]);
    expect(meanSquaredError(x, xHat)).toBe(6.5);
  });

  it('per element it is the same sum over B·d entries: d times smaller', () => {
    const x = matrix([[1, 2], [3, 4]]);
    const xHat = matrix([[1, 0], [0, 4]]);
    expect(meanSquaredErrorPerElement(x, xHat)).toBe(3.25); // 13 / 4
    expect(meanSquaredErrorPerElement(x, xHat) * 2).toBe(meanSquaredError(x, xHat));
  });

  it('is 0 for a perfect reconstruction, in any layout', () => {
    const x = matrix([[1, -2, 3], [4, 5, -6]]);
    expect(meanSquaredError(x, oneInstance(x))).toBe(0);
  });

  it('refuses x and x̂ of different shapes, naming both', () => {
    expectOpError(() => meanSquaredError(matrix([[1, 2]]), matrix([[1, 2, 3]])), 'meanSquaredError', '[1,2]', '[1,3]');
    expectOpError(() => meanSquaredErrorPerElement(matrix([[1], [2]]), matrix([[1]])), 'meanSquaredErrorPerElement', '[2,1]', '[1,1]');
    expectOpError(() => meanSquaredError(matrix([[1, 2]]), matrix([[1, Infinity]])), 'meanSquaredError', 'xHat[0,1] is Infinity');
  });
});

describe('fractionOfVarianceExplained', () => {
  it('matches a hand-worked case', () => {
    // x̄ = [2, 0]; Σ‖x − x̄‖² = 1 + 1 = 2; error = 0.5² + 0.5² = 0.5 → 1 − 0.5 / 2.
    expect(fractionOfVarianceExplained(matrix([[1, 0], [3, 0]]), matrix([[1.5, 0], [2.5, 0]]))).toBe(0.75);
  });

  it('is 1 for a perfect reconstruction and 0 for the mean', () => {
    const x = matrix([[1, 2], [3, -1], [5, 5]]);
    // x̄ = [(1 + 3 + 5)/3, (2 − 1 + 5)/3] = [3, 2].
    const mean = matrix([[3, 2], [3, 2], [3, 2]]);
    expect(fractionOfVarianceExplained(x, x)).toBe(1);
    expect(fractionOfVarianceExplained(x, mean)).toBe(0);
  });

  it('is below 0 for a reconstruction worse than the mean', () => {
    // x = [−1], [1]: x̄ = 0, Σ‖x − x̄‖² = 2. x̂ = −x: error 4 + 4 = 8 → 1 − 8/2 = −3.
    expect(fractionOfVarianceExplained(matrix([[-1], [1]]), matrix([[1], [-1]]))).toBe(-3);
  });

  it('is not flattered by a large offset: the mean explains nothing, though a variance about zero says ≈ 1', () => {
    // Samples 1000 ± 1 in each of two dims; x̄ = [1000, 1000], x̂ = x̄ for every sample.
    const rows = [[999, 1001], [1001, 999], [1000, 1002], [1000, 998]];
    const x = matrix(rows);
    const mean = matrix(rows.map(() => [1000, 1000]));
    expect(fractionOfVarianceExplained(x, mean)).toBe(0);
    // The buggy version, variance about zero: the error is Σ (x − 1000)² = 1+1+1+1+0+4+0+4 = 12 and
    // Σ‖x‖² = 8·1000² + 2·1000·Σ(x − 1000) + 12 = 8 000 012, so 1 − 12 / 8 000 012 ≈ 0.9999985.
    const error = rows.flat().reduce((s, v) => s + (v - 1000) ** 2, 0);
    const aboutZero = 1 - error / rows.flat().reduce((s, v) => s + v * v, 0);
    expect(error).toBe(12);
    expect(aboutZero).toBeGreaterThan(0.99999);
  });

  it('does not depend on a constant offset added to both x and x̂', () => {
    const x = [[0.3, -1.2], [2, 0.5], [-0.7, 0.1]];
    const xHat = [[0.1, -1], [1.5, 0.4], [-0.2, 0.3]];
    const shifted = (rows: number[][]): Tensor => matrix(rows.map((r) => r.map((v) => v + 500)));
    expect(fractionOfVarianceExplained(shifted(x), shifted(xHat))).toBeCloseTo(fractionOfVarianceExplained(matrix(x), matrix(xHat)), 9);
  });

  it('refuses data with no variance, and mismatched shapes', () => {
    expectOpError(() => fractionOfVarianceExplained(matrix([[1, 2], [1, 2]]), matrix([[1, 2], [1, 2]])), 'fractionOfVarianceExplained', 'no variance', '[2,2]');
    expectOpError(() => fractionOfVarianceExplained(matrix([[1, 2]]), matrix([[1, 2]])), 'fractionOfVarianceExplained', 'no variance');
    expectOpError(() => fractionOfVarianceExplained(matrix([[1, 2]]), matrix([[1], [2]])), 'fractionOfVarianceExplained', '[1,2]', '[2,1]');
  });
});

describe('latent firing: counts, densities, dead and dense latents', () => {
  // 4 samples × 3 latents: latent 0 fires on all, latent 1 on one, latent 2 (dead) on none.
  const f = matrix([[1, 0, 0], [2, 0, 0], [0.5, 3, 0], [1, 0, 0]]);

  it('counts and densities per latent, a dead latent counting 0', () => {
    expect(latentFireCounts(f)).toEqual([4, 1, 0]);
    expect(latentDensities(f)).toEqual([1, 0.25, 0]);
    expect(latentFireCounts(matrix([[0, 0], [0, 0]]))).toEqual([0, 0]);
  });

  it('deadLatents from counts: the latents with a zero count', () => {
    expect(deadLatents(latentFireCounts(f))).toEqual([2]);
    expect(deadLatents([0, 0, 0])).toEqual([0, 1, 2]);
    expect(deadLatents([3, 1])).toEqual([]);
  });

  it('deadLatents from a fire history: none fired within the window of last rows', () => {
    const history = [[1, 0, 0], [0, 0, 2], [0, 0, 1]];
    expect(deadLatents(history)).toEqual([1]); // every row: latent 1 never fired
    expect(deadLatents(history, 2)).toEqual([0, 1]); // last 2 rows: latent 0 last fired 3 rows ago
    expect(deadLatents(history, 3)).toEqual([1]);
    expect(deadLatents(history, 10)).toEqual([1]); // a window longer than the history is all of it
  });

  it('deadLatents refuses a window with counts, a bad window, ragged rows and negative counts', () => {
    expectOpError(() => deadLatents([1, 0], 5), 'deadLatents', 'window');
    expectOpError(() => deadLatents([[1, 0]], 0), 'deadLatents', 'window must be a whole number ≥ 1, got 0');
    expectOpError(() => deadLatents([[1, 0], [1]]), 'deadLatents', 'row 1');
    expectOpError(() => deadLatents([1, -1]), 'deadLatents', 'got -1 for latent 1');
    expectOpError(() => deadLatents([]), 'deadLatents', 'empty');
  });

  it('denseLatents: density strictly above the threshold', () => {
    // Densities [1, 0.25, 0].
    expect(denseLatents(f)).toEqual([0, 1]); // default 0.1: 0.25 > 0.1
    expect(denseLatents(f, 0.25)).toEqual([0]); // 0.25 is not above 0.25
    expect(denseLatents(f, 0)).toEqual([0, 1]); // a dead latent is never dense
    expectOpError(() => denseLatents(f, 1), 'denseLatents', 'threshold');
  });
});

describe('activationDensityHistogram', () => {
  /** B samples × densities.length latents; latent l fires on its first round(density·B) samples. */
  function withDensities(B: number, densities: number[]): Tensor {
    const rows = Array.from({ length: B }, (_, s) => densities.map((d) => (s < Math.round(d * B) ? 1 : 0)));
    return matrix(rows);
  }

  it('bins log₁₀ density, counting never-firing latents apart', () => {
    // 10 samples; densities 1, 0.1, 0 → log₁₀ 0 (top edge, last bin), −1 (first bin), and one never fired.
    const histogram = activationDensityHistogram(withDensities(10, [1, 0.1, 0]), 2);
    expect(histogram).toEqual({ edges: [-1, -0.5, 0], counts: [1, 1], neverFired: 1, samples: 10 });
  });

  it('defaults to [⌊log₁₀(1/B)⌋, 0], so the rarest possible latent lands in the first bin', () => {
    // B = 1000: one firing sample is density 10⁻³; the range is [−3, 0] in 3 bins of one decade.
    // Densities 0.001, 0.02 (log −1.70), 0.5 (log −0.30), 1 → bins 0, 1, 2, 2.
    const histogram = activationDensityHistogram(withDensities(1000, [0.001, 0.02, 0.5, 1]), 3);
    expect(histogram.edges).toEqual([-3, -2, -1, 0]);
    expect(histogram.counts).toEqual([1, 1, 2]);
    expect(histogram.neverFired).toBe(0);
  });

  it('puts densities outside a given range in the end bins, so the counts sum to the latents that fired', () => {
    // B = 100: densities 0.01 (log −2) and 1 (log 0) against a range [−1, −0.5].
    const histogram = activationDensityHistogram(withDensities(100, [0.01, 1, 0]), 2, { min: -1, max: -0.5 });
    expect(histogram.edges).toEqual([-1, -0.75, -0.5]);
    expect(histogram.counts).toEqual([1, 1]);
    expect(histogram.neverFired).toBe(1);
  });

  it('all-zero features: every latent never fired, no bin filled', () => {
    const histogram = activationDensityHistogram(matrix([[0, 0, 0]]), 4);
    expect(histogram.counts).toEqual([0, 0, 0, 0]);
    expect(histogram.neverFired).toBe(3);
    expect(histogram.edges[0]).toBe(-1); // B = 1 would give [0, 0]; the range is widened to [−1, 0]
  });

  it('refuses a bad bin count or an empty range', () => {
    expectOpError(() => activationDensityHistogram(matrix([[1]]), 0), 'activationDensityHistogram', 'bins');
    expectOpError(() => activationDensityHistogram(matrix([[1]]), 2, { min: 0, max: 0 }), 'activationDensityHistogram', 'min < max');
  });
});

describe('cosineMatrix', () => {
  it('is signed, scale-free, and 0 for a zero row', () => {
    // True e₀ and 2e₁; learned 3e₀, −e₀, (1, 1), 0. cos((1,1), e) = 1/√2.
    const cos = cosineMatrix(matrix([[1, 0], [0, 2]]), matrix([[3, 0], [-1, 0], [1, 1], [0, 0]]));
    expect(cos.length).toBe(2);
    expect(cos[0]).toEqual([1, -1, expect.closeTo(Math.SQRT1_2, 15), 0]);
    expect(cos[1]).toEqual([0, 0, expect.closeTo(Math.SQRT1_2, 15), 0]);
  });

  it('keeps tiny and huge rows at unit length (no underflow when squaring 1e-160)', () => {
    // (1e-160)² = 1e-320 is subnormal: normalising by √Σv² alone would give cos ≠ 1 here.
    expect(cosineMatrix(matrix([[1, 0], [3e-160, 4e-160]]), matrix([[7e-160, 0], [3e150, 4e150]]))).toEqual([[1, 0.6], [0.6, 1]]);
  });

  it('accepts the SAE decoder layout [1, d_sae, d_in] and refuses a different d', () => {
    const truth = matrix([[1, 0, 0]]);
    expect(cosineMatrix(truth, oneInstance(matrix([[0, 5, 0], [2, 0, 0]])))).toEqual([[0, 1]]);
    expectOpError(() => cosineMatrix(truth, matrix([[1, 0]])), 'cosineMatrix', '[1,3]', '[1,2]', 'last dimension');
    expectOpError(() => cosineMatrix(tensor([1, 0]), truth), 'cosineMatrix', 'trueFeatures', '[2]');
  });

  it('every entry is in [−1, 1], and swapping the arguments transposes it', () => {
    const rowsArb = (rows: number, d: number) => fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: d, maxLength: d }), { minLength: rows, maxLength: rows });
    const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([n, L, d]) => fc.tuple(rowsArb(n, d), rowsArb(L, d)));
    fc.assert(fc.property(arb, ([a, b]) => {
      const ab = cosineMatrix(matrix(a), matrix(b));
      const ba = cosineMatrix(matrix(b), matrix(a));
      ab.forEach((row, i) => row.forEach((c, l) => {
        expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-12);
        expect(c).toBeCloseTo(ba[l][i], 12);
      }));
    }));
  });
});

describe('mmcs, featuresRecovered and latentMatches', () => {
  const identity = matrix([[1, 0], [0, 1]]);

  it('identical directions (any positive scale, any order): both ways 1, every feature recovered', () => {
    const learned = matrix([[0, 4], [0.5, 0]]);
    expect(mmcs(identity, learned)).toEqual({ trueToLearned: 1, learnedToTrue: 1 });
    expect(featuresRecovered(identity, learned)).toBe(2);
  });

  it('sign-flipped directions give cosine −1 and do not count as found (no |cos|)', () => {
    // Learned −e₀, −e₁: every cosine is −1 or 0, so each max is 0.
    const flipped = matrix([[-1, 0], [0, -1]]);
    expect(cosineMatrix(identity, flipped)).toEqual([[-1, 0], [0, -1]]);
    expect(mmcs(identity, flipped)).toEqual({ trueToLearned: 0, learnedToTrue: 0 });
    expect(featuresRecovered(identity, flipped)).toBe(0);
    // A single true feature and its negative alone: the max cosine is −1.
    expect(mmcs(matrix([[1, 0]]), matrix([[-2, 0]]))).toEqual({ trueToLearned: -1, learnedToTrue: -1 });
  });

  it('true→learned and learned→true differ: duplicates and dead latents', () => {
    // Learned: e₀ twice and a dead (zero) row; e₁ never found.
    // true→learned: e₀ best 1, e₁ best 0 → 1/2. learned→true: 1, 1, 0 → 2/3.
    const learned = matrix([[1, 0], [3, 0], [0, 0]]);
    expect(mmcs(identity, learned)).toEqual({ trueToLearned: 0.5, learnedToTrue: 2 / 3 });
    expect(featuresRecovered(identity, learned)).toBe(1);
    // Swap roles: a perfect learned set against a partial truth scores the other way round.
    expect(mmcs(matrix([[1, 0], [3, 0]]), identity)).toEqual({ trueToLearned: 1, learnedToTrue: 0.5 });
    // A zero row as a true feature has no direction: refused, not scored as cosine 0.
    expect(() => mmcs(learned, identity)).toThrow('true feature 2 of trueFeatures');
    expect(() => mmcs(learned, identity)).toThrow('is the zero vector');
  });

  it('featuresRecovered counts cos ≥ threshold (an exact hit at the threshold counts)', () => {
    // (1, 0.1)/‖·‖ has cos 1/√1.01 ≈ 0.995 with e₀ and 0.1/√1.01 ≈ 0.0995 with e₁.
    const learned = matrix([[1, 0.1]]);
    expect(featuresRecovered(identity, learned)).toBe(1);
    expect(featuresRecovered(identity, learned, 0.996)).toBe(0);
    expect(featuresRecovered(identity, learned, 0.05)).toBe(2);
    // (2, 0) normalises exactly to e₀: cos exactly 1 meets threshold 1.
    expect(featuresRecovered(identity, matrix([[2, 0]]), 1)).toBe(1);
    expectOpError(() => featuresRecovered(identity, learned, 1.5), 'featuresRecovered', 'threshold');
  });

  it('all-zero learned directions recover nothing', () => {
    expect(mmcs(identity, matrix([[0, 0], [0, 0], [0, 0]]))).toEqual({ trueToLearned: 0, learnedToTrue: 0 });
    expect(featuresRecovered(identity, matrix([[0, 0]]), 0)).toBe(2); // cos 0 ≥ 0: the threshold is inclusive
  });

  it('latentMatches names each learned row by its best true feature, ties to the lower index', () => {
    // (0, 3) → e₁ with cos 1; (1, 1) ties e₀ and e₁ at 1/√2 → e₀; (−1, 0) → e₁ at 0 beats e₀ at −1.
    const matches = latentMatches(identity, matrix([[0, 3], [1, 1], [-1, 0]]));
    expect(matches).toEqual([
      { feature: 1, cosine: 1 },
      { feature: 0, cosine: expect.closeTo(Math.SQRT1_2, 15) },
      { feature: 1, cosine: 0 },
    ]);
  });

  it('refuses mismatched dimensions, naming the function', () => {
    expectOpError(() => mmcs(identity, matrix([[1, 0, 0]])), 'mmcs', '[2,2]', '[1,3]');
    expectOpError(() => latentMatches(identity, matrix([[1]])), 'latentMatches', '[2,2]', '[1,1]');
  });
});
