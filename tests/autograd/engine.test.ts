/**
 * The engine itself: the reverse walk, accumulation, un-broadcasting, graph release, modes, and
 * the two ways in (parameters + backward, and valueAndGrad), plus custom ops.
 */
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import * as kernels from '../../src/tensor/kernels.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

const { tensor } = kernels;

describe('the reverse walk', () => {
  it('runs iteratively: a chain of 100,000 ops does not overflow the stack', () => {
    const x = ag.parameter(tensor([2]));
    let y: ag.Variable = x;
    for (let i = 0; i < 100_000; i++) y = ag.add(y, 1);
    ag.sum(y).backward();
    expect(x.grad?.toArray()).toEqual([1]);
  });

  it('adds the gradients of every use of a value (a diamond: y = x·x + x)', () => {
    const x = ag.parameter(tensor([3, -2]));
    ag.sum(ag.add(ag.mul(x, x), x)).backward();
    expect(x.grad?.toArray()).toEqual([7, -3]); // d(x² + x)/dx = 2x + 1
  });

  it('accumulates into .grad across backward calls until zeroGrad', () => {
    const w = ag.parameter(tensor([1, 2]));
    ag.sum(ag.mul(w, 3)).backward();
    ag.sum(ag.mul(w, 3)).backward();
    expect(w.grad?.toArray()).toEqual([6, 6]);
    const buffer = w.grad;
    w.zeroGrad();
    expect(w.grad?.toArray()).toEqual([0, 0]);
    ag.sum(w).backward();
    expect(w.grad).toBe(buffer); // the same storage, reused: no allocation per step
    expect(w.grad?.toArray()).toEqual([1, 1]);
  });

  it('gives each gradient its input dtype and shape', () => {
    const w = ag.parameter(kernels.ones([2, 3], 'float32'));
    const b = ag.parameter(kernels.ones([3], 'float32'));
    ag.sum(ag.add(w, b)).backward();
    expect(w.grad?.dtype).toBe('float32');
    expect(b.grad?.shape).toEqual([3]);
    expect(b.grad?.toArray()).toEqual([2, 2, 2]); // b was broadcast over 2 rows
  });

  it('takes a seed for a non-scalar output, and refuses one of the wrong shape', () => {
    const x = ag.parameter(tensor([1, 2, 3]));
    const y = ag.mul(x, 2);
    expectOpError(() => y.backward(), 'backward', 'shape [3]', 'one-element');
    expectOpError(() => y.backward(tensor([1, 1])), 'backward', 'seed has shape [2]', '[3]');
    y.backward(tensor([1, 0, -1]));
    expect(x.grad?.toArray()).toEqual([2, 0, -2]);
  });

  it('refuses backward on a value that does not require grad', () => {
    expectOpError(() => ag.sum(ag.mul(tensor([1]), 2)).backward(), 'backward', 'does not require grad');
  });

  it('walks a retained graph twice, and refuses a released one', () => {
    const x = ag.parameter(tensor([1, 2]));
    const loss = ag.sum(ag.square(x));
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect(x.grad?.toArray()).toEqual([4, 8]);
    expectOpError(() => loss.backward(), 'backward', 'already released', 'retainGraph');
  });

  it('un-broadcasts in one place and names the op and both shapes when a rule is wrong', () => {
    const broken = ag.customOp({
      name: 'broken',
      forward: (x) => x,
      backward: () => [kernels.ones([4])],
    });
    const x = ag.parameter(tensor([1, 2, 3]));
    expectOpError(() => ag.sum(broken(x)).backward(), 'broken', 'gradient of shape [4]', 'input 0', 'shape is [3]');
  });

  it('reports each node to onStep with the gradient that arrived and the ones sent', () => {
    const w = ag.parameter(tensor([2]), 'w');
    const y = ag.mul(w, tensor([5]));
    const steps: ag.BackwardStep[] = [];
    ag.sum(y).backward(undefined, { onStep: (step) => steps.push(step) });
    expect(steps.map((s) => s.op)).toEqual(['sum', 'mul']);
    expect(steps[1].gradOutput.toArray()).toEqual([1]);
    expect(steps[1].gradInputs[0]?.toArray()).toEqual([5]);
    expect(steps[1].gradInputs[1]).toBeNull(); // the constant needs none
  });
});

describe('modes', () => {
  it('noGrad records nothing; enableGrad turns recording back on inside it', () => {
    const w = ag.parameter(tensor([1]));
    const inside = ag.noGrad(() => ag.mul(w, 2));
    expect(inside.requiresGrad).toBe(false);
    expect(inside.node).toBeNull();
    expect(ag.isGradEnabled()).toBe(true);
    const nested = ag.noGrad(() => ag.enableGrad(() => ag.mul(w, 2)));
    expect(nested.requiresGrad).toBe(true);
  });

  it('detach cuts the graph: no gradient flows through the detached branch', () => {
    const x = ag.parameter(tensor([3]));
    ag.sum(ag.mul(x, ag.detach(x))).backward();
    expect(x.grad?.toArray()).toEqual([3]); // d(x·c)/dx = c = 3, not 2x = 6
    expect(x.detach().requiresGrad).toBe(false);
  });

  it('detectAnomaly throws at the first op that makes NaN, naming it and its input shapes', () => {
    const x = ag.parameter(tensor([1, -1]));
    expect(() => ag.log(x)).not.toThrow();
    expectOpError(() => ag.detectAnomaly(() => ag.log(x)), 'log', 'NaN', 'input shapes [2]');
  });
});

describe('parameters', () => {
  it('own a packed copy of their value', () => {
    const source = kernels.transpose(tensor([[1, 2], [3, 4]]));
    const w = ag.parameter(source, 'W');
    expect(w.isContiguous).toBe(true);
    expect(w.data).not.toBe(source.data);
    expect(w.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(w.name).toBe('W');
    expect(w.isLeaf).toBe(true);
  });

  it('must be float', () => {
    expectOpError(() => ag.parameter(tensor([1], undefined, 'int32')), 'parameter', 'int32');
  });
});

describe('valueAndGrad and grad', () => {
  it('returns the value and one gradient per input (the documented example)', () => {
    const f = (w: Tensor, x: Tensor) => ag.sum(ag.square(ag.matmul(x, w)));
    const [loss, [dW, dX]] = ag.valueAndGrad(f)(tensor([[1], [2]]), tensor([[1, 1]]));
    expect(loss.item()).toBe(9);
    expect(dW.toArray()).toEqual([[6], [6]]);
    expect(dX.toArray()).toEqual([[6, 12]]);
  });

  it('gives zeros for an unused input and leaves parameters untouched', () => {
    const w = ag.parameter(tensor([1, 2]));
    const [, [dw, dUnused]] = ag.valueAndGrad((a, _b) => ag.sum(ag.mul(a, a)))(w, tensor([5]));
    expect(dw.toArray()).toEqual([2, 4]);
    expect(dUnused.toArray()).toEqual([0]);
    expect(w.grad).toBeNull();
  });

  it('refuses a non-scalar result and integer inputs', () => {
    expectOpError(() => ag.valueAndGrad((a) => ag.mul(a, 2))(tensor([1, 2])), 'valueAndGrad', 'one-element', '[2]');
    expectOpError(() => ag.grad((a) => ag.sum(a))(tensor([1], undefined, 'int32')), 'valueAndGrad', 'int32');
  });
});

describe('custom ops', () => {
  const roundStraightThrough = ag.customOp({
    name: 'roundSTE',
    forward: (x) => new Tensor(Float32Array.from(x.toTypedArray(), Math.round), x.shape),
    backward: (dy) => [dy],
  });

  it('run the user forward and backward (a straight-through estimator)', () => {
    const w = ag.parameter(tensor([0.4, 1.6]));
    const y = roundStraightThrough(w);
    expect(y.toArray()).toEqual([0, 2]);
    ag.sum(ag.mul(y, 3)).backward();
    expect(w.grad?.toArray()).toEqual([3, 3]);
  });

  it('refuse a backward that returns the wrong number of gradients', () => {
    const twoInputs = ag.customOp({ name: 'pair', forward: (a, b) => kernels.add(a, b), backward: (dy) => [dy] });
    const a = ag.parameter(tensor([1]));
    expectOpError(() => ag.sum(twoInputs(a, tensor([2]))).backward(), 'pair', '2 gradients');
  });
});
