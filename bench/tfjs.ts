/**
 * Loading TensorFlow.js for the benchmarks: its pure-JS `cpu` backend and its `wasm` backend,
 * both in this one process.
 *
 * In Node the wasm backend would by default look for its `.wasm` binary next to the bundled
 * script, or fetch it from a URL. We point it at the copy npm installed instead,
 * `node_modules/@tensorflow/tfjs-backend-wasm/dist/`, as a plain directory path: Emscripten,
 * running under Node, then reads the file with `fs` and never touches the network. Node has no
 * wasm threads in tfjs (it turns them off under Node), so the binary used is the SIMD one when
 * the CPU supports SIMD, else the plain one.
 *
 * @module
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The TensorFlow.js namespace, as the cases receive it. */
export type TF = typeof tf;

/** The tfjs backends we compare against. */
export const TFJS_BACKENDS = ['cpu', 'wasm'] as const;
/** One of {@link TFJS_BACKENDS}. */
export type TfjsBackend = (typeof TFJS_BACKENDS)[number];

/** What we learnt while loading tfjs, for the report header. */
export interface TfjsInfo {
  version: string;
  wasmDir: string;
  wasmSimd: boolean;
  wasmThreads: number;
}

const require = createRequire(import.meta.url);

/** The directory holding the installed `.wasm` binaries, with a trailing separator. */
function wasmDirectory(): string {
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}

/**
 * Registers the wasm binaries' location, initialises both backends, and checks that each one
 * really is the active backend after switching to it.
 */
export async function loadTfjs(): Promise<{ tf: TF; info: TfjsInfo }> {
  const wasmDir = wasmDirectory();
  setWasmPaths(wasmDir);
  for (const backend of TFJS_BACKENDS) await useBackend(backend);
  const wasmBackend = tf.engine().findBackend('wasm') as unknown as { wasm?: { tfjs?: { getThreadsCount(): number } } } | null;
  const info: TfjsInfo = {
    version: tf.version.tfjs,
    wasmDir,
    wasmSimd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    wasmThreads: wasmBackend?.wasm?.tfjs?.getThreadsCount() ?? 1,
  };
  return { tf, info };
}

/** Makes `backend` the active tfjs backend, and fails loudly if tfjs quietly fell back to another. */
export async function useBackend(backend: TfjsBackend): Promise<void> {
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) {
    throw new Error(`tfjs: could not switch to the ${backend} backend (active: ${tf.getBackend()})`);
  }
}
