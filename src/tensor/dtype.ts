/**
 * Element types and their storage.
 *
 * A tensor's numbers live in one typed array. `float32` is the working type (4 bytes, about 7
 * significant digits), `float64` is for gradient checks and oracles (8 bytes, about 16 digits),
 * and `int32` holds indices such as the ones `argmax` and `topk` return.
 *
 * Arithmetic always happens in JavaScript numbers (float64); storing into a Float32Array rounds
 * to the nearest float32.
 *
 * int32, one policy for every op: a value int32 cannot hold (a fraction, NaN, ±∞, or a whole
 * number outside −2³¹ … 2³¹ − 1) is refused with a TensorError, never truncated or wrapped around.
 * So `tensor([1.5], undefined, 'int32')` throws, and so do an int32 `add`, `sub`, `mul`, `neg`,
 * `abs` or `square` whose result overflows, and an int32 `sum` that leaves the range; convert to
 * float64 first to compute past it. The one deliberate exception is `astype(x, 'int32')`, which
 * truncates fractions toward zero (that is what it is for) but still refuses NaN, ±∞ and overflow.
 * ({@link fitsInt32} and {@link toInt32} are the checks.)
 *
 * @module
 */
import { TensorError } from './errors.js';

/** The most elements one tensor may hold (also `MAX_ELEMENTS` in `shape.ts`, which re-exports it). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** The element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int32';

/** The typed arrays behind the dtypes, in the same order. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** All dtypes, for validation and for error messages. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/**
 * A fresh zero-filled typed array of `length` elements of `dtype`. Every tensor's storage comes
 * from here, so this is the backstop for sizes: more than 2³¹ − 1 elements is a TensorError, not
 * a RangeError or an out-of-memory abort. (Ops check their result's shape first, with
 * `checkResultSize` in `shape.ts`, so that their message can name the op and the shapes.)
 */
export function allocate(dtype: DType, length: number): TypedArray {
  if (!(length <= MAX_ELEMENTS)) {
    throw new TensorError('allocate', `cannot allocate ${length} ${dtype} elements; at most ${MAX_ELEMENTS} fit in one tensor`);
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

/** The smallest and largest int32. */
export const INT32_MIN = -2147483648;
/** The largest int32. */
export const INT32_MAX = 2147483647;

/** Whether int32 can hold `value` exactly: a whole number from −2³¹ to 2³¹ − 1. */
export function fitsInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/**
 * `values` as a fresh Int32Array, or a TensorError naming `op`, the first value int32 cannot hold
 * and its position, and `what` (e.g. the shapes involved). See the int32 policy in the module notes.
 */
export function toInt32(op: string, values: ArrayLike<number>, what: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!fitsInt32(v)) {
      throw new TensorError(op, `int32 cannot hold ${v} (element ${i} of ${what}): int32 holds whole numbers ` +
        `from ${INT32_MIN} to ${INT32_MAX}; use float32 or float64`);
    }
    out[i] = v;
  }
  return out;
}

/** The dtype a typed array stores. */
export function dtypeOfArray(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Whether `value` names a dtype this library knows. */
export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64' || value === 'int32';
}

/** Whether a dtype holds real numbers (the math ops such as `exp` need one). */
export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}
