/**
 * Random numbers: one small seeded generator, `Rng`, and the random tensors made with it
 * (`uniform`, `normal`, `bernoulli`).
 *
 * **The generator** is xoshiro128** (Blackman and Vigna, 2018): four 32-bit words of state
 * s₀ s₁ s₂ s₃, and per draw
 *
 *     output = rotl(s₁ · 5, 7) · 9                      (mod 2³²)
 *     t = s₁ << 9
 *     s₂ ^= s₀;  s₃ ^= s₁;  s₁ ^= s₂;  s₀ ^= s₃;  s₂ ^= t;  s₃ = rotl(s₃, 11)
 *
 * Everything is 32-bit integer arithmetic (`Math.imul`, shifts, `>>> 0`), which JavaScript
 * defines exactly, so one seed gives the same numbers bit for bit in Node and in every browser.
 * The period is 2¹²⁸ − 1 and it passes the BigCrush statistical tests.
 *
 * **Why the seed is scrambled.** Seeds people type are small and close together: 0, 1, 2, 42.
 * Put straight into the state, seed 1 is the words (1, 0, 0, 0): almost every bit zero, and the
 * first outputs depend on the seed in a simple way (with s₁ = 0, the first output is 0 for every
 * seed). A linear generator like xoshiro needs many steps to mix such a state, so runs with
 * seeds 0, 1, 2, … would start out correlated. The seed is therefore first passed through
 * splitmix64 (Steele, Lea and Flood, 2014), a 64-bit mixer whose outputs look independent even
 * for consecutive inputs:
 *
 *     x += 0x9E3779B97F4A7C15;  z = x
 *     z = (z ^ (z >> 30)) · 0xBF58476D1CE4E5B9
 *     z = (z ^ (z >> 27)) · 0x94D049BB133111EB
 *     output = z ^ (z >> 31)                            (all mod 2⁶⁴)
 *
 * Two splitmix64 outputs, each split into its low and high 32-bit halves, give s₀ s₁ s₂ s₃. The
 * mixer is a bijection and its two inputs differ, so at most one output is 0 and the state is
 * never all zero (the one state xoshiro must avoid). This is the seeding Vigna recommends.
 * BigInt is used here, once per seed, and never in the draws.
 *
 * **From bits to numbers**, for a draw u₃₂ ∈ {0, …, 2³² − 1}:
 *
 * - `nextFloat()`  = ⌊u₃₂ / 2⁸⌋ · 2⁻²⁴ ∈ [0, 1): 24 bits, every value exact in float32;
 * - `nextDouble()` = (⌊a / 2⁵⌋ · 2²⁶ + ⌊b / 2⁶⌋) · 2⁻⁵³ ∈ [0, 1) from two draws a, b: 53 bits;
 * - `normal()`: Box–Muller on two draws a, b,
 *   r = √(−2 ln u₁) with u₁ = (a + 1) · 2⁻³² ∈ (0, 1], θ = 2π · b · 2⁻³²,
 *   giving the pair r·cos θ, r·sin θ of independent N(0, 1) numbers (the second is kept for the
 *   next call). u₁ has 32 bits, so |z| ≤ √(64 ln 2) ≈ 6.66: tails beyond that (probability
 *   about 3·10⁻¹¹) are never drawn.
 * - bernoulli(p): 1 when u₃₂ < p · 2³², else 0.
 *
 * **How reproducible is `normal`?** Uniform and Bernoulli draws are exact IEEE arithmetic and
 * agree bit for bit everywhere. Normal draws also call `Math.log`, `Math.cos` and `Math.sin`,
 * which ECMAScript lets each engine approximate in its own way. V8 (Node, Chrome, Edge) uses a
 * port of fdlibm for them, so Node and Chrome agree exactly; another engine may differ in the
 * last bit of some normal draws. (`Math.sqrt` is correctly rounded everywhere.)
 *
 * **Speed.** The tensor functions fill a typed array in one loop with the generator written out
 * inline, its state held in local variables: no method call per element. The plain versions
 * (`uniformReference`, …), one `Rng` method call per element, are what the fast ones are tested
 * against, and produce the very same numbers.
 *
 * **Without a seed** the tensor functions draw from a module-level generator seeded with 0, so
 * a program is reproducible by default; `manualSeed(seed)` reseeds it (like `torch.manual_seed`).
 *
 * @module
 */
import { type DType, type TypedArray, allocate, isDType } from './dtype.js';
import { fail } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** 2⁻²⁴, 2⁻³² and 2⁻⁵³: exact powers of two, so multiplying by them is exact. */
const TWO_POW_M24 = 1 / 16777216;
const TWO_POW_M32 = 1 / 4294967296;
const TWO_POW_M53 = 1 / 9007199254740992;
const TWO_POW_26 = 67108864;
const TWO_POW_32 = 4294967296;
/** 2π / 2³², turning a 32-bit draw into an angle in [0, 2π). */
const ANGLE_PER_STEP = (2 * Math.PI) / TWO_POW_32;

/** The state of an {@link Rng} as plain data: safe to `JSON.stringify`, e.g. in a checkpoint. */
export interface RngState {
  /** Always `'xoshiro128**'`; checked by `setState` so that states of other generators are refused. */
  readonly algorithm: 'xoshiro128**';
  /** The four state words s₀ s₁ s₂ s₃, each a whole number in [0, 2³²), not all zero. */
  readonly words: readonly [number, number, number, number];
  /** The second normal of the last Box–Muller pair, not yet returned; `null` when there is none. */
  readonly spareNormal: number | null;
}

/**
 * A seeded xoshiro128** generator (see the module notes).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.nextFloat();                        // a number in [0, 1), the same on every run
 * const saved = rng.getState();
 * const a = rng.nextUint32();
 * rng.setState(saved);
 * rng.nextUint32() === a;                 // returns true
 * ```
 */
export class Rng {
  // The state words, kept as int32 (what `|`, `^` and `<<` produce); `>>> 0` reads them unsigned.
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /**
   * A generator whose state is splitmix64 of `seed`.
   *
   * @param seed - a whole number (a safe integer; negative seeds are taken modulo 2⁶⁴). Default 0.
   */
  constructor(seed = 0) {
    checkSeed('Rng', seed);
    [this.s0, this.s1, this.s2, this.s3] = splitmix64Words(BigInt(seed));
  }

  /** A generator that continues from a saved {@link RngState}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The next 32 random bits, as a whole number in [0, 2³²). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    const scrambled = Math.imul(s1, 5);
    const output = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return output;
  }

  /** A uniform number in [0, 1) with 24 random bits: exactly representable in float32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) * TWO_POW_M24;
  }

  /** A uniform number in [0, 1) with 53 random bits (every double of the form k·2⁻⁵³), from two draws. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * TWO_POW_26 + low) * TWO_POW_M53;
  }

  /** A standard normal number, N(0, 1), by Box–Muller; draws come in pairs, the second is kept for the next call. */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log((this.nextUint32() + 1) * TWO_POW_M32));
    const angle = this.nextUint32() * ANGLE_PER_STEP;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** The full state as plain data; `setState` (or `Rng.fromState`) resumes the stream exactly there. */
  getState(): RngState {
    return {
      algorithm: 'xoshiro128**',
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  /** Restores a state from `getState()`; the numbers that follow are the ones that followed then. */
  setState(state: RngState): void {
    const op = 'Rng.setState';
    if (typeof state !== 'object' || state === null) fail(op, `expected a state object from getState(), got ${String(state)}`);
    if (state.algorithm !== 'xoshiro128**') fail(op, `expected algorithm 'xoshiro128**', got ${String(state.algorithm)}`);
    const words = state.words;
    if (!Array.isArray(words) || words.length !== 4) fail(op, `expected 4 state words, got ${String(words)}`);
    for (const word of words) {
      if (!Number.isInteger(word) || word < 0 || word >= TWO_POW_32) {
        fail(op, `state words must be whole numbers in [0, 2^32), got [${words.join(',')}]`);
      }
    }
    if (words.every((word) => word === 0)) fail(op, 'the all-zero state is not allowed (xoshiro would output 0 forever)');
    const spare = state.spareNormal;
    if (spare !== null && !Number.isFinite(spare)) fail(op, `spareNormal must be a finite number or null, got ${String(spare)}`);
    this.s0 = words[0] | 0;
    this.s1 = words[1] | 0;
    this.s2 = words[2] | 0;
    this.s3 = words[3] | 0;
    this.spareNormal = spare;
  }

  /**
   * A new generator seeded from this one (64 bits drawn here, then splitmix64), for a part of a
   * program that should have its own stream: it advances this generator by two draws, and the
   * child's numbers do not depend on how many the parent draws afterwards.
   */
  fork(): Rng {
    const seed = (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
    const child = new Rng(0);
    [child.s0, child.s1, child.s2, child.s3] = splitmix64Words(seed);
    return child;
  }

  /**
   * Fills `out` with uniform numbers in [low, high), as `uniform()` does: float32 arrays use one
   * 24-bit draw per element, float64 arrays a 53-bit draw (two draws). The bounds are first rounded
   * to the array's type; a value that rounds up to `high` is replaced by the largest number below it.
   */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): void {
    checkFloatArray('Rng.fillUniform', out);
    const bounds = uniformBounds('Rng.fillUniform', low, high, out instanceof Float32Array ? 'float32' : 'float64');
    if (out instanceof Float32Array) this.fillUniformFloat32(out, bounds);
    else this.fillUniformFloat64(out, bounds);
  }

  /** Fills `out` with normal numbers N(mean, std²), as `normal()` does; equal to `mean + std · rng.normal()` per element. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    checkFloatArray('Rng.fillNormal', out);
    checkNormalParameters('Rng.fillNormal', mean, std);
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spareNormal !== null) {
      out[i++] = mean + std * this.spareNormal;
      this.spareNormal = null;
    }
    // Each pass draws two words (a, then b) and writes two normals. The generator step is written
    // out twice, exactly as in nextUint32.
    while (i < n) {
      let scrambled = Math.imul(s1, 5);
      const a = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);

      scrambled = Math.imul(s1, 5);
      const b = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);

      const radius = Math.sqrt(-2 * Math.log((a + 1) * TWO_POW_M32));
      const angle = b * ANGLE_PER_STEP;
      out[i++] = mean + std * (radius * Math.cos(angle));
      if (i < n) out[i++] = mean + std * (radius * Math.sin(angle));
      else this.spareNormal = radius * Math.sin(angle);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Fills `out` with 1 (probability `p`) or 0, as `bernoulli()` does: 1 when a 32-bit draw is below p·2³². */
  fillBernoulli(out: TypedArray, p: number): void {
    if (!(out instanceof Float32Array || out instanceof Float64Array || out instanceof Int32Array)) {
      fail('Rng.fillBernoulli', 'out must be a Float32Array, Float64Array or Int32Array');
    }
    checkProbability('Rng.fillBernoulli', p);
    const threshold = p * TWO_POW_32;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const scrambled = Math.imul(s1, 5);
      const draw = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // +(true) is 1: a branch-free 0/1 (`? 1 : 0` mispredicts about half the time at p = 1/2, ~4× slower).
      out[i] = +(draw < threshold);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  // The two uniform loops are separate so that each writes to one kind of typed array only.
  // Storing into the array rounds to the dtype. Only in ranges where the largest draw can round up
  // to `high` (bounds.canReachHigh) does a second pass pull those values back below it; keeping
  // that test out of the generator loop makes the common case about twice as fast.
  private fillUniformFloat32(out: Float32Array, { low, span, high, belowHigh, canReachHigh }: UniformBounds): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const scrambled = Math.imul(s1, 5);
      const draw = Math.imul((scrambled << 7) | (scrambled >>> 25), 9); // as int32; >>> 8 below reads it unsigned
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = low + span * ((draw >>> 8) * TWO_POW_M24);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    if (canReachHigh) for (let i = 0; i < out.length; i++) if (out[i] >= high) out[i] = belowHigh;
  }

  private fillUniformFloat64(out: Float64Array, { low, span, high, belowHigh, canReachHigh }: UniformBounds): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      let scrambled = Math.imul(s1, 5);
      const drawHigh = Math.imul((scrambled << 7) | (scrambled >>> 25), 9);
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);

      scrambled = Math.imul(s1, 5);
      const drawLow = Math.imul((scrambled << 7) | (scrambled >>> 25), 9);
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);

      out[i] = low + span * (((drawHigh >>> 5) * TWO_POW_26 + (drawLow >>> 6)) * TWO_POW_M53);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    if (canReachHigh) for (let i = 0; i < out.length; i++) if (out[i] >= high) out[i] = belowHigh;
  }
}

/** splitmix64 run twice from `seed`; the two 64-bit outputs as four 32-bit words, low half first. */
function splitmix64Words(seed: bigint): [number, number, number, number] {
  let x = BigInt.asUintN(64, seed);
  const words: number[] = [];
  for (let k = 0; k < 2; k++) {
    x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    words.push(Number(z & 0xffffffffn) | 0, Number(z >> 32n) | 0);
  }
  return words as [number, number, number, number];
}

// ---------------------------------------------------------------------------------------------
// The default generator

const defaultRng = new Rng(0);

/**
 * Reseeds the generator that the random tensor functions use when given neither `seed` nor `rng`
 * (it starts seeded with 0). Like `torch.manual_seed`: the same seed replays the same numbers.
 *
 * @example
 * ```ts
 * manualSeed(7);
 * const a = uniform([3]);
 * manualSeed(7);
 * allClose(uniform([3]), a);   // returns true
 * ```
 */
export function manualSeed(seed: number): void {
  checkSeed('manualSeed', seed);
  defaultRng.setState(new Rng(seed).getState());
}

/** The generator behind the random tensor functions when no `seed` or `rng` is given. */
export function defaultGenerator(): Rng {
  return defaultRng;
}

// ---------------------------------------------------------------------------------------------
// Random tensors

/** Where the random numbers come from: a fresh `seed`, an `rng` to draw from (and advance), or neither (the default generator). */
export interface RandomSource {
  /** Draw from a new generator seeded with this whole number. */
  seed?: number;
  /** Draw from this generator, advancing it. Give `seed` or `rng`, not both. */
  rng?: Rng;
}

/** Options of {@link uniform}. */
export interface UniformOptions extends RandomSource {
  /** The lower bound, included (default 0). */
  low?: number;
  /** The upper bound, excluded (default 1). */
  high?: number;
  /** `float32` (default) or `float64`. */
  dtype?: DType;
}

/** Options of {@link normal}. */
export interface NormalOptions extends RandomSource {
  /** The mean (default 0). */
  mean?: number;
  /** The standard deviation, ≥ 0 (default 1). */
  std?: number;
  /** `float32` (default) or `float64`. */
  dtype?: DType;
}

/** Options of {@link bernoulli}. */
export interface BernoulliOptions extends RandomSource {
  /** `float32` (default), `float64` or `int32`. */
  dtype?: DType;
}

/**
 * A tensor of uniform numbers in [low, high).
 *
 * With float32 each element uses 24 random bits, with float64 53. The bounds are first rounded
 * to the dtype, and the result never reaches `high`.
 *
 * @example
 * ```ts
 * uniform([2, 3], { seed: 1 });                      // values in [0, 1)
 * uniform([1000], { low: -1, high: 1, seed: 1 });    // values in [−1, 1)
 * ```
 */
export function uniform(shape: readonly number[], options: UniformOptions = {}): Tensor {
  const { out, checked, rng, bounds } = prepareUniform('uniform', shape, options);
  rng.fillUniform(out, bounds.low, bounds.high);
  return new Tensor(out, checked);
}

/** `uniform()` written plainly, one `rng.nextFloat()` / `rng.nextDouble()` call per element: the same numbers, slower. */
export function uniformReference(shape: readonly number[], options: UniformOptions = {}): Tensor {
  const { out, checked, rng, bounds } = prepareUniform('uniformReference', shape, options);
  const { low, span, high, belowHigh } = bounds;
  const isFloat32 = out instanceof Float32Array;
  for (let i = 0; i < out.length; i++) {
    // value = low + (high − low) · u, rounded to the dtype, kept below high.
    let value = isFloat32 ? Math.fround(low + span * rng.nextFloat()) : low + span * rng.nextDouble();
    if (value >= high) value = belowHigh;
    out[i] = value;
  }
  return new Tensor(out, checked);
}

/**
 * A tensor of normal numbers N(mean, std²), by Box–Muller (see the module notes).
 *
 * @example
 * ```ts
 * normal([4, 4], { std: 0.1, seed: 3 });
 * ```
 */
export function normal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { out, checked, rng, mean, std } = prepareNormal('normal', shape, options);
  rng.fillNormal(out, mean, std);
  return new Tensor(out, checked);
}

/** `normal()` written plainly, `mean + std · rng.normal()` per element: the same numbers, slower. */
export function normalReference(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { out, checked, rng, mean, std } = prepareNormal('normalReference', shape, options);
  for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.normal();
  return new Tensor(out, checked);
}

/**
 * A tensor of 0s and 1s, each 1 with probability `p` ∈ [0, 1], independently.
 *
 * @example
 * ```ts
 * bernoulli([8, 100], 0.05, { seed: 0 });   // a sparse 0/1 mask, about 5% ones
 * ```
 */
export function bernoulli(shape: readonly number[], p: number, options: BernoulliOptions = {}): Tensor {
  const { out, checked, rng } = prepareBernoulli('bernoulli', shape, p, options);
  rng.fillBernoulli(out, p);
  return new Tensor(out, checked);
}

/** `bernoulli()` written plainly, one `rng.nextUint32()` per element: the same numbers, slower. */
export function bernoulliReference(shape: readonly number[], p: number, options: BernoulliOptions = {}): Tensor {
  const { out, checked, rng } = prepareBernoulli('bernoulliReference', shape, p, options);
  // 1 when u < p, for u = draw / 2³² uniform in [0, 1).
  for (let i = 0; i < out.length; i++) out[i] = rng.nextUint32() < p * TWO_POW_32 ? 1 : 0;
  return new Tensor(out, checked);
}

// ---------------------------------------------------------------------------------------------
// Argument checks, shared by the fast and the reference versions

interface UniformBounds {
  /** The bounds rounded to the dtype. */
  low: number;
  high: number;
  /** high − low. */
  span: number;
  /** The largest number of the dtype below `high`: what a draw that rounds up to `high` becomes. */
  belowHigh: number;
  /** Whether the largest draw, low + span · (1 − 2⁻²⁴ or 2⁻⁵³), rounds up to `high` (never for [0, 1) or [−1, 1)). */
  canReachHigh: boolean;
}

function prepareUniform(op: string, shape: readonly number[], options: UniformOptions) {
  checkOptions(op, options);
  const { low = 0, high = 1, dtype = 'float32' } = options;
  const checked = checkShape(op, shape);
  checkRealDType(op, dtype);
  const bounds = uniformBounds(op, low, high, dtype);
  const rng = resolveRng(op, options);
  const out = allocate(dtype, sizeOf(checked)) as Float32Array | Float64Array;
  return { out, checked, rng, bounds };
}

function prepareNormal(op: string, shape: readonly number[], options: NormalOptions) {
  checkOptions(op, options);
  const { mean = 0, std = 1, dtype = 'float32' } = options;
  const checked = checkShape(op, shape);
  checkRealDType(op, dtype);
  checkNormalParameters(op, mean, std);
  const rng = resolveRng(op, options);
  const out = allocate(dtype, sizeOf(checked)) as Float32Array | Float64Array;
  return { out, checked, rng, mean, std };
}

function prepareBernoulli(op: string, shape: readonly number[], p: number, options: BernoulliOptions) {
  checkOptions(op, options);
  const { dtype = 'float32' } = options;
  const checked = checkShape(op, shape);
  if (!isDType(dtype)) fail(op, `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  checkProbability(op, p);
  const rng = resolveRng(op, options);
  const out = allocate(dtype, sizeOf(checked));
  return { out, checked, rng };
}

function checkOptions(op: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) fail(op, `options must be an object, got ${String(options)}`);
}

function checkSeed(op: string, seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    fail(op, `seed must be a whole number (a safe integer), got ${String(seed)}`);
  }
}

function checkRealDType(op: string, dtype: unknown): asserts dtype is 'float32' | 'float64' {
  if (dtype === 'float32' || dtype === 'float64') return;
  if (dtype === 'int32') fail(op, 'dtype int32 is not supported: the draws are real numbers; use float32 or float64');
  fail(op, `unknown dtype ${String(dtype)}; expected float32 or float64`);
}

/** The bounds rounded to the dtype, checked to be finite with low < high. */
function uniformBounds(op: string, low: number, high: number, dtype: 'float32' | 'float64'): UniformBounds {
  if (typeof low !== 'number' || !Number.isFinite(low)) fail(op, `low must be a finite number, got ${String(low)}`);
  if (typeof high !== 'number' || !Number.isFinite(high)) fail(op, `high must be a finite number, got ${String(high)}`);
  if (!(low < high)) fail(op, `low must be less than high, got low=${low}, high=${high}`);
  const roundedLow = dtype === 'float32' ? Math.fround(low) : low;
  const roundedHigh = dtype === 'float32' ? Math.fround(high) : high;
  if (!(roundedLow < roundedHigh)) {
    fail(op, `low=${low} and high=${high} round to the same ${dtype} ${roundedLow}; the range holds no ${dtype} number`);
  }
  if (!Number.isFinite(roundedLow) || !Number.isFinite(roundedHigh) || !Number.isFinite(roundedHigh - roundedLow)) {
    fail(op, `the range [${low}, ${high}) is too wide for ${dtype}`);
  }
  const span = roundedHigh - roundedLow;
  const belowHigh = dtype === 'float32' ? nextDownFloat32(roundedHigh) : nextDownFloat64(roundedHigh);
  // Rounding is monotone, so if the largest draw stays below high, every draw does.
  const largestDraw = dtype === 'float32' ? Math.fround(roundedLow + span * (1 - TWO_POW_M24)) : roundedLow + span * (1 - TWO_POW_M53);
  return { low: roundedLow, high: roundedHigh, span, belowHigh, canReachHigh: largestDraw >= roundedHigh };
}

function checkFloatArray(op: string, out: unknown): void {
  if (!(out instanceof Float32Array || out instanceof Float64Array)) fail(op, 'out must be a Float32Array or Float64Array');
}

function checkNormalParameters(op: string, mean: number, std: number): void {
  if (typeof mean !== 'number' || !Number.isFinite(mean)) fail(op, `mean must be a finite number, got ${String(mean)}`);
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
    fail(op, `std must be a finite number ≥ 0, got ${String(std)}`);
  }
}

function checkProbability(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(op, `p must be a probability in [0, 1], got ${String(p)}`);
}

function resolveRng(op: string, source: RandomSource): Rng {
  const { seed, rng } = source;
  if (seed !== undefined && rng !== undefined) fail(op, 'give either seed or rng, not both');
  if (rng !== undefined) {
    if (!(rng instanceof Rng)) fail(op, `rng must be an Rng, got ${String(rng)}`);
    return rng;
  }
  if (seed !== undefined) {
    checkSeed(op, seed);
    return new Rng(seed);
  }
  return defaultRng;
}

// The largest float below x, found by stepping the bit pattern (x is finite and not NaN).
const float32Bits = new Float32Array(1);
const float32AsInt = new Int32Array(float32Bits.buffer);
const float64Bits = new Float64Array(1);
const float64AsInt = new BigInt64Array(float64Bits.buffer);

function nextDownFloat32(x: number): number {
  if (x === 0) return -Math.pow(2, -149);
  float32Bits[0] = x;
  float32AsInt[0] += x > 0 ? -1 : 1;
  return float32Bits[0];
}

function nextDownFloat64(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  float64Bits[0] = x;
  float64AsInt[0] += x > 0 ? -1n : 1n;
  return float64Bits[0];
}
