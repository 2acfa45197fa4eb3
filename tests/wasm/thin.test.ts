/**
 * A batch of small products in one WebAssembly call (src/tensor/wasm/thin.ts) gives the JS
 * strips' bits: through `matmul` under 'auto' (where it replaces the strips) against 'js', on
 * random batch shapes with transposes, broadcast batch axes and offset views, K from 1 to 6 (the
 * written-out k of 1 … 4 and the loop beyond), and ±0, NaN, ±∞ and subnormals among the entries.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { lastMatmulKernel, matmul, setMatmulBackend } from '../../src/tensor/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { THIN_MIN_WORK, ThinProducts, emitThinModule, thinProductsFor } from '../../src/tensor/wasm/thin.js';
import { expectKernelSwitch, expectSameBits, expectSameEntries, under } from '../support/backends.js';

afterEach(() => {
  setMatmulBackend('auto');
});

const entryArb = fc.oneof(
  { weight: 12, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e-45, 3e38) },
);

/** A contiguous float32 tensor of `shape` that starts `skip` entries into its buffer. */
function tensorArb(shape: number[]): fc.Arbitrary<Tensor> {
  const size = shape.reduce((p, d) => p * d, 1);
  return fc.tuple(fc.integer({ min: 0, max: 2 }), fc.array(entryArb, { minLength: size + 2, maxLength: size + 2 }))
    .map(([skip, values]) => new Tensor(Float32Array.from(values), shape, undefined, skip));
}

/** A batched product each of whose entries is below the tiled kernel's 1024 multiply-adds. */
const caseArb = fc.record({
  M: fc.integer({ min: 1, max: 9 }),
  K: fc.integer({ min: 1, max: 6 }),
  N: fc.integer({ min: 1, max: 5 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  // Which operand carries the batch: both ([P]); only B (A has no batch axis, so it broadcasts
  // with stride 0); or two batch axes, [P1, 1] against [1, P2]. (A stack of A's times one shared
  // B is one tall product, which the tiled kernel takes: not a case for this one.)
  batching: fc.constantFrom('both', 'b only', 'outer'),
}).chain((c) => {
  const perProduct = c.M * c.K * c.N;
  const count = Math.ceil(THIN_MIN_WORK / perProduct); // enough that 'auto' sends it to the kernel
  const aMatrix = c.transposeA ? [c.K, c.M] : [c.M, c.K];
  const bMatrix = c.transposeB ? [c.N, c.K] : [c.K, c.N];
  const outer = Math.ceil(Math.sqrt(count));
  const [aBatch, bBatch] = {
    both: [[count], [count]],
    'b only': [[], [count]],
    outer: [[outer, 1], [1, outer]],
  }[c.batching];
  return fc.tuple(fc.constant(c), tensorArb([...aBatch, ...aMatrix]), tensorArb([...bBatch, ...bMatrix]));
});

describe('a batch of small products in one WebAssembly call', () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitThinModule())).toBe(true);
  });

  it("gives the JS strips' bits, through matmul, for any layout of the batch", () => {
    fc.assert(fc.property(caseArb, ([{ transposeA, transposeB }, a, b]) => {
      const options = { transposeA, transposeB };
      const viaKernel = under('auto', () => ({ result: matmul(a, b, options), kernel: lastMatmulKernel() }));
      const viaStrips = under('js', () => matmul(a, b, options));
      expectSameBits(viaKernel.result, viaStrips);
      expect(viaKernel.kernel).toBe('wasm-thin');
    }), { numRuns: 150 });
  });

  it('runs on the phase diagram\'s products, and leaves forced WebAssembly to the tiled kernel', () => {
    const x = new Tensor(Float32Array.from({ length: 800 * 128 * 2 }, (_, i) => Math.sin(i)), [800, 128, 2]);
    const W = new Tensor(Float32Array.from({ length: 800 * 2 }, (_, i) => Math.cos(i)), [800, 1, 2]);
    const h = under('auto', () => matmul(x, W, { transposeB: true }));
    expect(lastMatmulKernel()).toBe('wasm-thin');
    expectSameBits(h, under('js', () => matmul(x, W, { transposeB: true })));
    under('wasm', () => matmul(x, W, { transposeB: true }));
    expect(lastMatmulKernel()).toBe('wasm-simd-4x8');
    under('js', () => matmul(x, W, { transposeB: true }));
    expect(lastMatmulKernel()).toBe('js-strips');
  });

  it('declines operands it cannot copy as they lie (a negative stride, a sparse view), doing nothing', () => {
    const kernel = new ThinProducts();
    const data = Float32Array.from({ length: 64 }, (_, i) => i);
    const out = new Float32Array(8).fill(7);
    const starts = Int32Array.from([20, 40]);
    expect(kernel.multiplyMany(2, 2, 2, data, starts, -2, 1, data, starts, 2, 1, out)).toBe(false);
    const far = Int32Array.from([0, 1 << 20]); // two products a million floats apart
    const big = new Float32Array((1 << 20) + 4);
    expect(kernel.multiplyMany(2, 2, 2, big, far, 2, 1, big, far, 2, 1, out)).toBe(false);
    expectSameEntries(out, new Float32Array(8).fill(7), 'untouched entry');
  });

  it('sums of nothing (K = 0) are zeros, as in the strips', () => {
    const out = new Float32Array(6).fill(7);
    const none = new Float32Array(0);
    expect(new ThinProducts().multiplyMany(3, 0, 2, none, Int32Array.of(0), 0, 1, none, Int32Array.of(0), 2, 1, out)).toBe(true);
    expectSameEntries(out, new Float32Array(6));
  });

  it("runs under 'wasm' at any size, under 'auto' from THIN_MIN_WORK multiply-adds, and never under 'js'", () => {
    expectKernelSwitch((work) => thinProductsFor(work) !== null, THIN_MIN_WORK);
  });
});
