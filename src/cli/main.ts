/**
 * The `superposition` command line: reads the subcommand, hands it its flags, and turns what
 * happens into an exit code.
 *
 *     superposition --help | --version | help [command]
 *     superposition lesson | tms | phase | geometry | sae | steer [flags]
 *     superposition inspect FILE [--json]
 *
 * Exit codes: 0 when all went well; 2 for a usage error (unknown command or flag, a value that
 * does not fit), with a message naming the flag and what it allows; 1 for anything that failed
 * while running (a diverged loss, say).
 *
 * Streams: stdout gets only the summary, or with `--json` exactly one JSON document; help and
 * `--version` also go to stdout. stderr gets progress and error messages.
 *
 * {@link main} takes its streams as an argument ({@link CliIO}), so tests run it in-process with
 * fake streams; `bin.ts` passes the real ones.
 *
 * @module
 */
import { OptionError } from '../experiments/options.js';
import { DivergenceError } from '../models/divergence.js';
import { CliUsageError, flagName, usageErrorOf } from './args.js';
import { type DirectoryIO, nodeDirectoryIO } from './atomic.js';
import type { Command } from './command.js';
import { geometryCommand } from './commands/geometry.js';
import { inspectCommand } from './commands/inspect.js';
import { lessonCommand } from './commands/lesson.js';
import { mnistCommand } from './commands/mnist.js';
import { phaseCommand } from './commands/phase.js';
import { saeCommand } from './commands/sae.js';
import { steerCommand } from './commands/steer.js';
import { tmsCommand } from './commands/tms.js';
import { nodeProcess, packageVersion } from './node-io.js';
import { Progress, type ProgressStream, progressMode } from './progress.js';

/** The streams and facts the command line runs with. */
export interface CliIO {
  /** Summaries, JSON, help. */
  stdout: ProgressStream;
  /** Progress and errors, with whether it is a terminal (bars) or not (plain lines). */
  stderr: ProgressStream & { isTTY?: boolean; columns?: number };
  /** The package's version, for `--version`. */
  version: () => string;
  /** The clock for progress, in ms. Default `performance.now`. */
  now?: () => number;
  /** Reads a file's bytes (for `--input`). Default: Node's `fs.readFileSync`. */
  readFile?: (path: string) => Uint8Array;
  /** Writes folders of results (`lesson --out`). Default: Node's fs ({@link nodeDirectoryIO}). */
  files?: DirectoryIO;
}

/** The longest error message printed whole; a longer one (a reader quoting a huge input) is cut, saying how much. */
export const MAX_MESSAGE_LENGTH = 1000;

/** `message`, cut to {@link MAX_MESSAGE_LENGTH} characters with a note of what was left out. */
export function clipMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  return `${message.slice(0, MAX_MESSAGE_LENGTH)}… (${message.length - MAX_MESSAGE_LENGTH} more characters left out)`;
}

/** The real terminal: stdout, stderr (with whether it is a terminal, and its width), the version. */
export function nodeIO(): CliIO {
  const { stdout, stderr } = nodeProcess();
  return {
    stdout: { write: (text) => stdout.write(text) },
    stderr: { write: (text) => stderr.write(text), isTTY: stderr.isTTY === true, columns: stderr.columns },
    version: packageVersion,
  };
}

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [lessonCommand, tmsCommand, phaseCommand, geometryCommand, saeCommand, steerCommand, mnistCommand, inspectCommand];

/**
 * Reads a file with Node's fs (found through `process`, as node-io.ts does, so that no Node
 * types enter the build).
 */
function readFileWithNode(path: string): Uint8Array {
  const fs = nodeProcess().getBuiltinModule('node:fs') as unknown as { readFileSync(path: string): Uint8Array };
  return fs.readFileSync(path);
}

/** The top-level help. */
export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 4;
  return [
    'Usage: superposition <command> [flags]',
    '',
    'Toy models of superposition, trained and measured from scratch in TypeScript.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    `  ${'help'.padEnd(width)}show the help of a command: superposition help tms`,
    '',
    'Flags:',
    `  ${'--help'.padEnd(width)}show this help`,
    `  ${'--version'.padEnd(width)}show the version`,
    '',
    'Every command shows progress on stderr (a bar on a terminal, plain lines otherwise; --quiet',
    'silences it), prints a summary on stdout, or with --json exactly one JSON document, and takes',
    '--seed. Run `superposition <command> --help` for its flags and defaults.',
    '',
  ].join('\n');
}

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}

function unknownCommand(name: string): CliUsageError {
  const names = COMMANDS.map((command) => command.name).join(', ');
  return new CliUsageError(`unknown command '${name}'; the commands are ${names} (see --help)`);
}

/**
 * Runs the command line with `argv` (the words after `superposition`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await main(['tms', '--steps', '100', '--json']);   // returns 0, JSON on stdout
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = nodeIO()): Promise<number> {
  let command: Command | undefined;
  let progress: Progress | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr.write(`superposition: which command?\n\n${topLevelHelp()}`);
      return 2;
    }
    if (first === '--help' || first === '-h') {
      io.stdout.write(topLevelHelp());
      return 0;
    }
    if (first === '--version') {
      io.stdout.write(`${io.version()}\n`);
      return 0;
    }
    if (first === 'help') {
      if (rest.length > 1) throw new CliUsageError(`help takes one command name, got ${rest.join(' ')}`);
      if (rest.length === 0) {
        io.stdout.write(topLevelHelp());
        return 0;
      }
      const target = findCommand(rest[0]);
      if (target === undefined) throw unknownCommand(rest[0]);
      io.stdout.write(target.help());
      return 0;
    }
    if (first.startsWith('-')) throw new CliUsageError(`unknown flag ${first}; flags go after the command (see --help)`);
    command = findCommand(first);
    if (command === undefined) throw unknownCommand(first);

    const prepared = command.prepare(rest);
    if (prepared === null) {
      io.stdout.write(command.help());
      return 0;
    }
    progress = new Progress(io.stderr, {
      mode: progressMode({ isTTY: io.stderr.isTTY === true, quiet: prepared.quiet }),
      columns: io.stderr.columns,
      now: io.now,
    });
    const context = { out: (text: string) => void io.stdout.write(text), progress, readFile: io.readFile ?? readFileWithNode, files: io.files ?? nodeDirectoryIO() };
    await prepared.run(context);
    return 0;
  } catch (caught) {
    let error = caught;
    progress?.closeBar(); // so the message does not land on the end of a progress bar
    const prefix = command === undefined ? 'superposition' : `superposition ${command.name}`;
    // An experiment's refusal of an option is a usage error: its option is a flag of the same name.
    if (error instanceof OptionError) error = usageErrorOf(error);
    if (error instanceof CliUsageError) {
      const helpCommand = command === undefined ? 'superposition --help' : `superposition ${command.name} --help`;
      io.stderr.write(`${prefix}: ${clipMessage(error.message)}\nRun '${helpCommand}' for the flags and what they allow.\n`);
      return 2;
    }
    // A diverged run names the option to lower as the flag that sets it (tmsLr → --tms-lr).
    const message = error instanceof DivergenceError ? error.describe(flagName) : error instanceof Error ? error.message : String(error);
    io.stderr.write(`${prefix}: error: ${clipMessage(message)}\n`);
    return 1;
  }
}
