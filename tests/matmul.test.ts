import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dot, lastMatmulKernel, type MatmulBackend, matmul, matmulBackend, matmulReference, type MatmulOptions, outer, setMatmulBackend,
} from '../src/tensor/matmul.js';
import { TensorError } from '../src/tensor/errors.js';
import { wasmGemm } from '../src/tensor/wasm/backend.js';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/tensor/dtype.js';
import { allocate } from '../src/tensor/dtype.js';
import { flatValues, stridedView, stridedViewArb, tensorArb } from './support/arbitraries.js';

// ---------------------------------------------------------------------------------------------
// The oracle: matmul written again from NumPy's rules, in float64, with nested loops
// ---------------------------------------------------------------------------------------------

const rowMajor = (shape: readonly number[]): number[] => {
  const strides: number[] = [];
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
};

interface OracleResult {
  shape: number[];
  values: number[];
  /** Σₖ |A[m,k]·B[k,n]| for each output: the scale that rounding errors grow with. */
  magnitudes: number[];
  K: number;
}

/**
 * C[…,m,n] = Σₖ A[…,m,k]·B[…,k,n], reading every element from the row-major values by its
 * logical index: vectors promoted (a → [1,K], b → [K,1]) then the axis dropped, flags swap the
 * last two indices, batch dims broadcast with size-1 dims pinned to index 0.
 */
function oracle(a: Tensor, b: Tensor, { transposeA = false, transposeB = false }: MatmulOptions = {}): OracleResult {
  const av = flatValues(a);
  const bv = flatValues(b);
  const aBatch = a.rank >= 2 ? a.shape.slice(0, -2) : [];
  const bBatch = b.rank >= 2 ? b.shape.slice(0, -2) : [];
  // Row-major steps of each operand's own last two axes, as A[m,k] and B[k,n] (vectors: one axis).
  const as = rowMajor(a.shape);
  const bs = rowMajor(b.shape);
  const [aStepM, aStepK] = a.rank === 1 ? [0, 1] : transposeA ? [as[a.rank - 1], as[a.rank - 2]] : [as[a.rank - 2], as[a.rank - 1]];
  const [bStepK, bStepN] = b.rank === 1 ? [1, 0] : transposeB ? [bs[b.rank - 1], bs[b.rank - 2]] : [bs[b.rank - 2], bs[b.rank - 1]];
  const aLast2 = a.rank === 1 ? [1, a.shape[0]] : a.shape.slice(-2);
  const bLast2 = b.rank === 1 ? [b.shape[0], 1] : b.shape.slice(-2);
  const [M, K] = transposeA && a.rank > 1 ? [aLast2[1], aLast2[0]] : aLast2;
  const N = transposeB && b.rank > 1 ? bLast2[0] : bLast2[1];
  const batchRank = Math.max(aBatch.length, bBatch.length);
  const batchShape: number[] = [];
  for (let axis = 0; axis < batchRank; axis++) {
    const da = aBatch[axis - (batchRank - aBatch.length)] ?? 1;
    const db = bBatch[axis - (batchRank - bBatch.length)] ?? 1;
    batchShape.push(da === 1 ? db : da);
  }
  // Where batch entry `batch` of an operand starts: its own batch axes, size-1 axes pinned to 0.
  const batchStart = (batch: number[], ownBatch: number[], strides: number[]): number =>
    batch.slice(batch.length - ownBatch.length).reduce((p, i, axis) => p + (ownBatch[axis] === 1 ? 0 : i) * strides[axis], 0);
  const batchCount = batchShape.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  const magnitudes: number[] = [];
  for (let flat = 0; flat < batchCount; flat++) {
    const batch: number[] = [];
    let rest = flat;
    for (let axis = batchRank - 1; axis >= 0; axis--) {
      batch[axis] = rest % batchShape[axis];
      rest = Math.floor(rest / batchShape[axis]);
    }
    const aStart = batchStart(batch, aBatch, as);
    const bStart = batchStart(batch, bBatch, bs);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        let magnitude = 0;
        for (let k = 0; k < K; k++) {
          const product = av[aStart + m * aStepM + k * aStepK] * bv[bStart + k * bStepK + n * bStepN];
          sum += product;
          magnitude += Math.abs(product);
        }
        values.push(sum);
        magnitudes.push(magnitude);
      }
    }
  }
  const shape = [...batchShape, ...(a.rank === 1 ? [] : [M]), ...(b.rank === 1 ? [] : [N])];
  return { shape, values, magnitudes, K };
}

/** An oracle result as a float64 tensor, to feed it back into the oracle. */
function oracleAsTensor(result: OracleResult): Tensor {
  return new Tensor(Float64Array.from(result.values), result.shape);
}

/** One unit in the last place at 1, per dtype: 2⁻²³ for float32, 2⁻⁵² for float64. */
const EPS: Record<string, number> = { float32: 2 ** -23, float64: 2 ** -52 };
/** The smallest positive number of each dtype: a result below it may round to 0 (underflow). */
const TINY: Record<string, number> = { float32: 2 ** -149, float64: 2 ** -1074 };

/**
 * Checks `actual` against the oracle. Allowed error per element: (K + 2)·ε·Σₖ|A·B| (the classic
 * bound for a K-term float sum, plus the final rounding into the dtype), plus the dtype's
 * smallest step, since a result that tiny may underflow to 0.
 */
function expectCloseToOracle(actual: Tensor, expected: OracleResult, dtype: DType): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(dtype);
  const got = flatValues(actual);
  for (let i = 0; i < got.length; i++) {
    const tolerance = (expected.K + 2) * EPS[dtype] * expected.magnitudes[i] + TINY[dtype];
    if (!(Math.abs(got[i] - expected.values[i]) <= tolerance)) {
      throw new Error(`element ${i}: got ${got[i]}, expected ${expected.values[i]} ± ${tolerance} (shape [${actual.shape.join(',')}])`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Values for float64 tensors that float32 cannot hold, so any detour through float32 shows. */
const float64ValueArb = fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });

function float64TensorArb(shape: readonly number[]): fc.Arbitrary<Tensor> {
  const size = shape.reduce((p, d) => p * d, 1);
  return fc.array(float64ValueArb, { minLength: size, maxLength: size }).map((list) => new Tensor(Float64Array.from(list), shape.slice()));
}

const anyDTypeTensorArb = (shape: readonly number[], dtype: DType): fc.Arbitrary<Tensor> =>
  dtype === 'float64' ? float64TensorArb(shape) : tensorArb(shape, 'float32');

/**
 * A tensor filled from a random seed (values in [−4, 4], float32-exact for float32), for the
 * larger shapes: fast-check then shrinks the seed and the dims, not hundreds of separate values,
 * so a failure is reported in seconds.
 */
function seededTensorArb(shape: readonly number[], dtype: DType = 'float32'): fc.Arbitrary<Tensor> {
  return fc.integer({ min: 1, max: 0x7fffffff }).map((seed) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const data = allocate(dtype, size);
    let state = seed;
    for (let i = 0; i < size; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0; // a plain LCG is random enough here
      data[i] = (state / 2 ** 32) * 8 - 4;
    }
    return new Tensor(data, shape.slice());
  });
}

const maybeStrided = (t: Tensor): fc.Arbitrary<Tensor> => fc.oneof(fc.constant(t), stridedViewArb(t));

/** A dim for M, K or N: mostly 1–6, now and then 0. */
const sideArb = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constant(0) });

interface Problem {
  a: Tensor;
  b: Tensor;
  options: MatmulOptions;
}

/**
 * Random matmul problems: batch dims that broadcast (some set to 1, some dropped), M, K, N of
 * 0–6, vectors on either side now and then, either transpose flag, float32 or float64, and
 * operands stored in permuted, offset layouts.
 */
const problemArb: fc.Arbitrary<Problem> = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    aOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    bOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    aDrop: fc.integer({ min: 0, max: 2 }),
    bDrop: fc.integer({ min: 0, max: 2 }),
    M: sideArb,
    K: sideArb,
    N: sideArb,
    aVector: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    bVector: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
  })
  .chain((p) => {
    const batchFor = (ones: boolean[], drop: number): number[] =>
      p.batch.map((d, axis) => (ones[axis] ? 1 : d)).slice(Math.min(drop, p.batch.length));
    const aShape = p.aVector ? [p.K] : [...batchFor(p.aOnes, p.aDrop), ...(p.transposeA ? [p.K, p.M] : [p.M, p.K])];
    const bShape = p.bVector ? [p.K] : [...batchFor(p.bOnes, p.bDrop), ...(p.transposeB ? [p.N, p.K] : [p.K, p.N])];
    return fc.record({
      a: anyDTypeTensorArb(aShape, p.dtype).chain(maybeStrided),
      b: anyDTypeTensorArb(bShape, p.dtype).chain(maybeStrided),
      options: fc.constant({ transposeA: p.transposeA, transposeB: p.transposeB }),
    });
  });

/** The same values as `t` with its last two axes swapped, as a fresh contiguous tensor. */
function transposedCopy(t: Tensor): Tensor {
  const rank = t.rank;
  const shape = t.shape.slice();
  [shape[rank - 2], shape[rank - 1]] = [shape[rank - 1], shape[rank - 2]];
  const source = flatValues(t);
  const sourceStrides = rowMajor(t.shape);
  const strides = rowMajor(shape);
  const out = allocate(t.dtype, t.size);
  for (let flat = 0; flat < t.size; flat++) {
    // flat indexes the result; read the source at the same index with the last two swapped.
    let position = 0;
    for (let axis = 0; axis < rank; axis++) {
      const i = Math.floor(flat / strides[axis]) % shape[axis];
      const sourceAxis = axis === rank - 2 ? rank - 1 : axis === rank - 1 ? rank - 2 : axis;
      position += i * sourceStrides[sourceAxis];
    }
    out[flat] = source[position];
  }
  return new Tensor(out, shape);
}

/** A zero-copy view of `t` with its last two axes swapped (strides swapped, same storage). */
function transposedView(t: Tensor): Tensor {
  const rank = t.rank;
  const swap = (list: readonly number[]): number[] => {
    const out = list.slice();
    [out[rank - 2], out[rank - 1]] = [out[rank - 1], out[rank - 2]];
    return out;
  };
  return new Tensor(t.data, swap(t.shape), swap(t.strides), t.offset);
}

// ---------------------------------------------------------------------------------------------
// matmul: values
// ---------------------------------------------------------------------------------------------

/**
 * The value tests run once per backend: 'auto' (WebAssembly where it pays), 'js' (the forced
 * JavaScript path, as where WebAssembly SIMD is missing) and 'wasm' (every float32 product in
 * WebAssembly, however small or ragged).
 */
const BACKENDS: MatmulBackend[] = ['auto', 'js', 'wasm'];

/** Switches the backend for the enclosing describe, and back afterwards. */
function useBackend(backend: MatmulBackend): void {
  let previous: MatmulBackend = 'auto';
  beforeAll(() => {
    previous = setMatmulBackend(backend);
  });
  afterAll(() => {
    setMatmulBackend(previous);
  });
}

describe.each(BACKENDS)('on the %s backend', (backend) => {
  useBackend(backend);

  it('runs each product on the kernel the backend calls for, and names it', () => {
    const filled = (shape: number[], dtype: DType) => {
      const data = allocate(dtype, shape.reduce((p, d) => p * d, 1));
      for (let i = 0; i < data.length; i++) data[i] = (i % 5) - 2;
      return new Tensor(data, shape);
    };
    const big = (dtype: DType) => matmul(filled([32, 24], dtype), filled([24, 40], dtype));
    const tiny = () => matmul(filled([2, 3], 'float32'), filled([3, 2], 'float32'));
    big('float32');
    expect(lastMatmulKernel()).toBe(backend === 'js' ? 'js-blocked-4x4' : 'wasm-simd-4x8');
    tiny();
    expect(lastMatmulKernel()).toBe(backend === 'wasm' ? 'wasm-simd-4x8' : 'js-strips');
    big('float64');
    expect(lastMatmulKernel()).toBe('js-blocked-4x4'); // float64 never leaves JS
    matmul(filled([0, 3], 'float32'), filled([3, 4], 'float32'));
    expect(lastMatmulKernel()).toBe('none');
  });

  describe('matmul: values', () => {
    it('matches a float64 oracle on random shapes: batch broadcasting, vectors, 0-size dims, flags, both dtypes, any layout', () => {
      fc.assert(
        fc.property(problemArb, ({ a, b, options }) => {
          expectCloseToOracle(matmul(a, b, options), oracle(a, b, options), a.dtype);
        }),
        { numRuns: 300 },
      );
    });

    it('matmulReference matches the same oracle', () => {
      fc.assert(
        fc.property(problemArb, ({ a, b, options }) => {
          expectCloseToOracle(matmulReference(a, b, options), oracle(a, b, options), a.dtype);
        }),
      );
    });

    it('works the documented examples', () => {
      const a = new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
      expect(matmul(a, a).toArray()).toEqual([[7, 10], [15, 22]]);
      expect(matmul(a, a, { transposeB: true }).toArray()).toEqual([[5, 11], [11, 25]]);
      expect(matmul(a, new Tensor(Float32Array.from([1, 1]), [2])).toArray()).toEqual([3, 7]);
    });

    it('gives the NumPy shapes: [B,1,M,K] @ [H,K,N] → [B,H,M,N], vectors drop their axis, K = 0 gives zeros', () => {
      const z = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(1), shape);
      expect(matmul(z([2, 1, 3, 4]), z([5, 4, 6])).shape).toEqual([2, 5, 3, 6]);
      expect(matmul(z([4]), z([2, 4, 6])).shape).toEqual([2, 6]);
      expect(matmul(z([2, 3, 4]), z([4])).shape).toEqual([2, 3]);
      expect(matmul(z([4]), z([4])).shape).toEqual([]);
      expect(matmul(z([4]), z([4])).item()).toBe(4);
      const empty = matmul(z([3, 0]), z([0, 2]));
      expect(empty.shape).toEqual([3, 2]);
      expect(flatValues(empty)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(matmul(z([0, 3, 4]), z([4, 5])).shape).toEqual([0, 3, 5]);
    });

    it('reads strided, offset and broadcast (stride-0) operands correctly, and never writes into them', () => {
      fc.assert(
        fc.property(
          fc.record({ M: fc.integer({ min: 1, max: 20 }), K: fc.integer({ min: 1, max: 20 }), N: fc.integer({ min: 1, max: 20 }), batch: fc.integer({ min: 1, max: 3 }) }),
          ({ M, K, N, batch }) => {
            // a: [batch, M, K] stored permuted after a NaN-filled gap; b: one [K, N] matrix expanded
            // to [batch, K, N] with a stride-0 batch axis, itself read through a column-major layout.
            const aBase = new Tensor(Float32Array.from({ length: batch * M * K }, (_, i) => Math.fround(Math.sin(i + 1))), [batch, M, K]);
            const a = stridedView(aBase, [2, 0, 1], 2);
            const bMatrix = stridedView(new Tensor(Float32Array.from({ length: K * N }, (_, i) => Math.fround(Math.cos(i))), [K, N]), [1, 0], 1);
            const b = new Tensor(bMatrix.data, [batch, K, N], [0, ...bMatrix.strides], bMatrix.offset);
            const aBefore = Array.from(a.data);
            const bBefore = Array.from(b.data);
            expectCloseToOracle(matmul(a, b), oracle(a, b), 'float32');
            expect(Array.from(a.data)).toEqual(aBefore);
            expect(Array.from(b.data)).toEqual(bBefore);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('keeps float64 precision for float64 inputs (no detour through float32)', () => {
      fc.assert(
        fc.property(
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 })).chain(([M, K, N]) =>
            fc.tuple(seededTensorArb([M, K], 'float64'), seededTensorArb([K, N], 'float64'))),
          ([a, b]) => {
            const c = matmul(a, b);
            expect(c.data).toBeInstanceOf(Float64Array);
            expectCloseToOracle(c, oracle(a, b), 'float64');
          },
        ),
        { numRuns: 60 },
      );
      // One value float32 cannot hold: 1 + 2⁻³⁰ survives only in float64.
      const x = new Tensor(Float64Array.from([1 + 2 ** -30]), [1, 1]);
      const one = new Tensor(Float64Array.from([1]), [1, 1]);
      expect(matmul(x, one).item()).toBe(1 + 2 ** -30);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// matmul: laws
// ---------------------------------------------------------------------------------------------

describe('matmul: laws', () => {
  it('(AB)ᵀ = BᵀAᵀ', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 12 })).chain(([M, K, N]) =>
          fc.tuple(seededTensorArb([M, K]).chain(maybeStrided), seededTensorArb([K, N]).chain(maybeStrided))),
        ([a, b]) => {
          const ab = matmul(a, b);
          const btat = matmul(b, a, { transposeA: true, transposeB: true }); // Bᵀ·Aᵀ, shape [N, M]
          const expected = oracle(a, b);
          const transposed = transposedCopy(btat);
          expectCloseToOracle(transposed, expected, 'float32');
          // Same products summed in the same order: the two agree to within one rounding each.
          const [x, y] = [flatValues(ab), flatValues(transposed)];
          for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(2 * EPS.float32 * expected.magnitudes[i] + TINY.float32);
        },
      ),
    );
  });

  it('(AB)C ≈ A(BC) within a tolerance that grows with K', () => {
    fc.assert(
      fc.property(
        fc.tuple(...[0, 1, 2, 3].map(() => fc.integer({ min: 1, max: 20 }))).chain(([M, K1, K2, N]) =>
          fc.tuple(seededTensorArb([M, K1]), seededTensorArb([K1, K2]), seededTensorArb([K2, N]))),
        ([a, b, c]) => {
          const left = flatValues(matmul(matmul(a, b), c));
          const right = flatValues(matmul(a, matmul(b, c)));
          // Both sides approximate Σᵢⱼ A[m,i]·B[i,j]·C[j,n]; each rounding is at most ε times the
          // running magnitude, bounded by (|A|·|B|·|C|)[m,n], and there are about K1 + K2 of them.
          const abs = (t: Tensor) => new Tensor(Float64Array.from(flatValues(t), Math.abs), t.shape.slice());
          const scale = oracle(oracleAsTensor(oracle(abs(a), abs(b))), abs(c)).values;
          const K = a.shape[1] + b.shape[1];
          for (let i = 0; i < left.length; i++) {
            expect(Math.abs(left[i] - right[i])).toBeLessThanOrEqual(2 * (K + 2) * EPS.float32 * scale[i] + 2 * TINY.float32);
          }
        },
      ),
    );
  });

  it('transpose flags equal explicit transposes (views with swapped strides, and contiguous copies)', () => {
    fc.assert(
      fc.property(problemArb.filter(({ a, b }) => a.rank >= 2 && b.rank >= 2), ({ a, b, options }) => {
        const { transposeA = false, transposeB = false } = options;
        const expected = matmul(a, b, options);
        // Flipping both flags and handing over transposed views reads the very same elements.
        const viaViews = matmul(transposedView(a), transposedView(b), {
          transposeA: !transposeA,
          transposeB: !transposeB,
        });
        expect(flatValues(viaViews)).toEqual(flatValues(expected));
        // Materialising the transpose and dropping the flag gives the same numbers too.
        const viaCopies = matmul(transposeA ? transposedCopy(a) : a, transposeB ? transposedCopy(b) : b);
        expectCloseToOracle(viaCopies, oracle(a, b, options), a.dtype);
        expect(viaCopies.shape).toEqual(expected.shape);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// matmul: the fast paths against the reference
// ---------------------------------------------------------------------------------------------

/**
 * The fast path (strips for thin or small products, the blocked 4×4 kernel otherwise, or the
 * WebAssembly 4×8 kernel for float32) against matmulReference. Stated tolerance: the JS kernels
 * sum in float64, so in float64 they may differ by K·2⁻⁵²·Σₖ|A·B|; in float32 the blocked kernel
 * also rounds its partial sum into the output after each block of 256 steps of k, so add
 * (⌈K/256⌉ + 1)·2⁻²³·Σₖ|A·B|. The WebAssembly kernel sums in float32: (K + 2)·2⁻²³·Σₖ|A·B|.
 */
function expectFastEqualsReference(a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
  const fast = matmul(a, b, options);
  const reference = matmulReference(a, b, options);
  expect(fast.shape).toEqual(reference.shape);
  expect(fast.dtype).toBe(reference.dtype);
  const { magnitudes, K } = oracle(a, b, options);
  const x = flatValues(fast);
  const y = flatValues(reference);
  const eps = EPS[a.dtype];
  // The WebAssembly kernel sums in float32, like BLAS: K roundings, plus the reference's one.
  const roundings = a.dtype === 'float64' ? K : matmulBackend() === 'js' ? Math.ceil(K / 256) + 1 : K + 2;
  for (let i = 0; i < x.length; i++) {
    const tolerance = roundings * eps * magnitudes[i] + TINY[a.dtype];
    if (!(Math.abs(x[i] - y[i]) <= tolerance)) {
      throw new Error(`element ${i} of ${fast.shape}: fast ${x[i]}, reference ${y[i]}, tolerance ${tolerance}`);
    }
  }
}

describe.each(BACKENDS)('on the %s backend', (backend) => {
  useBackend(backend);

  describe('matmul: fast paths equal matmulReference', () => {
    it('on every M, N, K in 1…37, across tile edges and the strips/blocked switch, any flags, both dtypes', () => {
      fc.assert(
        fc.property(
          fc.record({
            M: fc.integer({ min: 1, max: 37 }),
            K: fc.integer({ min: 1, max: 37 }),
            N: fc.integer({ min: 1, max: 37 }),
            transposeA: fc.boolean(),
            transposeB: fc.boolean(),
            dtype: fc.constantFrom<DType>('float32', 'float64'),
          }).chain((p) =>
            fc.record({
              a: seededTensorArb(p.transposeA ? [p.K, p.M] : [p.M, p.K], p.dtype).chain(maybeStrided),
              b: seededTensorArb(p.transposeB ? [p.N, p.K] : [p.K, p.N], p.dtype).chain(maybeStrided),
              options: fc.constant({ transposeA: p.transposeA, transposeB: p.transposeB }),
            }),
          ),
          ({ a, b, options }) => expectFastEqualsReference(a, b, options),
        ),
        { numRuns: 150 },
      );
    });

    it('across the cache blocks: K past 256, M past 64, N past 512', () => {
      const random = (shape: number[], dtype: DType = 'float32') => {
        const size = shape.reduce((p, d) => p * d, 1);
        const data = allocate(dtype, size);
        for (let i = 0; i < size; i++) data[i] = Math.sin(7 * i + shape.length) * 2;
        return new Tensor(data, shape);
      };
      expectFastEqualsReference(random([9, 600]), random([600, 11]));                 // three K blocks
      expectFastEqualsReference(random([70, 300]), random([300, 13]), {});            // two M blocks, two K blocks
      expectFastEqualsReference(random([9, 20]), random([530, 20]), { transposeB: true }); // two N blocks
      expectFastEqualsReference(random([300, 67], 'float64'), random([300, 9], 'float64'), { transposeA: true });
    });

    it('for a batch times one shared matrix (run as one tall product), on any layout', () => {
      fc.assert(
        fc.property(
          fc.record({
            batch: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
            M: fc.integer({ min: 1, max: 5 }),
            K: fc.integer({ min: 8, max: 20 }),
            N: fc.integer({ min: 8, max: 20 }),
            shareByStride0: fc.boolean(),
          }).chain((p) =>
            fc.record({
              a: seededTensorArb([...p.batch, p.M, p.K]).chain(maybeStrided),
              b: seededTensorArb([p.K, p.N]).map((b) =>
                p.shareByStride0 ? new Tensor(b.data, [...p.batch, p.K, p.N], [...p.batch.map(() => 0), ...b.strides], b.offset) : b),
            }),
          ),
          ({ a, b }) => expectFastEqualsReference(a, b),
        ),
        { numRuns: 60 },
      );
    });

    it('reuses its scratch safely: a big product, then a small one, then the big one again', () => {
      const big = [new Tensor(Float32Array.from({ length: 40 * 30 }, (_, i) => i % 7), [40, 30]), new Tensor(Float32Array.from({ length: 30 * 50 }, (_, i) => i % 5), [30, 50])] as const;
      const small = [new Tensor(Float32Array.from({ length: 16 * 9 }, (_, i) => i % 3), [16, 9]), new Tensor(Float32Array.from({ length: 9 * 12 }, (_, i) => i % 4), [9, 12])] as const;
      const first = flatValues(matmul(...big));
      expectCloseToOracle(matmul(...small), oracle(...small), 'float32');
      expect(flatValues(matmul(...big))).toEqual(first);
      expectCloseToOracle(matmul(...big), oracle(...big), 'float32');
    });

    it('packs sparse strided views (too spread out to copy whole) from JavaScript, and gets them right', () => {
      const wide = new Tensor(Float32Array.from({ length: 40 * 400 }, (_, i) => Math.cos(0.3 * i)), [40, 400]);
      const everyEighth = new Tensor(wide.data, [40, 50], [400, 8], 3); // 2,000 of 16,000 numbers
      const other = new Tensor(Float32Array.from({ length: 50 * 24 }, (_, i) => Math.sin(0.9 * i)), [50, 24]);
      expectFastEqualsReference(everyEighth, other);
      expectFastEqualsReference(other, everyEighth, { transposeA: true, transposeB: true });
    });

    it('stays right when the WebAssembly memory grows between products, and grows no more once it fits', () => {
      const filled = (shape: number[], seed: number) =>
        new Tensor(Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.sin(seed + 0.7 * i)), shape);
      const small = [filled([20, 30], 1), filled([30, 20], 2)] as const;
      const big = [filled([300, 257], 3), filled([257, 301], 4)] as const; // about 1 MB of packing space
      const gemm = wasmGemm();
      expectCloseToOracle(matmul(...small), oracle(...small), 'float32');
      const before = gemm?.memoryBytes ?? 0;
      expectFastEqualsReference(...big);
      const grown = gemm?.memoryBytes ?? 0;
      if (backend !== 'js' && before < gemm!.bytesNeeded(300, 257, 301)) expect(grown).toBeGreaterThan(before);
      expectCloseToOracle(matmul(...small), oracle(...small), 'float32'); // through the view made after the grow
      expectFastEqualsReference(...big);
      expect(gemm?.memoryBytes ?? 0).toBe(grown); // steady state: reused, not grown again
    });
  });
});

// ---------------------------------------------------------------------------------------------
// dot and outer
// ---------------------------------------------------------------------------------------------

describe('dot and outer', () => {
  const vectorArb = (length: number, dtype: DType) => anyDTypeTensorArb([length], dtype).chain(maybeStrided);
  const stepView = (t: Tensor): Tensor => {
    // every other element of a longer buffer, read backwards: stride −2
    const data = allocate(t.dtype, 2 * t.size + 1).fill(Number.NaN);
    const values = flatValues(t);
    for (let i = 0; i < t.size; i++) data[2 * (t.size - 1 - i) + 1] = values[i];
    return new Tensor(data, [t.size], [-2], 2 * (t.size - 1) + 1);
  };

  it('dot(a, b) = Σₖ a[k]·b[k] as a scalar of the operands dtype, any layout', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom<DType>('float32', 'float64'), fc.boolean()).chain(([K, dtype, reversed]) =>
          fc.tuple(vectorArb(K, dtype), vectorArb(K, dtype).map((b) => (reversed ? stepView(b) : b)))),
        ([a, b]) => {
          const result = dot(a, b);
          expect(result.shape).toEqual([]);
          expect(result.dtype).toBe(a.dtype);
          const av = flatValues(a);
          const bv = flatValues(b);
          let sum = 0;
          let magnitude = 0;
          for (let k = 0; k < av.length; k++) {
            sum += av[k] * bv[k];
            magnitude += Math.abs(av[k] * bv[k]);
          }
          expect(Math.abs(result.item() - sum)).toBeLessThanOrEqual((av.length + 2) * EPS[a.dtype] * magnitude + TINY[a.dtype]);
          // and it agrees with matmul's vector·vector case
          expect(matmul(a, b).item()).toBeCloseTo(result.item(), 5);
        },
      ),
    );
  });

  it('outer(a, b)[m,n] = a[m]·b[n], any layout', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom<DType>('float32', 'float64')).chain(([M, N, dtype]) =>
          fc.tuple(vectorArb(M, dtype).map((a) => (M % 2 ? stepView(a) : a)), vectorArb(N, dtype))),
        ([a, b]) => {
          const result = outer(a, b);
          expect(result.shape).toEqual([a.size, b.size]);
          expect(result.dtype).toBe(a.dtype);
          const av = flatValues(a);
          const bv = flatValues(b);
          const round = a.dtype === 'float32' ? Math.fround : (x: number) => x;
          expect(flatValues(result)).toEqual(av.flatMap((x) => bv.map((y) => round(x * y))));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

describe('errors name the op and the shapes', () => {
  const f32 = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), shape);
  const f64 = (shape: number[]) => new Tensor(new Float64Array(shape.reduce((p, d) => p * d, 1)), shape);
  const i32 = (shape: number[]) => new Tensor(new Int32Array(shape.reduce((p, d) => p * d, 1)), shape);
  const throwsTensorError = (fn: () => unknown, pattern: RegExp): void => {
    expect(fn).toThrow(TensorError);
    expect(fn).toThrow(pattern);
  };

  it('inner dimensions that differ', () => {
    throwsTensorError(() => matmul(f32([8, 5]), f32([4, 2])), /^matmul: inner dimensions differ: \[8,5\] @ \[4,2\]/);
    throwsTensorError(() => matmulReference(f32([8, 5]), f32([4, 2])), /^matmul: inner dimensions differ: \[8,5\] @ \[4,2\]/);
    throwsTensorError(() => matmul(f32([8, 5]), f32([4, 2]), { transposeB: true }), /^matmul: inner dimensions differ: \[8,5\] @ \[4,2\] with transposeB/);
    throwsTensorError(() => matmul(f32([5, 8]), f32([5, 2]), { transposeA: true, transposeB: true }), /^matmul: inner dimensions differ: \[5,8\] @ \[5,2\] with transposeA and transposeB/);
    throwsTensorError(() => matmul(f32([3]), f32([4, 2])), /^matmul: inner dimensions differ: \[3\] @ \[4,2\]/);
    throwsTensorError(() => matmul(f32([2, 3]), f32([4])), /^matmul: inner dimensions differ: \[2,3\] @ \[4\]/);
  });

  it('rank-0 operands', () => {
    throwsTensorError(() => matmul(f32([]), f32([3, 4])), /^matmul: .*rank ≥ 1.*\[\] @ \[3,4\]/);
    throwsTensorError(() => matmul(f32([3, 4]), f32([])), /^matmul: .*rank ≥ 1.*\[3,4\] @ \[\]/);
  });

  it('mixed or integer dtypes', () => {
    throwsTensorError(() => matmul(f32([2, 3]), f64([3, 4])), /^matmul: dtypes differ: float32 \[2,3\] @ float64 \[3,4\]/);
    throwsTensorError(() => matmul(i32([2, 3]), i32([3, 4])), /^matmul: dtype int32 is not supported: \[2,3\] @ \[3,4\]/);
  });

  it('batch dims that do not broadcast', () => {
    throwsTensorError(() => matmul(f32([2, 3, 4, 5]), f32([4, 5, 6])), /^matmul: batch dims do not broadcast: \[2,3,4,5\] @ \[4,5,6\]; batch \[2,3\] vs \[4\]/);
    throwsTensorError(() => matmul(f32([2, 1, 5]), f32([3, 5, 1])), /^matmul: batch dims do not broadcast: \[2,1,5\] @ \[3,5,1\]/);
  });

  it('bad arguments', () => {
    throwsTensorError(() => matmul([[1]] as unknown as Tensor, f32([1, 1])), /^matmul: a must be a Tensor/);
    throwsTensorError(() => matmul(f32([1, 1]), f32([1, 1]), { transposeA: 'yes' } as unknown as MatmulOptions), /^matmul: transposeA and transposeB must be booleans/);
  });

  it('dot and outer', () => {
    throwsTensorError(() => dot(f32([3]), f32([4])), /^dot: lengths differ: \[3\] · \[4\]/);
    throwsTensorError(() => dot(f32([2, 3]), f32([3])), /^dot: expected two 1-D tensors, got \[2,3\] · \[3\]/);
    throwsTensorError(() => dot(f32([3]), f64([3])), /^dot: dtypes differ: float32 \[3\] · float64 \[3\]/);
    throwsTensorError(() => dot(i32([3]), i32([3])), /^dot: dtype int32 is not supported/);
    throwsTensorError(() => outer(f32([]), f32([3])), /^outer: expected two 1-D tensors, got \[\] ⊗ \[3\]/);
    throwsTensorError(() => outer(f32([2]), f64([3])), /^outer: dtypes differ: float32 \[2\] ⊗ float64 \[3\]/);
  });
});
