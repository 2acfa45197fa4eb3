/**
 * Element types and their storage.
 *
 * A tensor's numbers live in one typed array. `float32` is the working type (4 bytes, about 7
 * significant digits), `float64` is for gradient checks and oracles (8 bytes, about 16 digits),
 * and `int32` holds indices such as the ones `argmax` and `topk` return.
 *
 * Arithmetic always happens in JavaScript numbers (float64); storing into a Float32Array rounds
 * to the nearest float32, and storing into an Int32Array truncates toward zero.
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
