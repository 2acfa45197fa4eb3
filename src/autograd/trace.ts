/**
 * `trace(fn)`: run a computation and get back every op it ran, in order, as data and as a table.
 *
 * Each op that goes through the engine's `record` (forward) or runs its backward rule (during
 * `backward()`) becomes one {@link TraceEntry}:
 *
 *     #   phase      op      inputs          output       dtype    grad path  time µs
 *     0   forward    matmul  [4,5] [5,3]     [4,3]        float32  yes          3.1
 *     …
 *     9   backward   matmul  dy [4,3]        — [5,3]      float32  yes          2.7
 *
 * Forward rows: the input shapes (`[]` for a plain number) and the one output shape. Backward rows:
 * the shape of dy = ∂L/∂y that arrived, and one gradient shape per input (— where the input needs
 * none, such as a constant). "grad path" says whether the output requires grad, i.e. whether the
 * op was recorded for backward; ops on constants only are off the path and cost nothing later.
 *
 * Matmul rows also name the kernel that ran (`lastMatmulKernel()` from the tensor core, read the
 * moment the op finishes), so a slow step can be told apart from a product that fell back to
 * JavaScript. The op column shows it as `matmul wasm-simd-4x8`.
 *
 * The entries are plain objects (numbers, strings, arrays), so `JSON.stringify(ops)` works.
 * `trace` is built on the engine's `setOpObserver`: it installs a listener, runs `fn`, and
 * restores the previous listener even if `fn` throws. Traces nest: an inner trace passes every
 * op on to the outer one, so the outer trace sees everything and the inner only its own part.
 *
 * @module
 */
import { type MatmulKernel, lastMatmulKernel } from '../tensor/matmul.js';
import { type OpEvent, type OpObserver, setOpObserver } from './engine.js';

/** One op in a trace. A plain, JSON-safe object. */
export interface TraceEntry {
  /** Position in the trace, from 0. */
  index: number;
  /** `"forward"` for the op itself, `"backward"` for its rule running during `backward()`. */
  phase: 'forward' | 'backward';
  /** The op's name, e.g. `"matmul"`. */
  op: string;
  /** Forward: the input shapes (`[]` for a number). Backward: `[shape of dy]`. */
  inputShapes: number[][];
  /** Forward: `[output shape]`. Backward: one gradient shape per input, null where none was sent. */
  outputShapes: (number[] | null)[];
  /** The dtype of the output (forward) or of dy (backward). */
  dtype: string;
  /** Whether the op sits on the gradient path (always true for backward entries). */
  onGradPath: boolean;
  /** Wall time of the kernel (forward) or of the rule (backward), in milliseconds. */
  ms: number;
  /**
   * Matmul entries only: the kernel the product ran on. A backward entry runs up to two products
   * (∂A and ∂B); it names the last one's, as `lastMatmulKernel()` does.
   */
  kernel?: MatmulKernel;
}

/** What {@link trace} returns: `fn`'s result, the ops it ran, and a way to print them. */
export interface Trace<T> {
  /** Whatever `fn` returned. */
  result: T;
  /** Every op, in the order it ran. */
  ops: TraceEntry[];
  /** The ops as an aligned plain-text table with a totals line; see {@link formatTrace}. */
  table(): string;
}

/**
 * Runs `fn` and records every op it runs, forward and backward (if `fn` calls `backward()`).
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2, 3]), 'w');
 * const { result, ops } = trace(() => {
 *   const loss = sum(mul(w, 2));
 *   loss.backward();
 *   return loss;
 * });
 * result.item();                                   // returns 12
 * ops.map((entry) => `${entry.phase} ${entry.op}`); // returns ['forward mul', 'forward sum', 'backward sum', 'backward mul']
 * ops[0].outputShapes;                             // returns [[3]]
 * ```
 */
export function trace<T>(fn: () => T): Trace<T> {
  const ops: TraceEntry[] = [];
  let previous: OpObserver | null = null;
  const listener: OpObserver = (event: OpEvent) => {
    ops.push(toEntry(ops.length, event));
    // An enclosing trace (or any other observer) still hears every op.
    previous?.(event);
  };
  previous = setOpObserver(listener);
  try {
    const result = fn();
    return { result, ops, table: () => formatTrace(ops) };
  } finally {
    setOpObserver(previous);
  }
}

function toEntry(index: number, event: OpEvent): TraceEntry {
  const entry: TraceEntry = {
    index,
    phase: event.phase,
    op: event.op,
    inputShapes: event.inputShapes.map((shape) => shape.slice()),
    outputShapes: event.outputShapes.map((shape) => (shape === null ? null : shape.slice())),
    dtype: event.dtype,
    onGradPath: event.onGradPath,
    ms: event.ms,
  };
  // The observer hears each op right after its kernel or rule ran, before any other product.
  if (event.op === 'matmul') entry.kernel = lastMatmulKernel();
  return entry;
}

/** A shape as the table shows it: `[4,3]`, or `—` where no gradient was sent. */
function shapeText(shape: readonly number[] | null): string {
  return shape === null ? '—' : `[${shape.join(',')}]`;
}

/** Microseconds with one decimal, from milliseconds. */
function microseconds(ms: number): string {
  return (ms * 1000).toFixed(1);
}

/**
 * Prints trace entries as an aligned plain-text table, one row per op, then a totals line:
 * how many forward and backward ops ran, how many forward ops were on the gradient path, and
 * the time each phase took.
 *
 * @example
 * ```ts
 * const { ops } = trace(() => sum(mul(parameter(tensor([1, 2])), 2)));
 * formatTrace(ops).split('\n')[0];
 * // returns '#  phase    op   inputs  output  dtype    grad path  time µs'
 * ```
 */
export function formatTrace(ops: readonly TraceEntry[]): string {
  const header = ['#', 'phase', 'op', 'inputs', 'output', 'dtype', 'grad path', 'time µs'];
  const rightAligned = [true, false, false, false, false, false, false, true];
  const rows = ops.map((entry) => [
    String(entry.index),
    entry.phase,
    entry.kernel === undefined ? entry.op : `${entry.op} ${entry.kernel}`,
    (entry.phase === 'backward' ? 'dy ' : '') + entry.inputShapes.map(shapeText).join(' '),
    entry.outputShapes.map(shapeText).join(' '),
    entry.dtype,
    entry.onGradPath ? 'yes' : 'no',
    microseconds(entry.ms),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (rightAligned[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();

  let forwardCount = 0;
  let backwardCount = 0;
  let onPath = 0;
  let forwardMs = 0;
  let backwardMs = 0;
  for (const entry of ops) {
    if (entry.phase === 'forward') {
      forwardCount++;
      forwardMs += entry.ms;
      if (entry.onGradPath) onPath++;
    } else {
      backwardCount++;
      backwardMs += entry.ms;
    }
  }
  const totals =
    `${ops.length} ops: ${forwardCount} forward (${onPath} on the gradient path) ${microseconds(forwardMs)} µs, ` +
    `${backwardCount} backward ${microseconds(backwardMs)} µs, total ${microseconds(forwardMs + backwardMs)} µs`;
  return [line(header), ...rows.map(line), totals].join('\n');
}
