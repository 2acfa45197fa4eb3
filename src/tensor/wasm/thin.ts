/**
 * A batch of small float32 matrix products in one WebAssembly call, with the JavaScript strip
 * kernel's exact bits:
 *
 *     C_p[m,n] = Σₖ A_p[m,k]·B_p[k,n]        p = 0 … P−1;  A_p is M×K, B_p is K×N, C is [P, M, N]
 *
 * each sum taken in float64, k ascending from zero, and rounded to float32 once when stored.
 *
 * Why: the phase diagram trains 800 instances of a model with n = 2 features in m = 1 dimension,
 * so each of its training step's five products is 800 products of 128×2 by 2×1 (or the like),
 * each far too small to pay for packing into the tiled kernel (gemm.ts). In JavaScript, one strip
 * call per instance, they took half of that step (`npx tsx bench/profile.ts phase`): a few
 * nanoseconds per multiply-add, most of it loop set-up and index checks. Here the whole batch is
 * one call: A and B are copied in as they lie, the kernel walks every instance with the starts
 * the JavaScript side computed, and C comes back in one copy. Measured on 2026-12-06: the phase
 * step went from 9.1–12.7 to 5.8–7.5 ms (`bench/profile.ts phase`, runs alternating with the
 * previous commit), and the lesson's phase act from 16.8 to 10.1 s.
 *
 * Why float64 sums and not float32 lanes: the strips sum in float64 (a JavaScript number), and
 * the product of two float32 numbers is exact in float64, so this loop does the very same float64
 * operations in the very same order, and its results are the strips' to the bit. The phase
 * diagram's figures therefore do not move when it runs. Four rows are summed side by side, as in
 * the strips, so the additions do not wait on one another.
 *
 * Memory layout (byte addresses), one region after another:
 *
 *     A's span, as it lies   B's span, as it lies   C [P, M, N]   A's P starts (u32)   B's P starts (u32)
 *
 * @module
 */
import { KernelArena, layoutRegions } from './arena.js';
import { KernelSlot } from './backend.js';
import { FunctionBuilder, type Local, ModuleBuilder } from './emitter.js';

/**
 * `thin(count, M, K, N, aStarts, bStarts, aRow, aCol, bRow, bCol, c)`: for each of `count`
 * products, A's first element at the i32 `aStarts[p]` (a byte address), B's at `bStarts[p]`;
 * strides in bytes; C written row-major from `c`, product after product.
 *
 * With `unrolledK` (1 … 4) the function serves only K = unrolledK: the steps of k are written out
 * and column n's K numbers of B are read once into locals, before the sweep down the rows. The
 * phase diagram's products have K = 1 or 2, where a loop over k would cost more than its body.
 * Without it, the strips' loop order: four rows, each column, a loop over k.
 */
function emitThin(unrolledK?: number): FunctionBuilder {
  const fn = new FunctionBuilder(Array<'i32'>(11).fill('i32'));
  const [count, M, K, N, aStarts, bStarts, aRow, aCol, bRow, bCol, c] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const p = fn.local('i32');
  const m = fn.local('i32');
  const n = fn.local('i32');
  const k = fn.local('i32');
  const a0 = fn.local('i32'); // A_p's first element
  const b0 = fn.local('i32');
  const rowsEnd = fn.local('i32'); // M rounded down to four
  const ak = fn.local('i32'); // A[m, k]
  const bk = fn.local('i32'); // B[k, n]
  const cmn = fn.local('i32'); // C[m, n]
  const cRow = fn.local('i32'); // bytes per row of C: 4N
  const aRows = [fn.local('i32'), fn.local('i32'), fn.local('i32')]; // r·aRow, r = 1 … 3
  const cRows = [fn.local('i32'), fn.local('i32'), fn.local('i32')]; // r·cRow, r = 1 … 3
  const aCols: Local<'i32'>[] = Array.from({ length: Math.max(0, (unrolledK ?? 0) - 1) }, () => fn.local('i32')); // k·aCol, k = 1 … K−1
  const b = fn.local('f64');
  const bs: Local<'f64'>[] = Array.from({ length: unrolledK ?? 0 }, () => fn.local('f64')); // B[k, n], k < K
  const sums: Local<'f64'>[] = [fn.local('f64'), fn.local('f64'), fn.local('f64'), fn.local('f64')];

  /** Pushes A[m + r, k] as float64, the float at ak + r·aRow (+ k·aCol, when k is unrolled). */
  const aValue = (r: number, kStep = 0) => {
    fn.localGet(ak);
    if (r > 0) fn.localGet(aRows[r - 1]).i32Add();
    if (kStep > 0) fn.localGet(aCols[kStep - 1]).i32Add();
    fn.f32Load().f64PromoteF32();
  };
  /** Points cmn at C[m, n]. */
  const cAddress = () => {
    fn.localGet(c).localGet(m).localGet(cRow).i32Mul().i32Add().localGet(n).i32Const(4).i32Mul().i32Add().localSet(cmn);
  };
  /** C[m + r, n] = sums[r] rounded to float32, for r < rows. */
  const storeSums = (rows: number) => {
    cAddress();
    for (let r = 0; r < rows; r++) {
      fn.localGet(cmn);
      if (r > 0) fn.localGet(cRows[r - 1]).i32Add();
      fn.localGet(sums[r]).f32DemoteF64().f32Store();
    }
  };
  /** Rows m … m + rows − 1 times column n, k in a loop: the strips' loop. */
  const rowsTimesColumn = (rows: number) => {
    for (let r = 0; r < rows; r++) fn.f64Const(0).localSet(sums[r]);
    fn.localGet(a0).localGet(m).localGet(aRow).i32Mul().i32Add().localSet(ak);
    fn.localGet(b0).localGet(n).localGet(bCol).i32Mul().i32Add().localSet(bk);
    fn.forRange(k, 0, K, 1, () => {
      fn.localGet(bk).f32Load().f64PromoteF32().localSet(b);
      for (let r = 0; r < rows; r++) {
        fn.localGet(sums[r]);
        aValue(r);
        fn.localGet(b).f64Mul().f64Add().localSet(sums[r]);
      }
      fn.localGet(ak).localGet(aCol).i32Add().localSet(ak);
      fn.localGet(bk).localGet(bRow).i32Add().localSet(bk);
    });
    storeSums(rows);
  };
  /** The same with the unrolledK steps written out, B's numbers already in `bs`. */
  const rowsTimesColumnUnrolled = (rows: number) => {
    fn.localGet(a0).localGet(m).localGet(aRow).i32Mul().i32Add().localSet(ak);
    for (let r = 0; r < rows; r++) {
      fn.f64Const(0);
      for (let kStep = 0; kStep < bs.length; kStep++) {
        aValue(r, kStep);
        fn.localGet(bs[kStep]).f64Mul().f64Add();
      }
      fn.localSet(sums[r]);
    }
    storeSums(rows);
  };

  fn.localGet(N).i32Const(4).i32Mul().localSet(cRow);
  fn.localGet(M).i32Const(-4).i32And().localSet(rowsEnd);
  for (let r = 1; r < 4; r++) {
    fn.localGet(aRow).i32Const(r).i32Mul().localSet(aRows[r - 1]);
    fn.localGet(cRow).i32Const(r).i32Mul().localSet(cRows[r - 1]);
  }
  aCols.forEach((local, i) => fn.localGet(aCol).i32Const(i + 1).i32Mul().localSet(local));
  fn.forRange(p, 0, count, 1, () => {
    fn.localGet(aStarts).localGet(p).i32Const(4).i32Mul().i32Add().i32Load().localSet(a0);
    fn.localGet(bStarts).localGet(p).i32Const(4).i32Mul().i32Add().i32Load().localSet(b0);
    if (unrolledK === undefined) {
      fn.forRange(m, 0, rowsEnd, 4, () => fn.forRange(n, 0, N, 1, () => rowsTimesColumn(4)));
      fn.forRange(m, rowsEnd, M, 1, () => fn.forRange(n, 0, N, 1, () => rowsTimesColumn(1)));
    } else {
      fn.forRange(n, 0, N, 1, () => {
        bs.forEach((bValue, kStep) => {
          fn.localGet(b0).localGet(n).localGet(bCol).i32Mul().i32Add();
          if (kStep > 0) fn.localGet(bRow).i32Const(kStep).i32Mul().i32Add();
          fn.f32Load().f64PromoteF32().localSet(bValue);
        });
        fn.forRange(m, 0, rowsEnd, 4, () => rowsTimesColumnUnrolled(4));
        fn.forRange(m, rowsEnd, M, 1, () => rowsTimesColumnUnrolled(1));
      });
    }
    fn.localGet(c).localGet(M).localGet(cRow).i32Mul().i32Add().localSet(c);
  });
  return fn;
}

/** Steps of k up to which the module has a function with k written out (`thin1` … `thin4`). */
const UNROLLED_K = 4;

/** The module's bytes: `thin` and `thin1` … `thin4` (see `emitThin`), and one memory. */
export function emitThinModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder();
  module.addFunction('thin', emitThin());
  for (let k = 1; k <= UNROLLED_K; k++) module.addFunction(`thin${k}`, emitThin(k));
  module.addMemory(1);
  return module.bytes();
}

type ThinFunction = (count: number, M: number, K: number, N: number, aStarts: number, bStarts: number,
  aRow: number, aCol: number, bRow: number, bCol: number, c: number) => void;

type ThinExports = { memory: WebAssembly.Memory } & Record<string, ThinFunction>;

/** The most bytes the driver stages; a larger batch runs on the JavaScript strips. */
const MAX_BYTES = 1 << 30;

/** Runs a batch of small products on JavaScript arrays: copies A and B in, C out. */
export class ThinProducts {
  private readonly arena = new KernelArena<ThinExports>(emitThinModule());

  /**
   * `out[p·M·N + m·N + n] = Σₖ aData[aStarts[p] + m·aRow + k·aCol] · bData[bStarts[p] + k·bRow + n·bCol]`
   * for every product p, the strips' bits. Returns false, having done nothing, when the operands
   * cannot be copied in as they lie: a negative stride, or a span much larger than the elements
   * it holds (a sparse view), or more than 1 GiB; the caller then runs the strips.
   */
  multiplyMany(
    M: number, K: number, N: number,
    aData: Float32Array, aStarts: Int32Array, aRow: number, aCol: number,
    bData: Float32Array, bStarts: Int32Array, bRow: number, bCol: number,
    out: Float32Array,
  ): boolean {
    const count = aStarts.length;
    const a = span(aStarts, aRow, aCol, M, K);
    const b = span(bStarts, bRow, bCol, K, N);
    if (a === null || b === null) return false;
    const [aAt, bAt, cAt, aStartsAt, bStartsAt, end] = layoutRegions([4 * a.length, 4 * b.length, 4 * count * M * N, 4 * count, 4 * count]);
    if (end > MAX_BYTES) return false;
    this.arena.reserve(end);
    const { f32, u32, exports } = this.arena;
    f32.set(aData.subarray(a.first, a.first + a.length), aAt / 4);
    f32.set(bData.subarray(b.first, b.first + b.length), bAt / 4);
    for (let p = 0; p < count; p++) {
      u32[aStartsAt / 4 + p] = aAt + 4 * (aStarts[p] - a.first);
      u32[bStartsAt / 4 + p] = bAt + 4 * (bStarts[p] - b.first);
    }
    exports[K >= 1 && K <= UNROLLED_K ? `thin${K}` : 'thin'](count, M, K, N, aStartsAt, bStartsAt, 4 * aRow, 4 * aCol, 4 * bRow, 4 * bCol, cAt);
    out.set(f32.subarray(cAt / 4, cAt / 4 + count * M * N));
    return true;
  }
}

/**
 * The floats to copy so that every product's `lines`×`steps` operand lies inside the copy: from
 * the lowest start to the highest start's last element. Null for a negative stride, or when the
 * span is over twice the elements it holds plus 1024 (a sparse view, cheaper left to the strips).
 */
function span(starts: Int32Array, lineStride: number, stepStride: number, lines: number, steps: number): { first: number; length: number } | null {
  if (lineStride < 0 || stepStride < 0) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const start of starts) {
    first = Math.min(first, start);
    last = Math.max(last, start);
  }
  const length = last - first + (lines - 1) * lineStride + (steps - 1) * stepStride + 1;
  return length <= 2 * starts.length * lines * steps + 1024 ? { first, length } : null;
}

/**
 * The batch's multiply-adds, P·M·K·N, from which `'auto'` uses the kernel (see
 * {@link thinProductsFor}). Measured with `npx tsx bench/thresholds.ts thin` (batches of 8×2 @ 2×1,
 * 2026-12-06, the project's Intel Xeon): WebAssembly was faster from 16 or 64 multiply-adds up,
 * 2.1× at 1024 (5.0 against 10.4 µs) and 1.5–2× beyond; 1024, like the other kernels, leaves a
 * margin for the noise at the crossover.
 */
export const THIN_MIN_WORK = 1024;

const SLOT = new KernelSlot(() => new ThinProducts(), THIN_MIN_WORK);

/**
 * The driver when the kernel backend allows it for a batch of `work` multiply-adds, else null
 * (run the strips); see `KernelSlot`. The caller checks that its arrays are float32.
 */
export function thinProductsFor(work: number): ThinProducts | null {
  return SLOT.for(work);
}
