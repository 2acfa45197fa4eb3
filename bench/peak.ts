/**
 * How close the matmul's micro-kernel runs to this CPU's limit for plain WebAssembly SIMD.
 *
 * Two figures, taken in turn in one process (best of several rounds each, since the machines
 * here drift by up to 2× between seconds):
 *
 * 1. **The ceiling.** A loop of register-only f32x4 multiply-then-add pairs, `acc ← acc + x·y`,
 *    on 8 independent accumulators: no loads, no stores, nothing for the pairs to wait on but
 *    the CPU's floating-point ports. Plain SIMD128 has no fused multiply-add (that is relaxed
 *    SIMD, off by default in Node 20), so each pair is two instructions, a `mulps` and an
 *    `addps`, and the ports that execute them bound the kernel: pairs per second × 8 flops.
 * 2. **The kernel.** The 4×8 micro-kernel that `WasmGemm` runs (`emitGemmModule`'s `gemm`), alone:
 *    on panels already packed in its memory (a 128-row block of A, 512 columns of B, k = 256, the
 *    sizes of one cache block), so no packing, copying or allocation is counted.
 *
 * The ratio says what is left to win inside the kernel: near 1, the kernel issues its multiplies
 * and adds as fast as the ports take them, and only fewer instructions per flop (fused
 * multiply-add, wider vectors) could make the product faster on this CPU.
 *
 *     npx tsx bench/peak.ts            8 rounds
 *     npx tsx bench/peak.ts 20         rounds
 *
 * @module
 */
import { FunctionBuilder, ModuleBuilder } from '../src/tensor/wasm/emitter.js';
import { emitGemmModule, type GemmExports, TILE_COLUMNS, TILE_ROWS } from '../src/tensor/wasm/gemm.js';

const rounds = Number(process.argv[2] ?? 8);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`peak: rounds must be a whole number ≥ 1, got ${process.argv[2]}\n`);
  process.exit(2);
}

/** Independent sums in the ceiling loop: enough that no pair waits for the previous one's result. */
const CHAINS = 8;

/** `run(iterations) → f32`: CHAINS multiply-add pairs per iteration, on registers only. */
function ceilingModule(): { run(iterations: number): number } {
  const fn = new FunctionBuilder(['i32'], ['f32']);
  const iterations = fn.param(0, 'i32');
  const i = fn.local('i32');
  const x = fn.local('v128');
  const y = fn.local('v128');
  const sums = Array.from({ length: CHAINS }, () => fn.local('v128'));
  // Factors near 1, so the sums neither overflow nor go subnormal (subnormals are slow paths).
  fn.f32Const(1.0000001).f32x4Splat().localSet(x);
  fn.f32Const(0.9999999).f32x4Splat().localSet(y);
  fn.forRange(i, 0, iterations, 1, () => {
    for (const sum of sums) fn.localGet(sum).localGet(x).localGet(y).f32x4Mul().f32x4Add().localSet(sum);
  });
  // Returned, so the engine cannot drop the loop as dead code.
  fn.localGet(sums[0]);
  for (const sum of sums.slice(1)) fn.localGet(sum).f32x4Add();
  fn.f32x4ExtractLane(0);
  const module = new ModuleBuilder();
  module.addFunction('run', fn);
  module.addMemory(1);
  return new WebAssembly.Instance(new WebAssembly.Module(module.bytes()), {}).exports as unknown as { run(iterations: number): number };
}

/** One cache block of the product: MC rows of A, NC columns of B, KC steps of k. */
const MC = 128;
const NC = 512;
const KC = 256;

function kernelModule(): { kernel: GemmExports; call(): void; flops: number } {
  const kernel = new WebAssembly.Instance(new WebAssembly.Module(emitGemmModule(TILE_ROWS)), {}).exports as unknown as GemmExports;
  const aBytes = 4 * MC * KC;
  const bBytes = 4 * KC * NC;
  const cBytes = 4 * MC * NC;
  const pages = Math.ceil((aBytes + bBytes + cBytes) / 65536);
  kernel.memory.grow(Math.max(0, pages - kernel.memory.buffer.byteLength / 65536));
  const floats = new Float32Array(kernel.memory.buffer);
  for (let i = 0; i < (aBytes + bBytes) / 4; i++) floats[i] = Math.sin(0.37 * i);
  const call = () => kernel.gemm(0, aBytes, aBytes + bBytes, MC / TILE_ROWS, NC / TILE_COLUMNS, KC,
    4 * KC * TILE_ROWS, 4 * KC * TILE_COLUMNS, 4 * NC, 0);
  return { kernel, call, flops: 2 * MC * NC * KC };
}

/** Best GFLOP/s over three timings of `work` repeated `calls` times. */
function best(work: () => void, calls: number, flopsPerCall: number): number {
  let fastest = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (let call = 0; call < calls; call++) work();
    fastest = Math.min(fastest, (performance.now() - start) / calls);
  }
  return flopsPerCall / fastest / 1e6;
}

const ceiling = ceilingModule();
const ITERATIONS = 2_000_000;
const ceilingFlops = ITERATIONS * CHAINS * 4 * 2;
const block = kernelModule();
// Warm both up, so the engine's optimizing compiler has run on them before any timing.
ceiling.run(1000);
for (let i = 0; i < 3; i++) block.call();

let peak = 0;
let kernelBest = 0;
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const c = best(() => ceiling.run(ITERATIONS), 1, ceilingFlops);
  const k = best(block.call, 5, block.flops);
  peak = Math.max(peak, c);
  kernelBest = Math.max(kernelBest, k);
  ratios.push(k / c);
  process.stdout.write(`round ${round + 1}: ceiling ${c.toFixed(1)} GFLOP/s · kernel ${k.toFixed(1)} GFLOP/s · ${(100 * k / c).toFixed(0)}%\n`);
}
ratios.sort((p, q) => p - q);
const median = ratios[Math.floor(ratios.length / 2)];
process.stdout.write(
  `\nceiling (f32x4 mul + add pairs, registers only): best ${peak.toFixed(1)} GFLOP/s\n` +
  `${TILE_ROWS}×${TILE_COLUMNS} micro-kernel on resident panels (${MC}×${KC} · ${KC}×${NC}): best ${kernelBest.toFixed(1)} GFLOP/s\n` +
  `kernel ÷ ceiling, same round: median ${(100 * median).toFixed(0)}% (range ${(100 * ratios[0]).toFixed(0)}–${(100 * ratios[ratios.length - 1]).toFixed(0)}%)\n`,
);
