/**
 * The dense draw of `generateFeatures` (data.ts) in WebAssembly: the xoshiro128** generator and
 * the keep-below mask in one pass, the same numbers as the JavaScript (`Rng.fillUniform`, then
 * `keepBelow`), from the same generator state, which it hands back.
 *
 *     for each entry:   d = next 32 random bits >>> 8        (24 bits, as Rng.nextFloat)
 *                       u = d · 2⁻²⁴                          (uniform in [0, 1), exact in float32)
 *                       out = d < T ? u/p : 0                 T = ⌈p·2²⁴⌉, so d < T ⇔ u < p
 *                       (signed values: 2u/p − 1 where kept)
 *
 * Shapes: out is one instance's block of the [instances, batch, features] batch, n float32.
 *
 * The generator step is xoshiro128**'s (Blackman & Vigna), written as random.ts writes it:
 *
 *     out = rotl(s₁·5, 7)·9;  t = s₁ << 9;  s₂ ^= s₀;  s₃ ^= s₁;  s₁ ^= s₂;  s₀ ^= s₃;  s₂ ^= t;  s₃ = rotl(s₃, 11)
 *
 * Not SIMD: each draw needs the state the last one left, so the lanes would have to be four
 * generators, and the numbers would change. WebAssembly still pays because its i32 arithmetic is
 * plain machine arithmetic, where JavaScript's `Math.imul` and `>>>` pass through float64 and
 * checks (measured: the n = 100 toy model's data took about a fifth of its training step).
 * A property test holds the two paths equal, values and the generator's state after.
 *
 * @module
 */
import type { Rng } from '../tensor/random.js';
import { KernelArena, layoutRegions } from '../tensor/wasm/arena.js';
import { KernelSlot } from '../tensor/wasm/backend.js';
import { FunctionBuilder, ModuleBuilder } from '../tensor/wasm/emitter.js';

const TWO_POW_24 = 2 ** 24;

/**
 * `uniformKept(out, n, state, threshold, scale, signed)`: n entries as in the module notes into
 * float32 at byte address out; the four state words are read from and written back to `state`.
 * `scale` = 1/p; `signed` ≠ 0 for 2u/p − 1.
 */
function emitUniformKept(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'f64', 'i32']);
  const [out, n, state, threshold] = [0, 1, 2, 3].map((i) => fn.param(i, 'i32'));
  const scale = fn.param(4, 'f64');
  const signed = fn.param(5, 'i32');
  const [s0, s1, s2, s3, t, d, end] = Array.from({ length: 7 }, () => fn.local('i32'));
  const value = fn.local('f64');
  [s0, s1, s2, s3].forEach((word, k) => fn.localGet(state).i32Load(4 * k).localSet(word));
  fn.localGet(out).localGet(n).i32Const(4).i32Mul().i32Add().localSet(end);
  fn.block(() => {
    fn.loop(() => {
      fn.localGet(out).localGet(end).i32GeU().brIf(1);
      // d = (rotl(s₁·5, 7)·9) >>> 8
      fn.localGet(s1).i32Const(5).i32Mul().i32Const(7).i32Rotl().i32Const(9).i32Mul().i32Const(8).i32ShrU().localSet(d);
      // the state step
      fn.localGet(s1).i32Const(9).i32Shl().localSet(t);
      fn.localGet(s2).localGet(s0).i32Xor().localSet(s2);
      fn.localGet(s3).localGet(s1).i32Xor().localSet(s3);
      fn.localGet(s1).localGet(s2).i32Xor().localSet(s1);
      fn.localGet(s0).localGet(s3).i32Xor().localSet(s0);
      fn.localGet(s2).localGet(t).i32Xor().localSet(s2);
      fn.localGet(s3).i32Const(11).i32Rotl().localSet(s3);
      // value = u/p, or 2u/p − 1 when signed (as keepBelow: ((2·u)·scale) − 1)
      fn.localGet(d).f64ConvertI32U().f64Const(1 / TWO_POW_24).f64Mul().localSet(value);
      fn.localGet(signed).if(() => {
        fn.f64Const(2).localGet(value).f64Mul().localGet(scale).f64Mul().f64Const(1).f64Sub().localSet(value);
      }, () => {
        fn.localGet(value).localGet(scale).f64Mul().localSet(value);
      });
      // out = value · [d < T] + 0, as keepBelow multiplies: a mask, not a branch (or a select, which
      // the engine compiled to one: 9–11 against 4.4–6.7 ns per draw at p = ½, where it guesses
      // wrong half the time).
      fn.localGet(out).localGet(value).localGet(d).localGet(threshold).i32LtU().f64ConvertI32U().f64Mul();
      fn.f64Const(0).f64Add().f32DemoteF64().f32Store();
      fn.localGet(out).i32Const(4).i32Add().localSet(out);
      fn.br(0);
    });
  });
  [s0, s1, s2, s3].forEach((word, k) => fn.localGet(state).localGet(word).i32Store(4 * k));
  return fn;
}

/** The module's bytes: `uniformKept` and one memory. */
export function emitFeaturesModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  module.addFunction('uniformKept', emitUniformKept());
  module.addMemory(1);
  return module.bytes();
}

interface FeaturesExports {
  memory: WebAssembly.Memory;
  uniformKept(out: number, n: number, state: number, threshold: number, scale: number, signed: number): void;
}

/** Runs the kernel for one block: the generator's state in, the block and the state out. */
export class FeaturesWasm {
  private readonly arena = new KernelArena<FeaturesExports>(emitFeaturesModule());

  /** Fills `block` as `fillUniform` + `keepBelow(block, p, signed)` would, drawing from `rng`. */
  fillKept(block: Float32Array, p: number, signed: boolean, rng: Rng): void {
    const [stateAt, outAt, end] = layoutRegions([16, 4 * block.length]);
    this.arena.reserve(end);
    const { f32, u32, exports } = this.arena;
    const before = rng.getState();
    const state = stateAt / 4;
    u32.set(before.words, state);
    exports.uniformKept(outAt, block.length, stateAt, Math.ceil(p * TWO_POW_24), 1 / p, signed ? 1 : 0);
    block.set(f32.subarray(outAt / 4, outAt / 4 + block.length));
    rng.setState({ algorithm: 'xoshiro128**', words: [u32[state], u32[state + 1], u32[state + 2], u32[state + 3]], spareNormal: before.spareNormal });
  }
}

/**
 * Entries below which `'auto'` runs the JavaScript loops. Measured with `npx tsx
 * bench/thresholds.ts features` (2026-12-06, the project's Intel Xeon): a block of 1024 features
 * took 8.1 µs against 14.9, and of 16 1.7 against 1.1. The crossover sits between 256 and 1024
 * entries and moves with the machine's noise; from 1024 WebAssembly won in every run.
 */
export const FEATURES_WASM_MIN_ENTRIES = 1024;

const SLOT = new KernelSlot(() => new FeaturesWasm(), FEATURES_WASM_MIN_ENTRIES);

/**
 * The kernel when the kernel backend allows it for a block of `entries` entries, else null (run
 * the JavaScript loops); see `KernelSlot`.
 */
export function featuresWasmFor(entries: number): FeaturesWasm | null {
  return SLOT.for(entries);
}
