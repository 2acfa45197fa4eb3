/**
 * Differentiable elementwise ops: each row of the tables below holds an op's forward kernel and
 * its backward rule, side by side.
 *
 * Unary, y = f(x):                      ∂L/∂x = dy ⊙ f′(x)
 *
 *     neg      y = −x                    dx = −dy
 *     abs      y = |x|                   dx = dy ⊙ sign(x)              (abs′(0) = 0)
 *     exp      y = eˣ                    dx = dy ⊙ y
 *     log      y = ln x                  dx = dy / x
 *     sqrt     y = √x                    dx = dy / (2y)
 *     square   y = x²                    dx = 2 dy ⊙ x
 *     relu     y = max(x, 0)             dx = x ≤ 0 ? 0 : dy            (relu′(0) = 0; NaN passes dy, as PyTorch)
 *     sigmoid  y = 1/(1 + e⁻ˣ)           dx = dy ⊙ y ⊙ (1 − y)
 *     tanh     y = tanh x                dx = dy ⊙ (1 − y²)
 *     sign     y = sign x                dx = 0
 *     clamp    y = min(max(x, lo), hi)   dx = dy ⊙ [lo ≤ x ≤ hi]
 *
 * Binary, y = f(a, b), with broadcasting (the engine sums each gradient back to its input's shape):
 *
 *     add      y = a + b                 da = dy,            db = dy
 *     sub      y = a − b                 da = dy,            db = −dy
 *     mul      y = a ⊙ b                 da = dy ⊙ b,        db = dy ⊙ a
 *     div      y = a / b                 da = dy / b,        db = −dy ⊙ y / b
 *     pow      y = aᵇ                    da = dy ⊙ b aᵇ⁻¹,   db = dy ⊙ y ln a
 *                                       (da = 0 where b = 0, db = 0 where a = 0 and b ≥ 0: PyTorch's rules)
 *     maximum  y = max(a, b)             the larger one gets dy; a tie splits it in half (as PyTorch)
 *     minimum  y = min(a, b)             the smaller one gets dy; a tie splits it in half
 *
 * Comparisons (equal, greater, …) return 0/1 masks: they are marked not differentiable, and their
 * outputs are constants. `where(c, a, b)` sends dy to a where c ≠ 0 and to b elsewhere.
 *
 * Both tables are typed as total maps over the tensor core's op names, so adding an op to the core
 * without deciding its gradient here is a compile error.
 *
 * @module
 */
import type { BinaryOpName, Operand, UnaryOpName } from '../../tensor/elementwise.js';
import * as kernels from '../../tensor/elementwise.js';
import type { DType } from '../../tensor/dtype.js';
import { zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../engine.js';
import type { Variable } from '../variable.js';

// One type for "a tensor or a plain number", defined beside the kernels that take it.
export type { Operand } from '../../tensor/elementwise.js';

/** Marks an op whose output is a constant: no gradient flows through it. */
export const NOT_DIFFERENTIABLE = 'not differentiable';

interface UnaryRule {
  forward(x: Tensor, low: number, high: number): Tensor;
  /** ∂L/∂x from dy, the input x and the output y; null means zero. */
  backward(dy: Tensor, x: Tensor, y: Tensor, low: number, high: number): Tensor | null;
}

const UNARY_RULES: { [Op in UnaryOpName]: UnaryRule } = {
  neg:     { forward: kernels.neg,     backward: (dy) => kernels.neg(dy) },
  abs:     { forward: kernels.abs,     backward: (dy, x) => kernels.mul(dy, kernels.sign(x)) },
  exp:     { forward: kernels.exp,     backward: (dy, _x, y) => kernels.mul(dy, y) },
  log:     { forward: kernels.log,     backward: (dy, x) => kernels.div(dy, x) },
  sqrt:    { forward: kernels.sqrt,    backward: (dy, _x, y) => kernels.div(dy, kernels.mul(y, 2)) },
  square:  { forward: kernels.square,  backward: (dy, x) => kernels.mul(dy, kernels.mul(x, 2)) },
  relu:    { forward: kernels.relu,    backward: (dy, x) => kernels.reluBackward(dy, x) },
  sigmoid: { forward: kernels.sigmoid, backward: (dy, _x, y) => kernels.mul(dy, kernels.mul(y, kernels.sub(1, y))) },
  tanh:    { forward: kernels.tanh,    backward: (dy, _x, y) => kernels.mul(dy, kernels.sub(1, kernels.square(y))) },
  sign:    { forward: kernels.sign,    backward: () => null },
  clamp: {
    forward: (x, low, high) => kernels.clamp(x, low, high),
    backward: (dy, x, _y, low, high) =>
      kernels.mul(dy, kernels.mul(kernels.greaterEqual(x, low), kernels.lessEqual(x, high))),
  },
};

interface BinaryRule {
  forward(a: Operand, b: Operand): Tensor;
  /** [∂L/∂a, ∂L/∂b] in the broadcast shape; only those with `needs` set are computed. */
  backward(dy: Tensor, a: Operand, b: Operand, y: Tensor, needs: readonly boolean[]): readonly (Tensor | null)[];
}

const BINARY_RULES: { [Op in BinaryOpName]: BinaryRule | typeof NOT_DIFFERENTIABLE } = {
  add: { forward: kernels.add, backward: (dy) => [dy, dy] },
  sub: { forward: kernels.sub, backward: (dy, _a, _b, _y, needs) => [dy, needs[1] ? kernels.neg(dy) : null] },
  mul: {
    forward: kernels.mul,
    backward: (dy, a, b, _y, needs) => [needs[0] ? kernels.mul(dy, b) : null, needs[1] ? kernels.mul(dy, a) : null],
  },
  div: {
    forward: kernels.div,
    backward: (dy, _a, b, y, needs) => [
      needs[0] ? kernels.div(dy, b) : null,
      needs[1] ? kernels.neg(kernels.div(kernels.mul(dy, y), b)) : null,
    ],
  },
  pow: {
    forward: kernels.pow,
    backward: (dy, a, b, y, needs) => [
      needs[0] ? powGradBase(dy, a, b) : null,
      needs[1] ? powGradExponent(dy, a, b, y) : null,
    ],
  },
  maximum: { forward: kernels.maximum, backward: (dy, a, b, _y, needs) => splitByWinner(dy, a, b, needs, kernels.greater) },
  minimum: { forward: kernels.minimum, backward: (dy, a, b, _y, needs) => splitByWinner(dy, a, b, needs, kernels.less) },
  equal: NOT_DIFFERENTIABLE,
  notEqual: NOT_DIFFERENTIABLE,
  greater: NOT_DIFFERENTIABLE,
  greaterEqual: NOT_DIFFERENTIABLE,
  less: NOT_DIFFERENTIABLE,
  lessEqual: NOT_DIFFERENTIABLE,
};

/** maximum/minimum: the winner (a beats b by `wins`) gets dy, a tie gives each half. */
function splitByWinner(
  dy: Tensor, a: Operand, b: Operand, needs: readonly boolean[],
  wins: (a: Operand, b: Operand) => Tensor,
): (Tensor | null)[] {
  const tie = kernels.mul(kernels.equal(toTensor(a, dy.dtype), b), 0.5);
  return [
    needs[0] ? kernels.mul(dy, kernels.add(wins(toTensor(a, dy.dtype), b), tie)) : null,
    needs[1] ? kernels.mul(dy, kernels.add(wins(toTensor(b, dy.dtype), a), tie)) : null,
  ];
}

function toTensor(value: Operand, dtype: DType): Tensor {
  return typeof value === 'number' ? kernels.astype(new Tensor(Float64Array.of(value), []), dtype) : value;
}
/**
 * pow's ∂/∂a = dy ⊙ b aᵇ⁻¹, and 0 where b = 0 (PyTorch's rule: at a = 0 the product would be
 * 0 · ∞ = NaN, though aᵇ = 1 does not depend on a there).
 */
function powGradBase(dy: Tensor, a: Operand, b: Operand): Tensor {
  const slope = kernels.mul(dy, kernels.mul(kernels.pow(a, typeof b === 'number' ? b - 1 : kernels.sub(b, 1)), b));
  if (typeof b === 'number') return b === 0 ? zeros(dy.shape, dy.dtype) : slope;
  return kernels.where(kernels.equal(b, 0), 0, slope);
}

/**
 * pow's ∂/∂b = dy ⊙ aᵇ ln a, and 0 where a = 0 and b ≥ 0 (PyTorch's rule: there ln a = −∞ would
 * make 0 · −∞ = NaN, and a broadcast exponent would sum that NaN into its whole gradient). For
 * pow([0, 2], 2) this gives [0, 4 ln 2]. A negative base gives NaN (ln of a negative), as in PyTorch.
 */
function powGradExponent(dy: Tensor, a: Operand, b: Operand, y: Tensor): Tensor {
  const base = toTensor(a, y.dtype);
  const slope = kernels.mul(dy, kernels.mul(y, kernels.log(base)));
  const zeroBase = kernels.mul(kernels.equal(base, 0), kernels.greaterEqual(toTensor(b, y.dtype), 0));
  return kernels.where(zeroBase, 0, slope);
}

function unary(op: UnaryOpName, x: Tensor, low = 0, high = 0): Variable {
  const rule = UNARY_RULES[op];
  let y: Tensor;
  return record(op, [x], () => (y = rule.forward(x, low, high)), (dy) => [rule.backward(dy, x, y, low, high)]);
}

function binary(op: BinaryOpName, a: Operand, b: Operand): Variable {
  const rule = BINARY_RULES[op];
  if (rule === NOT_DIFFERENTIABLE) {
    const compare = kernels[op];
    return record(op, [], () => compare(a, b), () => []);
  }
  let y: Tensor;
  return record(op, [a, b], () => (y = rule.forward(a, b)), (dy, needs) => rule.backward(dy, a, b, y, needs));
}

// ─── The public ops: each is one row of the tables above. ───

/** −x.  ∂/∂x: −dy. */
export function neg(x: Tensor): Variable { return unary('neg', x); }
/** |x|.  ∂/∂x: dy ⊙ sign(x), 0 at 0. */
export function abs(x: Tensor): Variable { return unary('abs', x); }
/** eˣ.  ∂/∂x: dy ⊙ eˣ. */
export function exp(x: Tensor): Variable { return unary('exp', x); }
/** ln x.  ∂/∂x: dy / x. */
export function log(x: Tensor): Variable { return unary('log', x); }
/** √x.  ∂/∂x: dy / (2√x). */
export function sqrt(x: Tensor): Variable { return unary('sqrt', x); }
/** x².  ∂/∂x: 2x ⊙ dy. */
export function square(x: Tensor): Variable { return unary('square', x); }
/** max(x, 0).  ∂/∂x: dy where x > 0, else 0 (so relu′(0) = 0). */
export function relu(x: Tensor): Variable { return unary('relu', x); }
/** 1/(1 + e⁻ˣ).  ∂/∂x: dy ⊙ y(1 − y). */
export function sigmoid(x: Tensor): Variable { return unary('sigmoid', x); }
/** tanh x.  ∂/∂x: dy ⊙ (1 − y²). */
export function tanh(x: Tensor): Variable { return unary('tanh', x); }
/** −1, 0 or 1.  Its gradient is 0 everywhere it exists. */
export function sign(x: Tensor): Variable { return unary('sign', x); }
/** x limited to [low, high].  ∂/∂x: dy where low ≤ x ≤ high, else 0. */
export function clamp(x: Tensor, low = -Infinity, high = Infinity): Variable { return unary('clamp', x, low, high); }

/** a + b, broadcasting.  ∂/∂a = ∂/∂b = dy (summed over broadcast axes). */
export function add(a: Operand, b: Operand): Variable { return binary('add', a, b); }
/** a − b, broadcasting.  ∂/∂a = dy, ∂/∂b = −dy. */
export function sub(a: Operand, b: Operand): Variable { return binary('sub', a, b); }
/** a ⊙ b, broadcasting.  ∂/∂a = dy ⊙ b, ∂/∂b = dy ⊙ a. */
export function mul(a: Operand, b: Operand): Variable { return binary('mul', a, b); }
/** a / b, broadcasting.  ∂/∂a = dy / b, ∂/∂b = −dy ⊙ a / b². */
export function div(a: Operand, b: Operand): Variable { return binary('div', a, b); }
/** aᵇ, broadcasting.  ∂/∂a = dy ⊙ b aᵇ⁻¹, ∂/∂b = dy ⊙ aᵇ ln a. */
export function pow(a: Operand, b: Operand): Variable { return binary('pow', a, b); }
/** max(a, b), broadcasting.  dy goes to the larger; a tie splits it. */
export function maximum(a: Operand, b: Operand): Variable { return binary('maximum', a, b); }
/** min(a, b), broadcasting.  dy goes to the smaller; a tie splits it. */
export function minimum(a: Operand, b: Operand): Variable { return binary('minimum', a, b); }
/** 1 where a = b, else 0. A constant: no gradient. */
export function equal(a: Operand, b: Operand): Variable { return binary('equal', a, b); }
/** 1 where a ≠ b, else 0. A constant: no gradient. */
export function notEqual(a: Operand, b: Operand): Variable { return binary('notEqual', a, b); }
/** 1 where a > b, else 0. A constant: no gradient. */
export function greater(a: Operand, b: Operand): Variable { return binary('greater', a, b); }
/** 1 where a ≥ b, else 0. A constant: no gradient. */
export function greaterEqual(a: Operand, b: Operand): Variable { return binary('greaterEqual', a, b); }
/** 1 where a < b, else 0. A constant: no gradient. */
export function less(a: Operand, b: Operand): Variable { return binary('less', a, b); }
/** 1 where a ≤ b, else 0. A constant: no gradient. */
export function lessEqual(a: Operand, b: Operand): Variable { return binary('lessEqual', a, b); }

/**
 * `a` where `condition` ≠ 0, `b` elsewhere; all three broadcast.
 * ∂/∂a = dy ⊙ [c ≠ 0], ∂/∂b = dy ⊙ [c = 0]. The condition is a constant.
 */
export function where(condition: Tensor, a: Operand, b: Operand): Variable {
  const inputs: Operand[] = [a, b];
  return record('where', inputs, () => kernels.where(condition, a, b), (dy, needs) => [
    needs[0] ? kernels.where(condition, dy, 0) : null,
    needs[1] ? kernels.where(condition, 0, dy) : null,
  ]);
}

/** A copy converted to `dtype`.  ∂/∂x: dy converted back to x's dtype. */
export function astype(x: Tensor, dtype: DType): Variable {
  return record('astype', [x], () => kernels.astype(x, dtype), (dy) => [kernels.astype(dy, x.dtype)]);
}
