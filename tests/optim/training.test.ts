/**
 * Small regressions trained to their known solutions, through the whole stack: autograd ops build
 * the loss, backward() fills the gradients, an optimizer updates the parameters in place.
 *
 * Data: X [64, 3] standard normal (seeded), y = X·w* + b* (+ noise in the least-squares case).
 * Loss: mean squared error, L = mean((X·W + b − y)²).
 */
import { describe, expect, it } from 'vitest';
import { add, matmul, mean, square, sub } from '../../src/autograd/index.js';
import { type Variable, parameter } from '../../src/autograd/variable.js';
import { Adam, AdamW, LrScheduler, type Optimizer, SGD, clipGradNorm, warmupCosine } from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import { normal } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const ROWS = 64;
const W_STAR = [1.5, -2, 0.5];
const B_STAR = 0.7;

/** X [64,3], and y [64,1] = X·w* + b* + noise·ε with ε standard normal (seeded). */
function data(noise: number): { X: Tensor; y: Tensor; xs: number[][]; ys: number[] } {
  const X = normal([ROWS, 3], { seed: 11 });
  const eps = normal([ROWS], { seed: 12 });
  const xs = X.toArray() as number[][];
  const ys = xs.map((row, r) => row[0] * W_STAR[0] + row[1] * W_STAR[1] + row[2] * W_STAR[2] + B_STAR + noise * eps.data[r]);
  return { X, y: tensor(ys, [ROWS, 1]), xs, ys };
}

function lossOf(X: Tensor, y: Tensor, W: Variable, b: Variable): Variable {
  return mean(square(sub(add(matmul(X, W), b), y)));
}

function train(optimizer: Optimizer, X: Tensor, y: Tensor, W: Variable, b: Variable, steps: number, each?: () => void): number {
  let last = Number.NaN;
  for (let t = 0; t < steps; t++) {
    optimizer.zeroGrad();
    const loss = lossOf(X, y, W, b);
    loss.backward();
    each?.();
    optimizer.step();
    last = loss.item();
  }
  return last;
}

/**
 * The least-squares solution in float64: solve (AᵀA) β = Aᵀy with A = [X | 1], by Gaussian
 * elimination with partial pivoting. β = [w₁, w₂, w₃, b].
 */
function leastSquares(xs: number[][], ys: number[]): number[] {
  const rows = xs.map((row) => [...row, 1]);
  const n = 4;
  const M = Array.from({ length: n }, (_, i) => {
    const line = Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0));
    line.push(rows.reduce((s, r, k) => s + r[i] * ys[k], 0));
    return line;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[pivot][col])) pivot = r;
    [M[col], M[pivot]] = [M[pivot], M[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = M[r][col] / M[col][col];
      for (let c = col; c <= n; c++) M[r][c] -= factor * M[col][c];
    }
  }
  return M.map((line, i) => line[n] / line[i]);
}

function expectNear(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]) > tolerance) throw new Error(`index ${i}: got ${a}, expected ${expected[i]} ± ${tolerance}`);
  });
}

const valuesOf = (W: Variable, b: Variable): number[] => [...Array.from(W.toTypedArray()), b.data[0]];

describe('training a linear regression', () => {
  it('Adam with warm-up and cosine decay recovers w* and b* (noise-free data)', () => {
    const { X, y } = data(0);
    const W = parameter(zeros([3, 1]), 'W');
    const b = parameter(zeros([1]), 'b');
    const optimizer = new Adam({ params: [W, b], lr: 0.05 });
    const scheduler = new LrScheduler(optimizer, warmupCosine(20, 800, { finalFactor: 0.01 }));
    const initial = lossOf(X, y, W, b).item();
    const final = train(optimizer, X, y, W, b, 800, () => scheduler.apply());
    expect(optimizer.stepCount).toBe(800);
    expect(final).toBeLessThan(initial * 1e-8);
    expectNear(valuesOf(W, b), [...W_STAR, B_STAR], 1e-4);
  });

  it('SGD with momentum reaches the least-squares solution of noisy data', () => {
    const { X, y, xs, ys } = data(0.3);
    const solution = leastSquares(xs, ys);
    // The noise moves the optimum away from w*, so this checks the optimum, not the generator.
    expect(Math.max(...solution.map((s, i) => Math.abs(s - [...W_STAR, B_STAR][i])))).toBeGreaterThan(1e-3);
    const W = parameter(zeros([3, 1]), 'W');
    const b = parameter(zeros([1]), 'b');
    const optimizer = new SGD({ params: [W, b], lr: 0.05, momentum: 0.9 });
    train(optimizer, X, y, W, b, 400);
    expectNear(valuesOf(W, b), solution, 1e-4);
  });

  it('plain SGD and AdamW (λ = 0, clipped gradients) reach it too', () => {
    const { X, y, xs, ys } = data(0.3);
    const solution = leastSquares(xs, ys);
    const W = parameter(zeros([3, 1]), 'W');
    const b = parameter(zeros([1]), 'b');
    train(new SGD({ params: [W, b], lr: 0.2 }), X, y, W, b, 400);
    expectNear(valuesOf(W, b), solution, 1e-4);

    const W2 = parameter(zeros([3, 1]), 'W');
    const b2 = parameter(zeros([1]), 'b');
    const optimizer = new AdamW({ params: [W2, b2], lr: 0.02, weightDecay: 0 });
    const scheduler = new LrScheduler(optimizer, warmupCosine(10, 1000, { finalFactor: 0.01 }));
    const norms: number[] = [];
    train(optimizer, X, y, W2, b2, 1000, () => {
      norms.push(clipGradNorm([W2, b2], 1));
      scheduler.apply();
    });
    expect(norms[0]).toBeGreaterThan(1); // the first gradients were clipped
    expectNear(valuesOf(W2, b2), solution, 1e-4);
  });

  it('AdamW with λ > 0 ends short of the unregularised solution (decay pulls weights toward 0)', () => {
    const { X, y } = data(0);
    const W = parameter(zeros([3, 1]), 'W');
    const b = parameter(zeros([1]), 'b');
    const optimizer = new AdamW({ params: [W, b], lr: 0.05, weightDecay: 0.5 });
    train(optimizer, X, y, W, b, 1000);
    const learned = valuesOf(W, b);
    const normLearned = Math.hypot(...learned);
    const normStar = Math.hypot(...W_STAR, B_STAR);
    expect(normLearned).toBeLessThan(normStar - 1e-3);
    expect(normLearned).toBeGreaterThan(0.5 * normStar);
  });
});
