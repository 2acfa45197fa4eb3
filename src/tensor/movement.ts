/**
 * Movement ops: new shapes for the same numbers. Most of them are *views*: they return a tensor
 * that shares its input's `data` and only changes the shape, the strides or the offset. That is
 * possible because element (i₀, …, iₙ₋₁) of a tensor lives at
 *
 *     data[offset + Σₖ iₖ · strideₖ]
 *
 * and each op here is a small rewrite of that sum:
 *
 *     permute(x, order)      y[i₀, …, iₙ₋₁] = x[j]  with j_order[k] = iₖ   shape and strides reordered
 *     transpose(x, a, b)     permute that swaps axes a and b                two strides swapped
 *     expand(x, shape)       y[…, i, …] = x[…, 0, …] on a broadcast axis    stride 0 there
 *     slice(x, ax, s, e, t)  y[…, i, …] = x[…, s + i·t, …]                  offset += s·stride, stride ·= t
 *     squeeze / unsqueeze    drop / insert axes of size 1                   an index that is always 0
 *     reshape(x, shape)      same row-major order, new dims                 a view when x is contiguous
 *
 * The joins build new storage:
 *
 *     concat([a, b], axis)   shapes equal except on `axis`; a's entries first, then b's
 *     stack([a, b], axis)    equal shapes; a new axis of size 2 at `axis`
 *
 * Views are free, so a chain like `transpose(slice(x, 0, 1, 5))` costs nothing until a kernel
 * reads it. Kernels that need packed rows call `contiguous()`, which copies only when it must.
 * Since views share storage, never write into a view's `data` (no op here does).
 *
 * @module
 */
import { type TypedArray, allocate } from './dtype.js';
import { fail, formatShape } from './errors.js';
import { broadcastStrides, checkResultSize, checkShape, normalizeAxes, normalizeAxis, sizeOf } from './shape.js';
import { Tensor, copyToContiguous } from './tensor.js';

// ---------------------------------------------------------------------------------------------
// reshape, flatten, squeeze, unsqueeze
// ---------------------------------------------------------------------------------------------

/**
 * The same elements, in the same row-major order, under a new shape. One dim may be `-1`; it is
 * inferred from the others.
 *
 * Like PyTorch's `reshape`: when `x` is contiguous the result is a **view** (it shares `x.data`),
 * because a row-major run of elements reads the same under any shape of the same size. When `x`
 * is not contiguous (a transpose, a stepped slice, a broadcast) no single set of strides can
 * always describe the new shape, so the result is a packed **copy**.
 *
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape;   // returns [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape('reshape', x, shape);
  if (x.isContiguous) return new Tensor(x.data, target, undefined, x.offset);
  return new Tensor(copyToContiguous(x), target);
}

/** `shape` with its `-1` filled in, after checking that it holds exactly `x.size` elements. */
function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) fail(op, `shape must be an array of dims, got ${String(shape)}`);
  const wanted = formatShape(shape);
  let inferAxis = -1;
  let known = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const dim = shape[axis];
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -1) {
      fail(op, `bad shape [${shape.map(String).join(',')}]: dims must be whole numbers ≥ 0, or one -1 to infer`);
    }
    if (dim === -1) {
      if (inferAxis !== -1) fail(op, `only one dim may be -1, got ${wanted}`);
      inferAxis = axis;
    } else {
      known *= dim;
    }
  }
  const out = shape.slice();
  if (inferAxis !== -1) {
    // size = known · d must be solved for d; that needs known ≠ 0 and known to divide size.
    if (known === 0) {
      fail(op, `cannot infer the -1 in ${wanted} for ${formatShape(x.shape)}: the other dims multiply to 0, so any size fits`);
    }
    if (x.size % known !== 0) {
      fail(op, `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${wanted}: ${x.size} is not a multiple of ${known}`);
    }
    out[inferAxis] = x.size / known;
  } else if (known !== x.size) {
    fail(op, `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${wanted} (${known} elements)`);
  }
  return out;
}

/**
 * Merges axes `startAxis … endAxis` (both included, default all) into one. A scalar becomes
 * shape `[1]`. A view when `x` is contiguous, otherwise a copy (it is a {@link reshape}).
 *
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4])).shape;         // returns [24]
 * flatten(zeros([2, 3, 4]), 1).shape;      // returns [2, 12]
 * ```
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  const op = 'flatten';
  if (x.rank === 0) return reshape(x, [1]);
  const first = normalizeAxis(op, startAxis, x.rank);
  const last = normalizeAxis(op, endAxis, x.rank);
  if (first > last) fail(op, `startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${formatShape(x.shape)}`);
  const merged = sizeOf(x.shape.slice(first, last + 1));
  return reshape(x, [...x.shape.slice(0, first), merged, ...x.shape.slice(last + 1)]);
}

/**
 * Removes axes of size 1: the listed ones (each must have size 1), or every one when `axes` is
 * omitted. Always a view: an axis of size 1 is only ever read at index 0, so dropping its stride
 * changes no address.
 *
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape;      // returns [3]
 * squeeze(zeros([1, 3, 1]), 0).shape;   // returns [3, 1]
 * ```
 */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const op = 'squeeze';
  let drop: number[];
  if (axes === undefined) {
    drop = [];
    for (let axis = 0; axis < x.rank; axis++) if (x.shape[axis] === 1) drop.push(axis);
  } else {
    drop = normalizeAxes(op, axes, x.rank);
    for (const axis of drop) {
      if (x.shape[axis] !== 1) {
        fail(op, `cannot squeeze axis ${axis} of shape ${formatShape(x.shape)}: its size is ${x.shape[axis]}, not 1`);
      }
    }
  }
  const shape: number[] = [];
  const strides: number[] = [];
  for (let axis = 0; axis < x.rank; axis++) {
    if (drop.includes(axis)) continue;
    shape.push(x.shape[axis]);
    strides.push(x.strides[axis]);
  }
  return new Tensor(x.data, shape, strides, x.offset);
}

/**
 * Inserts an axis of size 1 at `axis` (−1 appends one at the end). Always a view.
 *
 * @example
 * ```ts
 * unsqueeze(zeros([3]), 0).shape;    // returns [1, 3]  (a row)
 * unsqueeze(zeros([3]), -1).shape;   // returns [3, 1]  (a column)
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const at = normalizeAxis('unsqueeze', axis, x.rank + 1);
  // The new axis is only ever indexed at 0, so its stride never moves the address; we pick the
  // stride a row-major layout would have, which keeps the strides easy to read when printed.
  const stride = at < x.rank ? x.strides[at] * x.shape[at] : 1;
  const shape = [...x.shape.slice(0, at), 1, ...x.shape.slice(at)];
  const strides = [...x.strides.slice(0, at), stride, ...x.strides.slice(at)];
  return new Tensor(x.data, shape, strides, x.offset);
}

// ---------------------------------------------------------------------------------------------
// permute, transpose
// ---------------------------------------------------------------------------------------------

/**
 * Reorders the axes: axis k of the result is axis `order[k]` of `x`. A view.
 *
 * Why no copy is needed: stepping along result axis k must move through `x` exactly as stepping
 * along `x`'s axis `order[k]` does, so the result simply takes that axis's dim and stride.
 *
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape;   // returns [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  const op = 'permute';
  if (!Array.isArray(order) || order.length !== x.rank) {
    fail(op, `order must list each of the ${x.rank} axes of shape ${formatShape(x.shape)} once, got ${formatOrder(order)}`);
  }
  const axes = order.map((axis) => normalizeAxis(op, axis, x.rank));
  const seen = new Array<boolean>(x.rank).fill(false);
  for (const axis of axes) {
    if (seen[axis]) fail(op, `order ${formatOrder(order)} lists axis ${axis} twice; shape ${formatShape(x.shape)}`);
    seen[axis] = true;
  }
  const shape = axes.map((axis) => x.shape[axis]);
  const strides = axes.map((axis) => x.strides[axis]);
  return new Tensor(x.data, shape, strides, x.offset);
}

function formatOrder(order: unknown): string {
  return Array.isArray(order) ? `[${order.map(String).join(',')}]` : String(order);
}

/**
 * Swaps two axes, by default the last two (the matrix transpose, batched over leading axes).
 * A view: swapping two axes is swapping their dims and their strides.
 *
 * Tensors of rank 0 or 1 have no pair of axes to swap, and are refused with an error rather than
 * returned unchanged: a vector "transposed" into itself hides a bug more often than it helps.
 * Use {@link unsqueeze} to make a row `[1,n]` or a column `[n,1]`.
 *
 * @example
 * ```ts
 * transpose(zeros([5, 2, 3])).shape;         // returns [5, 3, 2]
 * transpose(zeros([5, 2, 3]), 0, 2).shape;   // returns [3, 2, 5]
 * ```
 */
export function transpose(x: Tensor, axisA = -2, axisB = -1): Tensor {
  const op = 'transpose';
  if (x.rank < 2) {
    fail(op, `needs a tensor of rank ≥ 2, got shape ${formatShape(x.shape)} (use unsqueeze to make a row or a column)`);
  }
  const a = normalizeAxis(op, axisA, x.rank);
  const b = normalizeAxis(op, axisB, x.rank);
  const order = Array.from({ length: x.rank }, (_, axis) => axis);
  order[a] = b;
  order[b] = a;
  return permute(x, order);
}

// ---------------------------------------------------------------------------------------------
// expand (broadcastTo), slice, contiguous
// ---------------------------------------------------------------------------------------------

/**
 * Broadcasts `x` to `shape` by NumPy's rule, without copying: align the shapes at their right
 * ends; each dim of `x` must equal the target's or be 1; missing leading axes are added. A view.
 *
 * Why no copy is needed: along a broadcast axis every index must read the same element, and a
 * stride of 0 does exactly that (`offset + i · 0` does not move). Because many indices then share
 * one storage slot, the result is not contiguous; `contiguous()` materialises the repeats.
 *
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [2, 3]).toArray();   // returns [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return expandTo('expand', x, shape);
}

/** The same op as {@link expand}, under NumPy's name; errors name `broadcastTo`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expandTo('broadcastTo', x, shape);
}

function expandTo(op: string, x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShape(op, shape);
  const from = formatShape(x.shape);
  if (target.length < x.rank) {
    fail(op, `cannot expand ${from} to ${formatShape(target)}: the target has fewer axes (${target.length}) than the tensor (${x.rank})`);
  }
  const lead = target.length - x.rank;
  for (let axis = 0; axis < x.rank; axis++) {
    const dim = x.shape[axis];
    const want = target[lead + axis];
    if (dim !== want && dim !== 1) {
      fail(op, `cannot expand ${from} to ${formatShape(target)}: dim ${dim} at axis ${axis} must equal ${want} or be 1`);
    }
  }
  return new Tensor(x.data, target, broadcastStrides(x.shape, x.strides, target), x.offset);
}

/**
 * Elements `start, start + step, …` (up to but not including `end`) along one axis, like
 * Python's `x[start:end:step]`. A view.
 *
 * Indices follow Python: negative ones count from the end (−1 is the last), and out-of-range
 * ones are clamped to the axis, so an empty range gives a dim of 0 rather than an error. `end`
 * defaults to the axis length. `step` must be a whole number ≥ 1; negative steps are refused
 * (as in PyTorch), which keeps every stride in the library ≥ 0.
 *
 * Why no copy is needed: element i of the result is element `start + i·step` of `x`, at
 * `offset + (start + i·step)·stride`, so the view starts at `offset + start·stride` and steps by
 * `step·stride`.
 *
 * @example
 * ```ts
 * slice(arange(10), 0, 2, 8, 3).toArray();   // returns [2, 5]
 * slice(arange(10), 0, -3).toArray();        // returns [7, 8, 9]
 * ```
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  const op = 'slice';
  if (x.rank === 0) fail(op, `cannot slice a scalar (shape [])`);
  const at = normalizeAxis(op, axis, x.rank);
  if (!Number.isInteger(step) || step < 1) {
    fail(op, `step must be a whole number ≥ 1, got ${step} (negative steps are not supported)`);
  }
  if (!Number.isInteger(start)) fail(op, `start must be a whole number, got ${start}`);
  if (end !== undefined && !Number.isInteger(end)) fail(op, `end must be a whole number, got ${end}`);
  const dim = x.shape[at];
  const first = clampIndex(start, dim);
  const stop = end === undefined ? dim : clampIndex(end, dim);
  const count = stop > first ? Math.ceil((stop - first) / step) : 0;
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[at] = count;
  strides[at] = x.strides[at] * step;
  const offset = count > 0 ? x.offset + first * x.strides[at] : x.offset;
  return new Tensor(x.data, shape, strides, offset);
}

/** A Python index made into 0 ≤ i ≤ dim: negative counts from the end, then clamp. */
function clampIndex(index: number, dim: number): number {
  const i = index < 0 ? index + dim : index;
  return Math.min(Math.max(i, 0), dim);
}

/** A packed row-major copy of `x`, or `x` itself when it is already contiguous (`x.contiguous()`). */
export function contiguous(x: Tensor): Tensor {
  return x.contiguous();
}

// ---------------------------------------------------------------------------------------------
// concat, stack
// ---------------------------------------------------------------------------------------------

/**
 * {@link concat} by its definition, one element at a time: for each output index, find the
 * input whose range on `axis` holds it and read that input through its strides. Slow and plain;
 * the tests hold `concat` equal to it.
 */
export function concatReference(tensors: readonly Tensor[], axis = 0): Tensor {
  const { at, shape } = checkConcat('concat', tensors, axis);
  const rank = shape.length;
  const out: TypedArray = allocate(tensors[0].dtype, sizeOf(shape));
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    // Decode the row-major position into a full index.
    let rest = flat;
    for (let a = rank - 1; a >= 0; a--) {
      index[a] = rest % shape[a];
      rest = Math.floor(rest / shape[a]);
    }
    // Walk past whole inputs until index[at] falls inside one.
    let k = 0;
    let along = index[at];
    while (along >= tensors[k].shape[at]) along -= tensors[k++].shape[at];
    const t = tensors[k];
    let position = t.offset;
    for (let a = 0; a < rank; a++) position += (a === at ? along : index[a]) * t.strides[a];
    out[flat] = t.data[position];
  }
  return new Tensor(out, shape);
}

/** Blocks at least this long are copied with `TypedArray.set` (a memcpy); shorter ones by a loop. */
const SET_MIN_BLOCK = 32;

/**
 * Joins tensors along an existing axis. All shapes must match except on `axis`; dtypes must
 * match. The result is new storage.
 *
 *     out[…, j, …] = tensors[k][…, j − (dims of tensors 0…k−1 on axis), …]
 *
 * Fast path: in row-major order the output is, for each index over the axes before `axis`, one
 * packed block from each input in turn, and each block is a run of its (contiguous) input. So
 * the whole join is a sequence of `TypedArray.set` calls, one per block.
 * {@link concatReference} is the element-by-element definition it is tested against.
 *
 * @example
 * ```ts
 * concat([zeros([2, 3]), ones([1, 3])]).shape;     // returns [3, 3]
 * concat([zeros([2, 3]), ones([2, 1])], 1).shape;  // returns [2, 4]
 * ```
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const { at, shape } = checkConcat('concat', tensors, axis);
  checkResultSize('concat', shape, tensors.map((t) => t.shape));
  const parts = tensors.map((t) => t.contiguous());
  const out = allocate(parts[0].dtype, sizeOf(shape));
  // One input's block per outer index: its dim on the axis times everything to the right.
  const outer = sizeOf(shape.slice(0, at));
  const blocks = parts.map((t) => sizeOf(t.shape.slice(at)));
  let written = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < parts.length; k++) {
      const block = blocks[k];
      if (block === 0) continue;
      const source = parts[k].data;
      const from = parts[k].offset + o * block;
      if (block >= SET_MIN_BLOCK) {
        out.set(source.subarray(from, from + block), written);
        written += block;
      } else {
        // subarray() allocates a view object; for a handful of elements a loop is cheaper.
        for (let i = from; i < from + block; i++) out[written++] = source[i];
      }
    }
  }
  return new Tensor(out, shape);
}

/** Checks a concat: a non-empty list of same-dtype tensors whose shapes agree off `axis`. */
function checkConcat(op: string, tensors: readonly Tensor[], axis: number): { at: number; shape: number[] } {
  checkTensorList(op, tensors);
  const first = tensors[0];
  if (first.rank === 0) fail(op, `cannot concatenate scalars (shape []): they have no axis; use stack to join them`);
  const at = normalizeAxis(op, axis, first.rank);
  const fitsFirst = (t: Tensor): boolean =>
    t.rank === first.rank && t.shape.every((dim, a) => a === at || dim === first.shape[a]);
  reportMismatches(op, tensors, fitsFirst, `shapes must match on every axis except axis ${at}`);
  const shape = first.shape.slice();
  shape[at] = tensors.reduce((total, t) => total + t.shape[at], 0);
  return { at, shape };
}

/**
 * Joins tensors of one shape along a new axis at `axis` (0 … rank; −1 puts it last). The
 * result has shape `[…, count, …]`; slicing index k on that axis gives back `tensors[k]`.
 * New storage: it is {@link concat} of the inputs, each given a size-1 axis by {@link unsqueeze}
 * (a view, so no extra copy).
 *
 * @example
 * ```ts
 * stack([zeros([2, 3]), ones([2, 3])]).shape;       // returns [2, 2, 3]
 * stack([zeros([2, 3]), ones([2, 3])], -1).shape;   // returns [2, 3, 2]
 * ```
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  checkTensorList(op, tensors);
  const first = tensors[0];
  const at = normalizeAxis(op, axis, first.rank + 1);
  const sameShape = (t: Tensor): boolean => t.rank === first.rank && t.shape.every((dim, a) => dim === first.shape[a]);
  reportMismatches(op, tensors, sameShape, 'every tensor must have the same shape');
  checkResultSize(op, [tensors.length, ...first.shape], tensors.map((t) => t.shape));
  return concat(tensors.map((t) => unsqueeze(t, at)), at);
}

/** A join's input must be a non-empty array of tensors of one dtype. */
function checkTensorList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors)) fail(op, `expected an array of tensors, got ${String(tensors)}`);
  if (tensors.length === 0) fail(op, 'needs at least one tensor, got an empty list');
  tensors.forEach((t, k) => {
    if (!(t instanceof Tensor)) fail(op, `element ${k} of the list is not a Tensor`);
  });
  const dtype = tensors[0].dtype;
  const odd = tensors.flatMap((t, k) => (t.dtype === dtype ? [] : [`tensor ${k} ${formatShape(t.shape)} is ${t.dtype}`]));
  if (odd.length > 0) {
    fail(op, `dtypes differ: tensor 0 ${formatShape(tensors[0].shape)} is ${dtype}, but ${odd.join(', ')}`);
  }
}

/** Fails naming tensor 0's shape and every shape that does not fit it. */
function reportMismatches(op: string, tensors: readonly Tensor[], fits: (t: Tensor) => boolean, rule: string): void {
  const odd = tensors.flatMap((t, k) => (fits(t) ? [] : [`tensor ${k} has ${formatShape(t.shape)}`]));
  if (odd.length > 0) fail(op, `${rule}: tensor 0 has ${formatShape(tensors[0].shape)}, but ${odd.join(', ')}`);
}
