/**
 * generateFeatures' dense draw in WebAssembly (src/models/features-wasm.ts) gives the same batch
 * as the JavaScript path, bit for bit, and leaves the generator in the same state.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFeatures } from '../../src/models/data.js';
import { FEATURES_WASM_MIN_ENTRIES, emitFeaturesModule, featuresWasmFor } from '../../src/models/features-wasm.js';
import { type MatmulBackend, setMatmulBackend } from '../../src/tensor/matmul.js';
import { Rng } from '../../src/tensor/random.js';
import { expectKernelSwitch, expectSameEntries, under } from '../support/backends.js';

afterEach(() => {
  setMatmulBackend('auto');
});

function draw(backend: MatmulBackend, options: { instances: number; batch: number; features: number; density: number[]; signed: boolean; seed: number }) {
  return under(backend, () => {
    const rng = new Rng(options.seed);
    const { instances, batch, features, density } = options;
    const values = options.signed ? 'signed' : 'unit';
    const first = generateFeatures({ instances, batch, features, density, rng, values });
    const second = generateFeatures({ instances, batch, features, density, rng, values });
    return { values: [...first.toTypedArray(), ...second.toTypedArray()], state: rng.getState() };
  });
}

describe("generateFeatures' WebAssembly draw", () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitFeaturesModule())).toBe(true);
  });

  it('draws the same batch as the JavaScript path, and leaves the generator in the same state', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }).chain((instances) => fc.record({
        instances: fc.constant(instances),
        batch: fc.integer({ min: 1, max: 40 }),
        features: fc.integer({ min: 1, max: 9 }),
        // Dense densities take the kernel; sparse ones (≤ 0.1) jump in JavaScript on both paths.
        density: fc.array(fc.oneof(fc.constant(1), fc.double({ min: 0.02, max: 1, noNaN: true })), { minLength: instances, maxLength: instances }),
        signed: fc.boolean(),
        seed: fc.integer({ min: 0, max: 2 ** 31 }),
      })),
      (options) => {
        const wasm = draw('wasm', options);
        const js = draw('js', options);
        expect(wasm.state).toEqual(js.state);
        expectSameEntries(wasm.values, js.values);
      }), { numRuns: 150 });
  });

  it("runs under 'wasm' at any size, under 'auto' from FEATURES_WASM_MIN_ENTRIES entries, and never under 'js'", () => {
    expectKernelSwitch((n) => featuresWasmFor(n) !== null, FEATURES_WASM_MIN_ENTRIES);
  });
});
