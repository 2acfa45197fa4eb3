/**
 * Learning-rate schedules: pure functions from a step number to a multiplier of the base rate,
 * and {@link LrScheduler}, which sets an optimizer's rate from one.
 *
 * Steps count from 0: the rate for step t is the one the (t+1)-th `optimizer.step()` uses, i.e.
 * t = `optimizer.stepCount` just before that call. With base rate η₀ the rate is η₀·f(t):
 *
 *     constant()                      f(t) = 1
 *     linearWarmup(W)                 f(t) = min(1, (t + 1) / W)
 *     cosineDecay(T, {finalFactor})   f(t) = φ + (1 − φ)·½·(1 + cos(π·min(t, T) / T))     φ = finalFactor
 *     warmupCosine(W, T, {...})       linearWarmup(W) for t < W, then cosineDecay(T − W) of (t − W)
 *
 * Warm-up starts at 1/W rather than 0 so that the first step is not wasted, and reaches 1 at
 * t = W − 1. Cosine decay starts at 1 (t = 0), reaches φ at t = T, and stays there. In
 * warmupCosine, T counts the warm-up too: the rate is back at φ after T steps in all.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import type { Optimizer } from './optimizer.js';

/** A schedule: step t (an integer ≥ 0) to the multiplier of the base learning rate at that step. */
export type Schedule = (step: number) => number;

/** Options for {@link cosineDecay} and {@link warmupCosine}. */
export interface CosineOptions {
  /** φ, the multiplier reached at the end (the final rate is φ·η₀), in [0, 1]. Default 0. */
  finalFactor?: number;
}

/**
 * The same rate at every step: f(t) = 1.
 *
 * @example
 * ```ts
 * constant()(1000);   // returns 1
 * ```
 */
export function constant(): Schedule {
  return (step) => {
    checkStep('constant', step);
    return 1;
  };
}

/**
 * Linear warm-up over `warmupSteps` steps, then 1: f(t) = min(1, (t + 1) / W). W = 0 means no
 * warm-up.
 *
 * @example
 * ```ts
 * const warmup = linearWarmup(4);
 * [0, 1, 2, 3, 10].map(warmup);   // returns [0.25, 0.5, 0.75, 1, 1]
 * ```
 */
export function linearWarmup(warmupSteps: number): Schedule {
  checkSteps('linearWarmup', 'warmupSteps', warmupSteps, 0);
  return (step) => {
    checkStep('linearWarmup', step);
    return step + 1 >= warmupSteps ? 1 : (step + 1) / warmupSteps;
  };
}

/**
 * Cosine decay from 1 at t = 0 to φ at t = T, then φ:
 * f(t) = φ + (1 − φ)·½·(1 + cos(π·min(t, T) / T)).
 *
 * @example
 * ```ts
 * const decay = cosineDecay(100, { finalFactor: 0.1 });
 * [0, 50, 100, 200].map(decay);   // returns [1, 0.55, 0.1, 0.1] (within rounding)
 * ```
 */
export function cosineDecay(totalSteps: number, options: CosineOptions = {}): Schedule {
  checkSteps('cosineDecay', 'totalSteps', totalSteps, 1);
  const finalFactor = checkFinalFactor('cosineDecay', options);
  return (step) => {
    checkStep('cosineDecay', step);
    return cosineAt(Math.min(step, totalSteps) / totalSteps, finalFactor);
  };
}

/**
 * Linear warm-up for `warmupSteps` steps, then cosine decay to φ at `totalSteps` (which counts the
 * warm-up). The common recipe for transformer and sparse-autoencoder training.
 *
 * @example
 * ```ts
 * const schedule = warmupCosine(10, 110);
 * [0, 9, 10, 60, 110].map(schedule);   // returns [0.1, 1, 1, 0.5, 0] (within rounding)
 * ```
 */
export function warmupCosine(warmupSteps: number, totalSteps: number, options: CosineOptions = {}): Schedule {
  checkSteps('warmupCosine', 'warmupSteps', warmupSteps, 0);
  checkSteps('warmupCosine', 'totalSteps', totalSteps, 1);
  if (totalSteps <= warmupSteps) {
    fail('warmupCosine', `totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps}): it counts the warm-up`);
  }
  const finalFactor = checkFinalFactor('warmupCosine', options);
  const decaySteps = totalSteps - warmupSteps;
  return (step) => {
    checkStep('warmupCosine', step);
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    return cosineAt(Math.min(step - warmupSteps, decaySteps) / decaySteps, finalFactor);
  };
}

/** Options for {@link LrScheduler}. */
export interface LrSchedulerOptions {
  /** The base rate η₀ the schedule multiplies. Default: the optimizer's rate when the scheduler is made. */
  baseLr?: number;
}

/**
 * Drives an optimizer's learning rate from a schedule: `apply()` sets `optimizer.lr = η₀·f(t)`,
 * with t the optimizer's step count, so call it before each `step()`. Because t is read from the
 * optimizer, a run restored from a checkpoint picks up the schedule where it left off.
 *
 * @example
 * ```ts
 * const optimizer = new Adam({ params: [w], lr: 1e-3 });
 * const scheduler = new LrScheduler(optimizer, warmupCosine(100, 10_000));
 * for (let t = 0; t < 10_000; t++) {
 *   optimizer.zeroGrad();
 *   loss().backward();
 *   scheduler.apply();   // returns 1e-5 at t = 0, 1e-3 at t = 99
 *   optimizer.step();
 * }
 * ```
 */
export class LrScheduler {
  /** The optimizer whose rate it sets. */
  readonly optimizer: Optimizer;
  /** The schedule f. */
  readonly schedule: Schedule;
  /** The base rate η₀. */
  readonly baseLr: number;

  /** Remembers the optimizer, the schedule and the base rate (default: the optimizer's rate now). */
  constructor(optimizer: Optimizer, schedule: Schedule, options: LrSchedulerOptions = {}) {
    if (typeof schedule !== 'function') fail('LrScheduler', `schedule must be a function of the step, got ${typeof schedule}`);
    const baseLr = options.baseLr ?? optimizer.lr;
    if (typeof baseLr !== 'number' || !Number.isFinite(baseLr) || baseLr < 0) {
      fail('LrScheduler', `baseLr must be a finite number ≥ 0, got ${baseLr}`);
    }
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.baseLr = baseLr;
  }

  /** The rate for step t: η₀·f(t). */
  lrAt(step: number): number {
    const factor = this.schedule(step);
    if (!Number.isFinite(factor) || factor < 0) {
      fail('LrScheduler', `the schedule returned ${factor} at step ${step}; a multiplier must be finite and ≥ 0`);
    }
    return this.baseLr * factor;
  }

  /** Sets the optimizer's rate for step t (default: its step count) and returns the rate. */
  apply(step: number = this.optimizer.stepCount): number {
    const lr = this.lrAt(step);
    this.optimizer.lr = lr;
    return lr;
  }
}

/** φ + (1 − φ)·½·(1 + cos(π·progress)), progress in [0, 1]. */
function cosineAt(progress: number, finalFactor: number): number {
  return finalFactor + (1 - finalFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

function checkStep(op: string, step: number): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    fail(op, `the step must be an integer ≥ 0, got ${String(step)}`);
  }
}

function checkSteps(op: string, name: string, value: number, low: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low) {
    fail(op, `${name} must be an integer ≥ ${low}, got ${String(value)}`);
  }
}

function checkFinalFactor(op: string, options: CosineOptions): number {
  const finalFactor = options.finalFactor ?? 0;
  if (typeof finalFactor !== 'number' || !Number.isFinite(finalFactor) || finalFactor < 0 || finalFactor > 1) {
    fail(op, `finalFactor must be a number in [0, 1], got ${String(finalFactor)}`);
  }
  return finalFactor;
}
