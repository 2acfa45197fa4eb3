/**
 * Optimizers and what drives them: SGD, Adam and AdamW updating parameters in place, learning-rate
 * schedules, and gradient clipping by global norm.
 *
 * ```ts
 * const optimizer = new AdamW({ params: [W, b], lr: 1e-3 });
 * const scheduler = new LrScheduler(optimizer, warmupCosine(100, 10_000));
 * optimizer.zeroGrad();
 * loss.backward();
 * clipGradNorm([W, b], 1.0);   // returns the norm before clipping
 * scheduler.apply();
 * optimizer.step();
 * ```
 *
 * @module
 */
export { Optimizer, type OptimizerStateDict, type ParamState, type Hyperparameters } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export {
  constant, linearWarmup, cosineDecay, warmupCosine, LrScheduler,
  type Schedule, type CosineOptions, type LrSchedulerOptions,
} from './schedule.js';
export { clipGradNorm, type ClipGradNormOptions } from './clip.js';
export * from './init.js';
