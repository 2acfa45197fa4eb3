/**
 * Progress on stderr, in one of three modes, so that stdout stays clean for the summary or the
 * JSON:
 *
 *     bar      stderr is a terminal: one line redrawn in place (carriage return, then
 *              "erase to end of line"), e.g.
 *              training relu  [██████████░░░░░░░░░░]  50%  5000/10000  loss 0.0521  eta 6s
 *     lines    stderr is a file or a CI log: a plain line each time a task passes another
 *              tenth of its work, and one when it finishes, since a log cannot be redrawn
 *     silent   --quiet: nothing
 *
 * A {@link Progress} writes to any object with a `write(text)` method, and takes its clock as a
 * function, so tests drive it with a fake stream and a fake clock.
 *
 * @module
 */

/** Where progress goes: stderr, or a test's fake. */
export interface ProgressStream {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
}

/** How progress is shown; see the module notes. */
export type ProgressMode = 'bar' | 'lines' | 'silent';

/** The mode for a stream: bars on a terminal, lines otherwise, nothing when quiet. */
export function progressMode(options: { isTTY: boolean; quiet: boolean }): ProgressMode {
  if (options.quiet) return 'silent';
  return options.isTTY ? 'bar' : 'lines';
}

/** How to build a {@link Progress}. */
export interface ProgressOptions {
  /** See {@link ProgressMode}. */
  mode: ProgressMode;
  /** The terminal's width, for the bar mode. Default 80. */
  columns?: number;
  /** The clock, in milliseconds. Default `performance.now`. */
  now?: () => number;
  /** The least time between two redraws of a bar, in ms, so a fast loop does not flood the terminal. Default 100. */
  redrawEvery?: number;
}

/** "7s", "2m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Shows the progress of tasks (one at a time) and plain notes, in the chosen mode. */
export class Progress {
  /** The mode this reporter draws in. */
  readonly mode: ProgressMode;
  /** The terminal's width (bar mode). */
  readonly columns: number;
  /** The least time between two redraws of a bar, in ms. */
  readonly redrawEvery: number;
  /** The clock, in ms. */
  readonly now: () => number;
  private readonly stream: ProgressStream;
  /** True while a bar is on screen without its closing newline. */
  private barShown = false;

  /** @param stream - where to write (stderr). */
  constructor(stream: ProgressStream, options: ProgressOptions) {
    this.stream = stream;
    this.mode = options.mode;
    this.columns = options.columns || 80; // a pseudo-terminal may report 0 columns
    this.now = options.now ?? (() => performance.now());
    this.redrawEvery = options.redrawEvery ?? 100;
  }

  /** Starts a task of `total` units (steps, cells) called `label`. */
  task(label: string, total: number): ProgressTask {
    return new ProgressTask(this, label, total);
  }

  /** A line of its own ("wrote out/report.html"); in bar mode it goes above the bar. */
  note(message: string): void {
    this.line(message);
  }

  /** Redraws the bar's line in place (bar mode). */
  drawBar(text: string): void {
    if (this.mode === 'silent') return;
    // Cut to the width: a line that wraps can no longer be redrawn in place.
    this.stream.write(`\r${text.slice(0, Math.max(10, this.columns - 1))}\x1b[K`);
    this.barShown = true;
  }

  /** Ends the bar's line, keeping what it last showed. */
  closeBar(): void {
    if (this.barShown) this.stream.write('\n');
    this.barShown = false;
  }

  /** Writes a line of its own, first wiping a bar that is on screen. */
  line(text: string): void {
    if (this.mode === 'silent') return;
    if (this.barShown) this.stream.write('\r\x1b[K');
    this.barShown = false;
    this.stream.write(`${text}\n`);
  }
}

/** One task's progress; made by {@link Progress.task}. */
export class ProgressTask {
  private readonly progress: Progress;
  private readonly label: string;
  private readonly total: number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastTenth = 0;
  private finished = false;

  /** Prefer {@link Progress.task}, which makes one. */
  constructor(progress: Progress, label: string, total: number) {
    this.progress = progress;
    this.label = label;
    this.total = Math.max(0, total);
    this.started = progress.now();
  }

  /** `done` of the total units are done; `detail` is shown after the count (e.g. "loss 0.052"). */
  update(done: number, detail = ''): void {
    if (this.finished || this.progress.mode === 'silent') return;
    const fraction = this.total === 0 ? 1 : Math.min(1, Math.max(0, done / this.total));
    const now = this.progress.now();
    const elapsed = (now - this.started) / 1000;
    if (this.progress.mode === 'bar') {
      if (now - this.lastDraw < this.progress.redrawEvery && fraction < 1) return;
      this.lastDraw = now;
      const eta = fraction > 0 && fraction < 1 ? `  eta ${formatDuration((elapsed / fraction) * (1 - fraction))}` : '';
      const tail = `${percent(fraction)}  ${done}/${this.total}${detail ? `  ${detail}` : ''}${eta}`;
      const barWidth = Math.max(10, Math.min(30, this.progress.columns - this.label.length - tail.length - 8));
      const filled = Math.round(fraction * barWidth);
      this.progress.drawBar(`${this.label}  [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]  ${tail}`);
      return;
    }
    // Lines: one line each time another tenth is passed (never the last: finish() says that).
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.lastTenth && fraction < 1) {
      this.lastTenth = tenth;
      this.progress.line(`${this.label}: ${percent(fraction)} (${done}/${this.total})${detail ? `, ${detail}` : ''}, ${formatDuration(elapsed)}`);
    }
  }

  /** Marks the task done, with an optional closing detail ("final loss 0.031"). */
  finish(detail = ''): void {
    if (this.finished) return;
    this.finished = true;
    if (this.progress.mode === 'silent') return;
    const elapsed = formatDuration((this.progress.now() - this.started) / 1000);
    if (this.progress.mode === 'bar') {
      const barWidth = Math.max(10, Math.min(30, this.progress.columns - this.label.length - 40));
      this.progress.drawBar(`${this.label}  [${'█'.repeat(barWidth)}]  100%  ${this.total}/${this.total}${detail ? `  ${detail}` : ''}  ${elapsed}`);
      this.progress.closeBar();
    } else {
      this.progress.line(`${this.label}: done (${this.total}/${this.total})${detail ? `, ${detail}` : ''}, ${elapsed}`);
    }
  }
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`.padStart(4);
}
