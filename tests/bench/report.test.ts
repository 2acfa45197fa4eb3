/**
 * The benchmark report's ratios: one round's tfjs ÷ ours, or with `--rounds` the median of the
 * rounds' own ratios, printed with their range.
 */
import { describe, expect, it } from 'vitest';
import { type CaseResult, markdownTable, ratio } from '../../bench/report.js';

function timing(meanUs: number) {
  return { meanUs, medianUs: meanUs, rme: 1, samples: 10, batch: 1 };
}

function result(extra: Partial<CaseResult>): CaseResult {
  return {
    group: 'sae', name: 'step', timings: { ours: timing(10), 'tfjs-wasm': timing(100) },
    errors: {}, differences: {}, leakedTensors: {}, ...extra,
  };
}

describe('bench report ratios', () => {
  it('one round: the tfjs time over ours', () => {
    expect(ratio(result({}), 'tfjs-wasm')).toBe(10);
    expect(ratio(result({}), 'tfjs-cpu')).toBeUndefined();
  });

  it('several rounds: the median of the rounds\' ratios, not the ratio of median times', () => {
    const odd = result({ roundRatios: { 'tfjs-wasm': [12, 7, 30] } });
    expect(ratio(odd, 'tfjs-wasm')).toBe(12);
    const even = result({ roundRatios: { 'tfjs-wasm': [8, 14, 10, 40] } });
    expect(ratio(even, 'tfjs-wasm')).toBe(12);
    expect(markdownTable([odd])).toContain('12.00× (7.0–30.0)');
  });
});
