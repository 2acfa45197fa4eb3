/**
 * Sizes are checked before anything is allocated: every op that builds a result refuses one of
 * more than 2³¹ − 1 elements with a TensorError naming the op and the shapes (issue 13), where it
 * used to allocate gigabytes or die in a RangeError.
 */
import { describe, expect, it } from 'vitest';
import { einsum } from '../src/autograd/einsum.js';
import { ones, zeros } from '../src/tensor/creation.js';
import { allocate } from '../src/tensor/dtype.js';
import { add, mul, where } from '../src/tensor/elementwise.js';
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
