/**
 * Sizes are checked before anything is allocated: every op that builds a result refuses one of
 * more than 2³¹ − 1 elements with a TensorError naming the op and the shapes (issue 13), where it
 * used to allocate gigabytes or die in a RangeError.
 */
import { describe, expect, it } from 'vitest';
import { einsum } from '../src/autograd/einsum.js';
import { MAX_NESTING, arange, full, linspace, ones, tensor, zeros } from '../src/tensor/creation.js';
import { allocate } from '../src/tensor/dtype.js';
import { abs, add, astype, mul, neg, square, sub, where } from '../src/tensor/elementwise.js';
import { sum } from '../src/tensor/reduce.js';
import { indexSelect } from '../src/tensor/indexing.js';
import { matmul, outer } from '../src/tensor/matmul.js';
import { concat, expand, stack } from '../src/tensor/movement.js';
import { MAX_ELEMENTS } from '../src/tensor/shape.js';
import { expectOpError } from './support/expect.js';

describe('result sizes', () => {
  it('broadcasting binary ops refuse a result past the limit, naming both shapes', () => {
    expectOpError(() => add(ones([50000, 1]), zeros([1, 50000])), 'add', '[50000,1] and [1,50000]', '[50000,50000]', '2500000000');
    expectOpError(() => mul(ones([1, 70000]), ones([70000, 1])), 'mul', '[1,70000] and [70000,1]');
    expectOpError(() => where(ones([50000, 1]), ones([1, 50000]), 0), 'where', '[50000,50000]');
  });

  it('matmul, outer and einsum refuse a result past the limit', () => {
    expectOpError(() => matmul(ones([50000, 1]), ones([1, 50000])), 'matmul', '[50000,1] and [1,50000]', '[50000,50000]');
    expectOpError(() => outer(ones([50000]), ones([50000])), 'outer', '[50000,50000]');
    expectOpError(() => einsum('i,j,k->ijk', ones([2000]), ones([2000]), ones([2000])), 'einsum', '[2000,2000,2000]');
  });

  it('joins refuse a result past the limit before copying (stride-0 views make big inputs cheap)', () => {
    const half = expand(zeros([1]), [2 ** 30]);
    expectOpError(() => concat([half, half, half]), 'concat', `[${3 * 2 ** 30}]`);
    expectOpError(() => stack([half, half]), 'stack', `[2,${2 ** 30}]`);
    expectOpError(() => expand(zeros([1, 1]), [50000, 50000]), 'expand', '[50000,50000]');
    expectOpError(() => indexSelect(zeros([40000, 1]), 1, new Array(60000).fill(0)), 'indexSelect', '[40000,60000]');
  });

  it('allocate, which all storage comes from, is the backstop', () => {
    expectOpError(() => allocate('float32', MAX_ELEMENTS + 1), 'allocate', String(MAX_ELEMENTS));
    expect(allocate('int32', 3)).toEqual(new Int32Array(3));
  });
});

describe('int32: values it cannot hold are refused, by every op alike', () => {
  it('tensor() refuses fractions, NaN, ±∞ and out-of-range numbers instead of storing [1, 0, 0]', () => {
    expectOpError(() => tensor([1.5, 2 ** 40, NaN], undefined, 'int32'), 'tensor', '1.5', 'element 0');
    expectOpError(() => tensor([1, 2 ** 40], undefined, 'int32'), 'tensor', String(2 ** 40), 'element 1');
    expectOpError(() => tensor([1, NaN], undefined, 'int32'), 'tensor', 'NaN');
    expectOpError(() => tensor(new Float32Array([Infinity]), undefined, 'int32'), 'tensor', 'Infinity');
    expectOpError(() => full([2], 0.5, 'int32'), 'full', '0.5');
    expectOpError(() => arange(0, 1, 0.5, 'int32'), 'arange', '0.5');
    expectOpError(() => linspace(0, 1, 3, 'int32'), 'linspace', '0.5');
    expect(Array.from(tensor([-(2 ** 31), 2 ** 31 - 1], undefined, 'int32').toTypedArray())).toEqual([-(2 ** 31), 2 ** 31 - 1]);
  });

  it('add, sub, mul, neg, abs and square refuse an overflowing result, as sum does', () => {
    const big = tensor([2 ** 30, 2 ** 30], undefined, 'int32');
    expectOpError(() => add(big, big), 'add', String(2 ** 31), '[2] and [2]');
    expectOpError(() => mul(big, 4), 'mul', String(2 ** 32));
    expectOpError(() => sub(tensor([-(2 ** 31)], undefined, 'int32'), 1), 'sub');
    expectOpError(() => neg(tensor([-(2 ** 31)], undefined, 'int32')), 'neg', String(2 ** 31));
    expectOpError(() => abs(tensor([-(2 ** 31)], undefined, 'int32')), 'abs');
    expectOpError(() => square(tensor([2 ** 16], undefined, 'int32')), 'square');
    expectOpError(() => sum(big), 'sum', String(2 ** 31));
    // In range, int32 arithmetic is exact and stays int32.
    const sumInRange = add(tensor([2 ** 30], undefined, 'int32'), 2 ** 30 - 1);
    expect([sumInRange.dtype, sumInRange.item()]).toEqual(['int32', 2 ** 31 - 1]);
  });

  it('astype to int32 truncates fractions toward zero but refuses NaN, ±∞ and overflow', () => {
    expect(Array.from(astype(tensor([2.7, -2.7]), 'int32').toTypedArray())).toEqual([2, -2]);
    expectOpError(() => astype(tensor([NaN]), 'int32'), 'astype', 'NaN');
    expectOpError(() => astype(tensor([3e9], undefined, 'float64'), 'int32'), 'astype', '3000000000');
  });
});

describe('tensor() on deep nesting', () => {
  /** [[[…[0]…]]], `depth` arrays deep. */
  function nested(depth: number): unknown {
    let value: unknown = 0;
    for (let d = 0; d < depth; d++) value = [value];
    return value;
  }

  it('refuses arrays nested 8,000 deep with a clear error, not a stack overflow', () => {
    expectOpError(() => tensor(nested(8000) as number[]), 'tensor', `more than ${MAX_NESTING} deep`);
    expectOpError(() => tensor(nested(MAX_NESTING + 1) as number[]), 'tensor', 'nested');
  });

  it('accepts nesting up to the limit, and still names a ragged element', () => {
    expect(tensor(nested(MAX_NESTING) as number[]).shape).toEqual(new Array(MAX_NESTING).fill(1));
    expectOpError(() => tensor([[1, 2], [3]]), 'tensor', 'ragged', 'element [1] has length 1, expected length 2');
    expectOpError(() => tensor([[1, 2], [3, [4]]] as unknown as number[]), 'tensor', 'element [1][1] is an array');
    expectOpError(() => tensor([[1, 2], 3] as unknown as number[]), 'tensor', 'element [1] has a number');
  });
});
