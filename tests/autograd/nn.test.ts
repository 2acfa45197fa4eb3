import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crossEntropy, importanceWeightedMse, l1Loss, logSoftmax, logsumexp, mseLoss, softmax,
} from '../../src/autograd/nn.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import { mul } from '../../src/autograd/ops/elementwise.js';
import { sum } from '../../src/autograd/ops/reduce.js';
import { tensor } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import { allocate } from '../../src/tensor/dtype.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flatValues, shapeArb, tensorArb, valueArb } from '../support/arbitraries.js';
import { expectOpError, indicesOf } from '../support/expect.js';

const f64 = (data: number | number[] | number[][] | number[][][], shape?: number[]): Tensor =>
  tensor(data as number[], shape, 'float64');

const close = (got: number, want: number, tolerance = 1e-12): void => {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(want)));
};

/** A float64 tensor from plain values. */
function fromValues(values: readonly number[], shape: readonly number[], dtype: DType = 'float64'): Tensor {
  const storage = allocate(dtype, values.length);
  storage.set(values);
  return new Tensor(storage, shape.slice());
}

/** A pair (pred, target) of one shape whose entries differ by at least 0.1: away from |·|'s kink. */
const pairAwayFromKinkArb = shapeArb({ minRank: 1, maxRank: 3, maxDim: 4, allowZero: false }).chain((shape) =>
  fc.tuple(
    tensorArb(shape, 'float64'),
    fc.array(fc.tuple(fc.double({ min: 0.1, max: 3, noNaN: true }), fc.boolean()), {
      minLength: shape.reduce((n, d) => n * d, 1), maxLength: shape.reduce((n, d) => n * d, 1),
    }),
  ).map(([pred, gaps]) => {
    const target = flatValues(pred).map((v, i) => v + (gaps[i][1] ? gaps[i][0] : -gaps[i][0]));
    return [pred, fromValues(target, shape)] as const;
  }));

/** Row-major strides of a shape. */
const rowMajor = (s: readonly number[]): number[] => s.map((_, axis) => s.slice(axis + 1).reduce((n, d) => n * d, 1));

/** The entries of `x` along `axis` at every other index fixed: a list of rows (as flat positions). */
function linesAlong(shape: readonly number[], axis: number): number[][] {
  const strides = rowMajor(shape);
  const others = shape.map((d, a) => (a === axis ? 1 : d));
  return indicesOf(others).map((index) =>
    Array.from({ length: shape[axis] }, (_, k) => index.reduce((p, i, a) => p + (a === axis ? k : i) * strides[a], 0)));
}

// ---------------------------------------------------------------------------------------------

describe('mseLoss and l1Loss', () => {
  it('equal the mean of squared / absolute differences (loop oracle)', () => {
    fc.assert(fc.property(pairAwayFromKinkArb, ([pred, target]) => {
      const p = flatValues(pred);
      const t = flatValues(target);
      const squared = p.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / p.length;
      const absolute = p.reduce((s, v, i) => s + Math.abs(v - t[i]), 0) / p.length;
      close(mseLoss(pred, target).item(), squared);
      close(l1Loss(pred, target).item(), absolute);
    }));
  });

  it('hand-computed: (0 + 4 + 9 + 0)/4 and (0 + 2 + 3 + 0)/4', () => {
    expect(mseLoss(f64([1, 2, 3, 4]), f64([1, 0, 0, 4])).item()).toBe(3.25);
    expect(l1Loss(f64([1, 2, 3, 4]), f64([1, 0, 0, 4])).item()).toBe(1.25);
  });

  it('pass gradCheck, with gradients shaped like pred', () => {
    fc.assert(fc.property(pairAwayFromKinkArb, ([pred, target]) => {
      for (const loss of [mseLoss, l1Loss]) {
        const { maxRelError, analytic } = gradCheck((x) => loss(x, target), [pred]);
        expect(maxRelError).toBeLessThan(1e-6);
        expect(analytic[0].shape).toEqual(pred.shape);
      }
    }), { numRuns: 50 });
  });

  it('have the textbook gradients 2(p − t)/n and sign(p − t)/n', () => {
    const pred = f64([1, 2, 3, 4]);
    const target = f64([0, 4, 3.5, 4.5]);
    expect(valueAndGrad((x) => mseLoss(x, target))(pred)[1][0].toArray()).toEqual([0.5, -1, -0.25, -0.25]);
    expect(valueAndGrad((x) => l1Loss(x, target))(pred)[1][0].toArray()).toEqual([0.25, -0.25, -0.25, -0.25]);
  });

  it('refuse shapes that differ (no silent broadcasting) and dtypes that differ', () => {
    expectOpError(() => mseLoss(f64([[1], [2]]), f64([1, 2])), 'mseLoss', '[2,1]', '[2]', 'same shape');
    expectOpError(() => l1Loss(f64([1, 2]), tensor([1, 2])), 'l1Loss', 'dtypes differ');
    expectOpError(() => mseLoss(tensor([1, 2], undefined, 'int32'), tensor([1, 2], undefined, 'int32')), 'mseLoss', 'int32');
  });
});

describe('importanceWeightedMse', () => {
  /** [batch, instances, features] problems with importance [features] or [instances, features]. */
  const problemArb = fc.record({
    b: fc.integer({ min: 1, max: 4 }), i: fc.integer({ min: 1, max: 3 }), f: fc.integer({ min: 1, max: 5 }),
    perInstance: fc.boolean(),
  }).chain(({ b, i, f, perInstance }) => fc.tuple(
    tensorArb([b, i, f], 'float64'), tensorArb([b, i, f], 'float64'),
    fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: perInstance ? i * f : f, maxLength: perInstance ? i * f : f })
      .map((values) => fromValues(values, perInstance ? [i, f] : [f])),
  ));

  /** Σ_{i,f} I ⊙ (1/B) Σ_b (p − t)²: the default reduction, written as loops. */
  function oracle(pred: Tensor, target: Tensor, importance: Tensor): number {
    const [B, I, F] = pred.shape;
    const p = flatValues(pred);
    const t = flatValues(target);
    const w = flatValues(importance);
    let total = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < I; i++) {
        for (let f = 0; f < F; f++) {
          const at = (b * I + i) * F + f;
          const weight = importance.rank === 1 ? w[f] : w[i * F + f];
          total += (weight * (p[at] - t[at]) ** 2) / B;
        }
      }
    }
    return total;
  }

  it('by default averages over the batch axis and sums over every other axis (loop oracle)', () => {
    fc.assert(fc.property(problemArb, ([pred, target, importance]) => {
      close(importanceWeightedMse(pred, target, importance).item(), oracle(pred, target, importance));
    }));
  });

  it('with meanAxes [0, 2] also averages over features: the default divided by the feature count', () => {
    fc.assert(fc.property(problemArb, ([pred, target, importance]) => {
      const features = pred.shape[2];
      close(importanceWeightedMse(pred, target, importance, { meanAxes: [0, -1] }).item(), oracle(pred, target, importance) / features);
    }));
  });

  it('hand-computed: ((1·1 + 0.5·1) + (0 + 0.5·4)) / 2 = 1.75', () => {
    expect(importanceWeightedMse(f64([[1, 1], [0, 0]]), f64([[0, 0], [0, 2]]), f64([1, 0.5])).item()).toBe(1.75);
    // meanAxes [] sums everything: 1.5 + 2 = 3.5.
    expect(importanceWeightedMse(f64([[1, 1], [0, 0]]), f64([[0, 0], [0, 2]]), f64([1, 0.5]), { meanAxes: [] }).item()).toBe(3.5);
  });

  it('equals mseLoss when importance is 1 and every axis is averaged', () => {
    fc.assert(fc.property(problemArb, ([pred, target]) => {
      close(importanceWeightedMse(pred, target, 1, { meanAxes: [0, 1, 2] }).item(), mseLoss(pred, target).item());
    }));
  });

  it('passes gradCheck in pred, with the gradient shaped like pred', () => {
    fc.assert(fc.property(problemArb, ([pred, target, importance]) => {
      const { maxRelError, analytic } = gradCheck((x) => importanceWeightedMse(x, target, importance, { meanAxes: [0, 2] }), [pred]);
      expect(maxRelError).toBeLessThan(1e-6);
      expect(analytic[0].shape).toEqual(pred.shape);
    }), { numRuns: 50 });
  });

  it('refuses an importance that would enlarge pred, and bad axes', () => {
    const pred = f64([[1, 2], [3, 4]]);
    expectOpError(() => importanceWeightedMse(pred, pred, f64([[[1, 1]], [[1, 1]]])), 'importanceWeightedMse', '[2,1,2]', 'broadcast to');
    expectOpError(() => importanceWeightedMse(pred, pred, f64([1, 2, 3])), 'importanceWeightedMse', '[2,2]', '[3]');
    expectOpError(() => importanceWeightedMse(pred, pred, f64([1, 1]), { meanAxes: [2] }), 'importanceWeightedMse', 'axis 2');
    expectOpError(() => importanceWeightedMse(pred, f64([1, 2]), f64([1, 1])), 'importanceWeightedMse', 'same shape');
  });
});

describe('softmax, logSoftmax, logsumexp', () => {
  const matrixArb = (dtype: DType = 'float64') =>
    shapeArb({ minRank: 1, maxRank: 3, maxDim: 4, allowZero: false }).chain((shape) =>
      fc.tuple(tensorArb(shape, dtype), fc.integer({ min: -shape.length, max: shape.length - 1 })));

  it('softmax is non-negative and sums to 1 along its axis, and matches eˣ/Σeˣ (loop oracle)', () => {
    fc.assert(fc.property(matrixArb(), ([x, axis]) => {
      const y = flatValues(softmax(x, axis));
      const values = flatValues(x);
      for (const line of linesAlong(x.shape, axis < 0 ? axis + x.rank : axis)) {
        const denominator = line.reduce((s, at) => s + Math.exp(values[at]), 0);
        close(line.reduce((s, at) => s + y[at], 0), 1);
        for (const at of line) {
          expect(y[at]).toBeGreaterThanOrEqual(0);
          close(y[at], Math.exp(values[at]) / denominator);
        }
      }
    }));
  });

  it('logsumexp and logSoftmax match log Σ eˣ and x − log Σ eˣ (loop oracle)', () => {
    fc.assert(fc.property(matrixArb(), ([x, axis]) => {
      const along = axis < 0 ? axis + x.rank : axis;
      const lse = flatValues(logsumexp(x, axis));
      const lsm = flatValues(logSoftmax(x, axis));
      const values = flatValues(x);
      linesAlong(x.shape, along).forEach((line, k) => {
        const expected = Math.log(line.reduce((s, at) => s + Math.exp(values[at]), 0));
        close(lse[k], expected);
        for (const at of line) close(lsm[at], values[at] - expected);
      });
    }));
  });

  it('logsumexp reduces several axes, and keepDims keeps them as size 1', () => {
    const x = f64([[0, 0], [1, 1]]);
    close(logsumexp(x, [0, 1]).item(), Math.log(2 + 2 * Math.E));
    expect(logsumexp(x, [0, 1], { keepDims: true }).shape).toEqual([1, 1]);
    expect(logsumexp(x, 0, { keepDims: true }).shape).toEqual([1, 2]);
    expect(logsumexp(x).shape).toEqual([2]);
  });

  it('stays finite and exact at ±1000, where a naive eˣ overflows to Inf or underflows to 0', () => {
    // e¹⁰⁰⁰ = Inf in float64; the shift by the max keeps every exponent ≤ 0.
    close(logsumexp(f64([1000, 1000])).item(), 1000 + Math.LN2);
    close(logsumexp(f64([-1000, -1000])).item(), -1000 + Math.LN2);
    close(logsumexp(f64([1000, -1000])).item(), 1000); // e⁻²⁰⁰⁰ is far below float64's resolution at 1
    expect(softmax(f64([1000, -1000, 1000])).toArray()).toEqual([0.5, 0, 0.5]);
    expect(logSoftmax(f64([1000, -1000])).toArray()).toEqual([0, -2000]);
    // float32: e⁸⁹ already overflows float32, yet these are fine.
    expect(softmax(tensor([1000, 1000])).toArray()).toEqual([0.5, 0.5]);
    expect(Number.isFinite(logsumexp(tensor([1000, -1000])).item())).toBe(true);
    // A row of −Inf has logsumexp −Inf (log of an empty sum), not NaN.
    expect(logsumexp(f64([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(softmax(f64([0, -Infinity])).toArray()).toEqual([1, 0]);
  });

  it('has finite gradients at ±1000: ∂logsumexp/∂x = softmax(x)', () => {
    const [, [g]] = valueAndGrad((x) => logsumexp(x))(f64([1000, -1000, 1000]));
    expect(g.toArray()).toEqual([0.5, 0, 0.5]);
    const [, [h]] = valueAndGrad((x) => sum(mul(logSoftmax(x), f64([1, 0]))))(f64([1000, -1000]));
    expect(h.toArray()).toEqual([0, 0]); // ∂(x₀ − lse)/∂x = e₀ − softmax = [1 − 1, 0 − 0]
  });

  it('pass gradCheck, with gradients shaped like x', () => {
    fc.assert(fc.property(
      matrixArb().chain(([x, axis]) => fc.tuple(fc.constant(x), fc.constant(axis), tensorArb(x.shape, 'float64'))),
      ([x, axis, weights]) => {
        const reducedShape = x.shape.filter((_, a) => a !== (axis < 0 ? axis + x.rank : axis));
        const lseWeights = fromValues(flatValues(weights).slice(0, reducedShape.reduce((n, d) => n * d, 1)), reducedShape);
        const checks = [
          gradCheck((v) => sum(mul(softmax(v, axis), weights)), [x]),
          gradCheck((v) => sum(mul(logSoftmax(v, axis), weights)), [x]),
          gradCheck((v) => sum(mul(logsumexp(v, axis), lseWeights)), [x]),
        ];
        for (const { maxRelError, analytic } of checks) {
          expect(maxRelError).toBeLessThan(1e-6);
          expect(analytic[0].shape).toEqual(x.shape);
        }
      },
    ), { numRuns: 50 });
  });

  it('refuse integer input and a bad axis', () => {
    expectOpError(() => softmax(tensor([1, 2], undefined, 'int32')), 'softmax', 'int32');
    expectOpError(() => logSoftmax(f64([1, 2]), 1), 'logSoftmax', 'axis 1');
    expectOpError(() => logsumexp(f64([[1, 2]]), [0, 0]), 'logsumexp', 'twice');
  });

  it('over an empty axis give an empty result (logsumexp −Inf), as sum and mean do, not an error', () => {
    expect(softmax(tensor([], [0])).shape).toEqual([0]);
    expect(logsumexp(tensor([], [0])).item()).toBe(-Infinity);
  });
});

describe('crossEntropy', () => {
  /** logits [N, C] (or [N, S, C]) and int32 class targets of the logits' shape without the class axis. */
  const problemArb = fc.record({
    lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
    classes: fc.integer({ min: 1, max: 5 }),
  }).chain(({ lead, classes }) => {
    const positions = lead.reduce((n, d) => n * d, 1);
    return fc.tuple(
      tensorArb([...lead, classes], 'float64'),
      fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: positions, maxLength: positions })
        .map((labels) => fromValues(labels, lead, 'int32')),
      fc.array(valueArb, { minLength: positions * classes, maxLength: positions * classes }),
    );
  });

  /** −mean over positions of log softmax(z)[t], as loops. */
  function oracle(logits: Tensor, target: Tensor): number {
    const classes = logits.shape[logits.rank - 1];
    const z = flatValues(logits);
    const t = flatValues(target);
    let total = 0;
    t.forEach((label, p) => {
      const row = z.slice(p * classes, (p + 1) * classes);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      total += lse - row[label];
    });
    return total / t.length;
  }

  /** A probability table per position from raw scores: a softmax, so rows are positive and sum to 1. */
  function probabilities(scores: readonly number[], shape: readonly number[]): Tensor {
    const classes = shape[shape.length - 1];
    const out: number[] = [];
    for (let p = 0; p < scores.length; p += classes) {
      const row = scores.slice(p, p + classes).map(Math.exp);
      const total = row.reduce((s, v) => s + v, 0);
      out.push(...row.map((v) => v / total));
    }
    return fromValues(out, shape);
  }

  it('with class indices equals −mean log softmax(z)[t] (loop oracle)', () => {
    fc.assert(fc.property(problemArb, ([logits, target]) => {
      close(crossEntropy(logits, target).item(), oracle(logits, target));
    }));
  });

  it('with one-hot probabilities equals the class-index form; with soft ones matches −mean Σ t log q', () => {
    fc.assert(fc.property(problemArb, ([logits, target, scores]) => {
      const classes = logits.shape[logits.rank - 1];
      const oneHot = fromValues(flatValues(target).flatMap((label) => Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0))), logits.shape);
      close(crossEntropy(logits, oneHot).item(), oracle(logits, target));

      const soft = probabilities(scores, logits.shape);
      const z = flatValues(logits);
      const q = flatValues(soft);
      let total = 0;
      for (let p = 0; p < z.length; p += classes) {
        const row = z.slice(p, p + classes);
        const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
        for (let c = 0; c < classes; c++) total -= q[p + c] * (row[c] - lse);
      }
      close(crossEntropy(logits, soft).item(), total / (z.length / classes));
    }));
  });

  it('hand-computed: rows [0,0]→0 and [0, ln 3]→1 give (ln 2 + ln 4/3)/2', () => {
    const logits = f64([[0, 0], [0, Math.log(3)]]);
    close(crossEntropy(logits, tensor([0, 1], undefined, 'int32')).item(), (Math.LN2 + Math.log(4 / 3)) / 2);
    // Class axis first: the same logits transposed, axis 0.
    close(crossEntropy(f64([[0, 0], [0, Math.log(3)]]), tensor([0, 0], undefined, 'int32'), { axis: 0 }).item(),
      (Math.LN2 + Math.log(4)) / 2); // columns [0,0] → 0 and [0, ln 3] → 0: −ln ½ and −ln ¼
  });

  it('has the gradient (softmax(z) − onehot(t)) / N, and passes gradCheck in both forms', () => {
    fc.assert(fc.property(problemArb, ([logits, target, scores]) => {
      const classes = logits.shape[logits.rank - 1];
      const positions = target.size;
      const [, [g]] = valueAndGrad((z) => crossEntropy(z, target))(logits);
      const q = flatValues(softmax(logits));
      const labels = flatValues(target);
      flatValues(g).forEach((v, at) => {
        const hot = labels[Math.floor(at / classes)] === at % classes ? 1 : 0;
        close(v, (q[at] - hot) / positions);
      });
      expect(gradCheck((z) => crossEntropy(z, target), [logits]).maxRelError).toBeLessThan(1e-6);
      const soft = probabilities(scores, logits.shape);
      const { maxRelError, analytic } = gradCheck((z) => crossEntropy(z, soft), [logits]);
      expect(maxRelError).toBeLessThan(1e-6);
      expect(analytic[0].shape).toEqual(logits.shape);
    }), { numRuns: 50 });
  });

  it('stays finite for logits of ±1000', () => {
    const logits = f64([[1000, -1000], [-1000, 1000]]);
    expect(crossEntropy(logits, tensor([0, 0], undefined, 'int32')).item()).toBe(1000); // (0 + 2000) / 2
    const [, [g]] = valueAndGrad((z) => crossEntropy(z, tensor([0, 0], undefined, 'int32')))(logits);
    expect(g.toArray()).toEqual([[0, 0], [-0.5, 0.5]]);
  });

  it('refuses targets of the wrong shape or out-of-range classes', () => {
    const logits = f64([[0, 1, 2], [3, 4, 5]]);
    expectOpError(() => crossEntropy(logits, tensor([0, 3], undefined, 'int32')), 'crossEntropy', 'class 3', '3 classes');
    expectOpError(() => crossEntropy(logits, tensor([-1, 0], undefined, 'int32')), 'crossEntropy', 'class -1');
    expectOpError(() => crossEntropy(logits, tensor([0, 1, 2], undefined, 'int32')), 'crossEntropy', '[3]', '[2]');
    expectOpError(() => crossEntropy(logits, f64([0, 1])), 'crossEntropy', 'probability target', 'int32');
    expectOpError(() => crossEntropy(f64(1), tensor(0, undefined, 'int32')), 'crossEntropy', 'class axis');
  });
});
