/**
 * The fused training ops of fused.ts in WebAssembly SIMD, emitted from TypeScript at load time,
 * and rounded exactly as their JavaScript loops: the same numbers, bit for bit, so a model trains
 * along the same path whichever runs.
 *
 *     readoutLoss   Lₖ·run = Σ_{s,i} wₖᵢ (tₖₛᵢ − ReLU(zₖₛᵢ + bₖᵢ))²            float64, in order
 *     readoutGrad   ∂L/∂zₖₛᵢ = (cₖ wₖᵢ)(tₖₛᵢ − ReLU(v)) · [v > 0],  v = zₖₛᵢ + bₖᵢ
 *                   ∂L/∂bₖᵢ  = Σₛ ∂L/∂zₖₛᵢ                                    float64, two lanes
 *     linearLoss, linearGrad   the same with x′ = z + b (rounded to float32, as `add` stores it)
 *     shiftedRelu   yₖₛᵢ = ReLU((zₖₛᵢ − cₖᵢ) + bₖᵢ)                             float32, four lanes
 *     shiftedReluBackward   ∂L/∂z = dy · [y > 0],  Σ_batch ∂L/∂z               float32, sums in float64
 *
 * Shapes: z, t, y, dy [I, B, n] packed (instances, batch, features); b, c, w [I, n]; cₖ is the
 * loss's per-instance factor −2·dLₖ / (B·n).
 *
 * Why each keeps its lanes. The readout's JavaScript computes in float64 and rounds once when it
 * stores, so its kernels work in float64: two lanes (`f64x2`) for the gradient, where entries are
 * independent, and one at a time for the loss, whose sum must add its terms in the reference's
 * order. The shifted ReLU is float32 arithmetic (z − c is rounded, as the separate ops round it),
 * and a float32 add or subtract gives the same bits whether it runs in float32 or in float64 and
 * is rounded after, so it takes four lanes (`f32x4`). The batch sums of both backwards run in
 * float64, row after row, as the engine's `sum` does.
 *
 * Why WebAssembly at all: these loops are too simple for memory to bound them in JavaScript, where
 * each entry costs a bounds check, a float32 → float64 conversion and a branch; measured on the
 * toy model's [8, 1024, 100] read-out, the loss and its gradient took about half of a training
 * step. Here they cost about a copy in and a copy out of the module's memory.
 *
 * The driver {@link FusedSimd} copies the operands into the module's memory, runs a kernel and
 * copies the results out. The fused ops in fused.ts call it for float32 when the kernel backend
 * allows (`setMatmulBackend`: the `'js'` choice runs their JavaScript loops), and a property test
 * holds each kernel equal to its loop bit for bit.
 *
 * @module
 */
import type { TypedArray } from '../tensor/dtype.js';
import { KernelSlot } from '../tensor/wasm/backend.js';
import { KernelArena, layoutRegions as layout } from '../tensor/wasm/arena.js';
import { FunctionBuilder, type Local, ModuleBuilder } from '../tensor/wasm/emitter.js';

/**
 * Which read-out a loss kernel differentiates: `relu`, x′ = ReLU(z + b) computed in float64 (the
 * fused op's own loop); or `linear`, x′ = z + b as the separate `add` stores it, rounded to float32,
 * whose gradient the separate loss op stores rounded too, and sums rounded over the batch.
 */
type ReadOut = 'relu' | 'linear';

/**
 * The loops every kernel here walks its operands with, emitted once:
 *
 *     for k < I:  row = k·n·rowBytes;  start(k)
 *       for s < B:
 *         for i in steps of `lanes` while a whole step fits:  vector(at = row + i·rowBytes)
 *         for the rest of i, one at a time:                    scalar(at = row + i·rowBytes)
 *       end(k)
 *
 * `at` addresses feature i in the per-instance rows (b, c, w, db), whose entries are `rowBytes`
 * wide; the bodies walk their [I, B, n] operands themselves, with {@link advance}.
 */
interface RowWalk {
  instances: Local<'i32'>;
  batch: Local<'i32'>;
  features: Local<'i32'>;
  rowBytes: 4 | 8;
  lanes: 2 | 4;
  start?: (k: Local<'i32'>, row: Local<'i32'>) => void;
  end?: (k: Local<'i32'>) => void;
  vector: (at: Local<'i32'>) => void;
  scalar: (at: Local<'i32'>) => void;
}

function walkRows(fn: FunctionBuilder, walk: RowWalk): void {
  const k = fn.local('i32');
  const s = fn.local('i32');
  const i = fn.local('i32');
  const row = fn.local('i32');
  const vectorEnd = fn.local('i32'); // features rounded down to whole steps
  const at = fn.local('i32');
  const setAt = () => fn.localGet(row).localGet(i).i32Const(walk.rowBytes).i32Mul().i32Add().localSet(at);
  fn.localGet(walk.features).i32Const(-walk.lanes).i32And().localSet(vectorEnd);
  fn.forRange(k, 0, walk.instances, 1, () => {
    fn.localGet(k).localGet(walk.features).i32Mul().i32Const(walk.rowBytes).i32Mul().localSet(row);
    walk.start?.(k, row);
    fn.forRange(s, 0, walk.batch, 1, () => {
      fn.forRange(i, 0, vectorEnd, walk.lanes, () => { setAt(); walk.vector(at); });
      fn.forRange(i, vectorEnd, walk.features, 1, () => { setAt(); walk.scalar(at); });
    });
    walk.end?.(k);
  });
}

/** Zeroes instance k's float64 row of `db` (n entries from byte `row`). */
function zeroRow(fn: FunctionBuilder, db: Local<'i32'>, row: Local<'i32'>, features: Local<'i32'>): void {
  const i = fn.local('i32');
  fn.forRange(i, 0, features, 1, () => {
    fn.localGet(db).localGet(row).i32Add().localGet(i).i32Const(8).i32Mul().i32Add().f64Const(0).f64Store();
  });
}

/**
 * `readoutLoss(z, t, b, w, totals, instances, batch, features)`: for each instance k,
 * `totals[k] = Σ_{s,i} w (t − ReLU(z + b))²`, the terms added one at a time in the JavaScript
 * loop's order. The terms themselves are computed two features at a time, then one when n is
 * odd. z, t: float32 [I, B, n]; b, w, totals: float64 ([I, n], [I, n], [I]). Byte addresses.
 */
function emitReadoutLoss(readOut: ReadOut): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [z, t, b, w, totals, instances, batch, features] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const v = fn.local('v128');
  const term = fn.local('v128');
  const vs = fn.local('f64');
  const error = fn.local('f64');
  const total = fn.local('f64');
  walkRows(fn, {
    instances, batch, features, rowBytes: 8, lanes: 2,
    start: () => fn.f64Const(0).localSet(total),
    vector: (at) => {
      // v = z + b; term = (w · e) · e with e = t − out(v)
      fn.localGet(z).v128Load64Zero().f64x2PromoteLow().localGet(b).localGet(at).i32Add().v128Load().f64x2Add();
      if (readOut === 'linear') fn.f32x4DemoteZero().f64x2PromoteLow(); // the add's float32 result
      fn.localSet(v);
      fn.localGet(w).localGet(at).i32Add().v128Load();
      fn.localGet(t).v128Load64Zero().f64x2PromoteLow();
      if (readOut === 'relu') reluF64x2(fn, v);
      else fn.localGet(v);
      fn.f64x2Sub().localTee(term).f64x2Mul().localGet(term).f64x2Mul().localSet(term);
      // total = (total + term₀) + term₁: in order, as the loop adds them
      fn.localGet(total).localGet(term).f64x2ExtractLane(0).f64Add().localGet(term).f64x2ExtractLane(1).f64Add().localSet(total);
      advance(fn, [z, t], 8);
    },
    scalar: (at) => {
      fn.localGet(z).f32Load().f64PromoteF32().localGet(b).localGet(at).i32Add().f64Load().f64Add();
      if (readOut === 'linear') fn.f32DemoteF64().f64PromoteF32();
      fn.localSet(vs);
      fn.localGet(t).f32Load().f64PromoteF32();
      if (readOut === 'relu') reluF64(fn, vs);
      else fn.localGet(vs);
      fn.f64Sub().localSet(error);
      fn.localGet(total).localGet(w).localGet(at).i32Add().f64Load();
      fn.localGet(error).f64Mul().localGet(error).f64Mul().f64Add().localSet(total);
      advance(fn, [z, t], 4);
    },
    end: (k) => fn.localGet(totals).localGet(k).i32Const(8).i32Mul().i32Add().localGet(total).f64Store(),
  });
  return fn;
}

/*
 * ReLU as a comparison and a mask, not as max(x, 0): WebAssembly's max must return NaN for NaN
 * and +0 for max(−0, +0), which x64's maxps does not, so engines emit several instructions for it;
 * a ≤ compare and an and-not are one each. Both are `x ≤ 0 ? 0 : x` (NaN passes, −0 gives +0),
 * as the core's `reluOf`.
 */

/** Pushes ReLU of the f64x2 local x. */
function reluF64x2(fn: FunctionBuilder, x: Local<'v128'>): void {
  fn.localGet(x).localGet(x).f64Const(0).f64x2Splat().f64x2Le().v128AndNot();
}

/** Pushes ReLU of the f64 local x. */
function reluF64(fn: FunctionBuilder, x: Local<'f64'>): void {
  fn.f64Const(0).localGet(x).localGet(x).f64Const(0).f64Le().select();
}

/**
 * `readoutGrad(z, t, b, cw, dz, db, instances, batch, features)`: for each entry,
 * `g = cw[i] · (t − ReLU(v))` where v = z + b[i], zeroed where v ≤ 0; `dz = fround(g)` and
 * `db[k, i] += g` (float64, batch rows in order). z, t, dz: float32 [I, B, n]; b, cw (cₖ·wₖᵢ),
 * db: float64 [I, n]. Two features per step, then one when n is odd.
 */
function emitReadoutGrad(readOut: ReadOut): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [z, t, b, cw, dz, db, instances, batch, features] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const v = fn.local('v128');
  const off = fn.local('v128'); // all ones in the lanes where v ≤ 0: ReLU is off there
  const g = fn.local('v128');
  const vs = fn.local('f64');
  const gs = fn.local('f64');
  walkRows(fn, {
    instances, batch, features, rowBytes: 8, lanes: 2,
    start: (_, row) => zeroRow(fn, db, row, features),
    vector: (at) => {
      // v = z + b[i…i+1], two float64 lanes
      fn.localGet(z).v128Load64Zero().f64x2PromoteLow();
      fn.localGet(b).localGet(at).i32Add().v128Load().f64x2Add();
      if (readOut === 'linear') fn.f32x4DemoteZero().f64x2PromoteLow(); // the add's float32 result
      fn.localSet(v);
      if (readOut === 'relu') {
        // g = cw · (t − ReLU(v)), zeroed where v ≤ 0
        fn.localGet(v).f64Const(0).f64x2Splat().f64x2Le().localSet(off);
        fn.localGet(cw).localGet(at).i32Add().v128Load();
        fn.localGet(t).v128Load64Zero().f64x2PromoteLow();
        fn.localGet(v).localGet(off).v128AndNot().f64x2Sub().f64x2Mul();
        fn.localGet(off).v128AndNot().localSet(g);
      } else {
        // g = cw · (t − v), as the loss's gradient loop stores it: rounded to float32
        fn.localGet(cw).localGet(at).i32Add().v128Load();
        fn.localGet(t).v128Load64Zero().f64x2PromoteLow().localGet(v).f64x2Sub().f64x2Mul();
        fn.f32x4DemoteZero().f64x2PromoteLow().localSet(g);
      }
      fn.localGet(dz).localGet(g).f32x4DemoteZero().v128Store64Low();
      fn.localGet(db).localGet(at).i32Add();
      fn.localGet(db).localGet(at).i32Add().v128Load().localGet(g).f64x2Add().v128Store();
      advance(fn, [z, t, dz], 8);
    },
    scalar: (at) => {
      fn.localGet(z).f32Load().f64PromoteF32().localGet(b).localGet(at).i32Add().f64Load().f64Add();
      if (readOut === 'linear') fn.f32DemoteF64().f64PromoteF32();
      fn.localSet(vs);
      if (readOut === 'relu') {
        // gs = v ≤ 0 ? 0 : cw · (t − ReLU(v))
        fn.f64Const(0);
        fn.localGet(cw).localGet(at).i32Add().f64Load();
        fn.localGet(t).f32Load().f64PromoteF32();
        reluF64(fn, vs);
        fn.f64Sub().f64Mul();
        fn.localGet(vs).f64Const(0).f64Le().select().localSet(gs);
      } else {
        fn.localGet(cw).localGet(at).i32Add().f64Load();
        fn.localGet(t).f32Load().f64PromoteF32().localGet(vs).f64Sub().f64Mul();
        fn.f32DemoteF64().f64PromoteF32().localSet(gs);
      }
      fn.localGet(dz).localGet(gs).f32DemoteF64().f32Store();
      fn.localGet(db).localGet(at).i32Add();
      fn.localGet(db).localGet(at).i32Add().f64Load().localGet(gs).f64Add().f64Store();
      advance(fn, [z, t, dz], 4);
    },
  });
  return fn;
}

/**
 * `shiftedRelu(z, c, b, y, instances, batch, features)`: `y = ReLU((z − c[i]) + b[i])` in
 * float32, four features per step, then one at a time. z, y: [I, B, n]; c, b: [I, n]; all float32.
 */
function emitShiftedRelu(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [z, c, b, y, instances, batch, features] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const v = fn.local('v128');
  const vs = fn.local('f32');
  walkRows(fn, {
    instances, batch, features, rowBytes: 4, lanes: 4,
    vector: (at) => {
      fn.localGet(z).v128Load().localGet(c).localGet(at).i32Add().v128Load().f32x4Sub();
      fn.localGet(b).localGet(at).i32Add().v128Load().f32x4Add().localSet(v);
      fn.localGet(y).localGet(v).localGet(v).f32Const(0).f32x4Splat().f32x4Le().v128AndNot().v128Store();
      advance(fn, [z, y], 16);
    },
    scalar: (at) => {
      fn.localGet(z).f32Load().localGet(c).localGet(at).i32Add().f32Load().f32Sub();
      fn.localGet(b).localGet(at).i32Add().f32Load().f32Add().localSet(vs);
      fn.localGet(y).f32Const(0).localGet(vs).localGet(vs).f32Const(0).f32Le().select().f32Store();
      advance(fn, [z, y], 4);
    },
  });
  return fn;
}

/**
 * `shiftedReluBackward(dy, y, dz, db, instances, batch, features)`: `dz = dy` where y > 0 or y
 * is NaN, else 0 (ReLU's backward, read off its output), and `db[k, i] = Σₛ dz` in float64, rows
 * in order. dy, y, dz: float32 [I, B, n]; db: float64 [I, n].
 */
function emitShiftedReluBackward(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, y, dz, db, instances, batch, features] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const g = fn.local('f32');
  // walkRows addresses db's float64 rows: `at` is 8 bytes per feature.
  walkRows(fn, {
    instances, batch, features, rowBytes: 8, lanes: 4,
    start: (_, row) => zeroRow(fn, db, row, features),
    vector: (at) => {
      fn.localGet(dz);
      fn.localGet(dy).v128Load().localGet(y).v128Load().f32Const(0).f32x4Splat().f32x4Le().v128AndNot();
      fn.v128Store();
      // db[i…i+3] += the four as float64, two lanes at a time
      for (const offset of [0, 8]) {
        fn.localGet(db).localGet(at).i32Add();
        fn.localGet(db).localGet(at).i32Add().v128Load(2 * offset);
        fn.localGet(dz).v128Load64Zero(offset).f64x2PromoteLow().f64x2Add().v128Store(2 * offset);
      }
      advance(fn, [dy, y, dz], 16);
    },
    scalar: (at) => {
      // g = y ≤ 0 ? 0 : dy
      fn.f32Const(0).localGet(dy).f32Load().localGet(y).f32Load().f32Const(0).f32Le().select().localSet(g);
      fn.localGet(dz).localGet(g).f32Store();
      fn.localGet(db).localGet(at).i32Add();
      fn.localGet(db).localGet(at).i32Add().f64Load().localGet(g).f64PromoteF32().f64Add().f64Store();
      advance(fn, [dy, y, dz], 4);
    },
  });
  return fn;
}

/** Adds `bytes` to each address local (the kernels walk their [I, B, n] operands in order). */
function advance(fn: FunctionBuilder, pointers: readonly Local<'i32'>[], bytes: number): void {
  for (const p of pointers) fn.localGet(p).i32Const(bytes).i32Add().localSet(p);
}

/** The module's bytes: the four kernels and one memory, exported as `memory`. */
export function emitFusedModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  module.addFunction('readoutLoss', emitReadoutLoss('relu'));
  module.addFunction('readoutGrad', emitReadoutGrad('relu'));
  module.addFunction('linearLoss', emitReadoutLoss('linear'));
  module.addFunction('linearGrad', emitReadoutGrad('linear'));
  module.addFunction('shiftedRelu', emitShiftedRelu());
  module.addFunction('shiftedReluBackward', emitShiftedReluBackward());
  module.addMemory(1);
  return module.bytes();
}

interface FusedExports {
  memory: WebAssembly.Memory;
  readoutLoss(z: number, t: number, b: number, w: number, totals: number, instances: number, batch: number, features: number): void;
  readoutGrad(z: number, t: number, b: number, cw: number, dz: number, db: number, instances: number, batch: number, features: number): void;
  linearLoss(z: number, t: number, b: number, w: number, totals: number, instances: number, batch: number, features: number): void;
  linearGrad(z: number, t: number, b: number, cw: number, dz: number, db: number, instances: number, batch: number, features: number): void;
  shiftedRelu(z: number, c: number, b: number, y: number, instances: number, batch: number, features: number): void;
  shiftedReluBackward(dy: number, y: number, dz: number, db: number, instances: number, batch: number, features: number): void;
}

/** The two loops of a read-out loss, in JavaScript (fused.ts) or here: the loss per instance, and ∂L/∂z with b's batch sum. */
export interface ReadoutKernels {
  loss(Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
    out: TypedArray, instances: number, run: number, features: number): void;
  grad(Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
    dLoss: TypedArray, dz: TypedArray, db: Float64Array | null, instances: number, run: number, features: number): void;
}

/**
 * Runs the kernels on JavaScript arrays: lays the operands out in the module's memory (each
 * region 16-byte aligned), copies them in, calls the kernel, copies the results out. The memory
 * grows to the largest call and is then reused (`KernelArena`).
 */
export class FusedSimd {
  private readonly arena = new KernelArena<FusedExports>(emitFusedModule());

  /** The ReLU read-out's kernels: `readoutLossLoop` and `readoutGradLoop` of fused.ts, the same numbers. */
  readonly relu: ReadoutKernels = {
    loss: (...args) => this.loss('relu', ...args),
    grad: (...args) => this.grad('relu', ...args),
  };

  /** The linear read-out's kernels: `linearLossLoop` and `linearGradLoop` of fused.ts, the same numbers. */
  readonly linear: ReadoutKernels = {
    loss: (...args) => this.loss('linear', ...args),
    grad: (...args) => this.grad('linear', ...args),
  };

  private loss(
    readOut: ReadOut, Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
    out: TypedArray, instances: number, run: number, features: number,
  ): void {
    const rows = instances * features;
    const [z, t, b, w, totals, end] = layout([4 * instances * run, 4 * instances * run, 8 * rows, 8 * rows, 8 * instances]);
    this.arena.reserve(end);
    const { f32, f64, exports } = this.arena;
    f32.set(Z.subarray(zo, zo + instances * run), z / 4);
    f32.set(T.subarray(to, to + instances * run), t / 4);
    f64.set(B.subarray(bo, bo + rows), b / 8);
    f64.set(W.subarray(wo, wo + rows), w / 8);
    (readOut === 'relu' ? exports.readoutLoss : exports.linearLoss)(z, t, b, w, totals, instances, run / features, features);
    for (let k = 0; k < instances; k++) out[k] = f64[totals / 8 + k] / run;
  }

  private grad(
    readOut: ReadOut, Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
    dLoss: TypedArray, dz: TypedArray, db: Float64Array | null, instances: number, run: number, features: number,
  ): void {
    const rows = instances * features;
    const size = instances * run;
    const [z, t, b, cw, dzAt, dbAt, end] = layout([4 * size, 4 * size, 8 * rows, 8 * rows, 4 * size, 8 * rows]);
    this.arena.reserve(end);
    const { f32, f64, exports } = this.arena;
    f32.set(Z.subarray(zo, zo + size), z / 4);
    f32.set(T.subarray(to, to + size), t / 4);
    f64.set(B.subarray(bo, bo + rows), b / 8);
    for (let k = 0; k < instances; k++) {
      const factor = (-2 / run) * dLoss[k];
      for (let i = 0; i < features; i++) f64[cw / 8 + k * features + i] = factor * W[wo + k * features + i];
    }
    (readOut === 'relu' ? exports.readoutGrad : exports.linearGrad)(z, t, b, cw, dzAt, dbAt, instances, run / features, features);
    dz.set(f32.subarray(dzAt / 4, dzAt / 4 + size));
    if (db !== null) db.set(f64.subarray(dbAt / 8, dbAt / 8 + rows));
  }

  /** See `reluOfShiftedSumLoop` in fused.ts (float32): the same arguments and the same numbers. */
  shiftedRelu(
    Z: Float32Array, zo: number, C: Float32Array, co: number, B: Float32Array, bo: number, out: Float32Array,
    instances: number, run: number, features: number,
  ): void {
    const rows = instances * features;
    const size = instances * run;
    const [z, c, b, y, end] = layout([4 * size, 4 * rows, 4 * rows, 4 * size]);
    this.arena.reserve(end);
    const { f32, exports } = this.arena;
    f32.set(Z.subarray(zo, zo + size), z / 4);
    f32.set(C.subarray(co, co + rows), c / 4);
    f32.set(B.subarray(bo, bo + rows), b / 4);
    exports.shiftedRelu(z, c, b, y, instances, run / features, features);
    out.set(f32.subarray(y / 4, y / 4 + size));
  }

  /**
   * ReLU's backward read off its float32 output y (as the core's `reluBackward`), and the batch
   * sum of the result in float64 (as the core's `sum` over axis 1): dz [I, B, n], db [I, n].
   */
  shiftedReluBackward(
    DY: Float32Array, Y: Float32Array, dz: Float32Array, db: Float64Array, instances: number, batch: number, features: number,
  ): void {
    const size = instances * batch * features;
    const [dy, y, dzAt, dbAt, end] = layout([4 * size, 4 * size, 4 * size, 8 * instances * features]);
    this.arena.reserve(end);
    const { f32, f64, exports } = this.arena;
    f32.set(DY, dy / 4);
    f32.set(Y, y / 4);
    exports.shiftedReluBackward(dy, y, dzAt, dbAt, instances, batch, features);
    dz.set(f32.subarray(dzAt / 4, dzAt / 4 + size));
    db.set(f64.subarray(dbAt / 8, dbAt / 8 + instances * features));
  }
}

/**
 * Entries below which `'auto'` runs the JavaScript loops. Measured with `npx tsx
 * bench/thresholds.ts readout,encoder` (2026-12-06, the project's Intel Xeon): the read-out loss
 * forward and backward over 1024 entries took 24.0 µs against 44.3, the encoder 26.1 against 52.1;
 * at 16–64 entries they tied within 12%. The crossover sits between 256 and 1024 entries and moves
 * with the machine's noise; from 1024 WebAssembly won in every run.
 */
export const FUSED_SIMD_MIN_ENTRIES = 1024;

const SLOT = new KernelSlot(() => new FusedSimd(), FUSED_SIMD_MIN_ENTRIES);

/**
 * The SIMD driver when the kernel backend allows it for a call of `entries` entries, else null
 * (run the JavaScript loop); see `KernelSlot`. The caller checks that its arrays are float32.
 */
export function fusedSimdFor(entries: number): FusedSimd | null {
  return SLOT.for(entries);
}
