/**
 * Two fused ops for the toy models' training step: the same numbers as a composition of
 * primitive ops, in one pass instead of four, and with their backward written out beside them.
 *
 *     reluOfSum(z, b)                  y = ReLU(z + b)
 *         ∂L/∂z = dy ⊙ [y > 0]          ∂L/∂b = the same, summed over the batch (by the engine)
 *
 * ReLU and its backward are not written again here: the loops call `reluOf` and `reluGradOf` from
 * the tensor core (V8 inlines them), and reluOfSum's backward is the core's `reluBackward`. Each
 * backward returns ∂L/∂b in z's shape [I, B, n]; the engine's `unbroadcast`, the one place that
 * sums a gradient over broadcast axes, turns it into [I, 1, n].
 *
 *     weightedSquaredError(p, t, w)    Lₖ = (1 / (B·n)) Σ_{s,i} wₖᵢ (tₖₛᵢ − pₖₛᵢ)²
 *         ∂L/∂pₖₛᵢ = dLₖ · (−2 / (B·n)) · wₖᵢ (tₖₛᵢ − pₖₛᵢ)      (t and w are constants)
 *
 *     reluOfShiftedSum(z, c, b)        y = ReLU((z − c) + b)      (the ReLU SAE's encoder)
 *         ∂L/∂z = dy ⊙ [y > 0]          ∂L/∂b = Σ_batch ∂L/∂z       ∂L/∂c = −∂L/∂b
 *
 * Shapes: z, p, t [I, B, n] (instances, batch, features); b, w [I, 1, n]; Lₖ is [I].
 *
 * Why fuse. A toy-model step works on small tensors ([8, 1024, 5]), where each op's cost is
 * mostly allocating and walking its output. `relu(add(z, b))` walks and allocates twice; the loss
 * `mean(mul(square(sub(t, p)), w), [1, 2])` four times, and its backward four more. Each fused op
 * walks once and allocates only its result. Both fall back to the composition when their inputs
 * are not packed or not of these shapes, and a property test holds them equal to it.
 *
 * The loops here are the reference. For float32, `reluReadoutLoss` and `reluOfShiftedSum` run
 * the same loops as WebAssembly kernels (fused-simd.ts) where the kernel backend allows, with the
 * same bits; a property test holds each kernel equal to its loop.
 *
 * @module
 */
import { record } from '../autograd/engine.js';
import { add, mean, mul, relu, square, sub } from '../autograd/index.js';
import { neg, reshape, sum } from '../tensor/kernels.js';
import { Variable } from '../autograd/variable.js';
import { type TypedArray, allocate } from '../tensor/dtype.js';
import { reluBackward, reluGradOf as coreReluGradOf, reluOf as coreReluOf } from '../tensor/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { type ReadoutKernels, fusedSimdFor } from './fused-simd.js';

/*
 * Module-level aliases of the core's ReLU. Called through the import binding, the loops below ran
 * about 5× slower under tsx and vitest (measured: 819,200-entry backward, ~45 ms against ~9 ms):
 * the binding is read through the transpiler's module object, so V8 does not inline the call. A
 * const read once at load is inlined, and the definition still lives in one place.
 */
const reluOf = coreReluOf;
const reluGradOf = coreReluGradOf;

/** Whether x is packed [I, B, n] and r packed [I, 1, n] of the same dtype: the fused loops' layout. */
function fusable(x: Tensor, r: Tensor): boolean {
  return x.rank === 3 && r.rank === 3 && x.isContiguous && r.isContiguous && x.dtype === r.dtype &&
    r.shape[0] === x.shape[0] && r.shape[1] === 1 && r.shape[2] === x.shape[2];
}

/**
 * out = ReLU(z + b) over [instances, run] where b repeats every `features` entries. The loops
 * live in plain functions taking arrays and numbers, so V8 keeps them in registers; read through
 * a closure's captured variables they were about 2× slower.
 */
function reluOfSumLoop(
  Z: TypedArray, zo: number, B: TypedArray, bo: number, out: TypedArray,
  instances: number, run: number, features: number,
): void {
  // One flat loop per instance, with the feature index i wrapping around: a row of 5 features
  // is too short for a loop of its own to pay for its overhead.
  for (let k = 0; k < instances; k++) {
    const bias = bo + k * features;
    const start = k * run;
    for (let j = 0, i = 0; j < run; j++) {
      out[start + j] = reluOf(Z[zo + start + j] + B[bias + i]);
      if (++i === features) i = 0;
    }
  }
}

/**
 * Whether the fused losses' loops fit: x and target packed [I, B, n] of one dtype, weights packed
 * [I, 1, n], and target and weights constants (the loops send a gradient to x only).
 */
function fusableLoss(x: Tensor, target: Tensor, weights: Tensor): boolean {
  const isConstant = (t: Tensor): boolean => !(t instanceof Variable && t.requiresGrad);
  return fusable(x, weights) && isConstant(target) && isConstant(weights) && target.isContiguous &&
    target.dtype === x.dtype && target.rank === 3 && target.shape.every((dim, axis) => dim === x.shape[axis]);
}

/** ReLU(z + b), with b [I, 1, n] broadcast over the batch of z [I, B, n]. See the module notes. */
export function reluOfSum(z: Tensor, b: Tensor): Variable {
  if (!fusable(z, b)) return relu(add(z, b));
  const [instances, batch, features] = z.shape;
  let y: Tensor;
  return record('reluOfSum', [z, b], () => {
    const out = allocate(z.dtype, z.size);
    reluOfSumLoop(z.data, z.offset, b.data, b.offset, out, instances, batch * features, features);
    return (y = new Tensor(out, z.shape.slice()));
  }, (dy, needs) => {
    // relu's own backward: for y = ReLU(v), [y > 0] is [v > 0]. The engine sums b's share.
    const dz = reluBackward(dy, y);
    return [dz, needs[1] ? dz : null];
  });
}

/**
 * Each instance's importance-weighted squared error, [I]: mean over batch and features of
 * w ⊙ (t − p)². The fused loop treats `t` and `w` as constants (when either requires grad, the
 * composition runs instead). See the module notes.
 */
export function weightedSquaredError(prediction: Tensor, target: Tensor, weights: Tensor): Variable {
  if (!fusableLoss(prediction, target, weights)) {
    return mean(mul(square(sub(target, prediction)), weights), [1, 2]);
  }
  const [instances, batch, features] = prediction.shape;
  const run = batch * features;
  return record('weightedSquaredError', [prediction], () => {
    const out = allocate(prediction.dtype, instances);
    squaredErrorLoop(prediction.data, prediction.offset, target.data, target.offset, weights.data, weights.offset,
      out, instances, run, features);
    return new Tensor(out, [instances]);
  }, (dy) => {
    const dp = allocate(prediction.dtype, prediction.size);
    squaredErrorGradLoop(prediction.data, prediction.offset, target.data, target.offset, weights.data, weights.offset,
      dy.toTypedArray(), dp, instances, run, features);
    return [new Tensor(dp, prediction.shape.slice())];
  });
}

/** outₖ = (1/run) Σⱼ w[j mod features] (t − p)² over instance k's run of entries. */
function squaredErrorLoop(
  P: TypedArray, po: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  out: TypedArray, instances: number, run: number, features: number,
): void {
  for (let k = 0; k < instances; k++) {
    const w = wo + k * features;
    const start = k * run;
    let total = 0;
    for (let j = 0, i = 0; j < run; j++) {
      const error = T[to + start + j] - P[po + start + j];
      total += W[w + i] * error * error;
      if (++i === features) i = 0;
    }
    out[k] = total / run;
  }
}

/** dp = dLₖ · (−2/run) · w (t − p), instance by instance. */
function squaredErrorGradLoop(
  P: TypedArray, po: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  dLoss: TypedArray, dp: TypedArray, instances: number, run: number, features: number,
): void {
  for (let k = 0; k < instances; k++) {
    const w = wo + k * features;
    const start = k * run;
    const factor = (-2 / run) * dLoss[k];
    for (let j = 0, i = 0; j < run; j++) {
      dp[start + j] = factor * W[w + i] * (T[to + start + j] - P[po + start + j]);
      if (++i === features) i = 0;
    }
  }
}

/**
 * The toy model's read-out and loss in one op: each instance's weighted squared error of
 * x′ = ReLU(z + b) against t, without ever storing x′.
 *
 *     Lₖ = (1 / (B·n)) Σ_{s,i} wₖᵢ (tₖₛᵢ − ReLU(zₖₛᵢ + bₖᵢ))²
 *     ∂L/∂zₖₛᵢ = dLₖ · (−2 / (B·n)) · wₖᵢ (tₖₛᵢ − x′ₖₛᵢ) · [zₖₛᵢ + bₖᵢ > 0]
 *     ∂L/∂bₖᵢ  = Σₛ ∂L/∂zₖₛᵢ
 *
 * It is `weightedSquaredError(reluOfSum(z, b), t, w)`, and training uses it because the step is
 * bound by memory traffic: this reads z and t once forward and once backward, and writes only ∂L/∂z
 * (two passes and one array where the pair of ops takes four passes and three arrays). `t` and `w`
 * are constants; other layouts fall back to the pair.
 */
export function reluReadoutLoss(z: Tensor, b: Tensor, target: Tensor, weights: Tensor): Variable {
  if (!fusable(z, b) || !fusableLoss(z, target, weights)) {
    return weightedSquaredError(reluOfSum(z, b), target, weights);
  }
  const simd = z.dtype === 'float32' ? fusedSimdFor(z.size) : null;
  return readoutLossOp('reluReadoutLoss', simd?.relu ?? READOUT_LOOPS, z, b, target, weights);
}

/**
 * Records a read-out loss op run by `kernels` (the JavaScript loops, or their WebAssembly
 * kernels for float32: fused-simd.ts, the same bits).
 */
function readoutLossOp(name: string, kernels: ReadoutKernels, z: Tensor, b: Tensor, target: Tensor, weights: Tensor): Variable {
  const [instances, batch, features] = z.shape;
  const run = batch * features;
  return record(name, [z, b], () => {
    const out = allocate(z.dtype, instances);
    kernels.loss(z.data, z.offset, b.data, b.offset, target.data, target.offset, weights.data, weights.offset,
      out, instances, run, features);
    return new Tensor(out, [instances]);
  }, (dy, needs) => {
    // b's gradient is dz summed over the batch. The loop sums it batch row after row in float64,
    // as the engine's own sum would, and hands b the float64 sum, rounded once when the engine
    // casts it to b's dtype, without a [I, B, n] array for the engine to sum.
    const dz = allocate(z.dtype, z.size);
    const db = needs[1] ? new Float64Array(instances * features) : null;
    kernels.grad(z.data, z.offset, b.data, b.offset, target.data, target.offset, weights.data, weights.offset,
      dy.packedValues(), dz, db, instances, run, features);
    return [new Tensor(dz, z.shape.slice()), db === null ? null : new Tensor(db, [instances, 1, features])];
  });
}

/** Lₖ = (1/run) Σⱼ w (t − ReLU(z + b))². */
function readoutLossLoop(
  Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  out: TypedArray, instances: number, run: number, features: number,
): void {
  for (let k = 0; k < instances; k++) {
    const row = k * features;
    const start = k * run;
    let total = 0;
    for (let j = 0, i = 0; j < run; j++) {
      const error = T[to + start + j] - reluOf(Z[zo + start + j] + B[bo + row + i]);
      total += W[wo + row + i] * error * error;
      if (++i === features) i = 0;
    }
    out[k] = total / run;
  }
}

/**
 * ∂L/∂z = dLₖ · (−2/run) · w (t − ReLU(v)), passed through ReLU's backward at v = z + b; and,
 * when `db` is given ([I·n], zeros), ∂L/∂b = Σ_batch ∂L/∂z in float64, batch rows in order.
 */
function readoutGradLoop(
  Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  dLoss: TypedArray, dz: TypedArray, db: Float64Array | null, instances: number, run: number, features: number,
): void {
  for (let k = 0; k < instances; k++) {
    const row = k * features;
    const start = k * run;
    const factor = (-2 / run) * dLoss[k];
    for (let j = 0, i = 0; j < run; j++) {
      const v = Z[zo + start + j] + B[bo + row + i];
      const grad = reluGradOf(factor * W[wo + row + i] * (T[to + start + j] - reluOf(v)), v);
      dz[start + j] = grad;
      if (db !== null) db[row + i] += grad;
      if (++i === features) i = 0;
    }
  }
}

/** The read-out's JavaScript loops, the reference the WebAssembly kernels equal. */
const READOUT_LOOPS: ReadoutKernels = { loss: readoutLossLoop, grad: readoutGradLoop };

/**
 * The linear toy model's read-out and loss in one op: `weightedSquaredError(add(z, b), t, w)`,
 * bit for bit. The loops round as the two ops store: x′ = z + b to the dtype, each gradient entry
 * to the dtype, and b's gradient is the sum over the batch of those rounded entries, row after
 * row, as the engine's `sum` adds them.
 *
 *     Lₖ = (1 / (B·n)) Σ_{s,i} wₖᵢ (tₖₛᵢ − x′ₖₛᵢ)²           x′ = round(z + b)
 *     ∂L/∂zₖₛᵢ = round(dLₖ · (−2 / (B·n)) · wₖᵢ (tₖₛᵢ − x′ₖₛᵢ))   ∂L/∂bₖᵢ = Σₛ ∂L/∂zₖₛᵢ
 *
 * Other layouts, a batch of one or a single feature (where the engine's sum takes another
 * order or none) take the pair of ops.
 */
export function linearReadoutLoss(z: Tensor, b: Tensor, target: Tensor, weights: Tensor): Variable {
  if (!fusable(z, b) || !fusableLoss(z, target, weights) || z.shape[1] === 1 || z.shape[2] === 1) {
    return weightedSquaredError(add(z, b), target, weights);
  }
  const simd = z.dtype === 'float32' ? fusedSimdFor(z.size) : null;
  return readoutLossOp('linearReadoutLoss', simd?.linear ?? LINEAR_LOOPS, z, b, target, weights);
}

/** Lₖ = (1/run) Σⱼ w (t − x′)², x′ = z + b as the dtype stores it. */
function linearLossLoop(
  Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  out: TypedArray, instances: number, run: number, features: number,
): void {
  const single = Z instanceof Float32Array;
  for (let k = 0; k < instances; k++) {
    const row = k * features;
    const start = k * run;
    let total = 0;
    for (let j = 0, i = 0; j < run; j++) {
      const sum = Z[zo + start + j] + B[bo + row + i];
      const error = T[to + start + j] - (single ? Math.fround(sum) : sum);
      total += W[wo + row + i] * error * error;
      if (++i === features) i = 0;
    }
    out[k] = total / run;
  }
}

/** dz = dLₖ · (−2/run) · w (t − x′), stored (rounded); db += the stored dz, batch rows in order. */
function linearGradLoop(
  Z: TypedArray, zo: number, B: TypedArray, bo: number, T: TypedArray, to: number, W: TypedArray, wo: number,
  dLoss: TypedArray, dz: TypedArray, db: Float64Array | null, instances: number, run: number, features: number,
): void {
  const single = Z instanceof Float32Array;
  for (let k = 0; k < instances; k++) {
    const row = k * features;
    const start = k * run;
    const factor = (-2 / run) * dLoss[k];
    for (let j = 0, i = 0; j < run; j++) {
      const sum = Z[zo + start + j] + B[bo + row + i];
      dz[start + j] = factor * W[wo + row + i] * (T[to + start + j] - (single ? Math.fround(sum) : sum));
      if (db !== null) db[row + i] += dz[start + j];
      if (++i === features) i = 0;
    }
  }
}

/** The linear read-out's JavaScript loops, the reference the WebAssembly kernels equal. */
const LINEAR_LOOPS: ReadoutKernels = { loss: linearLossLoop, grad: linearGradLoop };

/**
 * ReLU((z − c) + b) over [I, B, n], with c and b [I, 1, n] broadcast over the batch: the ReLU
 * SAE's encoder, relu(add(sub(x W_enc, b_dec W_enc), b_enc)), in one pass instead of three.
 *
 * Bit for bit the composition: each partial result is rounded to the dtype as the separate ops
 * round it (`Math.fround` for float32), and the backward sends b the core's `sum` over the batch
 * of ∂L/∂z (what the engine's unbroadcast computes) and c its negation (which rounds the same as
 * summing −∂L/∂z). That saves the composition's negation pass and second sum over [I, B, n].
 * Other layouts fall back to the composition.
 */
export function reluOfShiftedSum(z: Tensor, c: Tensor, b: Tensor): Variable {
  if (!fusable(z, c) || !fusable(z, b)) return relu(add(sub(z, c), b));
  const [instances, batch, features] = z.shape;
  // float32 runs in WebAssembly where the kernel backend allows (fused-simd.ts), with the same bits.
  const simd = z.dtype === 'float32' ? fusedSimdFor(z.size) : null;
  let y: Tensor;
  return record('reluOfShiftedSum', [z, c, b], () => {
    const out = allocate(z.dtype, z.size);
    if (simd !== null) {
      simd.shiftedRelu(z.data as Float32Array, z.offset, c.data as Float32Array, c.offset, b.data as Float32Array, b.offset,
        out as Float32Array, instances, batch * features, features);
    } else {
      reluOfShiftedSumLoop(z.data, z.offset, c.data, c.offset, b.data, b.offset, out, instances, batch * features,
        features, z.dtype === 'float32');
    }
    return (y = new Tensor(out, z.shape.slice()));
  }, (dy, needs) => {
    if (simd !== null && dy.dtype === 'float32') {
      // reluBackward and the batch sum below in one pass, the sum in float64 as `sum` adds.
      const dz = new Float32Array(z.size);
      const sums = new Float64Array(instances * features);
      simd.shiftedReluBackward(dy.packedValues() as Float32Array, y.data as Float32Array, dz, sums,
        instances, batch, features);
      const db = new Tensor(Float32Array.from(sums), [instances, 1, features]);
      return [new Tensor(dz, z.shape.slice()), needs[1] ? neg(db) : null, needs[2] ? db : null];
    }
    const dz = reluBackward(dy, y);
    if (!needs[1] && !needs[2]) return [dz, null, null];
    const db = reshape(sum(dz, [1]), [instances, 1, features]);
    return [dz, needs[1] ? neg(db) : null, needs[2] ? db : null];
  });
}

/** out = ReLU(round(round(z − c) + b)), rounding to float32 when `single`, as the separate ops store. */
function reluOfShiftedSumLoop(
  Z: TypedArray, zo: number, C: TypedArray, co: number, B: TypedArray, bo: number, out: TypedArray,
  instances: number, run: number, features: number, single: boolean,
): void {
  for (let k = 0; k < instances; k++) {
    const row = k * features;
    const start = k * run;
    for (let j = 0, i = 0; j < run; j++) {
      const shifted = Z[zo + start + j] - C[co + row + i];
      const v = single ? Math.fround(shifted) + B[bo + row + i] : shifted + B[bo + row + i];
      out[start + j] = reluOf(v);
      if (++i === features) i = 0;
    }
  }
}
