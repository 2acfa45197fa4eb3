/**
 * Running the command line in-process for tests: fake stdout and stderr that collect text, and
 * the assertions every CLI test file shares.
 */
import { expect } from 'vitest';
import type { DirectoryIO } from '../../src/cli/atomic.js';
import { type CliIO, main } from '../../src/cli/main.js';

/** What one run of the command line printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Whether stderr claims to be a terminal (progress bars) or a log (plain lines). Default false. */
  isTTY?: boolean;
  /** The file system for `--out` folders; default Node's. */
  files?: DirectoryIO;
  /** What `--version` reads; default a fixed test version. */
  version?: () => string;
}

/** Runs `superposition <argv>` with fake streams and returns what it printed. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text), isTTY: options.isTTY ?? false, columns: 100 },
    version: options.version ?? (() => '0.0.0-test'),
    ...(options.files === undefined ? {} : { files: options.files }),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** stdout as exactly one JSON document: one line, then a newline, and nothing else. */
export function onlyJson(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.slice(0, -1)).not.toContain('\n');
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Expects exit code 2, nothing on stdout, and a message on stderr holding every fragment; returns it. */
export async function expectUsageError(argv: string[], ...fragments: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(argv);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  for (const fragment of fragments) expect(stderr).toContain(fragment);
  return stderr;
}
