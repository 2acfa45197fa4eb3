/**
 * Where a command may write, decided before it trains: `--out DIR` (a results folder, replaced
 * whole) and `--save DIR` (a checkpoint folder, written file by file). A user's files are never
 * deleted or overwritten unless `--force` says so.
 *
 *     --out DIR    missing, empty, or written by this program (its manifest lists every file in
 *                  it: atomic.ts's checkOutFolder); --force replaces a folder of files on purpose
 *     --save DIR   missing or empty; or the folder --resume continues; --force writes over
 *                  another run's checkpoint, or over files of the same name in a folder of yours
 *                  (it deletes nothing else there)
 *
 * Every location is also probed before the run: each folder on the way must be a folder, not a
 * file, and the deepest one that exists must accept a new folder (one is made and removed at
 * once). So `--save afile`, `--out afile/sub` and `--out /proc/x` are refused in a line, with
 * exit 2, before any training, rather than failing (or hanging) after it.
 *
 * @module
 */
import { CliUsageError, type FlagSpec, booleanFlag } from './args.js';
import {
  type DirectoryIO, describeFsError, fileInTheWay, firstAndCount, joinPath, MANIFEST_FILE, pathPrefixes, readManifest, splitPath,
  checkOutFolder,
} from './atomic.js';
import { currentPid, nodeProcess } from './node-io.js';

/** The `--force` flag of the commands that write `--out` or `--save` folders. */
export function forceFlag(): FlagSpec<boolean> {
  return booleanFlag({
    help: 'replace on purpose: let --out replace a folder of files this program did not write, and --save write over ' +
      'another run\'s checkpoint or files of the same name (never needed for a new folder, or one this program wrote with --out)',
  });
}

/** Options of {@link checkSaveFolder}. */
export interface SaveFolderOptions {
  /** `--force`: write over another run's checkpoint, or files of the same name. */
  force?: boolean;
  /** `--resume DIR`: saving into the folder being resumed continues that run. */
  resume?: string;
}

/** The absolute form of a path, for telling whether two flags name one folder. */
function absolute(path: string): string {
  const node = nodeProcess() as unknown as { getBuiltinModule(id: 'node:path'): { resolve(path: string): string } };
  return node.getBuiltinModule('node:path').resolve(path);
}

/**
 * Why `--save dir` may not be written, or null when it may (see the module notes).
 *
 * @example
 * ```ts
 * checkSaveFolder('runs/new');                          // returns null: a new folder
 * checkSaveFolder('runs/a');                            // returns "runs/a holds another run's checkpoint; …" after a run saved there
 * checkSaveFolder('runs/a', { resume: 'runs/a' });      // returns null: the run continues
 * ```
 */
export function checkSaveFolder(dir: string, io: DirectoryIO, options: SaveFolderOptions = {}): string | null {
  const { name } = splitPath(dir);
  if (name === '' || name === '.' || name === '..') return `${dir} names no folder of its own; give a folder such as runs/tms`;
  const blocker = fileInTheWay(dir, io);
  if (blocker !== null) return `${blocker} is a file, not a folder, so ${dir} cannot be made inside it`;
  const kind = io.kind(dir);
  if (kind === 'missing') return null;
  if (kind === 'file') return `${dir} is a file, not a folder; give a new folder's name`;
  const entries = io.list(dir);
  if (entries.length === 0) return null;
  if (options.resume !== undefined && options.resume !== '' && absolute(options.resume) === absolute(dir)) return null;
  if (options.force === true) return null;
  const manifest = readManifest(dir, io);
  if (manifest?.kind === 'save') {
    return `${dir} holds another run's checkpoint; continue that run with --resume ${dir}, give a new folder, ` +
      'or add --force to write over it';
  }
  if (manifest !== null) return `${dir} holds the results of an --out run; give a new folder, or add --force to write into it`;
  const others = entries.filter((entry) => entry !== MANIFEST_FILE);
  return `${dir} holds ${others.length} file${others.length === 1 ? '' : 's'} (${firstAndCount(others)}) that superposition ` +
    'did not write (it has no manifest); give a new folder, or add --force to write over files of the same name';
}

/**
 * Why nothing can be made in `dir`'s location, or null: the deepest existing folder on the way
 * to `dir` must take a new folder (one is made beside, and removed at once). One step per path
 * component, and one mkdir: nothing here can spin.
 */
export function probeLocation(dir: string, io: DirectoryIO): string | null {
  const prefixes = pathPrefixes(dir);
  let deepest = prefixes.length > 0 && prefixes[0].startsWith('/') ? '/' : '.';
  for (const prefix of prefixes) {
    const kind = io.kind(prefix);
    if (kind === 'missing') break;
    if (kind === 'file') return `${prefix} is a file, not a folder`;
    deepest = prefix;
  }
  const probe = joinPath(deepest, `.superposition-probe-${currentPid()}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`);
  try {
    io.mkdir(probe, { recursive: false });
  } catch (error) {
    return `cannot make a folder in ${deepest} (${describeFsError(error)})`;
  }
  io.removeTree(probe);
  return null;
}

/** The output flags a command was given. */
export interface OutputFlags {
  /** `--out DIR`, or empty. */
  out?: string;
  /** `--save DIR`, or empty. */
  save?: string;
  /** `--resume DIR`, or empty. */
  resume?: string;
  /** `--force`. */
  force?: boolean;
}

/**
 * Checks every output location the flags name, before any work: refuses (CliUsageError, exit 2,
 * one line naming the flag and the path) what {@link checkOutFolder}, {@link checkSaveFolder}
 * or {@link probeLocation} refuse, and `--out` and `--save` naming one folder.
 */
export function preflightOutputs(flags: OutputFlags, io: DirectoryIO): void {
  const out = flags.out ?? '';
  const save = flags.save ?? '';
  if (out !== '') {
    // The new folder is made beside DIR and renamed, so DIR's parent must take a folder.
    const refusal = checkOutFolder(out, io, { force: flags.force }) ?? probeLocation(splitPath(out).parent, io);
    if (refusal !== null) throw new CliUsageError(`--out cannot be replaced: ${refusal}`);
  }
  if (save !== '') {
    const refusal = checkSaveFolder(save, io, { force: flags.force, resume: flags.resume }) ?? probeLocation(save, io);
    if (refusal !== null) throw new CliUsageError(`--save cannot be written: ${refusal}`);
  }
  if (out !== '' && save !== '' && absolute(out) === absolute(save)) {
    throw new CliUsageError(`--out and --save both name ${out}; --out replaces its folder whole, so give them different folders`);
  }
}
