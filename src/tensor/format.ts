/**
 * `toString()` for tensors, in PyTorch's style:
 *
 *     tensor([[ 1.0000, -2.5000],
 *             [ 3.0000,  4.0000]], shape=[2,2], dtype=float32)
 *
 * All elements share one number format, chosen from the values: whole numbers print as `3.`
 * (or `3` for int32), moderate ones with four decimals, very large or small ones in scientific
 * notation. Tensors of more than 1000 elements are elided: each axis longer than 6 shows its first
 * and last three entries around `...`.
 *
 * @module
 */
import type { DType } from './dtype.js';
import { contiguousStrides } from './shape.js';

/**
 * What printing reads of a tensor: its values in row-major order, its shape and its dtype (so this
 * file needs nothing of the Tensor class, which calls it).
 */
export interface PrintedTensor {
  readonly values: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Above this many elements, `toString()` elides the middle of long axes. */
const ELIDE_ABOVE = 1000;
/** Entries kept at each end of an elided axis. */
const EDGE_ITEMS = 3;

/** The text `toString()` returns. */
export function formatTensor(t: PrintedTensor): string {
  const { values } = t;
  const elide = values.length > ELIDE_ABOVE;
  const formatNumber = chooseNumberFormat(values, t.dtype === 'int32');
  const width = maxWidth(values, formatNumber);
  const prefix = 'tensor(';
  const strides = contiguousStrides(t.shape);

  const render = (axis: number, start: number, indent: string): string => {
    if (axis === t.shape.length) return formatNumber(values[start]).padStart(width);
    const dim = t.shape[axis];
    const picks = elide && dim > 2 * EDGE_ITEMS ? elidedIndices(dim) : Array.from({ length: dim }, (_, i) => i);
    const last = axis === t.shape.length - 1;
    const separator = last ? ', ' : ',' + '\n'.repeat(t.shape.length - 1 - axis) + indent + ' ';
    const parts = picks.map((i) => (i < 0 ? '...' : render(axis + 1, start + i * strides[axis], indent + ' ')));
    return '[' + parts.join(separator) + ']';
  };

  const body = render(0, 0, ' '.repeat(prefix.length));
  return `${prefix}${body}, shape=[${t.shape.join(',')}], dtype=${t.dtype})`;
}

/** Indices 0, 1, 2, −1 (the `...` marker), dim−3, dim−2, dim−1. */
function elidedIndices(dim: number): number[] {
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => dim - EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

function chooseNumberFormat(values: ArrayLike<number>, isInteger: boolean): (v: number) => string {
  if (isInteger) return (v) => String(v);
  let allWhole = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allWhole = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number): string | undefined =>
    Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : undefined;
  if (allWhole && maxAbs < 1e8) return (v) => special(v) ?? `${v}.`;
  if (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity)) {
    return (v) => special(v) ?? v.toExponential(4);
  }
  return (v) => special(v) ?? v.toFixed(4);
}

function maxWidth(values: ArrayLike<number>, formatNumber: (v: number) => string): number {
  let width = 0;
  for (let i = 0; i < values.length; i++) width = Math.max(width, formatNumber(values[i]).length);
  return width;
}
