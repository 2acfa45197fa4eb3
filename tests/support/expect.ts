/**
 * Assertions and small oracles shared by the test files.
 */
import { expect } from 'vitest';
import { TensorError } from '../../src/tensor/errors.js';

/**
 * Runs `run`, expects it to throw a TensorError whose message contains every fragment, and
 * returns the error so a test can look further (e.g. at `error.op`).
 */
export function expectTensorError(run: () => unknown, ...fragments: string[]): TensorError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TensorError);
  const error = caught as TensorError;
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

/** Expects a TensorError raised by `op` itself: its `op` field and message prefix name it. */
export function expectOpError(run: () => unknown, op: string, ...fragments: string[]): TensorError {
  const error = expectTensorError(run, ...fragments);
  expect(error.op).toBe(op);
  expect(error.message.startsWith(`${op}: `)).toBe(true);
  return error;
}

/** Every multi-index of a shape, in row-major order. */
export function indicesOf(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const dim of shape) {
    const next: number[][] = [];
    for (const prefix of out) for (let i = 0; i < dim; i++) next.push([...prefix, i]);
    out = next;
  }
  return out;
}
