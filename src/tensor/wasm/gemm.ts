/**
 * The float32 matrix product in WebAssembly SIMD: `C = A·B`, A is M×K, B is K×N, C is M×N.
 *
 * Two halves:
 *
 * 1. {@link emitGemmModule} writes the kernel, instruction by instruction, with the emitter. Its
 *    main function, `gemm`, runs a register-tiled micro-kernel over packed panels:
 *
 *        for each panel of 8 columns of B (jp):            B micro-panel: kc×8 floats, stays in L1
 *          for each panel of MR rows of A (ip):            A block: MC×kc floats, stays in L2
 *            acc[r][0…1] = 0  (or C's tile, for later blocks of k)       MR×8 sums in 2·MR v128 registers
 *            for k in 0 … kc−1:
 *              b₀ = B[k, 0…3], b₁ = B[k, 4…7]                            two v128 loads
 *              for r in 0 … MR−1:
 *                a = splat(A[r, k])                                       one float, four lanes
 *                acc[r][0] += a·b₀;  acc[r][1] += a·b₁                    f32x4 mul + add
 *            C[tile] = acc
 *
 *    Per step of k that is 2 + MR loads for 8·MR multiply-adds, all four lanes wide: the 4×8 tile
 *    does 32 multiply-adds per 6 loads, where the JS 4×4 kernel does 16 per 8, one at a time.
 *
 * 2. {@link WasmGemm} drives it from JavaScript: it packs A and B into the module's memory in the
 *    exact order the micro-kernel reads them, calls `gemm` once per cache block, and copies C out.
 *    Packing absorbs everything about the operands' layout (transpose flags, strides, broadcast
 *    stride-0 axes) and zero-pads ragged edges up to whole panels, so the kernel has one shape.
 *    An operand whose elements lie close together is copied in as it lies (one `set`, a memcpy)
 *    and packed by `packA` / `packB` in WebAssembly; a sparse strided view is packed from JS.
 *    C comes back through `compact` (closing the padding columns) and one more `set`.
 *
 *        A packed: panel ip (MR rows), step k  →  floats [(ip·K + k)·MR + r],   r = 0 … MR−1
 *        B packed: panel jp (8 columns), step k →  floats [(jp·K + k)·8 + c],    c = 0 … 7
 *        C:        row m, column n             →  floats [m·Np + n],            Np = N rounded up to 8
 *
 * Sums run in float32 (the lanes are float32), as in XNNPACK and BLAS, so a result carries up to
 * K roundings rather than the JS kernels' one: the tests' tolerance is (K + 2)·2⁻²³·Σₖ|A·B|.
 *
 * Memory: one `WebAssembly.Memory`, grown to the largest product seen and then reused, so a
 * training loop allocates nothing here after its first step. Growing replaces the memory's
 * `ArrayBuffer`, which detaches every view of the old one; `KernelArena` (arena.ts) re-makes its
 * views whenever `memory.buffer` is no longer the buffer they were made on.
 *
 * @module
 */
import type { TypedArray } from '../dtype.js';
import { KernelArena } from './arena.js';
import { FunctionBuilder, type Local, ModuleBuilder } from './emitter.js';

/** Columns per micro-tile: two f32x4 vectors. */
export const TILE_COLUMNS = 8;
/**
 * Rows per micro-tile. 4×8 uses 8 accumulators + 2 B vectors + 1 splat = 11 of x64's 16 vector
 * registers. Measured beside 2×8 and 6×8 with `npx tsx bench/tiles.ts` (figures in the guide).
 */
export const TILE_ROWS = 4;
/** Steps of k per block: a B micro-panel (KC×8 floats, 8 KiB) stays in L1 across the A panels. */
const KC = 256;
/** Rows per block: the packed A block (MC×KC floats, 128 KiB) stays in L2 across the B panels. */
const MC = 128;

/**
 * The largest memory the driver asks for (1 GiB): a product needing more packing space than
 * this is left to the JS kernels, which need none. (Its A, B and C together would be over 250
 * million floats.)
 */
export const MAX_MEMORY_BYTES = 1 << 30;

/**
 * The kernel module's bytes: one memory (exported as `memory`), the packing functions `packA`
 * and `packB` (see `emitPack`), `compact` (see `emitCompact`), and the kernel
 *
 *     gemm(a, b, c, mPanels, nPanels, kc, aPanelBytes, bPanelBytes, ldcBytes, accumulate)
 *
 * which computes, for every panel pair, the `rows`×8 tile `C[ip, jp] (+)= Σₖ A[ip](k) ⊗ B[jp](k)`
 * over `kc` steps. `a`, `b`, `c` are byte addresses of the first panel and of C's first tile;
 * consecutive panels are `aPanelBytes` / `bPanelBytes` apart; C's rows are `ldcBytes` apart.
 * `accumulate` ≠ 0 adds into C (later blocks of k), 0 overwrites it.
 *
 * @param rows - rows per micro-tile (1 … 6); {@link TILE_ROWS} is the one measured best.
 */
export function emitGemmModule(rows: number = TILE_ROWS): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(rows) || rows < 1 || rows > 6) throw new RangeError(`emitGemmModule: rows must be 1 … 6, got ${rows}`);
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [a0, b0, c0, mPanels, nPanels, kc, aPanelBytes, bPanelBytes, ldc, accumulate] =
    fn.params.map((_, i) => fn.param(i, 'i32'));
  const jp = fn.local('i32');
  const ip = fn.local('i32');
  const ap = fn.local('i32');
  const bp = fn.local('i32');
  const aEnd = fn.local('i32');
  const bPanel = fn.local('i32');
  const cTile = fn.local('i32');
  const b0v = fn.local('v128');
  const b1v = fn.local('v128');
  const av = fn.local('v128');
  const acc: Local<'v128'>[][] = Array.from({ length: rows }, () => [fn.local('v128'), fn.local('v128')]);
  const stepBytes = rows * 4;

  /** Pushes the address of row r of the current C tile: cTile + r·ldc. */
  const cRow = (r: number) => {
    fn.localGet(cTile);
    if (r > 0) fn.localGet(ldc).i32Const(r).i32Mul().i32Add();
  };

  fn.forRange(jp, 0, nPanels, 1, () => {
    fn.localGet(b0).localGet(jp).localGet(bPanelBytes).i32Mul().i32Add().localSet(bPanel);
    fn.forRange(ip, 0, mPanels, 1, () => {
      // Where this tile's panels and C tile start.
      fn.localGet(a0).localGet(ip).localGet(aPanelBytes).i32Mul().i32Add().localSet(ap);
      fn.localGet(ap).localGet(kc).i32Const(stepBytes).i32Mul().i32Add().localSet(aEnd);
      fn.localGet(bPanel).localSet(bp);
      fn.localGet(c0).localGet(jp).i32Const(TILE_COLUMNS * 4).i32Mul().i32Add()
        .localGet(ip).i32Const(rows).i32Mul().localGet(ldc).i32Mul().i32Add().localSet(cTile);

      // The sums start at C's tile (a later block of k) or at zero.
      fn.localGet(accumulate).if(
        () => {
          for (let r = 0; r < rows; r++) {
            cRow(r); fn.v128Load(0).localSet(acc[r][0]);
            cRow(r); fn.v128Load(16).localSet(acc[r][1]);
          }
        },
        () => {
          fn.f32Const(0).f32x4Splat().localSet(acc[0][0]);
          for (let r = 0; r < rows; r++) {
            for (let h = 0; h < 2; h++) if (r !== 0 || h !== 0) fn.localGet(acc[0][0]).localSet(acc[r][h]);
          }
        },
      );

      // The micro-kernel: kc ≥ 1 steps, each 2 + rows loads and 2·rows f32x4 multiply-adds.
      fn.loop(() => {
        fn.localGet(bp).v128Load(0).localSet(b0v);
        fn.localGet(bp).v128Load(16).localSet(b1v);
        for (let r = 0; r < rows; r++) {
          fn.localGet(ap).v128Load32Splat(4 * r).localSet(av);
          fn.localGet(acc[r][0]).localGet(av).localGet(b0v).f32x4Mul().f32x4Add().localSet(acc[r][0]);
          fn.localGet(acc[r][1]).localGet(av).localGet(b1v).f32x4Mul().f32x4Add().localSet(acc[r][1]);
        }
        fn.localGet(bp).i32Const(TILE_COLUMNS * 4).i32Add().localSet(bp);
        fn.localGet(ap).i32Const(stepBytes).i32Add().localTee(ap);
        fn.localGet(aEnd).i32LtU().brIf(0);
      });

      for (let r = 0; r < rows; r++) {
        cRow(r); fn.localGet(acc[r][0]).v128Store(0);
        cRow(r); fn.localGet(acc[r][1]).v128Store(16);
      }
    });
  });

  const module = new ModuleBuilder();
  module.addFunction('gemm', fn);
  module.addFunction('packA', emitPack(rows));
  module.addFunction('packB', emitPack(TILE_COLUMNS));
  module.addFunction('compact', emitCompact());
  module.addMemory(1);
  return module.bytes();
}

/**
 * `pack(src, lineStride, kStride, lines, K, dest)`: the packing loop of {@link packPanels} in
 * WebAssembly, for panels of `width` lines, for operands first copied into the memory as they lie
 * (one `set`, a memcpy). Line ℓ, step k is the float at `src + ℓ·lineStride + k·kStride` (byte
 * addresses and strides); it goes to float `(p·K + k)·width + r` after `dest`, for ℓ = p·width + r.
 *
 * Whole panels copy `width` floats per step unrolled: as v128 when the lines are adjacent
 * floats (lineStride = 4, as for an untransposed B), else one f32 at a time. A last, partial
 * panel takes a plain loop, and its missing lines are zeros.
 */
function emitPack(width: number): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [src, lineStride, kStride, lines, K, dest] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const first = fn.local('i32'); // the panel's first line
  const valid = fn.local('i32'); // lines of this panel that exist
  const k = fn.local('i32');
  const r = fn.local('i32');
  const s = fn.local('i32');
  const d = fn.local('i32');
  const panelSrc = fn.local('i32');
  /** One step of k: `width` floats from s, s + lineStride, … to d, d + 4, …; then d moves on. */
  const wholeStep = (adjacent: boolean) => {
    if (adjacent) {
      for (let v = 0; v < width / 4; v++) fn.localGet(d).localGet(s).v128Load(16 * v).v128Store(16 * v);
    } else {
      for (let line = 0; line < width; line++) {
        fn.localGet(d).localGet(s).f32Load().f32Store(4 * line);
        if (line + 1 < width) fn.localGet(s).localGet(lineStride).i32Add().localSet(s);
      }
    }
    fn.localGet(d).i32Const(4 * width).i32Add().localSet(d);
  };
  const eachStep = (body: () => void) => {
    fn.forRange(k, 0, K, 1, () => {
      fn.localGet(panelSrc).localGet(k).localGet(kStride).i32Mul().i32Add().localSet(s);
      body();
    });
  };
  fn.localGet(dest).localSet(d);
  fn.forRange(first, 0, lines, width, () => {
    fn.localGet(src).localGet(first).localGet(lineStride).i32Mul().i32Add().localSet(panelSrc);
    fn.localGet(lines).localGet(first).i32Sub().localTee(valid).i32Const(width).i32GeS().if(
      () => {
        if (width % 4 === 0) {
          fn.localGet(lineStride).i32Const(4).i32Eq().if(() => eachStep(() => wholeStep(true)), () => eachStep(() => wholeStep(false)));
        } else {
          eachStep(() => wholeStep(false));
        }
      },
      () => {
        eachStep(() => {
          fn.forRange(r, 0, valid, 1, () => {
            fn.localGet(d).localGet(s).f32Load().f32Store();
            fn.localGet(s).localGet(lineStride).i32Add().localSet(s);
            fn.localGet(d).i32Const(4).i32Add().localSet(d);
          });
          fn.forRange(r, valid, width, 1, () => {
            fn.localGet(d).f32Const(0).f32Store();
            fn.localGet(d).i32Const(4).i32Add().localSet(d);
          });
        });
      },
    );
  });
  return fn;
}

/**
 * `compact(c, rows, fromStride, toStride)`: moves `rows` rows of C from a row stride of
 * `fromStride` bytes to `toStride` bytes (≤ fromStride; `toStride` bytes each), in place and front
 * to back, so C's valid corner ends up contiguous and leaves the memory in one `set`. Whole
 * 16-byte chunks move as v128, the rest as f32. Moving left, front to back, never overwrites a
 * byte not yet read.
 */
function emitCompact(): FunctionBuilder {
  const fn = new FunctionBuilder(['i32', 'i32', 'i32', 'i32']);
  const [c, rows, fromStride, toStride] = fn.params.map((_, i) => fn.param(i, 'i32'));
  const row = fn.local('i32');
  const s = fn.local('i32');
  const d = fn.local('i32');
  const end = fn.local('i32');
  const vectorEnd = fn.local('i32');
  fn.forRange(row, 0, rows, 1, () => {
    fn.localGet(c).localGet(row).localGet(fromStride).i32Mul().i32Add().localSet(s);
    fn.localGet(c).localGet(row).localGet(toStride).i32Mul().i32Add().localTee(d);
    fn.localGet(toStride).i32Add().localSet(end);
    // vectorEnd = d + (toStride − toStride mod 16)
    fn.localGet(end).localGet(toStride).i32Const(15).i32And().i32Sub().localSet(vectorEnd);
    fn.block(() => {
      fn.loop(() => {
        fn.localGet(d).localGet(vectorEnd).i32GeU().brIf(1);
        fn.localGet(d).localGet(s).v128Load().v128Store();
        fn.localGet(d).i32Const(16).i32Add().localSet(d);
        fn.localGet(s).i32Const(16).i32Add().localSet(s);
        fn.br(0);
      });
    });
    fn.block(() => {
      fn.loop(() => {
        fn.localGet(d).localGet(end).i32GeU().brIf(1);
        fn.localGet(d).localGet(s).f32Load().f32Store();
        fn.localGet(d).i32Const(4).i32Add().localSet(d);
        fn.localGet(s).i32Const(4).i32Add().localSet(s);
        fn.br(0);
      });
    });
  });
  return fn;
}

/** The kernel's exports, as the driver (and `bench/peak.ts`) calls them. */
export interface GemmExports {
  memory: WebAssembly.Memory;
  packA(src: number, lineStride: number, kStride: number, lines: number, K: number, dest: number): void;
  packB(src: number, lineStride: number, kStride: number, lines: number, K: number, dest: number): void;
  compact(c: number, rows: number, fromStride: number, toStride: number): void;
  gemm(a: number, b: number, c: number, mPanels: number, nPanels: number, kc: number,
    aPanelBytes: number, bPanelBytes: number, ldcBytes: number, accumulate: number): void;
}

/**
 * The JavaScript side of the WebAssembly product: owns one instance of the kernel module and its
 * memory, packs operands into it, runs the kernel block by block, and copies C out.
 */
export class WasmGemm {
  /** Rows per micro-tile of this instance's kernel. */
  readonly rows: number;
  /** The kernel's instance and its memory, with the views re-made whenever the memory grows. */
  private readonly arena: KernelArena<GemmExports>;

  /**
   * Compiles and instantiates the kernel, synchronously (the module is a few hundred bytes, well
   * under browsers' limit for compiling on the main thread).
   *
   * @throws whatever the engine throws where WebAssembly SIMD is missing or forbidden (a
   *   CompileError, or an EvalError under a Content-Security-Policy without 'wasm-unsafe-eval').
   */
  constructor(rows: number = TILE_ROWS) {
    this.rows = rows;
    this.arena = new KernelArena<GemmExports>(emitGemmModule(rows));
  }

  /** The memory's current size in bytes. */
  get memoryBytes(): number {
    return this.arena.exports.memory.buffer.byteLength;
  }

  /** Bytes of packing space an M×K by K×N product needs (A, B and C, padded to whole panels). */
  bytesNeeded(M: number, K: number, N: number): number {
    const Mp = roundUp(M, this.rows);
    const Np = roundUp(N, TILE_COLUMNS);
    const staging = Math.max(stagedSpan(K, 1, M, K), stagedSpan(1, N, N, K));
    return 4 * (roundUp(Mp * K, 4) + Np * K + Mp * Np + staging);
  }

  /**
   * `C = A·B` for one M×K by K×N float32 product (all ≥ 1) into `out` from `cStart` (row-major,
   * row stride N). A is read as `aData[aStart + m·aRowStride + k·aColStride]`, B likewise.
   */
  multiply(
    M: number, K: number, N: number,
    aData: TypedArray, aStart: number, aRowStride: number, aColStride: number,
    bData: TypedArray, bStart: number, bRowStride: number, bColStride: number,
    out: TypedArray, cStart: number,
  ): void {
    const rows = this.rows;
    const Mp = roundUp(M, rows);
    const Np = roundUp(N, TILE_COLUMNS);
    // Float offsets of the regions: packed A, packed B (16-byte aligned for v128 loads), C, then
    // the staging area where an operand is copied as it lies before the kernel packs it.
    const aAt = 0;
    const bAt = roundUp(Mp * K, 4);
    const cAt = bAt + Np * K;
    const stageAt = cAt + Mp * Np;
    const aSpan = stagedSpan(aRowStride, aColStride, M, K);
    const bSpan = stagedSpan(bColStride, bRowStride, N, K);
    this.arena.reserve(4 * (stageAt + Math.max(aSpan, bSpan, 0)));
    const view = this.arena.f32;
    const { gemm, packA, packB, compact } = this.arena.exports;

    if (aSpan > 0) {
      view.set(aData.subarray(aStart, aStart + aSpan), stageAt);
      packA(4 * stageAt, 4 * aRowStride, 4 * aColStride, M, K, 4 * aAt);
    } else {
      packPanels(view, aAt, aData, aStart, aRowStride, aColStride, M, K, rows);
    }
    if (bSpan > 0) {
      view.set(bData.subarray(bStart, bStart + bSpan), stageAt);
      packB(4 * stageAt, 4 * bColStride, 4 * bRowStride, N, K, 4 * bAt);
    } else {
      packPanels(view, bAt, bData, bStart, bColStride, bRowStride, N, K, TILE_COLUMNS);
    }

    const nPanels = Np / TILE_COLUMNS;
    const aPanelBytes = 4 * K * rows;
    const bPanelBytes = 4 * K * TILE_COLUMNS;
    const mcRows = roundUp(MC, rows);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      for (let m0 = 0; m0 < Mp; m0 += mcRows) {
        const mPanels = Math.min(mcRows, Mp - m0) / rows;
        gemm(
          4 * (aAt + m0 * K + k0 * rows), 4 * (bAt + k0 * TILE_COLUMNS), 4 * (cAt + m0 * Np),
          mPanels, nPanels, kc, aPanelBytes, bPanelBytes, 4 * Np, k0 > 0 ? 1 : 0,
        );
      }
    }

    // Drop C's padding columns in place, then one copy out (a memcpy).
    if (Np !== N) compact(4 * cAt, M, 4 * Np, 4 * N);
    out.set(view.subarray(cAt, cAt + M * N), cStart);
  }
}

/**
 * Copies `lines` lines of K numbers (line ℓ, step k at `src[start + ℓ·lineStride + k·kStride]`)
 * into `dest` from float `at`, as panels of `width` lines, k-major:
 *
 *     dest[at + (p·K + k)·width + r] = line p·width + r, step k        (r = 0 … width−1)
 *
 * A last, partial panel is padded with zero lines (the memory is reused, so they must be
 * written): the kernel computes those lanes like any other and the copy-out drops them.
 * The loop order follows the source's layout: along k when k is the short stride (a row-major
 * A, a transposed B), across lines otherwise, so the reads stay sequential either way.
 */
function packPanels(
  dest: Float32Array, at: number, src: TypedArray, start: number, lineStride: number, kStride: number,
  lines: number, K: number, width: number,
): void {
  const panels = Math.ceil(lines / width);
  if (Math.abs(kStride) <= Math.abs(lineStride)) {
    for (let p = 0; p < panels; p++) {
      for (let r = 0; r < width; r++) {
        const line = p * width + r;
        let d = at + p * K * width + r;
        if (line < lines) {
          for (let k = 0, s = start + line * lineStride; k < K; k++, s += kStride, d += width) dest[d] = src[s];
        } else {
          for (let k = 0; k < K; k++, d += width) dest[d] = 0;
        }
      }
    }
  } else {
    for (let p = 0; p < panels; p++) {
      const valid = Math.min(width, lines - p * width);
      for (let k = 0, d = at + p * K * width, s = start + p * width * lineStride; k < K; k++, d += width, s += kStride) {
        for (let r = 0, t = s; r < valid; r++, t += lineStride) dest[d + r] = src[t];
        for (let r = valid; r < width; r++) dest[d + r] = 0;
      }
    }
  }
}

/**
 * How many floats to copy so that an operand's `lines`×K elements (nonnegative strides) can be
 * packed inside the memory, or 0 when copying its span would cost much more than its elements
 * (a sparse strided view) or a stride is negative: those are packed from JavaScript.
 */
function stagedSpan(lineStride: number, kStride: number, lines: number, K: number): number {
  if (lineStride < 0 || kStride < 0) return 0;
  const span = (lines - 1) * lineStride + (K - 1) * kStride + 1;
  return span <= 2 * lines * K + 1024 ? span : 0;
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
