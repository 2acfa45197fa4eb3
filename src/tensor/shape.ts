/**
 * Shapes, strides and broadcasting: the arithmetic of where each element lives.
 *
 * A tensor of shape [d₀, d₁, …, dₙ₋₁] stores element (i₀, …, iₙ₋₁) at
 *
 *     offset + Σₖ iₖ · strideₖ
 *
 * Row-major ("C order") strides are strideₙ₋₁ = 1 and strideₖ = strideₖ₊₁ · dₖ₊₁.
 *
 * Broadcasting (NumPy's rule): align the shapes at their right ends, pad the shorter with 1s;
 * two dims are compatible when they are equal or one of them is 1, and the result takes the
 * larger. [8,1024,100] and [100] broadcast to [8,1024,100]; [8,5] and [4,5] do not.
 *
 * @module
 */
import { MAX_ELEMENTS } from './dtype.js';
import { fail, formatShape } from './errors.js';

/**
 * The most elements one tensor may hold: 2³¹ − 1, so that every index and offset is a small
 * integer that V8 keeps unboxed, and far below what one typed array can be given. (Defined
 * beside `allocate` in `dtype.ts`, which refuses anything larger.)
 */
export { MAX_ELEMENTS };

/**
 * Checks that every dim is a non-negative whole number and that the whole fits in
 * {@link MAX_ELEMENTS}, and returns the shape as a plain array. `op` names the caller in the
 * error: `zeros: bad shape [2,-1]: dims must be whole numbers ≥ 0`.
 */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) fail(op, `shape must be an array of dims, got ${String(shape)}`);
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) {
      fail(op, `bad shape [${shape.map(String).join(',')}]: dims must be whole numbers ≥ 0`);
    }
  }
  checkSize(op, sizeOf(shape), `shape ${formatShape(shape)}`);
  return shape.slice();
}

/** Refuses an element count above {@link MAX_ELEMENTS}; `what` describes where it came from. */
export function checkSize(op: string, size: number, what: string): void {
  if (size > MAX_ELEMENTS) fail(op, `${what} has ${size} elements; at most ${MAX_ELEMENTS} fit in one tensor`);
}

/**
 * Refuses a result shape of more than {@link MAX_ELEMENTS} elements before anything is allocated,
 * naming the op, the result and the operands' shapes (a count, past four of them):
 * `add: the result [50000,50000] of [50000,1] and [1,50000] would have 2500000000 elements; …`.
 */
export function checkResultSize(op: string, result: readonly number[], operands: readonly (readonly number[])[]): void {
  const size = sizeOf(result);
  if (size <= MAX_ELEMENTS) return;
  const from = operands.length <= 4
    ? operands.map(formatShape).join(' and ')
    : `${operands.length} operands (the first ${formatShape(operands[0])})`;
  fail(op, `the result ${formatShape(result)} of ${from} would have ${size} elements; at most ${MAX_ELEMENTS} fit in one tensor`);
}

/** The number of elements in a shape: the product of its dims (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (let axis = 0; axis < shape.length; axis++) size *= shape[axis];
  return size;
}

/** Row-major strides for a shape: the last axis moves by 1. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

/** Whether two shapes are the same dims in the same order. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let axis = 0; axis < a.length; axis++) if (a[axis] !== b[axis]) return false;
  return true;
}

/**
 * The shape two operands broadcast to, or a {@link TensorError} naming `op` and both shapes, also
 * when that shape would hold more than 2³¹ − 1 elements (every broadcasting op
 * allocates its result only after this check).
 *
 *     broadcastShapes('add', [8,1,5], [4,1]) → [8,4,5]
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let fromRight = 1; fromRight <= rank; fromRight++) {
    const dimA = a.length - fromRight >= 0 ? a[a.length - fromRight] : 1;
    const dimB = b.length - fromRight >= 0 ? b[b.length - fromRight] : 1;
    if (dimA !== dimB && dimA !== 1 && dimB !== 1) {
      fail(
        op,
        `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast: ` +
          `dim ${dimA} vs ${dimB} at axis -${fromRight} (each pair must be equal or one of them 1)`,
      );
    }
    out[rank - fromRight] = dimA === 1 ? dimB : dimA;
  }
  checkResultSize(op, out, [a, b]);
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if it had the broadcast shape `target`:
 * leading axes it lacks, and axes where its dim is 1, get stride 0, so the same element is read
 * again along them. This is how broadcasting costs no copy.
 */
export function broadcastStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let axis = 0; axis < shape.length; axis++) {
    out[lead + axis] = shape[axis] === 1 && target[lead + axis] !== 1 ? 0 : strides[axis];
  }
  return out;
}

/**
 * A possibly negative axis made into 0 ≤ axis < rank (−1 is the last axis), or an error naming
 * the op, the axis and the rank.
 */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(op, `axis ${axis} is out of range for a tensor of rank ${rank} (allowed ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * A list of axes normalised, de-duplicated check included, and sorted ascending.
 * `undefined` means every axis.
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, axis) => axis);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((axis) => normalizeAxis(op, axis, rank));
  const sorted = out.slice().sort((x, y) => x - y);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k] === sorted[k - 1]) fail(op, `axis ${sorted[k]} is listed twice in [${list.join(',')}]`);
  }
  return sorted;
}

/**
 * The same walk over fewer axes: drops size-1 axes and merges each axis into the one on its left
 * when, for every operand, one step on the left equals a full run of the right
 * (strideₗ = strideᵣ · dimᵣ). Row-major order is kept, so an output written in order is unchanged.
 *
 *     [8,1024,5] read with strides [1,0,0] (an expanded [8,1,1])   →  [8,5120] with strides [1,0]
 *
 * Strided loops walk the last axes with plain for-loops and the rest with an odometer, so fewer,
 * longer axes mean fewer odometer steps.
 */
export function coalesceAxes(
  shape: readonly number[], stridesList: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const merged: number[] = [];
  const mergedStrides = stridesList.map(() => [] as number[]);
  for (let axis = 0; axis < shape.length; axis++) {
    const dim = shape[axis];
    if (dim === 1) continue; // never moves the position
    const last = merged.length - 1;
    if (last >= 0 && stridesList.every((strides, k) => mergedStrides[k][last] === strides[axis] * dim)) {
      merged[last] *= dim;
      stridesList.forEach((strides, k) => (mergedStrides[k][last] = strides[axis]));
    } else {
      merged.push(dim);
      stridesList.forEach((strides, k) => mergedStrides[k].push(strides[axis]));
    }
  }
  return { shape: merged, strides: mergedStrides };
}
