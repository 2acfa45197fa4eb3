import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countPolysemantic, neuronPolysemanticity } from '../../src/analysis/neurons.js';
import { eye, tensor, zeros } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { stridedViewArb, tensorArb } from '../support/arbitraries.js';
import { expectOpError } from '../support/expect.js';

const matrix = (rows: number[][]): Tensor => tensor(rows, undefined, 'float64');

/** W of shape [m, n] (m 1–5 neurons, n 1–6 features) with float32 values in [−4, 4]. */
const weightsArb = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 })).chain(([m, n]) => tensorArb([m, n]));

describe('neuronPolysemanticity on hand-built W (rows are neurons)', () => {
  it('the identity: every neuron answers to one feature with all of its weight', () => {
    expect(neuronPolysemanticity(eye(3))).toEqual({ featuresPerNeuron: [1, 1, 1], topFeatureShare: [1, 1, 1] });
    expect(countPolysemantic(eye(3))).toBe(0);
  });

  it('counts comparable positive weights, ignores negative ones and switched-off neurons', () => {
    const W = matrix([
      [1, 0.9, -1], //   1 and 0.9 ≥ ½·1: two features; share 1² / (1² + 0.9²) = 1/1.81 (−1 is ignored)
      [0.8, 0, 0], //    one feature; share 1
      [-1, 0.05, 0], //  largest positive weight 0.05 < minWeight 0.1: answers to none; its only excitation is one feature: share 1
      [-5, -1, -2], //   no positive weight: none, share 0
      [2, 2, 2], //      three equal weights: three features, share 4/12 = 1/3
      [-5, 1, 0.4], //   0.4 < ½·1: one feature (the −5 does not count); share 1/1.16
    ]);
    const { featuresPerNeuron, topFeatureShare } = neuronPolysemanticity(W);
    expect(featuresPerNeuron).toEqual([2, 1, 0, 0, 3, 1]);
    const expectedShares = [1 / 1.81, 1, 1, 0, 1 / 3, 1 / 1.16];
    topFeatureShare.forEach((share, j) => expect(share).toBeCloseTo(expectedShares[j], 14));
    expect(countPolysemantic(W)).toBe(2);
  });

  it('the options move the rule: a stricter threshold, no floor', () => {
    const W = matrix([[1, 0.9, -1], [-1, 0.05, 0]]);
    // 0.9 < 0.95·1: the first neuron keeps only its top feature.
    expect(neuronPolysemanticity(W, { threshold: 0.95 }).featuresPerNeuron).toEqual([1, 0]);
    // With no floor, the weak neuron answers to its one positive weight.
    expect(neuronPolysemanticity(W, { minWeight: 0 }).featuresPerNeuron).toEqual([2, 1]);
    expect(countPolysemantic(W, { threshold: 0.95 })).toBe(0);
  });

  it('reads rows as neurons: a [2, 5] W gives two entries', () => {
    const W = matrix([[1, 1, 1, 1, 1], [0, 0, 0, 0, 1]]);
    expect(neuronPolysemanticity(W)).toEqual({ featuresPerNeuron: [5, 1], topFeatureShare: [0.2, 1] });
  });
});

describe('laws', () => {
  it('counts lie in [0, n], shares in [0, 1], and a share is at least 1 / (positive weights)', () => {
    fc.assert(fc.property(weightsArb, (W) => {
      const n = W.shape[1];
      const { featuresPerNeuron, topFeatureShare } = neuronPolysemanticity(W);
      expect(featuresPerNeuron.length).toBe(W.shape[0]);
      featuresPerNeuron.forEach((count, j) => {
        expect(count).toBeGreaterThanOrEqual(0);
        expect(count).toBeLessThanOrEqual(n);
        const positives = Array.from({ length: n }, (_, i) => W.at(j, i)).filter((w) => w > 0).length;
        expect(topFeatureShare[j]).toBeLessThanOrEqual(1 + 1e-12);
        if (positives > 0) expect(topFeatureShare[j]).toBeGreaterThanOrEqual(1 / positives - 1e-12);
        else expect(topFeatureShare[j]).toBe(0);
      });
    }));
  });

  it('with no floor, scaling W by s > 0 and reordering the features change nothing', () => {
    fc.assert(fc.property(weightsArb, fc.constantFrom(0.125, 2, 8), (W, s) => {
      const [m, n] = W.shape;
      const options = { minWeight: 0 };
      const reference = neuronPolysemanticity(W, options);
      const scaled = new Tensor(Float64Array.from(W.toTypedArray(), (v) => v * s), W.shape);
      const reversed = new Tensor(Float64Array.from({ length: m * n }, (_, k) => W.at(Math.floor(k / n), n - 1 - (k % n))), [m, n]);
      for (const other of [scaled, reversed]) {
        const result = neuronPolysemanticity(other, options);
        expect(result.featuresPerNeuron).toEqual(reference.featuresPerNeuron);
        result.topFeatureShare.forEach((share, j) => expect(share).toBeCloseTo(reference.topFeatureShare[j], 12));
      }
    }));
  });

  it('a strided view gives the same answer', () => {
    fc.assert(fc.property(weightsArb.chain((W) => fc.tuple(fc.constant(W), stridedViewArb(W))), ([W, view]) => {
      expect(neuronPolysemanticity(view)).toEqual(neuronPolysemanticity(W));
      expect(countPolysemantic(view)).toBe(countPolysemantic(W));
    }));
  });
});

describe('errors', () => {
  it('name the function and the shape', () => {
    expectOpError(() => neuronPolysemanticity(zeros([3])), 'neuronPolysemanticity', '[3]', '[m, n]');
    expectOpError(() => countPolysemantic(zeros([2, 3, 4])), 'countPolysemantic', '[2,3,4]');
  });

  it('refuse a threshold outside (0, 1] and a negative floor', () => {
    expectOpError(() => neuronPolysemanticity(eye(2), { threshold: 0 }), 'neuronPolysemanticity', 'threshold', '0');
    expectOpError(() => neuronPolysemanticity(eye(2), { threshold: 1.5 }), 'neuronPolysemanticity', 'threshold', '1.5');
    expectOpError(() => countPolysemantic(eye(2), { minWeight: -0.1 }), 'countPolysemantic', 'minWeight', '-0.1');
  });
});
