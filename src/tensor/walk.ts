/**
 * The strided walk ("odometer") every kernel shares: visit the elements of one shape in
 * row-major order while carrying a memory position for each of several operands.
 *
 * Element (i₀, …, iₙ₋₁) of an operand read with strides s and offset o sits at
 *
 *     o + Σₖ iₖ · sₖ
 *
 * {@link positionAt} computes that for one row-major index, by division: the plain form, for the
 * reference loops. {@link StridedWalk} gets the same positions in order without any division:
 *
 * 1. The axes are coalesced first (`coalesceAxes` in `shape.ts`): size-1 axes dropped, and
 *    neighbours that every operand steps through evenly merged, so a packed [8,1024,100] is one
 *    axis of 819,200 and the walk has nothing to carry.
 * 2. The last two (coalesced) axes are a *block* of `rows × inner` elements that the caller runs
 *    as two nested for-loops stepping each operand by `rowSteps[k]` and `innerSteps[k]`.
 * 3. {@link StridedWalk.next} moves every operand to the next block: bump the axis left of the
 *    block, and when it rolls over, rewind it and carry into the axis on its left, like an
 *    odometer. It runs once per block, not once per element.
 *
 * A kernel's loop, with operands A (walk operand 0) and B (operand 1):
 *
 *     for (let block = 0; block < walk.blocks; block++, walk.next())
 *       for (let r = 0, a = walk.starts[0], b = walk.starts[1]; r < walk.rows; r++, a += ra, b += rb)
 *         for (let i = 0, p = a, q = b; i < walk.inner; i++, p += sa, q += sb)
 *           visit(A[p], B[q]);
 *
 * Broadcasting costs nothing here: an operand that repeats along an axis has stride 0 there.
 * The walk is one class with one shape of fields, so the calls in the elementwise kernels'
 * private copies (`specialize.ts`) stay monomorphic and V8 inlines them.
 *
 * @module
 */
import { coalesceAxes, sizeOf } from './shape.js';

/** A row-major walk over `shape`, carrying one memory position per operand; see the module notes. */
export class StridedWalk {
  /** How many elements the walk visits: the product of the shape. */
  readonly size: number;
  /** Elements per row: the last coalesced axis (1 for a scalar). */
  readonly inner: number;
  /** Rows per block: the second-last coalesced axis (1 when there is none). */
  readonly rows: number;
  /** How many blocks of `rows × inner` the walk has (0 for an empty shape). */
  readonly blocks: number;
  /** Each operand's step along a row. */
  readonly innerSteps: readonly number[];
  /** Each operand's step from one row to the next. */
  readonly rowSteps: readonly number[];
  /** Each operand's position at the start of the current block; {@link next} moves them. */
  readonly starts: number[];
  /** The coalesced axes left of the block, and each operand's stride along them (axis-major). */
  private readonly outerShape: number[];
  private readonly outerStrides: number[];
  private readonly index: number[];
  private readonly operands: number;

  /**
   * @param shape - the shape to walk (every operand is read as if it had this shape).
   * @param strides - one stride list per operand, each as long as `shape` (0 on a broadcast axis).
   * @param offsets - one start position per operand.
   */
  constructor(shape: readonly number[], strides: readonly (readonly number[])[], offsets: readonly number[]) {
    const operands = strides.length;
    const merged = coalesceAxes(shape, strides);
    const rank = merged.shape.length;
    this.operands = operands;
    this.size = sizeOf(shape);
    this.inner = rank >= 1 ? merged.shape[rank - 1] : 1;
    this.rows = rank >= 2 ? merged.shape[rank - 2] : 1;
    this.innerSteps = merged.strides.map((s) => (rank >= 1 ? s[rank - 1] : 0));
    this.rowSteps = merged.strides.map((s) => (rank >= 2 ? s[rank - 2] : 0));
    this.blocks = this.size === 0 ? 0 : this.size / (this.inner * this.rows);
    this.starts = offsets.slice();
    const outerRank = Math.max(0, rank - 2);
    this.outerShape = merged.shape.slice(0, outerRank);
    this.outerStrides = [];
    for (let axis = 0; axis < outerRank; axis++) {
      for (let k = 0; k < operands; k++) this.outerStrides.push(merged.strides[k][axis]);
    }
    this.index = new Array<number>(outerRank).fill(0);
  }

  /** Moves every operand's start to the next block (the odometer step). */
  next(): void {
    const { outerShape, outerStrides, index, starts, operands } = this;
    for (let axis = outerShape.length - 1; axis >= 0; axis--) {
      const i = ++index[axis];
      const base = axis * operands;
      if (i < outerShape[axis]) {
        for (let k = 0; k < operands; k++) starts[k] += outerStrides[base + k];
        return;
      }
      // Rolled over: back to 0 on this axis, then carry into the next axis to the left.
      for (let k = 0; k < operands; k++) starts[k] -= (i - 1) * outerStrides[base + k];
      index[axis] = 0;
    }
  }
}

/**
 * Where the element at row-major index `flat` of `shape` sits in memory, read with `strides` from
 * `offset`: unpack `flat` into (i₀, …, iₙ₋₁), last axis fastest, and add Σₖ iₖ · strideₖ.
 * One division per axis per element: the reference loops' way, slow and plain.
 */
export function positionAt(flat: number, shape: readonly number[], strides: readonly number[], offset: number): number {
  let position = offset;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis];
    position += (flat % dim) * strides[axis];
    flat = Math.floor(flat / dim);
  }
  return position;
}
