import { describe, expect, it } from 'vitest';
import { instanceWeights } from '../../src/analysis/features.js';
import {
  PHASES, antipodalBias, antipodalFeatureLoss, candidateLosses, candidateSolutions, classifyPhase, logGrid, phaseGrid,
  theoreticalPhase, type CandidateSolution, type Phase,
} from '../../src/analysis/phase.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import { Rng } from '../../src/tensor/random.js';
import { expectOpError } from '../support/expect.js';

/*
 * Monte-Carlo checks. Each closed form is an expectation E[ℓ] of a per-sample loss ℓ; the sample
 * mean over N independent draws has standard error s/√N (s the sample standard deviation). A
 * correct formula lands within 5 standard errors with probability 1 − 6·10⁻⁷; the seeds are
 * fixed, so the checks are also deterministic. A wrong term (a missing p(1 − p)c² say) is off by
 * hundreds of standard errors at these N.
 */
const SIGMAS = 5;
const SAMPLES = 200_000;

interface Estimate { mean: number; standardError: number }

/** Mean and standard error of `perSample` over SAMPLES draws of (x₁, x₂) at density p. */
function monteCarlo(density: number, seed: number, perSample: (x1: number, x2: number) => number): Estimate {
  const rng = new Rng(seed);
  const draw = (): number => (rng.nextDouble() < density ? rng.nextDouble() : 0);
  let sum = 0;
  let sumSquares = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const value = perSample(draw(), draw());
    sum += value;
    sumSquares += value * value;
  }
  const mean = sum / SAMPLES;
  const variance = Math.max(sumSquares / SAMPLES - mean * mean, 0);
  return { mean, standardError: Math.sqrt(variance / SAMPLES) };
}

const relu = (v: number): number => (v > 0 ? v : 0);

/** The model's loss on one sample, written out: x′ = ReLU(Wᵀ(W x) + b), ½(e₁² + r·e₂²). */
function sampleLoss({ W, b }: CandidateSolution, importance: number, x1: number, x2: number): number {
  const h = W[0] * x1 + W[1] * x2;
  const e1 = x1 - relu(W[0] * h + b[0]);
  const e2 = x2 - relu(W[1] * h + b[1]);
  return 0.5 * (e1 * e1 + importance * e2 * e2);
}

const expectWithin = (closedForm: number, estimate: Estimate): void => {
  expect(Math.abs(closedForm - estimate.mean)).toBeLessThanOrEqual(SIGMAS * estimate.standardError + 1e-12);
};

describe('closed-form losses against Monte Carlo', () => {
  const cells: [number, number][] = [[0.3, 1], [1, 0.3], [3, 0.05], [0.5, 0.6], [1.2, 0.9]];
  let seed = 1;
  for (const [importance, density] of cells) {
    it(`every candidate at r = ${importance}, p = ${density}`, () => {
      const solutions = candidateSolutions(importance, density);
      for (const phase of PHASES) {
        const estimate = monteCarlo(density, seed++, (x1, x2) => sampleLoss(solutions[phase], importance, x1, x2));
        expectWithin(solutions[phase].loss, estimate);
      }
    });
  }

  it('antipodalFeatureLoss on every branch of the bias: c ≤ −1, −1 < c < 0, 0 ≤ c < 1, c ≥ 1', () => {
    let seed = 100;
    for (const density of [1, 0.4]) {
      for (const bias of [-1.5, -0.6, -0.2, 0, 0.2, 0.7, 1.4]) {
        const estimate = monteCarlo(density, seed++, (x1, x2) => (x1 - relu(x1 - x2 + bias)) ** 2);
        expectWithin(antipodalFeatureLoss(bias, density), estimate);
      }
    }
  });
});

describe('closed forms by hand', () => {
  it('dropping a feature costs its variance p/3 − p²/4, weighted and halved', () => {
    // p = 1: Var U[0,1) = 1/12; p = 0.5: 1/6 − 1/16 = 5/48.
    expect(candidateLosses(1, 1).dedicated).toBeCloseTo(1 / 24, 15);
    expect(candidateLosses(3, 1)['not-represented']).toBeCloseTo(3 / 24, 15);
    expect(candidateLosses(2, 0.5)['not-represented']).toBeCloseTo(5 / 48, 15);
    expect(candidateSolutions(2, 0.5).dedicated.b).toEqual([0.25, 0]); // b₁ = E[x₁] = p/2
  });

  it('the antipodal pair with no bias costs p²/6 per feature: E[min(x₁, x₂)²] = 1/6 when both are present', () => {
    for (const p of [1, 0.3, 0.01]) expect(antipodalFeatureLoss(0, p)).toBeCloseTo(p * p / 6, 15);
    // c ≤ −1: the output is always 0, so the error is E[x²] = p/3. c = 2: c² − pc + p/3.
    expect(antipodalFeatureLoss(-3, 0.6)).toBeCloseTo(0.2, 15);
    expect(antipodalFeatureLoss(2, 0.6)).toBeCloseTo(4 - 1.2 + 0.2, 15);
  });

  it('the branches meet: ℓ is continuous at c = −1, 0 and 1', () => {
    for (const p of [1, 0.5, 0.05]) {
      for (const c of [-1, 0, 1]) {
        expect(Math.abs(antipodalFeatureLoss(c - 1e-9, p) - antipodalFeatureLoss(c + 1e-9, p))).toBeLessThan(1e-8);
      }
    }
  });

  it('antipodalBias minimises ℓ: no bias on a fine grid in [−2, 2] does better, and the slope is 0 there', () => {
    for (const p of [1, 0.7, 0.2, 0.01]) {
      const c = antipodalBias(p);
      const best = antipodalFeatureLoss(c, p);
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThan(1);
      for (let k = -400; k <= 400; k++) expect(antipodalFeatureLoss(k / 200, p)).toBeGreaterThanOrEqual(best);
      const h = 1e-5;
      expect(Math.abs(antipodalFeatureLoss(c + h, p) - antipodalFeatureLoss(c - h, p)) / (2 * h)).toBeLessThan(1e-8);
    }
    // Sparse data: c* ≈ p²/6 (the leading term of the root of ℓ′).
    expect(antipodalBias(0.001) / (0.001 ** 2 / 6)).toBeCloseTo(1, 2);
  });
});

describe('the theoretical phase diagram', () => {
  const importances = logGrid(0.1, 10, 12);
  const densities = logGrid(1, 0.01, 12);
  const cells = phaseGrid(importances, densities);
  const at = (row: number, column: number): Phase => cells[row * importances.length + column].phase;

  it('has the shape of the paper: dropped at low r, dedicated at high r when dense, superposition when sparse', () => {
    expect(theoreticalPhase(0.1, 1)).toBe('not-represented');
    expect(theoreticalPhase(0.2, 0.5)).toBe('not-represented');
    expect(theoreticalPhase(10, 1)).toBe('dedicated');
    expect(theoreticalPhase(5, 0.5)).toBe('dedicated');
    expect(theoreticalPhase(1, 0.05)).toBe('superposition');
    expect(theoreticalPhase(0.8, 0.01)).toBe('superposition');
    expect(theoreticalPhase(1.25, 0.01)).toBe('superposition');
  });

  it('dense rows split at r = 1; each column turns to superposition once and stays as p falls; the wedge is centred on r = 1', () => {
    importances.forEach((r, column) => expect(at(0, column)).toBe(r < 1 ? 'not-represented' : 'dedicated'));
    // In every column, once superposition wins at some density it wins at every lower one.
    const firstRows = importances.map((_, column) => {
      const rows = densities.map((_, row) => at(row, column) === 'superposition');
      const first = rows.indexOf(true);
      expect(first).toBeGreaterThan(0); // never at p = 1
      expect(rows.slice(first).every(Boolean)).toBe(true);
      return first;
    });
    // The densest row superposition reaches: there it holds the columns around r = 1 (columns 5 and
    // 6 straddle it), spread evenly to both sides on the log scale.
    const topRow = Math.min(...firstRows);
    const topColumns = firstRows.flatMap((row, column) => (row === topRow ? [column] : []));
    expect(topColumns).toContain(5);
    expect(topColumns).toContain(6);
    const centre = topColumns.reduce((a, b) => a + b, 0) / topColumns.length;
    expect(Math.abs(centre - 5.5)).toBeLessThanOrEqual(1);
    // And at the sparsest row it has taken every column.
    importances.forEach((_, column) => expect(at(densities.length - 1, column)).toBe('superposition'));
  });

  it('for sparse data the boundary with "not represented" follows p ≈ 4r / (2 + 5r)', () => {
    // Derived in the module notes with ℓ ≈ p²/6. At r = 0.02 the boundary is p ≈ 0.038.
    expect(theoreticalPhase(0.02, 0.05)).toBe('not-represented');
    expect(theoreticalPhase(0.02, 0.03)).toBe('superposition');
    // Mirror image: the boundary with "dedicated" follows p ≈ 4 / (5 + 2r); at r = 50, p ≈ 0.038.
    expect(theoreticalPhase(50, 0.05)).toBe('dedicated');
    expect(theoreticalPhase(50, 0.03)).toBe('superposition');
  });

  it('phaseGrid lays cells out density-major and agrees with theoreticalPhase and candidateLosses', () => {
    expect(cells.length).toBe(144);
    expect(cells[13].density).toBe(densities[1]);
    expect(cells[13].importance).toBe(importances[1]);
    for (const cell of [cells[0], cells[50], cells[143]]) {
      expect(cell.phase).toBe(theoreticalPhase(cell.importance, cell.density));
      expect(cell.losses).toEqual(candidateLosses(cell.importance, cell.density));
    }
  });

  it('logGrid includes both ends and has a constant ratio', () => {
    expect(importances[0]).toBe(0.1);
    expect(importances[11]).toBe(10);
    expect(densities[0]).toBe(1);
    expect(densities[11]).toBe(0.01);
    for (let k = 1; k < 12; k++) expect(importances[k] / importances[k - 1]).toBeCloseTo(100 ** (1 / 11), 12);
    expect(logGrid(3, 7, 1)).toEqual([3]);
  });

  it('refuses bad importances, densities and counts', () => {
    expectOpError(() => candidateLosses(0, 0.5), 'candidateLosses', 'importance', '0');
    expectOpError(() => theoreticalPhase(1, 1.5), 'theoreticalPhase', 'density', '1.5');
    expectOpError(() => phaseGrid([1], [0]), 'phaseGrid', 'density', '0');
    expectOpError(() => antipodalBias(-0.1), 'antipodalBias', 'density');
    expectOpError(() => antipodalFeatureLoss(Number.NaN, 0.5), 'antipodalFeatureLoss', 'bias');
    expectOpError(() => logGrid(0, 1, 3), 'logGrid', 'positive');
    expectOpError(() => logGrid(1, 2, 0), 'logGrid', 'count', '0');
  });
});

describe('classifyPhase', () => {
  it('reads the three candidates and trained-looking weights', () => {
    for (const phase of PHASES) {
      const { W, b } = candidateSolutions(1, 0.3)[phase];
      expect(classifyPhase(tensor([W]), tensor(b))).toBe(phase);
    }
    expect(classifyPhase(tensor([[0.98, -0.97]]))).toBe('superposition');
    expect(classifyPhase(tensor([[-1.02, 0.99]]))).toBe('superposition');
    expect(classifyPhase(tensor([[0.02, -1.01]]))).toBe('dedicated');
    expect(classifyPhase(tensor([[1.0, 0.03]]))).toBe('not-represented');
    expect(classifyPhase(tensor([1.0, -0.3]))).toBe('not-represented'); // x₂ too weak to count, shape [2] accepted
  });

  it('the threshold decides when a weak partner counts, and same-sign pairs go by the larger weight', () => {
    expect(classifyPhase(tensor([[1.0, -0.3]]), undefined, { representedNorm: 0.25 })).toBe('superposition');
    expect(classifyPhase(tensor([[0.7, 0.9]]))).toBe('dedicated');
    expect(classifyPhase(tensor([[0.9, 0.7]]))).toBe('not-represented');
  });

  it('reads an instance of a model\'s [I, 1, 2] weights (a view with an offset)', () => {
    const W3 = tensor([[[1, 0]], [[0.1, 1]], [[1, -1]]]);
    expect([0, 1, 2].map((k) => classifyPhase(instanceWeights(W3, k)))).toEqual(['not-represented', 'dedicated', 'superposition']);
  });

  it('refuses a model that is not n = 2, m = 1', () => {
    expectOpError(() => classifyPhase(zeros([2, 1])), 'classifyPhase', '[2,1]', '[1, 2]');
    expectOpError(() => classifyPhase(zeros([1, 3])), 'classifyPhase', '[1,3]');
    expectOpError(() => classifyPhase(zeros([1, 2]), zeros([3])), 'classifyPhase', 'biases', '[3]');
    expectOpError(() => classifyPhase(tensor([[Number.NaN, 1]])), 'classifyPhase', 'NaN');
  });
});
