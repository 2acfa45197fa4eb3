/**
 * What a subcommand is: a name, a help page, typed flags, and a `run` that writes its summary (or
 * its JSON) to stdout and its progress to stderr. {@link defineCommand} keeps the flags' types
 * from the spec record through to `run`, and hides them behind one untyped {@link Command} shape
 * so the entry point can hold every command in one list.
 *
 * Every command shares the flags of {@link commonFlags}: `--json`, `--quiet`, `--seed`.
 *
 * @module
 */
import { type FlagSpec, type FlagSpecs, type ParsedFlags, booleanFlag, formatHelp, intFlag, parseFlags } from './args.js';
import type { Progress } from './progress.js';

/** What a running command may use. */
export interface CommandContext {
  /** Writes to stdout (the summary, or the one JSON document). */
  out(text: string): void;
  /** Progress and notes on stderr. */
  progress: Progress;
  /** Reads a whole file as bytes (for `--input FILE.npy`); throws when it cannot. */
  readFile(path: string): Uint8Array;
}

/** The flags every command has. */
export function commonFlags(): { json: FlagSpec<boolean>; quiet: FlagSpec<boolean>; seed: FlagSpec<number> } {
  return {
    seed: intFlag({ default: 0, min: 0, help: 'seed of the initial weights and of the data; the same seed gives the same numbers' }),
    json: booleanFlag({ help: 'print one JSON document on stdout instead of the summary (nothing else goes to stdout)' }),
    quiet: booleanFlag({ help: 'no progress on stderr' }),
  };
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
  return {
    name: definition.name,
    summary: definition.summary,
    help: () => formatHelp({
      usage: `superposition ${definition.name} [flags]`,
      description: definition.description,
      flags: definition.flags,
      notes: definition.notes,
    }),
    prepare(argv) {
      const flags = parseFlags(definition.flags, argv);
      if (flags.help) return null;
      return { quiet: flags.quiet as boolean, run: (context) => definition.run(flags, context) };
    },
  };
}
