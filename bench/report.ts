/**
 * Turning measurements into a markdown table (stdout) and a JSON file (bench/results/).
 *
 * Each case's name is followed by the matmul kernel our side's last product ran on
 * (`wasm-simd-4x8`, `js-blocked-4x4`, `js-strips`), so a figure says which code produced it.
 * Columns: the mean time per call for each engine; the ratios tfjs ÷ ours (above 1 means this
 * engine is faster); and, where a case counts its floating-point operations, GFLOP/s for each
 * engine (operations per call ÷ seconds per call ÷ 10⁹).
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Timing } from './measure.js';

/** The three implementations a case runs on, in column order. */
export const ENGINES = ['ours', 'tfjs-cpu', 'tfjs-wasm'] as const;
/** One of {@link ENGINES}. */
export type Engine = (typeof ENGINES)[number];

/** Everything measured for one case. */
export interface CaseResult {
  group: string;
  name: string;
  flops?: number;
  /** Time per call, for each engine that ran. */
  timings: Partial<Record<Engine, Timing>>;
  /** Why an engine did not run (e.g. an op not exported yet). */
  errors: Partial<Record<Engine, string>>;
  /** Largest |ours − tfjs| ÷ max(1, max |tfjs|) over the outputs: both sides did the same work. */
  differences: Partial<Record<Engine, number>>;
  /** tfjs tensors left alive after the case was cleaned up (should be 0). */
  leakedTensors: Partial<Record<Engine, number>>;
  /** The matmul kernel our last product of the case ran on (`lastMatmulKernel()`), if it ran one. */
  kernel?: string;
  /** With `--rounds n` (n > 1): each round's tfjs ÷ ours, per tfjs engine, in round order. */
  roundRatios?: Partial<Record<Engine, number[]>>;
}

/** A duration given in µs, in the unit that reads best: `0.284 µs`, `12.3 µs`, `4.56 ms`, `1.23 s`. */
export function formatTime(us: number): string {
  if (us < 1000) return `${significant(us)} µs`;
  if (us < 1e6) return `${significant(us / 1000)} ms`;
  return `${significant(us / 1e6)} s`;
}

/** Three significant figures, without exponent notation. */
function significant(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** GFLOP/s of one engine on one case, or undefined when it did not run or counts no flops. */
export function gflops(result: CaseResult, engine: Engine): number | undefined {
  const timing = result.timings[engine];
  if (result.flops === undefined || timing === undefined) return undefined;
  return result.flops / (timing.meanUs * 1e-6) / 1e9;
}

/**
 * tfjs time ÷ our time for one tfjs engine; above 1 means we are faster. With several rounds, the
 * median of the rounds' own ratios (the mean of the middle two for an even count).
 */
export function ratio(result: CaseResult, engine: Engine): number | undefined {
  const rounds = result.roundRatios?.[engine];
  if (rounds !== undefined && rounds.length > 0) {
    const sorted = rounds.slice().sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  const ours = result.timings.ours;
  const theirs = result.timings[engine];
  if (ours === undefined || theirs === undefined) return undefined;
  return theirs.meanUs / ours.meanUs;
}

/** The results as a markdown table, followed by notes on anything that went wrong. */
export function markdownTable(results: readonly CaseResult[]): string {
  const header = ['group', 'case', 'ours', 'tfjs-cpu', 'tfjs-wasm', 'cpu/ours', 'wasm/ours', 'GFLOP/s ours · cpu · wasm'];
  const rows = results.map((r) => {
    const time = (engine: Engine): string => {
      const timing = r.timings[engine];
      if (timing !== undefined) return formatTime(timing.meanUs);
      return r.errors[engine] !== undefined ? 'error' : '—';
    };
    const times = (engine: Engine): string => {
      const x = ratio(r, engine);
      if (x === undefined) return '—';
      const rounds = r.roundRatios?.[engine];
      if (rounds === undefined || rounds.length < 2) return `${x.toFixed(2)}×`;
      return `${x.toFixed(2)}× (${Math.min(...rounds).toFixed(1)}–${Math.max(...rounds).toFixed(1)})`;
    };
    const rates =
      r.flops === undefined
        ? ''
        : ENGINES.map((engine) => {
            const rate = gflops(r, engine);
            return rate === undefined ? '—' : rate.toFixed(rate >= 10 ? 1 : 2);
          }).join(' · ');
    const name = r.kernel === undefined || r.kernel === 'none' ? r.name : `${r.name} · ${r.kernel}`;
    return [r.group, name, time('ours'), time('tfjs-cpu'), time('tfjs-wasm'), times('tfjs-cpu'), times('tfjs-wasm'), rates];
  });
  const alignRight = [false, false, true, true, true, true, true, true];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${alignRight.map((right) => (right ? '---:' : ':---')).join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
  const notes = problemNotes(results);
  return notes.length === 0 ? lines.join('\n') : `${lines.join('\n')}\n\n${notes.map((note) => `- ${note}`).join('\n')}`;
}

/** One line per error, output mismatch or tfjs leak. */
function problemNotes(results: readonly CaseResult[]): string[] {
  const notes: string[] = [];
  for (const r of results) {
    for (const engine of ENGINES) {
      const error = r.errors[engine];
      if (error !== undefined) notes.push(`${r.group} / ${r.name} / ${engine}: ${error}`);
      const difference = r.differences[engine];
      if (difference !== undefined && !(difference <= DIFFERENCE_TOLERANCE)) {
        notes.push(`${r.group} / ${r.name}: ours differs from ${engine} by ${difference.toExponential(2)} (relative)`);
      }
      const leaked = r.leakedTensors[engine];
      if (leaked !== undefined && leaked !== 0) notes.push(`${r.group} / ${r.name} / ${engine}: ${leaked} tfjs tensors leaked`);
    }
  }
  return notes;
}

/** Outputs further apart than this (relative to their size) are reported: float32 rounding stays well under. */
export const DIFFERENCE_TOLERANCE = 1e-3;

/** Writes `value` as JSON to `file`, atomically: a temporary file in the same directory, then a rename. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}
