/**
 * `einsum`: products and sums of tensors written as letters, one letter per axis.
 *
 *     einsum('imn,bin->bim', W, x)      y[b,i,m] = Σₙ W[i,m,n]·x[b,i,n]     W: [I,M,N], x: [B,I,N] → [B,I,M]
 *     einsum('ij->ji', a)               the transpose
 *     einsum('ij->', a)                 the sum of every entry
 *     einsum('i,j->ij', a, b)           the outer product
 *     einsum('bij,bjk->bik', a, b)      a batch of matrix products
 *
 * The rule: multiply the operands entry by entry over every combination of letters, then sum over
 * the letters the output leaves out. Each letter names one size, shared by every axis it labels.
 *
 * Subscripts. One letter (a–z, A–Z) per axis, operands separated by commas, then `->` and the
 * output's letters. Spaces are ignored. Without `->` the output is NumPy's implicit one: the
 * letters that appear exactly once, in alphabetical order (so `'ij,jk'` means `'ij,jk->ik'` and
 * `'ji'` means `'ji->ij'`, a transpose). An operand that is a scalar has an empty subscript.
 * Not supported, and refused with a {@link TensorError}: `...` (ellipsis), and a letter repeated
 * within one operand (`'ii->i'`, a diagonal).
 *
 * Broadcasting. A letter may have size 1 in one operand and size d in another; the size-1 axis is
 * then read as if repeated d times, as NumPy does. Any other disagreement is an error naming the
 * letter and both sizes.
 *
 * Lowering. einsum has no backward rule of its own: it is rewritten into the differentiable ops
 * `sum`, `permute`, `reshape` (including `unsqueeze`, the reshape that adds a size-1 axis and is
 * always a view) and `matmul`, and its gradient is what their rules give. For two
 * operands A and B, every letter falls in one of five groups:
 *
 *     summed    in one operand only, not in the output      summed away first
 *     batch     in both, and in the output                  matmul's batch axes
 *     contract  in both, not in the output                  matmul's inner axis K (letters merged)
 *     free A    in A only, and in the output                matmul's rows M (letters merged)
 *     free B    in B only, and in the output                matmul's columns N (letters merged)
 *
 * Then (A as [batch…, M, K]) · (B as [batch…, K, N]) = [batch…, M, N] is one batched matmul, the
 * result is reshaped to [batch…, free A…, free B…] and permuted into the output's order.
 * Operands are read as [batch…, K, M] or [batch…, N, K] with matmul's `transposeA` / `transposeB`
 * flags whenever that keeps their last axis last, so the permutes stay views and nothing is
 * copied. The toy model's two products are each one permute, one matmul, one permute:
 *
 *     'imn,bin->bim'   W [I,M,N] · (x as [I,B,N])ᵀ → [I,M,B] → [B,I,M]      (instances as the batch axis)
 *     'imn,bim->bin'   Wᵀ [I,N,M] · (h as [I,B,M])ᵀ → [I,N,B] → [B,I,N]
 *
 * A copy happens only when several letters merge into M, K or N and the permuted operand is not
 * packed (`reshape` of a strided tensor copies). Three or more operands are contracted pairwise
 * from the left, each intermediate keeping the letters still needed later. {@link einsumPlan}
 * shows the ops a call would run, on shapes alone.
 *
 * @module
 */
import type { DType } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { checkResultSize, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { matmul } from './ops/matmul.js';
import { permute, reshape, unsqueeze } from './ops/movement.js';
import { sum } from './ops/reduce.js';
import type { Variable } from './variable.js';

const OP = 'einsum';

// ---------------------------------------------------------------------------------------------
// Parsing and checking
// ---------------------------------------------------------------------------------------------

/** Subscripts after parsing and checking against the operands' shapes. */
interface ParsedEinsum {
  readonly inputs: readonly string[];
  readonly output: string;
  /** The size of each letter (the non-1 size when operands broadcast). */
  readonly sizes: ReadonlyMap<string, number>;
}

const LETTERS = /^[a-zA-Z]*$/;

function parse(subscripts: unknown, shapes: readonly (readonly number[])[]): ParsedEinsum {
  if (typeof subscripts !== 'string') fail(OP, `subscripts must be a string such as 'ij,jk->ik', got ${String(subscripts)}`);
  const text = subscripts.replace(/\s+/g, '');
  if (text.includes('.')) {
    fail(OP, `'${subscripts}': ellipsis (...) is not supported; name every axis with a letter`);
  }
  const sides = text.split('->');
  if (sides.length > 2) fail(OP, `'${subscripts}' has more than one '->'`);
  const inputs = sides[0].split(',');
  inputs.forEach((term, k) => {
    if (!LETTERS.test(term)) {
      const bad = [...term].find((c) => !/[a-zA-Z]/.test(c));
      fail(OP, `'${subscripts}': bad character '${bad}' in operand ${k}'s subscript '${term}'; ` +
        `use one letter a–z or A–Z per axis, ',' between operands and '->' before the output`);
    }
  });
  if (shapes.length === 0) fail(OP, `'${subscripts}' needs at least one operand, got none`);
  if (inputs.length !== shapes.length) {
    fail(OP, `'${subscripts}' has ${inputs.length} operand subscript${inputs.length === 1 ? '' : 's'} ` +
      `but ${shapes.length} operand${shapes.length === 1 ? ' was' : 's were'} given (shapes ${shapes.map(formatShape).join(', ')})`);
  }

  const sizes = new Map<string, number>();
  const where = new Map<string, number>(); // the operand that fixed each letter's size, for messages
  inputs.forEach((term, k) => {
    const shape = shapes[k];
    if (term.length !== shape.length) {
      fail(OP, `operand ${k} has shape ${formatShape(shape)} (rank ${shape.length}) but its subscript '${term}' ` +
        `names ${term.length} ax${term.length === 1 ? 'is' : 'es'}`);
    }
    [...term].forEach((letter, axis) => {
      if (term.indexOf(letter) !== axis) {
        fail(OP, `operand ${k}'s subscript '${term}' repeats '${letter}': diagonals (a letter twice in one operand) ` +
          `are not supported; take the diagonal first, or give the axes different letters`);
      }
      const dim = shape[axis];
      const known = sizes.get(letter);
      if (known === undefined || known === 1) {
        if (known === undefined || dim !== 1) {
          sizes.set(letter, dim);
          where.set(letter, k);
        }
      } else if (dim !== known && dim !== 1) {
        const first = where.get(letter) as number;
        fail(OP, `letter '${letter}' has size ${known} in operand ${first} (shape ${formatShape(shapes[first])}) ` +
          `but size ${dim} in operand ${k} (shape ${formatShape(shape)}); sizes must agree, or one of them be 1`);
      }
    });
  });

  let output: string;
  if (sides.length === 2) {
    output = sides[1];
    if (!LETTERS.test(output)) {
      const bad = [...output].find((c) => !/[a-zA-Z]/.test(c));
      fail(OP, `'${subscripts}': bad character '${bad}' in the output subscript '${output}'; use letters only`);
    }
    [...output].forEach((letter, axis) => {
      if (output.indexOf(letter) !== axis) fail(OP, `'${subscripts}': the output '${output}' repeats '${letter}'`);
      if (!sizes.has(letter)) {
        fail(OP, `'${subscripts}': output letter '${letter}' appears in no operand (${inputs.map((t) => `'${t}'`).join(', ')})`);
      }
    });
  } else {
    // NumPy's implicit output: the letters used exactly once, sorted.
    const counts = new Map<string, number>();
    for (const term of inputs) for (const letter of term) counts.set(letter, (counts.get(letter) ?? 0) + 1);
    output = [...counts].filter(([, count]) => count === 1).map(([letter]) => letter).sort().join('');
  }
  checkResultSize(OP, [...output].map((letter) => sizes.get(letter) as number), shapes);
  return { inputs, output, sizes };
}

// ---------------------------------------------------------------------------------------------
// Lowering, written once over an abstract "backend" so einsumPlan describes exactly what runs
// ---------------------------------------------------------------------------------------------

/** The five ops einsum lowers to, on some value type: real tensors, or shapes for a plan. */
interface Backend<T> {
  shape(x: T): readonly number[];
  sum(x: T, axes: number[]): T;
  permute(x: T, order: number[]): T;
  reshape(x: T, shape: number[]): T;
  unsqueeze(x: T, axis: number): T;
  matmul(a: T, b: T, transposeA: boolean, transposeB: boolean): T;
}

/** A value during lowering, with one letter per axis. */
interface Labelled<T> {
  value: T;
  letters: string;
}

function lower<T>(backend: Backend<T>, parsed: ParsedEinsum, operands: readonly T[]): T {
  const { inputs, output } = parsed;
  let acc: Labelled<T> = { value: operands[0], letters: inputs[0] };
  if (operands.length === 1) {
    acc = sumAway(backend, acc, new Set(output));
  }
  for (let k = 1; k < operands.length; k++) {
    const keep = new Set(output + inputs.slice(k + 1).join(''));
    acc = contractPair(backend, acc, { value: operands[k], letters: inputs[k] }, keep);
  }
  const order = [...output].map((letter) => acc.letters.indexOf(letter));
  return isIdentity(order) ? acc.value : backend.permute(acc.value, order);
}

/** Sums `x` over the letters not in `keep`. */
function sumAway<T>(backend: Backend<T>, x: Labelled<T>, keep: ReadonlySet<string>): Labelled<T> {
  const axes: number[] = [];
  let letters = '';
  [...x.letters].forEach((letter, axis) => (keep.has(letter) ? (letters += letter) : axes.push(axis)));
  return axes.length === 0 ? x : { value: backend.sum(x.value, axes), letters };
}

/**
 * A ⊙ B summed over the letters not in `keep`, as one batched matmul. The result's letters are
 * [batch…, free A…, free B…].
 */
function contractPair<T>(backend: Backend<T>, a: Labelled<T>, b: Labelled<T>, keep: ReadonlySet<string>): Labelled<T> {
  const sizeIn = (x: Labelled<T>, letter: string): number => backend.shape(x.value)[x.letters.indexOf(letter)];
  // A letter shared by both but kept by neither, of size 1 in one of them (broadcast), is not a
  // true contraction: Σₗ A[0]·B[l] = A[0]·Σₗ B[l]. It is summed away in each operand first.
  const sharedKeep = (letter: string, other: Labelled<T>): boolean => {
    if (keep.has(letter)) return true;
    if (!other.letters.includes(letter)) return false;
    return sizeIn(a, letter) === sizeIn(b, letter);
  };
  const left = sumAway(backend, a, new Set([...a.letters].filter((l) => sharedKeep(l, b))));
  const right = sumAway(backend, b, new Set([...b.letters].filter((l) => sharedKeep(l, a))));

  const inBoth = (letter: string): boolean => left.letters.includes(letter) && right.letters.includes(letter);
  const batch = [...left.letters].filter((l) => inBoth(l) && keep.has(l));
  const contract = [...left.letters].filter((l) => inBoth(l) && !keep.has(l));
  const freeA = [...left.letters].filter((l) => !inBoth(l));
  const freeB = [...right.letters].filter((l) => !inBoth(l));

  // Keep each operand's last axis last, so the permute below is as near a no-op as it can be.
  const lastA = left.letters[left.letters.length - 1];
  const lastB = right.letters[right.letters.length - 1];
  const transposeA = lastA !== undefined && freeA.includes(lastA) && contract.length > 0;
  const transposeB = lastB !== undefined && contract.includes(lastB) && freeB.length > 0;
  const matrixA = asMatrixStack(backend, left, batch, transposeA ? [contract, freeA] : [freeA, contract]);
  const matrixB = asMatrixStack(backend, right, batch, transposeB ? [freeB, contract] : [contract, freeB]);
  const product = backend.matmul(matrixA, matrixB, transposeA, transposeB);

  // [batch…, M, N] → [batch…, free A…, free B…]; batch sizes are the broadcast ones.
  const productShape = backend.shape(product);
  const batchSizes = productShape.slice(0, batch.length);
  const split = [...batchSizes, ...freeA.map((l) => sizeIn(left, l)), ...freeB.map((l) => sizeIn(right, l))];
  const value = sameShape(productShape, split) ? product : backend.reshape(product, split);
  return { value, letters: [...batch, ...freeA, ...freeB].join('') };
}

/**
 * `x` permuted to [batch…, rows…, cols…] and shaped [batch…, R, C], with R and C the products of
 * the row and column letters' sizes. One letter per group needs no reshape; an empty group
 * becomes a size-1 axis by `unsqueeze`, a view even when `x` is strided.
 */
function asMatrixStack<T>(
  backend: Backend<T>, x: Labelled<T>, batch: readonly string[], [rows, cols]: readonly (readonly string[])[],
): T {
  const order = [...batch, ...rows, ...cols].map((letter) => x.letters.indexOf(letter));
  const permuted = isIdentity(order) ? x.value : backend.permute(x.value, order);
  if (rows.length > 1 || cols.length > 1) {
    const shape = backend.shape(permuted);
    const batchDims = shape.slice(0, batch.length);
    const rowSize = sizeOf(shape.slice(batch.length, batch.length + rows.length));
    const colSize = sizeOf(shape.slice(batch.length + rows.length));
    return backend.reshape(permuted, [...batchDims, rowSize, colSize]);
  }
  let value = permuted;
  if (rows.length === 0) value = backend.unsqueeze(value, batch.length);
  if (cols.length === 0) value = backend.unsqueeze(value, batch.length + 1);
  return value;
}

function isIdentity(order: readonly number[]): boolean {
  return order.every((axis, k) => axis === k);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, k) => dim === b[k]);
}

const TENSOR_BACKEND: Backend<Tensor> = {
  shape: (x) => x.shape,
  sum: (x, axes) => sum(x, axes),
  permute: (x, order) => permute(x, order),
  reshape: (x, shape) => reshape(x, shape),
  unsqueeze: (x, axis) => unsqueeze(x, axis),
  matmul: (a, b, transposeA, transposeB) => matmul(a, b, { transposeA, transposeB }),
};

// ---------------------------------------------------------------------------------------------
// The public functions
// ---------------------------------------------------------------------------------------------

/**
 * Sums of products over lettered axes; see the module notes for the subscript rules and how it
 * is lowered. Differentiable in every operand, through the ops it lowers to (no rule of its own).
 *
 * @param subscripts - e.g. `'ij,jk->ik'`: one letter per axis, `','` between operands, `'->'`
 *   before the output (or omitted: the letters used once, sorted).
 * @param operands - one tensor per subscript, all float32 or all float64.
 * @returns a Variable whose axes follow the output letters; often a view (a permute of a matmul's result).
 * @throws {@link TensorError} (op `einsum`) for bad syntax, a wrong number of operands, a rank that
 *   does not match its subscript, a letter whose sizes disagree (naming the letter and both sizes),
 *   an output letter no operand has, a letter repeated within one operand, or mixed or int32 dtypes.
 *
 * @example
 * ```ts
 * const W = tensor([[[1, 2], [3, 4]]]);              // [instances=1, m=2, n=2]
 * const x = tensor([[[1, 1]], [[0, 1]]]);           // [batch=2, instances=1, n=2]
 * einsum('imn,bin->bim', W, x).toArray();           // returns [[[3, 7]], [[2, 4]]]
 * einsum('ij->ji', tensor([[1, 2, 3]])).shape;      // returns [3, 1]
 * einsum('i,i', tensor([1, 2]), tensor([3, 4])).item();   // returns 11
 * ```
 */
export function einsum(subscripts: string, ...operands: Tensor[]): Variable {
  operands.forEach((operand, k) => {
    if (!(operand instanceof Tensor)) fail(OP, `operand ${k} must be a Tensor, got ${operand === null ? 'null' : typeof operand}`);
  });
  const parsed = parse(subscripts, operands.map((t) => t.shape));
  checkDTypes(operands.map((t) => t.dtype), operands.map((t) => t.shape));
  const result = lower(TENSOR_BACKEND, parsed, operands);
  // Nothing to do ('ij->ij') still returns a fresh Variable: an identity permute, a view.
  return result === operands[0] ? permute(result, result.shape.map((_, axis) => axis)) : (result as Variable);
}

function checkDTypes(dtypes: readonly DType[], shapes: readonly (readonly number[])[]): void {
  dtypes.forEach((dtype, k) => {
    if (dtype !== 'float32' && dtype !== 'float64') {
      fail(OP, `operand ${k} is ${dtype} ${formatShape(shapes[k])}; einsum needs float32 or float64`);
    }
    if (dtype !== dtypes[0]) {
      fail(OP, `dtypes differ: operand 0 is ${dtypes[0]} ${formatShape(shapes[0])}, operand ${k} is ${dtype} ` +
        `${formatShape(shapes[k])}; convert one first`);
    }
  });
}

/** One op that {@link einsum} would run, as {@link einsumPlan} reports it. */
export interface EinsumStep {
  /** The differentiable op called. */
  readonly op: 'sum' | 'permute' | 'reshape' | 'unsqueeze' | 'matmul';
  /** The shapes it receives. */
  readonly inputShapes: readonly (readonly number[])[];
  /** The shape it returns. */
  readonly outputShape: readonly number[];
  /** The op and its arguments in one line, e.g. `matmul [3,4,5] @ [3,6,5] transposeB → [3,4,6]`. */
  readonly text: string;
}

/** What {@link einsumPlan} returns: the explicit subscripts, the result's shape, and the ops in order. */
export interface EinsumPlan {
  /** The subscripts with spaces removed and the output made explicit, e.g. `'ij,jk->ik'`. */
  readonly subscripts: string;
  /** The shape einsum would return. */
  readonly outputShape: readonly number[];
  /** The ops einsum would run, in order; empty when the result is the operand itself ('ij->ij'). */
  readonly steps: readonly EinsumStep[];
}

/**
 * The ops {@link einsum} would run for these subscripts and operand shapes, worked out on shapes
 * alone (no data is needed). The same lowering code runs in both, so the plan is exact. Throws the
 * same errors as einsum for bad subscripts or shapes.
 *
 * @example
 * ```ts
 * einsumPlan('imn,bin->bim', [4, 5, 20], [1024, 4, 20]).steps.map((s) => s.op);
 * // returns ['permute', 'matmul', 'permute']
 * ```
 */
export function einsumPlan(subscripts: string, ...shapes: (readonly number[])[]): EinsumPlan {
  shapes.forEach((shape, k) => {
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
      fail(OP, `shape ${k} must be an array of whole numbers ≥ 0, got ${String(shape)}`);
    }
  });
  const parsed = parse(subscripts, shapes);
  const steps: EinsumStep[] = [];
  const note = (op: EinsumStep['op'], inputShapes: (readonly number[])[], outputShape: number[], args: string): number[] => {
    const shown = op === 'matmul'
      ? `${formatShape(inputShapes[0])} @ ${formatShape(inputShapes[1])}`
      : formatShape(inputShapes[0]);
    steps.push({ op, inputShapes, outputShape, text: `${op} ${shown}${args} → ${formatShape(outputShape)}` });
    return outputShape;
  };
  const backend: Backend<readonly number[]> = {
    shape: (x) => x,
    sum: (x, axes) => note('sum', [x], x.filter((_, axis) => !axes.includes(axis)), ` over axes [${axes.join(',')}]`),
    permute: (x, order) => note('permute', [x], order.map((axis) => x[axis]), ` by [${order.join(',')}]`),
    reshape: (x, shape) => note('reshape', [x], shape.slice(), ''),
    unsqueeze: (x, axis) => note('unsqueeze', [x], [...x.slice(0, axis), 1, ...x.slice(axis)], ` at axis ${axis}`),
    matmul: (a, b, transposeA, transposeB) => {
      const batchA = a.slice(0, -2);
      const batchB = b.slice(0, -2);
      // asMatrixStack gives both operands the same number of batch axes.
      const batchShape = batchA.map((dim, axis) => (dim === 1 ? batchB[axis] : dim));
      const rows = transposeA ? a[a.length - 1] : a[a.length - 2];
      const cols = transposeB ? b[b.length - 2] : b[b.length - 1];
      const flags = (transposeA ? ' transposeA' : '') + (transposeB ? ' transposeB' : '');
      return note('matmul', [a, b], [...batchShape, rows, cols], flags);
    },
  };
  const outputShape = lower(backend, parsed, shapes).slice();
  return { subscripts: `${parsed.inputs.join(',')}->${parsed.output}`, outputShape, steps };
}
