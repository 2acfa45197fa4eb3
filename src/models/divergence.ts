/**
 * Telling a run that diverged from one that trained: a loss or a parameter that is no longer a
 * finite number (NaN, +∞ or −∞) means the updates overshot, and every later step only spreads
 * it. Training stops at once with a {@link DivergenceError}, which names the setting to lower
 * (the option as the caller calls it, `lr` or `tmsLr`; the command line writes it as its flag,
 * `--lr` or `--tms-lr`, through {@link DivergenceError.describe}) so that nothing non-finite is
 * reported as a result or saved as a checkpoint.
 *
 * The checks are cheap: the loss is one scalar per step; the parameters, |θ| elements, are
 * scanned only before a checkpoint is handed out and when training ends.
 *
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';

/** The message of a {@link DivergenceError}, with the option to lower named by `name`. */
function describeDivergence(
  details: { op: string; step: number; quantity: string; value: number; setting: string; lr: number }, name: (option: string) => string,
): string {
  return `${details.op}: training diverged: ${details.quantity} became ${details.value} at step ${details.step}; ` +
    `lower ${name(details.setting)} (now ${details.lr}) and run again`;
}

/** A training run whose loss or parameters stopped being finite numbers. */
export class DivergenceError extends Error {
  /** The trainer that stopped, e.g. `trainToyModel`. */
  readonly op: string;
  /** The step at which it was seen (1-based), or the step training ended at for the final checks. */
  readonly step: number;
  /** What was not finite: `the loss`, `parameter W`, `the final loss`. */
  readonly quantity: string;
  /** The value seen (NaN, Infinity or -Infinity). */
  readonly value: number;
  /** The option to lower, as the caller names it in code (`lr`, `tmsLr`). */
  readonly setting: string;
  /** The learning rate in use. */
  readonly lr: number;

  /** @param details - what diverged, where, and what to lower; `lr` is the learning rate in use. */
  constructor(details: { op: string; step: number; quantity: string; value: number; setting: string; lr: number }) {
    super(describeDivergence(details, (option) => option));
    this.name = 'DivergenceError';
    this.lr = details.lr;
    this.op = details.op;
    this.step = details.step;
    this.quantity = details.quantity;
    this.value = details.value;
    this.setting = details.setting;
  }

  /** The message with the option named by `name` (the command line passes its flag names: `tmsLr` → `--tms-lr`). */
  describe(name: (option: string) => string): string {
    return describeDivergence(this, name);
  }
}

/** What every check needs to word its error. */
export interface DivergenceContext {
  /** The trainer, e.g. `trainSae`. */
  op: string;
  /** The learning rate in use. */
  lr: number;
  /** How the caller names the learning rate option (default `lr`). */
  setting?: string;
}

/** The index of the first element of `tensor` that is not finite, or −1 when all are. Reads through strides. */
export function firstNonFinite(tensor: Tensor): number {
  const packed = tensor.contiguous();
  const data = packed.data;
  const end = packed.offset + packed.size;
  for (let i = packed.offset; i < end; i++) if (!Number.isFinite(data[i])) return i - packed.offset;
  return -1;
}

/**
 * Throws a {@link DivergenceError} when `value` (a loss) is not finite.
 *
 * @example
 * ```ts
 * checkFiniteLoss(0.25, 10, { op: 'trainToyModel', lr: 1e-3 });   // returns undefined
 * checkFiniteLoss(NaN, 11, { op: 'trainToyModel', lr: 1e30 });    // throws: training diverged: the loss became NaN at step 11; lower lr …
 * ```
 */
export function checkFiniteLoss(value: number, step: number, context: DivergenceContext, quantity = 'the loss'): void {
  if (Number.isFinite(value)) return;
  throw new DivergenceError({ op: context.op, step, quantity, value, setting: context.setting ?? 'lr', lr: context.lr });
}

/** Throws a {@link DivergenceError} naming the first parameter (by name) holding a value that is not finite. */
export function checkFiniteParameters(
  parameters: readonly (Tensor & { name?: string | null })[], step: number, context: DivergenceContext,
): void {
  parameters.forEach((parameter, index) => {
    const at = firstNonFinite(parameter);
    if (at === -1) return;
    const value = parameter.contiguous().data[parameter.contiguous().offset + at];
    throw new DivergenceError({
      op: context.op, step, quantity: `parameter ${parameter.name ?? `#${index}`} (element ${at})`, value,
      setting: context.setting ?? 'lr', lr: context.lr,
    });
  });
}
