/**
 * `superposition inspect FILE`: what a safetensors or `.npy` file holds, without training anything.
 *
 * - safetensors: each tensor's name, dtype, shape and byte size (in the order of the data), the
 *   header length and the `__metadata__` strings;
 * - `.npy`: the dtype (`descr`), shape, whether the data is in Fortran order, and the header
 *   version.
 *
 * The kind is told by the extension (`.safetensors`, `.npy`), or for any other name by the first
 * bytes (`.npy` files start with \x93NUMPY). A file that does not read is a usage error (exit 2)
 * carrying the reader's reason. With `--json`, one document:
 *
 *     {"file", "format": "safetensors", "headerLength", "tensors": [{"name","dtype","shape","bytes","dataOffsets"}], "metadata"}
 *     {"file", "format": "npy", "version", "descr", "dtype", "shape", "fortranOrder", "dataOffset", "bytes"}
 *
 * @module
 */
import { NPY_MAGIC, parseNpyHeader, readNpy } from '../../io/npy.js';
import { inspectSafetensors } from '../../io/safetensors.js';
import { TensorError } from '../../tensor/errors.js';
import { CliUsageError, booleanFlag, formatHelp, parseFlags } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { formatTable } from '../format.js';

/** The flags of `inspect` (it trains nothing, so there is no --seed). */
const INSPECT_FLAGS = {
  json: booleanFlag({ help: 'print one JSON document instead of the table' }),
  quiet: booleanFlag({ help: 'accepted for symmetry with the other commands (inspect shows no progress)' }),
};

/** Whether `bytes` start with the `.npy` magic. */
function looksLikeNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** The report on one file, as the JSON document `--json` prints. */
export type InspectReport =
  | {
    /** The path as given. */
    file: string;
    /** The format. */
    format: 'safetensors';
    /** The JSON header's length in bytes. */
    headerLength: number;
    /** The tensors in data order. */
    tensors: { name: string; dtype: string; shape: number[]; bytes: number; dataOffsets: [number, number] }[];
    /** The `__metadata__` strings, or null. */
    metadata: Record<string, string> | null;
  }
  | {
    /** The path as given. */
    file: string;
    /** The format. */
    format: 'npy';
    /** The header version, e.g. "1.0". */
    version: string;
    /** The element type as written, e.g. "<f4". */
    descr: string;
    /** The tensor dtype it reads as. */
    dtype: string;
    /** The shape. */
    shape: number[];
    /** Whether the data is in Fortran (column-major) order. */
    fortranOrder: boolean;
    /** Where the data starts. */
    dataOffset: number;
    /** The data's size in bytes. */
    bytes: number;
  };

/**
 * Reads and checks `bytes` as the file `path`.
 *
 * @throws CliUsageError carrying the reader's reason when the file is not valid.
 */
export function inspectFile(path: string, bytes: Uint8Array): InspectReport {
  const lower = path.toLowerCase();
  const isNpy = lower.endsWith('.npy') || (!lower.endsWith('.safetensors') && looksLikeNpy(bytes));
  try {
    if (isNpy) {
      const header = parseNpyHeader(bytes);
      const tensor = readNpy(bytes); // checks the data too, not just the header
      return {
        file: path, format: 'npy', version: `${header.version.major}.${header.version.minor}`, descr: header.descr,
        dtype: tensor.dtype, shape: header.shape, fortranOrder: header.fortranOrder, dataOffset: header.dataOffset,
        bytes: bytes.length - header.dataOffset,
      };
    }
    const { entries, metadata, headerLength } = inspectSafetensors(bytes);
    return {
      file: path, format: 'safetensors', headerLength, metadata,
      tensors: entries.map((entry) => ({
        name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: entry.dataOffsets[1] - entry.dataOffsets[0], dataOffsets: entry.dataOffsets,
      })),
    };
  } catch (error) {
    if (error instanceof TensorError) throw new CliUsageError(`${path} is not a valid ${isNpy ? '.npy' : 'safetensors'} file: ${error.message}`);
    throw error;
  }
}

/** The table `inspect` prints without `--json`. */
export function formatInspectReport(report: InspectReport): string {
  const shape = (dims: readonly number[]): string => `[${dims.join(',')}]`;
  if (report.format === 'npy') {
    return formatTable(['field', 'value'], [
      ['format', `npy, header version ${report.version}`],
      ['descr', `${report.descr} (read as ${report.dtype})`],
      ['shape', shape(report.shape)],
      ['fortran order', String(report.fortranOrder)],
      ['data', `${report.bytes} bytes from byte ${report.dataOffset}`],
    ], [0, 1]);
  }
  const lines = [
    `${report.file}: safetensors, ${report.tensors.length} tensor${report.tensors.length === 1 ? '' : 's'}, header ${report.headerLength} bytes\n`,
    report.tensors.length === 0 ? '' : formatTable(
      ['name', 'dtype', 'shape', 'bytes'],
      report.tensors.map((t) => [t.name, t.dtype, shape(t.shape), String(t.bytes)]),
      [0, 1, 2],
    ),
  ];
  const metadata = Object.entries(report.metadata ?? {});
  lines.push(metadata.length === 0 ? 'metadata: none\n' : `metadata:\n${metadata.map(([key, value]) => `  ${key}: ${value}\n`).join('')}`);
  return lines.join('');
}

/** The `inspect` command. It takes one positional word, FILE, so it is built by hand rather than with defineCommand. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show the tensors of a .safetensors or .npy file: names, dtypes, shapes, sizes and metadata',
  help: () => formatHelp({
    usage: 'superposition inspect FILE [flags]',
    description:
      'Reads FILE and checks it (every rule the readers enforce), then lists what it holds. For safetensors: ' +
      'each tensor\'s name, dtype, shape and byte size, the header length, and the __metadata__ strings. ' +
      'For .npy: the dtype, shape, Fortran order and header version. A file that does not read exits with ' +
      'code 2 and the reader\'s reason.',
    flags: INSPECT_FLAGS,
    notes: 'Examples:\nsuperposition inspect sae/sae_weights.safetensors\nsuperposition inspect acts.npy --json',
  }),
  prepare(argv) {
    const words = argv.filter((word) => !word.startsWith('-'));
    const flags = parseFlags(INSPECT_FLAGS, argv.filter((word) => word.startsWith('-')));
    if (flags.help) return null;
    if (words.length !== 1) {
      throw new CliUsageError(words.length === 0 ? 'which file? usage: superposition inspect FILE' : `inspect takes one file, got ${words.length}: ${words.join(' ')}`);
    }
    const path = words[0];
    return {
      quiet: flags.quiet,
      run(context: CommandContext) {
        let bytes: Uint8Array;
        try {
          bytes = context.readFile(path);
        } catch (error) {
          throw new CliUsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const report = inspectFile(path, bytes);
        context.out(flags.json ? `${JSON.stringify(report)}\n` : formatInspectReport(report));
      },
    };
  },
};
