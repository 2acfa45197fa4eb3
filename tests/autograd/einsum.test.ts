import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { einsum, einsumPlan } from '../../src/autograd/einsum.js';
import { setOpObserver, type OpEvent } from '../../src/autograd/engine.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { valueAndGrad } from '../../src/autograd/functional.js';
import { mul } from '../../src/autograd/ops/elementwise.js';
import { sum } from '../../src/autograd/ops/reduce.js';
import { tensor } from '../../src/tensor/creation.js';
import { astype } from '../../src/tensor/elementwise.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flatValues, stridedViewArb, tensorArb } from '../support/arbitraries.js';
import { expectOpError, indicesOf } from '../support/expect.js';

// ---------------------------------------------------------------------------------------------
// The oracle: einsum straight from its definition, in float64. For every assignment of a value
// to every letter, multiply the operands' entries and add the product to the output entry named
// by the output letters. A size-1 axis is read at index 0 whatever its letter's size (broadcast).
// ---------------------------------------------------------------------------------------------

interface OracleResult {
  shape: number[];
  values: number[];
  /** Σ |product| per output entry: the scale that rounding errors grow with. */
  magnitudes: number[];
}

function einsumOracle(inputs: readonly string[], output: string, operands: readonly Tensor[]): OracleResult {
  const sizes = new Map<string, number>();
  inputs.forEach((term, k) => [...term].forEach((letter, axis) => {
    const dim = operands[k].shape[axis];
    if (!sizes.has(letter) || sizes.get(letter) === 1) sizes.set(letter, dim);
  }));
  const letters = [...sizes.keys()];
  const shape = [...output].map((letter) => sizes.get(letter) as number);
  const outSize = shape.reduce((n, d) => n * d, 1);
  const values = new Array<number>(outSize).fill(0);
  const magnitudes = new Array<number>(outSize).fill(0);
  const data = operands.map(flatValues);
  const rowMajor = (s: readonly number[]): number[] => s.map((_, axis) => s.slice(axis + 1).reduce((n, d) => n * d, 1));
  const strides = operands.map((t) => rowMajor(t.shape));
  const outStrides = rowMajor(shape);
  for (const assignment of indicesOf(letters.map((letter) => sizes.get(letter) as number))) {
    const at = new Map(letters.map((letter, k) => [letter, assignment[k]]));
    let product = 1;
    inputs.forEach((term, k) => {
      let flat = 0;
      [...term].forEach((letter, axis) => {
        const index = operands[k].shape[axis] === 1 ? 0 : (at.get(letter) as number);
        flat += index * strides[k][axis];
      });
      product *= data[k][flat];
    });
    let outFlat = 0;
    [...output].forEach((letter, axis) => (outFlat += (at.get(letter) as number) * outStrides[axis]));
    values[outFlat] += product;
    magnitudes[outFlat] += Math.abs(product);
  }
  return { shape, values, magnitudes };
}

function expectMatchesOracle(result: Tensor, expected: OracleResult, relative: number): void {
  expect(result.shape).toEqual(expected.shape);
  const got = flatValues(result);
  got.forEach((value, i) => {
    expect(Math.abs(value - expected.values[i])).toBeLessThanOrEqual(relative * (expected.magnitudes[i] + 1));
  });
}

// ---------------------------------------------------------------------------------------------
// Random einsum problems: 1–3 operands over a pool of letters, each operand a random subset in a
// random order, a random output, random sizes, and (sometimes) size-1 dims to broadcast.
// ---------------------------------------------------------------------------------------------

interface Problem {
  inputs: string[];
  output: string;
  operands: Tensor[];
}

interface ProblemOptions {
  maxOperands?: number;
  maxLetters?: number;
  maxSize?: number;
  dtype?: DType;
}

function problemArb({ maxOperands = 3, maxLetters = 5, maxSize = 4, dtype = 'float64' }: ProblemOptions = {}): fc.Arbitrary<Problem> {
  return fc.integer({ min: 1, max: maxLetters }).chain((count) => {
    const pool = 'abcdefgh'.slice(0, count).split('');
    return fc.record({
      terms: fc.array(fc.shuffledSubarray(pool), { minLength: 1, maxLength: maxOperands }),
      output: fc.shuffledSubarray(pool),
      sizes: fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: count, maxLength: count }),
      // One flag per operand and letter: read that axis as size 1 (broadcast), about 1 in 6.
      ones: fc.array(fc.array(fc.integer({ min: 0, max: 5 }).map((r) => r === 0), { minLength: count, maxLength: count }),
        { minLength: maxOperands, maxLength: maxOperands }),
    }).chain(({ terms, output, sizes, ones }) => {
      const used = new Set(terms.flat());
      const inputs = terms.map((term) => term.join(''));
      const out = output.filter((letter) => used.has(letter)).join('');
      const shapes = terms.map((term, k) => term.map((letter) => (ones[k][pool.indexOf(letter)] ? 1 : sizes[pool.indexOf(letter)])));
      return fc.tuple(...shapes.map((shape) => tensorArb(shape, dtype)))
        .map((operands) => ({ inputs, output: out, operands }));
    });
  });
}

const subscriptsOf = (p: Problem): string => `${p.inputs.join(',')}->${p.output}`;

/** The op names einsum records in the forward pass. */
function recordedOps(run: () => unknown): string[] {
  const ops: string[] = [];
  const previous = setOpObserver((event: OpEvent) => {
    if (event.phase === 'forward') ops.push(event.op);
  });
  try {
    run();
  } finally {
    setOpObserver(previous);
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------

describe('einsum: values', () => {
  it('matches the float64 loop oracle on random problems (1–3 operands, broadcasting, any output)', () => {
    fc.assert(fc.property(problemArb(), (p) => {
      const result = einsum(subscriptsOf(p), ...p.operands);
      expectMatchesOracle(result, einsumOracle(p.inputs, p.output, p.operands), 1e-12);
    }));
  });

  it('matches the oracle in float32 within float32 rounding', () => {
    fc.assert(fc.property(problemArb({ dtype: 'float32' }), (p) => {
      const result = einsum(subscriptsOf(p), ...p.operands);
      expect(result.dtype).toBe('float32');
      // Products and partial sums may each round once in float32 (2⁻²⁴ ≈ 6e-8 relative), a few times over.
      expectMatchesOracle(result, einsumOracle(p.inputs, p.output, p.operands), 1e-6);
    }));
  });

  it('reads strided (non-contiguous) operands the same as packed ones', () => {
    fc.assert(fc.property(
      problemArb({ maxOperands: 2 }).chain((p) => fc.tuple(fc.constant(p), fc.tuple(...p.operands.map(stridedViewArb)))),
      ([p, views]) => {
        const packed = einsum(subscriptsOf(p), ...p.operands);
        const strided = einsum(subscriptsOf(p), ...views);
        expect(flatValues(strided)).toEqual(flatValues(packed));
      },
    ));
  });

  it("computes the toy model's two products, W [i,m,n] with x [b,i,n] and with h [b,i,m]", () => {
    const dims = fc.record({
      i: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 5 }),
      n: fc.integer({ min: 1, max: 6 }), b: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(fc.property(
      dims.chain(({ i, m, n, b }) => fc.tuple(tensorArb([i, m, n], 'float64'), tensorArb([b, i, n], 'float64'), tensorArb([b, i, m], 'float64'))),
      ([W, x, h]) => {
        expectMatchesOracle(einsum('imn,bin->bim', W, x), einsumOracle(['imn', 'bin'], 'bim', [W, x]), 1e-12);
        expectMatchesOracle(einsum('imn,bim->bin', W, h), einsumOracle(['imn', 'bim'], 'bin', [W, h]), 1e-12);
      },
    ));
  });

  it('transposes, sums, takes outer products and batched products (hand-computed)', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, 'float64');
    expect(einsum('ij->ji', a).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(einsum('ij->', a).item()).toBe(21); // 1 + … + 6
    expect(einsum('ij->j', a).toArray()).toEqual([5, 7, 9]); // column sums
    expect(einsum('i,j->ij', tensor([1, 2], undefined, 'float64'), tensor([3, 4, 5], undefined, 'float64')).toArray())
      .toEqual([[3, 4, 5], [6, 8, 10]]);
    // Two 2×2 products in a batch: [[1,2],[3,4]]·I and 2·I·[[1,1],[1,1]].
    const left = tensor([[[1, 2], [3, 4]], [[2, 0], [0, 2]]], undefined, 'float64');
    const right = tensor([[[1, 0], [0, 1]], [[1, 1], [1, 1]]], undefined, 'float64');
    expect(einsum('bij,bjk->bik', left, right).toArray()).toEqual([[[1, 2], [3, 4]], [[2, 2], [2, 2]]]);
    // A trace of a sum needs no diagonal: Σᵢⱼ aᵢⱼ·bᵢⱼ is the trace of a·bᵀ.
    expect(einsum('ij,ij->', a, a).item()).toBe(91); // 1 + 4 + 9 + 16 + 25 + 36
  });

  it('follows NumPy for an implicit output: the letters used once, sorted', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, 'float64');
    const b = tensor([[1, 0], [0, 1], [1, 1]], undefined, 'float64');
    expect(einsum('ij,jk', a, b).toArray()).toEqual(einsum('ij,jk->ik', a, b).toArray());
    expect(einsum('ji', a).toArray()).toEqual(einsum('ij->ji', a).toArray()); // 'ji' means 'ji->ij'
    expect(einsum('ij', a).toArray()).toEqual(a.toArray());
    expect(einsum('i,i', tensor([1, 2]), tensor([3, 4])).item()).toBe(11); // 1·3 + 2·4
    expect(einsumPlan('ba,ac', [2, 3], [3, 4]).subscripts).toBe('ba,ac->bc');
    expect(einsumPlan(' i j , j k ', [2, 3], [3, 4]).subscripts).toBe('ij,jk->ik'); // spaces are ignored
  });

  it('broadcasts a size-1 dim against the same letter in another operand', () => {
    const row = tensor([[10, 20]], undefined, 'float64'); // [1, 2], letter b of size 1
    const many = tensor([[1, 2], [3, 4], [5, 6]], undefined, 'float64'); // [3, 2]
    // Batch letter b (kept): [b=1] against [b=3] gives three rows of elementwise products.
    expect(einsum('bi,bi->bi', row, many).toArray()).toEqual([[10, 40], [30, 80], [50, 120]]);
    // Contracted letter b of size 1 vs 3: Σ_b row[0,i]·many[b,i] = row[0,i]·(column sum of many).
    expect(einsum('bi,bi->i', row, many).toArray()).toEqual([90, 240]);
  });

  it('takes scalar operands with an empty subscript, and handles zero-size letters', () => {
    const s = tensor(3, undefined, 'float64');
    expect(einsum(',ij->ij', s, tensor([[1, 2]], undefined, 'float64')).toArray()).toEqual([[3, 6]]);
    expect(einsum('->', s).item()).toBe(3);
    // An empty contraction is a sum of nothing: zeros.
    const empty = einsum('ij,jk->ik', tensor([[], []], [2, 0], 'float64'), tensor([], [0, 3], 'float64'));
    expect(empty.shape).toEqual([2, 3]);
    expect(flatValues(empty)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('returns a fresh Variable even when nothing is to be done', () => {
    const a = tensor([[1, 2]], undefined, 'float64');
    const out = einsum('ij->ij', a);
    expect(out).not.toBe(a);
    expect(out.toArray()).toEqual([[1, 2]]);
  });
});

describe('einsum: lowering', () => {
  it("runs the toy model's products as permute, one batched matmul, permute (no copy, no loop)", () => {
    const W = tensor(new Float32Array(4 * 5 * 20), [4, 5, 20]);
    const x = tensor(new Float32Array(7 * 4 * 20), [7, 4, 20]);
    const h = tensor(new Float32Array(7 * 4 * 5), [7, 4, 5]);
    expect(recordedOps(() => einsum('imn,bin->bim', W, x))).toEqual(['permute', 'matmul', 'permute']);
    expect(recordedOps(() => einsum('imn,bim->bin', W, h))).toEqual(['permute', 'matmul', 'permute']);
    const plan = einsumPlan('imn,bin->bim', [4, 5, 20], [7, 4, 20]);
    expect(plan.steps[1].text).toBe('matmul [4,5,20] @ [4,7,20] transposeB → [4,5,7]');
    expect(einsumPlan('imn,bim->bin', [4, 5, 20], [7, 4, 5]).steps[1].text)
      .toBe('matmul [4,5,20] @ [4,7,5] transposeA transposeB → [4,20,7]');
  });

  it('einsumPlan lists exactly the ops einsum records, and its output shape', () => {
    fc.assert(fc.property(problemArb(), (p) => {
      let result: Tensor | undefined;
      const ops = recordedOps(() => (result = einsum(subscriptsOf(p), ...p.operands)));
      const plan = einsumPlan(subscriptsOf(p), ...p.operands.map((t) => t.shape));
      // An empty plan is einsum's identity permute.
      const planned = plan.steps.length === 0 ? ['permute'] : plan.steps.map((s) => s.op);
      expect(ops).toEqual(planned);
      expect(result?.shape).toEqual(plan.outputShape);
      if (plan.steps.length > 0) expect(plan.steps[plan.steps.length - 1].outputShape).toEqual(plan.outputShape);
    }));
  });

  it('uses only the differentiable ops sum, permute, reshape, unsqueeze and matmul', () => {
    fc.assert(fc.property(problemArb(), (p) => {
      for (const op of recordedOps(() => einsum(subscriptsOf(p), ...p.operands))) {
        expect(['sum', 'permute', 'reshape', 'unsqueeze', 'matmul']).toContain(op);
      }
    }));
  });
});

describe('einsum: gradients', () => {
  // A scalar loss that weights every output entry differently, so no gradient hides by symmetry.
  const weightedLoss = (subscripts: string, weights: Tensor) => (...operands: Tensor[]) =>
    sum(mul(einsum(subscripts, ...operands), weights));

  it('passes gradCheck (float64, relative error < 1e-6) on random small problems', () => {
    fc.assert(fc.property(
      problemArb({ maxLetters: 4, maxSize: 3 }).chain((p) =>
        fc.tuple(fc.constant(p), tensorArb(einsumOracle(p.inputs, p.output, p.operands).shape, 'float64'))),
      ([p, weights]) => {
        const { maxRelError, analytic } = gradCheck(weightedLoss(subscriptsOf(p), weights), p.operands);
        expect(maxRelError).toBeLessThan(1e-6);
        analytic.forEach((g, k) => expect(g.shape).toEqual(p.operands[k].shape));
      },
    ), { numRuns: 60 });
  });

  it("passes gradCheck on the toy model's two products", () => {
    const W = tensor([[[0.5, -1, 2], [1.5, 0.25, -0.75]], [[-2, 1, 0.5], [0.3, -0.6, 1.1]]], undefined, 'float64'); // [2,2,3]
    const x = tensor([[[1, 0, 2], [0.5, -1, 1]], [[-1, 2, 0], [3, 0.5, -0.5]]], undefined, 'float64'); // [2,2,3]
    const h = tensor([[[1, -2], [0.5, 0.5]], [[2, 1], [-1, 3]]], undefined, 'float64'); // [2,2,2]
    const w1 = tensor([[[1, 2], [3, 4]], [[-1, 0.5], [2, -3]]], undefined, 'float64');
    const w2 = tensor([[[1, 2, 3], [4, 5, 6]], [[-1, 0.5, 2], [2, -3, 1]]], undefined, 'float64');
    expect(gradCheck(weightedLoss('imn,bin->bim', w1), [W, x]).maxRelError).toBeLessThan(1e-6);
    expect(gradCheck(weightedLoss('imn,bim->bin', w2), [W, h]).maxRelError).toBeLessThan(1e-6);
  });

  it('gives a scaled loss a scaled gradient: grad(αL) = α·grad(L)', () => {
    fc.assert(fc.property(problemArb({ maxLetters: 4, maxSize: 3 }), fc.double({ min: -3, max: 3, noNaN: true }), (p, alpha) => {
      const subscripts = subscriptsOf(p);
      const [, plain] = valueAndGrad((...ops) => sum(einsum(subscripts, ...ops)))(...p.operands);
      const [, scaled] = valueAndGrad((...ops) => mul(sum(einsum(subscripts, ...ops)), alpha))(...p.operands);
      plain.forEach((g, k) => {
        const expected = flatValues(g).map((v) => v * alpha);
        flatValues(scaled[k]).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected[i]))));
      });
    }), { numRuns: 40 });
  });

  it('gives an operand used twice the sum of both gradients', () => {
    // L = Σᵢⱼ aᵢⱼ aᵢⱼ = Σ a², so ∂L/∂a = 2a: each use contributes a.
    const a = tensor([[1, -2, 3], [0.5, 4, -1]], undefined, 'float64');
    const [, [g]] = valueAndGrad((x) => einsum('ij,ij->', x, x))(a);
    expect(g.toArray()).toEqual([[2, -4, 6], [1, 8, -2]]);
  });

  it('works in float32 too, with gradients of the input dtype', () => {
    const a = astype(tensor([[1, 2], [3, 4]]), 'float32');
    const b = astype(tensor([[1, 0], [1, 1]]), 'float32');
    const [, [ga, gb]] = valueAndGrad((x, y) => sum(einsum('ij,jk->ik', x, y)))(a, b);
    // ∂/∂a = 1·bᵀ = row sums of b in every row; ∂/∂b = aᵀ·1 = column sums of a in every column.
    expect(ga.dtype).toBe('float32');
    expect(ga.toArray()).toEqual([[1, 2], [1, 2]]);
    expect(gb.toArray()).toEqual([[4, 4], [6, 6]]);
  });
});

describe('einsum: errors', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]); // [2,3]
  const b = tensor([[1, 2], [3, 4], [5, 6], [7, 8]]); // [4,2]

  it('refuses bad syntax', () => {
    expectOpError(() => einsum('ij->j->i', a), 'einsum', "more than one '->'");
    expectOpError(() => einsum('i1', a), 'einsum', "bad character '1'", "'i1'");
    expectOpError(() => einsum('ij->i_', a), 'einsum', "bad character '_'", 'output');
    expectOpError(() => einsum('...j->j', a), 'einsum', 'ellipsis', 'not supported');
    expectOpError(() => einsum(42 as unknown as string, a), 'einsum', 'must be a string');
    expectOpError(() => einsum('ij->ii', a), 'einsum', "repeats 'i'");
  });

  it('refuses the wrong number of operands, naming both counts', () => {
    expectOpError(() => einsum('ij,jk->ik', a), 'einsum', '2 operand subscripts', '1 operand was given');
    expectOpError(() => einsum('ij->ij', a, a), 'einsum', '1 operand subscript', '2 operands were given');
    expectOpError(() => einsum('->'), 'einsum', 'at least one operand');
    expectOpError(() => einsum('ij', null as unknown as Tensor), 'einsum', 'operand 0 must be a Tensor');
  });

  it("refuses a letter whose sizes disagree, naming the letter and both sizes", () => {
    expectOpError(() => einsum('ij,jk->ik', a, b), 'einsum', "letter 'j'", 'size 3', 'size 4', '[2,3]', '[4,2]');
  });

  it("refuses a rank that does not match the operand's subscript", () => {
    expectOpError(() => einsum('ijk->i', a), 'einsum', 'operand 0', 'rank 2', "'ijk'", '3 axes');
  });

  it('refuses an output letter that no operand has', () => {
    expectOpError(() => einsum('ij->ik', a), 'einsum', "output letter 'k'", 'no operand');
  });

  it('refuses a letter repeated within one operand (a diagonal)', () => {
    expectOpError(() => einsum('ii->i', tensor([[1, 2], [3, 4]])), 'einsum', "repeats 'i'", 'diagonal');
  });

  it('refuses mixed and integer dtypes', () => {
    expectOpError(() => einsum('ij,jk->ik', a, astype(tensor([[1], [2], [3]]), 'float64')), 'einsum', 'dtypes differ');
    expectOpError(() => einsum('ij->ji', tensor([[1, 2]], undefined, 'int32')), 'einsum', 'int32', 'float32 or float64');
  });

  it('einsumPlan refuses the same things, and bad shapes', () => {
    expectOpError(() => einsumPlan('ij,jk->ik', [2, 3], [4, 2]), 'einsum', "letter 'j'");
    expectOpError(() => einsumPlan('ij', [2, -1]), 'einsum', 'shape 0');
  });
});
