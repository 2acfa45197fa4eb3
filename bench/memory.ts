/**
 * Memory over a long training loop, this engine beside tfjs.
 *
 *     npm run bench:memory                  10,000 steps
 *     npm run bench:memory -- --steps 2000
 *
 * The loop is the usual one: each step makes a fresh batch, then runs forward, backward and an
 * Adam update of a small linear model (w [16,16], batch 32). The batch is made *outside* the
 * training call, as most people write it.
 *
 * - Here, tensors are ordinary JavaScript objects: the garbage collector frees each step's batch
 *   and graph, and nothing needs `tidy()` or `dispose()`. We report the heap after a full GC.
 * - In tfjs, `optimizer.minimize(f)` tidies what `f` makes, but a tensor made outside it stays
 *   until someone calls `dispose()`. We report `tf.memory().numTensors`, which grows by one per
 *   step, and the bytes tfjs holds.
 *
 * @module
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import * as sp from '../src/index.js';
import { loadTfjs, useBackend } from './tfjs.js';

const USAGE = `Usage: npm run bench:memory -- [--steps N] [--help]

Trains a small model for N steps (default 10000) in this engine and in tfjs (cpu backend),
making each batch outside the training call, and prints how memory grows.`;

function parseSteps(argv: readonly string[]): number {
  let steps = 10_000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (argv[i] === '--steps') {
      steps = Number(argv[++i]);
      if (!Number.isInteger(steps) || steps < 100) {
        process.stderr.write(`bench:memory: --steps must be a whole number ≥ 100, got ${argv[i]}\n`);
        process.exit(2);
      }
    } else {
      process.stderr.write(`bench:memory: unknown argument ${argv[i]}\n(run with --help for usage)\n`);
      process.exit(2);
    }
  }
  return steps;
}

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const SIZE = 16;
const BATCH = 32;

function oursGrowth(steps: number): { before: number; after: number } {
  const w = sp.parameter(sp.normal([SIZE, SIZE], { seed: 1, std: 0.1 }));
  const target = sp.normal([SIZE, SIZE], { seed: 2 });
  const optimizer = new sp.Adam({ params: [w], lr: 1e-3 });
  const rng = new sp.Rng(3);
  const step = (): void => {
    const x = sp.uniform([BATCH, SIZE], { rng });
    optimizer.zeroGrad();
    sp.mean(sp.square(sp.sub(sp.matmul(x, w), sp.matmul(x, target)))).backward();
    optimizer.step();
  };
  for (let i = 0; i < 100; i++) step(); // warm up: let the JIT and the heap settle
  const before = heapAfterGc();
  for (let i = 0; i < steps; i++) step();
  return { before, after: heapAfterGc() };
}

async function tfjsGrowth(steps: number): Promise<{ tensorsBefore: number; tensorsAfter: number; bytesBefore: number; bytesAfter: number }> {
  const { tf } = await loadTfjs();
  await useBackend('cpu');
  const w = tf.variable(tf.randomNormal([SIZE, SIZE], 0, 0.1, 'float32', 1));
  const target = tf.randomNormal([SIZE, SIZE], 0, 1, 'float32', 2);
  const optimizer = tf.train.adam(1e-3);
  const step = (): void => {
    const x = tf.randomUniform([BATCH, SIZE]); // made outside minimize, never disposed
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(x, w), tf.matMul(x, target)))) as ReturnType<typeof tf.scalar>);
  };
  for (let i = 0; i < 100; i++) step();
  const start = tf.memory();
  for (let i = 0; i < steps; i++) step();
  const end = tf.memory();
  return { tensorsBefore: start.numTensors, tensorsAfter: end.numTensors, bytesBefore: start.numBytes, bytesAfter: end.numBytes };
}

const steps = parseSteps(process.argv.slice(2));
process.stderr.write(`training ${steps} steps in each engine…\n`);
const ours = oursGrowth(steps);
const theirs = await tfjsGrowth(steps);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
process.stdout.write([
  `| ${steps} steps, batch made outside the step | start | end | growth per step |`,
  '|---|---|---|---|',
  `| this engine: heap after GC | ${kb(ours.before)} | ${kb(ours.after)} | ${((ours.after - ours.before) / steps).toFixed(1)} bytes |`,
  `| tfjs-cpu: live tensors | ${theirs.tensorsBefore} | ${theirs.tensorsAfter} | ${((theirs.tensorsAfter - theirs.tensorsBefore) / steps).toFixed(2)} tensors |`,
  `| tfjs-cpu: bytes held | ${kb(theirs.bytesBefore)} | ${kb(theirs.bytesAfter)} | ${((theirs.bytesAfter - theirs.bytesBefore) / steps).toFixed(0)} bytes |`,
  '',
].join('\n'));
