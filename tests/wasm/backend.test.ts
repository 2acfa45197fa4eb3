/**
 * Choosing the matmul backend: the function, the environment variable, and the fallback to the
 * JavaScript kernels where WebAssembly SIMD is missing or forbidden. Each case imports the
 * library afresh (vi.resetModules), since the environment is read once, at the first product.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

type MatmulModule = typeof import('../../src/tensor/matmul.js');
type TensorModule = typeof import('../../src/tensor/tensor.js');

async function freshLibrary(): Promise<MatmulModule & { Tensor: TensorModule['Tensor'] }> {
  vi.resetModules();
  const matmulModule = await import('../../src/tensor/matmul.js');
  const { Tensor } = await import('../../src/tensor/tensor.js');
  return { ...matmulModule, Tensor };
}

/**
 * A 20×16 @ 16×18 float32 product (above the auto crossover, and big enough for the blocked JS
 * kernel) and its float64 reference values.
 */
function problem(Tensor: TensorModule['Tensor']) {
  const [M, K, N] = [20, 16, 18];
  const a = new Tensor(Float32Array.from({ length: M * K }, (_, i) => Math.sin(i)), [M, K]);
  const b = new Tensor(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)), [K, N]);
  const expected: number[] = [];
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a.data[m * K + k] * b.data[k * N + n];
      expected.push(sum);
    }
  }
  return { a, b, expected };
}

function expectValues(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-5);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the matmul backend switch', () => {
  it("defaults to 'auto', which runs float32 products above the crossover in WebAssembly", async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', '');
    const lib = await freshLibrary();
    expect(lib.matmulBackend()).toBe('auto');
    expect(lib.wasmSimdAvailable()).toBe(true); // Node 20 has SIMD128
    const { a, b, expected } = problem(lib.Tensor);
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('wasm-simd-4x8');
  });

  it('reads SUPERPOSITION_MATMUL=js at the first product, and setMatmulBackend overrides it', async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', 'js');
    const lib = await freshLibrary();
    const { a, b, expected } = problem(lib.Tensor);
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('js-blocked-4x4');
    expect(lib.setMatmulBackend('wasm')).toBe('js'); // returns the previous choice
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('wasm-simd-4x8');
  });

  it('rejects an unknown backend from either switch, naming it', async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', 'gpu');
    const lib = await freshLibrary();
    const { a, b } = problem(lib.Tensor);
    expect(() => lib.matmul(a, b)).toThrow(/SUPERPOSITION_MATMUL=gpu is not one of js, wasm, auto/);
    expect(() => lib.setMatmulBackend('fast' as never)).toThrow(/setMatmulBackend: backend must be one of 'auto', 'js', 'wasm', got fast/);
  });
});

describe('where WebAssembly SIMD cannot run', () => {
  it('an engine without WebAssembly: auto runs the JS kernels correctly, and asking for wasm says why not', async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', '');
    vi.stubGlobal('WebAssembly', undefined);
    const lib = await freshLibrary();
    expect(lib.wasmSimdAvailable()).toBe(false);
    const { a, b, expected } = problem(lib.Tensor);
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('js-blocked-4x4');
    expect(() => lib.setMatmulBackend('wasm')).toThrow(/not available here \(this engine has no WebAssembly\)/);
  });

  it('an engine without SIMD128 (validate says no): the same', async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', '');
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const lib = await freshLibrary();
    const { a, b, expected } = problem(lib.Tensor);
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('js-blocked-4x4');
    expect(() => lib.setMatmulBackend('wasm')).toThrow(/does not accept SIMD128/);
  });

  it("a page whose Content-Security-Policy lacks 'wasm-unsafe-eval' (compiling throws): the same", async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', '');
    const refuse = function Module(): never {
      throw new EvalError("Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source");
    };
    vi.stubGlobal('WebAssembly', { ...WebAssembly, validate: WebAssembly.validate, Module: refuse, Instance: WebAssembly.Instance });
    const lib = await freshLibrary();
    const { a, b, expected } = problem(lib.Tensor);
    expectValues(lib.matmul(a, b).data, expected);
    expect(lib.lastMatmulKernel()).toBe('js-blocked-4x4');
    expect(() => lib.setMatmulBackend('wasm')).toThrow(/wasm-unsafe-eval/);
  });

  it('SUPERPOSITION_MATMUL=wasm there is an error at the first product, not a silent fallback', async () => {
    vi.stubEnv('SUPERPOSITION_MATMUL', 'wasm');
    vi.stubGlobal('WebAssembly', undefined);
    const lib = await freshLibrary();
    const { a, b } = problem(lib.Tensor);
    expect(() => lib.matmul(a, b)).toThrow(/SUPERPOSITION_MATMUL=wasm, but WebAssembly SIMD is not available here/);
  });
});
