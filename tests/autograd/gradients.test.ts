/**
 * Every differentiable op, gradient-checked in float64 against central differences on random
 * shapes (with broadcasting where the op broadcasts), inputs kept away from kinks and poles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import type { Variable } from '../../src/autograd/variable.js';
import * as kernels from '../../src/tensor/kernels.js';
import { broadcastShapes } from '../../src/tensor/shape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { broadcastPairArb, shapeArb } from '../support/arbitraries.js';
import { checkGradients, distinctFloat64Arb, float64Arb } from '../support/gradients.js';

const RUNS = { numRuns: 25 };
const smallShape = shapeArb({ maxRank: 3, maxDim: 3 });
const nonScalarShape = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3, allowZero: false });

describe('unary ops: gradient check in float64', () => {
  const domains: Record<string, { op: (x: Variable) => Variable; min?: number; max?: number; kinks?: number[] }> = {
    neg: { op: ag.neg },
    abs: { op: ag.abs, kinks: [0] },
    exp: { op: ag.exp },
    log: { op: ag.log, min: 0.2, max: 4 },
    sqrt: { op: ag.sqrt, min: 0.2, max: 4 },
    square: { op: ag.square },
    relu: { op: ag.relu, kinks: [0] },
    sigmoid: { op: ag.sigmoid },
    tanh: { op: ag.tanh },
    sign: { op: ag.sign, kinks: [0] },
    clamp: { op: (x) => ag.clamp(x, -1, 0.5), kinks: [-1, 0.5] },
  };
  for (const [name, { op, min, max, kinks }] of Object.entries(domains)) {
    it(name, () => {
      fc.assert(fc.property(smallShape.chain((s) => float64Arb(s, { min, max, kinks })), (x) => {
        checkGradients(op, [x]);
      }), RUNS);
    });
  }

  it('relu of a strided view (the backward\'s general path)', () => {
    fc.assert(fc.property(nonScalarShape.chain((s) => float64Arb(s, { kinks: [0] })), (x) => {
      checkGradients((v) => ag.relu(ag.transpose(ag.unsqueeze(v, 0), 0, -1)), [x]);
    }), RUNS);
  });

  it('relu′(0) = 0 and clamp passes dy at its bounds (the documented conventions)', () => {
    const [, [dRelu]] = valueAndGrad((x) => ag.sum(ag.relu(x)))(kernels.tensor([0, -1, 2]));
    expect(dRelu.toArray()).toEqual([0, 0, 1]);
    const [, [dClamp]] = valueAndGrad((x) => ag.sum(ag.clamp(x, 0, 1)))(kernels.tensor([0, 1, 2, -1]));
    expect(dClamp.toArray()).toEqual([1, 1, 0, 0]);
  });
});

describe('binary ops: gradient check with broadcasting', () => {
  const cases: Record<string, { op: (a: Variable, b: Variable) => Variable; a?: object; b?: object }> = {
    add: { op: ag.add },
    sub: { op: ag.sub },
    mul: { op: ag.mul },
    div: { op: ag.div, b: { kinks: [0], margin: 0.3 } },
    pow: { op: ag.pow, a: { min: 0.3, max: 2 }, b: { min: -2, max: 2 } },
  };
  for (const [name, { op, a, b }] of Object.entries(cases)) {
    it(name, () => {
      fc.assert(fc.property(
        broadcastPairArb({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(float64Arb(sa, a), float64Arb(sb, b))),
        ([x, y]) => { checkGradients(op, [x, y]); },
      ), RUNS);
    });
  }

  for (const name of ['maximum', 'minimum'] as const) {
    it(`${name}, operands at least 0.1 apart`, () => {
      fc.assert(fc.property(
        broadcastPairArb({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(float64Arb(sa), float64Arb(sb))),
        ([x, y]) => {
          const gap = kernels.abs(kernels.sub(x, y));
          fc.pre(gap.size === 0 || kernels.min(gap).item() > 0.1);
          checkGradients(ag[name], [x, y]);
        },
      ), RUNS);
    });
  }

  it('maximum and minimum split a tie in half', () => {
    const [, [da, db]] = valueAndGrad((a, b) => ag.sum(ag.maximum(a, b)))(kernels.tensor([1, 2]), kernels.tensor([1, 3]));
    expect(da.toArray()).toEqual([0.5, 0]);
    expect(db.toArray()).toEqual([0.5, 1]);
  });

  it('a plain number operand is a constant', () => {
    fc.assert(fc.property(smallShape.chain((s) => float64Arb(s)), (x) => {
      checkGradients((v) => ag.div(ag.sub(ag.mul(v, 3), 1), 2), [x]);
      checkGradients((v) => ag.pow(ag.add(ag.square(v), 1), 1.5), [x]);
      checkGradients((v) => ag.sub(2, v), [x]);
    }), RUNS);
  });

  it('comparisons return constants', () => {
    const x = ag.parameter(kernels.tensor([1, -1]));
    const mask = ag.greater(x, 0);
    expect(mask.requiresGrad).toBe(false);
    expect(mask.toArray()).toEqual([1, 0]);
  });

  it('where sends dy to the chosen side', () => {
    fc.assert(fc.property(
      broadcastPairArb({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(float64Arb(sa), float64Arb(sb), fc.boolean())),
      ([x, y, flip]) => {
        const condition = kernels.greater(flip ? x : y, 0);
        checkGradients((a, b) => ag.where(condition, a, b), [x, y]);
      },
    ), RUNS);
  });
});

describe('reductions', () => {
  const axesArb = (rank: number) =>
    fc.oneof(fc.constant(undefined), fc.subarray(Array.from({ length: rank }, (_, k) => k)), fc.integer({ min: -rank, max: rank - 1 }).filter(() => rank > 0));
  const reduceCase = (shapeGen = nonScalarShape) =>
    shapeGen.chain((s) => fc.tuple(fc.constant(s), axesArb(s.length), fc.boolean()));

  for (const name of ['sum', 'mean'] as const) {
    it(`${name} over any axes, with and without keepDims`, () => {
      fc.assert(fc.property(reduceCase().chain(([s, axes, keepDims]) => fc.tuple(float64Arb(s), fc.constant(axes), fc.constant(keepDims))),
        ([x, axes, keepDims]) => { checkGradients((v) => ag[name](v, axes, { keepDims }), [x]); }), RUNS);
    });
  }

  for (const name of ['max', 'min'] as const) {
    it(`${name} with distinct values`, () => {
      fc.assert(fc.property(reduceCase().chain(([s, axes, keepDims]) => fc.tuple(distinctFloat64Arb(s), fc.constant(axes), fc.constant(keepDims))),
        ([x, axes, keepDims]) => { checkGradients((v) => ag[name](v, axes, { keepDims }), [x]); }), RUNS);
    });
  }

  it('max shares dy among ties', () => {
    const [, [dx]] = valueAndGrad((x) => ag.max(x))(kernels.tensor([3, 1, 3]));
    expect(dx.toArray()).toEqual([0.5, 0, 0.5]);
  });

  it('norm (p = 1 away from 0, p = 2) and variance with a correction', () => {
    fc.assert(fc.property(reduceCase().chain(([s, axes, keepDims]) => fc.tuple(float64Arb(s, { kinks: [0], margin: 0.1 }), fc.constant(axes), fc.constant(keepDims))),
      ([x, axes, keepDims]) => {
        checkGradients((v) => ag.norm(v, 1, axes, { keepDims }), [x]);
        checkGradients((v) => ag.norm(v, 2, axes, { keepDims }), [x]);
        const reduced = axes === undefined ? x.shape : (Array.isArray(axes) ? axes : [axes]).map((a) => x.shape[a < 0 ? a + x.rank : a]);
        const count = reduced.reduce((n, d) => n * d, 1);
        fc.pre(count > 1);
        checkGradients((v) => ag.variance(v, axes, { keepDims, correction: 1 }), [x]);
      }), RUNS);
  });

  it('the L2 norm of zeros has gradient 0, not NaN', () => {
    const [, [dx]] = valueAndGrad((x) => ag.norm(x))(kernels.zeros([3], 'float64'));
    expect(dx.toArray()).toEqual([0, 0, 0]);
  });
});

describe('movement ops', () => {
  it('reshape, flatten, squeeze, unsqueeze', () => {
    fc.assert(fc.property(smallShape.chain((s) => float64Arb(s)), (x) => {
      checkGradients((v) => ag.reshape(v, [-1]), [x]);
      checkGradients((v) => ag.flatten(ag.unsqueeze(v, 0)), [x]);
      checkGradients((v) => ag.squeeze(ag.unsqueeze(v, x.rank)), [x]);
    }), RUNS);
  });

  it('permute and transpose', () => {
    fc.assert(fc.property(
      nonScalarShape.chain((s) => fc.tuple(float64Arb(s), fc.shuffledSubarray(s.map((_, k) => k), { minLength: s.length, maxLength: s.length }))),
      ([x, order]) => {
        checkGradients((v) => ag.permute(v, order), [x]);
        if (x.rank >= 2) checkGradients((v) => ag.transpose(v, 0, -1), [x]);
      }), RUNS);
  });

  it('expand: the engine sums the gradient back over the broadcast axes', () => {
    fc.assert(fc.property(
      broadcastPairArb({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(float64Arb(sa), fc.constant(broadcastShapes('t', sa, sb)))),
      ([x, target]) => { checkGradients((v) => ag.contiguous(ag.expand(v, target)), [x]); },
    ), RUNS);
  });

  it('slice with any start, end and step', () => {
    fc.assert(fc.property(
      nonScalarShape.chain((s) => fc.tuple(float64Arb(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: -4, max: 4 }),
        fc.option(fc.integer({ min: -4, max: 4 })), fc.integer({ min: 1, max: 3 }))),
      ([x, axis, start, end, step]) => { checkGradients((v) => ag.slice(v, axis, start, end ?? undefined, step), [x]); },
    ), RUNS);
  });

  it('concat and stack', () => {
    fc.assert(fc.property(
      nonScalarShape.chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, other]) => {
        const t = s.slice();
        t[axis] = other;
        return fc.tuple(float64Arb(s), float64Arb(t), float64Arb(s), fc.constant(axis));
      })),
      ([a, b, c, axis]) => {
        checkGradients((x, y) => ag.concat([x, y, x], axis), [a, b]);
        checkGradients((x, y) => ag.stack([x, y], axis), [a, c]);
      }), RUNS);
  });
});

describe('matmul', () => {
  const matmulCase = fc.tuple(
    fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }),
    fc.constantFrom<number[]>([], [2], [2, 1], [1, 2]), fc.constantFrom<number[]>([], [2], [1, 2], [2, 1]),
    fc.boolean(), fc.boolean(),
  );

  it('batched, broadcast and transposed', () => {
    fc.assert(fc.property(
      matmulCase.chain(([M, K, N, batchA, batchB, tA, tB]) => fc.tuple(
        float64Arb([...batchA, ...(tA ? [K, M] : [M, K])]), float64Arb([...batchB, ...(tB ? [N, K] : [K, N])]),
        fc.constant(tA), fc.constant(tB),
      )),
      ([a, b, transposeA, transposeB]) => { checkGradients((x, y) => ag.matmul(x, y, { transposeA, transposeB }), [a, b]); },
    ), RUNS);
  });

  it('vectors: [K]@[K,N], [M,K]@[K], [K]@[K], dot and outer', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([K, N]) =>
        fc.tuple(float64Arb([K]), float64Arb([K, N]), float64Arb([N, K]), float64Arb([K]))),
      ([v, m, mt, w]) => {
        checkGradients((x, y) => ag.matmul(x, y), [v, m]);
        checkGradients((x, y) => ag.matmul(x, y), [mt, v]);
        checkGradients((x, y) => ag.matmul(x, y), [v, w]);
        checkGradients((x, y) => ag.dot(x, y), [v, w]);
        checkGradients((x, y) => ag.outer(x, y), [v, w]);
      }), RUNS);
  });
});

describe('indexing', () => {
  it('gather, indexSelect (with repeats, so gradients add) and topk', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 5 })).chain(([rows, cols]) => fc.tuple(
        distinctFloat64Arb([rows, cols]),
        fc.array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows * 2, maxLength: rows * 2 }),
        fc.array(fc.integer({ min: 0, max: cols - 1 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: cols }),
        fc.boolean(),
      )),
      ([x, gatherIndex, selection, k, largest]) => {
        const index = new Tensor(Int32Array.from(gatherIndex), [x.shape[0], 2]);
        checkGradients((v) => ag.gather(v, 1, index), [x]);
        checkGradients((v) => ag.indexSelect(v, 1, selection), [x]);
        checkGradients((v) => ag.topk(v, k, -1, { largest }).values, [x]);
      }), RUNS);
  });
});

describe('laws', () => {
  it('grad(α·L) = α·grad(L)', () => {
    fc.assert(fc.property(
      smallShape.chain((s) => fc.tuple(float64Arb(s), fc.double({ min: -5, max: 5, noNaN: true }))),
      ([x, alpha]) => {
        const loss = (v: Variable) => ag.sum(ag.mul(ag.tanh(v), ag.exp(v)));
        const [g] = ag.grad(loss)(x);
        const [scaled] = ag.grad((v) => ag.mul(loss(v), alpha))(x);
        expect(kernels.allClose(scaled, kernels.mul(g, alpha), { rtol: 1e-12, atol: 1e-12 })).toBe(true);
      }), RUNS);
  });

  it('a value used twice gets the sum of both gradients', () => {
    fc.assert(fc.property(smallShape.chain((s) => float64Arb(s)), (x) => {
      const [both] = ag.grad((v) => ag.sum(ag.add(ag.square(ag.tanh(v)), ag.exp(v))))(x);
      const [first] = ag.grad((v) => ag.sum(ag.square(ag.tanh(v))))(x);
      const [second] = ag.grad((v) => ag.sum(ag.exp(v)))(x);
      expect(kernels.allClose(both, kernels.add(first, second), { rtol: 1e-12, atol: 1e-12 })).toBe(true);
      const [square] = ag.grad((v) => ag.sum(ag.mul(v, v)))(x);
      expect(kernels.allClose(square, kernels.mul(x, 2), { rtol: 1e-12, atol: 0 })).toBe(true);
    }), RUNS);
  });
});
