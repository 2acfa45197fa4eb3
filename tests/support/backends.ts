/**
 * Helpers for the tests that hold a WebAssembly kernel equal to its JavaScript loop: run code
 * under one kernel backend, and compare results bit for bit.
 */
import { expect } from 'vitest';
import { type MatmulBackend, setMatmulBackend } from '../../src/tensor/matmul.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Runs `f` under `backend` and puts the previous backend back, even when f throws. */
export function under<T>(backend: MatmulBackend, f: () => T): T {
  const previous = setMatmulBackend(backend);
  try {
    return f();
  } finally {
    setMatmulBackend(previous);
  }
}

/** Entry by entry with Object.is: NaN matches NaN, and −0 does not match +0. Names the first miss. */
export function expectSameEntries(actual: ArrayLike<number>, expected: ArrayLike<number>, label = 'entry'): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${label} ${i}: ${show(actual[i])} from WebAssembly, ${show(expected[i])} from JavaScript`);
    }
  }
}

/** A number as the message should show it: −0 is not 0 here. */
function show(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** Two tensors of one dtype and shape with the same bits in every entry (see expectSameEntries). */
export function expectSameBits(actual: Tensor, expected: Tensor): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  expectSameEntries(actual.toTypedArray(), expected.toTypedArray());
}

/**
 * Holds a streaming kernel's when-to-run rule: `runs(entries)` says whether it would run for a
 * call of that many entries; it must under `'wasm'` at any size, under `'auto'` from
 * `minEntries` (and not one below), and never under `'js'`.
 */
export function expectKernelSwitch(runs: (entries: number) => boolean, minEntries: number): void {
  under('wasm', () => expect(runs(1)).toBe(true));
  under('auto', () => {
    expect(runs(minEntries - 1)).toBe(false);
    expect(runs(minEntries)).toBe(true);
  });
  under('js', () => expect(runs(1 << 20)).toBe(false));
}
