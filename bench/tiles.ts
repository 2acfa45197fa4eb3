/**
 * Tile heights of the WebAssembly micro-kernel, side by side: the same float32 products on
 * kernels of 2, 4 and 6 rows by 8 columns (`new WasmGemm(rows)`), taken in turn in one process,
 * best of 7 batches each, packing and copying included.
 *
 *     npx tsx bench/tiles.ts              rows 2, 4, 6
 *     npx tsx bench/tiles.ts 4,6          chosen heights
 *
 * @module
 */
import { WasmGemm } from '../src/tensor/wasm/gemm.js';

const heights = (process.argv[2] ?? '2,4,6').split(',').map(Number);
const kernels = heights.map((rows) => new WasmGemm(rows));

function seeded(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(1.3 * i));
}

for (const n of [128, 256, 512, 1024]) {
  const a = seeded(n * n);
  const b = seeded(n * n);
  const c = new Float32Array(n * n);
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const [aRow, aCol] = transposeA ? [1, n] : [n, 1];
    const [bRow, bCol] = transposeB ? [1, n] : [n, 1];
    const calls = Math.max(1, Math.round(3e8 / (2 * n * n * n)));
    const line: string[] = [];
    for (const kernel of kernels) {
      let best = Infinity;
      for (let trial = 0; trial < 7; trial++) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) kernel.multiply(n, n, n, a, 0, aRow, aCol, b, 0, bRow, bCol, c, 0);
        best = Math.min(best, (performance.now() - start) / calls);
      }
      line.push(`${kernel.rows}×8 ${((2 * n * n * n) / best / 1e6).toFixed(1)}`);
    }
    process.stdout.write(`${n}² ${transposeA ? 'Aᵀ' : 'A'}·${transposeB ? 'Bᵀ' : 'B'}: ${line.join(' · ')} GFLOP/s\n`);
  }
}
