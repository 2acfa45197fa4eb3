/**
 * Every op at the edges: zeros (both signs), ±∞, NaN, empty axes and stride-0 (expanded) views,
 * value and gradient. Values: each fast path equals the plain reference loop there. Gradients:
 * PyTorch's conventions, written out as the expected numbers (issue 12's differential test against
 * PyTorch found the cases pinned here; where we differ on purpose, the op's header says so).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ag from '../src/autograd/index.js';
import { logSoftmax, logsumexp, softmax } from '../src/autograd/nn.js';
import * as k from '../src/tensor/kernels.js';
import { BINARY_OP_NAMES, UNARY_OP_NAMES, binaryReference, reluGradOf, reluOf, unaryReference } from '../src/tensor/elementwise.js';
import { type ReduceOp, reduceReference } from '../src/tensor/reduce.js';
import { gatherReference } from '../src/tensor/indexing.js';
import { Tensor } from '../src/tensor/tensor.js';
import { shapeArb, stridedViewArb } from './support/arbitraries.js';
import { expectOpError } from './support/expect.js';

/** The edge values, plus a few ordinary ones so that comparisons and ties happen. */
const edgeValueArb = fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 1, -1, 2.5, -0.5);

function edgeTensorArb(shape: readonly number[], dtype: 'float32' | 'float64' = 'float64'): fc.Arbitrary<Tensor> {
  const size = shape.reduce((p, d) => p * d, 1);
  return fc.array(edgeValueArb, { minLength: size, maxLength: size }).map((values) => k.tensor(values, shape.slice(), dtype));
}

/** The same values in three layouts: packed, a strided view, and (for a leading 1) a stride-0 expansion. */
function layoutsArb(shape: readonly number[], dtype: 'float32' | 'float64' = 'float64'): fc.Arbitrary<Tensor[]> {
  return edgeTensorArb(shape, dtype).chain((t) => stridedViewArb(t).map((view) => [t, view, k.expand(k.unsqueeze(t, 0), [3, ...t.shape])]));
}

/** A float32 NaN with its sign bit set, as x64 arithmetic makes them (0/0). */
function negativeNaN(): Tensor {
  const bits = Int32Array.of(0xffc00000 | 0);
  return new Tensor(new Float32Array(bits.buffer), [1]);
}

describe('elementwise values at the edges', () => {
  it('every unary op: the fast paths equal the reference on ±0, ±∞, NaN, strided, stride-0 and empty', () => {
    fc.assert(fc.property(shapeArb({ maxRank: 3, maxDim: 4 }).chain((s) => layoutsArb(s)), fc.constantFrom('float32', 'float64'), (layouts, dtype) => {
      for (const name of UNARY_OP_NAMES) {
        for (const x of layouts.map((t) => (dtype === 'float32' ? k.astype(t, 'float32') : t))) {
          const fast = name === 'clamp' ? k.clamp(x, -1, 2) : (k[name] as (t: Tensor) => Tensor)(x);
          const reference = name === 'clamp' ? unaryReference('clamp', x, -1, 2) : unaryReference(name, x);
          expect(k.arrayEqual(fast, reference), `${name} ${dtype} ${x.toString()}`).toBe(true);
        }
      }
    }), { numRuns: 60 });
  });

  it('every binary op: the fast paths equal the reference, with broadcasting and stride-0 views', () => {
    fc.assert(fc.property(shapeArb({ maxRank: 3, maxDim: 3 }).chain((s) => fc.tuple(layoutsArb(s), edgeTensorArb(s.slice(1)))), ([layouts, row]) => {
      for (const name of BINARY_OP_NAMES) {
        for (const a of layouts) {
          for (const b of [layouts[0], row]) {
            if (b.rank > a.rank) continue;
            expect(k.arrayEqual((k[name] as (x: Tensor, y: Tensor) => Tensor)(a, b), binaryReference(name, a, b)), name).toBe(true);
            expect(k.arrayEqual((k[name] as (x: Tensor, y: Tensor) => Tensor)(b, a), binaryReference(name, b, a)), name).toBe(true);
          }
        }
      }
    }), { numRuns: 40 });
  });
});

describe('relu at NaN, told once', () => {
  it('passes NaN forward and dy backward on every layout and dtype, NaN of either sign (PyTorch)', () => {
    const inputs = [k.tensor([NaN, -1, 0, 2]), k.tensor([NaN, -1, 0, 2], undefined, 'float64')];
    for (const x of inputs) {
      const dy = k.onesLike(x);
      const transposed = k.transpose(k.reshape(x, [2, 2]), 0, 1); // not contiguous: the table path
      const dyT = k.transpose(k.reshape(dy, [2, 2]), 0, 1);
      expect(Array.from(k.relu(x).toTypedArray())).toEqual([NaN, 0, 0, 2]);
      expect(Array.from(k.reluBackward(dy, x).toTypedArray())).toEqual([1, 0, 0, 1]);
      expect(Array.from(k.relu(transposed).toTypedArray())).toEqual([NaN, 0, 0, 2]);
      expect(Array.from(k.reluBackward(dyT, transposed).toTypedArray())).toEqual([1, 0, 0, 1]);
    }
    expect(Number.isNaN(k.relu(negativeNaN()).item())).toBe(true);
    expect(k.reluBackward(k.ones([1]), negativeNaN()).item()).toBe(1);
    expect([reluOf(NaN), reluOf(-Infinity), reluGradOf(5, NaN), reluGradOf(Infinity, -2)]).toEqual([NaN, 0, 5, 0]);
  });

  it('the float32 bit paths equal the scalar definitions on arbitrary bit patterns', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 40 }), fc.array(fc.float({ noNaN: false }), { minLength: 40, maxLength: 40 }), (bits, grads) => {
      const x = new Tensor(new Float32Array(Int32Array.from(bits).buffer), [bits.length]);
      const dy = k.tensor(grads.slice(0, bits.length));
      const xs = Array.from(x.data);
      expect(k.arrayEqual(k.relu(x), k.tensor(xs.map(reluOf)))).toBe(true);
      expect(k.arrayEqual(k.reluBackward(dy, x), k.tensor(xs.map((v, i) => reluGradOf(dy.data[i], v))))).toBe(true);
    }));
  });
});

describe('reductions at the edges', () => {
  const ops: ReduceOp[] = ['sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'norm1', 'norm2', 'variance'];
  it('every fast path equals the reference with ±∞, NaN, strided and stride-0 inputs', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 4, allowZero: false }).chain((s) => fc.tuple(layoutsArb(s), fc.integer({ min: -s.length, max: -1 }))), ([layouts, axis]) => {
      for (const x of layouts) {
        for (const op of ops) {
          const axes = op === 'argmax' || op === 'argmin' ? axis : [axis];
          const fast = op === 'norm1' ? k.norm(x, 1, axes) : op === 'norm2' ? k.norm(x, 2, axes)
            : (k[op] as (t: Tensor, a: unknown) => Tensor)(x, axes);
          const reference = reduceReference(op, x, axes);
          expect(k.allClose(fast, reference, { rtol: 1e-12, atol: 0, equalNaN: true }), `${op} over ${axis} of ${x.toString()}`).toBe(true);
        }
      }
    }), { numRuns: 60 });
  });

  it('over an empty axis: sum 0, mean NaN, norm 0, max refused, as in PyTorch', () => {
    const empty = k.zeros([2, 0]);
    expect(k.sum(empty, 1).toArray()).toEqual([0, 0]);
    expect(k.mean(empty, 1).toArray()).toEqual([NaN, NaN]);
    expect(k.norm(empty, 2, 1).toArray()).toEqual([0, 0]);
    expectOpError(() => k.max(empty, 1), 'max', 'zero elements');
  });
});

/** ∂(Σ w ⊙ f(x))/∂x for a float64 leaf x. */
function gradOf(f: (x: Tensor) => Tensor, x: Tensor): number[] {
  const [g] = ag.grad((v) => ag.sum(f(v)))(x);
  return Array.from(g.toTypedArray(), (v) => v + 0); // −0 reads as 0: the sign of a zero gradient is not pinned
}

describe('gradients at the edges follow PyTorch', () => {
  it('pow at base 0: d/db of pow([0, 2], b = 2) is 4 ln 2, with no NaN from the 0', () => {
    const a = k.tensor([0, 2], undefined, 'float64');
    const b = k.tensor(2, undefined, 'float64');
    const [da, db] = ag.grad((x, y) => ag.sum(ag.pow(x, y)))(a, b);
    expect(Array.from(da.toTypedArray())).toEqual([0, 4]);
    expect(db.item()).toBeCloseTo(4 * Math.LN2, 12);
    // Exponent 0: aᵇ = 1 whatever a, so d/da = 0, also at a = 0 (0 · 0⁻¹ would be NaN).
    expect(gradOf((x) => ag.pow(x, 0), k.tensor([0, 3], undefined, 'float64'))).toEqual([0, 0]);
    const [, dbZero] = ag.grad((x, y) => ag.sum(ag.pow(x, y)))(k.tensor([0, 0], undefined, 'float64'), k.tensor([0, 1.5], undefined, 'float64'));
    expect(Array.from(dbZero.toTypedArray())).toEqual([0, 0]);
    // A negative exponent at 0 keeps its infinities: 0⁻¹ is ∞ and so is its slope, as in PyTorch.
    expect(gradOf((x) => ag.pow(x, -1), k.tensor([0], undefined, 'float64'))).toEqual([-Infinity]);
  });

  it('norm (p = 2) of an all-zero slice has gradient 0, in float32 too', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = k.tensor([[0, 0, 0], [3, 0, 4]], undefined, dtype);
      const g = gradOf((v) => ag.norm(v, 2, 1), x);
      expect(g.slice(0, 3)).toEqual([0, 0, 0]);
      [0.6, 0, 0.8].forEach((v, i) => expect(g[3 + i]).toBeCloseTo(v, 6));
    }
  });

  it('relu: dy passes at NaN on contiguous and transposed inputs alike', () => {
    const x = k.tensor([[NaN, -1], [0, 2]]);
    expect(gradOf((v) => ag.relu(v), x)).toEqual([1, 0, 0, 1]);
    expect(gradOf((v) => ag.relu(ag.transpose(v, 0, 1)), x)).toEqual([1, 0, 0, 1]);
  });

  it('the softmax family with +∞ or only −∞ in a slice: PyTorch\'s NaN pattern', () => {
    const x = k.tensor([[Infinity, 1], [-Infinity, -Infinity], [0, Math.log(3)]], undefined, 'float64');
    const s = softmax(x).toArray() as number[][];
    expect(s[0]).toEqual([NaN, NaN]);
    expect(s[1]).toEqual([NaN, NaN]);
    expect(s[2][1]).toBeCloseTo(0.75, 12);
    const ls = logSoftmax(x).toArray() as number[][];
    expect([ls[0], ls[1]]).toEqual([[NaN, NaN], [NaN, NaN]]);
    const lse = logsumexp(x).toArray() as number[];
    expect([lse[0], lse[1]]).toEqual([Infinity, -Infinity]);
    // d logsumexp / dx = exp(x − lse): [exp(∞ − ∞), exp(1 − ∞)] = [NaN, 0].
    expect(gradOf((v) => logsumexp(v), k.tensor([Infinity, 1], undefined, 'float64'))).toEqual([NaN, 0]);
  });

  it('the softmax family over an empty axis: no throw, like sum and mean', () => {
    const empty = k.zeros([2, 0], 'float64');
    expect(softmax(empty).shape).toEqual([2, 0]);
    expect(logSoftmax(empty).shape).toEqual([2, 0]);
    expect(logsumexp(empty).toArray()).toEqual([-Infinity, -Infinity]);
    expect(gradOf((v) => logsumexp(v), empty)).toEqual([]);
    expect(gradOf((v) => softmax(v), empty)).toEqual([]);
  });

  it('kinks and ties: abs′(0) = 0, clamp passes dy at its bounds, maximum splits a tie', () => {
    expect(gradOf((v) => ag.abs(v), k.tensor([0, -0, -2], undefined, 'float64'))).toEqual([0, 0, -1]);
    expect(gradOf((v) => ag.clamp(v, -1, 1), k.tensor([-1, 1, 2], undefined, 'float64'))).toEqual([1, 1, 0]);
    expect(gradOf((v) => ag.maximum(v, 1), k.tensor([1, 2, 0], undefined, 'float64'))).toEqual([0.5, 1, 0]);
    expect(gradOf((v) => ag.sqrt(v), k.tensor([0], undefined, 'float64'))).toEqual([Infinity]);
  });

  it('a stride-0 expanded view sends back the sum of its copies\' gradients', () => {
    const x = k.tensor([[1], [2]], undefined, 'float64');
    const w = k.tensor([[1, 2, 3], [4, 5, 6]], undefined, 'float64');
    expect(gradOf((v) => ag.mul(ag.expand(v, [2, 3]), w), x)).toEqual([6, 15]);
  });
});

describe('matmul and concat at the edges', () => {
  it('matmul equals its triple loop with ±0, ±∞ and NaN, on packed, transposed and stride-0 operands', () => {
    fc.assert(fc.property(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 })).chain(([m, kk, n]) =>
      fc.tuple(edgeTensorArb([m, kk]), edgeTensorArb([kk, n]), fc.boolean())), ([a, b, broadcastBatch]) => {
      const left = broadcastBatch ? k.expand(k.unsqueeze(a, 0), [2, ...a.shape]) : a;
      for (const right of [b, k.transpose(k.contiguous(k.transpose(b, 0, 1)), 0, 1)]) {
        const fast = k.matmul(left, right);
        const reference = k.matmulReference(left, right);
        expect(k.allClose(fast, reference, { rtol: 1e-12, atol: 1e-12, equalNaN: true })).toBe(true);
      }
    }), { numRuns: 80 });
  });

  it('concat equals its definition on stride-0 and strided views holding NaN and ±∞', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) => layoutsArb(s)), (layouts) => {
      const [packed, view] = layouts;
      expect(k.arrayEqual(k.concat([packed, view], 0), k.concatReference([packed, view], 0))).toBe(true);
      const expanded = layouts[2];
      expect(k.arrayEqual(k.concat([expanded, expanded], -1), k.concatReference([expanded, expanded], -1))).toBe(true);
    }), { numRuns: 60 });
  });
});

describe('gather at the edges', () => {
  it('equals its definition on NaN and ±∞ values, strided x and stride-0 (expanded) index', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 3, allowZero: false }).chain((s) =>
      fc.tuple(layoutsArb(s), fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.nat(), { minLength: 27, maxLength: 27 }))), ([layouts, axis, picks]) => {
      const [packed, view] = layouts;
      const dim = packed.shape[axis];
      const index = k.tensor(picks.slice(0, packed.size).map((p) => p % dim), packed.shape.slice(), 'int32');
      const broadcastIndex = k.expand(k.slice(index, 0, 0, 1), packed.shape);
      for (const x of [packed, view]) {
        for (const ix of [index, broadcastIndex]) {
          expect(k.arrayEqual(k.gather(x, axis, ix), gatherReference(x, axis, ix))).toBe(true);
        }
      }
    }), { numRuns: 60 });
  });
});
