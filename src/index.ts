/**
 * superposition: a small, readable tensor engine for learning how neural networks pack more
 * features than they have dimensions.
 *
 * Every op is a plain function of tensors, exported from here:
 *
 * ```ts
 * import { tensor, add, matmul, sum } from 'superposition';
 * const a = tensor([[1, 2], [3, 4]]);
 * sum(matmul(a, a, { transposeB: true })).item();   // returns 52
 * ```
 *
 * @packageDocumentation
 */
export { Tensor, type NestedArray } from './tensor/tensor.js';
export { type DType, type TypedArray } from './tensor/dtype.js';
export { TensorError } from './tensor/errors.js';
export { broadcastShapes } from './tensor/shape.js';
export * from './tensor/creation.js';
export * from './tensor/elementwise.js';
export * from './tensor/movement.js';
export * from './tensor/reduce.js';
export * from './tensor/indexing.js';
export * from './tensor/random.js';
export * from './tensor/compare.js';
export * from './tensor/matmul.js';
