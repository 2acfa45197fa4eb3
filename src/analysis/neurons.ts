/**
 * Polysemanticity: how many features each neuron of the hidden-ReLU model answers to.
 *
 * In the hidden-ReLU model h = ReLU(W x), with W of shape [m, n], row j of W is neuron j's
 * weights over the n features. The inputs are non-negative (xᵢ ∈ [0, 1)), so feature i alone
 * switches neuron j on exactly when W[j,i] > 0, and the larger W[j,i], the harder it drives it.
 * Negative weights only ever hold the neuron down. So the measures look at the positive parts
 * W⁺[j,i] = max(W[j,i], 0):
 *
 *     features of neuron j      #{ i : W[j,i] ≥ threshold · max_k W⁺[j,k] }   when max_k W⁺[j,k] ≥ minWeight
 *                               0                                              otherwise (a dead neuron)
 *     top-feature share         max_i W⁺[j,i]² / Σ_i W⁺[j,i]²                 (0 for a dead neuron)
 *
 * A monosemantic neuron answers to one feature (share near 1); a polysemantic one answers to
 * several, each with a comparable weight. The relative threshold (default 1/2) counts a feature
 * when it drives the neuron at least half as hard as the neuron's strongest feature at the same
 * value, so tiny positive leftovers of training are not counted. The absolute floor (default 0.1)
 * keeps a neuron that training has switched off (every weight near 0 or negative) from being
 * counted as answering to whichever feature is least negative. For scale: a represented feature's
 * column has norm ≈ 1, spread over the few neurons that carry it.
 *
 * The lesson's claim, measured: as features get sparser, the model packs more features than it
 * has neurons and {@link countPolysemantic} rises.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { matrixValues } from './features.js';

/** Thresholds for {@link neuronPolysemanticity}. */
export interface PolysemanticityOptions {
  /** A feature counts when its weight is at least this fraction of the neuron's largest positive weight. Default 0.5. */
  threshold?: number;
  /** A neuron whose largest positive weight is below this answers to no feature. Default 0.1. */
  minWeight?: number;
}

/** Per-neuron polysemanticity; both arrays have one entry per neuron (row of W). */
export interface NeuronPolysemanticity {
  /** How many features each neuron answers to (see the module notes for the rule). */
  featuresPerNeuron: number[];
  /** max_i W⁺[j,i]² / Σ_i W⁺[j,i]²: 1 for a neuron with one positive weight, 1/k for k equal ones, 0 for none. */
  topFeatureShare: number[];
}

/**
 * For each neuron (row j of W [m, n]), how many features drive it and what share of its positive
 * weight goes to its top feature. See the module notes for the rule and why.
 *
 * @example
 * ```ts
 * neuronPolysemanticity(tensor([[1, 0.9, -1], [0.8, 0, 0], [-1, 0.05, 0]]));
 * // returns { featuresPerNeuron: [2, 1, 0], topFeatureShare: [1/1.81, 1, 1] }
 * ```
 */
export function neuronPolysemanticity(W: Tensor, options: PolysemanticityOptions = {}): NeuronPolysemanticity {
  return measurePolysemanticity('neuronPolysemanticity', W, options);
}

/** The work of {@link neuronPolysemanticity}, with errors naming the public function `op`. */
function measurePolysemanticity(op: string, W: Tensor, options: PolysemanticityOptions): NeuronPolysemanticity {
  const threshold = options.threshold ?? 0.5;
  const minWeight = options.minWeight ?? 0.1;
  if (!(threshold > 0 && threshold <= 1)) fail(op, `threshold must be a fraction in (0, 1], got ${threshold}`);
  if (!(minWeight >= 0) || !Number.isFinite(minWeight)) fail(op, `minWeight must be a number ≥ 0, got ${minWeight}`);
  const { m, n, values } = matrixValues(op, W);
  const featuresPerNeuron: number[] = [];
  const topFeatureShare: number[] = [];
  for (let j = 0; j < m; j++) {
    const row = values.subarray(j * n, (j + 1) * n);
    let largest = 0;
    let squares = 0;
    for (const weight of row) {
      if (weight <= 0) continue;
      if (weight > largest) largest = weight;
      squares += weight * weight;
    }
    topFeatureShare.push(squares > 0 ? (largest * largest) / squares : 0);
    if (largest < minWeight || largest === 0) {
      featuresPerNeuron.push(0);
      continue;
    }
    let count = 0;
    for (const weight of row) if (weight >= threshold * largest) count++;
    featuresPerNeuron.push(count);
  }
  return { featuresPerNeuron, topFeatureShare };
}

/**
 * The number of polysemantic neurons: those that answer to two features or more under
 * {@link neuronPolysemanticity}'s rule.
 *
 * @example
 * ```ts
 * countPolysemantic(tensor([[1, 0.9, -1], [0.8, 0, 0]]));   // returns 1
 * ```
 */
export function countPolysemantic(W: Tensor, options: PolysemanticityOptions = {}): number {
  const { featuresPerNeuron } = measurePolysemanticity('countPolysemantic', W, options);
  return featuresPerNeuron.filter((count) => count >= 2).length;
}
