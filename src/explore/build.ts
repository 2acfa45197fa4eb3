/**
 * Builds `explore.html`: one self-contained page with the engine bundled in, which opens from disk
 * with no server and no network. Run at build time only (`npm run build`, so `npm ci` makes it,
 * and `npm run explore`, which prints its path); esbuild is a devDependency and nothing in the
 * library imports this file.
 *
 *     1. bundle worker.ts (the engine, the toy model, the SAE) → one script, kept as a string
 *     2. bundle page.ts (controls, views, src/plot) with that string as EXPLORE_WORKER_SOURCE
 *     3. put the page's script and explore.css inline in template.html, under a CSP that allows
 *        exactly them, by hash:
 *
 *     default-src 'none'; script-src 'sha256-…' 'wasm-unsafe-eval'; style-src 'sha256-…';
 *     worker-src blob:; base-uri 'none'; form-action 'none'
 *
 * 'wasm-unsafe-eval' lets the engine compile its WebAssembly kernels (when they are in) from bytes
 * it carries, and `worker-src blob:` lets the page start its worker from a Blob URL of the bundled
 * worker code. Nothing may be fetched: no scripts, styles, fonts, images or connections.
 *
 * Both bundles target the browser, so a `node:` import anywhere under them fails the build.
 *
 * Usage: `tsx src/explore/build.ts [--out FILE]` (default: dist/explore.html).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUILT_EXPLORE_URL } from '../cli/explorable.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where `npm run build` puts the page: dist/explore.html at the package's root. */
export const BUILT_EXPLORE_PATH = fileURLToPath(BUILT_EXPLORE_URL);

/** The browsers the bundles are written for: ES2022, as the library's own target. */
const TARGET = 'es2022';

/** Bundles one entry for the browser into a single minified script, returned as text. */
async function bundle(entry: string, define: Record<string, string> = {}): Promise<string> {
  const result = await build({
    entryPoints: [resolve(HERE, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: TARGET,
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    define,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** The CSP source for an inline script or style: 'sha256-' and the base64 of its SHA-256. */
function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Refuses text that would end its inline element early or open an HTML comment in it. */
function checkInline(what: string, text: string, closing: string): void {
  const lower = text.toLowerCase();
  for (const bad of [`</${closing}`, '<!--']) {
    if (lower.includes(bad)) throw new Error(`explore build: the ${what} contains "${bad}", which would break out of its inline <${closing}> element`);
  }
}

/** The page's Content-Security-Policy for a given script and style. */
export function contentSecurityPolicy(script: string, style: string): string {
  return [
    "default-src 'none'",
    `script-src ${hashSource(script)} 'wasm-unsafe-eval'`,
    `style-src ${hashSource(style)}`,
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The whole page as text. */
export async function renderExplorable(): Promise<string> {
  const worker = await bundle('worker.ts');
  const script = (await bundle('page.ts', { EXPLORE_WORKER_SOURCE: JSON.stringify(worker) })).trimEnd();
  const style = readFileSync(resolve(HERE, 'explore.css'), 'utf8').trimEnd();
  checkInline('page script', script, 'script');
  checkInline('style sheet', style, 'style');
  const template = readFileSync(resolve(HERE, 'template.html'), 'utf8');
  const parts = template.split(/\{\{(CSP|STYLE|SCRIPT)\}\}/);
  const fill: Record<string, string> = { CSP: contentSecurityPolicy(script, style), STYLE: style, SCRIPT: script };
  const placeholders = parts.filter((_, i) => i % 2 === 1);
  if (placeholders.join(',') !== 'CSP,STYLE,SCRIPT') {
    throw new Error(`explore build: template.html must hold {{CSP}}, {{STYLE}} and {{SCRIPT}} once each, in that order; found ${placeholders.join(', ') || 'none'}`);
  }
  // A function replacement, so `$&` and the like in the bundle are never read as patterns.
  return parts.map((part, i) => (i % 2 === 1 ? fill[part] : part)).join('');
}

/** Builds the page into `path` (written whole, then renamed into place); returns the path and its size. */
export async function buildExplorable(path: string = BUILT_EXPLORE_PATH): Promise<{ path: string; bytes: number }> {
  const html = await renderExplorable();
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, target);
  return { path: target, bytes: Buffer.byteLength(html) };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  if ((outAt !== -1 && args[outAt + 1] === undefined) || args.some((arg, i) => arg !== '--out' && i !== outAt + 1)) {
    console.error(`explore build: unexpected arguments ${JSON.stringify(args)}; usage: tsx src/explore/build.ts [--out FILE]`);
    process.exit(2);
  }
  const { path, bytes } = await buildExplorable(outAt === -1 ? BUILT_EXPLORE_PATH : args[outAt + 1]);
  console.log(`explore.html: ${path} (${Math.round(bytes / 1024)} kB); open it in a browser, no server needed`);
}
