/**
 * Where the built explorable lives, for the lesson to copy beside its report: `npm run build`
 * (and so `npm ci`) writes `dist/explore.html` at the package's root with build.ts, and
 * `npm start` copies it next to `index.html`, which links to it.
 *
 * Why copy a built file rather than build it on `npm start`: bundling needs esbuild, a
 * devDependency, and the library never needs it at run time; the page is the same for every
 * lesson run (its settings live in the URL hash), so it is made once, at build time.
 *
 * The page itself is src/explore (the top layer, above the CLI: its build-time tools import
 * esbuild and playwright, and its browser code must not touch Node). Like node-io.ts, this file
 * takes `fs` from `process.getBuiltinModule` rather than importing `node:fs`: the library is built
 * without Node's types, which keeps Node out of the code meant for browsers.
 *
 * @module
 */

/** The page's file name, in dist/ and beside the lesson's report. */
export const EXPLORE_FILE = 'explore.html';

/**
 * dist/explore.html at the package's root, as a file URL. The same two steps up from src/explore/
 * (run by tsx) and from dist/explore/ (the built library), so either finds it.
 */
export const BUILT_EXPLORE_URL = new URL(`../../dist/${EXPLORE_FILE}`, import.meta.url);

/** The parts of Node's `fs` used here. */
interface NodeFs {
  existsSync(path: URL | string): boolean;
  readFileSync(path: URL | string, encoding: 'utf8'): string;
}

function nodeFs(): NodeFs {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: 'node:fs') => unknown } }).process;
  if (typeof process?.getBuiltinModule !== 'function') throw new Error('reading explore.html needs Node.js 20.16 or later');
  return process.getBuiltinModule('node:fs') as NodeFs;
}

/** The built page's text, or null when it has not been built (run `npm run build` or `npm run explore`). */
export function readBuiltExplorable(path: URL | string = BUILT_EXPLORE_URL): string | null {
  const fs = nodeFs();
  return fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : null;
}
