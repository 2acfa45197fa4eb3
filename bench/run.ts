/**
 * The benchmark runner: this engine beside TensorFlow.js (`cpu` and `wasm` backends), the same
 * work on the same inputs, in one process, timed with tinybench.
 *
 *     npm run bench                          every group, full sizes
 *     npm run bench -- --quick               under a minute: shorter budgets, no 1024² matmul
 *     npm run bench -- --filter matmul       one group
 *     npm run bench -- --backend js          our matmul on the JS kernels only (default: auto)
 *     npm run bench -- --no-tfjs-cpu         skip tfjs's slow cpu backend (the targets are vs tfjs-wasm)
 *     npm run bench -- --rounds 5            each case 5 times, ours and tfjs back to back, median ratio
 *
 * The markdown table goes to stdout, progress to stderr, and the figures to
 * `bench/results/<timestamp>.json` and `bench/results/latest.json`.
 *
 * @module
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sp from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { type BenchCase, GROUPS, type Group, type TfTensor, buildCases } from './cases.js';
import { type MeasureOptions, type Timing, measure } from './measure.js';
import { type CaseResult, ENGINES, type Engine, gflops, markdownTable, ratio, writeJsonAtomic } from './report.js';
import { TFJS_BACKENDS, type TF, type TfjsBackend, type TfjsInfo, loadTfjs, useBackend } from './tfjs.js';

const USAGE = `Usage: npm run bench -- [--quick] [--filter <group>] [--help]

Times this engine beside @tensorflow/tfjs (cpu and wasm backends) on the same work.

  --quick            shorter time budgets and no 1024×1024 matmul (whole run under a minute)
  --filter <group>   run one group: ${GROUPS.join(', ')}
  --backend <name>   our matmul kernels: auto (default; WebAssembly where it pays), js, or wasm
  --no-tfjs-cpu      skip tfjs's cpu backend (pure JS, the slowest engine here by far)
  --rounds <n>       time each case n times (1 to 20, default 1), ours then tfjs back to back in
                     each round; ratios are the median of the rounds' ratios, so a machine whose
                     speed drifts (a shared VM) moves both sides of each ratio together
  --help             show this text

Prints a markdown table on stdout and writes bench/results/<timestamp>.json and latest.json.`;

const BUDGETS: Record<'quick' | 'full', MeasureOptions> = {
  quick: { time: 150, iterations: 3, warmupTime: 50, warmupIterations: 1 },
  full: { time: 1000, iterations: 5, warmupTime: 250, warmupIterations: 2 },
};

interface Options {
  quick: boolean;
  groups: Group[];
  backend: sp.MatmulBackend;
  tfjsCpu: boolean;
  rounds: number;
}

const MATMUL_BACKENDS: readonly sp.MatmulBackend[] = ['auto', 'js', 'wasm'];

/** Exits with status 2 and a message on stderr: the command line was wrong. */
function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n(run with --help for usage)\n`);
  process.exit(2);
}

function isGroup(name: string): name is Group {
  return (GROUPS as readonly string[]).includes(name);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { quick: false, groups: [...GROUPS], backend: 'auto', tfjsCpu: true, rounds: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // `--filter=matmul` is accepted as well as `--filter matmul`.
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals < 0 ? arg : arg.slice(0, equals);
    const inlineValue = equals < 0 ? undefined : arg.slice(equals + 1);
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (flag === '--quick') {
      if (inlineValue !== undefined) usageError('--quick takes no value');
      options.quick = true;
    } else if (flag === '--filter') {
      const group = inlineValue ?? argv[++i];
      if (group === undefined || group === '') usageError(`--filter needs a group: ${GROUPS.join(', ')}`);
      if (!isGroup(group)) usageError(`unknown group '${group}'; the groups are: ${GROUPS.join(', ')}`);
      options.groups = [group];
    } else if (flag === '--no-tfjs-cpu') {
      if (inlineValue !== undefined) usageError('--no-tfjs-cpu takes no value');
      options.tfjsCpu = false;
    } else if (flag === '--rounds') {
      const value = inlineValue ?? argv[++i];
      const rounds = Number(value);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) usageError(`--rounds needs a whole number from 1 to 20, got '${value ?? ''}'`);
      options.rounds = rounds;
    } else if (flag === '--backend') {
      const backend = inlineValue ?? argv[++i];
      if (!(MATMUL_BACKENDS as readonly (string | undefined)[]).includes(backend)) {
        usageError(`--backend needs one of ${MATMUL_BACKENDS.join(', ')}, got '${backend ?? ''}'`);
      }
      options.backend = backend as sp.MatmulBackend;
    } else if (arg.startsWith('-')) {
      usageError(`unknown flag '${flag}'`);
    } else {
      usageError(`unexpected argument '${arg}'`);
    }
  }
  return options;
}

/** Seeded uniform values in [−1, 1) (mulberry32), so every engine and every run gets the same inputs. */
function seededValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  }
  return values;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Largest |a − b| ÷ max(1, max |b|), or Infinity when the shapes differ. */
function relativeDifference(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[]): number {
  if (aShape.length !== bShape.length || aShape.some((dim, axis) => dim !== bShape[axis])) return Infinity;
  let largestDifference = 0;
  let largestValue = 1;
  for (let i = 0; i < b.length; i++) {
    largestDifference = Math.max(largestDifference, Math.abs(a[i] - b[i]));
    largestValue = Math.max(largestValue, Math.abs(b[i]));
  }
  return largestDifference / largestValue;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Runs one case on our engine and on the tfjs backends, `rounds` times: each round times ours,
 * then each tfjs backend, back to back. With several rounds, each engine keeps its median round's
 * timing, and each ratio is the median of the rounds' own ratios (`roundRatios`).
 */
async function runCase(
  benchCase: BenchCase, tf: TF, budget: MeasureOptions, backends: readonly TfjsBackend[], rounds: number,
): Promise<CaseResult> {
  const result: CaseResult = {
    group: benchCase.group,
    name: benchCase.name,
    flops: benchCase.flops,
    timings: {},
    errors: {},
    differences: {},
    leakedTensors: {},
  };
  const data = benchCase.inputs.map((shape, index) => seededValues(sizeOf(shape), 1 + index));
  const label = `${benchCase.group} / ${benchCase.name}`;
  const perRound: Partial<Record<Engine, Timing[]>> = {};
  const keep = (engine: Engine, timing: Timing) => (perRound[engine] ??= []).push(timing);

  let ourOutput: { values: ArrayLike<number>; shape: readonly number[] } | undefined;
  let ours: (() => Tensor) | undefined;
  try {
    ours = benchCase.ours(benchCase.inputs.map((shape, index) => sp.tensor(data[index], shape)));
    // An empty product sets lastMatmulKernel() to 'none', so a case that runs no matmul of its
    // own is not labelled with the kernel of the case before it.
    sp.kernels.matmul(sp.zeros([0, 1]), sp.zeros([1, 0]));
    const first = ours();
    ourOutput = { values: first.toTypedArray(), shape: first.shape };
    result.kernel = sp.lastMatmulKernel();
  } catch (error) {
    const missing = error instanceof TypeError && /is not a function/.test(error.message);
    result.errors.ours = missing ? `${errorText(error)} (not exported from src/index.ts yet?)` : errorText(error);
  }

  for (let round = 0; round < rounds; round++) {
    const suffix = rounds > 1 ? ` (round ${round + 1} of ${rounds})` : '';
    if (ours !== undefined && result.errors.ours === undefined) {
      const run = ours;
      let sink: Tensor | undefined;
      try {
        keep('ours', await measure(`${label} / ours${suffix}`, () => {
          sink = run();
        }, budget));
      } catch (error) {
        result.errors.ours = errorText(error);
      }
      void sink;
    }
    for (const backend of backends) {
      const engine: Engine = `tfjs-${backend}`;
      if (result.errors[engine] !== undefined) continue;
      await useBackend(backend);
      const inputs: TfTensor[] = benchCase.inputs.map((shape, index) => tf.tensor(data[index], [...shape], 'float32'));
      try {
        const run = benchCase.tfjs(tf, inputs);
        const first = run();
        if (round === 0 && ourOutput !== undefined && benchCase.compareOutputs !== false) {
          result.differences[engine] = relativeDifference(ourOutput.values, ourOutput.shape, first.dataSync(), first.shape);
        }
        first.dispose();
        // Counted from here, so that state made once in set-up or by the first call (variables,
        // optimizer slots) is not a leak; what the timed calls leave behind is.
        const tensorsBefore = tf.memory().numTensors;
        // Force the result (our ops return computed arrays too), then free it.
        keep(engine, await measure(`${label} / ${engine}${suffix}`, () => {
          const output = run();
          output.dataSync();
          output.dispose();
        }, budget));
        result.leakedTensors[engine] = Math.max(result.leakedTensors[engine] ?? 0, tf.memory().numTensors - tensorsBefore);
      } catch (error) {
        result.errors[engine] = errorText(error);
      } finally {
        for (const input of inputs) input.dispose();
      }
    }
  }

  for (const engine of ENGINES) {
    const timings = perRound[engine];
    if (timings === undefined || timings.length === 0) continue;
    result.timings[engine] = median(timings, (t) => t.meanUs);
  }
  if (rounds > 1 && perRound.ours !== undefined) {
    result.roundRatios = {};
    for (const engine of ENGINES) {
      const theirs = perRound[engine];
      if (engine === 'ours' || theirs === undefined || theirs.length !== perRound.ours.length) continue;
      result.roundRatios[engine] = theirs.map((t, i) => t.meanUs / (perRound.ours as Timing[])[i].meanUs);
    }
  }
  return result;
}

/** The element with the median key (the lower middle one for an even count). */
function median<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = items.slice().sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The machine and software the figures were measured on. */
function machine(info: TfjsInfo) {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    tfjs: info.version,
    wasm: `${info.wasmSimd ? 'SIMD' : 'no SIMD'}, ${info.wasmThreads} thread${info.wasmThreads === 1 ? '' : 's'}`,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const mode = options.quick ? 'quick' : 'full';
  const budget = BUDGETS[mode];
  const started = new Date();
  sp.setMatmulBackend(options.backend);
  const { tf, info } = await loadTfjs();
  const host = machine(info);
  const cases = buildCases(options.groups, options.quick);

  const results: CaseResult[] = [];
  for (const [index, benchCase] of cases.entries()) {
    process.stderr.write(`[${index + 1}/${cases.length}] ${benchCase.group} / ${benchCase.name}\n`);
    results.push(await runCase(benchCase, tf, budget, options.tfjsCpu ? TFJS_BACKENDS : ['wasm'], options.rounds));
  }
  const seconds = (Date.now() - started.getTime()) / 1000;

  process.stdout.write(
    [
      `## superposition vs tfjs (${mode} run, groups: ${options.groups.join(', ')}, our matmul backend: ${options.backend}, ` +
        `${options.rounds} round${options.rounds === 1 ? '' : 's'})`,
      '',
      `Node ${host.node} · ${host.cpu} (${host.cores} logical cores) · ${host.platform}`,
      `tfjs ${host.tfjs}: cpu backend, wasm backend (${host.wasm}) · ${started.toISOString()} · ${seconds.toFixed(1)} s`,
      options.rounds === 1
        ? 'Mean time per call; ratios are tfjs ÷ ours (above 1: ours is faster).'
        : 'Mean time per call in the median round; ratios are tfjs ÷ ours (above 1: ours is faster), the median of the ' +
          'rounds\' own ratios, with their range.',
      '',
      markdownTable(results),
      '',
    ].join('\n'),
  );

  const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  // The derived columns too, so that a reader of the JSON need not recompute them.
  const figures = results.map((r) => ({
    ...r,
    ratios: { 'tfjs-cpu/ours': ratio(r, 'tfjs-cpu'), 'tfjs-wasm/ours': ratio(r, 'tfjs-wasm') },
    gflops: r.flops === undefined ? undefined : Object.fromEntries(ENGINES.map((engine) => [engine, gflops(r, engine)])),
  }));
  const report = {
    date: started.toISOString(), mode, groups: options.groups, matmulBackend: options.backend, rounds: options.rounds, seconds, machine: host, budget,
    results: figures,
  };
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeJsonAtomic(path.join(resultsDir, `${stamp}.json`), report);
  writeJsonAtomic(path.join(resultsDir, 'latest.json'), report);
  process.stderr.write(`wrote ${path.relative(process.cwd(), path.join(resultsDir, `${stamp}.json`))} and latest.json\n`);
}

await main();
