/**
 * Memory: a training loop of 100,000 steps keeps the heap flat with no tidy() or dispose(), and an
 * optimizer step allocates nothing.
 *
 * The loop: w [4,4] (a parameter), x [8,4] and a target [8,4] (constants), then per step
 *
 *     zeroGrad → loss = mean((x·w − target)²) → backward → Adam step
 *
 * Each step builds a graph of four ops and about a dozen tensors (forward values, gradients),
 * all of which must become garbage once the step ends. We measure `heapUsed` after a full GC at
 * several checkpoints (vitest cannot pass --expose-gc, so the flag is set at run time and `gc`
 * fetched through a fresh vm context, which works in tests; the library never does this).
 *
 * The bound. Over 100,000 steps the heap after GC may grow by at most 2 MB: about 20 bytes per step,
 * less than the smallest JavaScript object that could hold a reference to a leaked tensor, so a
 * leak of one object per step fails the test. What does grow without a leak is V8's own
 * bookkeeping (optimised code, type feedback): 26 to 124 KB measured here, most of it by the
 * first checkpoint. Typed-array backing stores can live outside the JS heap, so `arrayBuffers` gets the
 * same bound. Set MEMORY_REPORT=1 to print the figures.
 *
 * Two checks keep the test honest: the loop does allocate a lot (measured in V8's young generation,
 * where every new object starts: kilobytes per step, so the bound is a tiny fraction of what passes
 * through the heap), and the same measurement does see a leak when the loop keeps each step's loss.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { matmul, mean, square, sub } from '../../src/autograd/index.js';
import { type Variable, parameter } from '../../src/autograd/variable.js';
import { Adam, AdamW, SGD } from '../../src/optim/index.js';
import { normal } from '../../src/tensor/random.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const STEPS = 100_000;
const CHECKPOINTS = 5;
const BOUND_BYTES = 2 * 1024 * 1024;
const report = process.env.MEMORY_REPORT !== undefined;

interface Memory {
  heapUsed: number;
  arrayBuffers: number;
}

function memoryAfterGc(): Memory {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

/** Bytes in use in V8's young generation, where every new object is allocated first. */
function youngGenerationUsed(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (space === undefined) throw new Error('V8 reports no new_space; this measurement needs updating for this Node');
  return space.space_used_size;
}

/**
 * Bytes allocated per call of `run`, averaged over `calls` calls started right after a full GC
 * (which empties the young generation). The smallest of three tries, so a stray allocation by the
 * JIT (re-optimising mid-run) does not count. Valid while the total stays below the young
 * generation's capacity (no scavenge in between), which the callers keep to.
 */
function bytesPerCall(run: () => void, calls: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    gc();
    const before = youngGenerationUsed();
    for (let i = 0; i < calls; i++) run();
    const after = youngGenerationUsed();
    best = Math.min(best, (after - before) / calls);
  }
  return best;
}

function trainingLoop(): { step: (keep?: Variable[]) => void } {
  const w = parameter(normal([4, 4], { seed: 1, std: 0.5 }), 'w');
  const x = normal([8, 4], { seed: 2 });
  const target = normal([8, 4], { seed: 3 });
  const optimizer = new Adam({ params: [w], lr: 1e-3 });
  return {
    step: (keep) => {
      optimizer.zeroGrad();
      const loss = mean(square(sub(matmul(x, w), target)));
      loss.backward();
      optimizer.step();
      keep?.push(loss);
    },
  };
}

describe('memory', () => {
  it('100,000 training steps keep the heap flat after GC (no tidy, no dispose)', () => {
    const started = performance.now();
    const { step } = trainingLoop();
    for (let i = 0; i < 5_000; i++) step(); // warm-up: let the JIT settle before the baseline

    const allocatedPerStep = bytesPerCall(() => step(), 20);
    const baseline = memoryAfterGc();
    const growth: Memory[] = [];
    for (let checkpoint = 1; checkpoint <= CHECKPOINTS; checkpoint++) {
      for (let i = 0; i < STEPS / CHECKPOINTS; i++) step();
      const now = memoryAfterGc();
      growth.push({ heapUsed: now.heapUsed - baseline.heapUsed, arrayBuffers: now.arrayBuffers - baseline.arrayBuffers });
    }
    const seconds = (performance.now() - started) / 1000;
    if (report) {
      console.log(`memory: ${STEPS} steps in ${seconds.toFixed(2)} s; allocated ≈ ${allocatedPerStep.toFixed(0)} B/step ` +
        `(≈ ${((allocatedPerStep * STEPS) / 2 ** 20).toFixed(0)} MB in all); baseline heapUsed ${(baseline.heapUsed / 2 ** 20).toFixed(2)} MB; ` +
        `growth after GC at each checkpoint (KB): heap ${growth.map((g) => (g.heapUsed / 1024).toFixed(1)).join(', ')}; ` +
        `arrayBuffers ${growth.map((g) => (g.arrayBuffers / 1024).toFixed(1)).join(', ')}`);
    }
    // The loop really allocates: what passes through the heap dwarfs the bound, so a graph kept
    // alive by mistake would stand far above it.
    expect(allocatedPerStep * STEPS).toBeGreaterThan(100 * BOUND_BYTES);
    for (const g of growth) {
      expect(g.heapUsed).toBeLessThan(BOUND_BYTES);
      expect(g.arrayBuffers).toBeLessThan(BOUND_BYTES);
    }
  });

  it('the same measurement sees a leak: keeping each step\'s loss for 20,000 steps', () => {
    const { step } = trainingLoop();
    for (let i = 0; i < 1_000; i++) step();
    const kept: Variable[] = [];
    const before = memoryAfterGc();
    for (let i = 0; i < 20_000; i++) step(kept);
    const after = memoryAfterGc();
    const grown = after.heapUsed - before.heapUsed;
    if (report) console.log(`memory: keeping 20,000 losses grew the heap by ${(grown / 2 ** 20).toFixed(2)} MB (${(grown / 20_000).toFixed(0)} B per loss)`);
    expect(kept.length).toBe(20_000);
    expect(grown).toBeGreaterThan(2 * BOUND_BYTES);
  });

  it('an optimizer step allocates nothing once the JIT has compiled it', () => {
    for (const make of [
      (params: Variable[]) => new Adam({ params, lr: 1e-3 }),
      (params: Variable[]) => new AdamW({ params, lr: 1e-3 }),
      (params: Variable[]) => new SGD({ params, lr: 1e-3, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
    ]) {
      const w = parameter(normal([16, 8], { seed: 4 }), 'w');
      const b = parameter(normal([8], { seed: 5 }), 'b');
      w.grad = normal([16, 8], { seed: 6 });
      b.grad = normal([8], { seed: 7 });
      const optimizer = make([w, b]);
      for (let i = 0; i < 5_000; i++) optimizer.step();
      const perStep = bytesPerCall(() => optimizer.step(), 10_000);
      if (report) console.log(`memory: ${optimizer.name} step allocates ${perStep.toFixed(2)} B/step`);
      // Reading the heap statistics itself allocates about 2 KB, i.e. 0.2 B per step over 10,000
      // steps; one boxed number per step would be 16.
      expect(perStep).toBeLessThan(4);
      expect(optimizer.stepCount).toBe(5_000 + 30_000);
    }
  });
});
