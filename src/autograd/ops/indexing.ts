/**
 * Differentiable indexing: ops that read chosen entries. Their backward is the same reading in
 * reverse: each dy entry is *added* back to the position it was read from (added, because one
 * position can be read twice).
 *
 *     gather(x, ax, index)        y[…i…] = x[… index[…i…] …]    dx = zeros; dx[… index …] += dy
 *     indexSelect(x, ax, idx)     y[o, j, i] = x[o, idx[j], i]   dx[o, idx[j], i] += dy[o, j, i]
 *     topk(x, k, ax).values       the k largest along ax         dx = zeros; dy added at the indices
 *
 * The indices themselves are int32 constants. Shapes: x is any shape; gather's `index` has x's
 * rank; indexSelect's indices are 1-D; topk cuts axis `ax` to k.
 *
 * @module
 */
import { allocate } from '../../tensor/dtype.js';
import * as kernels from '../../tensor/indexing.js';
import type { TopkOptions } from '../../tensor/indexing.js';
import { normalizeAxis } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../engine.js';
import type { Variable } from '../variable.js';

/**
 * Adds `dy` into a zero tensor of `shape` at the positions `index` names along `axis`:
 * out[i₀, …, index[i], …, iₙ₋₁] += dy[i]. `index` and `dy` share a shape of the same rank as `shape`.
 */
function scatterAdd(shape: readonly number[], axis: number, index: Tensor, dy: Tensor): Tensor {
  const out = new Tensor(allocate(dy.dtype, shape.reduce((n, d) => n * d, 1)), shape.slice());
  const outStrides = out.strides;
  const positions = index.toTypedArray();
  const values = dy.toTypedArray();
  const rank = index.rank;
  const multi = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < values.length; flat++) {
    let target = 0;
    for (let ax = 0; ax < rank; ax++) target += (ax === axis ? positions[flat] : multi[ax]) * outStrides[ax];
    out.data[target] += values[flat];
    for (let ax = rank - 1; ax >= 0; ax--) {
      if (++multi[ax] < index.shape[ax]) break;
      multi[ax] = 0;
    }
  }
  return out;
}

/** Reads, along `axis`, the entries `index` names (int32, x's rank).  ∂/∂x: dy added back there. */
export function gather(x: Tensor, axis: number, index: Tensor): Variable {
  return record('gather', [x], () => kernels.gather(x, axis, index), (dy) => [
    scatterAdd(x.shape, normalizeAxis('gather', axis, x.rank), index, dy),
  ]);
}

/** The slices `indices` names along `axis`.  ∂/∂x: each slice of dy added back where it was read. */
export function indexSelect(x: Tensor, axis: number, indices: Tensor | readonly number[]): Variable {
  return record('indexSelect', [x], () => kernels.indexSelect(x, axis, indices), (dy) => {
    const along = normalizeAxis('indexSelect', axis, x.rank);
    const list = indices instanceof Tensor ? indices.toTypedArray() : indices;
    let outer = 1;
    for (let ax = 0; ax < along; ax++) outer *= x.shape[ax];
    let inner = 1;
    for (let ax = along + 1; ax < x.rank; ax++) inner *= x.shape[ax];
    const dim = x.shape[along];
    const out = allocate(dy.dtype, x.size);
    const source = dy.toTypedArray();
    // dy is [outer, count, inner]; row j of each block goes back to row list[j].
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < list.length; j++) {
        const from = (o * list.length + j) * inner;
        const to = (o * dim + list[j]) * inner;
        for (let i = 0; i < inner; i++) out[to + i] += source[from + i];
      }
    }
    return [new Tensor(out, x.shape.slice())];
  });
}

/** What {@link topk} returns: differentiable values and constant int32 indices. */
export interface TopkResult {
  /** The chosen values; gradients flow back to the positions they came from. */
  values: Variable;
  /** Their positions along the axis (int32, a constant). */
  indices: Tensor;
}

/**
 * The k largest (or smallest) entries along `axis`, and where they sit.
 * ∂/∂x: dy added at the chosen positions, 0 elsewhere (the straight path TopK SAEs train through).
 */
export function topk(x: Tensor, k: number, axis = -1, options: TopkOptions = {}): TopkResult {
  let indices: Tensor | undefined;
  const values = record('topk', [x], () => {
    const result = kernels.topk(x, k, axis, options);
    indices = result.indices;
    return result.values;
  }, (dy) => [scatterAdd(x.shape, normalizeAxis('topk', axis, x.rank), indices as Tensor, dy)]);
  return { values, indices: indices as Tensor };
}
