/**
 * What we measure on the toy models: per-feature norms, interference and dimensionality, the
 * Gram matrix, dimensions per feature, per-neuron polysemanticity, the phase of the n = 2, m = 1
 * model beside its closed-form theory, and the named fractions of feature geometry.
 *
 * Every measure takes one instance's weights W [m, n] (column i is feature i's direction; use
 * {@link instanceWeights} to pick instance k of a model's [I, m, n] weights) and returns plain
 * numbers, computed in float64.
 *
 * And what we measure on sparse autoencoders: L0, MSE, fraction of variance explained, dead and
 * dense latents, activation density, and recovery of known features (cosine matrix, MMCS, features
 * recovered), each on one instance's samples [B, d]; plus "name and steer" ({@link steer}), which
 * edits one SAE latent and reports which of the toy model's outputs move.
 *
 * And what a unit means on labelled data ({@link classMix}, {@link profileUnits}): the purity,
 * class entropy and classes-to-cover of its top examples, the mean activation per class, and the
 * pieces of an SAE dashboard card (logit weights, nearest latents, histograms, quantile samples).
 *
 * @module
 */
export {
  instanceWeights, featureNorms, interference, featureDimensionality, gram, dimensionsPerFeature,
  classifyFeatures, REPRESENTED_NORM, type FeatureStatus, type ClassifyOptions,
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
  STICKY_FRACTIONS, polytope, nearestFraction, clusterDimensionalities, bandDimensionalities,
  type StickyName, type StickyFraction, type NearestFraction, type DimensionalityClusters, type DimensionalityBands,
} from './geometry.js';
export {
  l0, meanSquaredError, meanSquaredErrorPerElement, fractionOfVarianceExplained, latentFireCounts, latentDensities,
  deadLatents, denseLatents, activationDensityHistogram, cosineMatrix, mmcs, featuresRecovered, latentMatches, zeroRows,
  type DensityRange, type DensityHistogram, type Mmcs, type LatentMatch,
} from './sae.js';
export {
  steer, formatSteeringReport, toyFeatureDirections,
  type SteerOptions, type SteeringReport, type SteeringOutputs, type FiredLatent, type LatentIntervention, type ChangedOutput,
} from './steer.js';
export {
  classMix, profileUnits, topActivating, unitColumn, unitColumns, meanActivationByClass, logitWeights, nearestByCosine,
  activationHistogram, quantileSamples, summarize,
  type ClassMix, type TopExamples, type UnitProfile, type ProfileOptions, type Neighbour, type ActivationHistogram,
  type QuantileBand, type Summary,
} from './purity.js';
