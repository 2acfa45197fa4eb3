/**
 * The polysemanticity measures, exact on hand-built cases: class mix (purity, entropy, classes to
 * cover 80%), top examples, per-class means, logit weights, nearest directions, the card's
 * histogram and quantile samples.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activationHistogram, classMix, logitWeights, meanActivationByClass, nearestByCosine, profileUnits, quantileSamples,
  summarize, topActivating, unitColumn, unitColumns,
} from '../../src/analysis/purity.js';
import { tensor } from '../../src/tensor/creation.js';
import { expectOpError } from '../support/expect.js';

describe('classMix', () => {
  it('is exact on hand-built label lists', () => {
    const mixed = classMix([3, 3, 3, 5], 10);
    expect(mixed.counts).toEqual([0, 0, 0, 3, 0, 1, 0, 0, 0, 0]);
    expect(mixed.majorityClass).toBe(3);
    expect(mixed.purity).toBe(0.75);
    expect(mixed.entropyBits).toBeCloseTo(-(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25)), 12);
    expect(mixed.classesToCover).toBe(2); // 3s alone are 75%, short of 80%

    const one = classMix([7, 7, 7], 10);
    expect([one.purity, one.entropyBits, one.classesToCover, one.majorityClass]).toEqual([1, 0, 1, 7]);

    // Exactly 80% in one class covers 80% with one class: the boundary counts.
    expect(classMix([1, 1, 1, 1, 2], 10).classesToCover).toBe(1);

    const even = classMix([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10);
    expect(even.purity).toBe(0.1);
    expect(even.entropyBits).toBeCloseTo(Math.log2(10), 12);
    expect(even.classesToCover).toBe(8);
    expect(even.majorityClass).toBe(0); // a tie goes to the lowest class

    const none = classMix([], 10);
    expect([none.total, none.purity, none.entropyBits, none.classesToCover, none.majorityClass]).toEqual([0, 0, 0, 0, -1]);
    expect(classMix([2, 2, 4, 4, 4, 9], 10, 0.5).classesToCover).toBe(1);
  });

  it('refuses labels outside the classes and a bad coverage', () => {
    expectOpError(() => classMix([0, 10], 10), 'classMix', 'label 1 is 10');
    expectOpError(() => classMix([0, 1.5], 10), 'classMix', 'label 1 is 1.5');
    expectOpError(() => classMix([0], 10, 0), 'classMix', 'coverage');
  });

  it('covers with the fewest classes, and its entropy is between 0 and log₂ of the classes present', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0.05, max: 1, noNaN: true }), (labels, coverage) => {
      const mix = classMix(labels, 10, coverage);
      const shares = [...mix.counts].sort((a, b) => b - a).map((count) => count / labels.length);
      const covered = (classes: number): number => shares.slice(0, classes).reduce((a, b) => a + b, 0);
      expect(covered(mix.classesToCover)).toBeGreaterThanOrEqual(coverage - 1e-9);
      expect(covered(mix.classesToCover - 1)).toBeLessThan(coverage - 1e-9);
      const present = mix.counts.filter((count) => count > 0).length;
      expect(mix.entropyBits).toBeGreaterThanOrEqual(0);
      expect(mix.entropyBits).toBeLessThanOrEqual(Math.log2(present) + 1e-9);
      expect(mix.purity).toBeGreaterThanOrEqual(1 / present);
      expect(mix.counts[mix.majorityClass] / labels.length).toBe(mix.purity);
    }));
  });
});

describe('top examples and profiles', () => {
  // 6 samples × 3 units. Unit 0 fires on samples 0, 2, 3 (a tie at 2.0 between 2 and 3);
  // unit 1 fires on sample 5 only; unit 2 never fires.
  const activations = tensor([
    [1, 0, 0],
    [0, 0, -1],
    [2, 0, 0],
    [2, 0, 0],
    [0, 0, 0],
    [-3, 4, 0],
  ]);
  const labels = [4, 4, 1, 4, 0, 9];

  it('lists only samples where the unit fires, strongest first, ties to the lower index', () => {
    expect(topActivating(unitColumn(activations, 0), 20)).toEqual({ indices: [2, 3, 0], activations: [2, 2, 1] });
    expect(topActivating(unitColumn(activations, 0), 2).indices).toEqual([2, 3]);
    expect(topActivating(unitColumn(activations, 2), 5).indices).toEqual([]);
    expect(unitColumns(activations).map((column) => Array.from(column))).toEqual([[1, 0, 2, 2, 0, -3], [0, 0, 0, 0, 0, 4], [0, -1, 0, 0, 0, 0]]);
  });

  it('profiles every unit: fires, largest activation, class mix of its top examples, per-class means', () => {
    const [first, second, third] = profileUnits(activations, labels, { topK: 20 });
    expect([first.fires, first.maxActivation, first.top.indices]).toEqual([3, 2, [2, 3, 0]]);
    expect(first.mix.counts[4]).toBe(2);
    expect(first.mix.counts[1]).toBe(1);
    expect(first.mix.purity).toBeCloseTo(2 / 3, 12);
    expect(second.mix.purity).toBe(1);
    expect(second.mix.majorityClass).toBe(9);
    expect([third.fires, third.maxActivation, third.mix.total]).toEqual([0, 0, 0]);
    // Class 4 holds samples 0, 1, 3: unit 0 averages (1 + 0 + 2)/3.
    expect(first.meanByClass[4]).toBeCloseTo(1, 12);
    expect(first.meanByClass[9]).toBe(-3);
    expect(Number.isNaN(first.meanByClass[2])).toBe(true); // no sample of class 2
    expect(meanActivationByClass(activations, labels, 10)[2][4]).toBeCloseTo(-1 / 3, 12);
  });

  it('refuses a label list of the wrong length and a non-matrix', () => {
    expectOpError(() => profileUnits(activations, [1, 2]), 'profileUnits', 'one label per sample (6)');
    expectOpError(() => profileUnits(tensor([1, 2]), [1, 2]), 'profileUnits', 'expected activations of shape [samples, units]');
  });
});

describe('card pieces', () => {
  it('logit weights are W v', () => {
    const W = tensor([[1, 2], [0, -1], [3, 0]]); // 3 classes, 2 hidden
    expect(logitWeights([1, 0], W)).toEqual([1, 0, 3]);
    expect(logitWeights([0.5, 2], W)).toEqual([4.5, -2, 1.5]);
    expectOpError(() => logitWeights([1, 2, 3], W), 'logitWeights', 'expected output weights [classes, 3]');
  });

  it('nearest directions by cosine, largest first, among the rows asked for', () => {
    const D = tensor([[1, 0], [1, 1], [0, 1], [-1, 0], [2, 0.1]]);
    const nearest = nearestByCosine(D, 0, 2);
    expect(nearest.map((n) => n.index)).toEqual([4, 1]);
    expect(nearest[1].cosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(nearestByCosine(D, 0, 5, [2, 3]).map((n) => n.index)).toEqual([2, 3]);
    expect(nearestByCosine(D, 0, 5, [2, 3])[1].cosine).toBeCloseTo(-1, 12);
  });

  it('the histogram bins positive activations from 0 to the largest', () => {
    const histogram = activationHistogram([0, 0, 1, 2, 3, 4, -1], 4);
    expect(histogram.edges).toEqual([0, 1, 2, 3, 4]);
    expect(histogram.counts).toEqual([1, 1, 1, 1]);
    expect(activationHistogram([0, 0], 3).counts).toEqual([0, 0, 0]);
  });

  it('quantile samples come from every band of the firing samples, strongest band first', () => {
    // Samples 0..7 fire with activation equal to their index + 1; sample 8 is silent.
    const column = [1, 2, 3, 4, 5, 6, 7, 8, 0];
    const bands = quantileSamples(column, 2, 2);
    expect(bands.map((band) => [band.low, band.high])).toEqual([[5, 8], [1, 4]]);
    // Each band of four takes the samples at its positions 1 and 3 (of 0..3), strongest first.
    expect(bands[0].indices).toEqual([7, 5]);
    expect(bands[1].indices).toEqual([3, 1]);
    expect(quantileSamples([0, 0], 4, 4)).toEqual([]);
  });

  it('summarize gives count, mean and quartiles', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, mean: 2.5, q1: 1.75, median: 2.5, q3: 3.25 });
    expect(summarize([]).count).toBe(0);
  });
});
