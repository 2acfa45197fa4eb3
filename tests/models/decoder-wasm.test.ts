/**
 * The SAE decoder's row constraints in WebAssembly (src/models/decoder-wasm.ts) give the same bits
 * as the JavaScript loops: the gradient projection and the row normalisation, on shapes that take
 * the kernels' one-row and one-entry tails, with rows of zeros and large and tiny entries.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DECODER_WASM_MIN_ENTRIES, decoderRowsWasmFor, emitDecoderModule } from '../../src/models/decoder-wasm.js';
import { SparseAutoencoder } from '../../src/models/sae.js';
import { setMatmulBackend } from '../../src/tensor/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectKernelSwitch, expectSameEntries, under } from '../support/backends.js';

afterEach(() => {
  setMatmulBackend('auto');
});

const entryArb = fc.oneof(
  { weight: 10, arbitrary: fc.float({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-30, 1e30) },
);

const caseArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }))
  .chain(([instances, latents, inputDim]) => {
    const size = instances * latents * inputDim;
    const rowOfZerosAt = fc.integer({ min: -1, max: instances * latents - 1 });
    return fc.record({
      instances: fc.constant(instances), latents: fc.constant(latents), inputDim: fc.constant(inputDim),
      decoder: fc.array(entryArb, { minLength: size, maxLength: size }),
      grad: fc.array(entryArb, { minLength: size, maxLength: size }),
      rowOfZeros: rowOfZerosAt,
    });
  });

describe("the SAE decoder's row constraints in WebAssembly", () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitDecoderModule())).toBe(true);
  });

  it('projectDecoderGradient and normalizeDecoder give the JavaScript loops\' bits', () => {
    fc.assert(fc.property(caseArb, ({ instances, latents, inputDim, decoder, grad, rowOfZeros }) => {
      const run = (backend: 'js' | 'wasm'): Float32Array[] => under(backend, () => {
        const sae = new SparseAutoencoder({ architecture: 'relu', inputDim, latents, instances });
        const W = Float32Array.from(decoder);
        if (rowOfZeros >= 0) W.fill(0, rowOfZeros * inputDim, (rowOfZeros + 1) * inputDim); // stays zeros
        sae.W_dec.data.set(W);
        sae.W_dec.grad = new Tensor(Float32Array.from(grad), sae.W_dec.shape.slice());
        sae.projectDecoderGradient();
        sae.normalizeDecoder();
        return [(sae.W_dec.grad as Tensor).data as Float32Array, sae.W_dec.data as Float32Array];
      });
      const [wasmGrad, wasmDecoder] = run('wasm');
      const [jsGrad, jsDecoder] = run('js');
      expectSameEntries(wasmGrad, jsGrad, 'gradient entry');
      expectSameEntries(wasmDecoder, jsDecoder, 'decoder entry');
    }), { numRuns: 200 });
  });

  it("runs under 'wasm' at any size, under 'auto' from DECODER_WASM_MIN_ENTRIES entries, and never under 'js'", () => {
    expectKernelSwitch((n) => decoderRowsWasmFor(n) !== null, DECODER_WASM_MIN_ENTRIES);
  });
});
