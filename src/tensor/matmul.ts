/**
 * Matrix products: `matmul`, `dot` and `outer`.
 *
 * The one formula behind all three:
 *
 *     C[m,n] = Σₖ A[m,k]·B[k,n]          A is M×K, B is K×N, C is M×N
 *     dot(a, b)   = Σₖ a[k]·b[k]          [K] · [K]  → []
 *     outer(a, b) = a[m]·b[n]             [M] ⊗ [N]  → [M,N]
 *
 * Shapes `matmul` accepts, following NumPy's `matmul`:
 *
 *     [M,K]       @ [K,N]       → [M,N]
 *     [B,1,M,K]   @ [H,K,N]     → [B,H,M,N]      leading "batch" dims broadcast
 *     [K]         @ [K,N]       → [N]            a vector on the left is a row  [1,K], then that axis goes
 *     [M,K]       @ [K]         → [M]            a vector on the right is a column [K,1], then that axis goes
 *     [K]         @ [K]         → []             both: the dot product
 *
 * `transposeA` / `transposeB` read the last two axes of that operand swapped, so `matmul(a, b,
 * { transposeB: true })` is A·Bᵀ without building Bᵀ. The autograd layer relies on this:
 * for C = A·B, ∂L/∂A = dC·Bᵀ and ∂L/∂B = Aᵀ·dC are both plain calls with a flag.
 *
 * Two implementations sit side by side, held equal by a property test:
 *
 * - {@link matmulReference}: the triple loop, straight from the formula, reading every element
 *   through its strides. Read this one first.
 * - {@link matmul}: the same numbers, fast. Small and thin products (a side under 8, or fewer
 *   than 16³ multiply-adds) run the same loop four rows at a time (`matmulStrips`); larger ones
 *   run a blocked, packed, register-tiled kernel in the style of GotoBLAS / BLIS
 *   (`matmulBlocked`, explained where it is defined). Packing copies operands into contiguous
 *   scratch, which absorbs transposes, strides and broadcast (stride-0) axes, so they cost
 *   nothing in the inner loop. A batch of matrices times one shared matrix runs as one tall
 *   product.
 *
 * Both accumulate in float64 (a JavaScript number) and round once when storing, so a float32
 * result carries only its final rounding, plus one per block of 256 steps of k in the blocked
 * kernel (partial sums wait in the output between blocks).
 *
 * A third fast path, for float32 only: a 4×8 register-tiled micro-kernel in WebAssembly SIMD,
 * emitted from TypeScript (src/tensor/wasm/gemm.ts). It sums in float32, four lanes at a time.
 * `multiply` sends a float32 product there when the backend allows it ({@link setMatmulBackend},
 * or the environment variable `SUPERPOSITION_MATMUL=js|wasm|auto`) and, under `'auto'`, when
 * the product is big enough to pay for packing (`useWasm`). A batch of products each too small
 * for it (the phase diagram's 800 instances of 128×2 @ 2×1) runs in one WebAssembly call instead
 * of one strip call per entry, with the strips' own bits (src/tensor/wasm/thin.ts).
 * {@link lastMatmulKernel} names the kernel that ran. Float64 always runs in JavaScript.
 *
 * Speed (float32, one core of the project's machine, Node 20): the JS kernels about 4.5–5
 * GFLOP/s for square sizes 128–1024, the same with either transpose flag; the WebAssembly kernel
 * about 25–45 GFLOP/s there (see the README's benchmark tables).
 *
 * @module
 */
import type { DType, TypedArray } from './dtype.js';
import { allocate } from './dtype.js';
import { fail, formatShape } from './errors.js';
import { Tensor } from './tensor.js';
import { checkResultSize } from './shape.js';
import { StridedWalk } from './walk.js';
import { matmulBackend, wasmGemm } from './wasm/backend.js';
import { MAX_MEMORY_BYTES, type WasmGemm } from './wasm/gemm.js';
import { thinProductsFor } from './wasm/thin.js';

export { type MatmulBackend, matmulBackend, setMatmulBackend, wasmSimdAvailable } from './wasm/backend.js';

/** Flags for {@link matmul}: which operands to read with their last two axes swapped. */
export interface MatmulOptions {
  /** Use Aᵀ (the last two axes of `a` swapped). Ignored for a 1-D `a`, which has only one axis. */
  transposeA?: boolean;
  /** Use Bᵀ (the last two axes of `b` swapped). Ignored for a 1-D `b`, which has only one axis. */
  transposeB?: boolean;
}

/**
 * The matrix product of `a` and `b`, with NumPy's rules for batches and vectors (see the module
 * notes): `C[…,m,n] = Σₖ A[…,m,k]·B[…,k,n]`, batch dims broadcast.
 *
 * Both operands must be float32, or both float64; the result has their dtype.
 *
 * @param a - the left operand, rank ≥ 1: `[…, M, K]` (or `[…, K, M]` with `transposeA`), or `[K]`.
 * @param b - the right operand, rank ≥ 1: `[…, K, N]` (or `[…, N, K]` with `transposeB`), or `[K]`.
 * @param options - `transposeA` / `transposeB`, to use Aᵀ / Bᵀ without building them.
 * @returns a new contiguous tensor of shape `[…batch, M, N]`, with the axes of vector operands removed.
 * @throws {@link TensorError} for rank-0 operands, mixed or integer dtypes, inner dims that differ,
 *   or batch dims that do not broadcast.
 *
 * @example
 * ```ts
 * const a = tensor([[1, 2], [3, 4]]);
 * matmul(a, a).toArray();                        // returns [[7, 10], [15, 22]]
 * matmul(a, a, { transposeB: true }).toArray();  // returns [[5, 11], [11, 25]]
 * matmul(a, tensor([1, 1])).toArray();           // returns [3, 7]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const plan = planMatmul(a, b, options);
  const { M, K, N } = plan;
  const out = allocate(plan.dtype, plan.batchCount * M * N);
  if (out.length === 0 || K === 0) {
    lastKernel = 'none';
    return new Tensor(out, plan.outShape); // empty, or sums of nothing: zeros
  }


  // A stack of matrices times one shared matrix, [B,M,K] @ [K,N], is one tall product
  // [B·M,K] @ [K,N] when A's rows are evenly spaced: one call, B packed once, big tiles.
  const tallRowStride = plan.batchCount > 1 ? foldedRowStride(plan) : undefined;
  if (plan.batchCount === 1 || tallRowStride !== undefined) {
    const rows = plan.batchCount * M;
    multiply(rows, K, N, a.data, a.offset, tallRowStride ?? plan.aRowStride, plan.aColStride,
      b.data, b.offset, plan.bRowStride, plan.bColStride, out, 0);
    return new Tensor(out, plan.outShape);
  }

  // Otherwise one product per batch entry, the shared walk (`walk.ts`) moving each operand's
  // start by its own batch strides.
  const [aStarts, bStarts] = batchStarts(plan, a.offset, b.offset);
  if (out instanceof Float32Array && a.data instanceof Float32Array && b.data instanceof Float32Array && useWasm(M, K, N) === null) {
    // Products each too small for the tiled kernel, but many: where the JS strips would run them
    // one by one, the whole batch in one call instead, with the strips' bits (wasm/thin.ts).
    const thin = thinProductsFor(plan.batchCount * M * K * N);
    if (thin !== null && thin.multiplyMany(M, K, N, a.data, aStarts, plan.aRowStride, plan.aColStride,
      b.data, bStarts, plan.bRowStride, plan.bColStride, out)) {
      lastKernel = 'wasm-thin';
      return new Tensor(out, plan.outShape);
    }
  }
  for (let batch = 0; batch < plan.batchCount; batch++) {
    multiply(M, K, N, a.data, aStarts[batch], plan.aRowStride, plan.aColStride,
      b.data, bStarts[batch], plan.bRowStride, plan.bColStride, out, batch * M * N);
  }
  return new Tensor(out, plan.outShape);
}

/** Where each batch entry's A and B start, in batch order: the shared walk (`walk.ts`) over the batch axes. */
function batchStarts(plan: MatmulPlan, aOffset: number, bOffset: number): [Int32Array, Int32Array] {
  const aStarts = new Int32Array(plan.batchCount);
  const bStarts = new Int32Array(plan.batchCount);
  const walk = new StridedWalk(plan.batchShape, [plan.aBatchStrides, plan.bBatchStrides], [aOffset, bOffset]);
  const [sa, sb] = walk.innerSteps;
  const [ra, rb] = walk.rowSteps;
  let batch = 0;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, rowA = walk.starts[0], rowB = walk.starts[1]; r < walk.rows; r++, rowA += ra, rowB += rb) {
      for (let i = 0, aStart = rowA, bStart = rowB; i < walk.inner; i++, aStart += sa, bStart += sb) {
        aStarts[batch] = aStart;
        bStarts[batch++] = bStart;
      }
    }
  }
  return [aStarts, bStarts];
}

/**
 * {@link matmul} as the plain triple loop: for every batch, every `m` and every `n`,
 * `C[m,n] = Σₖ A[m,k]·B[k,n]`, each element read through its strides. Same arguments, same
 * result (up to float rounding order), same errors. Slow; it is the definition the fast path is
 * tested against.
 *
 * @example
 * ```ts
 * matmulReference(tensor([[1, 2]]), tensor([[3], [4]])).toArray();   // returns [[11]]
 * ```
 */
export function matmulReference(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const plan = planMatmul(a, b, options);
  const { M, K, N } = plan;
  const out = allocate(plan.dtype, plan.batchCount * M * N);
  for (let batch = 0; batch < plan.batchCount; batch++) {
    // Where this batch's matrices start: unflatten the batch number into an index (i₀, i₁, …)
    // and walk each operand's own batch strides (0 along the axes it is broadcast over).
    let aStart = a.offset;
    let bStart = b.offset;
    let rest = batch;
    for (let axis = plan.batchShape.length - 1; axis >= 0; axis--) {
      const index = rest % plan.batchShape[axis];
      rest = Math.floor(rest / plan.batchShape[axis]);
      aStart += index * plan.aBatchStrides[axis];
      bStart += index * plan.bBatchStrides[axis];
    }
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const aMK = a.data[aStart + m * plan.aRowStride + k * plan.aColStride];
          const bKN = b.data[bStart + k * plan.bRowStride + n * plan.bColStride];
          sum += aMK * bKN;
        }
        out[batch * M * N + m * N + n] = sum;
      }
    }
  }
  return new Tensor(out, plan.outShape);
}

/**
 * The dot product of two vectors, `Σₖ a[k]·b[k]`, as a scalar tensor (shape `[]`).
 *
 * @throws {@link TensorError} unless both are 1-D of the same length and the same float dtype.
 *
 * @example
 * ```ts
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item();   // returns 32
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkVectors('dot', a, b, '·');
  if (a.shape[0] !== b.shape[0]) {
    fail('dot', `lengths differ: ${formatShape(a.shape)} · ${formatShape(b.shape)}; both vectors need the same length`);
  }
  const K = a.shape[0];
  const aData = a.data;
  const bData = b.data;
  const aStride = a.strides[0];
  const bStride = b.strides[0];
  let sum = 0;
  for (let k = 0, p = a.offset, q = b.offset; k < K; k++, p += aStride, q += bStride) sum += aData[p] * bData[q];
  const out = allocate(a.dtype, 1);
  out[0] = sum;
  return new Tensor(out, []);
}

/**
 * The outer product of two vectors, `C[m,n] = a[m]·b[n]`: `[M] ⊗ [N] → [M,N]`.
 *
 * @throws {@link TensorError} unless both are 1-D with the same float dtype.
 *
 * @example
 * ```ts
 * outer(tensor([1, 2]), tensor([3, 4, 5])).toArray();   // returns [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkVectors('outer', a, b, '⊗');
  const M = a.shape[0];
  const N = b.shape[0];
  checkResultSize('outer', [M, N], [a.shape, b.shape]);
  const out = allocate(a.dtype, M * N);
  const aData = a.data;
  const bData = b.data;
  const bStride = b.strides[0];
  for (let m = 0, c = 0; m < M; m++) {
    const aM = aData[a.offset + m * a.strides[0]];
    for (let n = 0, q = b.offset; n < N; n++, q += bStride) out[c++] = aM * bData[q];
  }
  return new Tensor(out, [M, N]);
}

// ---------------------------------------------------------------------------------------------
// Checking the operands and planning the loops
// ---------------------------------------------------------------------------------------------

/**
 * Everything the loops need, worked out once per call. Each matrix is read as
 * `A[m,k] = aData[aStart + m·aRowStride + k·aColStride]` (likewise B), where `aStart` depends on
 * the batch; a transpose flag just swaps the two strides.
 */
interface MatmulPlan {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly dtype: DType;
  /** The broadcast batch dims, and how many matrices they hold. */
  readonly batchShape: number[];
  readonly batchCount: number;
  /** Each operand's strides along `batchShape` (0 along axes it is broadcast over). */
  readonly aBatchStrides: number[];
  readonly bBatchStrides: number[];
  readonly aRowStride: number; // step in m
  readonly aColStride: number; // step in k
  readonly bRowStride: number; // step in k
  readonly bColStride: number; // step in n
  /** The result's shape: batch, M, N, minus the axes added for vector operands. */
  readonly outShape: number[];
}

function planMatmul(a: Tensor, b: Tensor, options: MatmulOptions): MatmulPlan {
  const op = 'matmul';
  checkTensors(op, a, b);
  if (options === null || typeof options !== 'object') fail(op, `options must be an object, got ${String(options)}`);
  const { transposeA = false, transposeB = false } = options;
  if (typeof transposeA !== 'boolean' || typeof transposeB !== 'boolean') {
    fail(op, `transposeA and transposeB must be booleans, got ${String(transposeA)} and ${String(transposeB)}`);
  }
  const flags = (transposeA ? ' with transposeA' : '') + (transposeB ? (transposeA ? ' and transposeB' : ' with transposeB') : '');
  const shapes = `${formatShape(a.shape)} @ ${formatShape(b.shape)}${flags}`;
  if (a.rank === 0 || b.rank === 0) {
    fail(op, `operands must have rank ≥ 1, got a scalar: ${shapes}; multiply by a scalar with mul instead`);
  }
  if (a.dtype !== b.dtype) {
    fail(op, `dtypes differ: ${a.dtype} ${formatShape(a.shape)} @ ${b.dtype} ${formatShape(b.shape)}; cast one operand first`);
  }
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    fail(op, `dtype ${a.dtype} is not supported: ${shapes}; matmul needs float32 or float64`);
  }

  // View each operand as a stack of matrices: shape [...batch, rows, cols] and strides. A vector
  // becomes a one-row (left) or one-column (right) matrix; the added axis has size 1, so its
  // stride is never used.
  const aIsVector = a.rank === 1;
  const bIsVector = b.rank === 1;
  const aRows = aIsVector ? 1 : a.shape[a.rank - 2];
  const aCols = a.shape[a.rank - 1];
  const aRowStep = aIsVector ? 0 : a.strides[a.rank - 2];
  const aColStep = a.strides[a.rank - 1];
  const bRows = b.shape[b.rank - 1 - (bIsVector ? 0 : 1)];
  const bCols = bIsVector ? 1 : b.shape[b.rank - 1];
  const bRowStep = bIsVector ? b.strides[0] : b.strides[b.rank - 2];
  const bColStep = bIsVector ? 0 : b.strides[b.rank - 1];
  // A transpose swaps which axis is which (vectors have nothing to swap).
  const swapA = transposeA && !aIsVector;
  const swapB = transposeB && !bIsVector;
  const M = swapA ? aCols : aRows;
  const K = swapA ? aRows : aCols;
  const kOfB = swapB ? bCols : bRows;
  const N = swapB ? bRows : bCols;
  if (K !== kOfB) {
    fail(op, `inner dimensions differ: ${shapes}; A is ${M}×${K} and B is ${kOfB}×${N}, but A's columns must equal B's rows`);
  }

  // Broadcast the batch dims (everything left of the last two axes), NumPy style.
  const aBatch = a.shape.slice(0, Math.max(0, a.rank - 2));
  const bBatch = b.shape.slice(0, Math.max(0, b.rank - 2));
  const batchRank = Math.max(aBatch.length, bBatch.length);
  const batchShape = new Array<number>(batchRank);
  const aBatchStrides = new Array<number>(batchRank);
  const bBatchStrides = new Array<number>(batchRank);
  let batchCount = 1;
  for (let axis = 0; axis < batchRank; axis++) {
    const aAxis = axis - (batchRank - aBatch.length); // negative: a lacks this axis
    const bAxis = axis - (batchRank - bBatch.length);
    const aDim = aAxis >= 0 ? aBatch[aAxis] : 1;
    const bDim = bAxis >= 0 ? bBatch[bAxis] : 1;
    if (aDim !== bDim && aDim !== 1 && bDim !== 1) {
      fail(
        op,
        `batch dims do not broadcast: ${shapes}; batch ${formatShape(aBatch)} vs ${formatShape(bBatch)} ` +
          `differ at batch axis ${axis - batchRank} (${aDim} vs ${bDim}; each pair must be equal or one of them 1)`,
      );
    }
    const dim = aDim === 1 ? bDim : aDim;
    batchShape[axis] = dim;
    aBatchStrides[axis] = aDim === 1 ? 0 : a.strides[aAxis];
    bBatchStrides[axis] = bDim === 1 ? 0 : b.strides[bAxis];
    batchCount *= dim;
  }

  const outShape = batchShape.slice();
  if (!aIsVector) outShape.push(M);
  if (!bIsVector) outShape.push(N);
  checkResultSize('matmul', outShape, [a.shape, b.shape]);
  return {
    M, K, N, dtype: a.dtype, batchShape, batchCount, aBatchStrides, bBatchStrides, outShape,
    aRowStride: swapA ? aColStep : aRowStep,
    aColStride: swapA ? aRowStep : aColStep,
    bRowStride: swapB ? bColStep : bRowStep,
    bColStride: swapB ? bRowStep : bColStep,
  };
}

/**
 * When B is shared by the whole batch (its batch strides are all 0) and A's rows, taken batch
 * by batch, sit at evenly spaced positions, returns that spacing: A is then one tall
 * (batch·M)×K matrix. Otherwise `undefined`.
 */
function foldedRowStride(plan: MatmulPlan): number | undefined {
  const { batchShape, aBatchStrides, bBatchStrides } = plan;
  for (let axis = 0; axis < batchShape.length; axis++) if (batchShape[axis] !== 1 && bBatchStrides[axis] !== 0) return undefined;
  // The spacing is the row stride, or for one-row matrices the innermost batch stride.
  let rowStride = plan.aRowStride;
  if (plan.M === 1) {
    for (let axis = batchShape.length - 1; axis >= 0; axis--) {
      if (batchShape[axis] !== 1) {
        rowStride = aBatchStrides[axis];
        break;
      }
    }
  }
  // Each batch axis must step over exactly the rows inside it.
  let rowsInside = plan.M;
  for (let axis = batchShape.length - 1; axis >= 0; axis--) {
    if (batchShape[axis] === 1) continue;
    if (aBatchStrides[axis] !== rowsInside * rowStride) return undefined;
    rowsInside *= batchShape[axis];
  }
  return rowStride;
}

function checkTensors(op: string, a: Tensor, b: Tensor): void {
  if (!(a instanceof Tensor)) fail(op, `a must be a Tensor, got ${typeof a}`);
  if (!(b instanceof Tensor)) fail(op, `b must be a Tensor, got ${typeof b}`);
}

function checkVectors(op: string, a: Tensor, b: Tensor, symbol: string): void {
  checkTensors(op, a, b);
  if (a.rank !== 1 || b.rank !== 1) {
    fail(op, `expected two 1-D tensors, got ${formatShape(a.shape)} ${symbol} ${formatShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) {
    fail(op, `dtypes differ: ${a.dtype} ${formatShape(a.shape)} ${symbol} ${b.dtype} ${formatShape(b.shape)}; cast one operand first`);
  }
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    fail(op, `dtype ${a.dtype} is not supported: ${formatShape(a.shape)} ${symbol} ${formatShape(b.shape)}; ${op} needs float32 or float64`);
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing a kernel
// ---------------------------------------------------------------------------------------------

/**
 * The kernel families a product can run on: the WebAssembly SIMD micro-kernel (float32, see
 * src/tensor/wasm/gemm.ts), a batch of products too small for it in one WebAssembly call (float32,
 * src/tensor/wasm/thin.ts, the strips' bits), the blocked JS kernel, the JS strips, or none (an
 * empty product).
 */
export type MatmulKernel = 'wasm-simd-4x8' | 'wasm-thin' | 'js-blocked-4x4' | 'js-strips' | 'none';

let lastKernel: MatmulKernel = 'none';

/**
 * The kernel the most recent {@link matmul} ran on (for a batch of products run one by one, the
 * last one's). Benchmarks and traces quote it, so a figure always says which code produced it.
 *
 * @example
 * ```ts
 * setMatmulBackend('js');
 * matmul(ones([2, 2]), ones([2, 2]));
 * lastMatmulKernel();   // returns 'js-strips'
 * ```
 */
export function lastMatmulKernel(): MatmulKernel {
  return lastKernel;
}

/**
 * The WebAssembly driver when this float32 product should run on it, else null.
 *
 * Under `'auto'` the product must pay for its packing: at least {@link WASM_MIN_WORK}
 * multiply-adds. Measured with `npx tsx bench/crossover.ts` (Node 20, one core of the project's
 * machine), WebAssembly loses only on a handful of multiply-adds (4×4 @ 4×4: 1.6 vs 1.0 µs),
 * ties at 8×8 @ 8×8 (2.6 vs 2.7 µs) and wins from 16×4 @ 4×16 (3.3 vs 4.5 µs) up: 7–8× on the
 * toy model's n = 100 products and the SAE's. It wins even where the 4×8 tile pads most of its
 * work away: one column ([1024,5] @ [5,1]: 16.2 vs 19.6 µs), two ([1024,5] @ [5,2]: 16.9 vs
 * 30.6 µs), one row ([1,512] @ [512,512]: 255 vs 416 µs; transposed, 327 vs 761 µs). (An
 * earlier machine, an AMD EPYC, measured those padded cases as ties; none was a clear loss.)
 */
function useWasm(M: number, K: number, N: number): WasmGemm | null {
  const backend = matmulBackend();
  if (backend === 'js') return null;
  if (backend === 'auto' && M * N * K < WASM_MIN_WORK) return null;
  const gemm = wasmGemm();
  if (gemm === null || gemm.bytesNeeded(M, K, N) > MAX_MEMORY_BYTES) return null;
  return gemm;
}

/** See `useWasm`: the smallest product (M·N·K multiply-adds) that runs faster in WebAssembly. */
const WASM_MIN_WORK = 1024;

/**
 * `C = A·B` for one M×K by K×N product into `out` at `cStart` (row-major, row stride N), with A
 * read as `aData[aStart + m·aRowStride + k·aColStride]` and B likewise. Picks the kernel:
 * packing pays off once there are enough whole tiles and enough steps of k per tile; below that
 * the strip kernel wins (measured: see `BLOCKED_MIN_SIDE`).
 */
function multiply(
  M: number, K: number, N: number,
  aData: TypedArray, aStart: number, aRowStride: number, aColStride: number,
  bData: TypedArray, bStart: number, bRowStride: number, bColStride: number,
  out: TypedArray, cStart: number,
): void {
  if (out instanceof Float32Array) {
    const gemm = useWasm(M, K, N);
    if (gemm !== null) {
      lastKernel = 'wasm-simd-4x8';
      gemm.multiply(M, K, N, aData, aStart, aRowStride, aColStride, bData, bStart, bRowStride, bColStride, out, cStart);
      return;
    }
  }
  lastKernel = M >= BLOCKED_MIN_SIDE && N >= BLOCKED_MIN_SIDE && K >= BLOCKED_MIN_SIDE && M * N * K >= BLOCKED_MIN_WORK ? 'js-blocked-4x4' : 'js-strips';
  if (M >= BLOCKED_MIN_SIDE && N >= BLOCKED_MIN_SIDE && K >= BLOCKED_MIN_SIDE && M * N * K >= BLOCKED_MIN_WORK) {
    matmulBlocked(M, K, N, aData, aStart, aRowStride, aColStride, bData, bStart, bRowStride, bColStride, out, cStart);
  } else if (M >= 4 || M >= N) {
    // Strips of four rows, plus one-row leftovers.
    matmulStrips(M, K, N, aData, aStart, aRowStride, aColStride, bData, bStart, bRowStride, bColStride, out, cStart, N, 1);
  } else {
    // Few rows, more columns: compute Cᵀ = Bᵀ·Aᵀ instead, so the strips run along the long side.
    // Swapping the operands and both pairs of strides is all it takes; Cᵀ is written through
    // swapped output strides, straight into C.
    matmulStrips(N, K, M, bData, bStart, bColStride, bRowStride, aData, aStart, aColStride, aRowStride, out, cStart, 1, N);
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path 1: small and thin products
// ---------------------------------------------------------------------------------------------

/**
 * The reference loop, four rows of A at a time: for each column n of B, four sums
 * `C[m+r, n] = Σₖ A[m+r, k]·B[k, n]` (r = 0…3) run side by side, sharing each load of B[k, n].
 * No packing, so nothing to set up: right for small products and for thin ones (N or K of a
 * few), where packing would cost as much as the arithmetic.
 *
 * Why four at once: a single running sum is a chain of dependent additions, each waiting for the
 * last (about 4 cycles apiece); four independent chains keep the adder busy. Measured on
 * [1024,5]@[5,2] and [1024,20]@[20,5]: 2–2.5× the one-sum loop. Leftover rows (M mod 4) take the
 * one-sum loop.
 *
 * C is written at `out[cStart + m·cRowStride + n·cColStride]`, so the same kernel can write a
 * transposed result (see `multiply`).
 */
function matmulStrips(
  M: number, K: number, N: number,
  aData: TypedArray, aStart: number, aRowStride: number, aColStride: number,
  bData: TypedArray, bStart: number, bRowStride: number, bColStride: number,
  out: TypedArray, cStart: number, cRowStride: number, cColStride: number,
): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const a0 = aStart + m * aRowStride;
    const a1 = a0 + aRowStride;
    const a2 = a1 + aRowStride;
    const a3 = a2 + aRowStride;
    const c0 = cStart + m * cRowStride;
    for (let n = 0; n < N; n++) {
      let sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
      for (let k = 0, ak = 0, q = bStart + n * bColStride; k < K; k++, ak += aColStride, q += bRowStride) {
        const bKN = bData[q];
        sum0 += aData[a0 + ak] * bKN;
        sum1 += aData[a1 + ak] * bKN;
        sum2 += aData[a2 + ak] * bKN;
        sum3 += aData[a3 + ak] * bKN;
      }
      const c = c0 + n * cColStride;
      out[c] = sum0;
      out[c + cRowStride] = sum1;
      out[c + 2 * cRowStride] = sum2;
      out[c + 3 * cRowStride] = sum3;
    }
  }
  for (; m < M; m++) {
    const aRow = aStart + m * aRowStride;
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0, p = aRow, q = bStart + n * bColStride; k < K; k++, p += aColStride, q += bRowStride) sum += aData[p] * bData[q];
      out[cStart + m * cRowStride + n * cColStride] = sum;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path 2: the blocked, packed, register-tiled kernel
// ---------------------------------------------------------------------------------------------

/** The register tile: the micro-kernel computes a TILE×TILE block of C in 16 local variables. */
const TILE = 4;
/** K is cut into blocks of this many so that a packed B panel (KC×TILE doubles, 8 KiB) stays in L1. */
const KC = 256;
/** M is cut into blocks of this many so that the packed A block (MC×KC doubles, 128 KiB) stays in L2. */
const MC = 64;
/** N is cut into blocks of this many so that the packed B block (KC×NC doubles, 1 MiB) stays in L2/L3. */
const NC = 512;
/**
 * The blocked kernel runs when M, N and K are all at least this and M·N·K is at least
 * `BLOCKED_MIN_WORK`; otherwise `matmulStrips`. Measured (float32, one core): the
 * blocked kernel wins from 16×16×16 up (2.2 vs 2.0 GFLOP/s, 3.4 vs 2.4 at 32³) and whenever M, N
 * and K are 8 or more ([1024,100]@[100,8]: 3.5 vs 2.5); with N or M of 4…7 the zero padding of the
 * last tile wastes up to half the work and the strips win ([1024,100]@[100,5]: 2.5 vs 2.2); with
 * K below 8 each tile's fixed cost (a call, 16 stores) outweighs its few steps.
 */
const BLOCKED_MIN_SIDE = 8;
/** See `BLOCKED_MIN_SIDE`: the smallest product (M·N·K multiply-adds) worth packing. */
const BLOCKED_MIN_WORK = 16 * 16 * 16;

// Packing scratch, shared by every call and grown on demand (bounded by the block sizes above:
// at most MC×KC and NC×KC doubles, 1.1 MiB), so a training loop allocates nothing here after its
// first step. Plain arrays of doubles; see matmulBlocked for why not Float64Array.
const packedA: number[] = [];
const packedB: number[] = [];
/** One C tile, written by the micro-kernel and then added into the output. */
const tile = new Float64Array(TILE * TILE);

/**
 * `C = A·B` for one M×K by K×N product, blocked for the caches and tiled for the registers.
 *
 *     for each block of NC columns n₀ and KC steps k₀:
 *       pack B[k₀:k₀+KC, n₀:n₀+NC] into panels of TILE columns   (k-major: each step is 4 numbers)
 *       for each block of MC rows m₀:
 *         pack A[m₀:m₀+MC, k₀:k₀+KC] into panels of TILE rows     (k-major: each step is 4 numbers)
 *         for each TILE×TILE tile of C in the block:
 *           tile = Σ over the KC steps of (4 numbers of A) ⊗ (4 numbers of B)   ← the micro-kernel
 *           C[tile] (+)= tile
 *
 * Why this shape:
 * - The micro-kernel keeps 16 sums in locals (registers) and does 16 multiply-adds per 8 loads;
 *   the plain loop does 1 per 2 loads.
 * - Packing copies each panel into contiguous scratch in exactly the order the micro-kernel reads
 *   it. That one copy absorbs transposes, arbitrary strides and broadcast (stride-0) axes, and
 *   zero-pads ragged edges to whole tiles, so the micro-kernel has one shape and no branches.
 *   Packing touches O(MK + KN) numbers against O(MNK) work.
 * - Both dtypes pack into the same float64 scratch, so the micro-kernel only ever sees one array
 *   type (monomorphic) and float32 is widened once per packed number, not once per multiply.
 * - The scratch is a plain `number[]` holding doubles, not a Float64Array: V8 re-checks a typed
 *   array's buffer on every load inside the loop (it could be detached), a plain array of doubles
 *   not, and the kernel ran 10% faster (4.7 → 5.2 GFLOP/s at n = 512).
 *
 * Variants measured (Node 20, one core, float32, square n = 128…1024, best of 8 runs, taken in
 * one process in turn): 4×4 and 2×8 tiles tie (5.1–5.2 GFLOP/s), 4×8 is slower (4.4: 32 sums do
 * not fit in x64's 16 float registers and spill); a single loop counter instead of two changes
 * nothing; Float32Array scratch is no faster than Float64Array; KC of 128 or 512 and MC of 32 or
 * 128 are within noise of 256 and 64. V8's scalar code is bound by loads and their checks more than
 * by arithmetic, so the bigger tiles' better load ratio is eaten by spills. 4×4 is kept: the
 * smallest code that reaches the plateau, and square, so A and B pack the same way.
 */
function matmulBlocked(
  M: number, K: number, N: number,
  aData: TypedArray, aStart: number, aRowStride: number, aColStride: number,
  bData: TypedArray, bStart: number, bRowStride: number, bColStride: number,
  out: TypedArray, cStart: number,
): void {
  growScratch(packedA, roundUpToTile(Math.min(MC, M)) * Math.min(KC, K));
  growScratch(packedB, roundUpToTile(Math.min(NC, N)) * Math.min(KC, K));
  for (let n0 = 0; n0 < N; n0 += NC) {
    const nc = Math.min(NC, N - n0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      // B's lines are its columns n: line n, step k is B[k₀+k, n₀+n].
      packPanels(bData, bStart + k0 * bRowStride + n0 * bColStride, bColStride, bRowStride, nc, kc, packedB);
      for (let m0 = 0; m0 < M; m0 += MC) {
        const mc = Math.min(MC, M - m0);
        // A's lines are its rows m: line m, step k is A[m₀+m, k₀+k].
        packPanels(aData, aStart + m0 * aRowStride + k0 * aColStride, aRowStride, aColStride, mc, kc, packedA);
        // Each B panel (KC×4, 8 KiB) stays in L1 while the A panels stream past it from L2.
        for (let j = 0; j < nc; j += TILE) {
          for (let i = 0; i < mc; i += TILE) {
            microKernel4x4(packedA, i * kc, packedB, j * kc, kc);
            const rows = Math.min(TILE, mc - i);
            const cols = Math.min(TILE, nc - j);
            storeTile(out, cStart + (m0 + i) * N + n0 + j, N, rows, cols, k0 > 0);
          }
        }
      }
    }
  }
}

/**
 * Copies `lines` lines of `kc` numbers each (line ℓ, step k at `src[start + ℓ·lineStride +
 * k·kStride]`) into `dest` as panels of TILE lines, k-major:
 *
 *     dest[(ℓ₀·kc + k)·TILE + r] = line ℓ₀·TILE + r, step k       (r = 0 … TILE−1)
 *
 * so the micro-kernel reads each panel front to back, TILE numbers per step. A last, partial
 * panel is padded with zero lines: the micro-kernel computes those lanes like any other and
 * `storeTile` drops them, so the kernel needs no edge cases. (Zeros rather than whatever the
 * scratch held before keep that wasted arithmetic cheap: no denormals, no NaN.)
 */
function packPanels(
  src: TypedArray, start: number, lineStride: number, kStride: number,
  lines: number, kc: number, dest: number[],
): void {
  for (let first = 0; first < lines; first += TILE) {
    const panelStart = first * kc;
    for (let r = 0; r < TILE; r++) {
      let d = panelStart + r;
      if (first + r < lines) {
        for (let k = 0, s = start + (first + r) * lineStride; k < kc; k++, s += kStride, d += TILE) dest[d] = src[s];
      } else {
        for (let k = 0; k < kc; k++, d += TILE) dest[d] = 0;
      }
    }
  }
}

/**
 * The micro-kernel: `tile[r,c] = Σₖ a[k,r]·b[k,c]` over `kc` steps of one packed A panel and one
 * packed B panel (each 4 numbers per step). The 16 sums live in locals, so the only memory
 * traffic is the 8 packed loads per step.
 */
function microKernel4x4(a: number[], aStart: number, b: number[], bStart: number, kc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0, p = aStart, q = bStart; k < kc; k++, p += TILE, q += TILE) {
    const a0 = a[p], a1 = a[p + 1], a2 = a[p + 2], a3 = a[p + 3];
    let bk = b[q];
    c00 += a0 * bk; c10 += a1 * bk; c20 += a2 * bk; c30 += a3 * bk;
    bk = b[q + 1];
    c01 += a0 * bk; c11 += a1 * bk; c21 += a2 * bk; c31 += a3 * bk;
    bk = b[q + 2];
    c02 += a0 * bk; c12 += a1 * bk; c22 += a2 * bk; c32 += a3 * bk;
    bk = b[q + 3];
    c03 += a0 * bk; c13 += a1 * bk; c23 += a2 * bk; c33 += a3 * bk;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
}

/**
 * Writes the top-left `rows × cols` of the tile into C at `cStart` (row stride N): assigned for
 * the first K block, added for the later ones. Edge tiles keep only their valid part.
 */
function storeTile(out: TypedArray, cStart: number, N: number, rows: number, cols: number, accumulate: boolean): void {
  for (let r = 0, c = cStart; r < rows; r++, c += N) {
    for (let col = 0; col < cols; col++) {
      out[c + col] = accumulate ? out[c + col] + tile[r * TILE + col] : tile[r * TILE + col];
    }
  }
}

function roundUpToTile(count: number): number {
  return Math.ceil(count / TILE) * TILE;
}

/** Lengthens a scratch array to at least `length`, in place. */
function growScratch(buffer: number[], length: number): void {
  // Push a non-integer so that V8 stores the array as packed doubles from the start.
  while (buffer.length < length) buffer.push(0.5);
}
