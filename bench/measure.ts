/**
 * Timing one function with tinybench.
 *
 * tinybench times each call of a task on its own. An op that takes a fraction of a microsecond
 * would then be measured mostly in clock reads, so the task here runs the op `batch` times in a
 * row and reports the batch's mean as the sample (`overriddenDuration`), with the whole batch's
 * time as the iteration's cost against the time budget (`overriddenIterationCost`). `batch` is
 * chosen so that one sample lasts about {@link SAMPLE_MS}; ops slower than that run once per
 * sample.
 *
 * @module
 */
import { Bench, type FnReturnedObject } from 'tinybench';

/** The target length of one sample, in milliseconds. */
const SAMPLE_MS = 1;

/** tinybench's budgets: how long to run (ms) and the fewest samples to take, per task. */
export interface MeasureOptions {
  time: number;
  iterations: number;
  warmupTime: number;
  warmupIterations: number;
}

/** Timing of one op, per call. */
export interface Timing {
  /** Mean time per call, in microseconds. */
  meanUs: number;
  /** Median sample, in microseconds per call. */
  medianUs: number;
  /** Relative margin of error of the mean (95%), in percent. */
  rme: number;
  /** Number of samples tinybench took. */
  samples: number;
  /** Calls per sample. */
  batch: number;
}

/** How long to run a function before choosing its batch, so the choice sees optimised code (ms). */
const WARM_MS = 20;

/**
 * How many calls fill about {@link SAMPLE_MS}. The function first runs for {@link WARM_MS} (the
 * first calls run unoptimised code and would suggest far too small a batch), then the count
 * doubles until the run is long enough to time.
 */
function chooseBatch(fn: () => void): number {
  const warmStart = performance.now();
  do fn();
  while (performance.now() - warmStart < WARM_MS);
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const elapsed = performance.now() - start;
    if (elapsed >= SAMPLE_MS / 4 || calls >= 1 << 24) {
      return Math.max(1, Math.round((SAMPLE_MS * calls) / Math.max(elapsed, 1e-6)));
    }
    calls *= 2;
  }
}

/** Times `fn` (which must be synchronous) and returns the time per call. */
export async function measure(name: string, fn: () => void, options: MeasureOptions): Promise<Timing> {
  const batch = chooseBatch(fn);
  const bench = new Bench({ ...options, throws: true });
  bench.add(name, (): FnReturnedObject => {
    const start = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const elapsed = performance.now() - start;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  });
  const [task] = await bench.run();
  const result = task.result;
  if (result.state !== 'completed') {
    throw new Error(`${name}: tinybench ended in state ${result.state}`, { cause: 'error' in result ? result.error : undefined });
  }
  return {
    meanUs: result.latency.mean * 1000,
    medianUs: result.latency.p50 * 1000,
    rme: result.latency.rme,
    samples: result.latency.samplesCount,
    batch,
  };
}
