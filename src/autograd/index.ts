/**
 * The autograd layer: differentiable ops, the engine that walks them backwards, and the tools to
 * look inside (functional transforms, custom ops, gradient checking).
 *
 * @module
 */
export { Variable, variable, parameter, detach, type VariableOptions } from './variable.js';
export {
  noGrad, enableGrad, isGradEnabled, detectAnomaly, setOpObserver, unbroadcast,
  type BackwardRule, type GradNode, type OpEvent, type OpObserver, type BackwardStep, type BackwardOptions,
} from './engine.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/movement.js';
export * from './ops/matmul.js';
export * from './ops/indexing.js';
export * from './functional.js';
export * from './gradcheck.js';
export * from './trace.js';
export * from './graph.js';
export * from './einsum.js';
export * from './nn.js';
