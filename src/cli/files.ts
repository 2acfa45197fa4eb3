/**
 * Writing one file so that a crash at any moment leaves either the old file or the new one,
 * never a mix or a stub:
 *
 *     dir/.name.tmp-k3x9q     1. the bytes are written here, then fsync'd (they are on disk)
 *     dir/.name.tmp-k3x9q  →  dir/name     2. one rename replaces the target (atomic on POSIX)
 *     dir                     3. the folder is fsync'd, so the rename itself is on disk
 *
 * The temporary file sits in the target's own folder because a rename across file systems is a
 * copy, and a copy is not atomic. Without step 1's fsync a power cut after the rename could leave
 * the new name pointing at blocks never written; without step 3 the rename could be lost.
 *
 * It also holds the `--save DIR` / `--resume DIR` machinery of `tms` and `sae`: a save folder
 * holds `checkpoint.safetensors` (the latest training state; format in src/persistence/checkpoint.ts)
 * and, at the end, the final model in the layout of src/persistence/saelens.ts.
 *
 * Node's `fs` is reached through `process.getBuiltinModule`, as node-io.ts does, so that no Node
 * types enter the library's build.
 *
 * @module
 */
import type { TrainingState } from '../models/training-state.js';
import { type Checkpoint, configConflicts, readCheckpoint, writeCheckpoint } from '../persistence/checkpoint.js';
import { CliUsageError, type FlagSpec, intFlag, stringFlag } from './args.js';
import { splitPath } from './atomic.js';
import { nodeProcess } from './node-io.js';

/** The parts of Node's `fs` used here. */
interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  readdirSync(path: string): string[];
}

/** The parts of Node's `process` the clean-up of crashed writers' temp files needs. */
interface WriterProcess {
  pid: number;
  kill(pid: number, signal: 0): true;
}

function writerProcess(): WriterProcess {
  return nodeProcess() as unknown as WriterProcess;
}

/** Whether a process with this id is running (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    writerProcess().kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is running.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes the temp files that writers of `name` killed mid-write left in `parent`. Temp names
 * carry the writer's process id (`.NAME.tmp-PID-XXXX`), so a file whose writer is no longer running
 * is an orphan, while one whose writer still runs is left alone (it may be mid-write).
 */
function removeOrphans(fs: NodeFs, parent: string, name: string): void {
  const prefix = `.${name}.tmp-`;
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== writerProcess().pid && !isRunning(pid)) {
      fs.rmSync(join(parent, entry), { force: true });
    }
  }
}

function nodeFs(): NodeFs {
  return nodeProcess().getBuiltinModule('node:fs') as unknown as NodeFs;
}

/** `folder` and `name` joined with a `/`. */
function join(folder: string, name: string): string {
  return /[/\\]$/.test(folder) ? `${folder}${name}` : `${folder}/${name}`;
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
  fs.mkdirSync(parent, { recursive: true });
  removeOrphans(fs, parent, name);
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
  const temporary = join(parent, `.${name}.tmp-${writerProcess().pid}-${suffix}`);
  try {
    const fd = fs.openSync(temporary, 'wx');
    try {
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, path);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(fs, parent);
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
    const lines = conflicts.map((name) => `--${name}: saved ${JSON.stringify(checkpoint.config[name])}, now ${JSON.stringify(config[name])}`);
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
  return (state) => writeFileAtomically(join(save, CHECKPOINT_FILE), writeCheckpoint({ kind, config, state }));
}

/** Writes each file of `files` (name → text or bytes) into `dir`, each atomically. */
export function writeFilesAtomically<F extends { [K in keyof F]: string | Uint8Array }>(dir: string, files: F): void {
  for (const [name, data] of Object.entries(files) as [string, string | Uint8Array][]) {
    writeFileAtomically(join(dir, name), typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }
}
