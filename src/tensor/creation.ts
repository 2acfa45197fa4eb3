/**
 * Making tensors: from data you have (`tensor`), or filled by rule (`zeros`, `ones`, `full`,
 * `arange`, `linspace`, `eye`). Random tensors live in `random.ts`.
 *
 * Every function here validates its arguments, because this is where user input enters:
 *
 *     tensor([[1, 2], [3, 4]])               → shape [2,2], float32
 *     tensor([1, 2, 3, 4, 5, 6], [2, 3])      → shape [2,3]
 *     arange(0, 1, 0.25)                      → [0, 0.25, 0.5, 0.75]
 *     linspace(0, 1, 5)                       → [0, 0.25, 0.5, 0.75, 1]
 *     eye(3)                                  → the 3×3 identity
 *
 * @module
 */
import { type DType, type TypedArray, allocate, isDType } from './dtype.js';
import { fail, formatShape } from './errors.js';
import { checkShape, checkSize, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

/** What `tensor()` accepts as data. */
export type TensorData = NestedArray | readonly number[] | TypedArray;

/**
 * A tensor from nested arrays, or from flat data plus a shape. The data is copied.
 *
 * @param data - a number (a scalar), nested arrays of numbers, or flat numbers / a typed array.
 * @param shape - the shape for flat data; when given, its size must equal the data's length.
 * @param dtype - default `float32`, or the typed array's own dtype.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).shape;   // returns [2, 2]
 * tensor([1, 2, 3, 4], [2, 2]);     // the same values
 * ```
 */
export function tensor(data: TensorData, shape?: readonly number[], dtype?: DType): Tensor {
  const op = 'tensor';
  if (dtype !== undefined && !isDType(dtype)) fail(op, `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  let flat: ArrayLike<number>;
  let inferred: number[];
  let resolvedDType: DType = dtype ?? 'float32';
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    flat = data;
    inferred = [data.length];
    if (dtype === undefined) {
      resolvedDType = data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : 'float32';
    }
  } else if (Array.isArray(data)) {
    inferred = inferShape(data);
    flat = inferred.length <= 1 ? (data as number[]) : (data as NestedArray[]).flat(Infinity as 1) as number[];
  } else {
    return fail(op, `expected a number, nested arrays or a typed array, got ${typeof data}`);
  }
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') fail(op, `element ${i} is ${typeof flat[i]}, expected a number`);
  }
  let finalShape = inferred;
  if (shape !== undefined) {
    finalShape = checkShape(op, shape);
    if (sizeOf(finalShape) !== flat.length) {
      fail(op, `shape ${formatShape(finalShape)} holds ${sizeOf(finalShape)} elements but the data has ${flat.length}`);
    }
  }
  const storage = allocate(resolvedDType, flat.length);
  for (let i = 0; i < flat.length; i++) storage[i] = flat[i];
  return new Tensor(storage, finalShape);
}

/** The shape of nested arrays, or an error when they are ragged. */
function inferShape(data: readonly NestedArray[]): number[] {
  const shape: number[] = [];
  let level: NestedArray = data as NestedArray[];
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (node: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) fail('tensor', `ragged nested arrays: element ${path} is an array, expected a number`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const got = Array.isArray(node) ? `length ${node.length}` : 'a number';
      fail('tensor', `ragged nested arrays: element ${path || '(top)'} has ${got}, expected length ${shape[depth]}`);
    }
    for (let i = 0; i < node.length; i++) check(node[i], depth + 1, `${path}[${i}]`);
  };
  check(data as NestedArray[], 0, '');
  return shape;
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('full', shape, value, dtype);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `like`. */
export function zerosLike(like: Tensor): Tensor {
  return filled('zerosLike', like.shape, 0, like.dtype);
}

/** Ones with the shape and dtype of `like`. */
export function onesLike(like: Tensor): Tensor {
  return filled('onesLike', like.shape, 1, like.dtype);
}

/** `full` with the caller's name for error messages. */
function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  const checked = checkShape(op, shape);
  if (!isDType(dtype)) fail(op, `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  if (typeof value !== 'number') fail(op, `value must be a number, got ${typeof value}`);
  const storage = allocate(dtype, sizeOf(checked));
  if (value !== 0) storage.fill(value);
  return new Tensor(storage, checked);
}

/**
 * `start, start + step, …` up to but not including `stop`, like NumPy's `arange`.
 * With one argument, `arange(n)` is `0, 1, …, n−1`.
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (!isDType(dtype)) fail('arange', `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (!Number.isFinite(v)) fail('arange', `${name} must be a finite number, got ${v}`);
  }
  if (step === 0) fail('arange', 'step must not be 0');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('arange', count, `arange(${start}, ${stop}, ${step})`);
  const storage = allocate(dtype, count);
  for (let i = 0; i < count; i++) storage[i] = start + i * step;
  return new Tensor(storage, [count]);
}

/** `count` evenly spaced numbers from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, count: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) fail('linspace', `start and stop must be finite, got ${start} and ${stop}`);
  if (!Number.isInteger(count) || count < 0) fail('linspace', `count must be a whole number ≥ 0, got ${count}`);
  checkSize('linspace', count, `linspace(${start}, ${stop}, ${count})`);
  if (!isDType(dtype)) fail('linspace', `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  const storage = allocate(dtype, count);
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  // The ends are stored as given, not computed, so that both are exact (−0 included).
  for (let i = 0; i < count; i++) storage[i] = i === 0 ? start : i === count - 1 ? stop : start + i * step;
  return new Tensor(storage, [count]);
}

/** The `rows × cols` identity-like matrix: ones on the main diagonal, zeros elsewhere. */
export function eye(rows: number, cols: number = rows, dtype: DType = 'float32'): Tensor {
  const shape = checkShape('eye', [rows, cols]);
  if (!isDType(dtype)) fail('eye', `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  const storage = allocate(dtype, rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) storage[i * cols + i] = 1;
  return new Tensor(storage, shape);
}
