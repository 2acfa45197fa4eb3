/**
 * The source's layers, declared once, and a check that every import runs one way: down.
 *
 *     tensor → io → autograd → optim → models → analysis | persistence → experiments → plot → report → index → cli → explore
 *
 * (read "→" as "is imported by"). A file may import files of its own folder and of any layer to
 * its left. Why this order:
 *
 * - io (npy, safetensors) holds file formats of plain tensors, so it sits right above tensor;
 *   what is stored in them (SAEs, toy models, checkpoints) is persistence, above models.
 * - analysis and persistence share a layer: both read models, and neither needs the other, so an
 *   import between them fails.
 * - experiments run models, measure with analysis and return typed results; they draw nothing.
 * - plot draws plain data (it needs only tensor and autograd's graph type), and sits above
 *   experiments only so that experiments cannot draw; report turns experiments' results into
 *   plots and pages, so it is above both.
 * - index is src/index.ts, the package's entry, which re-exports the library (never the CLI).
 * - cli is the command line; its commands (src/cli/commands/*) must not import one another:
 *   what two commands share lives in src/cli or below.
 * - explore is explore.html: a page and its worker (browser code, bundled by esbuild), and the
 *   build-time tools that bundle and measure it (BUILD_TIME_FILES). It sits on top because its
 *   build script reads where the built page goes from src/cli, whose lesson copies it.
 *
 * Also: no import cycle between files (type-only imports count: a cycle of types is still two
 * files that cannot be read one after the other), and no `node:` module below src/cli (the
 * library runs in browsers), whether imported or fetched with `getBuiltinModule`.
 *
 * Imports are read from the source text: `import … from '…'`, `export … from '…'`, `import '…'`
 * and `import('…')`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The layers, lowest first; folders in the same inner list are siblings that may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['tensor'], ['io'], ['autograd'], ['optim'], ['models'], ['analysis', 'persistence'], ['experiments'], ['plot'], ['report'], ['index'], ['cli'],
  ['explore'],
];

/**
 * Build-time tools, run by tsx and left out of dist/ (tsconfig.build.json): they may import node:
 * modules and devDependencies (esbuild bundles explore.html; playwright-core measures it). The rest
 * of src/explore is the page and its worker, which run in a browser and keep every rule.
 */
const BUILD_TIME_FILES: readonly string[] = ['explore/build.ts', 'explore/measure.ts'];

/** Every module specifier a source text imports or re-exports. */
export function importedSpecifiers(source: string): string[] {
  // Comments may quote imports (module notes do); they are not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm, // import x from '…', export { x } from '…' (may span lines)
    /^\s*import\s*['"]([^'"]+)['"]/gm, // import '…'
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…')
    /\bgetBuiltinModule\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // process.getBuiltinModule('node:fs')
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) specifiers.push(match[1]);
  }
  return specifiers;
}

/** The file graph: each file (path relative to src, e.g. `cli/main.ts`) and what it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** The layer a file belongs to: its top folder under src, or `index` for src/index.ts. */
function folderOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, '');
}

/** Every rule the graph breaks, one line each; empty when the layering holds. */
export function layeringViolations(graph: ImportGraph, layers: readonly (readonly string[])[] = LAYERS): string[] {
  const rank = new Map<string, number>();
  layers.forEach((folders, index) => folders.forEach((folder) => rank.set(folder, index)));
  const violations: string[] = [];
  for (const [file, imports] of graph) {
    const folder = folderOf(file);
    const from = rank.get(folder);
    if (from === undefined) {
      violations.push(`${file}: its folder ${folder} is in no layer; add it to LAYERS`);
      continue;
    }
    for (const target of imports) {
      if (BUILD_TIME_FILES.includes(file) && !target.startsWith('.') && !graph.has(target)) continue;
      if (target.startsWith('node:')) {
        if (folder !== 'cli') violations.push(`${file} imports ${target}: no node: modules below src/cli (the library runs in browsers)`);
        continue;
      }
      if (!graph.has(target)) {
        // A package (vitest, say) or a file outside src: the library has no runtime dependencies.
        violations.push(`${file} imports ${target}, which is not a source file`);
        continue;
      }
      const targetFolder = folderOf(target);
      const to = rank.get(targetFolder);
      if (to === undefined) continue; // reported for the target itself
      if (file.startsWith('cli/commands/') && target.startsWith('cli/commands/')) {
        violations.push(`${file} imports ${target}: commands must not import each other (share through src/cli or below)`);
      } else if (targetFolder !== folder && to > from) {
        violations.push(`${file} imports ${target}: ${folder} is below ${targetFolder}, and imports run down only`);
      } else if (targetFolder !== folder && to === from) {
        violations.push(`${file} imports ${target}: ${folder} and ${targetFolder} are siblings in one layer and must not import each other`);
      }
    }
  }
  for (const cycle of importCycles(graph)) violations.push(`import cycle among: ${cycle.join(', ')}`);
  return violations;
}

/** The graph's cycles: each strongly connected group of more than one file (or a file importing itself). */
export function importCycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, with an explicit stack of (file, next import) frames.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const edges = (file: string): string[] => (graph.get(file) ?? []).filter((target) => graph.has(target));
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const frames: { file: string; next: number }[] = [{ file: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const targets = edges(frame.file);
      if (frame.next < targets.length) {
        const target = targets[frame.next++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          frames.push({ file: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file) as number, index.get(target) as number));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].file;
        low.set(parent, Math.min(low.get(parent) as number, low.get(frame.file) as number));
      }
      if (low.get(frame.file) === index.get(frame.file)) {
        const group: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.file);
        if (group.length > 1 || edges(frame.file).includes(frame.file)) cycles.push(group.reverse());
      }
    }
  }
  return cycles;
}

/** The import graph of the files under `root` (src), keyed by paths relative to it. */
function readGraph(root: string): Map<string, string[]> {
  const files = (readdirSync(root, { recursive: true }) as string[])
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = readFileSync(join(root, file), 'utf8');
    const resolveSpecifier = (specifier: string): string => {
      if (!specifier.startsWith('.')) return specifier;
      const target = relative(root, resolve(root, dirname(file), specifier)).split('\\').join('/');
      return target.replace(/\.js$/, '.ts');
    };
    graph.set(file, importedSpecifiers(source).map(resolveSpecifier));
  }
  return graph;
}

const SRC = join(import.meta.dirname, '..', 'src');

describe('layering of src/', () => {
  const graph = readGraph(SRC);

  it('reads the whole source tree (every folder of LAYERS has files)', () => {
    const folders = new Set([...graph.keys()].map(folderOf));
    for (const folder of LAYERS.flat()) expect(folders, folder).toContain(folder);
    expect(graph.size).toBeGreaterThan(80);
  });

  it('imports run down only: no upward import, no cycle, no import between commands or sibling layers, no node: below cli', () => {
    expect(layeringViolations(graph, LAYERS)).toEqual([]);
  });
});

describe('the checker', () => {
  /** A small graph in the real layers: cli/main → experiments/tms → models/tms → tensor/tensor. */
  const clean = (): Map<string, string[]> => new Map([
    ['tensor/tensor.ts', []],
    ['models/tms.ts', ['tensor/tensor.ts']],
    ['analysis/features.ts', ['models/tms.ts']],
    ['persistence/saelens.ts', ['models/tms.ts']],
    ['experiments/tms.ts', ['models/tms.ts', 'analysis/features.ts']],
    ['cli/commands/tms.ts', ['experiments/tms.ts', 'cli/args.ts', 'node:fs']],
    ['cli/commands/sae.ts', ['cli/args.ts']],
    ['cli/args.ts', []],
    ['index.ts', ['models/tms.ts']],
  ]);

  it('passes a graph that keeps the rules', () => {
    expect(layeringViolations(clean())).toEqual([]);
  });

  it('fails a cycle, even within one folder', () => {
    const graph = clean();
    graph.set('tensor/format.ts', ['tensor/tensor.ts']);
    graph.set('tensor/tensor.ts', ['tensor/format.ts']);
    expect(layeringViolations(graph)).toEqual(['import cycle among: tensor/tensor.ts, tensor/format.ts']);
  });

  it('fails an upward import', () => {
    const graph = clean();
    graph.set('models/tms.ts', ['tensor/tensor.ts', 'experiments/tms.ts']);
    const violations = layeringViolations(graph);
    expect(violations).toContain('models/tms.ts imports experiments/tms.ts: models is below experiments, and imports run down only');
    // …which here also closes a cycle.
    expect(violations.some((line) => line.startsWith('import cycle among: ') && line.includes('models/tms.ts'))).toBe(true);
  });

  it('fails a cycle inside one folder', () => {
    const graph = clean();
    graph.set('tensor/shape.ts', ['tensor/tensor.ts']);
    graph.set('tensor/tensor.ts', ['tensor/shape.ts']);
    expect(layeringViolations(graph)).toEqual(['import cycle among: tensor/tensor.ts, tensor/shape.ts']);
  });

  it('fails a file that imports itself', () => {
    const graph = clean();
    graph.set('cli/args.ts', ['cli/args.ts']);
    expect(layeringViolations(graph)).toEqual(['import cycle among: cli/args.ts']);
  });

  it('fails an import between two commands', () => {
    const graph = clean();
    graph.set('cli/commands/sae.ts', ['cli/args.ts', 'cli/commands/tms.ts']);
    expect(layeringViolations(graph)).toEqual([
      'cli/commands/sae.ts imports cli/commands/tms.ts: commands must not import each other (share through src/cli or below)',
    ]);
  });

  it('fails an import between siblings of one layer', () => {
    const graph = clean();
    graph.set('persistence/saelens.ts', ['models/tms.ts', 'analysis/features.ts']);
    expect(layeringViolations(graph)).toEqual([
      'persistence/saelens.ts imports analysis/features.ts: persistence and analysis are siblings in one layer and must not import each other',
    ]);
  });

  it('fails a node: module below cli, and a package import', () => {
    const graph = clean();
    graph.set('experiments/tms.ts', ['models/tms.ts', 'node:fs', 'vitest']);
    expect(layeringViolations(graph)).toEqual([
      'experiments/tms.ts imports node:fs: no node: modules below src/cli (the library runs in browsers)',
      'experiments/tms.ts imports vitest, which is not a source file',
    ]);
  });

  it('lets only the build-time tools of src/explore import node: modules and packages', () => {
    const graph = clean();
    graph.set('explore/build.ts', ['cli/args.ts', 'node:fs', 'esbuild']);
    graph.set('explore/page.ts', ['models/tms.ts']);
    expect(layeringViolations(graph)).toEqual([]);
    graph.set('explore/page.ts', ['models/tms.ts', 'node:fs', 'esbuild']);
    expect(layeringViolations(graph)).toEqual([
      'explore/page.ts imports node:fs: no node: modules below src/cli (the library runs in browsers)',
      'explore/page.ts imports esbuild, which is not a source file',
    ]);
  });

  it('fails a folder that is in no layer', () => {
    const graph = clean();
    graph.set('extras/thing.ts', ['tensor/tensor.ts']);
    expect(layeringViolations(graph)).toEqual(['extras/thing.ts: its folder extras is in no layer; add it to LAYERS']);
  });

  it('reads every form of import from source text, and skips imports quoted in comments', () => {
    const source = [
      '/** The notes quote `import { x } from \'./quoted.js\'`. */',
      "// import { y } from './commented.js';",
      "import { a, b } from './a.js';",
      "import type { T } from '../t.js';",
      "export type { U } from './u.js';",
      'import {',
      '  c,',
      "} from './multi.js';",
      "export { d } from './d.js';",
      "export * as e from './e.js';",
      "import './side-effect.js';",
      "const f = await import('./dynamic.js');",
      "const fs = process.getBuiltinModule('node:fs');",
    ].join('\n');
    expect(importedSpecifiers(source).sort()).toEqual(
      ['../t.js', './u.js', './a.js', './d.js', './dynamic.js', './e.js', './multi.js', './side-effect.js', 'node:fs'].sort());
  });
});
