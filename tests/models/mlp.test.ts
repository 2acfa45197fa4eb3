/**
 * The MLP classifier: shapes, refusals, and training that learns a small problem a linear readout
 * cannot (XOR-like quadrants), on a fixed seed. (Its gradients are those of matmul, add, relu and
 * crossEntropy, each checked against finite differences in tests/autograd.)
 */
import { describe, expect, it } from 'vitest';
import { classifierAccuracy, MlpClassifier, trainClassifier } from '../../src/models/mlp.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** n points in [−1, 1]², labelled 1 where x·y > 0 (the XOR of the signs), else 0. */
function quadrants(n: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = 2 * rng.nextDouble() - 1;
    x[2 * i + 1] = 2 * rng.nextDouble() - 1;
    y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0;
  }
  return { x: new Tensor(x, [n, 2]), y: new Tensor(y, [n]) };
}

describe('MlpClassifier', () => {
  it('has the shapes of the module notes', () => {
    const model = new MlpClassifier({ inputs: 5, hidden: 3, classes: 4, seed: 1 });
    expect([model.W1.shape, model.b1.shape, model.W2.shape, model.b2.shape]).toEqual([[3, 5], [3], [4, 3], [4]]);
    const { hidden, logits } = model.forward(new Tensor(new Float32Array(10).fill(0.5), [2, 5]));
    expect(hidden.shape).toEqual([2, 3]);
    expect(logits.shape).toEqual([2, 4]);
    for (const h of hidden.toTypedArray()) expect(h).toBeGreaterThanOrEqual(0);
    expectOpError(() => model.forward(new Tensor(new Float32Array(8), [2, 4])), 'MlpClassifier', 'expected inputs of shape [batch, 5], got [2,4]');
    expectOpError(() => new MlpClassifier({ inputs: 5, hidden: 0, classes: 4 }), 'MlpClassifier', 'hidden must be a whole number ≥ 1');
  });

  it('learns a problem no linear readout solves, on a fixed seed', () => {
    const train = quadrants(400, 1);
    const test = quadrants(200, 2);
    const model = new MlpClassifier({ inputs: 2, hidden: 16, classes: 2, seed: 0 });
    const epochs: number[] = [];
    const history = trainClassifier(model, train.x, train.y, { epochs: 60, batch: 32, lr: 0.02, seed: 0, onEpoch: (epoch) => epochs.push(epoch) });
    expect(epochs).toEqual(history.map((entry) => entry.epoch));
    expect(history[history.length - 1].loss).toBeLessThan(history[0].loss / 3);
    expect(classifierAccuracy(model, test.x, test.y)).toBeGreaterThan(0.9);
  });

  it('refuses labels outside the classes and mismatched lengths', () => {
    const model = new MlpClassifier({ inputs: 2, hidden: 2, classes: 2 });
    const x = new Tensor(new Float32Array(4), [2, 2]);
    expectOpError(() => trainClassifier(model, x, new Tensor(Int32Array.of(0, 2), [2])), 'trainClassifier', 'labels must be classes 0..1, found 2');
    expectOpError(() => classifierAccuracy(model, x, new Tensor(Int32Array.of(0), [1])), 'classifierAccuracy', 'y must be int32 [2]');
    expectOpError(() => trainClassifier(model, x, new Tensor(Int32Array.of(0, 1), [2]), { epochs: 0 }), 'trainClassifier', 'epochs must be a whole number ≥ 1');
  });
});
