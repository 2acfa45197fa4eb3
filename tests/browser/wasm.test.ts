/**
 * The WebAssembly matmul inside a real browser page: headless Chromium (Debian's `chromium`,
 * driven through playwright-core) loads the library's tensor modules as ES modules, runs float32
 * products on the WebAssembly kernel and on the JS kernels, and the test checks both against a
 * float64 product computed here in Node.
 *
 * No build step and no server: every request of the page goes to a made-up origin
 * (http://superposition.test/), which `page.route` answers from disk. A request for
 * `/src/….js` is answered with the matching `src/….ts`, compiled on the fly by TypeScript's
 * `transpileModule` (types dropped, nothing else changed), so the page runs the current source.
 *
 * The page also runs the streaming kernels that must give their JavaScript loops' exact bits
 * (float32 mul, relu and its backward, Adam's update over three steps), on each backend, with
 * ±0, NaN and ±∞ among the values; the test compares the backends entry by entry.
 *
 * Two pages: one with no Content-Security-Policy, where the kernels must be available and used;
 * and one whose policy lacks 'wasm-unsafe-eval', where compiling WebAssembly is refused, and
 * `'auto'` must fall back to the JS kernels with the same results.
 *
 * Where /usr/bin/chromium is absent the test is skipped with a message saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium, warnIfNoChromium } from '../support/chromium.js';

const ORIGIN = 'http://superposition.test';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT_MS = 120_000;

warnIfNoChromium('tests/browser/wasm.test.ts', 'the WebAssembly matmul is not run in a browser');

/** The products the page runs: [M, K, N, transposeA, transposeB], ragged and tile-sized. */
const PRODUCTS: [number, number, number, boolean, boolean][] = [
  [1, 1, 1, false, false], [5, 7, 3, false, false], [33, 65, 17, true, false], [64, 64, 64, false, true],
  [100, 300, 37, true, true], [257, 129, 130, false, false],
];

/** The value at flat index i of operand `which` (the page computes the same). */
const valueAt = (which: number, i: number) => Math.sin(1.7 * i + which) * 2;

/** C = op(A)·op(B) in float64, from the same values the page uses. */
function reference([M, K, N, transposeA, transposeB]: (typeof PRODUCTS)[number]): number[] {
  const out: number[] = [];
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const a = Math.fround(valueAt(0, transposeA ? k * M + m : m * K + k));
        const b = Math.fround(valueAt(1, transposeB ? n * K + k : k * N + n));
        sum += a * b;
      }
      out.push(sum);
    }
  }
  return out;
}

/** The page's own script: runs each product on each backend and reports results and kernels. */
const PAGE_SCRIPT = `
import { Tensor } from '/src/tensor/tensor.js';
import { matmul, setMatmulBackend, lastMatmulKernel, wasmSimdAvailable } from '/src/tensor/matmul.js';
import { mul, relu, reluBackward } from '/src/tensor/elementwise.js';
import { parameter } from '/src/autograd/variable.js';
import { Adam } from '/src/optim/adam.js';
const products = ${JSON.stringify(PRODUCTS)};
const valueAt = ${valueAt.toString()};
const operand = (which, rows, cols) =>
  new Tensor(Float32Array.from({ length: rows * cols }, (_, i) => valueAt(which, i)), [rows, cols]);
const results = { available: wasmSimdAvailable(), runs: [] };
for (const backend of results.available ? ['wasm', 'js', 'auto'] : ['js', 'auto']) {
  setMatmulBackend(backend);
  for (const [M, K, N, transposeA, transposeB] of products) {
    const a = operand(0, transposeA ? K : M, transposeA ? M : K);
    const b = operand(1, transposeB ? N : K, transposeB ? K : N);
    const c = matmul(a, b, { transposeA, transposeB });
    results.runs.push({ backend, shape: [M, K, N], kernel: lastMatmulKernel(), values: Array.from(c.data) });
  }
}
// The streaming kernels: the same inputs on each backend; the test compares the outputs' bits.
const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, -3];
const stream = (which, n) => Float32Array.from({ length: n }, (_, i) => (i % 97 < specials.length ? specials[i % 97] : valueAt(which, i)));
results.streams = {};
for (const backend of results.available ? ['wasm', 'js', 'auto'] : ['js', 'auto']) {
  setMatmulBackend(backend);
  const n = 20003; // above the streams' 'auto' threshold, and not a multiple of four
  const a = new Tensor(stream(2, n), [n]);
  const b = new Tensor(stream(3, n), [n]);
  const theta = parameter(new Tensor(Float32Array.from({ length: n }, (_, i) => valueAt(4, i)), [n]));
  const optimizer = new Adam({ params: [theta], lr: 0.01 });
  for (let step = 0; step < 3; step++) {
    theta.grad = new Tensor(stream(5 + step, n), [n]);
    optimizer.step();
  }
  const keep = (t) => Array.from(t.data, (x) => (Object.is(x, -0) ? '-0' : Number.isNaN(x) ? 'NaN' : x));
  results.streams[backend] = {
    mul: keep(mul(a, b)), relu: keep(relu(a)), reluBackward: keep(reluBackward(a, b)), adam: keep(theta),
  };
}
window.results = results;
`;

function pageHtml(csp: string | undefined): string {
  const policy = csp === undefined ? '' : `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  return `<!doctype html><html><head>${policy}<script type="module" src="/page.js"></script></head><body></body></html>`;
}

interface PageResults {
  available: boolean;
  runs: { backend: string; shape: number[]; kernel: string; values: number[] }[];
  /** Per backend, each streaming op's output, with −0 and NaN spelled out so they survive JSON. */
  streams: Record<string, Record<string, (number | string)[]>>;
}

/** Opens the page (with an optional CSP) and returns what its script reported. */
async function runPage(csp: string | undefined): Promise<{ results: PageResults; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: pageHtml(csp) });
      if (url.pathname === '/page.js') return route.fulfill({ contentType: 'text/javascript', body: PAGE_SCRIPT });
      const source = `${ROOT}${url.pathname.slice(1).replace(/\.js$/, '.ts')}`;
      if (!url.pathname.startsWith('/src/') || !existsSync(source)) return route.fulfill({ status: 404, body: 'not found' });
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      return route.fulfill({ contentType: 'text/javascript', body: outputText });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => (window as unknown as { results?: unknown }).results !== undefined, undefined, { timeout: 60_000 });
    const results = await page.evaluate(() => (window as unknown as { results: PageResults }).results);
    return { results, errors };
  } finally {
    await browser.close();
  }
}

/** Every run's values within the float32 tolerance (K + 2)·2⁻²³·Σₖ|A·B| of the float64 product. */
function expectMatchesReference(results: PageResults): void {
  for (const run of results.runs) {
    const product = PRODUCTS.find(([M, K, N]) => M === run.shape[0] && K === run.shape[1] && N === run.shape[2])!;
    const expected = reference(product);
    expect(run.values.length).toBe(expected.length);
    // |values| ≤ 2, so Σₖ|A·B| ≤ 4K.
    const tolerance = (product[1] + 2) * 2 ** -23 * 4 * product[1];
    const worst = Math.max(0, ...run.values.map((value, i) => Math.abs(value - expected[i])));
    expect(worst, `${run.backend} ${run.shape}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('the WebAssembly matmul in headless Chromium', () => {
  it.skipIf(!hasChromium)('runs on the WebAssembly kernel and matches the float64 product, as the JS kernels do', async () => {
    const { results, errors } = await runPage(undefined);
    expect(errors).toEqual([]);
    expect(results.available).toBe(true);
    expectMatchesReference(results);
    const kernels = (backend: string) => results.runs.filter((run) => run.backend === backend).map((run) => run.kernel);
    expect(new Set(kernels('wasm'))).toEqual(new Set(['wasm-simd-4x8']));
    expect(kernels('js').some((kernel) => kernel.startsWith('wasm'))).toBe(false);
    expect(kernels('auto')).toContain('wasm-simd-4x8'); // the big products
    expect(kernels('auto')).toContain('js-strips'); // 1×1×1, below the crossover
    for (const op of ['mul', 'relu', 'reluBackward', 'adam']) {
      expect(results.streams.wasm[op], `${op}: WebAssembly and JavaScript`).toEqual(results.streams.js[op]);
      expect(results.streams.auto[op], `${op}: auto and JavaScript`).toEqual(results.streams.js[op]);
    }
  }, TIMEOUT_MS);

  it.skipIf(!hasChromium)("under a Content-Security-Policy without 'wasm-unsafe-eval', falls back to the JS kernels with the same results", async () => {
    const { results, errors } = await runPage("default-src 'self'; script-src 'self'");
    expect(errors).toEqual([]);
    expect(results.available).toBe(false);
    expectMatchesReference(results);
    expect(results.runs.every((run) => !run.kernel.startsWith('wasm'))).toBe(true);
    for (const op of ['mul', 'relu', 'reluBackward', 'adam']) expect(results.streams.auto[op], op).toEqual(results.streams.js[op]);
  }, TIMEOUT_MS);
});
