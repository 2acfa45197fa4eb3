/**
 * A trainer's full state at a step, as the toy model's and the SAE's trainers hand it out and take
 * it back: the parameters, the optimizer's state, every random generator's state and the integer
 * counters, so that a run resumed from it ends bit-identical to one that never stopped. How a
 * state becomes bytes (one safetensors file) is src/persistence/checkpoint.ts.
 *
 *     parameters      the model's tensors, by name              (e.g. W [I, m, n], b [I, 1, n])
 *     optimizer       step counts, learning rate, moment buffers (Optimizer.stateDict())
 *     rngs            every generator's state, by role          (Rng.getState(); e.g. "data")
 *     counters        integer training state, by name           (e.g. the SAE's steps since each
 *                                                                latent fired, int32 [I·d_sae])
 *     step            the steps done so far
 *
 * @module
 */
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { fail } from '../tensor/errors.js';
import type { RngState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A trainer's full state at a step: see the module notes. Tensors are copies the trainer no longer touches. */
export interface TrainingState {
  /** Steps done so far (the next step is `step + 1`). */
  step: number;
  /** The parameters by name, in the model's `parameters()` order. */
  parameters: Record<string, Tensor>;
  /** The optimizer's state dict. */
  optimizer: OptimizerStateDict;
  /** Every random generator's state, by role (e.g. `data`). */
  rngs: Record<string, RngState>;
  /** Integer state other than the optimizer's, by name (int32 tensors). */
  counters: Record<string, Tensor>;
}

/** Names for a message: all of a short list, else the first few and a count (a message stays a line). */
function someNames(names: readonly string[]): string {
  const shown = names.slice(0, 6).map((name) => (name.length > 40 ? `${name.slice(0, 37)}…` : name));
  return `[${shown.join(', ')}${names.length > 6 ? `, and ${names.length - 6} more` : ''}]`;
}

/**
 * Copies a checkpoint's parameters into live parameter tensors, after checking names and shapes.
 * `targets` are the model's parameters, keyed as in the checkpoint.
 */
export function restoreParameters(op: string, targets: Record<string, Tensor>, saved: Record<string, Tensor>): void {
  const names = Object.keys(targets);
  const savedNames = Object.keys(saved);
  if (names.length !== savedNames.length || names.some((name) => !(name in saved))) {
    fail(op, `the checkpoint holds parameters ${someNames(savedNames)}, the model has ${someNames(names)}`);
  }
  for (const name of names) {
    const target = targets[name];
    const source = saved[name];
    if (source.dtype !== target.dtype) fail(op, `parameter ${name} is ${source.dtype} in the checkpoint, ${target.dtype} in the model`);
    if (source.shape.length !== target.shape.length || source.shape.some((size, axis) => size !== target.shape[axis])) {
      fail(op, `parameter ${name} has shape [${source.shape.join(',')}] in the checkpoint, [${target.shape.join(',')}] in the model`);
    }
  }
  for (const name of names) {
    const target = targets[name];
    if (!target.isContiguous || target.offset !== 0) fail(op, `parameter ${name} is not packed`);
    target.data.set(saved[name].toTypedArray());
  }
}

/** A packed copy of a tensor (so that a state handed out does not change as training goes on). */
export function snapshot(tensor: Tensor): Tensor {
  return new Tensor(tensor.toTypedArray().slice(), tensor.shape.slice());
}
