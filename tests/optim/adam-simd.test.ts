/**
 * Adam's WebAssembly update (src/optim/adam-simd.ts) gives the same bits as its JavaScript loop:
 * parameters and both moments, over several steps, for Adam and AdamW, on sizes that take the
 * kernel's one-lane tail, with zeros, large and tiny gradients among the entries.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parameter } from '../../src/autograd/index.js';
import { ADAM_SIMD_MIN_ENTRIES, adamSimdAllowed, emitAdamModule } from '../../src/optim/adam-simd.js';
import { Adam, AdamW } from '../../src/optim/index.js';
import { type MatmulBackend, setMatmulBackend } from '../../src/tensor/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectKernelSwitch, expectSameEntries, under } from '../support/backends.js';

afterEach(() => {
  setMatmulBackend('auto');
});

const valueArb = fc.oneof(
  { weight: 10, arbitrary: fc.float({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-30, -1e-30, 1e20, -1e20) },
);

interface Run {
  theta: number[];
  grads: number[][];
  decoupled: boolean;
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

const runArb: fc.Arbitrary<Run> = fc.integer({ min: 1, max: 37 }).chain((size) => fc.record({
  theta: fc.array(valueArb, { minLength: size, maxLength: size }),
  grads: fc.array(fc.array(valueArb, { minLength: size, maxLength: size }), { minLength: 1, maxLength: 4 }),
  decoupled: fc.boolean(),
  lr: fc.double({ min: 1e-5, max: 0.5, noNaN: true }),
  betas: fc.tuple(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.9999, noNaN: true })),
  eps: fc.constantFrom(1e-8, 1e-6, 0),
  weightDecay: fc.constantFrom(0, 1e-2, 0.5),
}));

/** θ and both moments after the run's steps, under one backend. */
function train(backend: MatmulBackend, run: Run): Float32Array[] {
  return under(backend, () => {
    const theta = parameter(new Tensor(Float32Array.from(run.theta), [run.theta.length]));
    const options = { params: [theta], lr: run.lr, betas: run.betas, eps: run.eps, weightDecay: run.weightDecay };
    const optimizer = run.decoupled ? new AdamW(options) : new Adam(options);
    for (const grad of run.grads) {
      theta.grad = new Tensor(Float32Array.from(grad), [grad.length]);
      optimizer.step();
    }
    const state = optimizer.stateDict().params[0];
    return [theta.data as Float32Array, state.buffers.expAvg.data as Float32Array, state.buffers.expAvgSq.data as Float32Array];
  });
}

describe("Adam's WebAssembly update", () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitAdamModule())).toBe(true);
  });

  it('equals the JavaScript loop bit for bit: θ, m and v, Adam and AdamW, over several steps', () => {
    fc.assert(fc.property(runArb, (run) => {
      const wasm = train('wasm', run);
      const js = train('js', run);
      ['θ', 'm', 'v'].forEach((name, k) => expectSameEntries(wasm[k], js[k], name));
    }), { numRuns: 300 });
  });

  it("runs under 'wasm' at any size, under 'auto' from ADAM_SIMD_MIN_ENTRIES entries, and never under 'js'", () => {
    expectKernelSwitch(adamSimdAllowed, ADAM_SIMD_MIN_ENTRIES);
  });

  it('with its moments in the kernel\'s memory, checkpoints, resetState and a backend switch mid-run give the all-JavaScript bits', () => {
    const run = (switchAt: number): Float32Array[] => {
      const theta = parameter(new Tensor(Float32Array.from({ length: 4099 }, (_, i) => Math.sin(i)), [4099]));
      const optimizer = new Adam({ params: [theta], lr: 0.01 });
      for (let step = 0; step < 4; step++) {
        theta.grad = new Tensor(Float32Array.from({ length: 4099 }, (_, i) => Math.cos(i * (step + 1))), [4099]);
        under(step < switchAt ? 'js' : 'wasm', () => optimizer.step());
        if (step === 1) optimizer.resetState(theta, [0]);
      }
      const saved = optimizer.stateDict();
      const restored = new Adam({ params: [theta], lr: 0.01 });
      restored.loadStateDict(saved);
      const state = restored.stateDict().params[0];
      return [theta.data as Float32Array, state.buffers.expAvg.data as Float32Array, state.buffers.expAvgSq.data as Float32Array];
    };
    const allJs = run(4);
    for (const switchAt of [0, 2]) run(switchAt).forEach((array, k) => expectSameEntries(array, allJs[k], ['θ', 'm', 'v'][k]));
  });
});
