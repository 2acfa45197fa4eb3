/**
 * Learning-rate schedules at chosen steps (values derived by hand from the formulas in
 * src/optim/schedule.ts), LrScheduler driving an optimizer, and clipGradNorm.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parameter } from '../../src/autograd/variable.js';
import {
  Adam, LrScheduler, SGD, clipGradNorm, constant, cosineDecay, linearWarmup, warmupCosine,
} from '../../src/optim/index.js';
import { tensor } from '../../src/tensor/creation.js';
import { transpose } from '../../src/tensor/movement.js';
import { expectOpError } from '../support/expect.js';

describe('schedules', () => {
  it('constant is 1 at every step', () => {
    const schedule = constant();
    expect([0, 1, 7, 1_000_000].map(schedule)).toEqual([1, 1, 1, 1]);
  });

  it('linearWarmup(4) climbs 1/4, 2/4, 3/4, then stays at 1', () => {
    expect([0, 1, 2, 3, 4, 100].map(linearWarmup(4))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('linearWarmup(0) and linearWarmup(1) are constant 1', () => {
    expect([0, 1, 5].map(linearWarmup(0))).toEqual([1, 1, 1]);
    expect([0, 1, 5].map(linearWarmup(1))).toEqual([1, 1, 1]);
  });

  it('cosineDecay(100): 1 at t = 0, ½ halfway, (1 + cos(π/4))/2 at a quarter, 0 at the end and after', () => {
    const decay = cosineDecay(100);
    expect(decay(0)).toBe(1);
    expect(decay(50)).toBeCloseTo(0.5, 15);
    expect(decay(25)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 15); // cos(π/4) = √½
    expect(decay(100)).toBeCloseTo(0, 15);
    expect(decay(1000)).toBe(decay(100));
  });

  it('cosineDecay with finalFactor φ maps [1 … 0] onto [1 … φ]', () => {
    const decay = cosineDecay(100, { finalFactor: 0.1 });
    expect(decay(0)).toBe(1);
    expect(decay(50)).toBeCloseTo(0.55, 15); // 0.1 + 0.9·½
    expect(decay(100)).toBeCloseTo(0.1, 15);
    expect(decay(250)).toBeCloseTo(0.1, 15);
  });

  it('cosineDecay never increases and stays within [φ, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(600), (total, finalFactor, t) => {
        const decay = cosineDecay(total, { finalFactor });
        expect(decay(t + 1)).toBeLessThanOrEqual(decay(t) + 1e-15);
        expect(decay(t)).toBeGreaterThanOrEqual(finalFactor - 1e-15);
        expect(decay(t)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('warmupCosine(10, 110): warm-up to 1 at t = 9, cosine over the next 100 steps to φ', () => {
    const schedule = warmupCosine(10, 110, { finalFactor: 0.2 });
    expect(schedule(0)).toBeCloseTo(0.1, 15);
    expect(schedule(4)).toBeCloseTo(0.5, 15);
    expect(schedule(9)).toBe(1);
    expect(schedule(10)).toBe(1); // cos(0)
    expect(schedule(60)).toBeCloseTo(0.6, 15); // 0.2 + 0.8·½
    expect(schedule(110)).toBeCloseTo(0.2, 15);
    expect(schedule(10_000)).toBeCloseTo(0.2, 15);
    // After the warm-up it is cosineDecay shifted by W.
    const decay = cosineDecay(100, { finalFactor: 0.2 });
    for (const t of [10, 37, 85, 109]) expect(schedule(t)).toBe(decay(t - 10));
  });

  it('refuses bad arguments and bad steps, naming the schedule', () => {
    expectOpError(() => linearWarmup(-1), 'linearWarmup', 'warmupSteps must be an integer ≥ 0, got -1');
    expectOpError(() => linearWarmup(2.5), 'linearWarmup', 'got 2.5');
    expectOpError(() => cosineDecay(0), 'cosineDecay', 'totalSteps must be an integer ≥ 1, got 0');
    expectOpError(() => cosineDecay(10, { finalFactor: 1.5 }), 'cosineDecay', 'finalFactor must be a number in [0, 1], got 1.5');
    expectOpError(() => cosineDecay(10, { finalFactor: Number.NaN }), 'cosineDecay', 'finalFactor');
    expectOpError(() => warmupCosine(10, 10), 'warmupCosine', 'totalSteps (10) must exceed warmupSteps (10)');
    expectOpError(() => constant()(-1), 'constant', 'the step must be an integer ≥ 0, got -1');
    expectOpError(() => linearWarmup(3)(0.5), 'linearWarmup', 'got 0.5');
    expectOpError(() => cosineDecay(3)(Number.NaN), 'cosineDecay', 'got NaN');
    expectOpError(() => warmupCosine(1, 3)(-2), 'warmupCosine', 'got -2');
  });
});

describe('LrScheduler', () => {
  it('sets the optimizer\'s rate to η₀·f(t), t read from the optimizer\'s step count', () => {
    const w = parameter(tensor([1, 2]));
    const optimizer = new Adam({ params: [w], lr: 0.01 });
    const scheduler = new LrScheduler(optimizer, linearWarmup(4));
    expect(scheduler.baseLr).toBe(0.01);
    const used: number[] = [];
    for (let t = 0; t < 6; t++) {
      w.grad = tensor([1, 1]);
      used.push(scheduler.apply());
      expect(optimizer.lr).toBe(used[t]);
      optimizer.step();
    }
    expect(used).toEqual([0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01]);
    // Base rate stays η₀ although the optimizer's rate changed along the way.
    expect(scheduler.lrAt(1)).toBe(0.005);
    expect(scheduler.apply(0)).toBe(0.0025);
  });

  it('takes an explicit base rate, and refuses a schedule that returns a bad multiplier', () => {
    const optimizer = new SGD({ params: [parameter(tensor([1]))], lr: 0.5 });
    const scheduler = new LrScheduler(optimizer, cosineDecay(10), { baseLr: 2 });
    expect(scheduler.apply(5)).toBeCloseTo(1, 15);
    const broken = new LrScheduler(optimizer, () => Number.NaN);
    expectOpError(() => broken.apply(), 'LrScheduler', 'the schedule returned NaN at step 0');
    expectOpError(() => new LrScheduler(optimizer, constant(), { baseLr: -1 }), 'LrScheduler', 'baseLr');
    expectOpError(() => new LrScheduler(optimizer, 3 as unknown as () => number), 'LrScheduler', 'schedule must be a function');
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients by maxNorm/(‖g‖ + 1e-6) when the global norm is above maxNorm', () => {
    // Two gradients [3] and [4, 0] form the vector (3, 4, 0): ‖g‖ = 5. maxNorm 1: s = 1/(5 + 1e-6).
    const a = parameter(tensor([0], [1], 'float64'));
    const b = parameter(tensor([0, 0], [2], 'float64'));
    a.grad = tensor([3], [1], 'float64');
    b.grad = tensor([4, 0], [2], 'float64');
    const total = clipGradNorm([a, b], 1);
    expect(total).toBe(5);
    const s = 1 / (5 + 1e-6);
    expect(a.grad.data[0]).toBeCloseTo(3 * s, 15);
    expect(Array.from(b.grad.data)).toEqual([4 * s, 0]);
    // The clipped norm is just below maxNorm.
    expect(Math.hypot(a.grad.data[0], b.grad.data[0])).toBeLessThan(1);
    expect(Math.hypot(a.grad.data[0], b.grad.data[0])).toBeCloseTo(1, 6);
  });

  it('leaves gradients alone when the norm is within maxNorm, and skips null gradients', () => {
    const a = parameter(tensor([0, 0]));
    const b = parameter(tensor([0]));
    a.grad = tensor([0.3, -0.4]);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(0.5, 7);
    expect(Array.from(a.grad.data)).toEqual([Math.fround(0.3), Math.fround(-0.4)]);
    expect(b.grad).toBeNull();
    expect(clipGradNorm([b], 1)).toBe(0);
  });

  it('maxNorm 0 zeroes every gradient; the norm returned is the one before', () => {
    const a = parameter(tensor([0, 0]));
    a.grad = tensor([1, 1]);
    expect(clipGradNorm([a], 0)).toBeCloseTo(Math.SQRT2, 6);
    expect(Array.from(a.grad.data)).toEqual([0, 0]);
  });

  it('clipped norm = min(‖g‖, maxNorm) up to the 1e-6, for any gradients', () => {
    const values = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 6 }), fc.array(values, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 50, noNaN: true }), (ga, gb, maxNorm) => {
          const a = parameter(tensor(ga, [ga.length], 'float64'));
          const b = parameter(tensor(gb, [gb.length], 'float64'));
          a.grad = tensor(ga, [ga.length], 'float64');
          b.grad = tensor(gb, [gb.length], 'float64');
          const expected = Math.hypot(...ga, ...gb);
          const total = clipGradNorm([a, b], maxNorm);
          expect(total).toBeCloseTo(expected, 9);
          const after = Math.hypot(...a.grad.data, ...b.grad.data);
          expect(after).toBeLessThanOrEqual(Math.min(expected, maxNorm) * (1 + 1e-12) + 1e-12);
          expect(after).toBeCloseTo(Math.min(expected, maxNorm), 5);
        }),
    );
  });

  it('a non-finite norm is returned with the gradients unchanged, or throws with errorIfNonfinite', () => {
    const a = parameter(tensor([0, 0]));
    a.grad = tensor([Number.NaN, 1]);
    expect(clipGradNorm([a], 1)).toBeNaN();
    expect(a.grad.data[1]).toBe(1);
    a.grad = tensor([Number.POSITIVE_INFINITY, 1]);
    expect(clipGradNorm([a], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(a.grad.data[1]).toBe(1);
    expectOpError(() => clipGradNorm([a], 1, { errorIfNonfinite: true }), 'clipGradNorm', 'the total gradient norm is Infinity');
  });

  it('refuses a bad maxNorm, non-Variables and mis-shaped or strided gradients', () => {
    const a = parameter(tensor([0, 0, 0, 0], [2, 2]));
    expectOpError(() => clipGradNorm([a], -1), 'clipGradNorm', 'maxNorm must be a finite number ≥ 0, got -1');
    expectOpError(() => clipGradNorm([a], Number.NaN), 'clipGradNorm', 'got NaN');
    expectOpError(() => clipGradNorm([tensor([1]) as never], 1), 'clipGradNorm', 'params[0] is not a Variable');
    a.grad = tensor([1, 2, 3, 4]);
    expectOpError(() => clipGradNorm([a], 1), 'clipGradNorm', 'params[0] [2,2] must be a packed tensor of the same shape, got shape [4]');
    a.grad = transpose(tensor([1, 2, 3, 4], [2, 2]));
    expectOpError(() => clipGradNorm([a], 1), 'clipGradNorm', 'got a strided view of shape [2,2]');
  });
});
