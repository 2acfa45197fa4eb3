import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BINARY_OP_NAMES, UNARY_OP_NAMES, add, astype, binaryReference, clamp, div, exp, greater, mul, relu, sign, sub,
  unaryReference, where, type BinaryOpName, type UnaryOpName,
} from '../src/tensor/elementwise.js';
import * as elementwise from '../src/tensor/elementwise.js';
import { Tensor } from '../src/tensor/tensor.js';
import { tensor } from '../src/tensor/creation.js';
import { specialize } from '../src/tensor/specialize.js';
import { broadcastPairArb, flatValues, shapeArb, stridedViewArb, tensorArb } from './support/arbitraries.js';
import { expectTensorError } from './support/expect.js';

/** Each op's meaning, written again independently of the library, in float64. */
const UNARY_ORACLE: Record<UnaryOpName, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, square: (x) => x ** 2,
  relu: (x) => (Number.isNaN(x) ? x : Math.max(x, 0)), sigmoid: (x) => 1 / (1 + Math.exp(-x)), tanh: Math.tanh,
  sign: (x) => (Number.isNaN(x) ? x : Math.sign(x)), clamp: (x) => x,
};
const BINARY_ORACLE: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: (a, b) => a ** b,
  maximum: Math.max, minimum: Math.min, equal: (a, b) => Number(a === b), notEqual: (a, b) => Number(a !== b),
  greater: (a, b) => Number(a > b), greaterEqual: (a, b) => Number(a >= b), less: (a, b) => Number(a < b),
  lessEqual: (a, b) => Number(a <= b),
};

type Fn = (...args: unknown[]) => Tensor;
/** Values with −0 read as +0: the sign of a zero is not part of any op's contract here. */
const values = (t: Tensor): number[] => flatValues(t).map((v) => v + 0);
const op = (name: string): Fn => (elementwise as unknown as Record<string, Fn>)[name];

/** Broadcasting written the slow, obvious way: for every output index, index each operand with dim-1 axes pinned to 0. */
function oracleBinary(f: (a: number, b: number) => number, a: Tensor, b: Tensor): { shape: number[]; values: number[] } {
  const rank = Math.max(a.rank, b.rank);
  const padA = [...Array(rank - a.rank).fill(1), ...a.shape];
  const padB = [...Array(rank - b.rank).fill(1), ...b.shape];
  const shape = padA.map((d, k) => (d === 1 ? padB[k] : d));
  const size = shape.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    const index: number[] = [];
    let rest = flat;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
    }
    const ia = index.slice(rank - a.rank).map((i, k) => (a.shape[k] === 1 ? 0 : i));
    const ib = index.slice(rank - b.rank).map((i, k) => (b.shape[k] === 1 ? 0 : i));
    values.push(f(a.at(...ia), b.at(...ib)));
  }
  return { shape, values };
}

const pairOfTensors = broadcastPairArb().chain(([sa, sb]) => fc.tuple(tensorArb(sa), tensorArb(sb)));
const maybeStrided = (t: Tensor) => fc.oneof(fc.constant(t), stridedViewArb(t));
const pairWithViews = pairOfTensors.chain(([a, b]) => fc.tuple(maybeStrided(a), maybeStrided(b)));

describe('elementwise: values', () => {
  it('every unary op matches its float64 oracle, rounded to float32, on any layout', () => {
    fc.assert(
      fc.property(shapeArb().chain(tensorArb).chain(maybeStrided), fc.constantFrom(...UNARY_OP_NAMES.filter((n) => n !== 'clamp')), (x, name) => {
        const y = op(name)(x);
        expect(y.shape).toEqual(x.shape);
        expect(values(y)).toEqual(flatValues(x).map((v) => Math.fround(UNARY_ORACLE[name](v)) + 0));
      }),
    );
  });

  it('every binary op matches the broadcasting oracle, on any layout', () => {
    fc.assert(
      fc.property(pairWithViews, fc.constantFrom(...BINARY_OP_NAMES), ([a, b], name) => {
        const y = op(name)(a, b);
        const expected = oracleBinary(BINARY_ORACLE[name], a, b);
        expect(y.shape).toEqual(expected.shape);
        expect(flatValues(y)).toEqual(expected.values.map(Math.fround));
      }),
    );
  });

  it('fast paths equal the reference loops bit for bit', () => {
    fc.assert(
      fc.property(pairWithViews, fc.constantFrom(...BINARY_OP_NAMES), ([a, b], name) => {
        expect(flatValues(op(name)(a, b))).toEqual(flatValues(binaryReference(name, a, b)));
      }),
    );
    fc.assert(
      fc.property(shapeArb().chain(tensorArb).chain(maybeStrided), fc.constantFrom(...UNARY_OP_NAMES), (x, name) => {
        const fast = name === 'clamp' ? clamp(x, -1, 2) : op(name)(x);
        expect(flatValues(fast)).toEqual(flatValues(unaryReference(name, x, -1, 2)));
      }),
    );
  });

  it('each fast path is reached and agrees: trailing row, scalar, same shape, leading row, row per block, middle-axis broadcast', () => {
    const a = tensor(Array.from({ length: 24 }, (_, i) => i - 7), [2, 3, 4]);
    const cases: Array<[Tensor, Tensor]> = [
      [a, tensor([1, -2, 3, 0.5])], // trailing row on the right
      [tensor([[1, -2, 3, 0.5]]), a], // trailing row on the left, with a leading 1
      [a, tensor(3)], // scalar right
      [tensor([3]), a], // one-element left
      [a, a], // same shape
      [a, tensor([[[1, -2, 3, 0.5]], [[4, 0, -1, 2]]])], // [2,1,4]: a row per leading block (a per-instance bias)
      [tensor([[[1, -2, 3, 0.5]], [[4, 0, -1, 2]]]), a], // the same on the left: the strided walk
      [a, tensor([[[1], [2], [3]], [[4], [5], [6]]])], // [2,3,1]: one number per row, as a row of one per block
      [a, tensor([[1], [2], [3]])], // middle-axis broadcast: strided walk
    ];
    for (const [x, y] of cases) {
      for (const name of BINARY_OP_NAMES) {
        expect(flatValues(op(name)(x, y))).toEqual(oracleBinary(BINARY_ORACLE[name], x, y).values.map(Math.fround));
      }
    }
  });

  it('add and mul commute under broadcasting', () => {
    fc.assert(
      fc.property(pairWithViews, ([a, b]) => {
        expect(flatValues(add(a, b))).toEqual(flatValues(add(b, a)));
        expect(flatValues(mul(a, b))).toEqual(flatValues(mul(b, a)));
        expect(add(a, b).shape).toEqual(add(b, a).shape);
      }),
    );
  });

  it('a plain number acts like a scalar tensor of the same dtype, on either side', () => {
    fc.assert(
      fc.property(shapeArb().chain(tensorArb).chain(maybeStrided), fc.double({ min: -3, max: 3, noNaN: true }), (x, s) => {
        for (const name of ['add', 'sub', 'mul', 'maximum', 'less'] as const) {
          expect(flatValues(op(name)(x, s))).toEqual(flatValues(op(name)(x, tensor(s))));
          expect(flatValues(op(name)(s, x))).toEqual(flatValues(op(name)(tensor(s), x)));
        }
      }),
    );
  });

  it('keeps float64 precision in float64', () => {
    const y = sub(tensor([1 + 1e-12], undefined, 'float64'), tensor([1], undefined, 'float64'));
    expect(y.dtype).toBe('float64');
    expect(y.item()).toBe(1 + 1e-12 - 1);
    expect(sub(tensor([1 + 1e-12]), tensor([1])).item()).toBe(0); // float32 cannot see it
  });

  it('int32 arithmetic stays int32, and refuses a fractional number', () => {
    const a = tensor([1, -2, 3], undefined, 'int32');
    expect(add(a, a).dtype).toBe('int32');
    expect(add(a, 2).toArray()).toEqual([3, 0, 5]);
    expect(() => add(a, 2.5)).toThrow(/add: cannot combine an int32 tensor with the non-integer 2.5/);
  });

  it('follows the documented conventions: relu passes NaN, relu(0) = 0, sign(0) = 0', () => {
    expect(flatValues(relu(tensor([Number.NaN, 0, -1, 2])))).toEqual([Number.NaN, 0, 0, 2]);
    expect(flatValues(sign(tensor([0, -3, 5, Number.NaN])))).toEqual([0, -1, 1, Number.NaN]);
  });

  it('clamp limits to [low, high]', () => {
    fc.assert(
      fc.property(shapeArb().chain(tensorArb), fc.double({ min: -4, max: 0, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true }), (x, low, high) => {
        expect(values(clamp(x, low, high))).toEqual(flatValues(x).map((v) => Math.min(Math.max(v, Math.fround(low)), Math.fround(high)) + 0));
      }),
    );
  });

  it('where picks by condition with three-way broadcasting', () => {
    fc.assert(
      fc.property(pairWithViews, ([a, b]) => {
        const condition = greater(a, 0);
        const chosen = where(condition, a, b);
        const expected = oracleBinary((x, y) => (x > 0 ? x : y), a, b);
        expect(chosen.shape).toEqual(expected.shape);
        expect(flatValues(chosen)).toEqual(expected.values);
      }),
    );
    expect(where(tensor([1, 0, 1]), 5, -5).toArray()).toEqual([5, -5, 5]);
  });

  it('astype converts, truncating toward zero into int32', () => {
    const y = astype(tensor([1.7, -1.7, 2.5]), 'int32');
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([1, -1, 2]);
    expect(astype(y, 'float64').dtype).toBe('float64');
  });

  it('never writes into its inputs', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const before = flatValues(a);
    add(a, a); relu(a); mul(a, 3); where(a, a, 0);
    expect(flatValues(a)).toEqual(before);
  });
});

describe('elementwise: bad input', () => {

  it('shapes that do not broadcast name the op and both shapes', () => {
    expectTensorError(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2, 3, 4])), 'add:', '[2,3]', '[4]');
    expectTensorError(() => mul(tensor([[1, 2]]), tensor([1, 2, 3])), 'mul:', '[1,2]', '[3]');
  });

  it('dtype mismatches name both dtypes', () => {
    expectTensorError(() => sub(tensor([1, 2]), tensor([1, 2], undefined, 'float64')), 'sub:', 'float32', 'float64');
    expectTensorError(() => where(tensor([1]), tensor([1]), tensor([1], undefined, 'int32')), 'where:', 'float32', 'int32');
  });

  it('float-only ops refuse int32', () => {
    expectTensorError(() => exp(tensor([1], undefined, 'int32')), 'exp:', 'int32');
    expectTensorError(() => div(tensor([1], undefined, 'int32'), 2), 'div:', 'int32');
  });

  it('non-tensor operands and bad clamp bounds are refused', () => {
    expectTensorError(() => add(null as unknown as Tensor, tensor([1])), 'add:', 'Tensor');
    expectTensorError(() => relu([1, 2] as unknown as Tensor), 'relu:', 'Tensor');
    expectTensorError(() => clamp(tensor([1]), 2, 1), 'clamp:', 'low');
    expectTensorError(() => astype(tensor([1]), 'float16' as never), 'astype:', 'float16');
  });
});

describe('specialize', () => {
  it('returns a working private copy of a self-contained loop factory', () => {
    const factory = (f: (x: number) => number) => (xs: number[]) => xs.map((x) => f(x));
    const copy = specialize(factory, 'triple');
    expect(copy).not.toBe(factory);
    expect(copy((x) => x * 3)([1, 2])).toEqual([3, 6]);
  });
});

describe('relu on float32 bits', () => {
  it('matches the table formula on the edge values, and on random float32 and float64 data', () => {
    const edges = [-0, 0, -Infinity, Infinity, NaN, 1.4e-45, -1.4e-45, 3.4e38, -3.4e38, 1, -1];
    const x = tensor(edges, undefined, 'float32');
    const fast = Array.from(elementwise.relu(x).toTypedArray());
    const reference = Array.from(elementwise.unaryReference('relu', x).toTypedArray());
    expect(fast.map((v) => Object.is(v, -0) ? 'minus zero' : v)).toEqual(reference.map((v) => Object.is(v, -0) ? 'minus zero' : v));
    expect(Object.is(fast[0], 0)).toBe(true); // relu(−0) is +0
    fc.assert(fc.property(shapeArb().chain((s) => tensorArb(s, 'float32')), (t) => {
      expect(flatValues(elementwise.relu(t))).toEqual(flatValues(elementwise.unaryReference('relu', t)));
    }));
  });
});
