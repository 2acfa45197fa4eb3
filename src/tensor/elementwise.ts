/**
 * Elementwise ops: one scalar formula applied at every position, with NumPy broadcasting.
 *
 * Unary:       y[i] = f(x[i])                     neg, abs, exp, log, sqrt, square, relu,
 *                                                 sigmoid, tanh, sign, clamp
 * Binary:      y[i] = f(a[i'], b[i''])            add, sub, mul, div, pow, maximum, minimum,
 *                                                 and the comparisons, which return 1 or 0
 * Ternary:     y[i] = cond[i] ≠ 0 ? a[i] : b[i]   where
 *
 * Shapes: the output has the broadcast shape of the operands (see `shape.ts`): for example
 * [8,1024,100] + [100] → [8,1024,100]. A plain number may stand in for either operand of a binary
 * op: `mul(x, 2)`. The output dtype is the operands' dtype; the two must agree.
 *
 * How it runs. Each op is one row in a table of scalar functions. {@link binaryReference} and
 * {@link unaryReference} are the plain loops a learner should read first: for every output
 * position they work out which input element it reads, through the strides. The fast paths do the
 * same work without per-element index arithmetic, choosing by the operands' layout:
 *
 * - same shape, both contiguous:       out[i] = f(a[i], b[i])
 *   (float32 add, sub, mul and div from 1024 entries: the same in WebAssembly SIMD, `wasm/streams.ts`)
 * - one operand is a single number:     out[i] = f(a[i], s)
 * - one operand repeats as a trailing row (bias add, [8,1024,100] + [100]):
 *                                        out[r·L + j] = f(a[r·L + j], b[j])
 *   or as a row per leading block (a per-instance bias, [8,1024,100] + [8,1,100]): the same, block by block
 * - anything else (views, transposes, middle-axis broadcasts): the shared strided walk
 *   (`walk.ts`), which moves each operand's position by its own stride, 0 along broadcast axes.
 *
 * Each loop gets a private copy per op (`specialize.ts`), so the scalar function is inlined.
 *
 * Reading order, top to bottom: the op table (one scalar formula per op), the reference loops,
 * the fast loops and the dispatch that picks one, ReLU, then the public functions. Each op's
 * backward is the same op's row in `autograd/ops/elementwise.ts`.
 *
 * Conventions (PyTorch's): relu(x) = x ≤ 0 ? 0 : x, so relu passes NaN through, and its backward
 * passes dy where x > 0 or x is NaN ({@link reluOf}, {@link reluGradOf}); sign(0) = 0; maximum and
 * minimum propagate NaN like Math.max / Math.min. Values at ±0, ±∞ and NaN are the scalar
 * formula's on every path (tests/edges.test.ts). An int32 result that int32 cannot hold (add,
 * sub, mul, neg, abs, square past ±2³¹) is a TensorError, as for int32 `sum`, where PyTorch and
 * NumPy wrap around: one int32 policy for every op, stated in `dtype.ts`.
 *
 * @module
 */
import { type DType, type TypedArray, allocate, isFloat, toInt32 } from './dtype.js';
import { fail, formatShape } from './errors.js';
import { specialize } from './specialize.js';
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { StridedWalk, positionAt } from './walk.js';
import { type StreamOp, streamsFor } from './wasm/streams.js';

/**
 * A tensor or a plain number: what binary ops take, and what every recorded op takes as an input
 * (a Variable is a Tensor). A plain number adopts the other operand's dtype and is a constant.
 */
export type Operand = Tensor | number;

type UnaryScalar = (x: number, p: number, q: number) => number;
type BinaryScalar = (a: number, b: number) => number;

// ─── Op descriptors: a name, a scalar function, and its loops (copied on first use). ───

/** A unary op: its name, its scalar formula, whether it needs a float dtype, and its loops. */
interface UnaryOp {
  readonly name: string;
  readonly scalar: UnaryScalar;
  readonly floatOnly: boolean;
  contiguous?: ReturnType<typeof unaryContiguousLoop>;
  strided?: ReturnType<typeof unaryStridedLoop>;
}

/** A binary op: its name, its scalar formula, whether it needs a float dtype, and its loops. */
interface BinaryOp {
  readonly name: string;
  readonly scalar: BinaryScalar;
  readonly floatOnly: boolean;
  /** The WebAssembly stream with the same bits for float32, if any (`wasm/streams.ts`). */
  readonly stream?: StreamOp;
  sameShape?: ReturnType<typeof binarySameShapeLoop>;
  scalarRight?: ReturnType<typeof binaryScalarRightLoop>;
  scalarLeft?: ReturnType<typeof binaryScalarLeftLoop>;
  rowRight?: ReturnType<typeof binaryRowRightLoop>;
  rowLeft?: ReturnType<typeof binaryRowLeftLoop>;
  strided?: ReturnType<typeof binaryStridedLoop>;
}

function unaryOp(name: string, scalar: UnaryScalar, floatOnly = false): UnaryOp {
  return { name, scalar, floatOnly };
}

function binaryOp(name: string, scalar: BinaryScalar, floatOnly = false, stream?: StreamOp): BinaryOp {
  return { name, scalar, floatOnly, stream };
}

// The tables. Each formula is the whole definition of its op.
const NEG = unaryOp('neg', (x) => -x);
const ABS = unaryOp('abs', (x) => Math.abs(x));
const EXP = unaryOp('exp', (x) => Math.exp(x), true);
const LOG = unaryOp('log', (x) => Math.log(x), true);
const SQRT = unaryOp('sqrt', (x) => Math.sqrt(x), true);
const SQUARE = unaryOp('square', (x) => x * x);
const RELU = unaryOp('relu', reluOf);
// For x ≪ 0, exp(−x) overflows to Infinity and 1/(1+∞) = 0: the right limit, so no special case.
const SIGMOID = unaryOp('sigmoid', (x) => 1 / (1 + Math.exp(-x)), true);
const TANH = unaryOp('tanh', (x) => Math.tanh(x), true);
const SIGN = unaryOp('sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : x));
const CLAMP = unaryOp('clamp', (x, low, high) => (x < low ? low : x > high ? high : x));

const ADD = binaryOp('add', (a, b) => a + b, false, 'add');
const SUB = binaryOp('sub', (a, b) => a - b, false, 'sub');
const MUL = binaryOp('mul', (a, b) => a * b, false, 'mul');
const DIV = binaryOp('div', (a, b) => a / b, true, 'div');
const POW = binaryOp('pow', (a, b) => Math.pow(a, b), true);
const MAXIMUM = binaryOp('maximum', (a, b) => Math.max(a, b));
const MINIMUM = binaryOp('minimum', (a, b) => Math.min(a, b));
const EQUAL = binaryOp('equal', (a, b) => (a === b ? 1 : 0));
const NOT_EQUAL = binaryOp('notEqual', (a, b) => (a !== b ? 1 : 0));
const GREATER = binaryOp('greater', (a, b) => (a > b ? 1 : 0));
const GREATER_EQUAL = binaryOp('greaterEqual', (a, b) => (a >= b ? 1 : 0));
const LESS = binaryOp('less', (a, b) => (a < b ? 1 : 0));
const LESS_EQUAL = binaryOp('lessEqual', (a, b) => (a <= b ? 1 : 0));

// ─── Reference loops: the version to read first. Every fast path is tested against these. ───

/**
 * The plain loop for a unary op: for each output index, read the input through its strides.
 * `name` is one of the unary op names (`'relu'`, `'exp'`, …); `clamp` takes `low` and `high`.
 */
export function unaryReference(name: UnaryOpName, x: Tensor, low = 0, high = 0): Tensor {
  const op = UNARY_OPS[name];
  const out = allocate(x.dtype, x.size);
  for (let flat = 0; flat < x.size; flat++) {
    out[flat] = op.scalar(x.data[positionAt(flat, x.shape, x.strides, x.offset)], low, high);
  }
  return new Tensor(out, x.shape.slice());
}

/**
 * The plain loop for a binary op with broadcasting: for each output index, find the element of
 * each operand it reads (stride 0 along broadcast axes) and apply the scalar formula.
 */
export function binaryReference(name: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  const op = BINARY_OPS[name];
  const shape = broadcastShapes(name, a.shape, b.shape);
  const stridesA = broadcastStrides(a.shape, a.strides, shape);
  const stridesB = broadcastStrides(b.shape, b.strides, shape);
  const out = allocate(a.dtype, sizeOf(shape));
  for (let flat = 0; flat < out.length; flat++) {
    const valueA = a.data[positionAt(flat, shape, stridesA, a.offset)];
    const valueB = b.data[positionAt(flat, shape, stridesB, b.offset)];
    out[flat] = op.scalar(valueA, valueB);
  }
  return new Tensor(out, shape);
}

/** The names of the unary ops, as {@link unaryReference} takes them. */
export type UnaryOpName =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'square' | 'relu' | 'sigmoid' | 'tanh' | 'sign' | 'clamp';

/** The names of the binary ops, as {@link binaryReference} takes them. */
export type BinaryOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual';

// Typed as total maps, so an op name without a descriptor is a compile error.
const UNARY_OPS: Record<UnaryOpName, UnaryOp> = {
  neg: NEG, abs: ABS, exp: EXP, log: LOG, sqrt: SQRT, square: SQUARE, relu: RELU,
  sigmoid: SIGMOID, tanh: TANH, sign: SIGN, clamp: CLAMP,
};

const BINARY_OPS: Record<BinaryOpName, BinaryOp> = {
  add: ADD, sub: SUB, mul: MUL, div: DIV, pow: POW, maximum: MAXIMUM, minimum: MINIMUM,
  equal: EQUAL, notEqual: NOT_EQUAL, greater: GREATER, greaterEqual: GREATER_EQUAL,
  less: LESS, lessEqual: LESS_EQUAL,
};

/** Every unary op name, for tests and tools that walk them all. */
export const UNARY_OP_NAMES = Object.keys(UNARY_OPS) as UnaryOpName[];
/** Every binary op name, for tests and tools that walk them all. */
export const BINARY_OP_NAMES = Object.keys(BINARY_OPS) as BinaryOpName[];

// ─── The loops, written once. Each factory is self-contained so `specialize` can copy it. ───

/**
 * out[i] = f(x[xo + i]) for a contiguous input. `p`, `q` carry op parameters (clamp's bounds).
 *
 * The contiguous loops go four elements at a time: V8 does not vectorise, but four independent
 * loads and stores per turn let the CPU overlap them (measured: relu of [1024,5] 9.7 → 7.1 µs).
 * The tail loop finishes the last n mod 4.
 */
function unaryContiguousLoop(f: UnaryScalar) {
  return function (X: TypedArray, xo: number, OUT: TypedArray, n: number, p: number, q: number): void {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const x0 = X[xo + i], x1 = X[xo + i + 1], x2 = X[xo + i + 2], x3 = X[xo + i + 3];
      OUT[i] = f(x0, p, q); OUT[i + 1] = f(x1, p, q); OUT[i + 2] = f(x2, p, q); OUT[i + 3] = f(x3, p, q);
    }
    for (; i < n; i++) OUT[i] = f(X[xo + i], p, q);
  };
}

/**
 * out = f(x) for any strided input, in row-major order: each block of the shared walk
 * (`walk.ts`) is two nested loops stepping by the input's strides; `walk.next()` is the odometer.
 */
function unaryStridedLoop(f: UnaryScalar) {
  return function (X: TypedArray, OUT: TypedArray, walk: StridedWalk, p: number, q: number): void {
    const inner = walk.inner, rows = walk.rows;
    const sx = walk.innerSteps[0], rx = walk.rowSteps[0];
    let written = 0;
    for (let block = 0; block < walk.blocks; block++, walk.next()) {
      for (let r = 0, row = walk.starts[0]; r < rows; r++, row += rx) {
        for (let i = 0, ix = row; i < inner; i++, ix += sx) OUT[written++] = f(X[ix], p, q);
      }
    }
  };
}

/** out[i] = f(a[ao + i], b[bo + i]): both operands contiguous and of the output's shape. */
function binarySameShapeLoop(f: BinaryScalar) {
  return function (A: TypedArray, ao: number, B: TypedArray, bo: number, OUT: TypedArray, n: number): void {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a0 = A[ao + i], a1 = A[ao + i + 1], a2 = A[ao + i + 2], a3 = A[ao + i + 3];
      const b0 = B[bo + i], b1 = B[bo + i + 1], b2 = B[bo + i + 2], b3 = B[bo + i + 3];
      OUT[i] = f(a0, b0); OUT[i + 1] = f(a1, b1); OUT[i + 2] = f(a2, b2); OUT[i + 3] = f(a3, b3);
    }
    for (; i < n; i++) OUT[i] = f(A[ao + i], B[bo + i]);
  };
}

/** out[i] = f(a[ao + i], s): the right operand is one number. */
function binaryScalarRightLoop(f: BinaryScalar) {
  return function (A: TypedArray, ao: number, s: number, OUT: TypedArray, n: number): void {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a0 = A[ao + i], a1 = A[ao + i + 1], a2 = A[ao + i + 2], a3 = A[ao + i + 3];
      OUT[i] = f(a0, s); OUT[i + 1] = f(a1, s); OUT[i + 2] = f(a2, s); OUT[i + 3] = f(a3, s);
    }
    for (; i < n; i++) OUT[i] = f(A[ao + i], s);
  };
}

/** out[i] = f(s, b[bo + i]): the left operand is one number. */
function binaryScalarLeftLoop(f: BinaryScalar) {
  return function (s: number, B: TypedArray, bo: number, OUT: TypedArray, n: number): void {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const b0 = B[bo + i], b1 = B[bo + i + 1], b2 = B[bo + i + 2], b3 = B[bo + i + 3];
      OUT[i] = f(s, b0); OUT[i + 1] = f(s, b1); OUT[i + 2] = f(s, b2); OUT[i + 3] = f(s, b3);
    }
    for (; i < n; i++) OUT[i] = f(s, B[bo + i]);
  };
}

/** out[r·L + j] = f(a[r·L + j], b[j]): the right operand is a contiguous row of length L, repeated. */
function binaryRowRightLoop(f: BinaryScalar) {
  return function (A: TypedArray, ao: number, B: TypedArray, bo: number, OUT: TypedArray, n: number, L: number): void {
    for (let start = 0; start < n; start += L) {
      const rowA = ao + start;
      let j = 0;
      for (; j + 4 <= L; j += 4) {
        const a0 = A[rowA + j], a1 = A[rowA + j + 1], a2 = A[rowA + j + 2], a3 = A[rowA + j + 3];
        const b0 = B[bo + j], b1 = B[bo + j + 1], b2 = B[bo + j + 2], b3 = B[bo + j + 3];
        OUT[start + j] = f(a0, b0); OUT[start + j + 1] = f(a1, b1);
        OUT[start + j + 2] = f(a2, b2); OUT[start + j + 3] = f(a3, b3);
      }
      for (; j < L; j++) OUT[start + j] = f(A[rowA + j], B[bo + j]);
    }
  };
}

/** out[r·L + j] = f(a[j], b[r·L + j]): the left operand is a contiguous row of length L, repeated. */
function binaryRowLeftLoop(f: BinaryScalar) {
  return function (A: TypedArray, ao: number, B: TypedArray, bo: number, OUT: TypedArray, n: number, L: number): void {
    for (let start = 0; start < n; start += L) {
      const rowB = bo + start;
      let j = 0;
      for (; j + 4 <= L; j += 4) {
        const a0 = A[ao + j], a1 = A[ao + j + 1], a2 = A[ao + j + 2], a3 = A[ao + j + 3];
        const b0 = B[rowB + j], b1 = B[rowB + j + 1], b2 = B[rowB + j + 2], b3 = B[rowB + j + 3];
        OUT[start + j] = f(a0, b0); OUT[start + j + 1] = f(a1, b1);
        OUT[start + j + 2] = f(a2, b2); OUT[start + j + 3] = f(a3, b3);
      }
      for (; j < L; j++) OUT[start + j] = f(A[ao + j], B[rowB + j]);
    }
  };
}

/**
 * out = f(a, b) for any strides (0 on broadcast axes), through the shared walk (`walk.ts`): each
 * block is two nested loops, and the odometer moves once per block. For [8,1024,5] + [8,1,5] (a
 * bias per instance) that is once per 5,120 elements, not once per row of 5.
 */
function binaryStridedLoop(f: BinaryScalar) {
  return function (A: TypedArray, B: TypedArray, OUT: TypedArray, walk: StridedWalk): void {
    const inner = walk.inner, rows = walk.rows;
    const sa = walk.innerSteps[0], sb = walk.innerSteps[1];
    const ra = walk.rowSteps[0], rb = walk.rowSteps[1];
    let written = 0;
    for (let block = 0; block < walk.blocks; block++, walk.next()) {
      for (let r = 0, rowA = walk.starts[0], rowB = walk.starts[1]; r < rows; r++, rowA += ra, rowB += rb) {
        for (let i = 0, ia = rowA, ib = rowB; i < inner; i++, ia += sa, ib += sb) OUT[written++] = f(A[ia], B[ib]);
      }
    }
  };
}

// ─── Dispatch: check the operands, then pick the loop that fits their layout. ───

function checkTensor(op: string, x: unknown, role: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) fail(op, `${role} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkFloat(op: string, dtype: DType): void {
  if (!isFloat(dtype)) fail(op, `expected a float dtype (float32 or float64), got ${dtype}`);
}

function applyUnary(op: UnaryOp, x: Tensor, p = 0, q = 0): Tensor {
  checkTensor(op.name, x, 'the input');
  if (op.floatOnly) checkFloat(op.name, x.dtype);
  const out = allocate(scratchDType(x.dtype), x.size);
  if (x.isContiguous) {
    op.contiguous ??= specialize(unaryContiguousLoop, `${op.name}-unaryContiguous`)(op.scalar);
    op.contiguous(x.data, x.offset, out, x.size, p, q);
  } else {
    op.strided ??= specialize(unaryStridedLoop, `${op.name}-unaryStrided`)(op.scalar);
    op.strided(x.data, out, new StridedWalk(x.shape, [x.strides], [x.offset]), p, q);
  }
  return packResult(op.name, out, x.dtype, x.shape, [x.shape]);
}

/**
 * Where the loops write: the output's own dtype, but float64 for int32, so that an int32 result
 * that overflows can be seen and refused ({@link packResult}) rather than wrap around.
 */
function scratchDType(dtype: DType): DType {
  return dtype === 'int32' ? 'float64' : dtype;
}

/** The loops' output as a tensor of `dtype`: int32 results are checked to fit (see `dtype.ts`). */
function packResult(op: string, out: TypedArray, dtype: DType, shape: readonly number[], operands: readonly (readonly number[])[]): Tensor {
  if (dtype !== 'int32') return new Tensor(out, shape);
  return new Tensor(toInt32(op, out, `the int32 result of ${operands.map(formatShape).join(' and ')}`), shape);
}

/**
 * When `small` is `shape` with one axis (not the first) collapsed to 1 and every other dim equal,
 * so that it repeats as a row inside each block of the axes before that one: the number of those
 * blocks. 0 otherwise. ([8, 1, 100] in [8, 1024, 100]: 8 blocks of [1024, 100], each with its row.)
 */
function rowPerBlock(small: readonly number[], shape: readonly number[]): number {
  if (small.length !== shape.length) return 0;
  let collapsed = -1;
  for (let axis = 0; axis < shape.length; axis++) {
    if (small[axis] === shape[axis]) continue;
    if (small[axis] !== 1 || collapsed >= 0) return 0;
    collapsed = axis;
  }
  if (collapsed <= 0) return 0;
  return sizeOf(shape.slice(0, collapsed));
}

/** Whether `row` (leading 1s aside) equals the trailing dims of `shape`, so it repeats as a row. */
function isTrailingRow(row: readonly number[], shape: readonly number[]): boolean {
  let lead = 0;
  while (lead < row.length && row[lead] === 1) lead++;
  const rowRank = row.length - lead;
  if (rowRank > shape.length) return false;
  for (let k = 0; k < rowRank; k++) if (row[lead + k] !== shape[shape.length - rowRank + k]) return false;
  return true;
}

function applyBinary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const name = op.name;
  // A plain number adopts the other operand's dtype and costs no tensor.
  if (typeof b === 'number') {
    checkTensor(name, a, 'the left operand');
    if (op.floatOnly) checkFloat(name, a.dtype);
    return scalarBinary(op, a, numberAs(name, b, a.dtype), true);
  }
  if (typeof a === 'number') {
    checkTensor(name, b, 'the right operand');
    if (op.floatOnly) checkFloat(name, b.dtype);
    return scalarBinary(op, b, numberAs(name, a, b.dtype), false);
  }
  checkTensor(name, a, 'the left operand');
  checkTensor(name, b, 'the right operand');
  if (a.dtype !== b.dtype) {
    fail(name, `dtypes differ: ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}; convert one first`);
  }
  if (op.floatOnly) checkFloat(name, a.dtype);

  if (shapesEqual(a.shape, b.shape)) {
    const out = allocate(scratchDType(a.dtype), a.size);
    const streams = op.stream !== undefined && a.dtype === 'float32' ? streamsFor(a.size) : null;
    if (a.isContiguous && b.isContiguous && streams !== null) {
      streams.binary(op.stream as StreamOp, a.data as Float32Array, a.offset, b.data as Float32Array, b.offset, out as Float32Array, 0, a.size);
    } else if (a.isContiguous && b.isContiguous) {
      op.sameShape ??= specialize(binarySameShapeLoop, `${op.name}-binarySameShape`)(op.scalar);
      op.sameShape(a.data, a.offset, b.data, b.offset, out, a.size);
    } else {
      op.strided ??= specialize(binaryStridedLoop, `${op.name}-binaryStrided`)(op.scalar);
      op.strided(a.data, b.data, out, new StridedWalk(a.shape, [a.strides, b.strides], [a.offset, b.offset]));
    }
    return packResult(name, out, a.dtype, a.shape, [a.shape, b.shape]);
  }

  const shape = broadcastShapes(name, a.shape, b.shape);
  const size = sizeOf(shape);
  const out = allocate(scratchDType(a.dtype), size);
  if (a.isContiguous && b.isContiguous && size > 0) {
    if (a.size === size && b.size === 1) {
      op.scalarRight ??= specialize(binaryScalarRightLoop, `${op.name}-binaryScalarRight`)(op.scalar);
      op.scalarRight(a.data, a.offset, b.data[b.offset], out, size);
      return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
    }
    if (b.size === size && a.size === 1) {
      op.scalarLeft ??= specialize(binaryScalarLeftLoop, `${op.name}-binaryScalarLeft`)(op.scalar);
      op.scalarLeft(a.data[a.offset], b.data, b.offset, out, size);
      return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
    }
    if (a.size === size && isTrailingRow(b.shape, shape)) {
      op.rowRight ??= specialize(binaryRowRightLoop, `${op.name}-binaryRowRight`)(op.scalar);
      op.rowRight(a.data, a.offset, b.data, b.offset, out, size, b.size);
      return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
    }
    if (b.size === size && isTrailingRow(a.shape, shape)) {
      op.rowLeft ??= specialize(binaryRowLeftLoop, `${op.name}-binaryRowLeft`)(op.scalar);
      op.rowLeft(a.data, a.offset, b.data, b.offset, out, size, a.size);
      return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
    }
    // A row per leading block, as a per-instance bias: [I, B, n] + [I, 1, n]. Each block
    // [B, n] is the trailing-row case above, with the block's own row.
    const blocks = a.size === size ? rowPerBlock(b.shape, shape) : 0;
    if (blocks > 0) {
      op.rowRight ??= specialize(binaryRowRightLoop, `${op.name}-binaryRowRight`)(op.scalar);
      const block = size / blocks;
      const row = b.size / blocks;
      for (let k = 0; k < blocks; k++) {
        op.rowRight(a.data, a.offset + k * block, b.data, b.offset + k * row, out.subarray(k * block, (k + 1) * block), block, row);
      }
      return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
    }
  }
  op.strided ??= specialize(binaryStridedLoop, `${op.name}-binaryStrided`)(op.scalar);
  const strides = [broadcastStrides(a.shape, a.strides, shape), broadcastStrides(b.shape, b.strides, shape)];
  op.strided(a.data, b.data, out, new StridedWalk(shape, strides, [a.offset, b.offset]));
  return packResult(name, out, a.dtype, shape, [a.shape, b.shape]);
}

/**
 * A plain number as the tensor's dtype would store it, so that `add(x, s)` equals
 * `add(x, tensor(s))` exactly. An int32 tensor refuses a fractional number rather than truncate it.
 */
function numberAs(op: string, value: number, dtype: DType): number {
  if (dtype === 'float32') return Math.fround(value);
  if (dtype === 'int32' && !Number.isInteger(value)) {
    fail(op, `cannot combine an int32 tensor with the non-integer ${value}; convert the tensor with astype first`);
  }
  return value;
}

/** `x op s` (numberOnRight) or `s op x`, with `x` any layout and `s` a plain number. */
function scalarBinary(op: BinaryOp, x: Tensor, s: number, numberOnRight: boolean): Tensor {
  if (!x.isContiguous) x = x.contiguous();
  const out = allocate(scratchDType(x.dtype), x.size);
  if (numberOnRight) {
    op.scalarRight ??= specialize(binaryScalarRightLoop, `${op.name}-binaryScalarRight`)(op.scalar);
    op.scalarRight(x.data, x.offset, s, out, x.size);
  } else {
    op.scalarLeft ??= specialize(binaryScalarLeftLoop, `${op.name}-binaryScalarLeft`)(op.scalar);
    op.scalarLeft(s, x.data, x.offset, out, x.size);
  }
  return packResult(op.name, out, x.dtype, x.shape, [x.shape, []]);
}

// ─── ReLU, told once: its forward and its backward, used by the table, autograd and the fused ops. ───

/**
 * ReLU of one number: x ≤ 0 → 0, else x. So NaN passes through (NaN ≤ 0 is false), and −0 and −∞
 * give 0, as in PyTorch. The one definition: the table row, the bit-level fast path below (held
 * equal to it by a property test) and the fused ops in `models/fused.ts` all compute this.
 */
export function reluOf(x: number): number {
  return x <= 0 ? 0 : x;
}

/**
 * ReLU's backward for one element: dy where the input x is > 0 or NaN, else 0 (relu′(0) = 0).
 * This is PyTorch's `threshold_backward`: a choice, not a product, so dy = ±∞ or NaN at an
 * x ≤ 0 still gives 0, and the NaN rule is the forward's (x ≤ 0 is false for NaN). Every path
 * follows it, whatever the layout.
 */
export function reluGradOf(dy: number, x: number): number {
  return x <= 0 ? 0 : dy;
}

/** The backward as a binary op, for layouts the bit-level path does not take. */
const RELU_BACKWARD = binaryOp('reluBackward', reluGradOf);

/**
 * All ones where a float32's bits are a NaN of either sign, else 0: the magnitude bits exceed
 * those of +∞. (x64 makes negative NaNs, e.g. from 0/0, so the sign bit alone cannot say.)
 */
function nanMask(bits: number): number {
  return (0x7f800000 - (bits & 0x7fffffff)) >> 31;
}

/**
 * max(x, 0) as {@link reluOf} defines it. A packed float32 input takes a branch-free path on the
 * bits: a float32 is ≤ 0 (−0 and −∞ included) when its sign bit is set, so `bits & ~(bits >> 31)`
 * keeps x or makes it +0, and `nanMask` keeps NaNs of either sign. On data of random sign a
 * branch is mispredicted half the time (measured on [1024,128] inside an SAE step: 0.8 → 0.33 ms).
 */
export function relu(x: Tensor): Tensor {
  if (x instanceof Tensor && x.data instanceof Float32Array && x.isContiguous) {
    const out = new Float32Array(x.size);
    const streams = streamsFor(x.size);
    if (streams !== null) {
      streams.relu(x.data, x.offset, out, x.size); // the same bits, in WebAssembly SIMD (wasm/streams.ts)
      return new Tensor(out, x.shape);
    }
    const inputBits = new Int32Array(x.data.buffer, x.data.byteOffset + 4 * x.offset, x.size);
    const outBits = new Int32Array(out.buffer);
    for (let i = 0; i < outBits.length; i++) {
      const bits = inputBits[i];
      outBits[i] = bits & (~(bits >> 31) | nanMask(bits));
    }
    return new Tensor(out, x.shape);
  }
  return applyUnary(RELU, x);
}

/**
 * ReLU's backward, dx = {@link reluGradOf}(dy, x) elementwise; dy and x broadcast like any binary
 * op. Packed float32 operands of one shape take a branch-free path on the bits (measured on
 * [8,1024,100], a branch took 4.8 ms and the bit mask 2.1 ms): x is > 0 exactly when its bits b are > 0,
 * and ((−b) >> 31) & ~(b >> 31) is then all ones, else zero; `nanMask` adds NaNs of either
 * sign. dy's bits are kept or cleared by the mask, so dy = ±∞ or NaN at x ≤ 0 gives +0.
 */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  if (dy instanceof Tensor && x instanceof Tensor && dy.data instanceof Float32Array && x.data instanceof Float32Array &&
      dy.isContiguous && x.isContiguous && shapesEqual(dy.shape, x.shape)) {
    const out = new Float32Array(x.size);
    const streams = streamsFor(x.size);
    if (streams !== null) {
      streams.binary('reluBackward', dy.data, dy.offset, x.data, x.offset, out, 0, x.size); // same bits, WebAssembly SIMD
      return new Tensor(out, x.shape);
    }
    const gradBits = new Int32Array(dy.data.buffer, dy.data.byteOffset + 4 * dy.offset, dy.size);
    const inputBits = new Int32Array(x.data.buffer, x.data.byteOffset + 4 * x.offset, x.size);
    const outBits = new Int32Array(out.buffer);
    for (let i = 0; i < outBits.length; i++) {
      const bits = inputBits[i];
      outBits[i] = gradBits[i] & (((-bits >> 31) & ~(bits >> 31)) | nanMask(bits));
    }
    return new Tensor(out, x.shape);
  }
  return applyBinary(RELU_BACKWARD, dy, x);
}

// ─── The public ops. ───

/** −x */
export function neg(x: Tensor): Tensor { return applyUnary(NEG, x); }
/** |x| */
export function abs(x: Tensor): Tensor { return applyUnary(ABS, x); }
/** eˣ */
export function exp(x: Tensor): Tensor { return applyUnary(EXP, x); }
/** ln x (NaN for x < 0, −∞ at 0) */
export function log(x: Tensor): Tensor { return applyUnary(LOG, x); }
/** √x (NaN for x < 0) */
export function sqrt(x: Tensor): Tensor { return applyUnary(SQRT, x); }
/** x² */
export function square(x: Tensor): Tensor { return applyUnary(SQUARE, x); }
/** σ(x) = 1 / (1 + e⁻ˣ) */
export function sigmoid(x: Tensor): Tensor { return applyUnary(SIGMOID, x); }
/** tanh x */
export function tanh(x: Tensor): Tensor { return applyUnary(TANH, x); }
/** −1, 0 or 1 by the sign of x (NaN stays NaN). */
export function sign(x: Tensor): Tensor { return applyUnary(SIGN, x); }

/** x limited to [low, high]: min(max(x, low), high). NaN stays NaN. */
export function clamp(x: Tensor, low = -Infinity, high = Infinity): Tensor {
  if (typeof low !== 'number' || typeof high !== 'number' || Number.isNaN(low) || Number.isNaN(high)) {
    fail('clamp', `low and high must be numbers, got ${String(low)} and ${String(high)}`);
  }
  if (low > high) fail('clamp', `low (${low}) must not exceed high (${high})`);
  checkTensor('clamp', x, 'the input');
  return applyUnary(CLAMP, x, numberAs('clamp', low, x.dtype), numberAs('clamp', high, x.dtype));
}

/** a + b, broadcasting. */
export function add(a: Operand, b: Operand): Tensor { return applyBinary(ADD, a, b); }
/** a − b, broadcasting. */
export function sub(a: Operand, b: Operand): Tensor { return applyBinary(SUB, a, b); }
/** a ⊙ b (elementwise product), broadcasting. */
export function mul(a: Operand, b: Operand): Tensor { return applyBinary(MUL, a, b); }
/** a / b, broadcasting. Float dtypes only. */
export function div(a: Operand, b: Operand): Tensor { return applyBinary(DIV, a, b); }
/** aᵇ, broadcasting. Float dtypes only. */
export function pow(a: Operand, b: Operand): Tensor { return applyBinary(POW, a, b); }
/** max(a, b) elementwise, broadcasting. */
export function maximum(a: Operand, b: Operand): Tensor { return applyBinary(MAXIMUM, a, b); }
/** min(a, b) elementwise, broadcasting. */
export function minimum(a: Operand, b: Operand): Tensor { return applyBinary(MINIMUM, a, b); }
/** 1 where a = b, else 0. */
export function equal(a: Operand, b: Operand): Tensor { return applyBinary(EQUAL, a, b); }
/** 1 where a ≠ b, else 0. */
export function notEqual(a: Operand, b: Operand): Tensor { return applyBinary(NOT_EQUAL, a, b); }
/** 1 where a > b, else 0. */
export function greater(a: Operand, b: Operand): Tensor { return applyBinary(GREATER, a, b); }
/** 1 where a ≥ b, else 0. */
export function greaterEqual(a: Operand, b: Operand): Tensor { return applyBinary(GREATER_EQUAL, a, b); }
/** 1 where a < b, else 0. */
export function less(a: Operand, b: Operand): Tensor { return applyBinary(LESS, a, b); }
/** 1 where a ≤ b, else 0. */
export function lessEqual(a: Operand, b: Operand): Tensor { return applyBinary(LESS_EQUAL, a, b); }

/**
 * Picks from `a` where `condition` is non-zero and from `b` elsewhere; all three broadcast.
 * `condition` may have any dtype; `a` and `b` (tensors or numbers) share theirs.
 *
 * @example
 * ```ts
 * where(greater(x, 0), x, 0);   // the same as relu(x)
 * ```
 */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  const op = 'where';
  checkTensor(op, condition, 'the condition');
  const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : 'float32';
  const asTensor = (v: Operand, role: string): Tensor => {
    if (typeof v === 'number') return new Tensor(allocateFilled(dtype, numberAs(op, v, dtype)), []);
    checkTensor(op, v, role);
    return v;
  };
  const left = asTensor(a, 'the left choice');
  const right = asTensor(b, 'the right choice');
  if (left.dtype !== right.dtype) {
    fail(op, `dtypes differ: ${left.dtype} ${formatShape(left.shape)} and ${right.dtype} ${formatShape(right.shape)}`);
  }
  const shape = broadcastShapes(op, broadcastShapes(op, condition.shape, left.shape), right.shape);
  const stridesC = broadcastStrides(condition.shape, condition.strides, shape);
  const stridesL = broadcastStrides(left.shape, left.strides, shape);
  const stridesR = broadcastStrides(right.shape, right.strides, shape);
  const out = allocate(dtype, sizeOf(shape));
  // The shared walk over the output, carrying three positions. Rare enough not to need fast paths.
  const walk = new StridedWalk(shape, [stridesC, stridesL, stridesR], [condition.offset, left.offset, right.offset]);
  const [sc, sl, sr] = walk.innerSteps;
  const [rc, rl, rr] = walk.rowSteps;
  let written = 0;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, c0 = walk.starts[0], l0 = walk.starts[1], r0 = walk.starts[2]; r < walk.rows; r++, c0 += rc, l0 += rl, r0 += rr) {
      for (let i = 0, pc = c0, pl = l0, pr = r0; i < walk.inner; i++, pc += sc, pl += sl, pr += sr) {
        out[written++] = condition.data[pc] !== 0 ? left.data[pl] : right.data[pr];
      }
    }
  }
  return new Tensor(out, shape);
}

function allocateFilled(dtype: DType, value: number): TypedArray {
  const storage = allocate(dtype, 1);
  storage[0] = value;
  return storage;
}

/**
 * A copy of `x` converted to `dtype`. float → int32 truncates toward zero (2.7 → 2, −2.7 → −2);
 * NaN, ±∞ and values outside the int32 range are refused (see the int32 policy in `dtype.ts`).
 */
export function astype(x: Tensor, dtype: DType): Tensor {
  checkTensor('astype', x, 'the input');
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    fail('astype', `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  }
  const source = x.toTypedArray();
  if (dtype === 'int32' && x.dtype !== 'int32') {
    return new Tensor(toInt32('astype', source.map(Math.trunc), `${x.dtype} ${formatShape(x.shape)}`), x.shape);
  }
  const out = allocate(dtype, x.size);
  out.set(source);
  return new Tensor(out, x.shape);
}
