/**
 * Gradient checking: compare the engine's gradient with one measured by finite differences.
 *
 * For every input x and every index i, in float64:
 *
 *     numeric ∂f/∂xᵢ ≈ ( f(x + ε eᵢ) − f(x − ε eᵢ) ) / 2ε        (central difference, error O(ε²))
 *     analytic ∂f/∂xᵢ = what valueAndGrad returns
 *
 *     absolute error = |analytic − numeric|
 *     relative error = |analytic − numeric| / max(|analytic|, |numeric|, floor)
 *
 * The floor (default 1) keeps entries near zero from dividing by almost nothing: below it the
 * relative error is the absolute one. Float32 cannot resolve a difference quotient better than
 * about 1e-3 relative, which is why the check converts every input to float64 first.
 *
 * @module
 */
import { astype } from '../tensor/elementwise.js';
import { fail } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { valueAndGrad } from './functional.js';
import { type Variable, detach } from './variable.js';
import { noGrad } from './engine.js';

/** Options for {@link gradCheck}. */
export interface GradCheckOptions {
  /** The step ε of the central difference. Default 1e-6. */
  epsilon?: number;
  /** The smallest scale a relative error is measured against. Default 1. */
  floor?: number;
}

/** The entry with the largest relative error. */
export interface GradCheckWorst {
  /** Which input (position in the `inputs` list). */
  input: number;
  /** The flat (row-major) index within that input. */
  index: number;
  /** The engine's value there. */
  analytic: number;
  /** The central-difference estimate there. */
  numeric: number;
}

/** What {@link gradCheck} found. */
export interface GradCheckResult {
  /** The largest |analytic − numeric| over every index of every input. */
  maxAbsError: number;
  /** The largest relative error, as defined in the module notes. */
  maxRelError: number;
  /** Where the largest relative error sits, and the two values there. */
  worst: GradCheckWorst;
  /** The engine's gradients (float64), one per input. */
  analytic: Tensor[];
  /** The finite-difference gradients (float64), one per input. */
  numeric: Tensor[];
}

/**
 * Checks the gradient of `f` at `inputs` by central differences at every index (see the module
 * notes). `f` must return a one-element tensor. The inputs are copied to float64; f is called
 * 2·(total size) + 1 times, so keep the inputs small.
 *
 * @example
 * ```ts
 * const { maxRelError } = gradCheck((x) => sum(mul(x, x)), [tensor([1, 2, 3])]);
 * maxRelError < 1e-8;   // returns true
 * ```
 */
export function gradCheck(
  f: (...inputs: Variable[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions = {},
): GradCheckResult {
  const epsilon = options.epsilon ?? 1e-6;
  const floor = options.floor ?? 1;
  if (!(epsilon > 0)) fail('gradCheck', `epsilon must be positive, got ${epsilon}`);
  const points = inputs.map((input) => {
    if (!(input instanceof Tensor)) fail('gradCheck', 'every input must be a Tensor');
    return astype(input, 'float64');
  });
  const [, analytic] = valueAndGrad(f)(...points);
  // Constant views of the points: they share storage, so the nudges below are seen through them.
  const constants = points.map((point) => detach(point));
  const evaluate = (): number => {
    const value = noGrad(() => f(...constants));
    if (!(value instanceof Tensor) || value.size !== 1) fail('gradCheck', 'f must return a one-element tensor');
    return value.item();
  };
  const numeric: Tensor[] = [];
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradCheckWorst = { input: -1, index: -1, analytic: 0, numeric: 0 };
  points.forEach((point, which) => {
    const estimate = new Float64Array(point.size);
    const storage = point.data; // astype made a packed private copy, so nudging it in place is safe
    const expected = analytic[which].toTypedArray();
    for (let i = 0; i < point.size; i++) {
      const saved = storage[i];
      storage[i] = saved + epsilon;
      const above = evaluate();
      storage[i] = saved - epsilon;
      const below = evaluate();
      storage[i] = saved;
      estimate[i] = (above - below) / (2 * epsilon);
      const absError = Math.abs(expected[i] - estimate[i]);
      const relError = absError / Math.max(Math.abs(expected[i]), Math.abs(estimate[i]), floor);
      // A NaN anywhere must surface, so once an error is NaN it stays the maximum.
      if (!Number.isNaN(maxAbsError) && (Number.isNaN(absError) || absError > maxAbsError)) maxAbsError = absError;
      if (worst.input === -1 || (!Number.isNaN(maxRelError) && (Number.isNaN(relError) || relError > maxRelError))) {
        maxRelError = relError;
        worst = { input: which, index: i, analytic: expected[i], numeric: estimate[i] };
      }
    }
    numeric.push(new Tensor(estimate, point.shape.slice()));
  });
  return { maxAbsError, maxRelError, worst, analytic, numeric };
}
