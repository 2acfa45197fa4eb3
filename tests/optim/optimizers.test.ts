/**
 * SGD, Adam and AdamW against hand-computed updates and a float64 scalar reference written here
 * from the textbook formulas; state dicts, resetState, gradient checks and hyperparameter errors.
 *
 * Most tests set `.grad` by hand (as `backward()` would leave it), so each update can be derived
 * on paper from known gradients.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { square, sum } from '../../src/autograd/index.js';
import { type Variable, parameter, variable } from '../../src/autograd/variable.js';
import { Adam, AdamW, type OptimizerStateDict, SGD } from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import { transpose } from '../../src/tensor/movement.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

const f64 = (values: number[], shape?: number[]): Tensor => tensor(values, shape ?? [values.length], 'float64');
const param64 = (values: number[], name?: string): Variable => parameter(f64(values), name);
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** Sets `p.grad` as backward() would: a packed tensor of p's shape and dtype. */
function setGrad(p: Variable, values: number[]): void {
  p.grad = tensor(values, p.shape.slice(), p.dtype);
}

// ---------------------------------------------------------------------------------------------
// Float64 scalar references, written from the formulas (textbook form, not PyTorch's rearranged one).
// ---------------------------------------------------------------------------------------------

interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** θ after each step, one scalar weight at a time: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), θ −= η·m̂/(√v̂+ε). */
function adamReference(theta0: readonly number[], grads: readonly (readonly number[])[], c: AdamConfig): number[][] {
  const theta = theta0.slice();
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const history: number[][] = [];
  grads.forEach((g, stepIndex) => {
    const t = stepIndex + 1;
    for (let i = 0; i < theta.length; i++) {
      if (c.decoupled) theta[i] -= c.lr * c.weightDecay * theta[i];
      const gi = c.decoupled ? g[i] : g[i] + c.weightDecay * theta[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * gi;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * gi * gi;
      const mHat = m[i] / (1 - c.beta1 ** t);
      const vHat = v[i] / (1 - c.beta2 ** t);
      theta[i] -= (c.lr * mHat) / (Math.sqrt(vHat) + c.eps);
    }
    history.push(theta.slice());
  });
  return history;
}

interface SgdConfig {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/** PyTorch's SGD, one scalar weight at a time (see src/optim/sgd.ts). */
function sgdReference(theta0: readonly number[], grads: readonly (readonly number[])[], c: SgdConfig): number[][] {
  const theta = theta0.slice();
  const buffer = theta.map(() => 0);
  const history: number[][] = [];
  grads.forEach((g, stepIndex) => {
    for (let i = 0; i < theta.length; i++) {
      let d = g[i] + c.weightDecay * theta[i];
      if (c.momentum !== 0) {
        buffer[i] = stepIndex === 0 ? d : c.momentum * buffer[i] + (1 - c.dampening) * d;
        d = c.nesterov ? d + c.momentum * buffer[i] : buffer[i];
      }
      theta[i] -= c.lr * d;
    }
    history.push(theta.slice());
  });
  return history;
}

/**
 * A number in [min, max] on a grid of `steps` points. fast-check's doubles favour extremes and
 * values like 1e-300, where every update vanishes below rounding and tests see nothing.
 */
function gridArb(min: number, max: number, steps = 1000): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: steps }).map((k) => min + ((max - min) * k) / steps);
}

function expectClose(actual: readonly number[], expected: readonly number[], relative: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (Math.abs(a - expected[i]) > relative * scale) {
      throw new Error(`index ${i}: got ${a}, expected ${expected[i]} (tolerance ${relative * scale})`);
    }
  });
}

/** Runs an optimizer over a fixed list of gradients; returns θ after each step. */
function run(p: Variable, optimizer: { step(): void }, grads: readonly (readonly number[])[]): number[][] {
  return grads.map((g) => {
    setGrad(p, g.slice());
    optimizer.step();
    return flat(p);
  });
}

// ---------------------------------------------------------------------------------------------
// SGD
// ---------------------------------------------------------------------------------------------

describe('SGD', () => {
  it('without momentum: θ ← θ − η·(g + λθ)', () => {
    // θ₀ = [1, −2], η = 0.1, λ = 0.5, g = [0.2, 0.4]:
    // θ₁ = [1 − 0.1·(0.2 + 0.5), −2 − 0.1·(0.4 − 1)] = [0.93, −1.94]
    const p = param64([1, -2]);
    const optimizer = new SGD({ params: [p], lr: 0.1, weightDecay: 0.5 });
    setGrad(p, [0.2, 0.4]);
    optimizer.step();
    expectClose(flat(p), [0.93, -1.94], 1e-15);
    expect(optimizer.bufferNames).toEqual([]);
  });

  it('momentum: the buffer starts at the first gradient, then b ← μb + g (hand-computed)', () => {
    // θ₀ = 1, η = 0.1, μ = 0.9, gradients 1, 2, −1:
    // b₁ = 1                θ₁ = 1 − 0.1          = 0.9
    // b₂ = 0.9·1 + 2 = 2.9   θ₂ = 0.9 − 0.29       = 0.61
    // b₃ = 0.9·2.9 − 1 = 1.61 θ₃ = 0.61 − 0.161    = 0.449
    const p = param64([1]);
    const history = run(p, new SGD({ params: [p], lr: 0.1, momentum: 0.9 }), [[1], [2], [-1]]);
    expectClose(history.flat(), [0.9, 0.61, 0.449], 1e-15);
  });

  it('dampening scales new gradients but not the first (PyTorch copies it undamped)', () => {
    // τ = 0.5: b₁ = 1, θ₁ = 0.9; b₂ = 0.9·1 + 0.5·2 = 1.9, θ₂ = 0.9 − 0.19 = 0.71
    const p = param64([1]);
    const history = run(p, new SGD({ params: [p], lr: 0.1, momentum: 0.9, dampening: 0.5 }), [[1], [2]]);
    expectClose(history.flat(), [0.9, 0.71], 1e-15);
  });

  it('Nesterov: θ ← θ − η·(g + μb) (hand-computed)', () => {
    // b₁ = 1, d = 1 + 0.9·1 = 1.9, θ₁ = 1 − 0.19 = 0.81
    // b₂ = 0.9 + 2 = 2.9, d = 2 + 0.9·2.9 = 4.61, θ₂ = 0.81 − 0.461 = 0.349
    const p = param64([1]);
    const history = run(p, new SGD({ params: [p], lr: 0.1, momentum: 0.9, nesterov: true }), [[1], [2]]);
    expectClose(history.flat(), [0.81, 0.349], 1e-15);
  });

  it('weight decay goes into the momentum buffer (hand-computed)', () => {
    // λ = 0.1, θ₀ = 1: d₁ = 1 + 0.1 = 1.1, b₁ = 1.1, θ₁ = 1 − 0.11 = 0.89
    // d₂ = 2 + 0.089 = 2.089, b₂ = 0.99 + 2.089 = 3.079, θ₂ = 0.89 − 0.3079 = 0.5821
    const p = param64([1]);
    const history = run(p, new SGD({ params: [p], lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), [[1], [2]]);
    expectClose(history.flat(), [0.89, 0.5821], 1e-15);
  });

  it('matches the float64 reference for any settings and gradients', () => {
    const config = fc.record({
      lr: gridArb(0.01, 1),
      momentum: fc.oneof(fc.constant(0), gridArb(0.01, 0.99)),
      dampening: fc.oneof(fc.constant(0), gridArb(0.01, 1)),
      nesterov: fc.boolean(),
      weightDecay: fc.oneof(fc.constant(0), gridArb(0.01, 0.5)),
    }).map((c) => ({ ...c, dampening: c.nesterov ? 0 : c.dampening, nesterov: c.nesterov && c.momentum > 0 }));
    const values = gridArb(-4, 4);
    fc.assert(
      fc.property(config, fc.array(values, { minLength: 3, maxLength: 3 }),
        fc.array(fc.array(values, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }), (c, theta0, grads) => {
          const p = param64(theta0);
          const history = run(p, new SGD({ params: [p], ...c }), grads);
          expectClose(history.flat(), sgdReference(theta0, grads, c).flat(), 1e-12);
        }),
    );
  });

  it('trains through backward(): the documented example', () => {
    const w = parameter(tensor([1, 2]));
    const optimizer = new SGD({ params: [w], lr: 0.1, momentum: 0.9 });
    sum(square(w)).backward();
    optimizer.step();
    expectClose(flat(w), [0.8, 1.6], 1e-6);
  });
});

// ---------------------------------------------------------------------------------------------
// Adam and AdamW
// ---------------------------------------------------------------------------------------------

const defaults = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

describe('Adam', () => {
  it('step 1 moves θ by η·g/(|g| + ε): a literal derived by hand', () => {
    // θ₀ = 1, g = 0.5, η = 0.1, β = (0.9, 0.999), ε = 1e-8, t = 1:
    //   m₁ = 0.1·0.5 = 0.05          m̂₁ = 0.05 / (1 − 0.9)     = 0.5   (= g)
    //   v₁ = 0.001·0.25 = 0.00025    v̂₁ = 0.00025 / (1 − 0.999) = 0.25  (= g²)
    //   θ₁ = 1 − 0.1·0.5/(√0.25 + 1e-8) = 1 − 0.05/0.50000001 = 1 − 0.099999998 = 0.900000002
    // Without bias correction the step would be 0.1·0.05/(√0.00025 + ε) ≈ 0.316, not ≈ 0.1.
    const p = param64([1]);
    const optimizer = new Adam({ params: [p], lr: 0.1 });
    setGrad(p, [0.5]);
    optimizer.step();
    expect(p.data[0]).toBeCloseTo(0.900000002, 14);
    expect(optimizer.stepCount).toBe(1);
    expect(optimizer.paramStepCount(p)).toBe(1);
  });

  it('step 1 has size ≈ η whatever the gradient\'s scale (bias correction at work)', () => {
    const p = param64([0, 0, 0, 0]);
    const optimizer = new Adam({ params: [p], lr: 0.01 });
    setGrad(p, [1e-3, -1, 1e3, -0.25]);
    optimizer.step();
    // η·g/(|g| + ε) exactly: the ε matters only for the smallest gradient.
    expectClose(flat(p), [-0.01 * 1e-3 / (1e-3 + 1e-8), 0.01 / (1 + 1e-8), -0.01 * 1e3 / (1e3 + 1e-8), 0.01 * 0.25 / (0.25 + 1e-8)], 1e-15);
  });

  it('steps 1 to 3 equal the float64 reference, bias correction included', () => {
    const theta0 = [0.3, -1.2, 2];
    const grads = [[0.5, -0.1, 2], [0.4, 0.3, -1], [-0.2, 0.25, 0.5]];
    const config = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0, decoupled: false };
    const p = param64(theta0);
    const history = run(p, new Adam({ params: [p], lr: 0.05, betas: [0.8, 0.95], eps: 1e-6 }), grads);
    expectClose(history.flat(), adamReference(theta0, grads, config).flat(), 1e-14);
    // Step 2 by hand for weight 0 (β = 0.8, 0.95), as a second literal check:
    //   m₂ = 0.8·0.1 + 0.2·0.4 = 0.16           m̂₂ = 0.16 / 0.36 = 0.4444…
    //   v₂ = 0.95·0.0125 + 0.05·0.16 = 0.019875  v̂₂ = 0.019875 / 0.0975 = 0.203846…
    //   θ₂ = θ₁ − 0.05·0.4444…/(0.451493… + 1e-6)
    const thetaAfter1 = 0.3 - (0.05 * 0.5) / (0.5 + 1e-6);
    const step2 = (0.05 * (0.16 / 0.36)) / (Math.sqrt(0.019875 / 0.0975) + 1e-6);
    expect(history[1][0]).toBeCloseTo(thetaAfter1 - step2, 14);
  });

  it('matches the reference for random settings and gradients, float64 and float32', () => {
    const values = gridArb(-4, 4);
    const config = fc.record({
      lr: gridArb(1e-3, 0.5),
      beta1: gridArb(0, 0.99),
      beta2: gridArb(0.5, 0.9999),
      eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
      weightDecay: fc.oneof(fc.constant(0), gridArb(0.01, 0.5)),
      decoupled: fc.boolean(),
    });
    fc.assert(
      fc.property(config, fc.constantFrom<DType>('float64', 'float32'), fc.array(values, { minLength: 4, maxLength: 4 }),
        fc.array(fc.array(values, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 3 }), (c, dtype, theta0, grads) => {
          const p = parameter(tensor(theta0, [4], dtype));
          const stored = flat(p); // θ₀ as the dtype holds it
          const options = { params: [p], lr: c.lr, betas: [c.beta1, c.beta2] as [number, number], eps: c.eps, weightDecay: c.weightDecay };
          const optimizer = c.decoupled ? new AdamW(options) : new Adam(options);
          const roundedGrads = grads.map((g) => flat(tensor(g, [4], dtype)));
          const history = run(p, optimizer, roundedGrads);
          // float32 rounds θ, m and v at every step; each step moves θ by at most about η.
          const tolerance = dtype === 'float64' ? 1e-12 : 1e-5;
          expectClose(history.flat(), adamReference(stored, roundedGrads, c).flat(), tolerance);
        }),
    );
  });

  it('a parameter without a gradient is skipped, and its own step count drives its bias correction', () => {
    const a = param64([1], 'a');
    const b = param64([1], 'b');
    const optimizer = new Adam({ params: [a, b], lr: 0.1 });
    setGrad(a, [0.5]);
    optimizer.step();
    expect(flat(b)).toEqual([1]);
    expect(b.grad).toBeNull();
    expect(optimizer.paramStepCount(b)).toBe(0);
    setGrad(a, [0.5]);
    setGrad(b, [0.5]);
    optimizer.step();
    expect(optimizer.stepCount).toBe(2);
    expect(optimizer.paramStepCount(a)).toBe(2);
    expect(optimizer.paramStepCount(b)).toBe(1);
    // b's first update is the step-1 literal above, though the optimizer is at step 2.
    expect(b.data[0]).toBeCloseTo(0.900000002, 14);
  });

  it('zeroGrad fills existing gradients with 0, in place, and leaves null ones null', () => {
    const a = param64([1, 2]);
    const b = param64([3]);
    const optimizer = new Adam({ params: [a, b] });
    setGrad(a, [5, 6]);
    const buffer = a.grad;
    optimizer.zeroGrad();
    expect(a.grad).toBe(buffer);
    expect(flat(a.grad as Tensor)).toEqual([0, 0]);
    expect(b.grad).toBeNull();
  });

  it('trains through backward(): the documented example', () => {
    const w = parameter(tensor([1, -2]));
    const optimizer = new Adam({ params: [w], lr: 0.1 });
    sum(square(w)).backward();
    optimizer.step();
    expectClose(flat(w), [0.9, -1.9], 1e-6);
  });
});

describe('AdamW', () => {
  it('step 1 decays θ by (1 − ηλ) first, then the Adam step: a literal derived by hand', () => {
    // θ₀ = 1, g = 0.5, η = 0.1, λ = 0.1: θ ← 1·(1 − 0.01) = 0.99, then − 0.1·0.5/(0.5 + 1e-8)
    // θ₁ = 0.99 − 0.099999998 = 0.890000002.
    const p = param64([1]);
    const optimizer = new AdamW({ params: [p], lr: 0.1, weightDecay: 0.1 });
    setGrad(p, [0.5]);
    optimizer.step();
    expect(p.data[0]).toBeCloseTo(0.890000002, 14);
  });

  it('defaults to λ = 1e-2 (PyTorch), Adam to 0', () => {
    const p = param64([1]);
    expect(new AdamW({ params: [p] }).weightDecay).toBe(1e-2);
    expect(new Adam({ params: [p] }).weightDecay).toBe(0);
    expect(new AdamW({ params: [p] }).hyperparameters()).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 });
  });

  it('steps 1 to 3 follow PyTorch\'s decoupled formula (float64 reference)', () => {
    const theta0 = [0.3, -1.2, 2];
    const grads = [[0.5, -0.1, 2], [0.4, 0.3, -1], [-0.2, 0.25, 0.5]];
    const p = param64(theta0);
    const history = run(p, new AdamW({ params: [p], lr: 0.05, weightDecay: 0.3 }), grads);
    const reference = adamReference(theta0, grads, { lr: 0.05, ...defaults, weightDecay: 0.3, decoupled: true });
    expectClose(history.flat(), reference.flat(), 1e-14);
  });

  it('differs from Adam\'s L2 when λ > 0: Adam\'s decay is normalised away on step 1, AdamW\'s is not', () => {
    // Adam, λ = 0.1: g' = 0.5 + 0.1·1 = 0.6, and step 1 is η·g'/(|g'| + ε) ≈ 0.1 again: θ₁ ≈ 0.9.
    // AdamW: θ₁ ≈ 0.99 − 0.1 = 0.89.
    const a = param64([1]);
    const w = param64([1]);
    const adam = new Adam({ params: [a], lr: 0.1, weightDecay: 0.1 });
    const adamw = new AdamW({ params: [w], lr: 0.1, weightDecay: 0.1 });
    for (const [p, optimizer] of [[a, adam], [w, adamw]] as const) {
      setGrad(p, [0.5]);
      optimizer.step();
    }
    expect(a.data[0]).toBeCloseTo(1 - (0.1 * 0.6) / (0.6 + 1e-8), 14);
    expect(w.data[0]).toBeCloseTo(0.890000002, 14);
    expect(Math.abs(a.data[0] - w.data[0])).toBeGreaterThan(0.009);
  });

  it('agrees with Adam bit for bit when λ = 0', () => {
    const grads = [[0.5, -0.1, 2], [0.4, 0.3, -1], [-0.2, 0.25, 0.5], [1, 1, 1]];
    const a = parameter(tensor([0.3, -1.2, 2]));
    const w = parameter(tensor([0.3, -1.2, 2]));
    const adam = run(a, new Adam({ params: [a], lr: 0.05 }), grads);
    const adamw = run(w, new AdamW({ params: [w], lr: 0.05, weightDecay: 0 }), grads);
    expect(adamw).toEqual(adam);
  });
});

// ---------------------------------------------------------------------------------------------
// State: stateDict, loadStateDict, resetState
// ---------------------------------------------------------------------------------------------

describe('optimizer state', () => {
  function trained(): { w: Variable; b: Variable; optimizer: Adam } {
    const w = parameter(tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [3, 2]), 'w');
    const b = parameter(tensor([1, -1]), 'b');
    const optimizer = new Adam({ params: [w, b], lr: 0.01 });
    for (let t = 1; t <= 3; t++) {
      setGrad(w, [1, -2, 3, -4, 5, -6].map((x) => x * t));
      setGrad(b, [t, -t]);
      optimizer.step();
    }
    return { w, b, optimizer };
  }

  it('stateDict holds the counts, lr, hyperparameters and moment buffers as Tensors of each parameter\'s shape', () => {
    const { w, optimizer } = trained();
    const state = optimizer.stateDict();
    expect(state.optimizer).toBe('Adam');
    expect(state.stepCount).toBe(3);
    expect(state.lr).toBe(0.01);
    expect(state.hyperparameters).toEqual({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(state.params.map((entry) => entry.step)).toEqual([3, 3]);
    expect(Object.keys(state.params[0].buffers).sort()).toEqual(['expAvg', 'expAvgSq']);
    expect(state.params[0].buffers.expAvg.shape).toEqual([3, 2]);
    expect(state.params[1].buffers.expAvgSq.shape).toEqual([2]);
    // m after gradients g, 2g, 3g: (0.1·0.9² + 0.2·0.9 + 0.3)·g = 0.561·g
    expectClose(flat(state.params[0].buffers.expAvg), [1, -2, 3, -4, 5, -6].map((g) => 0.561 * g), 1e-6);
    // The dict is a copy: later steps leave it alone.
    const saved = flat(state.params[0].buffers.expAvg);
    setGrad(w, [1, 1, 1, 1, 1, 1]);
    optimizer.step();
    expect(flat(state.params[0].buffers.expAvg)).toEqual(saved);
  });

  it('save, restore into a fresh optimizer, and continue: the same numbers bit for bit', () => {
    const { w, b, optimizer } = trained();
    const state = optimizer.stateDict();
    const w2 = parameter(w, 'w');
    const b2 = parameter(b, 'b');
    const resumed = new Adam({ params: [w2, b2], lr: 0.5 });
    resumed.loadStateDict(state);
    expect(resumed.stepCount).toBe(3);
    expect(resumed.lr).toBe(0.01);
    for (const [pw, pb, opt] of [[w, b, optimizer], [w2, b2, resumed]] as const) {
      for (let t = 4; t <= 5; t++) {
        setGrad(pw, [0.5, 0.25, -1, 2, 0, 1].map((x) => x * t));
        setGrad(pb, [-t, t]);
        opt.step();
      }
    }
    expect(flat(w2)).toEqual(flat(w));
    expect(flat(b2)).toEqual(flat(b));
    expect(resumed.stateDict()).toEqual(optimizer.stateDict());
  });

  it('loadStateDict refuses, naming what is wrong, and changes nothing', () => {
    const { optimizer } = trained();
    const good = optimizer.stateDict();
    const target = trained().optimizer;
    const before = target.stateDict();
    const withBuffer = (index: number, buffers: Record<string, Tensor>): OptimizerStateDict => ({
      ...good,
      params: good.params.map((entry, i) => (i === index ? { ...entry, buffers } : entry)),
    });
    expectOpError(() => target.loadStateDict({ ...good, optimizer: 'SGD' }), 'Adam.loadStateDict', 'saved by SGD', 'this optimizer is Adam');
    expectOpError(() => target.loadStateDict({ ...good, params: good.params.slice(1) }), 'Adam.loadStateDict', '1 parameter entries', '2 parameters');
    expectOpError(
      () => target.loadStateDict(withBuffer(0, { expAvg: zeros([2, 3]), expAvgSq: zeros([3, 2]) })),
      'Adam.loadStateDict', 'buffer expAvg of parameter 0 "w" [3,2] has shape [2,3]', 'expected the parameter\'s shape [3,2]',
    );
    expectOpError(() => target.loadStateDict(withBuffer(1, { expAvg: zeros([2]) })), 'Adam.loadStateDict', 'has buffers [expAvg]', 'expected [expAvg, expAvgSq]');
    expectOpError(
      () => target.loadStateDict({ ...good, params: [good.params[0], { ...good.params[1], step: 1.5 }] }),
      'Adam.loadStateDict', 'step of parameter 1 "b" [2] must be an integer ≥ 0, got 1.5',
    );
    expectOpError(() => target.loadStateDict({ ...good, stepCount: -1 }), 'Adam.loadStateDict', 'stepCount');
    expectOpError(() => target.loadStateDict({ ...good, lr: Number.NaN }), 'Adam.loadStateDict', 'lr');
    expect(target.stateDict()).toEqual(before);
  });

  it('an SGD state with a momentum buffer does not load into SGD without momentum', () => {
    const p = param64([1, 2]);
    const withMomentum = new SGD({ params: [p], lr: 0.1, momentum: 0.9 });
    expect(withMomentum.stateDict().params[0].buffers.momentumBuffer.shape).toEqual([2]);
    const plain = new SGD({ params: [p], lr: 0.1 });
    expectOpError(() => plain.loadStateDict(withMomentum.stateDict()), 'SGD.loadStateDict', 'has buffers [momentumBuffer], expected []');
  });

  it('resetState zeroes the moments of chosen rows (axis 0) or columns (axis 1), keeping the step count', () => {
    const { w, b, optimizer } = trained();
    optimizer.resetState(w, [0, 2]);
    let state = optimizer.stateDict();
    const rowsZero = (t: Tensor, rows: number[]) => (t.toArray() as number[][]).map((row, r) => row.every((x) => x === 0) === rows.includes(r));
    expect(rowsZero(state.params[0].buffers.expAvg, [0, 2])).toEqual([true, true, true]);
    expect(rowsZero(state.params[0].buffers.expAvgSq, [0, 2])).toEqual([true, true, true]);
    expect(flat(state.params[1].buffers.expAvg).every((x) => x !== 0)).toBe(true);
    expect(state.params[0].step).toBe(3);

    const fresh = trained();
    fresh.optimizer.resetState(fresh.w, [1], 1);
    state = fresh.optimizer.stateDict();
    expect((state.params[0].buffers.expAvg.toArray() as number[][]).map((row) => row[1])).toEqual([0, 0, 0]);
    expect((state.params[0].buffers.expAvg.toArray() as number[][]).map((row) => row[0]).every((x) => x !== 0)).toBe(true);

    optimizer.resetState(b);
    expect(flat(optimizer.stateDict().params[1].buffers.expAvgSq)).toEqual([0, 0]);
  });

  it('after resetState, the next step of a reset row is the fresh-moment update at the current t', () => {
    // t = 4, m = v = 0, g: m = 0.1g, v = 0.001g², m̂ = 0.1g/(1 − 0.9⁴), v̂ = 0.001g²/(1 − 0.999⁴).
    const p = param64([0, 0]);
    const optimizer = new Adam({ params: [p], lr: 0.01 });
    for (let t = 0; t < 3; t++) run(p, optimizer, [[1, 1]]);
    optimizer.resetState(p, [0]);
    const before = flat(p);
    run(p, optimizer, [[2, 2]]);
    const mHat = (0.1 * 2) / (1 - 0.9 ** 4);
    const vHat = (0.001 * 4) / (1 - 0.999 ** 4);
    expect(p.data[0]).toBeCloseTo(before[0] - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8), 14);
    // The other row kept its moments, so its step differs.
    expect(before[1] - p.data[1]).not.toBeCloseTo(before[0] - p.data[0], 6);
  });

  it('resetState refuses foreign parameters, bad indices and bad axes', () => {
    const { w, optimizer } = trained();
    expectOpError(() => optimizer.resetState(param64([1])), 'Adam.resetState', 'not one of this optimizer\'s parameters');
    expectOpError(() => optimizer.resetState(w, [3]), 'Adam.resetState', 'index 3 is out of range for axis 0', '(size 3)');
    expectOpError(() => optimizer.resetState(w, [0.5]), 'Adam.resetState', 'index 0.5');
    expectOpError(() => optimizer.resetState(w, [0], 2), 'Adam.resetState', 'axis 2 is out of range');
    const scalar = parameter(tensor(1));
    const other = new Adam({ params: [scalar] });
    expectOpError(() => other.resetState(scalar, [0]), 'Adam.resetState', 'is a scalar');
  });
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

describe('optimizer errors', () => {
  const p = () => param64([1, 2]);

  it('hyperparameters are validated, naming the optimizer', () => {
    expectOpError(() => new Adam({ params: [p()], lr: -1 }), 'Adam', 'lr must be a finite number ≥ 0, got -1');
    expectOpError(() => new AdamW({ params: [p()], lr: Number.NaN }), 'AdamW', 'lr');
    expectOpError(() => new Adam({ params: [p()], betas: [1, 0.999] }), 'Adam', 'betas[0] must be a finite number in [0, 1), got 1');
    expectOpError(() => new Adam({ params: [p()], betas: [0.9, -0.1] }), 'Adam', 'betas[1]');
    expectOpError(() => new Adam({ params: [p()], betas: [0.9] as unknown as [number, number] }), 'Adam', 'pair');
    expectOpError(() => new Adam({ params: [p()], eps: -1e-8 }), 'Adam', 'eps');
    expectOpError(() => new AdamW({ params: [p()], weightDecay: -0.1 }), 'AdamW', 'weightDecay');
    expectOpError(() => new SGD({ params: [p()], lr: 0.1, momentum: -0.5 }), 'SGD', 'momentum');
    expectOpError(() => new SGD({ params: [p()], lr: 0.1, dampening: Number.POSITIVE_INFINITY }), 'SGD', 'dampening');
    expectOpError(() => new SGD({ params: [p()], lr: 0.1, nesterov: true }), 'SGD', 'Nesterov momentum needs momentum > 0 and dampening = 0');
    expectOpError(() => new SGD({ params: [p()], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), 'SGD', 'dampening 0.1');
    expectOpError(() => new SGD({ params: [p()] } as unknown as { params: Variable[]; lr: number }), 'SGD', 'lr is required');
  });

  it('the learning rate can be changed, and is validated', () => {
    const optimizer = new Adam({ params: [p()] });
    optimizer.lr = 0.5;
    expect(optimizer.lr).toBe(0.5);
    optimizer.setLearningRate(0.25);
    expect(optimizer.hyperparameters().lr).toBe(0.25);
    expectOpError(() => (optimizer.lr = -0.1), 'Adam', 'lr must be a finite number ≥ 0, got -0.1');
    expectOpError(() => optimizer.setLearningRate(Number.POSITIVE_INFINITY), 'Adam', 'Infinity');
    expect(optimizer.lr).toBe(0.25);
  });

  it('the parameter list is validated', () => {
    expectOpError(() => new Adam({ params: [] }), 'Adam', 'empty parameter list');
    const shared = p();
    expectOpError(() => new SGD({ params: [shared, p(), shared], lr: 1 }), 'SGD', 'parameter 2 [2] appears twice');
    expectOpError(() => new Adam({ params: [tensor([1]) as unknown as Variable] }), 'Adam', 'params[0] is a Tensor of shape [1], expected a Variable');
    const ints = variable(tensor([1, 2], [2], 'int32'), { requiresGrad: true });
    expectOpError(() => new Adam({ params: [ints] }), 'Adam', 'is int32');
    const view = variable(transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3])), { requiresGrad: true, name: 'Wt' });
    expectOpError(() => new Adam({ params: [view] }), 'Adam', 'parameter 0 "Wt" [3,2] is a strided view');
  });

  it('step() refuses a gradient of the wrong shape or a strided one, before changing any parameter', () => {
    const a = param64([1, 2]);
    const b = param64([3, 4, 5, 6]);
    const optimizer = new SGD({ params: [a, b], lr: 0.1 });
    setGrad(a, [1, 1]);
    b.grad = f64([1, 1, 1]);
    expectOpError(() => optimizer.step(), 'SGD', 'the gradient of parameter 1 [4] has shape [3], expected the parameter\'s shape [4]');
    expect(flat(a)).toEqual([1, 2]);
    b.grad = transpose(f64([1, 2, 3, 4], [2, 2]));
    const b2 = parameter(f64([1, 2, 3, 4], [2, 2]));
    const second = new SGD({ params: [a, b2], lr: 0.1 });
    b2.grad = transpose(f64([1, 2, 3, 4], [2, 2]));
    expectOpError(() => second.step(), 'SGD', 'is a strided view');
    expect(flat(a)).toEqual([1, 2]);
    expect(second.stepCount).toBe(0);
  });
});
