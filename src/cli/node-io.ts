/**
 * The one file of the command line that touches Node: the real stdout and stderr, and the
 * package's version read from package.json at run time.
 *
 * Why no `import … from 'node:fs'`: the library is built with no Node types (tsconfig.build.json
 * has `"types": []`), which is what keeps Node out of the code meant for browsers. Loading Node's
 * types for this file would load them for every file in the build. So this file describes the few
 * parts of `process` it uses, and gets `fs` from `process.getBuiltinModule` (Node ≥ 20.16).
 *
 * @module
 */
/** A Node writable stream, as far as the command line uses it. */
interface NodeWritable {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** The parts of Node's `process` used here. */
interface NodeProcess {
  stdout: NodeWritable;
  stderr: NodeWritable;
  argv: string[];
  exitCode?: number | string;
  pid: number;
  kill(pid: number, signal: 0): true;
  getBuiltinModule(id: 'node:fs'): { readFileSync(path: URL, encoding: 'utf8'): string };
}

/** Node's `process`, typed by the interface above. */
export function nodeProcess(): NodeProcess {
  const candidate = (globalThis as { process?: NodeProcess }).process;
  if (candidate === undefined || typeof candidate.getBuiltinModule !== 'function') {
    throw new Error('the superposition command line needs Node.js 20.16 or later');
  }
  return candidate;
}

/**
 * The version in package.json. The file sits two folders up both from src/cli/node-io.ts (run
 * with tsx) and from dist/cli/node-io.js (the built bin), so one relative URL serves both.
 */
export function packageVersion(): string {
  const text = nodeProcess().getBuiltinModule('node:fs').readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}

/**
 * Whether a process with this id is running: signal 0 checks without sending anything. Temporary
 * files and folders carry their writer's id, so litter whose writer is gone can be told from a
 * write still under way.
 */
export function processIsRunning(pid: number): boolean {
  try {
    nodeProcess().kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is running.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** This process's id. */
export function currentPid(): number {
  return nodeProcess().pid;
}
