/**
 * Writing a folder of results all at once, or not at all: the files go into a temporary folder
 * beside the target, which is then renamed into place. A run that fails part-way (an error, a
 * full disk, Ctrl-C) leaves the target as it was: the old report, or nothing.
 *
 *     out/.lesson.tmp-k3x9q/            1. every file is written here
 *     out/lesson  →  out/.lesson.old-k3x9q    2. an old folder, if any, is moved aside
 *     out/.lesson.tmp-k3x9q  →  out/lesson    3. the new folder takes its place (one rename)
 *     out/.lesson.old-k3x9q             4. and the old one is removed
 *
 * If step 3 fails, the old folder is moved back. A rename within one folder is atomic on POSIX
 * file systems, which is why the temporary folder sits beside the target rather than in /tmp
 * (which may be another file system, where a rename would be a copy).
 *
 * Safety: the target is replaced whole, so a mistyped `--out .` or `--out src` must not wipe a
 * folder of the user's. An existing target is replaced only when it is a folder holding nothing
 * but files (no sub-folders), as every folder written here is; otherwise {@link checkOutFolder}
 * says why not, and {@link writeDirectoryAtomically} refuses.
 *
 * The file system is reached through a small {@link DirectoryIO} object, so tests can make a
 * write fail part-way; the default uses Node's `fs`, found through `process.getBuiltinModule` as
 * node-io.ts does, so that no Node types enter the library's build.
 *
 * @module
 */
import { nodeProcess } from './node-io.js';

/** The few file-system calls a folder write needs (synchronous, as Node's `fs.*Sync`). */
export interface DirectoryIO {
  /** What is at `path`: a directory, a file (or anything else that is not a directory), or nothing. */
  kind(path: string): 'directory' | 'file' | 'missing';
  /** The names in a directory. */
  list(path: string): string[];
  /** Creates a directory, and its parents with `recursive`. */
  mkdir(path: string, options: { recursive: boolean }): void;
  /** Writes a whole file. */
  writeFile(path: string, data: string | Uint8Array): void;
  /** Renames `from` to `to` (a directory onto a missing path). */
  rename(from: string, to: string): void;
  /** Removes a directory and everything in it; no error if it is missing. */
  removeTree(path: string): void;
}

/** The parts of Node's `fs` used here. */
interface NodeFs {
  statSync(path: string, options: { throwIfNoEntry: false }): { isDirectory(): boolean } | undefined;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: boolean }): void;
  writeFileSync(path: string, data: string | Uint8Array): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
}

/** {@link DirectoryIO} on Node's `fs`. */
export function nodeDirectoryIO(): DirectoryIO {
  const fs = nodeProcess().getBuiltinModule('node:fs') as unknown as NodeFs;
  return {
    kind(path) {
      const stats = fs.statSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return 'missing';
      return stats.isDirectory() ? 'directory' : 'file';
    },
    list: (path) => fs.readdirSync(path),
    mkdir: (path, options) => void fs.mkdirSync(path, options),
    writeFile: (path, data) => fs.writeFileSync(path, data),
    rename: (from, to) => fs.renameSync(from, to),
    removeTree: (path) => fs.rmSync(path, { recursive: true, force: true }),
  };
}

/** A path cut at its last separator. */
export interface PathParts {
  /** The folder holding it (`.` when the path has no separator). */
  parent: string;
  /** Its last name. */
  name: string;
}

/** Splits a path into its parent folder and last name: `out/lesson/` → `out` and `lesson`. */
export function splitPath(path: string): PathParts {
  const trimmed = path.length > 1 ? path.replace(/[/\\]+$/, '') : path;
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut === -1) return { parent: '.', name: trimmed };
  return { parent: cut === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, cut), name: trimmed.slice(cut + 1) };
}

/** `folder` and `name` joined with a `/` (which Node accepts on Windows too). */
function join(folder: string, name: string): string {
  return /[/\\]$/.test(folder) ? `${folder}${name}` : `${folder}/${name}`;
}

/**
 * Why `dir` cannot be written to (replaced whole) by {@link writeDirectoryAtomically}, or null
 * when it can: it is missing, or a folder holding only files. Call it before a long run, so that
 * a bad `--out` is refused at once rather than after the work.
 */
export function checkOutFolder(dir: string, io: DirectoryIO = nodeDirectoryIO()): string | null {
  const { name } = splitPath(dir);
  if (name === '' || name === '.' || name === '..') return `${dir} names no folder of its own; give a folder such as out/lesson`;
  const kind = io.kind(dir);
  if (kind === 'missing') return null;
  if (kind === 'file') return `${dir} is a file, not a folder; give a new folder's name, or a folder this command wrote before`;
  const subfolder = io.list(dir).find((entry) => io.kind(join(dir, entry)) === 'directory');
  if (subfolder !== undefined) {
    return `${dir} holds a folder (${subfolder}), so it is not one this command wrote, and replacing it whole could lose ` +
      'your files; give a new folder\'s name, or remove it first';
  }
  return null;
}

/** A name for a temporary sibling that is unlikely to exist already. */
function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

/**
 * Writes `files` (name → text or bytes) as the whole content of folder `dir`, atomically: into
 * a temporary folder beside `dir`, then renamed into place, replacing what `dir` held (see the
 * module notes). The names must be plain file names (no `/`). Creates `dir`'s parent folders
 * if needed.
 *
 * @throws Error when `dir` may not be replaced (see {@link checkOutFolder}), a name is not a
 * plain file name, or the file system fails; `dir` is then left as it was, and nothing of the
 * attempt is left beside it.
 *
 * @example
 * ```ts
 * writeDirectoryAtomically('out/lesson', { 'index.html': html, 'lesson.json': json });
 * // returns undefined; out/lesson now holds exactly those two files
 * ```
 */
export function writeDirectoryAtomically(dir: string, files: Record<string, string | Uint8Array>, io: DirectoryIO = nodeDirectoryIO()): void {
  for (const name of Object.keys(files)) {
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
      throw new Error(`writeDirectoryAtomically: ${JSON.stringify(name)} is not a plain file name`);
    }
  }
  const refusal = checkOutFolder(dir, io);
  if (refusal !== null) throw new Error(`cannot write ${dir}: ${refusal}`);
  const { parent, name } = splitPath(dir);
  io.mkdir(parent, { recursive: true });
  const suffix = uniqueSuffix();
  const temporary = join(parent, `.${name}.tmp-${suffix}`);
  const aside = join(parent, `.${name}.old-${suffix}`);
  try {
    io.mkdir(temporary, { recursive: false });
    for (const [file, data] of Object.entries(files)) io.writeFile(join(temporary, file), data);
  } catch (error) {
    io.removeTree(temporary);
    throw error;
  }
  const hadOld = io.kind(dir) !== 'missing';
  try {
    if (hadOld) io.rename(dir, aside);
  } catch (error) {
    io.removeTree(temporary);
    throw error;
  }
  try {
    io.rename(temporary, dir);
  } catch (error) {
    if (hadOld) io.rename(aside, dir); // put the old folder back before giving up
    io.removeTree(temporary);
    throw error;
  }
  if (hadOld) io.removeTree(aside);
}
