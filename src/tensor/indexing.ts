/**
 * Picking elements by position: the k largest (`topk`), and reading at given indices (`gather`,
 * `indexSelect`).
 *
 *     topk         values, indices = the k largest of x along `axis`     x [.., d, ..] → [.., k, ..]
 *     gather       out[i][j][k] = x[i][index[i][j][k]][k]   (axis 1)      out has index's shape
 *     indexSelect  out[i][j][k] = x[i][indices[j]][k]       (axis 1)      x [a, d, c] → [a, m, c]
 *
 * The TopK sparse autoencoder keeps the k largest pre-activations of each row with `topk`; the
 * others zero out. `gather` and `indexSelect` follow PyTorch's `torch.gather` and
 * `torch.index_select`. `topkReference` and `gatherReference`, just above `topk` and `gather`, are
 * their plain definitions.
 *
 * Indices are int32 and must lie in 0 ≤ index < size. Negative indices are rejected, not wrapped
 * from the end: an off-by-one that reaches −1 should be an error, not a silent read of the last
 * element. A bad index is a TensorError naming the op, the index, the axis and its size.
 *
 * @module
 */
import { allocate } from './dtype.js';
import { TensorError, fail, formatShape } from './errors.js';
import { checkResultSize, normalizeAxis } from './shape.js';
import { Tensor } from './tensor.js';
import { StridedWalk, positionAt } from './walk.js';

/** Options for {@link topk}. */
export interface TopkOptions {
  /** The k largest (true, default) or the k smallest (false). */
  largest?: boolean;
  /**
   * true (default): best first, i.e. descending for `largest`, ascending otherwise.
   * false: the same k elements, in the order they appear along the axis.
   */
  sorted?: boolean;
}

/** What {@link topk} returns: the chosen values (x's dtype) and their positions along the axis (int32). */
export interface TopkResult {
  /** The chosen values, shape of x with the axis cut to k. */
  values: Tensor;
  /** Where each value sits along the axis, int32, same shape as `values`. */
  indices: Tensor;
}

function checkTensor(op: string, value: unknown, name: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) fail(op, `${name} must be a Tensor, got ${value === null ? 'null' : typeof value}`);
}

/** An index outside 0 ≤ i < size: the error names the op, the index, the axis, its size and the shape. */
function outOfRange(op: string, index: number, axis: number, x: Tensor): never {
  return fail(
    op,
    `index ${index} is out of range for axis ${axis} of size ${x.shape[axis]} in shape ${formatShape(x.shape)}` +
      ` (indices must satisfy 0 ≤ index < ${x.shape[axis]}; negative indices are not wrapped)`,
  );
}

/** `normalizeAxis`, with x's shape added to its message, which names only the rank. */
function axisOf(op: string, axis: number, x: Tensor): number {
  try {
    return normalizeAxis(op, axis, x.rank);
  } catch (error) {
    if (!(error instanceof TensorError)) throw error;
    return fail(op, `${error.message.slice(op.length + 2)}; shape ${formatShape(x.shape)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// topk
// ---------------------------------------------------------------------------------------------

/**
 * Whether element (va at ia) ranks before element (vb at ib). For `largest`: larger first, and
 * NaN counts as larger than every number (as in PyTorch); for smallest: smaller first, NaN last.
 * Equal values rank by lower index, so ties go to the element that comes first.
 */
function ranksBefore(va: number, ia: number, vb: number, ib: number, largest: boolean): boolean {
  const aNaN = va !== va;
  const bNaN = vb !== vb;
  if (aNaN || bNaN) {
    if (aNaN && bNaN) return ia < ib;
    return largest ? aNaN : bNaN;
  }
  if (va !== vb) return largest ? va > vb : va < vb;
  return ia < ib;
}

/**
 * {@link topk} by its definition: for each line along `axis`, rank all its positions (by
 * `ranksBefore`: value, NaN above every number for largest, ties to the lower index), keep the
 * first k, and put them in rank order (`sorted`) or in axis order. O(d log d) per line, where
 * `topk` keeps a heap of k; the tests hold the two equal.
 */
export function topkReference(x: Tensor, k: number, axis = -1, options: TopkOptions = {}): TopkResult {
  const along = normalizeAxis('topkReference', axis, x.rank);
  const dim = x.shape[along];
  const largest = options.largest ?? true;
  const sorted = options.sorted ?? true;
  const outShape = x.shape.slice();
  outShape[along] = k;
  const { outer, inner } = aroundAxis(x.shape, along);
  const values = allocate(x.dtype, outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const position = x.shape.map(() => 0);
      const valueAt = (i: number): number => {
        // Read through x's strides, so any layout works.
        let at = x.offset;
        let rest = o;
        for (let axisIndex = along - 1; axisIndex >= 0; axisIndex--) {
          position[axisIndex] = rest % x.shape[axisIndex];
          rest = Math.floor(rest / x.shape[axisIndex]);
        }
        position[along] = i;
        let after = j;
        for (let axisIndex = x.rank - 1; axisIndex > along; axisIndex--) {
          position[axisIndex] = after % x.shape[axisIndex];
          after = Math.floor(after / x.shape[axisIndex]);
        }
        for (let axisIndex = 0; axisIndex < x.rank; axisIndex++) at += position[axisIndex] * x.strides[axisIndex];
        return x.data[at];
      };
      const ranked = Array.from({ length: dim }, (_, i) => i)
        .sort((a, b) => (ranksBefore(valueAt(a), a, valueAt(b), b, largest) ? -1 : 1))
        .slice(0, k);
      if (!sorted) ranked.sort((a, b) => a - b);
      ranked.forEach((i, r) => {
        values[o * k * inner + r * inner + j] = valueAt(i);
        indices[o * k * inner + r * inner + j] = i;
      });
    }
  }
  return { values: new Tensor(values, outShape), indices: new Tensor(indices, outShape.slice()) };
}

/**
 * The k largest (or smallest) elements along `axis`, with their indices.
 *
 * Each line along the axis is scanned once with a heap of the best k so far (its root is the
 * worst of them, the one to evict), so a line of d elements costs O(d log k); the k survivors are
 * then put in order. Ties go to the lower index; NaN ranks above every number.
 *
 * @param x - the input, any dtype.
 * @param k - how many to keep, 0 ≤ k ≤ the axis's size.
 * @param axis - the axis to choose along (default the last).
 * @param options - `largest` (default true) and `sorted` (default true; false keeps the axis order).
 * @returns `{ values, indices }`, both with x's shape except k along `axis`; indices are int32.
 *
 * @example
 * ```ts
 * const { values, indices } = topk(tensor([[1, 9, 3, 7]]), 2);
 * values.toArray();    // returns [[9, 7]]
 * indices.toArray();   // returns [[1, 3]]
 * ```
 */
export function topk(x: Tensor, k: number, axis = -1, options: TopkOptions = {}): TopkResult {
  const op = 'topk';
  checkTensor(op, x, 'x');
  const along = axisOf(op, axis, x);
  const dim = x.shape[along];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
    fail(op, `k must be a whole number ≥ 0, got ${String(k)} for shape ${formatShape(x.shape)}`);
  }
  if (k > dim) fail(op, `k = ${k} is larger than axis ${along} of size ${dim} in shape ${formatShape(x.shape)}`);
  const largest = options.largest ?? true;
  const sorted = options.sorted ?? true;

  const source = x.contiguous();
  const data = source.data;
  const base = source.offset;
  const { outer, inner } = aroundAxis(x.shape, along);
  const outShape = x.shape.slice();
  outShape[along] = k;
  const values = allocate(x.dtype, outer * k * inner);
  const indices = new Int32Array(outer * k * inner);

  // Scratch reused by every line: the heap holds the positions along the axis of the best k.
  const heap = new Int32Array(k);
  const lineValues = new Float64Array(dim);
  const order: number[] = new Array<number>(k);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const lineStart = base + o * dim * inner + j;
      for (let i = 0; i < dim; i++) lineValues[i] = data[lineStart + i * inner];
      const kept = selectBest(lineValues, dim, k, largest, heap);
      for (let r = 0; r < kept; r++) order[r] = heap[r];
      if (sorted) order.sort((a, b) => (ranksBefore(lineValues[a], a, lineValues[b], b, largest) ? -1 : 1));
      else order.sort((a, b) => a - b);
      const outStart = o * k * inner + j;
      for (let r = 0; r < k; r++) {
        values[outStart + r * inner] = lineValues[order[r]];
        indices[outStart + r * inner] = order[r];
      }
    }
  }
  return { values: new Tensor(values, outShape), indices: new Tensor(indices, outShape.slice()) };
}

/**
 * Fills heap[0..k) with the positions of the best k of line[0..dim), as a binary heap whose root
 * ranks last among them. Returns k.
 */
function selectBest(line: Float64Array, dim: number, k: number, largest: boolean, heap: Int32Array): number {
  if (k === 0) return 0;
  let size = 0;
  for (let i = 0; i < dim; i++) {
    const v = line[i];
    if (size < k) {
      // Sift up: the new element climbs while it ranks after its parent (the worst goes to the root).
      let child = size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        const p = heap[parent];
        if (!ranksBefore(line[p], p, v, i, largest)) break;
        heap[child] = p;
        child = parent;
      }
      heap[child] = i;
    } else {
      const root = heap[0];
      if (!ranksBefore(v, i, line[root], root, largest)) continue;
      // Replace the worst, then sift it down below any child that ranks after it.
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        if (left >= k) break;
        let worse = left;
        const right = left + 1;
        if (right < k && ranksBefore(line[heap[left]], heap[left], line[heap[right]], heap[right], largest)) worse = right;
        const w = heap[worse];
        if (!ranksBefore(v, i, line[w], w, largest)) break;
        heap[parent] = w;
        parent = worse;
      }
      heap[parent] = i;
    }
  }
  return k;
}

// ---------------------------------------------------------------------------------------------
// gather and indexSelect
// ---------------------------------------------------------------------------------------------

/**
 * {@link gather} by its definition, one element at a time: for each output position (i₀, …) of
 * index's shape, read x at the same position except along `axis`, where index's value says where.
 * Slow and plain; the tests hold `gather` equal to it.
 */
export function gatherReference(x: Tensor, axis: number, index: Tensor): Tensor {
  const op = 'gather';
  const along = checkGather(op, x, axis, index);
  const out = allocate(x.dtype, index.size);
  for (let flat = 0; flat < index.size; flat++) {
    const i = index.data[positionAt(flat, index.shape, index.strides, index.offset)];
    if (i < 0 || i >= x.shape[along]) outOfRange(op, i, along, x);
    let rest = flat;
    let position = x.offset;
    for (let a = index.rank - 1; a >= 0; a--) {
      const coordinate = rest % index.shape[a];
      rest = Math.floor(rest / index.shape[a]);
      position += (a === along ? i : coordinate) * x.strides[a];
    }
    out[flat] = x.data[position];
  }
  return new Tensor(out, index.shape.slice());
}

/** gather's operands: x and an int32 index of x's rank, no larger than x off `axis`. Returns the axis. */
function checkGather(op: string, x: Tensor, axis: number, index: Tensor): number {
  checkTensor(op, x, 'x');
  checkTensor(op, index, 'index');
  const along = axisOf(op, axis, x);
  if (index.dtype !== 'int32') fail(op, `index must be int32, got ${index.dtype} (shape ${formatShape(index.shape)})`);
  if (index.rank !== x.rank) {
    fail(op, `index must have x's rank: x ${formatShape(x.shape)} has rank ${x.rank}, index ${formatShape(index.shape)} has rank ${index.rank}`);
  }
  for (let a = 0; a < x.rank; a++) {
    if (a !== along && index.shape[a] > x.shape[a]) {
      fail(op, `index ${formatShape(index.shape)} is larger than x ${formatShape(x.shape)} at axis ${a} (only axis ${along} may be larger)`);
    }
  }
  return along;
}

/**
 * Reads x along `axis` at the positions in `index`, like `torch.gather`. For a rank-3 tensor and
 * axis 1:
 *
 *     out[i][j][k] = x[i][index[i][j][k]][k]
 *
 * `index` is int32 with x's rank; on every other axis its dims must not exceed x's. The result
 * has index's shape and x's dtype. This is how you read, for each row, the entries at positions
 * chosen per row (e.g. the values at `topk`'s indices).
 *
 * @param x - the tensor to read from.
 * @param axis - the axis the indices point along (negative counts from the end).
 * @param index - int32 positions, 0 ≤ index < x.shape[axis].
 *
 * @example
 * ```ts
 * const x = tensor([[10, 11, 12], [20, 21, 22]]);
 * gather(x, 1, tensor([[2, 0], [1, 1]], undefined, 'int32')).toArray();   // returns [[12, 10], [21, 21]]
 * ```
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const op = 'gather';
  const along = checkGather(op, x, axis, index);
  const size = index.size;
  const out = allocate(x.dtype, size);
  const dim = x.shape[along];
  if (size === 0) return new Tensor(out, index.shape.slice());

  // The shared walk over the output (= index's shape), carrying the position in `index` and in
  // x along every axis except `along` (stride 0 there), where the index decides.
  const xStrides = x.strides.map((stride, a) => (a === along ? 0 : stride));
  const walk = new StridedWalk(index.shape, [index.strides, xStrides], [index.offset, x.offset]);
  const [si, sx] = walk.innerSteps;
  const [ri, rx] = walk.rowSteps;
  const alongStride = x.strides[along];
  let written = 0;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, i0 = walk.starts[0], x0 = walk.starts[1]; r < walk.rows; r++, i0 += ri, x0 += rx) {
      for (let j = 0, indexAt = i0, xAt = x0; j < walk.inner; j++, indexAt += si, xAt += sx) {
        const i = index.data[indexAt];
        if (i < 0 || i >= dim) outOfRange(op, i, along, x);
        out[written++] = x.data[xAt + i * alongStride];
      }
    }
  }
  return new Tensor(out, index.shape.slice());
}

/**
 * The slices of x at the given positions along `axis`, like `torch.index_select`. For axis 1:
 *
 *     out[i][j][k] = x[i][indices[j]][k]
 *
 * The result has x's shape with `axis` resized to the number of indices, and x's dtype. An index
 * may repeat; `indexSelect(x, 0, [2, 0])` gives rows 2 and 0.
 *
 * @param x - the tensor to read from.
 * @param axis - the axis to select along (negative counts from the end).
 * @param indices - an int32 1-D tensor or an array of whole numbers, each 0 ≤ index < x.shape[axis].
 *
 * @example
 * ```ts
 * indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0]).toArray();   // returns [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(x: Tensor, axis: number, indices: Tensor | readonly number[]): Tensor {
  const op = 'indexSelect';
  checkTensor(op, x, 'x');
  const along = axisOf(op, axis, x);
  let list: ArrayLike<number>;
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') fail(op, `indices must be int32, got ${indices.dtype} (shape ${formatShape(indices.shape)})`);
    if (indices.rank !== 1) fail(op, `indices must be 1-D, got shape ${formatShape(indices.shape)}`);
    list = indices.toTypedArray();
  } else if (Array.isArray(indices)) {
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (typeof i !== 'number' || !Number.isInteger(i)) fail(op, `indices[${j}] must be a whole number, got ${String(i)}`);
    }
    list = indices;
  } else {
    return fail(op, `indices must be an int32 Tensor or an array of numbers, got ${typeof indices}`);
  }
  const dim = x.shape[along];
  const count = list.length;
  for (let j = 0; j < count; j++) if (list[j] < 0 || list[j] >= dim) outOfRange(op, list[j], along, x);

  const outShape = x.shape.slice();
  outShape[along] = count;
  checkResultSize(op, outShape, [x.shape, [count]]);
  const source = x.contiguous();
  const data = source.data;
  const { outer, inner } = aroundAxis(x.shape, along);
  const out = allocate(x.dtype, outer * count * inner);
  // Each chosen slice x[o, indices[j], :] is `inner` consecutive elements: copy it whole.
  let written = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const start = source.offset + (o * dim + list[j]) * inner;
      for (let c = 0; c < inner; c++) out[written++] = data[start + c];
    }
  }
  return new Tensor(out, outShape);
}

/**
 * A shape read as [outer, dim, inner] around `axis`: outer is the product of the dims before it,
 * inner of the dims after it, so element (o, i, j) sits at (o·dim + i)·inner + j when contiguous.
 */
function aroundAxis(shape: readonly number[], axis: number): { outer: number; inner: number } {
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= shape[a];
  let inner = 1;
  for (let a = axis + 1; a < shape.length; a++) inner *= shape[a];
  return { outer, inner };
}
