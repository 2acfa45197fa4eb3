/**
 * The command line's flag parser: a few lines of our own instead of a dependency, so that every
 * message can name the flag and say exactly what it accepts.
 *
 * A subcommand declares its flags as a record of specs, one per flag, built with the helpers
 * below (`intFlag`, `numberFlag`, `enumFlag`, `booleanFlag`, `stringFlag`, `densityFlag`). Each
 * spec knows how to read its text, what it allows (in words, for messages and `--help`), its
 * default, and its help line. {@link parseFlags} turns the argument list into a typed record:
 *
 *     parseFlags({ steps: intFlag({ default: 100, min: 0, help: '…' }) }, ['--steps=5'])
 *       // returns { steps: 5, help: false }
 *
 * Accepted forms: `--flag value` and `--flag=value`; a boolean flag is `--flag` alone (or
 * `--flag=true|false`). A value may start with a single `-` (so `--steps -5` reaches the
 * validation and is refused there, by name). `--help` and `-h` are always recognised. Anything
 * else (unknown flags, positional words, a flag given twice, a value that does not fit) throws a
 * {@link CliUsageError}, which the entry point turns into exit code 2.
 *
 * @module
 */
import type { Densities, OptionError } from '../experiments/options.js';

/** A mistake in the command line itself: the entry point prints its message and exits with 2. */
export class CliUsageError extends Error {
  /** @param message - what was wrong, naming the flag and what it allows. */
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** One flag: how to read it, what it allows, its default and its help line. */
export interface FlagSpec<T> {
  /** What the value looks like in the help text (`N`, `X`, `relu|linear`); empty for booleans. */
  readonly placeholder: string;
  /** What the flag allows, in words, for messages: "a whole number ≥ 0". */
  readonly allowed: string;
  /** The value when the flag is absent. */
  readonly default: T;
  /** How the default reads in `--help`; defaults to the text the flag would be given as. */
  readonly defaultText: string;
  /** One line (or a few) of help. */
  readonly help: string;
  /** True for flags that take no value. */
  readonly isBoolean: boolean;
  /**
   * Reads the flag's text, returning the value, or a reason the text is not allowed (and, when
   * only part of the text is at fault, that part as `got`).
   */
  read(text: string): { value: T } | { error: string; got?: string };
}

/** A subcommand's flags, by name without the leading dashes (`"steps"`, `"importance-range"`). */
export type FlagSpecs = Record<string, FlagSpec<unknown>>;

/** The values {@link parseFlags} returns for some specs, plus `help`. */
export type ParsedFlags<S extends FlagSpecs> = { [K in keyof S]: S[K] extends FlagSpec<infer T> ? T : never } & { help: boolean };

/** The parts every flag helper takes. */
interface CommonOptions<T> {
  default: T;
  help: string;
  /** Override the default as shown in `--help`. */
  defaultText?: string;
}

/** A decimal number as people type it: 12, -3, 0.5, .5, 1e-3. Hex, Infinity and blanks are refused. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function readNumber(text: string): number | undefined {
  return DECIMAL.test(text.trim()) ? Number(text) : undefined;
}

/** The bounds part of a message: "≥ 0", "> 0 and ≤ 1". */
function boundsText(bounds: { min?: number; max?: number; exclusiveMin?: boolean }): string {
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`${bounds.exclusiveMin ? '>' : '≥'} ${bounds.min}`);
  if (bounds.max !== undefined) parts.push(`≤ ${bounds.max}`);
  return parts.join(' and ');
}

/**
 * A whole-number flag, optionally bounded. Exponent forms that land on a whole number (`1e4`) are
 * accepted.
 */
export function intFlag(options: CommonOptions<number> & { min?: number; max?: number; placeholder?: string }): FlagSpec<number> {
  const bounds = boundsText(options);
  const allowed = `a whole number${bounds ? ` ${bounds}` : ''}`;
  return {
    placeholder: options.placeholder ?? 'N', allowed, default: options.default,
    defaultText: options.defaultText ?? String(options.default), help: options.help, isBoolean: false,
    read(text) {
      const value = readNumber(text);
      if (value === undefined || !Number.isSafeInteger(value)) return { error: `must be ${allowed}` };
      if (options.min !== undefined && value < options.min) return { error: `must be ${allowed}` };
      if (options.max !== undefined && value > options.max) return { error: `must be ${allowed}` };
      return { value };
    },
  };
}

/** A real-number flag, optionally bounded (`exclusiveMin` makes the lower bound strict). */
export function numberFlag(options: CommonOptions<number> & { min?: number; max?: number; exclusiveMin?: boolean; placeholder?: string }): FlagSpec<number> {
  const bounds = boundsText(options);
  const allowed = `a number${bounds ? ` ${bounds}` : ''}`;
  return {
    placeholder: options.placeholder ?? 'X', allowed, default: options.default,
    defaultText: options.defaultText ?? String(options.default), help: options.help, isBoolean: false,
    read(text) {
      const value = readNumber(text);
      if (value === undefined || !Number.isFinite(value)) return { error: `must be ${allowed}` };
      if (options.min !== undefined && (options.exclusiveMin ? value <= options.min : value < options.min)) return { error: `must be ${allowed}` };
      if (options.max !== undefined && value > options.max) return { error: `must be ${allowed}` };
      return { value };
    },
  };
}

/** A flag whose value is one of a fixed list of words. */
export function enumFlag<const V extends string>(options: CommonOptions<V> & { values: readonly V[] }): FlagSpec<V> {
  const allowed = `one of ${options.values.join(', ')}`;
  return {
    placeholder: options.values.join('|'), allowed, default: options.default,
    defaultText: options.defaultText ?? options.default, help: options.help, isBoolean: false,
    read(text) {
      return (options.values as readonly string[]).includes(text) ? { value: text as V } : { error: `must be ${allowed}` };
    },
  };
}

/** A free-text flag (a path, a name). Empty text is refused. */
export function stringFlag(options: CommonOptions<string> & { placeholder?: string }): FlagSpec<string> {
  return {
    placeholder: options.placeholder ?? 'TEXT', allowed: 'some text', default: options.default,
    defaultText: options.defaultText ?? (options.default === '' ? 'none' : options.default), help: options.help, isBoolean: false,
    read(text) {
      return text === '' ? { error: 'must not be empty' } : { value: text };
    },
  };
}

/** An on/off flag: present means on. Its default is always off. */
export function booleanFlag(options: { help: string }): FlagSpec<boolean> {
  return {
    placeholder: '', allowed: 'no value (or =true, =false)', default: false, defaultText: 'off', help: options.help, isBoolean: true,
    read(text) {
      if (text === 'true') return { value: true };
      if (text === 'false') return { value: false };
      return { error: 'takes no value (or =true, =false)' };
    },
  };
}

/**
 * Feature densities as typed: a list with one value per instance, or a range `hi:lo` spread
 * log-evenly over however many instances there are (resolved by the experiment, `resolveDensities`).
 */
export type DensitySpec =
  | { kind: 'list'; values: number[]; text: string }
  | { kind: 'range'; high: number; low: number; text: string };

/**
 * A density flag: `p1,p2,…` (each in (0, 1]) or `hi:lo` (both in (0, 1]). The count of a list is
 * checked against the instances later, by the experiment (`resolveDensities`), since it depends on another flag.
 */
export function densityFlag(options: { default: string; help: string }): FlagSpec<DensitySpec> {
  const allowed = 'a comma list of densities (one per instance) or a range hi:lo, each in (0, 1]';
  const spec: FlagSpec<DensitySpec> = {
    placeholder: 'P,P,…|HI:LO', allowed, default: undefined as unknown as DensitySpec,
    defaultText: options.default, help: options.help, isBoolean: false,
    read(text) {
      const isRange = text.includes(':');
      const parts = text.split(isRange ? ':' : ',');
      if (isRange && parts.length !== 2) return { error: `must be ${allowed}` };
      const values: number[] = [];
      for (const part of parts) {
        const value = readNumber(part);
        if (value === undefined) return { error: `must be ${allowed}` };
        if (!(value > 0 && value <= 1)) return { error: 'values must be in (0, 1] (the probability that a feature is present)', got: part };
        values.push(value);
      }
      return { value: isRange ? { kind: 'range', high: values[0], low: values[1], text } : { kind: 'list', values, text } };
    },
  };
  const parsedDefault = spec.read(options.default);
  if ('error' in parsedDefault) throw new Error(`densityFlag: the default ${options.default} ${parsedDefault.error}`);
  return { ...spec, default: parsedDefault.value };
}

/** A density flag's value as the experiments take it: a list, or a range {high, low}. */
export function toDensities(spec: DensitySpec): Densities {
  return spec.kind === 'list' ? [...spec.values] : { high: spec.high, low: spec.low };
}

/** Densities as a density flag reads them: `hi:lo` for a range, a comma list otherwise. */
export function densityText(densities: Densities): string {
  return Array.isArray(densities) ? densities.join(',') : `${(densities as { high: number }).high}:${(densities as { low: number }).low}`;
}

/** An option's flag: `tmsSteps` is `--tms-steps`. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** An experiment's refusal of an option, as a usage error naming the flags. */
export function usageErrorOf(error: OptionError): CliUsageError {
  return new CliUsageError(error.describe(flagName));
}

/**
 * Edits (insert, delete, replace, or swap two neighbours) between two words, for "did you mean":
 * the swap makes `--stpes` one edit from `--steps`, as a typist's slip is.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest known flag name to a mistyped one, if it is close enough to be a typo. */
function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Reads `argv` (the words after the subcommand) against `specs`. Absent flags take their defaults.
 *
 * @throws CliUsageError naming the flag and what it allows, for any word that does not fit.
 */
export function parseFlags<S extends FlagSpecs>(specs: S, argv: readonly string[]): ParsedFlags<S> {
  const values: Record<string, unknown> = { help: false };
  const seen = new Set<string>();
  const names = Object.keys(specs);
  const usage = (message: string): CliUsageError => new CliUsageError(message);

  for (let index = 0; index < argv.length; index++) {
    const word = argv[index];
    if (word === '--help' || word === '-h') {
      values.help = true;
      continue;
    }
    if (!word.startsWith('--') || word === '--') {
      throw usage(`unexpected argument '${word}'; flags start with -- (see --help)`);
    }
    const equals = word.indexOf('=');
    const name = equals === -1 ? word.slice(2) : word.slice(2, equals);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const guess = suggest(name, names);
      throw usage(`unknown flag --${name}${guess ? `; did you mean --${guess}?` : ''} (see --help for the flags)`);
    }
    if (seen.has(name)) throw usage(`--${name} is given more than once`);
    seen.add(name);

    let text: string;
    if (equals !== -1) {
      text = word.slice(equals + 1);
    } else if (spec.isBoolean) {
      values[name] = true;
      continue;
    } else {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw usage(`--${name} needs a value: ${spec.allowed}`);
      text = next;
      index++;
    }
    const result = spec.read(text);
    if ('error' in result) {
      const got = result.got ?? text;
      throw usage(`--${name} ${result.error}, got ${got === '' ? 'nothing' : got}`);
    }
    values[name] = result.value;
  }
  for (const name of names) if (!seen.has(name)) values[name] = specs[name].default;
  return values as ParsedFlags<S>;
}

/** What a subcommand's `--help` shows. */
export interface HelpPage {
  /** The usage line, e.g. "superposition tms [flags]". */
  usage: string;
  /** What the command does, a paragraph or two. */
  description: string;
  /** The flags, listed in this order. */
  flags: FlagSpecs;
  /** Closing notes (run times, examples). */
  notes?: string;
}

/** Wraps `text` to `width` columns, continuing lines with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines.map((line, i) => (i === 0 ? line : indent + line));
}

/**
 * The `--help` text of a subcommand: usage, description, then every flag with its placeholder,
 * help and default, aligned in two columns, and `--help` itself last.
 */
export function formatHelp(page: HelpPage, width = 100): string {
  const entries = Object.entries(page.flags).map(([name, spec]) => {
    const left = spec.placeholder === '' ? `--${name}` : `--${name} ${spec.placeholder}`;
    const right = spec.isBoolean ? spec.help : `${spec.help} (default ${spec.defaultText})`;
    return [left, right] as const;
  });
  entries.push(['--help', 'show this help']);
  const column = Math.min(30, Math.max(...entries.map(([left]) => left.length)) + 4);
  const indent = ' '.repeat(column);
  const lines = [`Usage: ${page.usage}`, '', ...wrap(page.description, width, ''), '', 'Flags:'];
  for (const [left, right] of entries) {
    const head = `  ${left}`;
    const body = wrap(right, width - column, indent);
    if (head.length + 2 > column) {
      lines.push(head, indent + body[0], ...body.slice(1));
    } else {
      lines.push(head.padEnd(column) + body[0], ...body.slice(1));
    }
  }
  if (page.notes) lines.push('', ...wrap(page.notes, width, ''));
  return `${lines.join('\n')}\n`;
}
