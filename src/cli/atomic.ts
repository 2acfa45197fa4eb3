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
 * Safety: the target is replaced whole, so a mistyped `--out .` or `--out ~/keys` must not wipe a
 * folder of the user's. Every folder written here holds a manifest, {@link MANIFEST_FILE}, listing
 * the files this program wrote into it. An existing target is replaced only when it is empty, or
 * holds that manifest and nothing it does not list; otherwise {@link checkOutFolder} says why not
 * and {@link writeDirectoryAtomically} refuses. `force` replaces a folder of files on purpose (a
 * folder holding folders is still refused: nothing here writes one).
 *
 * Litter: the temporary and set-aside folders carry their writer's process id
 * (`.NAME.tmp-PID-XXXX`, `.NAME.old-PID-XXXX`). A writer killed mid-write leaves one behind; the
 * next write beside it removes the ones whose writer is no longer running (and puts a set-aside
 * folder back when the target is missing, since it then holds the last good results).
 *
 * Bounded: every loop over the file system here runs at most once per path component or folder
 * entry. Node's own recursive mkdir spins forever on some paths (`/proc/x`), so
 * {@link makeFolders} makes the missing folders one at a time.
 *
 * The file system is reached through a small {@link DirectoryIO} object, so tests can make a
 * write fail part-way; the default uses Node's `fs`, found through `process.getBuiltinModule` as
 * node-io.ts does, so that no Node types enter the library's build.
 *
 * @module
 */
import { currentPid, nodeProcess, processIsRunning } from './node-io.js';

/** The few file-system calls a folder write needs (synchronous, as Node's `fs.*Sync`). */
export interface DirectoryIO {
  /** What is at `path`: a directory, a file (or anything else that is not a directory), or nothing. */
  kind(path: string): 'directory' | 'file' | 'missing';
  /** The names in a directory. */
  list(path: string): string[];
  /** Creates a directory, and its missing parents with `recursive` (a bounded loop: {@link makeFolders}). */
  mkdir(path: string, options: { recursive: boolean }): void;
  /** Writes a whole file. */
  writeFile(path: string, data: string | Uint8Array): void;
  /** Reads a small file as UTF-8 text; throws when it holds more than `maxBytes` bytes. */
  readText(path: string, maxBytes: number): string;
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
  openSync(path: string, flags: string): number;
  fstatSync(fd: number): { size: number };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
}

/** The bytes of a file, reading at most `maxBytes` + 1 of them (so a huge file or a device costs no more). */
export function readFileCapped(fs: Pick<NodeFs, 'openSync' | 'readSync' | 'closeSync'>, path: string, maxBytes: number): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    // Bounded: each read adds at least one byte, and reading stops at maxBytes + 1.
    while (length < buffer.length) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw new Error(`${path} holds more than ${maxBytes} bytes`);
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link DirectoryIO} on Node's `fs`. */
export function nodeDirectoryIO(): DirectoryIO {
  const fs = nodeProcess().getBuiltinModule('node:fs') as unknown as NodeFs;
  const io: DirectoryIO = {
    kind(path) {
      const stats = fs.statSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return 'missing';
      return stats.isDirectory() ? 'directory' : 'file';
    },
    list: (path) => fs.readdirSync(path),
    mkdir: (path, options) => (options.recursive ? makeFolders(path, io) : void fs.mkdirSync(path, { recursive: false })),
    writeFile: (path, data) => fs.writeFileSync(path, data),
    readText: (path, maxBytes) => new TextDecoder().decode(readFileCapped(fs, path, maxBytes)),
    rename: (from, to) => fs.renameSync(from, to),
    removeTree: (path) => fs.rmSync(path, { recursive: true, force: true }),
  };
  return io;
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
export function joinPath(folder: string, name: string): string {
  return /[/\\]$/.test(folder) ? `${folder}${name}` : `${folder}/${name}`;
}

/**
 * The folders on the way to `path`, outermost first, `path` last: `a/b/c` → `a`, `a/b`, `a/b/c`;
 * `/x/y` → `/x`, `/x/y`. One entry per component, so a walk over them is bounded.
 */
export function pathPrefixes(path: string): string[] {
  const parts = path.split(/[/\\]+/);
  const prefixes: string[] = [];
  let current = '';
  parts.forEach((part, index) => {
    if (index === 0) {
      current = part === '' ? '/' : part; // '' before a leading separator: an absolute path
      if (part !== '') prefixes.push(current);
      return;
    }
    if (part === '') return;
    current = joinPath(current, part);
    prefixes.push(current);
  });
  return prefixes;
}

/**
 * A file-system error's reason without the paths Node puts in its message (which may name a
 * temporary folder the user never asked for): `ENOENT: no such file or directory`. Errors
 * without a code keep their message.
 */
export function describeFsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error.message;
  const reason = error.message.startsWith(`${code}: `) ? error.message.slice(code.length + 2).split(', ')[0] : '';
  return reason === '' ? code : `${code}: ${reason}`;
}

/**
 * The first folder on the way to `path` that is a file (so nothing can be made inside it), or
 * null. One check per path component.
 */
export function fileInTheWay(path: string, io: Pick<DirectoryIO, 'kind'>): string | null {
  const prefixes = pathPrefixes(path);
  for (const prefix of prefixes.slice(0, -1)) {
    const kind = io.kind(prefix);
    if (kind === 'file') return prefix;
    if (kind === 'missing') return null;
  }
  return null;
}

/**
 * Makes folder `path` and its missing parents, one `mkdir` per missing component: a loop bounded
 * by the path's length, where Node's recursive mkdir can spin forever (`/proc/x`).
 *
 * @throws Error naming the folder that could not be made and why (no temporary paths).
 */
export function makeFolders(path: string, io: Pick<DirectoryIO, 'kind' | 'mkdir'>): void {
  for (const prefix of pathPrefixes(path)) {
    const kind = io.kind(prefix);
    if (kind === 'directory') continue;
    if (kind === 'file') throw new Error(`cannot make folder ${path}: ${prefix} is a file, not a folder`);
    try {
      io.mkdir(prefix, { recursive: false });
    } catch (error) {
      if (io.kind(prefix) === 'directory') continue; // made meanwhile by another writer
      throw new Error(`cannot make folder ${prefix}: ${describeFsError(error)}`);
    }
  }
}

// ─── The manifest: which folders this program wrote ───

/** The manifest's name in every folder written here: JSON listing the files this program wrote. */
export const MANIFEST_FILE = '.superposition-manifest.json';

/** The largest manifest read (a manifest lists a few hundred names at most). */
const MANIFEST_MAX_BYTES = 1 << 20;

/** What a manifest holds. */
export interface OutputManifest {
  /** Always `superposition`. */
  writtenBy: 'superposition';
  /** The manifest format, 1. */
  format: 1;
  /** `out`: a results folder replaced whole (`--out`); `save`: a checkpoint folder written file by file (`--save`). */
  kind: 'out' | 'save';
  /** The names of the files this program wrote into the folder (the manifest not included). */
  files: string[];
}

/** A manifest's text. */
export function manifestText(kind: OutputManifest['kind'], files: readonly string[]): string {
  const manifest: OutputManifest = { writtenBy: 'superposition', format: 1, kind, files: [...files].sort() };
  return `${JSON.stringify(manifest)}\n`;
}

/** The manifest of folder `dir`, or null when it has none (or one that is not this program's). */
export function readManifest(dir: string, io: Pick<DirectoryIO, 'kind' | 'readText'>): OutputManifest | null {
  const path = joinPath(dir, MANIFEST_FILE);
  if (io.kind(path) !== 'file') return null;
  let value: unknown;
  try {
    value = JSON.parse(io.readText(path, MANIFEST_MAX_BYTES));
  } catch {
    return null;
  }
  const manifest = value as Partial<OutputManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.writtenBy !== 'superposition' || manifest.format !== 1) return null;
  if ((manifest.kind !== 'out' && manifest.kind !== 'save') || !Array.isArray(manifest.files)) return null;
  if (!manifest.files.every((name) => typeof name === 'string')) return null;
  return manifest as OutputManifest;
}

/** Names for messages: the first, and a count of the rest (never a list of thousands). */
export function firstAndCount(names: readonly string[]): string {
  if (names.length === 0) return 'nothing';
  const first = names[0].length > 80 ? `${names[0].slice(0, 77)}…` : names[0];
  return names.length === 1 ? first : `${first} and ${names.length - 1} other${names.length === 2 ? '' : 's'}`;
}

/** Options of {@link checkOutFolder} and {@link writeDirectoryAtomically}. */
export interface OutFolderOptions {
  /** Replace a folder of files this program did not write, on purpose (`--force`). */
  force?: boolean;
}

/**
 * Why `dir` cannot be written to (replaced whole) by {@link writeDirectoryAtomically}, or null
 * when it can: it is missing or empty, or this program wrote it (its manifest lists every file
 * in it), or `force` is given and it holds only files. Call it before a long run, so that a bad
 * `--out` is refused at once rather than after the work.
 */
export function checkOutFolder(dir: string, io: DirectoryIO = nodeDirectoryIO(), options: OutFolderOptions = {}): string | null {
  const { name } = splitPath(dir);
  if (name === '' || name === '.' || name === '..') return `${dir} names no folder of its own; give a folder such as out/lesson`;
  const blocker = fileInTheWay(dir, io);
  if (blocker !== null) return `${blocker} is a file, not a folder, so ${dir} cannot be made inside it`;
  const kind = io.kind(dir);
  if (kind === 'missing') return null;
  if (kind === 'file') return `${dir} is a file, not a folder; give a new folder's name, or a folder this command wrote before`;
  const entries = io.list(dir);
  const manifest = readManifest(dir, io);
  const listed = new Set(manifest?.kind === 'out' ? manifest.files : []);
  const foreign = entries.filter((entry) => entry !== MANIFEST_FILE && !listed.has(entry));
  if (foreign.length === 0 && (manifest?.kind === 'out' || entries.length === 0)) return null;
  const subfolder = foreign.find((entry) => io.kind(joinPath(dir, entry)) === 'directory');
  if (subfolder !== undefined) {
    return `${dir} holds a folder (${subfolder}), so it is not one this command wrote, and replacing it whole could lose ` +
      'your files; give a new folder\'s name, or remove it yourself';
  }
  if (options.force === true) return null;
  const what = manifest === null ? 'superposition did not write (it has no manifest)' : 'superposition did not write (its manifest does not list them)';
  const files = foreign.length === 0 ? entries : foreign;
  return `${dir} holds ${files.length} file${files.length === 1 ? '' : 's'} (${firstAndCount(files)}) that ${what}, and --out ` +
    'replaces the folder whole; give a new folder\'s name, or add --force to replace it';
}

/** A name for a temporary sibling: the writer's process id (so litter of dead writers can be told), then a random part. */
function uniqueSuffix(): string {
  return `${currentPid()}-${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

/** The writer's process id in a temporary name `.NAME.tmp-PID-XXXX`, or NaN for another name. */
export function writerOf(entry: string, prefix: string): number {
  if (!entry.startsWith(prefix)) return Number.NaN;
  const pid = entry.slice(prefix.length).split('-')[0];
  return /^\d+$/.test(pid) ? Number(pid) : Number.NaN;
}

/**
 * Removes what writers of `parent/name` killed mid-write left beside it: temporary folders
 * (`.NAME.tmp-PID-…`) and set-aside old folders (`.NAME.old-PID-…`) whose writer is not running.
 * A set-aside folder is put back instead when `name` itself is missing (the writer died between
 * its two renames, and the old folder is the last whole one). One pass over `parent`'s entries.
 */
export function removeDeadWriters(parent: string, name: string, io: DirectoryIO): void {
  let entries: string[];
  try {
    entries = io.list(parent);
  } catch {
    return;
  }
  const target = joinPath(parent, name);
  const me = currentPid();
  for (const prefix of [`.${name}.tmp-`, `.${name}.old-`]) {
    for (const entry of entries) {
      const pid = writerOf(entry, prefix);
      if (!Number.isInteger(pid) || pid <= 0 || pid === me || processIsRunning(pid)) continue;
      const path = joinPath(parent, entry);
      if (prefix.endsWith('.old-') && io.kind(target) === 'missing') io.rename(path, target);
      else io.removeTree(path);
    }
  }
}

/**
 * Writes `files` (name → text or bytes) as the whole content of folder `dir`, atomically, with
 * a manifest ({@link MANIFEST_FILE}) listing them: into a temporary folder beside `dir`, then
 * renamed into place, replacing what `dir` held (see the module notes). The names must be plain
 * file names (no `/`). Creates `dir`'s parent folders if needed.
 *
 * @throws Error when `dir` may not be replaced (see {@link checkOutFolder}), a name is not a
 * plain file name, or the file system fails (the message names `dir`, never the temporary
 * folder); `dir` is then left as it was, and nothing of the attempt is left beside it.
 *
 * @example
 * ```ts
 * writeDirectoryAtomically('out/lesson', { 'index.html': html, 'lesson.json': json });
 * // returns undefined; out/lesson now holds those two files and the manifest
 * ```
 */
export function writeDirectoryAtomically(
  dir: string, files: Record<string, string | Uint8Array>, io: DirectoryIO = nodeDirectoryIO(), options: OutFolderOptions = {},
): void {
  for (const name of Object.keys(files)) {
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name) || name === MANIFEST_FILE) {
      throw new Error(`writeDirectoryAtomically: ${JSON.stringify(name)} is not a plain file name of its own`);
    }
  }
  const refusal = checkOutFolder(dir, io, options);
  if (refusal !== null) throw new Error(`cannot write ${dir}: ${refusal}`);
  const { parent, name } = splitPath(dir);
  const failed = (error: unknown): Error => new Error(`cannot write ${dir}: ${describeFsError(error)}`);
  try {
    makeFolders(parent, io);
  } catch (error) {
    throw new Error(`cannot write ${dir}: ${(error as Error).message}`);
  }
  removeDeadWriters(parent, name, io);
  const suffix = uniqueSuffix();
  const temporary = joinPath(parent, `.${name}.tmp-${suffix}`);
  const aside = joinPath(parent, `.${name}.old-${suffix}`);
  try {
    io.mkdir(temporary, { recursive: false });
    for (const [file, data] of Object.entries(files)) io.writeFile(joinPath(temporary, file), data);
    io.writeFile(joinPath(temporary, MANIFEST_FILE), manifestText('out', Object.keys(files)));
  } catch (error) {
    io.removeTree(temporary);
    throw failed(error);
  }
  const hadOld = io.kind(dir) !== 'missing';
  try {
    if (hadOld) io.rename(dir, aside);
  } catch (error) {
    io.removeTree(temporary);
    throw failed(error);
  }
  try {
    io.rename(temporary, dir);
  } catch (error) {
    if (hadOld) io.rename(aside, dir); // put the old folder back before giving up
    io.removeTree(temporary);
    throw failed(error);
  }
  if (hadOld) io.removeTree(aside);
}
