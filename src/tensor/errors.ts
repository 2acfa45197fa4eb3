/**
 * The one error type the tensor core throws, and the helpers that word its messages.
 *
 * Every message starts with the op's name and states the shapes it saw and what it expected,
 * e.g. `matmul: inner dimensions differ: [8,5] @ [4,2]`. A clear error is always preferred over
 * a silently wrong answer.
 *
 * @module
 */

/** An error raised by a tensor op: `op` names the op, the message says what was wrong. */
export class TensorError extends Error {
  /** The op that refused its input, e.g. `"matmul"`. */
  readonly op: string;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'TensorError';
    this.op = op;
  }
}

/** Throws a {@link TensorError} for `op`. Typed `never` so callers read as guards. */
export function fail(op: string, message: string): never {
  throw new TensorError(op, message);
}

/** A shape as it appears in messages: `[8,5]`; a scalar is `[]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
