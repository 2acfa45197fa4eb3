/**
 * The SAE decoder's two row constraints (sae.ts) in WebAssembly, the same numbers as their
 * JavaScript loops:
 *
 *     projectRows     gᵣ ← gᵣ − (wᵣ·gᵣ) wᵣ          remove each gradient row's part along its decoder row
 *     normalizeRows   wᵣ ← wᵣ / ‖wᵣ‖                 unit decoder rows (rows of zeros stay zeros)
 *
 * Shapes: W and G are float32 [rows, d], row-major (rows = instances × latents, d = d_in).
 *
 * Same bits: each row's dot product or sum of squares is added term by term in float64, in the
 * loop's order, and each update is computed in float64 and rounded once, as the loops store. The
 * sums are sequential chains (each add waits for the last), so the kernel runs four rows' chains
 * side by side, which keeps each row's order and lets the CPU overlap them; the updates are
 * independent entries, two float64 lanes at a time.
 *
 * Why: on the 512 → 4096 SAE, W_dec has 2M entries, and the two loops took about a tenth of the
 * training step in JavaScript.
 *
 * @module
 */
import { KernelArena, layoutRegions } from '../tensor/wasm/arena.js';
import { KernelSlot } from '../tensor/wasm/backend.js';
import { FunctionBuilder, type Local, ModuleBuilder } from '../tensor/wasm/emitter.js';

/** Rows whose sums run side by side. */
const ROWS_TOGETHER = 4;

/**
 * Emits, for rows r … r + count − 1 (count ≤ 4) starting at byte address `first`, each row's
 * Σᵢ a[i]·b[i] into `sums` (float64, in order), where b is the row of the second matrix at the
 * same offset from `second` (or a itself when `second` is null: a sum of squares).
 */
function emitRowSums(fn: FunctionBuilder, first: Local<'i32'>, second: Local<'i32'> | null, rowBytes: Local<'i32'>,
  d: Local<'i32'>, sums: Local<'f64'>[], count: number): void {
  const i = fn.local('i32');
  for (let k = 0; k < count; k++) fn.f64Const(0).localSet(sums[k]);
  fn.forRange(i, 0, d, 1, () => {
    for (let k = 0; k < count; k++) {
      /** Pushes the float64 of entry i of row k of a matrix at `base`. */
      const entry = (base: Local<'i32'>) => {
        fn.localGet(base).localGet(i).i32Const(4).i32Mul().i32Add();
        if (k > 0) fn.localGet(rowBytes).i32Const(k).i32Mul().i32Add();
        fn.f32Load().f64PromoteF32();
      };
      fn.localGet(sums[k]);
      entry(first);
      entry(second ?? first);
      fn.f64Mul().f64Add().localSet(sums[k]);
    }
  });
}

/**
 * Emits the update of one row of d float32 at byte address `row`, in place: each entry x becomes
 * the float32 rounding of what `vector` pushes (given x and the same entry w of the row at
 * `other`, as float64 lanes), two entries at a time, then one with `scalar`.
 */
function emitRowUpdate(fn: FunctionBuilder, row: Local<'i32'>, other: Local<'i32'>, d: Local<'i32'>,
  vector: (x: Local<'v128'>, w: Local<'v128'>) => void, scalar: (x: Local<'f64'>, w: Local<'f64'>) => void): void {
  const i = fn.local('i32');
  const pairsEnd = fn.local('i32');
  const at = fn.local('i32');
  const [x, w] = [fn.local('v128'), fn.local('v128')];
  const [xs, ws] = [fn.local('f64'), fn.local('f64')];
  fn.localGet(d).i32Const(-2).i32And().localSet(pairsEnd);
  fn.forRange(i, 0, pairsEnd, 2, () => {
    fn.localGet(i).i32Const(4).i32Mul().localSet(at);
    fn.localGet(row).localGet(at).i32Add().v128Load64Zero().f64x2PromoteLow().localSet(x);
    fn.localGet(other).localGet(at).i32Add().v128Load64Zero().f64x2PromoteLow().localSet(w);
    fn.localGet(row).localGet(at).i32Add();
    vector(x, w);
    fn.f32x4DemoteZero().v128Store64Low();
  });
  fn.forRange(i, pairsEnd, d, 1, () => {
    fn.localGet(i).i32Const(4).i32Mul().localSet(at);
    fn.localGet(row).localGet(at).i32Add().f32Load().f64PromoteF32().localSet(xs);
    fn.localGet(other).localGet(at).i32Add().f32Load().f64PromoteF32().localSet(ws);
    fn.localGet(row).localGet(at).i32Add();
    scalar(xs, ws);
    fn.f32DemoteF64().f32Store();
  });
}

/**
 * Emits the walk over rows in groups of four, then one at a time: `group(offset, count)` for each,
 * with the byte offset of the group's first row (the same in every [rows, d] matrix).
 */
function emitRowGroups(fn: FunctionBuilder, rows: Local<'i32'>, rowBytes: Local<'i32'>,
  group: (offset: Local<'i32'>, count: number) => void): void {
  const r = fn.local('i32');
  const offset = fn.local('i32');
  const groupsEnd = fn.local('i32');
  fn.localGet(rows).i32Const(-ROWS_TOGETHER).i32And().localSet(groupsEnd);
  fn.forRange(r, 0, groupsEnd, ROWS_TOGETHER, () => {
    fn.localGet(r).localGet(rowBytes).i32Mul().localSet(offset);
    group(offset, ROWS_TOGETHER);
  });
  fn.forRange(r, groupsEnd, rows, 1, () => {
    fn.localGet(r).localGet(rowBytes).i32Mul().localSet(offset);
    group(offset, 1);
  });
}

/** `projectRows(w, g, rows, d)`: gᵣ ← gᵣ − (wᵣ·gᵣ) wᵣ for every row, in place in g. */
function emitProjectRows(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [w, g, rows, d] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const rowBytes = fn.local('i32');
  const wRow = fn.local('i32');
  const gRow = fn.local('i32');
  const along = Array.from({ length: ROWS_TOGETHER }, () => fn.local('f64'));
  const alongLanes = fn.local('v128');
  fn.localGet(d).i32Const(4).i32Mul().localSet(rowBytes);
  emitRowGroups(fn, rows, rowBytes, (offset, count) => {
    fn.localGet(w).localGet(offset).i32Add().localSet(wRow);
    fn.localGet(g).localGet(offset).i32Add().localSet(gRow);
    emitRowSums(fn, wRow, gRow, rowBytes, d, along, count);
    for (let k = 0; k < count; k++) {
      if (k > 0) {
        fn.localGet(wRow).localGet(rowBytes).i32Add().localSet(wRow);
        fn.localGet(gRow).localGet(rowBytes).i32Add().localSet(gRow);
      }
      fn.localGet(along[k]).f64x2Splat().localSet(alongLanes);
      // g ← g − along·w
      emitRowUpdate(fn, gRow, wRow, d,
        (x, wv) => fn.localGet(x).localGet(alongLanes).localGet(wv).f64x2Mul().f64x2Sub(),
        (xs, ws) => fn.localGet(xs).localGet(along[k]).localGet(ws).f64Mul().f64Sub());
    }
  });
  return fn;
}

/** `normalizeRows(w, rows, d)`: wᵣ ← wᵣ · (1/√Σᵢ wᵣᵢ²) for every row whose sum is not 0, in place. */
function emitNormalizeRows(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32']);
  const [w, rows, d] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const rowBytes = fn.local('i32');
  const wRow = fn.local('i32');
  const squares = Array.from({ length: ROWS_TOGETHER }, () => fn.local('f64'));
  const scale = fn.local('f64');
  const scaleLanes = fn.local('v128');
  fn.localGet(d).i32Const(4).i32Mul().localSet(rowBytes);
  emitRowGroups(fn, rows, rowBytes, (offset, count) => {
    fn.localGet(w).localGet(offset).i32Add().localSet(wRow);
    emitRowSums(fn, wRow, null, rowBytes, d, squares, count);
    for (let k = 0; k < count; k++) {
      if (k > 0) fn.localGet(wRow).localGet(rowBytes).i32Add().localSet(wRow);
      // A row of zeros stays as it is (its scale would be 1/0).
      fn.localGet(squares[k]).f64Const(0).f64Ne().if(() => {
        fn.f64Const(1).localGet(squares[k]).f64Sqrt().f64Div().localTee(scale).f64x2Splat().localSet(scaleLanes);
        emitRowUpdate(fn, wRow, wRow, d,
          (x) => fn.localGet(x).localGet(scaleLanes).f64x2Mul(),
          (xs) => fn.localGet(xs).localGet(scale).f64Mul());
      });
    }
  });
  return fn;
}

/** The module's bytes: `projectRows`, `normalizeRows` and one memory. */
export function emitDecoderModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  module.addFunction('projectRows', emitProjectRows());
  module.addFunction('normalizeRows', emitNormalizeRows());
  module.addMemory(1);
  return module.bytes();
}

interface DecoderExports {
  memory: WebAssembly.Memory;
  projectRows(w: number, g: number, rows: number, d: number): void;
  normalizeRows(w: number, rows: number, d: number): void;
}

/** Runs the kernels on the decoder's arrays: copies in, runs, copies the changed matrix out. */
export class DecoderRowsWasm {
  private readonly arena = new KernelArena<DecoderExports>(emitDecoderModule());

  /** See `projectDecoderGradient` in sae.ts: G's rows lose their part along W's, in place. */
  projectRows(W: Float32Array, G: Float32Array, rows: number, d: number): void {
    const n = rows * d;
    const [w, g, end] = layoutRegions([4 * n, 4 * n]);
    this.arena.reserve(end);
    const { f32, exports } = this.arena;
    f32.set(W.subarray(0, n), w / 4);
    f32.set(G.subarray(0, n), g / 4);
    exports.projectRows(w, g, rows, d);
    G.set(f32.subarray(g / 4, g / 4 + n));
  }

  /** See `normalizeRows` in sae.ts: W's rows at unit norm, in place. */
  normalizeRows(W: Float32Array, rows: number, d: number): void {
    const n = rows * d;
    const [w, end] = layoutRegions([4 * n]);
    this.arena.reserve(end);
    const { f32, exports } = this.arena;
    f32.set(W.subarray(0, n), w / 4);
    exports.normalizeRows(w, rows, d);
    W.set(f32.subarray(w / 4, w / 4 + n));
  }
}

/**
 * Entries below which `'auto'` runs the JavaScript loops. Measured with `npx tsx
 * bench/thresholds.ts decoder` (2026-12-06, the project's Intel Xeon): the projection and
 * normalisation of a 64 × 16 decoder took 7.3 µs against 18.3, and of 1 × 16 1.2 against 0.2. The
 * crossover sits between 64 and 1024 entries and moves with the machine's noise; from 1024
 * WebAssembly won in every run.
 */
export const DECODER_WASM_MIN_ENTRIES = 1024;

const SLOT = new KernelSlot(() => new DecoderRowsWasm(), DECODER_WASM_MIN_ENTRIES);

/**
 * The kernels when the kernel backend allows them for a matrix of `entries` entries, else null
 * (run the JavaScript loops); see `KernelSlot`. The caller checks that its arrays are float32.
 */
export function decoderRowsWasmFor(entries: number): DecoderRowsWasm | null {
  return SLOT.for(entries);
}
