/**
 * Parameter initialisation: random starting weights whose scale keeps signals from growing or
 * shrinking layer after layer.
 *
 *     xavierNormal     w ~ N(0, σ²),      σ = gain · √(2 / (fan_in + fan_out))      (Glorot & Bengio 2010)
 *     kaimingUniform   w ~ U[−b, b),      b = gain · √(3 / fan_in)                    (He et al. 2015)
 *                                         gain = √(2 / (1 + a²))
 *
 * Why these scales. For y = W x with n inputs of unit variance, Var(yᵢ) = n · Var(w): choosing
 * Var(w) = 1/fan_in keeps the forward signal's variance, 1/fan_out keeps the backward gradient's,
 * and Xavier's 2/(fan_in + fan_out) splits the difference. A ReLU zeroes half its inputs, so He
 * doubles the variance (gain² = 2 for a = 0); a leaky ReLU of negative slope a passes a² of the
 * negative half, hence gain² = 2/(1 + a²). U[−b, b) has variance b²/3, so b = gain·√(3/fan_in)
 * gives Var(w) = gain²/fan_in.
 *
 * Fans. The last axis is fan_in and the second-to-last is fan_out; any axes before them are
 * independent copies (instances, heads, layers), each initialised with the same scale:
 *
 *     shape [fan_out, fan_in]                 one weight matrix mapping fan_in → fan_out
 *     shape [instances, m, n]                 the toy model's W: per instance it maps n → m,
 *                                             so fan_in = n and fan_out = m
 *
 * This is *not* PyTorch's rule, which for rank > 2 reads [out, in, *kernel] (a convolution) and
 * multiplies the fans by the trailing sizes. Applied to the toy model's W [instances, m, n] it would
 * take fan_in = m·n and fan_out = instances·n, so the scale would change with the number of
 * instances trained side by side. Here stacking instances never changes any one instance's scale.
 *
 * Both return plain Tensors (no gradient tracking): wrap them with `parameter()` to train.
 *
 * @module
 */
import { isDType } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { zeros } from '../tensor/creation.js';
import { Rng, normal, uniform } from '../tensor/random.js';
import { checkShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options shared by the initialisers: where the randomness comes from and the dtype. */
export interface InitOptions {
  /** Draw from a new generator seeded with this whole number. Give `seed` or `rng`, not both. */
  seed?: number;
  /** Draw from this generator, advancing it. With neither, the default generator is used. */
  rng?: Rng;
  /** `float32` (default) or `float64`. */
  dtype?: 'float32' | 'float64';
}

/** Options of {@link xavierNormal}. */
export interface XavierNormalOptions extends InitOptions {
  /** Multiplies the standard deviation; default 1 (PyTorch's `calculate_gain` gives √2 for ReLU, 5/3 for tanh). */
  gain?: number;
}

/** Options of {@link kaimingUniform}. */
export interface KaimingUniformOptions extends InitOptions {
  /**
   * The negative slope of the leaky ReLU that follows the layer; gain = √(2/(1 + a²)). Default 0,
   * the plain ReLU, as in `torch.nn.init.kaiming_uniform_`. Pass `Math.sqrt(5)` for the init PyTorch's
   * `nn.Linear` uses (bound 1/√fan_in).
   */
  a?: number;
}

/** fan_in = the last axis, fan_out = the second-to-last (see the module notes). */
function fans(op: string, shape: readonly number[]): { fanIn: number; fanOut: number } {
  const checked = checkShape(op, shape);
  if (checked.length < 2) {
    fail(op, `needs a shape of rank ≥ 2, [..., fan_out, fan_in], got ${formatShape(checked)}; ` +
      `a vector (a bias) has no fan_in and fan_out, so initialise it directly (e.g. zeros)`);
  }
  return { fanIn: checked[checked.length - 1], fanOut: checked[checked.length - 2] };
}

function checkOptions(op: string, options: InitOptions): void {
  if (typeof options !== 'object' || options === null) fail(op, `options must be an object, got ${String(options)}`);
  const { dtype = 'float32' } = options;
  if (dtype !== 'float32' && dtype !== 'float64') {
    fail(op, `dtype must be float32 or float64, got ${isDType(dtype) ? dtype : String(dtype)}`);
  }
  const { seed, rng } = options;
  if (seed !== undefined && rng !== undefined) fail(op, 'give either seed or rng, not both');
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) {
    fail(op, `seed must be a whole number (a safe integer), got ${String(seed)}`);
  }
  if (rng !== undefined && !(rng instanceof Rng)) fail(op, `rng must be an Rng, got ${String(rng)}`);
}

function checkScale(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(op, `${name} must be a finite number, got ${String(value)}`);
}

/**
 * Glorot/Xavier normal: N(0, σ²) with σ = gain · √(2/(fan_in + fan_out)), fan_in the last axis and
 * fan_out the second-to-last; leading axes are independent copies (see the module notes).
 *
 * @param shape - rank ≥ 2: `[..., fan_out, fan_in]`.
 * @param options - `seed` or `rng`, `gain` (default 1, must be ≥ 0), `dtype` (default float32).
 * @returns a new Tensor.
 *
 * @example
 * ```ts
 * // 8 instances of a 20 → 5 map; each entry ~ N(0, σ²) with σ = √(2/(20 + 5)) ≈ 0.283
 * const W = parameter(xavierNormal([8, 5, 20], { seed: 0 }));
 * W.shape;   // returns [8, 5, 20]
 * ```
 */
export function xavierNormal(shape: readonly number[], options: XavierNormalOptions = {}): Tensor {
  const op = 'xavierNormal';
  checkOptions(op, options);
  const { fanIn, fanOut } = fans(op, shape);
  const { gain = 1, dtype = 'float32', seed, rng } = options;
  checkScale(op, 'gain', gain);
  if (gain < 0) fail(op, `gain must be ≥ 0, got ${gain}`);
  // An empty shape (a zero fan) has nothing to draw; its σ would be 0/0.
  const std = fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(2 / (fanIn + fanOut));
  return normal(shape, { std, dtype, seed, rng });
}

/**
 * Kaiming/He uniform: U[−b, b) with b = gain · √(3/fan_in) and gain = √(2/(1 + a²)), fan_in the
 * last axis; leading axes are independent copies (see the module notes). Var(w) = gain²/fan_in.
 *
 * @param shape - rank ≥ 2: `[..., fan_out, fan_in]`.
 * @param options - `seed` or `rng`, `a` (default 0: ReLU; `Math.sqrt(5)` for nn.Linear's init), `dtype`.
 * @returns a new Tensor.
 *
 * @example
 * ```ts
 * // A 256 → 64 layer followed by a ReLU: b = √(6/256) ≈ 0.153.
 * const W = kaimingUniform([64, 256], { seed: 1 });
 * W.shape;   // returns [64, 256]
 * // nn.Linear's default: b = 1/√256 = 0.0625.
 * max(abs(kaimingUniform([64, 256], { seed: 1, a: Math.sqrt(5) }))).item() <= 0.0625;   // returns true
 * ```
 */
export function kaimingUniform(shape: readonly number[], options: KaimingUniformOptions = {}): Tensor {
  const op = 'kaimingUniform';
  checkOptions(op, options);
  const { fanIn } = fans(op, shape);
  const { a = 0, dtype = 'float32', seed, rng } = options;
  checkScale(op, 'a', a);
  // Nothing to draw when the shape is empty (fan_in may then be 0, an infinite bound), or when a
  // slope so steep that a² overflows makes the bound 0.
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = fanIn === 0 ? 0 : gain * Math.sqrt(3 / fanIn);
  if (sizeOf(shape) === 0 || bound === 0) return zeros(shape, dtype);
  return uniform(shape, { low: -bound, high: bound, dtype, seed, rng });
}
