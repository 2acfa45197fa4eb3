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
export * from './tensor/random.js';
export * from './tensor/compare.js';
// The parts of the core that have no differentiable twin: references, names, and int32 results.
export {
  unaryReference, binaryReference, UNARY_OP_NAMES, BINARY_OP_NAMES, type UnaryOpName, type BinaryOpName,
} from './tensor/elementwise.js';
export { concatReference } from './tensor/movement.js';
export {
  argmax, argmin, reduceReference, reductionPath,
  type Axes, type ReduceOptions, type VarianceOptions, type ReduceOp, type ReductionPath,
} from './tensor/reduce.js';
export { type TopkOptions } from './tensor/indexing.js';
export {
  matmulReference, type MatmulOptions, setMatmulBackend, matmulBackend, wasmSimdAvailable, lastMatmulKernel,
  type MatmulBackend, type MatmulKernel,
} from './tensor/matmul.js';
/** The raw tensor core, with no gradient tracking: `kernels.add(a, b)` returns a plain Tensor. */
export * as kernels from './tensor/kernels.js';

// Differentiable ops (same names as the core's, returning Variables) and the autograd tools.
export * from './autograd/index.js';

// Optimizers, learning-rate schedules and gradient clipping.
export * from './optim/index.js';
export * from './models/index.js';
export * from './analysis/index.js';
export * from './io/index.js';
export * from './persistence/index.js';
export * from './plot/index.js';
/** The lesson's experiments, typed from options to results: `experiments.tms.run(options)`, and so on. */
export * as experiments from './experiments/index.js';
