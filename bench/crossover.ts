/**
 * Where the WebAssembly matmul starts to pay: each product timed on the JS kernels and on the
 * WebAssembly kernel (`setMatmulBackend('js' | 'wasm')`), alternating, best of 9 batches each.
 * The `'auto'` rule in src/tensor/matmul.ts (`useWasm`) quotes these figures.
 *
 *     npx tsx bench/crossover.ts
 *
 * @module
 */
import { type Tensor, kernels, setMatmulBackend, tensor } from '../src/index.js';

/** [A's shape, B's shape, transposeA, transposeB]. */
type Case = [number[], number[], boolean, boolean];

const CASES: Case[] = [
  [[8, 4], [4, 4], false, false], [[4, 4], [4, 4], false, false], [[8, 8], [8, 8], false, false],
  [[16, 4], [4, 16], false, false], [[16, 16], [16, 16], false, false], [[64, 3], [3, 64], false, false],
  // The toy model's products (n = 5, m = 2 and n = 100, m = 20; one instance of the batch).
  [[1024, 5], [5, 2], false, false], [[1024, 5], [2, 5], false, true], [[1024, 2], [2, 5], false, false], [[1024, 2], [1024, 5], true, false],
  [[1024, 5], [5, 1], false, false], [[1024, 100], [100, 2], false, false],
  [[1024, 100], [20, 100], false, true], [[1024, 20], [20, 100], false, false], [[1024, 20], [1024, 100], true, false],
  // Few rows.
  [[1, 512], [512, 512], false, false], [[512, 1], [512, 512], true, false], [[2, 512], [512, 512], false, false],
  [[4, 512], [512, 512], false, false],
];

function seeded(shape: number[]): Tensor {
  const values = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(1.3 * i));
  return tensor(values, shape);
}

function bestMs(run: () => void, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) run();
  return (performance.now() - start) / calls;
}

for (const [aShape, bShape, transposeA, transposeB] of CASES) {
  const a = seeded(aShape);
  const b = seeded(bShape);
  const run = () => void kernels.matmul(a, b, { transposeA, transposeB });
  const best = { js: Infinity, wasm: Infinity };
  for (let round = 0; round < 3; round++) {
    for (const backend of ['js', 'wasm'] as const) {
      setMatmulBackend(backend);
      let calls = 0;
      const warm = performance.now();
      while (performance.now() - warm < 20) { run(); calls++; }
      for (let trial = 0; trial < 3; trial++) best[backend] = Math.min(best[backend], bestMs(run, calls));
    }
  }
  const flags = `${transposeA ? 'ᵀ' : ''}@${transposeB ? 'ᵀ' : ''}`;
  process.stdout.write(
    `[${aShape}] ${flags} [${bShape}]: js ${(best.js * 1000).toFixed(1)} µs, wasm ${(best.wasm * 1000).toFixed(1)} µs, ` +
    `wasm ÷ js ${(best.wasm / best.js).toFixed(2)}\n`,
  );
}
setMatmulBackend('auto');
