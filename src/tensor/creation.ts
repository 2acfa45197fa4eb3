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
import { type DType, type TypedArray, allocate, isDType, toInt32 } from './dtype.js';
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
    ({ shape: inferred, flat } = flattenNested(data as NestedArray[]));
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
  if (resolvedDType === 'int32') return new Tensor(toInt32(op, flat, `the data for shape ${formatShape(finalShape)}`), finalShape);
  const storage = allocate(resolvedDType, flat.length);
  for (let i = 0; i < flat.length; i++) storage[i] = flat[i];
  return new Tensor(storage, finalShape);
}

/**
 * Deeper nesting than this is refused: more axes than NumPy allows (64), and far more than any
 * real data has. The walk below is iterative, so the limit is about sense, not the call stack.
 */
export const MAX_NESTING = 64;

/**
 * The shape of nested arrays and their numbers in row-major order, or an error when they are
 * ragged or nested deeper than {@link MAX_NESTING}. The shape is read down the first elements;
 * then one walk with an explicit stack (no recursion, so no stack overflow on deep input) checks
 * every array against it and collects the numbers.
 */
function flattenNested(data: readonly NestedArray[]): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  let level: NestedArray = data as NestedArray[];
  while (Array.isArray(level)) {
    if (shape.length === MAX_NESTING) {
      fail('tensor', `arrays are nested more than ${MAX_NESTING} deep; a tensor built from nested arrays has at most ${MAX_NESTING} axes`);
    }
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const flat: number[] = [];
  // Each frame: an array at `depth`, and the next index to visit in it.
  const arrays: NestedArray[][] = [data as NestedArray[]];
  const next: number[] = [0];
  // The index path of the array at `depth` (its parents' current indices), e.g. `[1][0]`.
  const pathTo = (depth: number): string => next.slice(0, depth).map((i) => `[${i - 1}]`).join('');
  while (arrays.length > 0) {
    const depth = arrays.length - 1;
    const node = arrays[depth];
    if (next[depth] === 0 && node.length !== shape[depth]) {
      fail('tensor', `ragged nested arrays: element ${pathTo(depth) || '(top)'} has length ${node.length}, expected length ${shape[depth]}`);
    }
    if (next[depth] === node.length) {
      arrays.pop();
      next.pop();
      continue;
    }
    const child = node[next[depth]++];
    if (depth + 1 === shape.length) {
      if (Array.isArray(child)) fail('tensor', `ragged nested arrays: element ${pathTo(depth + 1)} is an array, expected a number`);
      flat.push(child as number);
    } else {
      if (!Array.isArray(child)) fail('tensor', `ragged nested arrays: element ${pathTo(depth + 1)} has a number, expected length ${shape[depth + 1]}`);
      arrays.push(child);
      next.push(0);
    }
  }
  return { shape, flat };
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
  if (dtype === 'int32') toInt32(op, [value], 'the fill value');
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
  const values = Array.from({ length: count }, (_, i) => start + i * step);
  if (dtype === 'int32') return new Tensor(toInt32('arange', values, `arange(${start}, ${stop}, ${step})`), [count]);
  const storage = allocate(dtype, count);
  storage.set(values);
  return new Tensor(storage, [count]);
}

/** `count` evenly spaced numbers from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, count: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) fail('linspace', `start and stop must be finite, got ${start} and ${stop}`);
  if (!Number.isInteger(count) || count < 0) fail('linspace', `count must be a whole number ≥ 0, got ${count}`);
  checkSize('linspace', count, `linspace(${start}, ${stop}, ${count})`);
  if (!isDType(dtype)) fail('linspace', `unknown dtype ${String(dtype)}; expected float32, float64 or int32`);
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  // The ends are stored as given, not computed, so that both are exact (−0 included).
  const values = Float64Array.from({ length: count }, (_, i) => (i === 0 ? start : i === count - 1 ? stop : start + i * step));
  if (dtype === 'int32') return new Tensor(toInt32('linspace', values, `linspace(${start}, ${stop}, ${count})`), [count]);
  const storage = allocate(dtype, count);
  storage.set(values);
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
