/**
 * Where the built explorable lives, for the lesson to copy beside its report: `npm run build`
 * (and so `npm ci`) writes `dist/explore.html` at the package's root with build.ts, and
 * `npm start` copies it next to `index.html`, which links to it.
 *
 * Why copy a built file rather than build it on `npm start`: bundling needs esbuild, a
 * devDependency, and the library never needs it at run time; the page is the same for every
 * lesson run (its settings live in the URL hash), so it is made once, at build time.
 *
 * This file and build.ts are the explorable's Node side (the top layer, beside the CLI); the rest
 * of src/explore runs in the browser.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The page's file name, in dist/ and beside the lesson's report. */
export const EXPLORE_FILE = 'explore.html';

/**
 * dist/explore.html at the package's root. The same two steps up from src/explore/ (run by tsx)
 * and from dist/explore/ (the built library), so either finds it.
 */
export const BUILT_EXPLORE_PATH = fileURLToPath(new URL(`../../dist/${EXPLORE_FILE}`, import.meta.url));

/** The built page's text, or null when it has not been built (run `npm run build` or `npm run explore`). */
export function readBuiltExplorable(path: string = BUILT_EXPLORE_PATH): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
