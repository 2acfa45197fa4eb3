/**
 * The flags `sae` and `steer` share: the toy model's (as `tms` has them, with its training flags
 * prefixed `tms-`) and the SAE's, with their defaults from src/experiments/sae.ts, and how their
 * values become the experiments' options.
 *
 * @module
 */
import {
  SAE_TRAINING_DEFAULTS, type SaeTrainingOptions, TOY_SOURCE_DEFAULTS, type ToySourceOptions,
} from '../experiments/sae.js';
import { SAE_ARCHITECTURES } from '../models/sae.js';
import { TOY_MODEL_KINDS, type ToyModelKind } from '../models/tms.js';
import { type DensitySpec, densityFlag, densityText, enumFlag, intFlag, numberFlag, toDensities } from './args.js';

/** The toy model's flags, as `tms` has them, with its training flags prefixed `tms-`. */
export function toyModelFlags() {
  const defaults = TOY_SOURCE_DEFAULTS;
  return {
    features: intFlag({ default: defaults.features, min: 1, help: 'n: the toy model\'s features' }),
    hidden: intFlag({ default: defaults.hidden, min: 1, help: 'm: its hidden dimensions, the SAE\'s d_in' }),
    instances: intFlag({ default: defaults.instances, min: 1, help: 'toy models trained side by side, one per density' }),
    instance: intFlag({ default: defaults.instance, min: 0, defaultText: 'the last, sparsest', placeholder: 'K', help: 'which instance\'s hidden activations the SAE reads' }),
    importance: numberFlag({ default: defaults.importance, min: 0, exclusiveMin: true, placeholder: 'R', help: 'importance ratio r: feature i has importance r^i' }),
    density: densityFlag({
      default: densityText(defaults.density),
      help: 'probability that a feature is present: one value for every instance, a comma list (one per instance), or hi:lo spread log-evenly',
    }),
    model: enumFlag({ default: defaults.model, values: TOY_MODEL_KINDS, help: 'which toy model' }),
    'tms-steps': intFlag({ default: defaults.tmsSteps, min: 0, help: 'the toy model\'s AdamW steps' }),
    'tms-batch': intFlag({ default: defaults.tmsBatch, min: 1, help: 'the toy model\'s samples per step' }),
    'tms-lr': numberFlag({ default: defaults.tmsLr, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'the toy model\'s learning rate' }),
  };
}

/** The SAE's flags. */
export function saeFlags() {
  const defaults = SAE_TRAINING_DEFAULTS;
  return {
    arch: enumFlag({ default: defaults.arch, values: SAE_ARCHITECTURES, help: 'SAE architecture: ReLU + L1 (Bricken et al.), TopK, JumpReLU, Gated' }),
    latents: intFlag({ default: defaults.latents, min: 1, defaultText: 'n with --source tms, 4 × d_in with --input', help: 'd_sae: the SAE\'s latents' }),
    l1: numberFlag({ default: defaults.l1, min: 0, placeholder: 'λ', help: 'sparsity coefficient λ (relu, jumprelu, gated; topk has none)' }),
    k: intFlag({ default: defaults.k, min: 1, defaultText: 'min(2, latents)', help: 'TopK: latents kept per sample; must not exceed --latents' }),
    threshold: numberFlag({ default: defaults.threshold, min: 0, exclusiveMin: true, placeholder: 'θ', help: 'JumpReLU: each latent\'s initial threshold θ₀ (scale it with your activations)' }),
    bandwidth: numberFlag({ default: defaults.bandwidth, min: 0, exclusiveMin: true, placeholder: 'ε', help: 'JumpReLU: the straight-through kernel\'s bandwidth ε' }),
    steps: intFlag({ default: defaults.steps, min: 0, help: 'the SAE\'s Adam steps' }),
    batch: intFlag({ default: defaults.batch, min: 1, help: 'the SAE\'s samples per step' }),
    lr: numberFlag({ default: defaults.lr, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'the SAE\'s learning rate' }),
    resample: enumFlag({
      default: defaults.resample, values: ['none', 'simple', 'anthropic'] as const,
      help: 'dead-latent resampling: none, simple (random re-initialisation), anthropic (inputs the SAE reconstructs worst, Bricken et al.)',
    }),
  };
}

/** The toy-model flags' values. */
export interface ToyModelFlagValues {
  features: number;
  hidden: number;
  instances: number;
  instance: number;
  importance: number;
  density: DensitySpec;
  model: ToyModelKind;
  'tms-steps': number;
  'tms-batch': number;
  'tms-lr': number;
  seed: number;
}

/** The SAE flags' values: one flag per SAE training option, under the same name. */
export type SaeFlagValues = SaeTrainingOptions;

/** The toy model's options, from its flags. */
export function toySourceOptions(flags: ToyModelFlagValues): ToySourceOptions {
  return {
    model: flags.model, features: flags.features, hidden: flags.hidden, instances: flags.instances, instance: flags.instance,
    importance: flags.importance, density: toDensities(flags.density), tmsSteps: flags['tms-steps'], tmsBatch: flags['tms-batch'],
    tmsLr: flags['tms-lr'], seed: flags.seed,
  };
}

/** The SAE's options, from its flags. */
export function saeTrainingOptions(flags: SaeFlagValues): SaeTrainingOptions {
  return {
    arch: flags.arch, latents: flags.latents, l1: flags.l1, k: flags.k, threshold: flags.threshold, bandwidth: flags.bandwidth,
    steps: flags.steps, batch: flags.batch, lr: flags.lr, resample: flags.resample, seed: flags.seed,
  };
}
