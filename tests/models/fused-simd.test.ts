/**
 * The fused ops' WebAssembly kernels (src/models/fused-simd.ts) give the same bits as their
 * JavaScript loops: values and every gradient, on random layouts (odd feature counts take the
 * kernels' one-lane tails) with zeros of both signs, NaN and infinities among the entries.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { FUSED_SIMD_MIN_ENTRIES, emitFusedModule, fusedSimdFor } from '../../src/models/fused-simd.js';
import { linearReadoutLoss, reluOfShiftedSum, reluReadoutLoss } from '../../src/models/fused.js';
import { type MatmulBackend, setMatmulBackend } from '../../src/tensor/matmul.js';
import { expectKernelSwitch, expectSameBits, under } from '../support/backends.js';
import { Tensor } from '../../src/tensor/tensor.js';

const layoutArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }));

/** float32 entries, mostly ordinary, sometimes ±0, NaN or ±∞ (where ReLU and its backward decide). */
const entryArb = fc.oneof(
  { weight: 12, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);

function tensorArb(shape: number[], entries: fc.Arbitrary<number> = entryArb): fc.Arbitrary<Tensor> {
  const size = shape.reduce((p, d) => p * d, 1);
  return fc.array(entries, { minLength: size, maxLength: size }).map((values) => new Tensor(Float32Array.from(values), shape));
}

/** Value and gradients of Σ seed ⊙ f(inputs), under one backend. */
function valueAndGrads(backend: MatmulBackend, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed: Tensor): Tensor[] {
  return under(backend, () => {
    const [value, grads] = ag.valueAndGrad((...xs: Tensor[]) => ag.sum(ag.mul(f(...xs), seed)))(...inputs);
    return [value, ...grads];
  });
}

afterEach(() => {
  setMatmulBackend('auto');
});

describe('the fused WebAssembly kernels', () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitFusedModule())).toBe(true);
  });

  it('reluReadoutLoss and linearReadoutLoss: loss and both gradients bit for bit as the JavaScript loops', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(
        tensorArb([I, B, n]), tensorArb([I, 1, n]), tensorArb([I, B, n]), tensorArb([I, 1, n], fc.float({ min: 0, max: 2, noNaN: true })),
        tensorArb([I], fc.float({ min: -2, max: 2, noNaN: true })),
      )),
      fc.constantFrom(reluReadoutLoss, linearReadoutLoss),
      ([z, b, t, w, seed], readoutLoss) => {
        const f = (zz: Tensor, bb: Tensor) => readoutLoss(zz, bb, t, w);
        const wasm = valueAndGrads('wasm', f, [z, b], seed);
        const js = valueAndGrads('js', f, [z, b], seed);
        wasm.forEach((tensor, i) => expectSameBits(tensor, js[i]));
      }), { numRuns: 300 });
  });

  it('reluOfShiftedSum: value and all three gradients bit for bit as the JavaScript path', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(
        tensorArb([I, B, n]), tensorArb([I, 1, n]), tensorArb([I, 1, n]), tensorArb([I, B, n]),
      )),
      ([z, c, b, seed]) => {
        const f = (zz: Tensor, cc: Tensor, bb: Tensor) => reluOfShiftedSum(zz, cc, bb);
        const wasm = valueAndGrads('wasm', f, [z, c, b], seed);
        const js = valueAndGrads('js', f, [z, c, b], seed);
        wasm.forEach((tensor, i) => expectSameBits(tensor, js[i]));
      }), { numRuns: 200 });
  });

  it('reuses its memory across calls of different sizes (growing it once for the largest)', () => {
    const run = (I: number, B: number, n: number): void => {
      const z = new Tensor(Float32Array.from({ length: I * B * n }, (_, i) => Math.sin(i)), [I, B, n]);
      const c = new Tensor(Float32Array.from({ length: I * n }, (_, i) => Math.cos(i) / 4), [I, 1, n]);
      const b = new Tensor(Float32Array.from({ length: I * n }, (_, i) => Math.sin(3 * i) / 4), [I, 1, n]);
      expectSameBits(under('wasm', () => reluOfShiftedSum(z, c, b)), under('js', () => reluOfShiftedSum(z, c, b)));
    };
    run(2, 300, 130); // grows the memory past its first page
    run(1, 3, 5);
    run(3, 700, 64);
  });

  it("runs under 'wasm' at any size, under 'auto' from FUSED_SIMD_MIN_ENTRIES entries, and never under 'js'", () => {
    expectKernelSwitch((n) => fusedSimdFor(n) !== null, FUSED_SIMD_MIN_ENTRIES);
  });
});
