/**
 * Float32 arithmetic over long packed arrays in WebAssembly SIMD, four lanes at a time:
 *
 *     out[i] = a[i] ∘ b[i]        ∘ ∈ {+, −, ×, ÷}
 *
 * the same-shape path of the elementwise ops `add`, `sub`, `mul` and `div` for float32 tensors,
 * and the engine's accumulation of a leaf's gradient (grad ← grad + dx); and ReLU and its
 * backward, `relu` and `reluBackward`, as a compare and a mask. Shapes: a, b, out hold n float32
 * each.
 *
 * The same bits as the JavaScript loops. Those read float32, compute in float64 and round once
 * when they store; for +, −, × and ÷ of two float32 numbers that is the correctly rounded float32
 * result (float64 carries more than twice float32's 24 bits, so rounding twice cannot differ from
 * rounding once), which is what `f32x4.add` and its siblings compute. A property test holds each
 * op equal to its loop, including ±0, NaN and ±∞.
 *
 * Why: these loops are bound by memory in principle, but a JavaScript loop over a Float32Array
 * converts every element to float64 and checks every index; measured on [1024, 512] (the SAE's
 * latents, whose two gradients the engine adds), the JavaScript add took 1.3–3 ms and the copies
 * in and out of the module's memory plus the kernel about half that (the two's shares of the
 * 64 → 512 SAE step, `npx tsx bench/profile.ts sae64`, before and after).
 *
 * @module
 */
import { KernelArena, layoutRegions } from './arena.js';
import { KernelSlot } from './backend.js';
import { FunctionBuilder, ModuleBuilder } from './emitter.js';

/**
 * The ops with float32 lane instructions that give the JavaScript loop's bits: the four
 * arithmetic ops, and ReLU's backward, reluBackward(dy, x) = x ≤ 0 ? 0 : dy (NaN in x passes dy),
 * a compare and an and-not. ReLU itself is reluBackward(x, x): x where x > 0 or NaN, else +0.
 */
export type StreamOp = 'add' | 'sub' | 'mul' | 'div' | 'reluBackward';

const STREAM_OPS: readonly StreamOp[] = ['add', 'sub', 'mul', 'div', 'reluBackward'];

/** `op(a, b, out, n)`: out[i] = a[i] ∘ b[i] for i < n, byte addresses; four lanes, then one at a time. */
function emitStream(op: StreamOp): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [a, b, out, n] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const i = fn.local('i32');
  const quadsEnd = fn.local('i32');
  const y = fn.local('v128');
  const ys = fn.local('f32');
  const xs = fn.local('f32');
  // reluBackward: with dy then x on the stack, keep dy where x > 0 or NaN (x ≤ 0 is false there).
  const reluBackwardLanes = () => fn.localSet(y).localGet(y).f32Const(0).f32x4Splat().f32x4Le().v128AndNot();
  const reluBackwardScalar = () => {
    fn.localSet(xs).localSet(ys);
    fn.f32Const(0).localGet(ys).localGet(xs).f32Const(0).f32Le().select();
  };
  const lanes = {
    add: () => fn.f32x4Add(), sub: () => fn.f32x4Sub(), mul: () => fn.f32x4Mul(), div: () => fn.f32x4Div(), reluBackward: reluBackwardLanes,
  }[op];
  const scalar = {
    add: () => fn.f32Add(), sub: () => fn.f32Sub(), mul: () => fn.f32Mul(), div: () => fn.f32Div(), reluBackward: reluBackwardScalar,
  }[op];
  /** Pushes `base + 4·i`. */
  const at = (base: typeof a) => fn.localGet(base).localGet(i).i32Const(4).i32Mul().i32Add();
  fn.localGet(n).i32Const(-4).i32And().localSet(quadsEnd);
  fn.forRange(i, 0, quadsEnd, 4, () => {
    at(out); at(a).v128Load(); at(b).v128Load(); lanes(); fn.v128Store();
  });
  fn.forRange(i, quadsEnd, n, 1, () => {
    at(out); at(a).f32Load(); at(b).f32Load(); scalar(); fn.f32Store();
  });
  return fn;
}

/** The module's bytes: one function per op, named after it, and one memory. */
export function emitStreamsModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  for (const op of STREAM_OPS) module.addFunction(op, emitStream(op));
  module.addMemory(1);
  return module.bytes();
}

type StreamExports = { memory: WebAssembly.Memory } & Record<StreamOp, (a: number, b: number, out: number, n: number) => void>;

/** Runs the streams on JavaScript arrays: copies a and b in, runs the op, copies out back. */
export class Streams {
  private readonly arena = new KernelArena<StreamExports>(emitStreamsModule());

  /** out[i] = ReLU(A[ao + i]) for i < n: reluBackward(x, x), from one copy of x. */
  relu(A: Float32Array, ao: number, out: Float32Array, n: number): void {
    const [a, end] = layoutRegions([4 * n]);
    this.arena.reserve(end);
    const { f32, exports } = this.arena;
    f32.set(A.subarray(ao, ao + n), a / 4);
    exports.reluBackward(a, a, a, n);
    out.set(f32.subarray(a / 4, a / 4 + n));
  }

  /** out[oo + i] = A[ao + i] ∘ B[bo + i] for i < n (out may be A or B: it is written last). */
  binary(op: StreamOp, A: Float32Array, ao: number, B: Float32Array, bo: number, out: Float32Array, oo: number, n: number): void {
    const [a, b, end] = layoutRegions([4 * n, 4 * n]);
    this.arena.reserve(end);
    const { f32, exports } = this.arena;
    f32.set(A.subarray(ao, ao + n), a / 4);
    f32.set(B.subarray(bo, bo + n), b / 4);
    exports[op](a, b, a, n); // in place over a's copy
    out.set(f32.subarray(a / 4, a / 4 + n), oo);
  }
}

/**
 * Entries below which `'auto'` runs the JavaScript loops. Measured with `npx tsx
 * bench/thresholds.ts add,relu` (2026-12-06, the project's Intel Xeon): at 1024 entries an add
 * took 2.6 µs against 6.2 in JavaScript and a ReLU 3.4 against 9.7; at 16–64 entries the copies in
 * and out and the call cost more than the loop (an add of 16: 0.6 against 0.1 µs). The crossover
 * sits between 256 and 1024 entries and moves with the machine's noise; from 1024 WebAssembly won
 * in every run.
 */
export const STREAMS_MIN_ENTRIES = 1024;

const SLOT = new KernelSlot(() => new Streams(), STREAMS_MIN_ENTRIES);

/**
 * The SIMD streams when the kernel backend allows them for `entries` entries, else null (run the
 * JavaScript loop); see `KernelSlot`. The caller checks that its arrays are float32.
 */
export function streamsFor(entries: number): Streams | null {
  return SLOT.for(entries);
}
