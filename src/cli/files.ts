/**
 * Writing files so that a crash at any moment leaves either the old file or the new one, never a
 * mix or a stub:
 *
 *     dir/.name.tmp-PID-k3x9q     1. the bytes are written here, then fsync'd (they are on disk)
 *     dir/.name.tmp-PID-k3x9q  →  dir/name     2. one rename replaces the target (atomic on POSIX)
 *     dir                         3. the folder is fsync'd, so the rename itself is on disk
 *
 * The temporary file sits in the target's own folder because a rename across file systems is a
 * copy, and a copy is not atomic. Without step 1's fsync a power cut after the rename could leave
 * the new name pointing at blocks never written; without step 3 the rename could be lost.
 *
 * Several files that belong together (a model's `cfg.json` and `sae_weights.safetensors`) are
 * written as one unit by {@link writeFilesAtomically}: every temporary file is written and
 * fsync'd first, so a failure there (a full disk) leaves all the old files; then the old files
 * are set aside (`.name.old-PID-…`) and the new ones renamed in, and a failed rename puts the
 * old ones back. Both files, or neither.
 *
 * It also holds the `--save DIR` / `--resume DIR` machinery of `tms` and `sae`: a save folder
 * holds `checkpoint.safetensors` (the latest training state; format in src/persistence/checkpoint.ts),
 * at the end the final model in the layout of src/persistence/saelens.ts, and the manifest (atomic.ts's
 * `MANIFEST_FILE`, kind `save`) listing what this program wrote there. Whether a folder may be
 * saved into is output.ts's question, asked before training.
 *
 * Temporary and set-aside files carry the writer's process id, and the next write of the same
 * name removes those whose writer is gone (or puts a set-aside file back when the target is
 * missing). Node's `fs` is reached through `process.getBuiltinModule`, as node-io.ts does, so
 * that no Node types enter the library's build.
 *
 * @module
 */
import type { TrainingState } from '../models/training-state.js';
import { type Checkpoint, configConflicts, readCheckpoint, writeCheckpoint } from '../persistence/checkpoint.js';
import { CliUsageError, type FlagSpec, intFlag, stringFlag } from './args.js';
import {
  MANIFEST_FILE, describeFsError, joinPath as join, makeFolders, manifestText, nodeDirectoryIO, readManifest, splitPath, writerOf,
} from './atomic.js';
import { currentPid, nodeProcess, processIsRunning } from './node-io.js';

/** The parts of Node's `fs` used here. */
interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
  readdirSync(path: string): string[];
  statSync(path: string, options: { throwIfNoEntry: false }): object | undefined;
}

/**
 * Removes the temp files that writers of `name` killed mid-write left in `parent`. Temp names
 * carry the writer's process id (`.NAME.tmp-PID-XXXX`), so a file whose writer is no longer running
 * is an orphan, while one whose writer still runs is left alone (it may be mid-write). A set-aside
 * old file (`.NAME.old-PID-XXXX`) of a dead writer is put back when `name` is missing, else removed.
 */
function removeOrphans(fs: NodeFs, parent: string, name: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return;
  }
  const me = currentPid();
  const target = join(parent, name);
  for (const prefix of [`.${name}.tmp-`, `.${name}.old-`]) {
    for (const entry of entries) {
      const pid = writerOf(entry, prefix);
      if (!Number.isInteger(pid) || pid <= 0 || pid === me || processIsRunning(pid)) continue;
      const path = join(parent, entry);
      if (prefix.endsWith('.old-') && fs.statSync(target, { throwIfNoEntry: false }) === undefined) fs.renameSync(path, target);
      else fs.rmSync(path, { force: true });
    }
  }
}

function nodeFs(): NodeFs {
  return nodeProcess().getBuiltinModule('node:fs') as unknown as NodeFs;
}

/** fsyncs a folder, so that renames in it are durable. Windows cannot open a folder: skipped there. */
function syncFolder(fs: NodeFs, folder: string): void {
  let fd: number;
  try {
    fd = fs.openSync(folder, 'r');
  } catch (error) {
    if ((globalThis as { process?: { platform?: string } }).process?.platform === 'win32') return;
    throw error;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A temporary or set-aside sibling's suffix: the writer's process id, then a random part. */
function suffix(): string {
  return `${currentPid()}-${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

/** Writes `bytes` to a new file `path` and fsyncs it. */
function writeAndSync(fs: NodeFs, path: string, bytes: Uint8Array): void {
  const fd = fs.openSync(path, 'wx');
  try {
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The folder `parent`, made if missing (bounded: atomic.ts's makeFolders). */
function ensureFolder(parent: string): void {
  makeFolders(parent, nodeDirectoryIO());
}

/**
 * Writes `bytes` to `path` atomically and durably (see the module notes). Creates the parent
 * folders if needed. On failure the temporary file is removed and `path` is left as it was; temp
 * files left by earlier writers that were killed mid-write are removed first.
 *
 * @example
 * ```ts
 * writeFileAtomically('runs/a/checkpoint.safetensors', bytes);
 * // returns undefined; the file holds exactly `bytes`, or (after a crash) what it held before
 * ```
 */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const fs = nodeFs();
  const { parent, name } = splitPath(path);
  if (name === '' || name === '.' || name === '..') throw new Error(`writeFileAtomically: ${path} names no file`);
  ensureFolder(parent);
  removeOrphans(fs, parent, name);
  const temporary = join(parent, `.${name}.tmp-${suffix()}`);
  try {
    writeAndSync(fs, temporary, bytes);
    fs.renameSync(temporary, path);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${describeFsError(error)}`);
  }
  syncFolder(fs, parent);
}

/**
 * Adds `names` to the `save` manifest of folder `dir` (making the folder if needed), rewriting
 * it only when a name is new. Written before the files it lists, so the manifest never misses a
 * file this program put there.
 */
function recordInManifest(dir: string, names: readonly string[]): void {
  const io = nodeDirectoryIO();
  ensureFolder(dir);
  const manifest = readManifest(dir, io);
  const known = new Set(manifest?.kind === 'save' ? manifest.files : []);
  if (names.every((name) => known.has(name))) return;
  for (const name of names) known.add(name);
  writeFileAtomically(join(dir, MANIFEST_FILE), new TextEncoder().encode(manifestText('save', [...known])));
}

/**
 * Writes each file of `files` (name → text or bytes) into `dir` as one unit: all of them, or
 * (after an error) none, the old files left as they were (see the module notes). Records them in
 * the folder's manifest.
 *
 * @example
 * ```ts
 * writeFilesAtomically('out/my-sae', { 'cfg.json': cfg, 'sae_weights.safetensors': weights });
 * ```
 */
export function writeFilesAtomically<F extends { [K in keyof F]: string | Uint8Array }>(dir: string, files: F): void {
  const fs = nodeFs();
  const entries = (Object.entries(files) as [string, string | Uint8Array][])
    .map(([name, data]): [string, Uint8Array] => [name, typeof data === 'string' ? new TextEncoder().encode(data) : data]);
  for (const [name] of entries) {
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name) || name === MANIFEST_FILE) {
      throw new Error(`writeFilesAtomically: ${JSON.stringify(name)} is not a plain file name of its own`);
    }
  }
  recordInManifest(dir, entries.map(([name]) => name));
  for (const [name] of entries) removeOrphans(fs, dir, name);
  const id = suffix();
  const moves = entries.map(([name]) => ({
    target: join(dir, name), temporary: join(dir, `.${name}.tmp-${id}`), aside: join(dir, `.${name}.old-${id}`), setAside: false, placed: false,
  }));
  // Each step of the undo is tried on its own: one that fails (a temporary never made, with a
  // name the file system refuses) must not stop the old files from going back.
  const attempt = (action: () => void): void => {
    try {
      action();
    } catch {
      // nothing more can be done for this file
    }
  };
  const undo = (): void => {
    for (const move of moves) {
      if (move.setAside) attempt(() => fs.renameSync(move.aside, move.target));
      else if (move.placed) attempt(() => fs.rmSync(move.target, { force: true }));
      attempt(() => fs.rmSync(move.temporary, { force: true }));
    }
  };
  try {
    // 1. Every new file, whole and on disk, before any old one is touched.
    entries.forEach(([, bytes], index) => writeAndSync(fs, moves[index].temporary, bytes));
    // 2. The old files aside, the new ones in.
    for (const move of moves) {
      if (fs.statSync(move.target, { throwIfNoEntry: false }) !== undefined) {
        fs.renameSync(move.target, move.aside);
        move.setAside = true;
      }
      fs.renameSync(move.temporary, move.target);
      move.placed = true;
    }
  } catch (error) {
    undo();
    throw new Error(`cannot write ${entries.map(([name]) => name).join(' and ')} in ${dir}: ${describeFsError(error)}; the old files are as they were`);
  }
  for (const move of moves) if (move.setAside) fs.rmSync(move.aside, { force: true });
  syncFolder(fs, dir);
}

// ─── Checkpoint folders: `--save DIR` and `--resume DIR` ───

/** The checkpoint's name inside a `--save` folder: the latest state, replaced atomically at each save. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/**
 * The flags `--save DIR`, `--resume DIR` and `--checkpoint-every N`, shared by `tms` and `sae`.
 */
export function checkpointFlags(): { save: FlagSpec<string>; resume: FlagSpec<string>; 'checkpoint-every': FlagSpec<number> } {
  return {
    save: stringFlag({
      default: '', placeholder: 'DIR', defaultText: 'none',
      help: `save a checkpoint (DIR/${CHECKPOINT_FILE}: parameters, optimizer state, RNG state, step) every ` +
        '--checkpoint-every steps and at the end, and the final model; each file is written to a temporary file, ' +
        'fsync\'d and renamed, so a crash leaves the previous checkpoint whole',
    }),
    resume: stringFlag({
      default: '', placeholder: 'DIR', defaultText: 'none',
      help: `continue the run saved in DIR/${CHECKPOINT_FILE} up to --steps; the other settings must match the saved ones. ` +
        'The result is bit-identical to a run that never stopped',
    }),
    'checkpoint-every': intFlag({ default: 1000, min: 1, help: 'steps between checkpoints (with --save)' }),
  };
}

/** The most differing settings a refused resume lists (then a count). */
const MAX_CONFLICTS_SHOWN = 8;

/** The config key holding the content hash of a run's `--input` file ({@link contentHash}). */
export const INPUT_HASH_KEY = 'inputHash';

/**
 * A 64-bit FNV-1a hash of `bytes`, as 16 hex digits: what a checkpoint stores of its `--input`
 * file, so that resuming on a file whose contents changed is refused. Not cryptographic: it tells
 * an edited or replaced file from the same one, which is all a resume needs.
 *
 * @example
 * ```ts
 * contentHash(new Uint8Array(0));   // returns 'cbf29ce484222325'
 * ```
 */
export function contentHash(bytes: Uint8Array): string {
  // 64-bit FNV-1a in two 32-bit halves: h = (h ^ byte) · 0x100000001b3 mod 2⁶⁴.
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    low ^= bytes[i];
    // (high·2³² + low) · (2⁴⁰ + 0x1b3): the low word times 0x1b3, the carries, and low << 8 into the high word.
    const lowProduct = (low & 0xffff) * 0x1b3;
    const lowHigh = ((low >>> 16) * 0x1b3) + (lowProduct >>> 16);
    const newLow = ((lowHigh & 0xffff) << 16) | (lowProduct & 0xffff);
    high = (Math.imul(high, 0x1b3) + (lowHigh >>> 16) + (low << 8)) >>> 0;
    low = newLow >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/**
 * The state to resume from, or undefined without `--resume`. Refuses (CliUsageError) a folder with
 * no readable checkpoint, a checkpoint of another command, settings that differ from the saved
 * ones (naming each flag, with both values), and `--steps` below the saved step.
 */
export function readResumeState(
  resume: string, kind: string, config: Checkpoint['config'], steps: number, readFile: (path: string) => Uint8Array,
): TrainingState | undefined {
  if (resume === '') return undefined;
  const path = join(resume, CHECKPOINT_FILE);
  let checkpoint: Checkpoint;
  try {
    checkpoint = readCheckpoint(readFile(path));
  } catch (error) {
    throw new CliUsageError(`--resume ${resume}: cannot read ${path}: ${(error as Error).message}`);
  }
  if (checkpoint.kind !== kind) throw new CliUsageError(`--resume ${resume}: the checkpoint was saved by '${checkpoint.kind}', not '${kind}'`);
  const conflicts = configConflicts(checkpoint.config, config);
  if (conflicts.length > 0) {
    const value = (saved: unknown): string => {
      const text = JSON.stringify(saved) ?? 'nothing';
      return text.length > 80 ? `${text.slice(0, 77)}…` : text;
    };
    const lines = conflicts.slice(0, MAX_CONFLICTS_SHOWN).map((name) => (name === INPUT_HASH_KEY
      ? `--input ${String(config.input)}: the file's contents are not the saved run's (content hash saved ${value(checkpoint.config[name])}, now ${value(config[name])})`
      : `--${name.length > 40 ? `${name.slice(0, 37)}…` : name}: saved ${value(checkpoint.config[name])}, now ${value(config[name])}`));
    if (conflicts.length > MAX_CONFLICTS_SHOWN) lines.push(`and ${conflicts.length - MAX_CONFLICTS_SHOWN} more`);
    throw new CliUsageError(`--resume ${resume}: these settings differ from the saved run's (drop them or give the saved values):\n  ${lines.join('\n  ')}`);
  }
  if (checkpoint.state.step > steps) {
    throw new CliUsageError(`--resume ${resume}: the checkpoint is at step ${checkpoint.state.step}, past --steps ${steps}; give --steps ≥ ${checkpoint.state.step}`);
  }
  return checkpoint.state;
}

/** With `--save DIR`: a function that writes each state as DIR/checkpoint.safetensors, atomically. Without: undefined. */
export function checkpointWriter(save: string, kind: string, config: Checkpoint['config']): ((state: TrainingState) => void) | undefined {
  if (save === '') return undefined;
  return (state) => writeFilesAtomically(save, { [CHECKPOINT_FILE]: writeCheckpoint({ kind, config, state }) });
}
