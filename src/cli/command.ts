/**
 * What a subcommand is: a name, a help page, typed flags, and a `run` that writes its summary (or
 * its JSON) to stdout and its progress to stderr. {@link defineCommand} keeps the flags' types
 * from the spec record through to `run`, and hides them behind one untyped {@link Command} shape
 * so the entry point can hold every command in one list.
 *
 * Every command shares the flags of {@link commonFlags}: `--json`, `--quiet`, `--seed`. The
 * commands that draw plots also take {@link outFlag}, `--out DIR`: the plots as SVG files and
 * `result.json` (the document `--json` prints), written by {@link writeOutFolder} into a temporary
 * folder beside DIR and renamed into place, so DIR is never left half-written. A command with
 * `--out` or `--save` also takes `--force`, and has every output location checked before it runs
 * (output.ts): a user's folder is never replaced unless asked.
 *
 * @module
 */
import { type FlagSpec, type FlagSpecs, type ParsedFlags, booleanFlag, formatHelp, intFlag, parseFlags, stringFlag } from './args.js';
import { type DirectoryIO, nodeDirectoryIO, writeDirectoryAtomically } from './atomic.js';
import { forceFlag, type OutputFlags, preflightOutputs } from './output.js';
import type { OutFile } from '../report/plots.js';
import type { Progress } from './progress.js';

/** What a running command may use. */
export interface CommandContext {
  /** Writes to stdout (the summary, or the one JSON document). */
  out(text: string): void;
  /** Progress and notes on stderr. */
  progress: Progress;
  /** Reads a whole file as bytes (for `--input FILE.npy`); throws when it cannot. */
  readFile(path: string): Uint8Array;
  /** Writes folders of results (`--out DIR`); when absent, Node's fs (`nodeDirectoryIO`). */
  files?: DirectoryIO;
  /** `--force`: replace output folders on purpose (see output.ts). */
  force?: boolean;
}

/** The flags every command has. */
export function commonFlags(): { json: FlagSpec<boolean>; quiet: FlagSpec<boolean>; seed: FlagSpec<number> } {
  return {
    seed: intFlag({ default: 0, min: 0, help: 'seed of the initial weights and of the data; the same seed gives the same numbers' }),
    json: booleanFlag({ help: 'print one JSON document on stdout instead of the summary (nothing else goes to stdout)' }),
    quiet: booleanFlag({ help: 'no progress on stderr' }),
  };
}

/**
 * The `--out DIR` flag of the commands that draw plots; empty (the default) writes nothing. A
 * folder that may not be replaced whole (a file, or a folder this program did not write; see
 * `checkOutFolder`) is refused once the flags are read, before any training (output.ts).
 */
export function outFlag(): FlagSpec<string> {
  const text = stringFlag({
    default: '',
    placeholder: 'DIR',
    defaultText: 'none',
    help: 'also write the plots (SVG) and result.json (the --json document) into DIR: a new folder, or one an earlier --out ' +
      'wrote (replaced whole; --force for any other folder of files); written to a temporary folder beside DIR, then ' +
      'renamed, so DIR is never half-written',
  });
  return { ...text, allowed: 'a new folder, or one an earlier --out wrote' };
}

export type { OutFile };

/** The name of the JSON document in an `--out` folder. */
export const RESULT_FILE = 'result.json';

/**
 * Writes `plots` and {@link RESULT_FILE} (holding `json`, exactly what `--json` prints) into
 * `folder`, atomically, through the context's file system: every file goes into a temporary
 * folder beside it, which is then renamed to `folder`, so a failure part-way leaves `folder` as it
 * was. Notes what it wrote on the context's progress.
 */
export function writeOutFolder(
  folder: string, json: string, plots: readonly OutFile[], context: Pick<CommandContext, 'progress' | 'files' | 'force'>,
): void {
  const names = new Set<string>([RESULT_FILE]);
  for (const plot of plots) {
    if (names.has(plot.name)) throw new Error(`writeOutFolder: two files are named ${plot.name}`);
    names.add(plot.name);
  }
  const files: Record<string, string> = { [RESULT_FILE]: json };
  for (const plot of plots) files[plot.name] = plot.text;
  writeDirectoryAtomically(folder, files, context.files ?? nodeDirectoryIO(), { force: context.force });
  context.progress.note(`wrote ${plots.length} plot${plots.length === 1 ? '' : 's'} and ${RESULT_FILE} to ${folder}`);
}

/** A command's definition, with its flags typed. */
export interface CommandDefinition<S extends FlagSpecs & { quiet: FlagSpec<boolean> }> {
  /** The word after `superposition`. */
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** The help page's description. */
  description: string;
  /** The help page's closing notes (run times, examples). */
  notes?: string;
  /** The flags, in help order. */
  flags: S;
  /** Runs with parsed flags; throws CliUsageError for flag combinations that do not fit. */
  run(flags: ParsedFlags<S>, context: CommandContext): void | Promise<void>;
}

/** A command as the entry point sees it. */
export interface Command {
  /** The word after `superposition`. */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** The `--help` page. */
  help(): string;
  /**
   * Parses `argv` (the words after the command's name). Returns null for `--help`, or whether
   * progress should be quiet and a function that runs the command.
   */
  prepare(argv: readonly string[]): { quiet: boolean; run(context: CommandContext): void | Promise<void> } | null;
}

/** Wraps a typed definition as a {@link Command}. */
export function defineCommand<S extends FlagSpecs & { quiet: FlagSpec<boolean> }>(definition: CommandDefinition<S>): Command {
  // A command that writes folders also takes --force (output.ts), just before the common flags in the help.
  const writesFolders = 'out' in definition.flags || 'save' in definition.flags;
  const specs: S = writesFolders ? withForce(definition.flags) : definition.flags;
  return {
    name: definition.name,
    summary: definition.summary,
    help: () => formatHelp({
      usage: `superposition ${definition.name} [flags]`,
      description: definition.description,
      flags: specs,
      notes: definition.notes,
    }),
    prepare(argv) {
      const flags = parseFlags(specs, argv);
      if (flags.help) return null;
      // Every output location is checked before any work (output.ts).
      if (writesFolders) preflightOutputs(flags as OutputFlags, nodeDirectoryIO());
      const force = flags.force === true;
      return { quiet: flags.quiet as boolean, run: (context) => definition.run(flags, { ...context, force }) };
    },
  };
}

/** `flags` with `--force` added before `--json` (or at the end). */
function withForce<S extends FlagSpecs>(flags: S): S {
  const entries = Object.entries(flags);
  const at = entries.findIndex(([name]) => name === 'seed' || name === 'json');
  entries.splice(at === -1 ? entries.length : at, 0, ['force', forceFlag()]);
  return Object.fromEntries(entries) as S;
}
