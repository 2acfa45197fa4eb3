/**
 * Training checkpoints as bytes: everything a run needs to carry on exactly where it stopped, so
 * that a resumed run ends with bit-identical parameters to one that never stopped.
 *
 * A checkpoint holds
 *
 *     parameters      the model's tensors, by name              (e.g. W [I, m, n], b [I, 1, n])
 *     optimizer       step counts, learning rate, moment buffers (Optimizer.stateDict())
 *     rngs            every generator's state, by role          (Rng.getState(); e.g. "data")
 *     counters        integer training state, by name           (e.g. the SAE's steps since each
 *                                                                latent fired, int32 [I·d_sae])
 *     step            the steps done so far
 *     kind, config    what to rebuild: "tms" or "sae", and the settings a resume must match
 *
 * The file is one safetensors file. Tensors are named
 *
 *     parameter/<name>                 each parameter, in its dtype
 *     optimizer/<index>/<buffer>       parameter <index>'s buffer (expAvg, expAvgSq, …)
 *     counter/<name>                   each counter (int32)
 *
 * and `__metadata__` holds one entry, `superposition.checkpoint`, a JSON string:
 *
 *     {"format": 1, "kind", "step", "config", "parameters": [names in order],
 *      "counters": [names], "rngs": {role: {algorithm, words, spareNormal}},
 *      "optimizer": {"optimizer", "stepCount", "lr", "hyperparameters", "steps": [per parameter]}}
 *
 * JSON keeps every number exactly: JavaScript prints the shortest decimal that reads back to the
 * same double, so an Rng's spare normal or a learning rate survives the trip bit for bit.
 *
 * This module works on bytes only (no file system): the command line writes them atomically.
 * The state itself ({@link TrainingState}) is the trainers' own, in src/models/training-state.ts.
 *
 * @module
 */
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { TrainingState } from '../models/training-state.js';
import type { OptimizerStateDict, ParamState } from '../optim/optimizer.js';
import { fail } from '../tensor/errors.js';
import type { RngState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** The metadata key holding the checkpoint's JSON. */
export const CHECKPOINT_METADATA_KEY = 'superposition.checkpoint';

/** The checkpoint format version this module writes and reads. */
export const CHECKPOINT_FORMAT = 1;

/** A JSON value: what a checkpoint's config may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A checkpoint: which model, the config to rebuild it, and the training state. */
export interface Checkpoint {
  /** Which trainer wrote it, e.g. `"tms"` or `"sae"`. */
  kind: string;
  /** The settings a resume must match (model size, seeds, batch, …), as plain JSON. */
  config: { [key: string]: JsonValue };
  /** The state to resume from. */
  state: TrainingState;
}

const OP = 'readCheckpoint';

/**
 * The bytes of a checkpoint: one safetensors file (see the module notes for the names).
 *
 * @example
 * ```ts
 * const bytes = writeCheckpoint({ kind: 'tms', config: { features: 5 }, state });
 * readCheckpoint(bytes).state.step === state.step;   // returns true
 * ```
 */
export function writeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { state } = checkpoint;
  const tensors: Record<string, Tensor> = {};
  const parameterNames = Object.keys(state.parameters);
  for (const name of parameterNames) tensors[`parameter/${name}`] = state.parameters[name];
  state.optimizer.params.forEach((entry, index) => {
    for (const [buffer, tensor] of Object.entries(entry.buffers)) tensors[`optimizer/${index}/${buffer}`] = tensor;
  });
  const counterNames = Object.keys(state.counters);
  for (const name of counterNames) tensors[`counter/${name}`] = state.counters[name];
  const meta = {
    format: CHECKPOINT_FORMAT,
    kind: checkpoint.kind,
    step: state.step,
    config: checkpoint.config,
    parameters: parameterNames,
    counters: counterNames,
    rngs: state.rngs,
    optimizer: {
      optimizer: state.optimizer.optimizer,
      stepCount: state.optimizer.stepCount,
      lr: state.optimizer.lr,
      hyperparameters: state.optimizer.hyperparameters,
      steps: state.optimizer.params.map((entry) => entry.step),
      buffers: state.optimizer.params.map((entry) => Object.keys(entry.buffers)),
    },
  };
  return writeSafetensors(tensors, { metadata: { [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) } });
}

/** The deepest nesting a checkpoint's metadata may have (it needs 4: config values are flat or lists). */
export const MAX_METADATA_DEPTH = 64;

/**
 * How deep the arrays and objects of a JSON text nest, by one scan (no recursion, so a text nested
 * 100,000 deep is measured, not a stack overflow). Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if (char === ']' || char === '}') depth--;
  }
  return deepest;
}

/**
 * Checks the optimizer entry against the checkpoint's own parameters, so that a corrupt one is
 * refused on reading (a usage error at the command line, as every other unreadable checkpoint)
 * rather than part-way into the resumed run: whole-number steps, a finite lr, one entry per
 * parameter, and float32 buffers of each parameter's shape.
 */
function checkOptimizerEntry(optimizer: Record<string, unknown>, parameters: readonly Tensor[], params: readonly ParamState[]): void {
  if (typeof optimizer.optimizer !== 'string') fail(OP, 'the checkpoint\'s optimizer entry names no optimizer');
  if (!Number.isInteger(optimizer.stepCount) || (optimizer.stepCount as number) < 0) {
    fail(OP, `the optimizer's stepCount must be a whole number ≥ 0, got ${JSON.stringify(optimizer.stepCount)}`);
  }
  if (typeof optimizer.lr !== 'number' || !Number.isFinite(optimizer.lr) || optimizer.lr < 0) {
    fail(OP, `the optimizer's lr must be a finite number ≥ 0, got ${JSON.stringify(optimizer.lr)}`);
  }
  if (optimizer.hyperparameters !== undefined && !isObject(optimizer.hyperparameters)) fail(OP, 'the optimizer\'s hyperparameters must be an object');
  if (params.length !== parameters.length) {
    fail(OP, `the optimizer holds state for ${params.length} parameters, the checkpoint has ${parameters.length}`);
  }
  params.forEach((entry, index) => {
    if (!Number.isInteger(entry.step) || entry.step < 0) fail(OP, `the optimizer's step of parameter ${index} must be a whole number ≥ 0, got ${JSON.stringify(entry.step)}`);
    const shape = parameters[index].shape;
    for (const [name, buffer] of Object.entries(entry.buffers)) {
      if (buffer.dtype !== 'float32') fail(OP, `optimizer buffer ${name} of parameter ${index} is stored as ${buffer.dtype}; it must be float32 (F32)`);
      if (buffer.shape.length !== shape.length || buffer.shape.some((size, axis) => size !== shape[axis])) {
        fail(OP, `optimizer buffer ${name} of parameter ${index} has shape [${buffer.shape.join(',')}], its parameter [${shape.join(',')}]`);
      }
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(OP, `${what} must be a list of names`);
  return value as string[];
}

function tensorNamed(tensors: Record<string, Tensor>, name: string): Tensor {
  const tensor = tensors[name];
  if (tensor === undefined) fail(OP, `the checkpoint lists tensor "${name}" but the file does not hold it`);
  return tensor;
}

/**
 * Reads a checkpoint back from {@link writeCheckpoint}'s bytes.
 *
 * @throws TensorError (op `readCheckpoint`) when the bytes are not a safetensors file holding a
 * checkpoint of this format, or a listed tensor is missing; (op `readSafetensors`) when the file
 * itself is malformed.
 */
export function readCheckpoint(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  const text = metadata?.[CHECKPOINT_METADATA_KEY];
  if (text === undefined) fail(OP, `the file has no "${CHECKPOINT_METADATA_KEY}" metadata, so it is not a training checkpoint`);
  const depth = jsonDepth(text);
  if (depth > MAX_METADATA_DEPTH) {
    fail(OP, `the checkpoint metadata nests ${depth} levels deep, more than the ${MAX_METADATA_DEPTH} a checkpoint ever needs`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    fail(OP, `the checkpoint metadata is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(meta)) fail(OP, 'the checkpoint metadata must be a JSON object');
  if (meta.format !== CHECKPOINT_FORMAT) fail(OP, `checkpoint format ${String(meta.format)} is not supported (this version reads ${CHECKPOINT_FORMAT})`);
  if (typeof meta.kind !== 'string') fail(OP, 'the checkpoint names no kind');
  if (!Number.isInteger(meta.step) || (meta.step as number) < 0) fail(OP, `step must be a whole number ≥ 0, got ${String(meta.step)}`);
  if (!isObject(meta.config)) fail(OP, 'the checkpoint has no config object');
  if (!isObject(meta.rngs)) fail(OP, 'the checkpoint has no rngs object');
  const optimizer = meta.optimizer;
  if (!isObject(optimizer) || !Array.isArray(optimizer.steps) || !Array.isArray(optimizer.buffers) ||
    optimizer.steps.length !== optimizer.buffers.length) {
    fail(OP, 'the checkpoint\'s optimizer entry is malformed');
  }
  const parameters: Record<string, Tensor> = {};
  for (const name of stringList(meta.parameters, 'parameters')) {
    const parameter = tensorNamed(tensors, `parameter/${name}`);
    // An I32 parameter would be read back as integers and trained as floats: refused, not reinterpreted.
    if (parameter.dtype !== 'float32') fail(OP, `parameter ${name} is stored as ${parameter.dtype}; parameters are float32 (F32)`);
    parameters[name] = parameter;
  }
  const counters: Record<string, Tensor> = {};
  for (const name of stringList(meta.counters, 'counters')) counters[name] = tensorNamed(tensors, `counter/${name}`);
  const params: ParamState[] = (optimizer.steps as unknown[]).map((step, index) => {
    const buffers: Record<string, Tensor> = {};
    for (const buffer of stringList((optimizer.buffers as unknown[])[index], 'optimizer buffers')) {
      buffers[buffer] = tensorNamed(tensors, `optimizer/${index}/${buffer}`);
    }
    return { step: step as number, buffers };
  });
  checkOptimizerEntry(optimizer, Object.values(parameters), params);
  const optimizerState: OptimizerStateDict = {
    optimizer: optimizer.optimizer as string,
    stepCount: optimizer.stepCount as number,
    lr: optimizer.lr as number,
    hyperparameters: (optimizer.hyperparameters ?? {}) as Record<string, number | boolean>,
    params,
  };
  return {
    kind: meta.kind,
    config: meta.config as Checkpoint['config'],
    state: { step: meta.step as number, parameters, optimizer: optimizerState, rngs: meta.rngs as Record<string, RngState>, counters },
  };
}

/**
 * The names of the settings whose values differ between a checkpoint's config and the current
 * one (keys present in either), compared as JSON. An empty list means a resume may go ahead.
 *
 * @example
 * ```ts
 * configConflicts({ features: 5, hidden: 2 }, { features: 5, hidden: 3 });   // returns ['hidden']
 * ```
 */
export function configConflicts(saved: Checkpoint['config'], current: Checkpoint['config']): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(current)]);
  return [...keys].filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(current[key]));
}
