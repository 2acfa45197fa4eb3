/**
 * Which kernels run: the WebAssembly SIMD ones, the JavaScript ones, or a choice by size. The
 * switch is named for the matmul, its first kernel; it also governs the streaming kernels that
 * followed it (the fused training ops, Adam's update, float32 add/sub/mul/div, the features'
 * draw), each of which gives the same bits as its JavaScript loop.
 *
 * - `'auto'` (the default): float32 products big enough to pay for packing run in WebAssembly
 *   (see `useWasm` in matmul.ts for the measured crossover), and each streaming kernel from 1024
 *   entries (measured with `npx tsx bench/thresholds.ts`); everything else in JavaScript.
 * - `'js'`: the JavaScript kernels and loops only. Results are correct everywhere; this is the
 *   comparison a learner can make, and what runs where WebAssembly SIMD is missing.
 * - `'wasm'`: every float32 product of at least one element in WebAssembly, however small (for
 *   tests of the kernel on tiny and ragged shapes). Float64 stays in JavaScript.
 *
 * Two switches choose it: {@link setMatmulBackend} in code, and the environment variable
 * `SUPERPOSITION_MATMUL=js|wasm|auto`, read once, at the first kernel call, where an environment
 * exists (`globalThis.process?.env`; browsers have none and get `'auto'`). The function wins
 * over the variable.
 *
 * Where WebAssembly SIMD is missing (an old engine) or forbidden (a page whose
 * Content-Security-Policy lacks 'wasm-unsafe-eval', so compiling throws), the probe fails once,
 * quietly, and `'auto'` runs JavaScript; asking for `'wasm'` there is an error that says why.
 *
 * @module
 */
import { fail } from '../errors.js';
import { FunctionBuilder, ModuleBuilder } from './emitter.js';
import { WasmGemm } from './gemm.js';

/** The matmul kernel families {@link setMatmulBackend} chooses between. */
export type MatmulBackend = 'auto' | 'js' | 'wasm';

const BACKENDS: readonly MatmulBackend[] = ['auto', 'js', 'wasm'];
/** The environment variable that sets the backend at start-up. */
export const MATMUL_BACKEND_VARIABLE = 'SUPERPOSITION_MATMUL';

let chosen: MatmulBackend | undefined;
/** The kernel instance, once made; null once the probe has failed. */
let gemm: WasmGemm | null | undefined;
/** Why the probe failed, for the error message of `setMatmulBackend('wasm')`. */
let unavailableReason = '';

/**
 * Chooses the matmul kernels: `'auto'` (WebAssembly where it pays), `'js'` or `'wasm'`. See the
 * module notes. Returns the previous choice, so a caller can put it back.
 *
 * @throws {@link TensorError} for anything else, or for `'wasm'` where WebAssembly SIMD cannot run.
 *
 * @example
 * ```ts
 * const previous = setMatmulBackend('js');   // JavaScript kernels only
 * setMatmulBackend(previous);
 * ```
 */
export function setMatmulBackend(backend: MatmulBackend): MatmulBackend {
  if (!BACKENDS.includes(backend)) {
    fail('setMatmulBackend', `backend must be one of ${BACKENDS.map((b) => `'${b}'`).join(', ')}, got ${String(backend)}`);
  }
  if (backend === 'wasm' && wasmGemm() === null) {
    fail('setMatmulBackend', `WebAssembly SIMD is not available here (${unavailableReason}); use 'js' or 'auto'`);
  }
  const previous = matmulBackend();
  chosen = backend;
  return previous;
}

/**
 * The matmul backend in force: the last {@link setMatmulBackend}, else the
 * `SUPERPOSITION_MATMUL` environment variable, else `'auto'`.
 *
 * @throws {@link TensorError} when the environment variable holds something other than js, wasm or auto.
 */
export function matmulBackend(): MatmulBackend {
  if (chosen === undefined) chosen = backendFromEnvironment();
  return chosen;
}

/** Whether the WebAssembly SIMD kernel can run here (compiles it on first call). */
export function wasmSimdAvailable(): boolean {
  return wasmGemm() !== null;
}

/**
 * The WebAssembly kernel driver, made on first use, or null where WebAssembly SIMD is missing or
 * forbidden. For matmul.ts; not part of the public API.
 *
 * @internal
 */
export function wasmGemm(): WasmGemm | null {
  if (gemm === undefined) {
    try {
      if (typeof WebAssembly !== 'object') throw new Error('this engine has no WebAssembly');
      if (!WebAssembly.validate(simdProbeModule())) throw new Error('this engine does not accept SIMD128 instructions');
      gemm = new WasmGemm();
    } catch (error) {
      // An EvalError or CompileError under a Content-Security-Policy, or the checks above.
      unavailableReason = error instanceof Error ? error.message : String(error);
      gemm = null;
    }
  }
  return gemm;
}

/**
 * A streaming kernel's driver (fused ops, Adam, float32 streams, the features' draw), made on
 * first use. Each kernel module keeps one slot and asks it, per call, whether to run.
 */
export class KernelSlot<Driver> {
  private driver: Driver | undefined;

  /**
   * @param make - builds the driver (compiles its module); called once, where SIMD is available.
   * @param minEntries - below this many entries `'auto'` runs the JavaScript loop: there the
   *   copies in and out of the module's memory and the call cost more than the loop.
   */
  constructor(private readonly make: () => Driver, readonly minEntries: number) {}

  /**
   * The driver when the backend allows it for a call of `entries` entries, else null (run the
   * JavaScript loop): null under `'js'`, where WebAssembly SIMD cannot run, and under `'auto'`
   * below `minEntries`.
   */
  for(entries: number): Driver | null {
    if (!kernelAllowed(entries, this.minEntries)) return null;
    this.driver ??= this.make();
    return this.driver;
  }
}

/**
 * Whether a streaming kernel may run on a call of `entries` entries: never under `'js'` or where
 * WebAssembly SIMD cannot run; under `'auto'` from `minEntries` entries; under `'wasm'` always.
 */
export function kernelAllowed(entries: number, minEntries: number): boolean {
  const backend = matmulBackend();
  if (backend === 'js' || (backend === 'auto' && entries < minEntries)) return false;
  return wasmSimdAvailable();
}

/**
 * The smallest module that needs SIMD128: `(f32) → f32`, splat into four lanes, add, take lane
 * 0. An engine without SIMD rejects it; validating compiles nothing, so it is cheap.
 */
export function simdProbeModule(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder(['f32'], ['f32']);
  const x = fn.param(0, 'f32');
  fn.localGet(x).f32x4Splat().localGet(x).f32x4Splat().f32x4Add().f32x4ExtractLane(0);
  const module = new ModuleBuilder();
  module.addFunction('probe', fn);
  return module.bytes();
}

function backendFromEnvironment(): MatmulBackend {
  // Read without importing node:process, so the library still loads in a browser.
  const environment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = environment?.[MATMUL_BACKEND_VARIABLE];
  if (value === undefined || value === '') return 'auto';
  const backend = value.trim().toLowerCase();
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    fail('matmul', `environment variable ${MATMUL_BACKEND_VARIABLE}=${value} is not one of js, wasm, auto`);
  }
  if (backend === 'wasm' && wasmGemm() === null) {
    fail('matmul', `${MATMUL_BACKEND_VARIABLE}=wasm, but WebAssembly SIMD is not available here (${unavailableReason})`);
  }
  return backend as MatmulBackend;
}
