/**
 * The base every optimizer shares: a list of parameters, a learning rate, a step count, and
 * per-parameter state buffers, all updated in place.
 *
 * One training step reads
 *
 *     optimizer.zeroGrad();        gᵢ ← 0 in every existing gradient buffer
 *     loss.backward();             gᵢ ← ∂L/∂θᵢ
 *     optimizer.step();            θᵢ ← update(θᵢ, gᵢ, stateᵢ), in place
 *
 * Each parameter θ (a {@link Variable} made by `parameter()`, shape S, packed storage) has a
 * gradient `θ.grad` of shape S, or null when no loss reached it (then `step()` skips it, as PyTorch
 * does). Its state is a count of the updates it has had, tᵢ, and a few buffers of shape S in θ's
 * dtype: Adam's first and second moments, SGD's momentum. The buffers are allocated once, when the
 * optimizer is made, and `step()` only runs loops over typed arrays: it allocates nothing, so a
 * training loop of any length leaves no garbage behind it here.
 *
 * Why a per-parameter count tᵢ beside the optimizer's own `stepCount`: a parameter skipped on some
 * steps (null gradient) has seen fewer updates, and Adam's bias correction must use its own count.
 * PyTorch keeps `state[p]['step']` per parameter for the same reason.
 *
 * The state can be read out and restored ({@link Optimizer.stateDict}, {@link Optimizer.loadStateDict})
 * for checkpoints, and part of it zeroed ({@link Optimizer.resetState}) when a model re-initialises
 * some of its units, as a sparse autoencoder does when it resamples dead latents.
 *
 * @module
 */
import { Variable } from '../autograd/variable.js';
import { type TypedArray, allocate } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** One parameter's optimizer state, as {@link Optimizer.stateDict} returns it. */
export interface ParamState {
  /** How many updates this parameter has had (it is skipped on steps where its gradient is null). */
  readonly step: number;
  /** The state buffers by name (e.g. `expAvg`, `expAvgSq`), each with the parameter's shape. */
  readonly buffers: Readonly<Record<string, Tensor>>;
}

/** Everything an optimizer needs to resume: see {@link Optimizer.stateDict}. */
export interface OptimizerStateDict {
  /** Which optimizer wrote it: `"SGD"`, `"Adam"` or `"AdamW"`. */
  readonly optimizer: string;
  /** How many times `step()` ran. */
  readonly stepCount: number;
  /** The learning rate at the time. */
  readonly lr: number;
  /** The other hyperparameters, for the record (loading does not apply them; see `loadStateDict`). */
  readonly hyperparameters: Readonly<Record<string, number | boolean>>;
  /** One entry per parameter, in the order the optimizer was given them. */
  readonly params: readonly ParamState[];
}

/** An optimizer's hyperparameters as plain values (the learning rate included). */
export type Hyperparameters = Readonly<Record<string, number | boolean>>;

/**
 * The shared machinery of {@link SGD}, {@link Adam} and {@link AdamW}. A subclass declares its buffer
 * names and writes {@link Optimizer.updateParameter}, the in-place update of one parameter.
 */
export abstract class Optimizer {
  /** The optimizer's name, used in error messages and state dicts: `"SGD"`, `"Adam"`, `"AdamW"`. */
  readonly name: string;
  /** The parameters it updates, in order. */
  readonly params: readonly Variable[];
  /** The names of the per-parameter state buffers, e.g. `["expAvg", "expAvgSq"]`. */
  readonly bufferNames: readonly string[];
  /** `buffers[p][k]`: buffer `bufferNames[k]` of parameter p, packed, in the parameter's dtype. */
  protected readonly buffers: TypedArray[][];
  /** `paramSteps[p]`: how many updates parameter p has had. */
  protected readonly paramSteps: number[];
  private learningRate = 0;
  private steps = 0;

  /**
   * Checks the parameters and allocates `bufferNames.length` zeroed buffers for each.
   * Refuses an empty list, repeated parameters, non-Variables, int32 and non-contiguous storage.
   */
  protected constructor(name: string, params: readonly Variable[], lr: number, bufferNames: readonly string[]) {
    this.name = name;
    if (!Array.isArray(params)) fail(name, `params must be an array of parameters, got ${describe(params)}`);
    if (params.length === 0) fail(name, 'got an empty parameter list; pass the parameters to train, made with parameter()');
    const seen = new Set<Variable>();
    params.forEach((param, index) => {
      if (!(param instanceof Variable)) {
        fail(name, `params[${index}] is ${describe(param)}, expected a Variable made with parameter()`);
      }
      if (param.dtype === 'int32') {
        fail(name, `${paramLabel(param, index)} is int32; an optimizer updates float32 or float64 parameters`);
      }
      if (!param.isContiguous) {
        fail(name, `${paramLabel(param, index)} is a strided view; an optimizer writes in place and needs ` +
          `storage the parameter owns (make it with parameter())`);
      }
      if (seen.has(param)) fail(name, `${paramLabel(param, index)} appears twice in the parameter list`);
      seen.add(param);
    });
    this.params = params.slice();
    this.bufferNames = bufferNames.slice();
    this.buffers = this.params.map((param) => this.bufferNames.map(() => allocate(param.dtype, param.size)));
    this.paramSteps = this.params.map(() => 0);
    this.lr = lr;
  }

  /** The learning rate the next `step()` uses. Schedules set it; it must be finite and ≥ 0. */
  get lr(): number {
    return this.learningRate;
  }

  /** Sets the learning rate; throws unless it is finite and ≥ 0. */
  set lr(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      fail(this.name, `lr must be a finite number ≥ 0, got ${value}`);
    }
    this.learningRate = value;
  }

  /** Sets the learning rate (the same as assigning {@link Optimizer.lr}). */
  setLearningRate(value: number): void {
    this.lr = value;
  }

  /** How many times `step()` has run (parameters skipped on a step still count it here). */
  get stepCount(): number {
    return this.steps;
  }

  /** How many updates parameter `param` has had: its own count tᵢ, used by bias correction. */
  paramStepCount(param: Variable): number {
    return this.paramSteps[this.indexOf('paramStepCount', param)];
  }

  /** The hyperparameters as plain values, the learning rate included. */
  abstract hyperparameters(): Hyperparameters;

  /**
   * Updates parameter `index` in place from `grad` (same shape, contiguous from `grad.offset`).
   * `step` is the parameter's own update count, already advanced: 1 on its first update.
   */
  protected abstract updateParameter(index: number, param: Variable, grad: Tensor, step: number): void;

  /**
   * Updates every parameter that has a gradient, in place, and advances the step count.
   * All gradients are checked before any parameter changes, so a bad one leaves the model intact.
   */
  step(): void {
    const params = this.params;
    for (let index = 0; index < params.length; index++) {
      const param = params[index];
      const grad = param.grad;
      if (grad === null) continue;
      if (!shapesEqual(grad.shape, param.shape)) {
        fail(this.name, `the gradient of ${paramLabel(param, index)} has shape ${formatShape(grad.shape)}, ` +
          `expected the parameter's shape ${formatShape(param.shape)}`);
      }
      if (!grad.isContiguous) {
        fail(this.name, `the gradient of ${paramLabel(param, index)} is a strided view; ` +
          `backward() makes packed gradients, so assign only packed tensors to .grad`);
      }
    }
    for (let index = 0; index < params.length; index++) {
      const param = params[index];
      const grad = param.grad;
      if (grad === null) continue;
      const step = ++this.paramSteps[index];
      this.updateParameter(index, param, grad, step);
    }
    this.steps++;
  }

  /** Fills every existing gradient buffer with 0, in place; null gradients stay null. */
  zeroGrad(): void {
    const params = this.params;
    for (let index = 0; index < params.length; index++) params[index].zeroGrad();
  }

  /**
   * A copy of the state: step counts, learning rate, hyperparameters, and every buffer as a Tensor
   * of its parameter's shape. Later steps do not change the copy. For checkpoints.
   */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: this.name,
      stepCount: this.steps,
      lr: this.learningRate,
      hyperparameters: this.hyperparameters(),
      params: this.params.map((param, index) => {
        const buffers: Record<string, Tensor> = {};
        this.bufferNames.forEach((bufferName, k) => {
          buffers[bufferName] = new Tensor(this.buffers[index][k].slice(), param.shape.slice());
        });
        return { step: this.paramSteps[index], buffers };
      }),
    };
  }

  /**
   * Restores the step counts, the learning rate and the buffers from {@link Optimizer.stateDict}'s
   * output (values are copied, and converted to each parameter's dtype). The other hyperparameters
   * are not applied: the optimizer keeps the ones it was made with, so a run can resume with, say,
   * a different weight decay. Everything is checked before anything changes: the optimizer's name,
   * the number of parameters, each parameter's buffer names and shapes, and the counts.
   */
  loadStateDict(state: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (state === null || typeof state !== 'object') fail(op, `expected a state dict, got ${describe(state)}`);
    if (state.optimizer !== this.name) {
      fail(op, `the state was saved by ${String(state.optimizer)}, this optimizer is ${this.name}`);
    }
    checkCount(op, 'stepCount', state.stepCount);
    if (typeof state.lr !== 'number' || !Number.isFinite(state.lr) || state.lr < 0) {
      fail(op, `lr must be a finite number ≥ 0, got ${state.lr}`);
    }
    if (!Array.isArray(state.params) || state.params.length !== this.params.length) {
      fail(op, `the state holds ${Array.isArray(state.params) ? state.params.length : 'no'} parameter entries, ` +
        `this optimizer has ${this.params.length} parameters`);
    }
    this.params.forEach((param, index) => {
      const entry = state.params[index];
      const label = paramLabel(param, index);
      if (entry === null || typeof entry !== 'object') fail(op, `the entry for ${label} is ${describe(entry)}`);
      checkCount(op, `the step of ${label}`, entry.step);
      const names = entry.buffers === null || typeof entry.buffers !== 'object' ? [] : Object.keys(entry.buffers);
      const expected = this.bufferNames;
      if (names.length !== expected.length || !expected.every((name) => names.includes(name))) {
        fail(op, `${label} has buffers [${names.join(', ')}], expected [${expected.join(', ')}]`);
      }
      for (const bufferName of expected) {
        const buffer = entry.buffers[bufferName];
        if (!(buffer instanceof Tensor)) fail(op, `buffer ${bufferName} of ${label} is ${describe(buffer)}, expected a Tensor`);
        if (!shapesEqual(buffer.shape, param.shape)) {
          fail(op, `buffer ${bufferName} of ${label} has shape ${formatShape(buffer.shape)}, ` +
            `expected the parameter's shape ${formatShape(param.shape)}`);
        }
      }
    });
    this.params.forEach((_, index) => {
      const entry = state.params[index];
      this.paramSteps[index] = entry.step;
      this.bufferNames.forEach((bufferName, k) => this.buffers[index][k].set(entry.buffers[bufferName].toTypedArray()));
    });
    this.steps = state.stepCount;
    this.learningRate = state.lr;
  }

  /**
   * Zeroes the state buffers (moments, momentum) of one parameter, in place, and keeps its step
   * count. With `indices`, only the slices at those positions along `axis` are zeroed: for a weight
   * of shape [d_sae, d_in], `resetState(W, [3, 7])` clears rows 3 and 7; for [d_in, d_sae],
   * `resetState(W, [3, 7], 1)` clears columns 3 and 7. A sparse autoencoder calls this when it
   * re-initialises dead latents, so stale moments do not steer the fresh weights.
   */
  resetState(param: Variable, indices?: readonly number[], axis = 0): void {
    const op = `${this.name}.resetState`;
    const index = this.indexOf(op, param);
    const buffers = this.buffers[index];
    if (indices === undefined) {
      for (const buffer of buffers) buffer.fill(0);
      return;
    }
    if (param.rank === 0) fail(op, `${paramLabel(param, index)} is a scalar; reset it whole (omit indices)`);
    const along = normalizeAxis(op, axis, param.rank);
    const dim = param.shape[along];
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= dim) {
        fail(op, `index ${i} is out of range for axis ${along} of ${paramLabel(param, index)} (size ${dim})`);
      }
    }
    // The parameter read as [outer, dim, inner] around `along`: slice i is `outer` runs of `inner`.
    let outer = 1;
    for (let a = 0; a < along; a++) outer *= param.shape[a];
    let inner = 1;
    for (let a = along + 1; a < param.rank; a++) inner *= param.shape[a];
    for (const buffer of buffers) {
      for (const i of indices) {
        for (let o = 0; o < outer; o++) {
          const start = (o * dim + i) * inner;
          buffer.fill(0, start, start + inner);
        }
      }
    }
  }

  /**
   * Zeroes the state buffers at the given flat (row-major) positions of one parameter, keeping
   * its step count: the finest form of {@link Optimizer.resetState}, for a weight with an instance
   * axis where one instance's latent is re-initialised and its neighbours' are not.
   */
  resetStateAt(param: Variable, positions: Iterable<number>): void {
    const op = `${this.name}.resetStateAt`;
    const index = this.indexOf(op, param);
    for (const position of positions) {
      if (!Number.isInteger(position) || position < 0 || position >= param.size) {
        fail(op, `position ${position} is out of range for ${paramLabel(param, index)} (size ${param.size})`);
      }
      for (const buffer of this.buffers[index]) buffer[position] = 0;
    }
  }

  private indexOf(op: string, param: Variable): number {
    const index = this.params.indexOf(param);
    if (index < 0) fail(op, `${describe(param)} is not one of this optimizer's parameters`);
    return index;
  }
}

/** A parameter as messages name it: `parameter 1 "W" [4,4]`. */
export function paramLabel(param: Variable, index: number): string {
  const name = param.name === undefined ? '' : ` "${param.name}"`;
  return `parameter ${index}${name} ${formatShape(param.shape)}`;
}

/**
 * Checks a hyperparameter: a finite number within [low, high] (or [low, high) with
 * `highOpen`). Throws a TensorError from `op` naming it and the value otherwise.
 */
export function checkHyperparameter(op: string, name: string, value: unknown, low: number, high = Infinity, highOpen = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= low && (highOpen ? value < high : value <= high);
  if (!ok) {
    const range = high === Infinity ? `≥ ${low}` : `in [${low}, ${high}${highOpen ? ')' : ']'}`;
    fail(op, `${name} must be a finite number ${range}, got ${describe(value)}`);
  }
  return value as number;
}

function checkCount(op: string, what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(op, `${what} must be an integer ≥ 0, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Variable) return `a Variable${value.name === undefined ? '' : ` "${value.name}"`} of shape ${formatShape(value.shape)}`;
  if (value instanceof Tensor) return `a Tensor of shape ${formatShape(value.shape)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
