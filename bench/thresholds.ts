/**
 * Where each WebAssembly kernel other than the matmul starts to pay: every kernel timed on its
 * JavaScript loop and in WebAssembly (`setMatmulBackend('js' | 'wasm')`, which governs them all),
 * alternating, best of several batches each, at sizes from 16 to 262,144 entries. The `'auto'`
 * thresholds in the kernels' files quote these figures.
 *
 *     npx tsx bench/thresholds.ts              every kernel
 *     npx tsx bench/thresholds.ts add,adam     chosen kernels
 *
 * A kernel's call copies its inputs into its memory and its results out, so below some size the
 * copies and the call cost more than the loop saves. Each line prints both times and the ratio;
 * the last says from which size WebAssembly was faster at that size and every larger one.
 *
 * @module
 */
import * as sp from '../src/index.js';
import { reluOfShiftedSum, reluReadoutLoss } from '../src/models/fused.js';
import { FUSED_SIMD_MIN_ENTRIES } from '../src/models/fused-simd.js';
import { FEATURES_WASM_MIN_ENTRIES } from '../src/models/features-wasm.js';
import { DECODER_WASM_MIN_ENTRIES } from '../src/models/decoder-wasm.js';
import { ADAM_SIMD_MIN_ENTRIES } from '../src/optim/adam-simd.js';
import { STREAMS_MIN_ENTRIES } from '../src/tensor/wasm/streams.js';
import { THIN_MIN_WORK, ThinProducts } from '../src/tensor/wasm/thin.js';

const SIZES = [16, 64, 256, 1024, 4096, 16384, 65536, 262144];
/** Features per row wherever a kernel needs a row length (the toy model's n, an SAE's d). */
const ROW = 16;

function seeded(shape: number[], seed: number): sp.Tensor {
  const values = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(seed + 0.37 * i));
  return sp.tensor(values, shape);
}

/** A kernel to time: its current `'auto'` threshold, and a set-up returning the timed call. */
interface KernelCase {
  threshold: number;
  setUp(entries: number): () => void;
}

const CASES: Record<string, KernelCase> = {
  add: {
    threshold: STREAMS_MIN_ENTRIES,
    setUp: (n) => {
      const [a, b] = [seeded([n], 1), seeded([n], 2)];
      return () => void sp.kernels.add(a, b);
    },
  },
  relu: {
    threshold: STREAMS_MIN_ENTRIES,
    setUp: (n) => {
      const a = seeded([n], 1);
      return () => void sp.kernels.relu(a);
    },
  },
  readout: {
    // The toy model's fused read-out loss, forward and backward, on [1, n/ROW, ROW].
    threshold: FUSED_SIMD_MIN_ENTRIES,
    setUp: (n) => {
      const shape = [1, n / ROW, ROW];
      const z = sp.parameter(seeded(shape, 1));
      const b = sp.parameter(seeded([1, 1, ROW], 2));
      const [target, weights] = [seeded(shape, 3), seeded([1, 1, ROW], 4)];
      return () => {
        z.grad = null;
        b.grad = null;
        sp.sum(reluReadoutLoss(z, b, target, weights)).backward();
      };
    },
  },
  encoder: {
    // The SAE's fused encoder ReLU((z − c) + b), forward and backward, on [1, n/ROW, ROW].
    threshold: FUSED_SIMD_MIN_ENTRIES,
    setUp: (n) => {
      const z = sp.parameter(seeded([1, n / ROW, ROW], 1));
      const c = sp.parameter(seeded([1, 1, ROW], 2));
      const b = sp.parameter(seeded([1, 1, ROW], 3));
      return () => {
        for (const p of [z, c, b]) p.grad = null;
        sp.sum(reluOfShiftedSum(z, c, b)).backward();
      };
    },
  },
  features: {
    // One dense block of sparse features (density 0.5), drawn and masked.
    threshold: FEATURES_WASM_MIN_ENTRIES,
    setUp: (n) => {
      const rng = new sp.Rng(0);
      const out = sp.zeros([1, n / ROW, ROW]);
      return () => void sp.generateFeatures({ instances: 1, batch: n / ROW, features: ROW, density: [0.5], rng, out });
    },
  },
  adam: {
    threshold: ADAM_SIMD_MIN_ENTRIES,
    setUp: (n) => {
      const w = sp.parameter(seeded([n], 1));
      sp.sum(sp.mul(w, seeded([n], 2))).backward();
      const optimizer = new sp.Adam({ params: [w], lr: 1e-4 });
      return () => optimizer.step();
    },
  },
  decoder: {
    // The SAE decoder's gradient projection and row normalisation, W_dec [n/ROW, ROW].
    threshold: DECODER_WASM_MIN_ENTRIES,
    setUp: (n) => {
      const sae = new sp.SparseAutoencoder({ architecture: 'relu', inputDim: ROW, latents: n / ROW });
      sae.W_dec.grad = seeded([n / ROW, ROW], 1);
      return () => {
        sae.projectDecoderGradient();
        sae.normalizeDecoder();
      };
    },
  },
  thin: {
    // A batch of 8×2 @ 2×1 products, `entries` multiply-adds in all. Under 'wasm' matmul would
    // hand each product to the tiled kernel, so this times the batch kernel's driver itself
    // against matmul's strips (what 'auto' chooses between).
    threshold: THIN_MIN_WORK,
    setUp: (n) => {
      const count = n / 16;
      const [a, b] = [seeded([count, 8, 2], 1), seeded([count, 2, 1], 2)];
      const kernel = new ThinProducts();
      const [aData, bData] = [a.toTypedArray() as Float32Array, b.toTypedArray() as Float32Array];
      const aStarts = Int32Array.from({ length: count }, (_, p) => 16 * p);
      const bStarts = Int32Array.from({ length: count }, (_, p) => 2 * p);
      const out = new Float32Array(count * 8);
      return () => {
        if (sp.matmulBackend() === 'wasm') kernel.multiplyMany(8, 2, 1, aData, aStarts, 2, 1, bData, bStarts, 1, 1, out);
        else sp.kernels.matmul(a, b);
      };
    },
  },
};

function timeCalls(run: () => void, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) run();
  return (performance.now() - start) / calls;
}

const chosen = process.argv[2]?.split(',') ?? Object.keys(CASES);
for (const name of chosen) {
  if (!(name in CASES)) {
    process.stderr.write(`thresholds: no kernel named ${name}; the kernels are ${Object.keys(CASES).join(', ')}\n`);
    process.exit(2);
  }
}

for (const name of chosen) {
  const { threshold, setUp } = CASES[name];
  const wins: boolean[] = [];
  for (const entries of SIZES) {
    const run = setUp(entries);
    const best = { js: Infinity, wasm: Infinity };
    for (let round = 0; round < 3; round++) {
      for (const backend of ['js', 'wasm'] as const) {
        sp.setMatmulBackend(backend);
        let calls = 0;
        const warm = performance.now();
        while (performance.now() - warm < 15) { run(); calls++; }
        for (let trial = 0; trial < 3; trial++) best[backend] = Math.min(best[backend], timeCalls(run, calls));
      }
    }
    wins.push(best.wasm < best.js);
    process.stdout.write(
      `${name} ${String(entries).padStart(6)} entries: js ${(best.js * 1000).toFixed(1)} µs, wasm ${(best.wasm * 1000).toFixed(1)} µs, ` +
      `js ÷ wasm ${(best.js / best.wasm).toFixed(2)}\n`,
    );
  }
  const from = wins.findIndex((_, i) => wins.slice(i).every(Boolean));
  process.stdout.write(
    `${name}: WebAssembly faster from ${from < 0 ? 'no size measured' : `${SIZES[from]} entries`} on; 'auto' threshold now ${threshold}\n\n`,
  );
}
sp.setMatmulBackend('auto');
