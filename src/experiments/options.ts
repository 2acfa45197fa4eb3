/**
 * What every experiment shares: the error for options that do not fit, feature densities given as
 * a list or a range, and the progress an experiment reports while it trains.
 *
 * Densities: a list holds one pₖ per instance; a range {high, low} is spread log-evenly over the
 * instances, pₖ = high·(low/high)^(k/(I−1)) (`logSpacedDensities`).
 *
 * @module
 */
import { logSpacedDensities } from '../models/data.js';

/**
 * An option that does not fit (a list of the wrong length, an index past the end). The message
 * is written by `describe`, given how to name an option, so the same check reads naturally from
 * code (`k 6 is larger than latents 5`) and from the command line (`--k 6 is larger than --latents 5`).
 */
export class OptionError extends Error {
  /** Writes the message, naming each option with `name`. */
  readonly describe: (name: (option: string) => string) => string;

  /** An error whose message `describe` writes (options named as they are in code). */
  constructor(describe: (name: (option: string) => string) => string) {
    super(describe((option) => option));
    this.name = 'OptionError';
    this.describe = describe;
  }
}

/** Feature densities: one per instance, or a range spread log-evenly over the instances. */
export type Densities = readonly number[] | {
  /** The first instance's density. */
  readonly high: number;
  /** The last instance's density. */
  readonly low: number;
};

/**
 * The density of each of `instances` instances. A list must have exactly that many values (or,
 * with `oneForAll`, may have one, which every instance takes); a range is spread log-evenly.
 *
 * @throws OptionError when a list's length does not fit.
 */
export function resolveDensities(densities: Densities, instances: number, oneForAll = false): number[] {
  if (!Array.isArray(densities)) {
    const range = densities as { high: number; low: number };
    return logSpacedDensities(range.high, range.low, instances);
  }
  const list = densities as readonly number[];
  if (oneForAll && list.length === 1) return new Array<number>(instances).fill(list[0]);
  if (list.length !== instances) {
    throw new OptionError((name) =>
      `${name('density')} lists ${list.length} value${list.length === 1 ? '' : 's'} but ${name('instances')} is ${instances}; ` +
      'give one density per instance, or a range hi:lo');
  }
  return [...list];
}

/** A task in progress: how far it has got, with a short note (the loss, say). */
export interface ProgressTask {
  /** `done` units of the task's total are done. */
  update(done: number, detail?: string): void;
  /** The task has finished. */
  finish(detail?: string): void;
}

/** Where an experiment reports its progress: tasks with a total (training steps), and notes. */
export interface ProgressSink {
  /** Starts a task of `total` units called `label`. */
  task(label: string, total: number): ProgressTask;
  /** A one-line note. */
  note(message: string): void;
}

/** Progress that goes nowhere: the default when no `onProgress` is given. */
export const SILENT_PROGRESS: ProgressSink = {
  task: () => ({ update: () => undefined, finish: () => undefined }),
  note: () => undefined,
};

/** The steps between two progress reports: about `reports` reports per run, never fewer steps than 1. */
export function progressInterval(steps: number, reports = 100): number {
  return Math.max(1, Math.floor(steps / reports));
}

/** Seconds since `start`, a `performance.now()` reading. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/**
 * The toy-model settings that `tms` and `geometry` share: which models train side by side, on
 * what data, and AdamW's steps, batch and learning rate. Each experiment extends it with its own.
 */
export interface ToyTrainingOptions {
  /** n: features per instance. */
  features: number;
  /** m: hidden dimensions. */
  hidden: number;
  /** Models trained side by side, one per density. */
  instances: number;
  /** The importance ratio r: feature i has importance rⁱ. */
  importance: number;
  /** The feature density of each instance, or a range spread over them. */
  density: Densities;
  /** AdamW steps. */
  steps: number;
  /** Samples per step, per instance. */
  batch: number;
  /** Learning rate. */
  lr: number;
}
