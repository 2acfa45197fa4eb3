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
import { NPY_MAGIC, NPY_MAX_HEADER_BYTES, checkNpyDataLength, npyDtype, parseNpyHeader } from '../../io/npy.js';
import { SAFETENSORS_MAX_HEADER_BYTES, inspectSafetensors } from '../../io/safetensors.js';
import { TensorError } from '../../tensor/errors.js';
import { CliUsageError, booleanFlag, formatHelp, parseFlags } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { formatTable } from '../format.js';
import { nodeProcess } from '../node-io.js';

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
 * Reads and checks `bytes` as the file `path`: the whole file, or with `fileLength` (the file's
 * length) only its first bytes, up to the end of the header. The data is checked by its length
 * (shape × item size), not read.
 *
 * @throws CliUsageError carrying the reader's reason when the file is not valid.
 */
export function inspectFile(path: string, bytes: Uint8Array, fileLength: number = bytes.length): InspectReport {
  const lower = path.toLowerCase();
  const isNpy = lower.endsWith('.npy') || (!lower.endsWith('.safetensors') && looksLikeNpy(bytes));
  try {
    if (isNpy) {
      const header = parseNpyHeader(bytes, fileLength);
      checkNpyDataLength(header, fileLength); // the data's length fits the shape and dtype
      return {
        file: path, format: 'npy', version: `${header.version.major}.${header.version.minor}`, descr: header.descr,
        dtype: npyDtype(header.descr), shape: header.shape, fortranOrder: header.fortranOrder, dataOffset: header.dataOffset,
        bytes: fileLength - header.dataOffset,
      };
    }
    const { entries, metadata, headerLength } = inspectSafetensors(bytes, fileLength);
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

/** The parts of Node's `fs` the header read uses. */
interface NodeFs {
  openSync(path: string, flags: string): number;
  fstatSync(fd: number): { size: number; isFile(): boolean };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
}

/**
 * The first bytes of a file, up to the end of its header (a `.npy` or safetensors header, told by
 * the magic bytes or the extension), and the file's length: never the data, so inspecting a
 * 100 GB file (or /dev/zero) reads kilobytes. Refuses what is not a regular file.
 */
export function readHeaderBytes(path: string): { bytes: Uint8Array; fileLength: number } {
  const fs = nodeProcess().getBuiltinModule('node:fs') as unknown as NodeFs;
  const fd = fs.openSync(path, 'r');
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new Error('it is not a regular file (a device, a pipe or a folder); give a .npy or .safetensors file');
    const fileLength = stats.size;
    // Reads [0, end) of the file, or less where the file ends first; bounded: each read moves on or stops.
    const read = (end: number): Uint8Array => {
      const buffer = new Uint8Array(Math.min(end, fileLength));
      let length = 0;
      while (length < buffer.length) {
        const got = fs.readSync(fd, buffer, length, buffer.length - length, length);
        if (got === 0) break;
        length += got;
      }
      return buffer.subarray(0, length);
    };
    const start = read(16);
    const lower = path.toLowerCase();
    const isNpy = lower.endsWith('.npy') || (!lower.endsWith('.safetensors') && looksLikeNpy(start));
    let headerEnd: number;
    if (isNpy) {
      // Version 1 has a 2-byte header length at byte 8, versions 2 and 3 a 4-byte one.
      const lengthBytes = start[6] === 1 ? 2 : 4;
      let declared = 0;
      for (let i = lengthBytes - 1; i >= 0; i--) declared = declared * 256 + (start[8 + i] ?? 0);
      headerEnd = 8 + lengthBytes + Math.min(declared, NPY_MAX_HEADER_BYTES + 1);
    } else {
      const view = new DataView(start.buffer, start.byteOffset, start.length);
      const declared = start.length >= 8 && view.getUint32(4, true) === 0 ? view.getUint32(0, true) : SAFETENSORS_MAX_HEADER_BYTES + 1;
      headerEnd = 8 + Math.min(declared, SAFETENSORS_MAX_HEADER_BYTES + 1);
    }
    // Past the cap, the first 16 bytes suffice: the readers refuse the declared length itself.
    const capped = isNpy ? headerEnd > 10 + NPY_MAX_HEADER_BYTES : headerEnd > 8 + SAFETENSORS_MAX_HEADER_BYTES;
    return { bytes: capped || headerEnd > fileLength ? start : read(headerEnd), fileLength };
  } finally {
    fs.closeSync(fd);
  }
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
        let head: { bytes: Uint8Array; fileLength: number };
        try {
          head = readHeaderBytes(path);
        } catch (error) {
          throw new CliUsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const report = inspectFile(path, head.bytes, head.fileLength);
        context.out(flags.json ? `${JSON.stringify(report)}\n` : formatInspectReport(report));
      },
    };
  },
};
