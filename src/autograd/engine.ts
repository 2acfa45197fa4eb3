/**
 * The autograd engine: record each op as it runs, then walk the record backwards.
 *
 * Forward. Every differentiable op calls {@link record}. It runs the kernel, and if any input
 * requires grad it attaches a {@link GradNode} to the output: the op's name, its inputs, and a
 * backward rule that turns dy = ∂L/∂y into one gradient per input.
 *
 * Backward. For a scalar loss L, `backward(L)` computes ∂L/∂x for every leaf x by the chain rule,
 * visiting nodes in reverse topological order (every consumer before its producer):
 *
 *     dL/dL = 1
 *     for each node y = f(x₁, …, xₖ), latest first:
 *         (dx₁, …, dxₖ) = f.backward(dy)          the op's own rule, in its op file
 *         dxᵢ ← unbroadcast(dxᵢ, shape of xᵢ)     here, in one place, for every op
 *         grad[xᵢ] += dxᵢ                         a value used twice gets the sum
 *
 * Un-broadcasting. When y = a + b broadcast b from [3] to [4,3], each bᵢ fed four outputs, so
 * its gradient is the sum of those four: ∂L/∂b = Σ_rows dy. Every rule may return a gradient of
 * the *broadcast* shape; {@link unbroadcast} sums it down to the input's shape, and refuses (naming
 * the op and both shapes) when the two shapes cannot be matched. tfjs un-broadcasts inside each
 * rule, which is how it grew a bug with batched matmul; one place is easier to get right.
 *
 * The walk is iterative (an explicit stack), so a chain of 100,000 ops does not overflow the call
 * stack. After the walk the graph is released, unless `retainGraph` is set, so memory stays flat
 * across training steps without any tidy() or dispose().
 *
 * @module
 */
import { allocate } from '../tensor/dtype.js';
import { TensorError, fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type Operand, add, astype } from '../tensor/elementwise.js';
import { reshape } from '../tensor/movement.js';
import { sum } from '../tensor/reduce.js';
import { shapesEqual } from '../tensor/shape.js';
import { streamsFor } from '../tensor/wasm/streams.js';


/**
 * An op's backward rule: given dy = ∂L/∂y, return ∂L/∂xᵢ for each input, or null where no gradient
 * is needed (`needs[i]` is false) or where it is zero. Gradients may have the broadcast shape; the
 * engine sums them down.
 */
export type BackwardRule = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/** One recorded op: how its output was made and how to send a gradient back. */
export interface GradNode {
  /** A number unique to this node, for graph drawings. */
  readonly id: number;
  /** The op's name, e.g. `"matmul"`. */
  readonly op: string;
  /** The op's inputs; null for numbers and tensors that need no gradient. */
  inputs: readonly (Variable | null)[];
  /** The shapes of all inputs (`[]` for a number), kept for messages after the graph is released. */
  readonly inputShapes: readonly (readonly number[])[];
  /** The backward rule; null once the graph has been released after `backward()`. */
  rule: BackwardRule | null;
}

/**
 * A tensor that records how it was made (see variable.ts for the whole story). It lives here,
 * beside the record it holds ({@link GradNode}) and the walk it starts ({@link backward}), so that
 * the engine and variable.ts do not import each other.
 */
export class Variable extends Tensor {
  /** Whether gradients flow into this value. Set on leaves; derived for op outputs. */
  requiresGrad: boolean;
  /** The op that produced this value, or null for a leaf or a constant. */
  node: GradNode | null;
  /** ∂L/∂(this), accumulated by `backward()` on leaves that require grad; null until then. */
  grad: Tensor | null = null;
  /** An optional label, shown in traces and graph drawings (e.g. `"W"`). */
  name: string | undefined;

  /** Wraps a tensor's storage (no copy). Use {@link parameter} or {@link variable} instead. */
  constructor(value: Tensor, requiresGrad = false, node: GradNode | null = null, name?: string) {
    super(value.data, value.shape, value.strides, value.offset);
    this.requiresGrad = requiresGrad;
    this.node = node;
    this.name = name;
  }

  /** True for a value no op produced: a parameter, an input, or a constant. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Computes ∂this/∂x for every leaf x that requires grad, and adds it to `x.grad`.
   * `this` must hold one element, unless `seed` (∂L/∂this, same shape) is given.
   */
  backward(seed?: Tensor, options?: BackwardOptions): void {
    backward(this, seed, options);
  }

  /** The same numbers as a constant: no gradient flows through the result. */
  detach(): Variable {
    return new Variable(this, false);
  }

  /** Resets `grad` to zero in place (or leaves it null), so the next backward starts fresh. */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.data.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Modes: gradient recording, anomaly detection, and the observer that `trace` installs.
// ---------------------------------------------------------------------------------------------

let gradEnabled = true;
let anomalyDetection = false;
let nextNodeId = 1;

/** Whether ops record a graph right now (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording: ops inside return constants. Use it for evaluation and for
 * updates that must not become part of the graph.
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Runs `fn` with recording on, even inside {@link noGrad}. */
export function enableGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` with anomaly detection: the first op whose output (forward) or gradient (backward)
 * holds NaN or ±Inf throws a {@link TensorError} naming the op and its input shapes. Slower, since
 * every result is scanned; use it to find where a loss went bad.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyDetection;
  anomalyDetection = true;
  try {
    return fn();
  } finally {
    anomalyDetection = previous;
  }
}

/** One op as an observer sees it: what ran, on what shapes, and how long it took. */
export interface OpEvent {
  /** `"forward"` for the op itself, `"backward"` for its rule running during `backward()`. */
  readonly phase: 'forward' | 'backward';
  /** The op's name. */
  readonly op: string;
  /** Input shapes (`[]` for a number). In the backward phase: the shape of dy. */
  readonly inputShapes: readonly (readonly number[])[];
  /** Output shapes. Forward: the one result. Backward: one gradient per input (null where none). */
  readonly outputShapes: readonly (readonly number[] | null)[];
  /** The result's dtype. */
  readonly dtype: string;
  /** Whether the op sits on the gradient path (its output requires grad). */
  readonly onGradPath: boolean;
  /** Wall time of the kernel or rule, in milliseconds. */
  readonly ms: number;
}

/** Receives every op while installed; see {@link setOpObserver}. `trace()` is built on it. */
export type OpObserver = (event: OpEvent) => void;

let observer: OpObserver | null = null;

/**
 * Installs an observer that hears about every op, forward and backward, and returns the one it
 * replaced (restore it when done). Costs two clock reads per op while installed, nothing otherwise.
 */
export function setOpObserver(next: OpObserver | null): OpObserver | null {
  const previous = observer;
  observer = next;
  return previous;
}

const now: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now();

// ---------------------------------------------------------------------------------------------
// Forward: record an op.
// ---------------------------------------------------------------------------------------------

/**
 * Runs an op and records it. `forward` computes the output from the inputs (already captured);
 * `rule` is the op's backward. Every differentiable op in `src/autograd/ops` goes through here.
 */
export function record(op: string, inputs: readonly Operand[], forward: () => Tensor, rule: BackwardRule): Variable {
  let output: Tensor;
  let ms = 0;
  if (observer === null) {
    output = forward();
  } else {
    const start = now();
    output = forward();
    ms = now() - start;
  }
  let needsAny = false;
  if (gradEnabled) {
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (input instanceof Variable && input.requiresGrad) {
        needsAny = true;
        break;
      }
    }
  }
  if (anomalyDetection) checkFinite(op, 'forward', output, inputs.map(shapeOfInput));
  let node: GradNode | null = null;
  if (needsAny) {
    node = {
      id: nextNodeId++,
      op,
      inputs: inputs.map((input) => (input instanceof Variable && input.requiresGrad ? input : null)),
      inputShapes: inputs.map(shapeOfInput),
      rule,
    };
  }
  const result = new Variable(output, needsAny, node);
  if (observer !== null) {
    observer({
      phase: 'forward',
      op,
      inputShapes: inputs.map(shapeOfInput),
      outputShapes: [output.shape],
      dtype: output.dtype,
      onGradPath: needsAny,
      ms,
    });
  }
  return result;
}

function shapeOfInput(input: Operand): readonly number[] {
  return typeof input === 'number' ? [] : input.shape;
}

/** The anomaly check: throws at the first NaN or ±Inf in `t`, naming the op and the input shapes. */
function checkFinite(op: string, phase: 'forward' | 'backward', t: Tensor, inputShapes: readonly (readonly number[])[]): void {
  if (t.dtype === 'int32') return;
  const values = t.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const what = phase === 'forward' ? `output [shape ${formatShape(t.shape)}]` : `gradient [shape ${formatShape(t.shape)}]`;
      fail(
        op,
        `anomaly: ${phase} produced ${values[i]} at flat index ${i} of its ${what}; ` +
          `input shapes ${inputShapes.map(formatShape).join(', ')}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backward: the reverse walk.
// ---------------------------------------------------------------------------------------------

/** What a backward hook sees at each node: the gradient that arrived and the ones sent on. */
export interface BackwardStep {
  /** The node's id. */
  readonly id: number;
  /** The node's op. */
  readonly op: string;
  /** dy: ∂L/∂(this node's output). */
  readonly gradOutput: Tensor;
  /** ∂L/∂(each input), after un-broadcasting; null for inputs that need none. */
  readonly gradInputs: readonly (Tensor | null)[];
  /** The inputs' shapes. */
  readonly inputShapes: readonly (readonly number[])[];
}

/** Options for `backward()`. */
export interface BackwardOptions {
  /** Keep the graph after the walk, so `backward()` can run on it again. Default false. */
  retainGraph?: boolean;
  /** Called at each node, in the order the walk visits them, to step through backprop. */
  onStep?: (step: BackwardStep) => void;
}

/**
 * The reverse walk; see the module notes. `seed` is ∂L/∂root (default 1 for a one-element root).
 * Each leaf that requires grad ends with its gradient *added* to `.grad` (zero it between steps).
 */
export function backward(root: Variable, seed?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    fail('backward', `this value does not require grad: no input it was computed from requires grad ` +
      `(make inputs with parameter(), or check for noGrad)`);
  }
  let dRoot: Tensor;
  if (seed === undefined) {
    if (root.size !== 1) {
      fail('backward', `the output has shape ${formatShape(root.shape)}; backward() without a seed needs ` +
        `a one-element output (reduce it to a scalar loss first, or pass ∂L/∂output as the seed)`);
    }
    dRoot = onesOf(root);
  } else {
    if (!(seed instanceof Tensor)) fail('backward', `the seed must be a Tensor (∂L/∂output), got ${typeof seed}`);
    if (!shapesEqual(seed.shape, root.shape)) {
      fail('backward', `the seed has shape ${formatShape(seed.shape)}, expected the output's shape ${formatShape(root.shape)}`);
    }
    dRoot = seed.dtype === root.dtype ? seed : astype(seed, root.dtype);
  }

  const order = topologicalOrder(root);
  const grads = new Map<Variable, Tensor>();
  grads.set(root, dRoot);
  // Latest first: a node runs only after every consumer has added its share to grads.
  for (let k = order.length - 1; k >= 0; k--) {
    const value = order[k];
    const dy = grads.get(value);
    if (dy === undefined) continue;
    grads.delete(value);
    const node = value.node;
    if (node === null) {
      accumulateLeafGrad(value, dy);
      continue;
    }
    if (node.rule === null) {
      fail('backward', `the graph through ${node.op} was already released by an earlier backward(); ` +
        `pass { retainGraph: true } to the first call to walk it twice`);
    }
    const needs = node.inputs.map((input) => input !== null);
    const start = observer === null ? 0 : now();
    // Rules run unrecorded: a rule may use differentiable ops, but its own work is not part of
    // the graph (this engine does not take gradients of gradients).
    const raw = noGrad(() => (node.rule as BackwardRule)(dy, needs));
    const sent: (Tensor | null)[] = new Array(node.inputs.length).fill(null);
    for (let i = 0; i < node.inputs.length; i++) {
      const input = node.inputs[i];
      const g = raw[i];
      if (input === null || g === null || g === undefined) continue;
      const shaped = unbroadcast(node.op, i, g, input.shape);
      const dx = shaped.dtype === input.dtype ? shaped : astype(shaped, input.dtype);
      if (anomalyDetection) checkFinite(node.op, 'backward', dx, node.inputShapes);
      sent[i] = dx;
      const earlier = grads.get(input);
      grads.set(input, earlier === undefined ? dx : add(earlier, dx));
    }
    if (observer !== null) {
      observer({
        phase: 'backward',
        op: node.op,
        inputShapes: [dy.shape],
        outputShapes: sent.map((g) => (g === null ? null : g.shape)),
        dtype: dy.dtype,
        onGradPath: true,
        ms: now() - start,
      });
    }
    options.onStep?.({ id: node.id, op: node.op, gradOutput: dy, gradInputs: sent, inputShapes: node.inputShapes });
    if (options.retainGraph !== true) {
      // Drop the references that keep the forward's tensors alive, so the graph can be collected.
      node.rule = null;
      node.inputs = [];
    }
  }
}

/**
 * Every Variable that `root` depends on through nodes that need grad, producers before consumers.
 * Depth-first with an explicit stack of (value, next input to visit) frames.
 */
function topologicalOrder(root: Variable): Variable[] {
  const order: Variable[] = [];
  const visited = new Set<Variable>([root]);
  const stack: Variable[] = [root];
  const nextInput: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const value = stack[top];
    const inputs = value.node === null ? [] : value.node.inputs;
    let pushed = false;
    while (nextInput[top] < inputs.length) {
      const input = inputs[nextInput[top]++];
      if (input !== null && !visited.has(input)) {
        visited.add(input);
        stack.push(input);
        nextInput.push(0);
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      stack.pop();
      nextInput.pop();
      order.push(value);
    }
  }
  return order;
}

/**
 * Sums a gradient down to its input's shape: over the leading axes broadcasting added, and over
 * the axes where the input had size 1. Throws, naming the op and both shapes, if `grad` could not
 * have come from broadcasting `shape`. This is the one place un-broadcasting happens.
 */
export function unbroadcast(op: string, inputIndex: number, grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const extra = grad.rank - shape.length;
  const mismatch = (): never =>
    fail(op, `backward produced a gradient of shape ${formatShape(grad.shape)} for input ${inputIndex}, ` +
      `whose shape is ${formatShape(shape)}; a gradient must have its input's shape or one it broadcasts to`);
  if (extra < 0) mismatch();
  const axes: number[] = [];
  for (let axis = 0; axis < grad.rank; axis++) {
    if (axis < extra) {
      axes.push(axis);
    } else if (shape[axis - extra] !== grad.shape[axis]) {
      if (shape[axis - extra] !== 1) mismatch();
      axes.push(axis);
    }
  }
  const summed = reshape(sum(grad, axes), shape);
  if (!shapesEqual(summed.shape, shape)) mismatch();
  return summed;
}

/** Adds `dx` into `leaf.grad`, which the leaf owns (a packed buffer reused across steps). */
function accumulateLeafGrad(leaf: Variable, dx: Tensor): void {
  if (!shapesEqual(dx.shape, leaf.shape)) {
    throw new TensorError('backward', `gradient of shape ${formatShape(dx.shape)} reached a leaf of shape ${formatShape(leaf.shape)}`);
  }
  const source = dx.packedValues(); // only read, into the leaf's own buffer
  const current = leaf.grad;
  if (current === null || !current.isContiguous || current.offset !== 0 || current.data.length !== leaf.size ||
      current.dtype !== leaf.dtype) {
    const storage = allocate(leaf.dtype, leaf.size);
    storage.set(source);
    leaf.grad = new Tensor(storage, leaf.shape.slice());
    return;
  }
  const target = current.data;
  const streams = target instanceof Float32Array && source instanceof Float32Array ? streamsFor(target.length) : null;
  if (streams !== null) {
    streams.binary('add', target as Float32Array, 0, source as Float32Array, 0, target as Float32Array, 0, target.length); // same bits, SIMD
    return;
  }
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

function onesOf(like: Tensor): Tensor {
  const storage = allocate(like.dtype, like.size);
  storage.fill(1);
  return new Tensor(storage, like.shape.slice());
}
