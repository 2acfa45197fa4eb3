/**
 * The `Tensor`: a typed array of numbers read through a shape, strides and an offset.
 *
 * Element (i₀, …, iₙ₋₁) of a tensor lives at `data[offset + Σₖ iₖ · strides[k]]`. Because the
 * strides are free, many tensors can share one array without copying:
 *
 * - a transpose swaps two strides;
 * - a broadcast (`expand`) sets a stride to 0, so one element is read many times;
 * - a slice moves the offset and keeps the strides.
 *
 * A tensor is *contiguous* when its elements sit in row-major order, one after another from
 * `offset`. Kernels take fast paths on contiguous tensors and fall back to stride arithmetic
 * otherwise; `contiguous()` makes a packed copy when one is needed.
 *
 * Tensors are immutable from the outside: ops return new tensors and never write into their
 * inputs. (Optimizers in a later layer update parameters in place on purpose, and say so.)
 *
 * @module
 */
import { type DType, type TypedArray, allocate, dtypeOfArray } from './dtype.js';
import { fail, formatShape } from './errors.js';
import { formatTensor } from './format.js';
import { contiguousStrides, sizeOf } from './shape.js';
import { StridedWalk } from './walk.js';

/** Nested arrays of numbers, as `toArray()` returns them and `tensor()` accepts them. */
export type NestedArray = number | NestedArray[];

/** A tensor: `data` read through `shape`, `strides` and `offset`. See the module notes. */
export class Tensor {
  /** The storage. Views share it, so never write to it unless you own the tensor. */
  readonly data: TypedArray;
  /** The size of each axis. A scalar has shape `[]`. */
  readonly shape: readonly number[];
  /** How far to move in `data` for one step along each axis (0 for a broadcast axis). */
  readonly strides: readonly number[];
  /** Where element (0, …, 0) sits in `data`. */
  readonly offset: number;
  /** The element type, read off the storage. */
  readonly dtype: DType;
  /** The number of elements: the product of the dims. */
  readonly size: number;
  /** Whether the elements sit in row-major order from `offset`, one after another. */
  readonly isContiguous: boolean;

  /**
   * Wraps storage as a tensor. This is the low-level door, used by ops that have already checked
   * their arguments; users build tensors with `tensor()`, `zeros()` and friends, which validate.
   */
  constructor(data: TypedArray, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtypeOfArray(data);
    this.size = sizeOf(shape);
    this.isContiguous = strides === undefined || hasRowMajorStrides(shape, this.strides);
  }

  /** The number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) fail('item', `expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    return this.data[this.offset];
  }

  /** The element at a full index, e.g. `t.at(1, 0)`; negative indices count from the end. */
  at(...index: number[]): number {
    if (index.length !== this.rank) {
      fail('at', `expected ${this.rank} indices for shape ${formatShape(this.shape)}, got ${index.length}`);
    }
    let position = this.offset;
    for (let axis = 0; axis < index.length; axis++) {
      const dim = this.shape[axis];
      let i = index[axis];
      if (!Number.isInteger(i) || i < -dim || i >= dim) {
        fail('at', `index ${i} is out of range for axis ${axis} of shape ${formatShape(this.shape)}`);
      }
      if (i < 0) i += dim;
      position += i * this.strides[axis];
    }
    return this.data[position];
  }

  /** A packed row-major copy, or this tensor itself when it is already contiguous. */
  contiguous(): Tensor {
    if (this.isContiguous) return this;
    return new Tensor(copyToContiguous(this), this.shape);
  }

  /**
   * The elements in row-major order, to read only: a view of the storage when the tensor is
   * contiguous (no copy), else a packed copy. For a copy to keep or write, use `toTypedArray`.
   */
  packedValues(): TypedArray {
    return this.isContiguous ? this.data.subarray(this.offset, this.offset + this.size) : copyToContiguous(this);
  }

  /** The elements in row-major order, as a fresh typed array of this tensor's dtype. */
  toTypedArray(): TypedArray {
    if (this.isContiguous) return this.data.slice(this.offset, this.offset + this.size);
    return copyToContiguous(this);
  }

  /** The elements as nested arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    const flat = this.toTypedArray();
    if (this.rank === 0) return flat[0];
    let position = 0;
    const build = (axis: number): NestedArray[] => {
      const out: NestedArray[] = new Array(this.shape[axis]);
      for (let i = 0; i < this.shape[axis]; i++) {
        out[i] = axis === this.rank - 1 ? flat[position++] : build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** Prints like PyTorch: `tensor([[1, 2], [3, 4]], shape=[2,2], dtype=float32)`, elided when large. */
  toString(): string {
    return formatTensor({ values: this.toTypedArray(), shape: this.shape, dtype: this.dtype });
  }
}

/** Whether `strides` are the row-major strides of `shape` (dims of size 1 may have any stride). */
export function hasRowMajorStrides(shape: readonly number[], strides: readonly number[]): boolean {
  // A tensor with no elements has none out of place, whatever its strides.
  for (const dim of shape) if (dim === 0) return true;
  let expected = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis];
    if (dim !== 1 && strides[axis] !== expected) return false;
    expected *= dim;
  }
  return true;
}

/**
 * Copies any strided tensor into a fresh row-major typed array, through the shared walk
 * (`walk.ts`): axes coalesced, each block two nested loops, the odometer once per block.
 */
export function copyToContiguous(x: Tensor): TypedArray {
  const out = allocate(x.dtype, x.size);
  const data = x.data;
  const walk = new StridedWalk(x.shape, [x.strides], [x.offset]);
  const { inner, rows } = walk;
  const step = walk.innerSteps[0];
  const rowStep = walk.rowSteps[0];
  let written = 0;
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, row = walk.starts[0]; r < rows; r++, row += rowStep) {
      for (let i = 0, p = row; i < inner; i++, p += step) out[written++] = data[p];
    }
  }
  return out;
}
