/**
 * Progress on a fake stream with a fake clock: plain lines every tenth in a log, a bar redrawn
 * in place on a terminal, nothing when quiet.
 */
import { describe, expect, it } from 'vitest';
import { Progress, formatDuration, progressMode } from '../../src/cli/progress.js';

/** A stream that records what is written, and a clock the test moves. */
function fakes(): { stream: { write(text: string): void }; written: string[]; tick(ms: number): void; now(): number } {
  const written: string[] = [];
  let time = 0;
  return {
    stream: { write: (text) => void written.push(text) },
    written,
    tick: (ms) => void (time += ms),
    now: () => time,
  };
}

describe('progressMode', () => {
  it('draws bars on a terminal, lines elsewhere, nothing when quiet', () => {
    expect(progressMode({ isTTY: true, quiet: false })).toBe('bar');
    expect(progressMode({ isTTY: false, quiet: false })).toBe('lines');
    expect(progressMode({ isTTY: true, quiet: true })).toBe('silent');
    expect(progressMode({ isTTY: false, quiet: true })).toBe('silent');
  });
});

describe('lines mode', () => {
  it('writes one line per tenth passed, then one when done, each ending in a newline', () => {
    const { stream, written, tick, now } = fakes();
    const task = new Progress(stream, { mode: 'lines', now }).task('training', 1000);
    for (let step = 1; step <= 1000; step++) {
      tick(10);
      task.update(step, `loss ${1 / step}`);
    }
    task.finish('loss 0.001');
    // 10%, 20%, …, 90% and the closing line; 100% itself is said by finish().
    expect(written).toHaveLength(10);
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(written[0]).toBe('training:  10% (100/1000), loss 0.01, 1s\n');
    expect(written[8]).toMatch(/^training:  90% \(900\/1000\)/);
    expect(written[9]).toBe('training: done (1000/1000), loss 0.001, 10s\n');
  });

  it('says each tenth once, even when updates jump past several', () => {
    const { stream, written, now } = fakes();
    const task = new Progress(stream, { mode: 'lines', now }).task('cells', 10);
    task.update(3);
    task.update(3);
    task.update(7);
    expect(written.map((line) => line.slice(0, 11))).toEqual(['cells:  30%', 'cells:  70%']);
  });

  it('writes notes as lines of their own', () => {
    const { stream, written } = fakes();
    new Progress(stream, { mode: 'lines' }).note('wrote out/x.json');
    expect(written).toEqual(['wrote out/x.json\n']);
  });
});

describe('bar mode', () => {
  it('redraws one line in place, at most once per redraw interval, and ends it on finish', () => {
    const { stream, written, tick, now } = fakes();
    const task = new Progress(stream, { mode: 'bar', now, columns: 100, redrawEvery: 100 }).task('training', 100);
    for (let step = 1; step <= 100; step++) {
      tick(10); // ten updates per redraw interval
      task.update(step);
    }
    task.finish();
    const draws = written.filter((text) => text.startsWith('\r'));
    // One draw per 100 ms of a 1000 ms run, give or take the first and the last.
    expect(draws.length).toBeGreaterThanOrEqual(9);
    expect(draws.length).toBeLessThanOrEqual(12);
    for (const draw of draws) {
      expect(draw.endsWith('\x1b[K')).toBe(true);
      expect(draw.includes('\n')).toBe(false);
      expect(draw.length - '\r\x1b[K'.length).toBeLessThanOrEqual(99);
    }
    expect(written.at(-1)).toBe('\n');
    expect(written.filter((text) => text.includes('\n'))).toHaveLength(1);
    expect(draws.at(-1)).toContain('100%');
  });

  it('shows the fraction as filled cells and a percentage', () => {
    const { stream, written, now } = fakes();
    const task = new Progress(stream, { mode: 'bar', now, columns: 80 }).task('t', 4);
    task.update(1);
    const bar = /\[(█*)(░*)\]/.exec(written[0]);
    expect(bar).not.toBeNull();
    const [, filled, empty] = bar!;
    expect(filled.length / (filled.length + empty.length)).toBeCloseTo(0.25, 1);
    expect(written[0]).toContain(' 25%  1/4');
  });

  it('wipes the bar before a note, so the note gets a clean line', () => {
    const { stream, written, now } = fakes();
    const progress = new Progress(stream, { mode: 'bar', now });
    progress.task('t', 10).update(5);
    progress.note('hello');
    expect(written.slice(-2)).toEqual(['\r\x1b[K', 'hello\n']);
  });
});

describe('silent mode', () => {
  it('writes nothing at all', () => {
    const { stream, written, tick, now } = fakes();
    const progress = new Progress(stream, { mode: 'silent', now });
    const task = progress.task('t', 10);
    for (let step = 1; step <= 10; step++) {
      tick(1000);
      task.update(step);
    }
    task.finish();
    progress.note('x');
    progress.closeBar();
    expect(written).toEqual([]);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes, hours', () => {
    expect(formatDuration(0.4)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});
