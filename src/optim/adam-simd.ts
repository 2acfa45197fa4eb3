/**
 * Adam's update in WebAssembly SIMD, emitted from TypeScript at load time, with the same bits as
 * the JavaScript loop in adam.ts (its reference):
 *
 *     g ← g + λ₂·θ                      (Adam's L2 term; λ₂ = 0 for AdamW)
 *     m ← β₁·m + (1 − β₁)·g             stored, so rounded to θ's dtype
 *     v ← β₂·v + (1 − β₂)·g·g           stored, so rounded
 *     θ ← θ·s − η̂·m / (√v / c₂ + ε)     s = 1 − ηλ for AdamW, else 1;  η̂ = η / (1 − β₁ᵗ);  c₂ = √(1 − β₂ᵗ)
 *
 * Shapes: θ, g, m, v are float32 arrays of one parameter's size n.
 *
 * The JavaScript loop reads float32, computes in float64 and rounds at each store; so does the
 * kernel, two entries at a time in float64 lanes (`f64x2`), then one when n is odd. Each
 * operation is IEEE-754's, correctly rounded, in the loop's order, and a rounded m and v are read
 * back before θ's step, as the loop reads them from their arrays: a property test holds the two
 * equal bit for bit.
 *
 * Why: an SAE's decoder and encoder have 2 × 512 × 4096 parameters, and the update is a square
 * root and a division for each; in JavaScript it took 10–17% of the 512 → 4096 training step.
 *
 * @module
 */
import { KernelArena, layoutRegions } from '../tensor/wasm/arena.js';
import { kernelAllowed } from '../tensor/wasm/backend.js';
import { FunctionBuilder, type Local, ModuleBuilder } from '../tensor/wasm/emitter.js';

/** The update's constants for one step, as adam.ts computes them. */
export interface AdamConstants {
  shrink: number;
  l2: number;
  beta1: number;
  beta2: number;
  stepSize: number;
  correction2Sqrt: number;
  eps: number;
}

/**
 * `adam(theta, g, m, v, n, shrink, l2, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize,
 * correction2Sqrt, eps)`: the update above over n float32 entries at byte addresses theta, g, m,
 * v, in place in θ, m and v.
 */
function emitAdam(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64']);
  const [theta, g, m, v, n] = [0, 1, 2, 3, 4].map((i) => fn.param(i, 'i32'));
  const constants = [5, 6, 7, 8, 9, 10, 11, 12, 13].map((i) => fn.param(i, 'f64'));
  const [shrink, l2, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, correction2Sqrt, eps] = constants;
  // Each constant copied into both lanes, once.
  const lanes = constants.map((c) => {
    const local = fn.local('v128');
    fn.localGet(c).f64x2Splat().localSet(local);
    return local;
  });
  const [shrink2, l22, beta12, oneMinusBeta12, beta22, oneMinusBeta22, stepSize2, correction2Sqrt2, eps2] = lanes;
  const i = fn.local('i32');
  const pairsEnd = fn.local('i32');
  const t = fn.local('v128');
  const grad = fn.local('v128');
  const mr = fn.local('v128');
  const vr = fn.local('v128');
  const ts = fn.local('f64');
  const gs = fn.local('f64');
  const ms = fn.local('f64');
  const vs = fn.local('f64');

  /** Pushes the float32 pair at `address` as two float64 lanes. */
  const loadPair = (address: Local<'i32'>) => fn.localGet(address).v128Load64Zero().f64x2PromoteLow();

  fn.localGet(n).i32Const(-2).i32And().localSet(pairsEnd);
  fn.forRange(i, 0, pairsEnd, 2, () => {
    loadPair(theta).localSet(t);
    // grad = g + λ₂·θ
    loadPair(g).localGet(l22).localGet(t).f64x2Mul().f64x2Add().localSet(grad);
    // m ← β₁·m + (1 − β₁)·grad, rounded; mr = the rounded value, as the loop reads it back
    fn.localGet(m);
    fn.localGet(beta12); loadPair(m); fn.f64x2Mul().localGet(oneMinusBeta12).localGet(grad).f64x2Mul().f64x2Add();
    fn.f32x4DemoteZero().localTee(mr).v128Store64Low();
    fn.localGet(mr).f64x2PromoteLow().localSet(mr);
    // v ← β₂·v + ((1 − β₂)·grad)·grad, rounded; vr likewise
    fn.localGet(v);
    fn.localGet(beta22); loadPair(v); fn.f64x2Mul().localGet(oneMinusBeta22).localGet(grad).f64x2Mul().localGet(grad).f64x2Mul().f64x2Add();
    fn.f32x4DemoteZero().localTee(vr).v128Store64Low();
    fn.localGet(vr).f64x2PromoteLow().localSet(vr);
    // θ ← θ·s − (η̂·mr) / (√vr / c₂ + ε)
    fn.localGet(theta);
    fn.localGet(t).localGet(shrink2).f64x2Mul();
    fn.localGet(stepSize2).localGet(mr).f64x2Mul();
    fn.localGet(vr).f64x2Sqrt().localGet(correction2Sqrt2).f64x2Div().localGet(eps2).f64x2Add();
    fn.f64x2Div().f64x2Sub().f32x4DemoteZero().v128Store64Low();
    for (const p of [theta, g, m, v]) fn.localGet(p).i32Const(8).i32Add().localSet(p);
  });
  // The odd entry out, the same steps in one lane.
  fn.localGet(pairsEnd).localGet(n).i32LtS().if(() => {
    fn.localGet(theta).f32Load().f64PromoteF32().localSet(ts);
    fn.localGet(g).f32Load().f64PromoteF32().localGet(l2).localGet(ts).f64Mul().f64Add().localSet(gs);
    fn.localGet(beta1).localGet(m).f32Load().f64PromoteF32().f64Mul().localGet(oneMinusBeta1).localGet(gs).f64Mul().f64Add();
    fn.f32DemoteF64().f64PromoteF32().localSet(ms);
    fn.localGet(m).localGet(ms).f32DemoteF64().f32Store();
    fn.localGet(beta2).localGet(v).f32Load().f64PromoteF32().f64Mul();
    fn.localGet(oneMinusBeta2).localGet(gs).f64Mul().localGet(gs).f64Mul().f64Add();
    fn.f32DemoteF64().f64PromoteF32().localSet(vs);
    fn.localGet(v).localGet(vs).f32DemoteF64().f32Store();
    fn.localGet(theta);
    fn.localGet(ts).localGet(shrink).f64Mul();
    fn.localGet(stepSize).localGet(ms).f64Mul();
    fn.localGet(vs).f64Sqrt().localGet(correction2Sqrt).f64Div().localGet(eps).f64Add();
    fn.f64Div().f64Sub().f32DemoteF64().f32Store();
  });
  return fn;
}

/** The module's bytes: `adam` and one memory, exported as `memory`. */
export function emitAdamModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  module.addFunction('adam', emitAdam());
  module.addMemory(1);
  return module.bytes();
}

interface AdamExports {
  memory: WebAssembly.Memory;
  adam(theta: number, g: number, m: number, v: number, n: number, shrink: number, l2: number, beta1: number,
    oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, stepSize: number, correction2Sqrt: number, eps: number): void;
}

/**
 * Adam's float32 moments, living in one WebAssembly memory that is sized once and never grows,
 * so that plain Float32Array views of it stay valid for the optimizer's life. The optimizer's
 * buffers are these views: its JavaScript loop, its checkpoints and `resetState` use them as any
 * array, and the kernel updates them where they lie. Only θ and g are copied in, and θ out.
 *
 * (Copying the moments in and out as well took about as long as the update itself: 2 × 4096 × 512
 * parameters are 34 MB of moments, four copies of which went through the memory every step.)
 *
 * Layout: m₀ v₀ m₁ v₁ … for the parameters given, then two scratch regions for θ and g, as long as
 * the largest of them.
 */
export class AdamSimd {
  private readonly arena = new KernelArena<AdamExports>(emitAdamModule());
  /** Each parameter's entry count (0: not held here), and the byte addresses of its m and v (−1 then). */
  private readonly sizes: readonly number[];
  private readonly mAt: number[];
  private readonly vAt: number[];
  private readonly thetaAt: number;
  private readonly gAt: number;

  /**
   * @param sizes - each parameter's entry count, or 0 for one whose moments stay in JavaScript.
   * @throws RangeError when the memory cannot grow that far (the caller keeps its own buffers).
   */
  constructor(sizes: readonly number[]) {
    this.sizes = sizes.slice();
    const largest = Math.max(0, ...sizes);
    const regions = layoutRegions([...sizes.flatMap((n) => [4 * n, 4 * n]), 4 * largest, 4 * largest]);
    this.mAt = sizes.map((n, p) => (n > 0 ? regions[2 * p] : -1));
    this.vAt = sizes.map((n, p) => (n > 0 ? regions[2 * p + 1] : -1));
    this.thetaAt = regions[2 * sizes.length];
    this.gAt = regions[2 * sizes.length + 1];
    this.arena.reserve(regions[regions.length - 1]);
  }

  /** Parameter p's moments [m, v] as views of the memory (zeros at first), or null if not held here. */
  moments(p: number): [Float32Array, Float32Array] | null {
    if (!this.holds(p)) return null;
    const n = this.sizes[p];
    const { f32 } = this.arena;
    return [f32.subarray(this.mAt[p] / 4, this.mAt[p] / 4 + n), f32.subarray(this.vAt[p] / 4, this.vAt[p] / 4 + n)];
  }

  /** Whether parameter p's moments are held here (so {@link AdamSimd.update} can run for it). */
  holds(p: number): boolean {
    return p < this.mAt.length && this.mAt[p] >= 0;
  }

  /** The update of parameter p in place: θ and g copied in, θ copied out, m and v where they lie. */
  update(p: number, theta: Float32Array, thetaOffset: number, g: Float32Array, gOffset: number, size: number, c: AdamConstants): void {
    const { f32, exports } = this.arena;
    f32.set(theta.subarray(thetaOffset, thetaOffset + size), this.thetaAt / 4);
    f32.set(g.subarray(gOffset, gOffset + size), this.gAt / 4);
    exports.adam(this.thetaAt, this.gAt, this.mAt[p], this.vAt[p], size, c.shrink, c.l2, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2,
      c.stepSize, c.correction2Sqrt, c.eps);
    theta.set(f32.subarray(this.thetaAt / 4, this.thetaAt / 4 + size), thetaOffset);
  }
}

/**
 * Entries below which `'auto'` runs the JavaScript loops. Measured with `npx tsx
 * bench/thresholds.ts adam` (2026-12-06, the project's Intel Xeon): an update of 1024 parameters
 * took 6.4 µs against 24.1, and WebAssembly was slower only at 16 (0.5 against 0.4 µs). The
 * crossover sits between 64 and 1024 entries and moves with the machine's noise; from 1024
 * WebAssembly won in every run.
 */
export const ADAM_SIMD_MIN_ENTRIES = 1024;

/**
 * Whether the kernel backend lets a parameter of `entries` entries be updated in WebAssembly:
 * not under `'js'` or where WebAssembly SIMD cannot run, and under `'auto'` from
 * {@link ADAM_SIMD_MIN_ENTRIES} entries (see `kernelAllowed`).
 */
export function adamSimdAllowed(entries: number): boolean {
  return kernelAllowed(entries, ADAM_SIMD_MIN_ENTRIES);
}
