/**
 * What we measure on the toy models: per-feature norms, interference and dimensionality, the
 * Gram matrix, dimensions per feature, per-neuron polysemanticity, the phase of the n = 2, m = 1
 * model beside its closed-form theory, and the named fractions of feature geometry.
 *
 * Every measure takes one instance's weights W [m, n] (column i is feature i's direction; use
 * {@link instanceWeights} to pick instance k of a model's [I, m, n] weights) and returns plain
 * numbers, computed in float64.
 *
 * @module
 */
export {
  instanceWeights, featureNorms, interference, featureDimensionality, gram, dimensionsPerFeature,
  classifyFeatures, type FeatureStatus, type ClassifyOptions,
} from './features.js';
export {
  neuronPolysemanticity, countPolysemantic, type PolysemanticityOptions, type NeuronPolysemanticity,
} from './neurons.js';
export {
  PHASES, antipodalFeatureLoss, antipodalBias, candidateSolutions, candidateLosses, theoreticalPhase,
  classifyPhase, logGrid, phaseGrid,
  type Phase, type CandidateSolution, type PhaseOptions, type PhaseCell,
} from './phase.js';
export {
  STICKY_FRACTIONS, polytope, nearestFraction, clusterDimensionalities,
  type StickyName, type StickyFraction, type NearestFraction, type DimensionalityClusters,
} from './geometry.js';
