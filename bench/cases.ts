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
 * graph's own cost per op; `tms` times one training step of the toy model of superposition; `sae`
 * one training step of a ReLU sparse autoencoder.
 */
export const GROUPS = ['elementwise', 'matmul', 'reduce', 'movement', 'autograd', 'tms', 'sae'] as const;
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
  /**
   * False when the engines' outputs cannot agree, e.g. a training step that draws its own random
   * data with each engine's generator. Default true: the harness checks the first outputs match.
   */
  compareOutputs?: boolean;
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
    { label: 'Aᵀ·Bᵀ', transposeA: true, transposeB: true },
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

/**
 * Training. One step of a two-layer MLP, 64 → 256 → 64 on a batch of 256: forward, backward, and
 * an Adam update, written the way each library is normally used (tfjs: variables and
 * `optimizer.minimize`). Inputs: x, target, W₁, b₁, W₂, b₂. Both sides return the step's loss,
 * so the harness can check they computed the same thing on the first call.
 *
 * Graph overhead. A chain of `length` adds of one-element tensors, then backward to the start:
 * the kernel is trivial, so the time is what recording an op and walking it back costs. Divide
 * by `length` for the cost per op. tfjs does the same with `variableGrads`.
 */
function autogradCases(): BenchCase[] {
  const mlp: BenchCase = {
    group: 'autograd',
    name: 'MLP 64→256→64, batch 256: forward + backward + Adam',
    inputs: [[256, 64], [256, 64], [64, 256], [256], [256, 64], [64]],
    flops: 3 * (matmulFlops(256, 64, 256) + matmulFlops(256, 256, 64)),
    ours: ([x, target, w1, b1, w2, b2]) => {
      const params = [w1, b1, w2, b2].map((value) => sp.parameter(value));
      const [W1, B1, W2, B2] = params;
      const optimizer = new sp.Adam({ params, lr: 1e-3 });
      return () => {
        optimizer.zeroGrad();
        const hidden = sp.relu(sp.add(sp.matmul(x, W1), B1));
        const loss = sp.mean(sp.square(sp.sub(sp.add(sp.matmul(hidden, W2), B2), target)));
        loss.backward();
        optimizer.step();
        return loss;
      };
    },
    tfjs: (tf, [x, target, w1, b1, w2, b2]) => {
      const [W1, B1, W2, B2] = [w1, b1, w2, b2].map((value) => tf.variable(value));
      const optimizer = tf.train.adam(1e-3);
      const lossOf = () => {
        const hidden = tf.relu(tf.add(tf.matMul(x, W1), B1));
        return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(hidden, W2), B2), target))) as ReturnType<TF['scalar']>;
      };
      return () => optimizer.minimize(lossOf, true) as TfTensor;
    },
  };
  const chain = (length: number): BenchCase => ({
    group: 'autograd',
    name: `graph overhead: ${length} scalar add${length > 1 ? 's' : ''}, record + backward`,
    inputs: [[1], [1]],
    ours: ([start, step]) => {
      const w = sp.parameter(start);
      return () => {
        w.zeroGrad();
        let y: sp.Variable = w;
        for (let i = 0; i < length; i++) y = sp.add(y, step);
        y.backward();
        return w.grad as Tensor;
      };
    },
    tfjs: (tf, [start, step]) => {
      const w = tf.variable(start);
      return () => {
        const { value, grads } = tf.variableGrads(() => {
          let y = w as TfTensor;
          for (let i = 0; i < length; i++) y = tf.add(y, step);
          return tf.sum(y) as ReturnType<TF['scalar']>;
        }, [w]);
        value.dispose();
        return grads[w.name];
      };
    },
  });
  return [mlp, chain(1), chain(100)];
}

/**
 * One training step of the toy model of superposition, as the lesson runs it: draw a batch of
 * sparse features (density spread log-evenly from 1 to 0.02 over the instances), forward, backward,
 * AdamW. tfjs has no AdamW, so its step is Adam followed by the decoupled decay θ ← θ(1 − ηλ),
 * which is AdamW's update up to the order of the two parts. Each engine draws its data with its
 * own generator, so the losses are not compared.
 */
function tmsCases(): BenchCase[] {
  const configs = [
    { instances: 8, features: 5, hidden: 2, batch: 1024 },
    { instances: 8, features: 100, hidden: 20, batch: 1024 },
  ];
  const lr = 1e-3;
  const weightDecay = 1e-2;
  return configs.map(({ instances, features, hidden, batch }) => ({
    group: 'tms' as const,
    name: `toy model step: ${instances} instances, n=${features}, m=${hidden}, batch ${batch}`,
    inputs: [[instances, hidden, features]],
    compareOutputs: false,
    ours: () => {
      const model = new sp.ToyModel({ instances, features, hidden, seed: 0 });
      const trainer = new sp.ToyModelTrainer(model, {
        density: sp.logSpacedDensities(1, 0.02, instances), importance: 0.9, batch, lr, weightDecay,
      });
      return () => trainer.step();
    },
    tfjs: (tf, [initialW]) => {
      const density = tf.tensor(sp.logSpacedDensities(1, 0.02, instances), [instances, 1, 1]);
      const importance = tf.tensor(Array.from({ length: features }, (_, i) => 0.9 ** i), [1, 1, features]);
      const W = tf.variable(tf.mul(initialW, 0.5));
      const b = tf.variable(tf.zeros([instances, 1, features]));
      const optimizer = tf.train.adam(lr);
      return () => {
        const x = tf.tidy(() => tf.mul(
          tf.randomUniform([instances, batch, features]),
          tf.cast(tf.less(tf.randomUniform([instances, batch, features]), density), 'float32'),
        ));
        const loss = optimizer.minimize(() => {
          const h = tf.matMul(x, W, false, true);
          const out = tf.relu(tf.add(tf.matMul(h, W), b));
          return tf.sum(tf.mean(tf.mul(importance, tf.square(tf.sub(x, out))), [1, 2])) as ReturnType<TF['scalar']>;
        }, true) as TfTensor;
        tf.tidy(() => {
          W.assign(tf.mul(W, 1 - lr * weightDecay));
          b.assign(tf.mul(b, 1 - lr * weightDecay));
        });
        x.dispose();
        return loss;
      };
    },
  }));
}

/**
 * One training step of a standard (ReLU) SAE: x̄ = x − b_dec, f = ReLU(x̄ W_enc + b_enc),
 * x̂ = f W_dec + b_dec, loss = mean ‖x − x̂‖² + λ mean Σ f, backward, Adam. Ours also projects the
 * decoder gradient and renormalises the decoder rows, as training does; the tfjs step does not
 * (extra work on our side only). Inputs: x, W_enc, W_dec (the same seeded values for both).
 */
function saeCases(quick: boolean): BenchCase[] {
  const configs = quick ? [{ d: 64, latents: 512, batch: 1024 }] : [{ d: 64, latents: 512, batch: 1024 }, { d: 512, latents: 4096, batch: 256 }];
  const l1 = 1e-3;
  return configs.map(({ d, latents, batch }) => ({
    group: 'sae' as const,
    name: `ReLU SAE step: ${d} → ${latents}, batch ${batch}`,
    inputs: [[batch, d], [d, latents], [latents, d]],
    ours: ([x, wEnc, wDec]) => {
      const sae = new sp.SparseAutoencoder({ architecture: 'relu', inputDim: d, latents });
      sae.W_enc.data.set(wEnc.toTypedArray());
      sae.W_dec.data.set(wDec.toTypedArray());
      const batchX = sp.kernels.reshape(x, [1, batch, d]);
      const optimizer = new sp.Adam({ params: sae.parameters(), lr: 1e-4 });
      return () => {
        optimizer.zeroGrad();
        const { total } = sae.loss(batchX, { l1 });
        total.backward();
        sae.projectDecoderGradient();
        optimizer.step();
        sae.normalizeDecoder();
        return total;
      };
    },
    tfjs: (tf, [x, wEnc, wDec]) => {
      const W_enc = tf.variable(wEnc);
      const W_dec = tf.variable(wDec);
      const b_enc = tf.variable(tf.zeros([latents]));
      const b_dec = tf.variable(tf.zeros([d]));
      const optimizer = tf.train.adam(1e-4);
      return () => optimizer.minimize(() => {
        const f = tf.relu(tf.add(tf.matMul(tf.sub(x, b_dec), W_enc), b_enc));
        const reconstruction = tf.add(tf.matMul(f, W_dec), b_dec);
        const mse = tf.mean(tf.sum(tf.square(tf.sub(x, reconstruction)), -1));
        return tf.add(mse, tf.mul(tf.mean(tf.sum(f, -1)), l1)) as ReturnType<TF['scalar']>;
      }, true) as TfTensor;
    },
  }));
}

/** Every case of the chosen groups; `quick` drops the largest sizes. */
export function buildCases(groups: readonly Group[], quick: boolean): BenchCase[] {
  const all = [...elementwiseCases(), ...matmulCases(quick), ...reduceCases(), ...movementCases(), ...autogradCases(), ...tmsCases(), ...saeCases(quick)];
  return all.filter((c) => groups.includes(c.group));
}
