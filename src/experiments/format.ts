/**
 * Numbers written for people and for JSON: a float32 weight written with the fewest digits that
 * read back to the same float32 (0.1f, stored as 0.100000001490116…, is written 0.1), and a
 * number for a summary, with a few significant digits.
 *
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';

/**
 * The shortest decimal that reads back to the same float32: 0.1f is stored as
 * 0.100000001490116…, and is written 0.1. At most 9 significant digits are ever needed.
 */
export function float32Number(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const stored = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(stored.toPrecision(digits));
    if (Math.fround(candidate) === stored) return candidate;
  }
  return Number(stored.toPrecision(9));
}

/** A float32 matrix [rows, cols] as nested arrays of shortest decimals, for JSON. */
export function matrixToJson(matrix: Tensor): number[][] {
  const [rows, cols] = matrix.shape;
  const [rowStride, colStride] = matrix.strides;
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => float32Number(matrix.data[matrix.offset + r * rowStride + c * colStride])));
}

/** A float32 tensor's entries as a flat array of shortest decimals, in row-major order. */
export function valuesToJson(values: Tensor): number[] {
  return Array.from(values.contiguous().toTypedArray(), float32Number);
}

/** The index of the largest value (the first, on ties); −1 for none. A loop: no spread into Math.max, whatever the length. */
export function argMax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best === -1 || values[i] > values[best]) best = i;
  return best;
}

/** A number for people: `digits` significant digits, switching to exponent form when tiny or huge. */
export function formatNumber(value: number, digits = 3): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}
