/**
 * Every op of the tensor core, as plain functions of tensors with no gradient tracking.
 *
 * The package's main entry exports the *differentiable* versions of these ops under the same
 * names (they return Variables and record a graph). This module is the raw layer beneath them,
 * exported as the `kernels` namespace, for code that wants the numbers only: benchmarks, tests,
 * and backward rules.
 *
 * @module
 */
export * from './creation.js';
export * from './elementwise.js';
export * from './movement.js';
export * from './reduce.js';
export * from './indexing.js';
export * from './matmul.js';
export * from './random.js';
export * from './compare.js';
