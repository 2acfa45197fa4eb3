/**
 * What the benchmarks measure: one small record per case, the same work written once for this
 * engine and once for TensorFlow.js.
 *
 * A case names its input shapes; the harness fills each input with the same seeded values in
 * [−1, 1) for both engines, then calls the case's two set-up functions. Each set-up function
 * receives the ready-made inputs and returns the timed function, so nothing but the op itself
 * runs inside the timing loop:
 *
 *     ours: ([a, b]) => () => sp.kernels.add(a, b)   // returns a computed Tensor
 *     tfjs: (tf, [a, b]) => () => tf.add(a, b)       // the harness calls dataSync() and dispose()
 *
 * The harness forces every tfjs result (`dataSync()`, then `dispose()`), because our ops return
 * arrays that are already computed: both sides then do the whole of the work.
 *
 * `flops` counts floating-point operations per call (matmul: 2·M·K·N, a multiply and an add per
 * term), for the GFLOP/s column.
 *
 * @module
 */
import * as sp from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { TF } from './tfjs.js';

/** A tfjs tensor. */
export type TfTensor = ReturnType<TF['tensor']>;

/**
 * The groups, in the order they run; `--filter` takes one of these. The first four time the raw
 * kernels (`sp.kernels`, no gradient tracking); `autograd` times whole training steps and the
 * graph's own cost per op.
 */
export const GROUPS = ['elementwise', 'matmul', 'reduce', 'movement', 'autograd'] as const;
/** One of {@link GROUPS}. */
export type Group = (typeof GROUPS)[number];

/** One benchmark: the same op on the same inputs, in this engine and in tfjs. */
export interface BenchCase {
  group: Group;
  name: string;
  /** The shape of each input; both engines get identical values. */
  inputs: readonly (readonly number[])[];
  /** Floating-point operations per call, when that is a meaningful figure (matmul). */
  flops?: number;
  /** Set-up, untimed: given this engine's inputs, returns the timed function. */
  ours: (inputs: Tensor[]) => () => Tensor;
  /** Set-up, untimed, on the active tfjs backend: returns the timed function. */
  tfjs: (tf: TF, inputs: TfTensor[]) => () => TfTensor;
}

/** Floating-point operations of a (batched) matmul: 2·M·K·N per matrix. */
function matmulFlops(M: number, K: number, N: number, batch = 1): number {
  return 2 * batch * M * K * N;
}

function elementwiseCases(): BenchCase[] {
  return [
    {
      group: 'elementwise',
      name: 'add [4] + [4]',
      inputs: [[4], [4]],
      ours: ([a, b]) => () => sp.kernels.add(a, b),
      tfjs: (tf, [a, b]) => () => tf.add(a, b),
    },
    {
      group: 'elementwise',
      name: 'relu [1024,5]',
      inputs: [[1024, 5]],
      ours: ([x]) => () => sp.kernels.relu(x),
      tfjs: (tf, [x]) => () => tf.relu(x),
    },
    {
      group: 'elementwise',
      name: 'add [8,1024,100] + [100] (broadcast)',
      inputs: [[8, 1024, 100], [100]],
      ours: ([a, b]) => () => sp.kernels.add(a, b),
      tfjs: (tf, [a, b]) => () => tf.add(a, b),
    },
    {
      group: 'elementwise',
      name: 'mul [1024,1024] * [1024,1024]',
      inputs: [[1024, 1024], [1024, 1024]],
      ours: ([a, b]) => () => sp.kernels.mul(a, b),
      tfjs: (tf, [a, b]) => () => tf.mul(a, b),
    },
  ];
}

function matmulCases(quick: boolean): BenchCase[] {
  const cases: BenchCase[] = [];
  const sizes = quick ? [128, 256, 512] : [128, 256, 512, 1024];
  const variants = [
    { label: 'A·B', transposeA: false, transposeB: false },
    { label: 'Aᵀ·B', transposeA: true, transposeB: false },
    { label: 'A·Bᵀ', transposeA: false, transposeB: true },
  ];
  for (const n of sizes) {
    for (const { label, transposeA, transposeB } of variants) {
      // Square matrices, so the stored shapes are the same whichever operand is transposed.
      cases.push({
        group: 'matmul',
        name: `${label} ${n}×${n}`,
        inputs: [[n, n], [n, n]],
        flops: matmulFlops(n, n, n),
        ours: ([a, b]) => () => sp.kernels.matmul(a, b, { transposeA, transposeB }),
        tfjs: (tf, [a, b]) => () => tf.matMul(a, b, transposeA, transposeB),
      });
    }
  }
  // The toy model's shapes: 8 instances, a batch of 1024, 5 features squeezed into 2 dims.
  cases.push({
    group: 'matmul',
    name: 'batched [8,1024,5] @ [8,5,2]',
    inputs: [[8, 1024, 5], [8, 5, 2]],
    flops: matmulFlops(1024, 5, 2, 8),
    ours: ([a, b]) => () => sp.kernels.matmul(a, b),
    tfjs: (tf, [a, b]) => () => tf.matMul(a, b),
  });
  return cases;
}

function reduceCases(): BenchCase[] {
  return [
    {
      group: 'reduce',
      name: 'sum axis 0 of [1024,100]',
      inputs: [[1024, 100]],
      ours: ([x]) => () => sp.kernels.sum(x, 0),
      tfjs: (tf, [x]) => () => tf.sum(x, 0),
    },
    {
      group: 'reduce',
      name: 'sum axis -1 of [1024,100]',
      inputs: [[1024, 100]],
      ours: ([x]) => () => sp.kernels.sum(x, -1),
      tfjs: (tf, [x]) => () => tf.sum(x, -1),
    },
    {
      group: 'reduce',
      name: 'sum all of [1024,1024]',
      inputs: [[1024, 1024]],
      ours: ([x]) => () => sp.kernels.sum(x),
      tfjs: (tf, [x]) => () => tf.sum(x),
    },
  ];
}

function movementCases(): BenchCase[] {
  return [
    {
      group: 'movement',
      name: 'transpose+contiguous [512,512]',
      inputs: [[512, 512]],
      ours: ([x]) => () => sp.kernels.contiguous(sp.kernels.transpose(x)),
      tfjs: (tf, [x]) => () => tf.transpose(x),
    },
    {
      group: 'movement',
      name: 'concat 2×[1024,100] axis 0',
      inputs: [[1024, 100], [1024, 100]],
      ours: ([a, b]) => () => sp.kernels.concat([a, b], 0),
      tfjs: (tf, [a, b]) => () => tf.concat([a, b], 0),
    },
  ];
}

/** Every case of the chosen groups; `quick` drops the largest sizes. */
export function buildCases(groups: readonly Group[], quick: boolean): BenchCase[] {
  const all = [...elementwiseCases(), ...matmulCases(quick), ...reduceCases(), ...movementCases()];
  return all.filter((c) => groups.includes(c.group));
}
