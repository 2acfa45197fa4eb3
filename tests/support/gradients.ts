/**
 * Gradient-check helpers for the autograd tests.
 *
 * `checkGradients(f, inputs)` reduces an op's output to a scalar with fixed random weights,
 * L = Σ f(inputs) ⊙ R, so every output entry reaches the loss with a different factor (a plain sum
 * would hide a rule that permutes or mixes up entries), then holds the engine's gradient to central
 * differences in float64 and checks each gradient's shape.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { mul, sum } from '../../src/autograd/index.js';
import type { Variable } from '../../src/autograd/variable.js';
import { normal } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { sizeOf } from '../../src/tensor/shape.js';

/** The tolerance issue #3 asks for: relative error 1e-6 or tighter. */
export const GRADIENT_TOLERANCE = 1e-6;

/** Gradient-checks `f` at `inputs` (any dtype; checked in float64) and returns the result. */
export function checkGradients(f: (...inputs: Variable[]) => Tensor, inputs: readonly Tensor[], seed = 1): ReturnType<typeof gradCheck> {
  let weights: Tensor | undefined;
  const loss = (...xs: Variable[]): Tensor => {
    const y = f(...xs);
    weights ??= normal(y.shape, { seed, dtype: 'float64' });
    return sum(mul(y, weights));
  };
  const result = gradCheck(loss, inputs);
  result.analytic.forEach((g, i) => expect(g.shape).toEqual(inputs[i].shape));
  if (!(result.maxRelError < GRADIENT_TOLERANCE)) {
    throw new Error(`gradient check failed: max relative error ${result.maxRelError} at input ` +
      `${result.worst.input}, flat index ${result.worst.index}: analytic ${result.worst.analytic}, ` +
      `numeric ${result.worst.numeric}`);
  }
  return result;
}

/** Options for {@link float64Arb}. */
export interface DomainOptions {
  /** Values lie in [min, max]. */
  min?: number;
  max?: number;
  /** Points where the op has a kink or a pole; values stay at least `margin` away from each. */
  kinks?: readonly number[];
  margin?: number;
}

/** A float64 tensor of `shape` with values in a domain that keeps central differences honest. */
export function float64Arb(shape: readonly number[], options: DomainOptions = {}): fc.Arbitrary<Tensor> {
  const { min = -3, max = 3, kinks = [], margin = 0.05 } = options;
  const size = sizeOf(shape);
  const value = fc
    .double({ min, max, noNaN: true, noDefaultInfinity: true })
    .filter((v) => kinks.every((k) => Math.abs(v - k) >= margin));
  return fc.array(value, { minLength: size, maxLength: size }).map((list) => new Tensor(Float64Array.from(list), shape.slice()));
}

/** Float64 values that are pairwise at least `gap` apart (so max/min/topk have no ties), shuffled. */
export function distinctFloat64Arb(shape: readonly number[], gap = 0.1): fc.Arbitrary<Tensor> {
  const size = sizeOf(shape);
  return fc
    .tuple(
      fc.shuffledSubarray(Array.from({ length: size }, (_, i) => i), { minLength: size, maxLength: size }),
      fc.double({ min: -1, max: 1, noNaN: true }),
    )
    .map(([order, shift]) => new Tensor(Float64Array.from(order, (rank) => (rank - size / 2) * gap * 3 + shift), shape.slice()));
}
