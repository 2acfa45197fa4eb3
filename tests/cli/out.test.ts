/**
 * `--out DIR` on tms, phase, geometry, sae and steer, in-process with fake streams and tiny
 * configs: the folder holds the command's plots as SVG documents and result.json, which is
 * exactly what `--json` prints in the same run (and, but for the timings, what a separate `--json`
 * run with the same seed prints); a bad flag or value leaves the folder as it was, with no
 * temporary folder left beside it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DirectoryIO, MANIFEST_FILE, manifestText, nodeDirectoryIO } from '../../src/cli/atomic.js';
import { RESULT_FILE } from '../../src/cli/command.js';
import { writeNpy } from '../../src/io/npy.js';
import { normal } from '../../src/tensor/random.js';
import { runCli, type CliRun } from '../support/cli.js';
import { scratchFolders } from '../support/folders.js';

const run = (argv: string[], files?: DirectoryIO): Promise<CliRun> => runCli(argv, { files });



/** A fresh, empty parent folder for one test; the --out folder goes inside it. */
const parentFolder = scratchFolders('out');

/** Every file under `folder`, as relative paths, sorted. */
function listFiles(folder: string): string[] {
  return (readdirSync(folder, { recursive: true, withFileTypes: true }) as { name: string; parentPath: string; isFile(): boolean }[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

/** Expects `text` to be one SVG document with a title, as the plot functions make them. */
function expectSvg(name: string, text: string): void {
  expect(text.startsWith('<svg'), `${name} starts with <svg`).toBe(true);
  expect(text.trimEnd().endsWith('</svg>'), `${name} ends with </svg>`).toBe(true);
  expect(text, name).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(text, name).toMatch(/<title>[^<]+<\/title>/);
  expect(text, name).not.toContain('<script');
}

/** Timings differ between runs; everything else must not. */
function withoutSeconds(json: string): unknown {
  return JSON.parse(json, (key, value: unknown) => (key === 'seconds' ? 0 : value));
}

/**
 * Runs `argv --json --out DIR` into a fresh parent, checks the exit code, that DIR holds exactly
 * `plots` (SVG) and result.json, that result.json is stdout byte for byte, and that nothing else
 * was left in the parent (no temporary folder). Returns the folder and the document.
 */
async function runWithOut(argv: string[], plots: string[]): Promise<{ folder: string; json: string; stderr: string }> {
  const parent = parentFolder();
  const folder = join(parent, 'plots');
  const { code, stdout, stderr } = await run([...argv, '--json', '--out', folder]);
  expect(code, stderr).toBe(0);
  expect(readdirSync(parent)).toEqual(['plots']);
  expect(listFiles(folder)).toEqual([...plots, RESULT_FILE, MANIFEST_FILE].sort());
  for (const name of plots) expectSvg(name, readFileSync(join(folder, name), 'utf8'));
  const json = readFileSync(join(folder, RESULT_FILE), 'utf8');
  expect(json).toBe(stdout);
  expect(() => JSON.parse(json)).not.toThrow();
  return { folder, json, stderr };
}

const TOY = ['--steps', '6', '--batch', '16'];
const SAE = ['--tms-steps', '20', '--tms-batch', '32', '--steps', '20', '--batch', '32'];

describe('--out DIR writes the plots and result.json', () => {
  it('tms: per instance the feature arrows, WᵀW and the norm bars; result.json is the --json document', async () => {
    const argv = ['tms', ...TOY, '--instances', '2', '--density', '1,0.1'];
    const { folder, json, stderr } = await runWithOut(argv, [
      'instance-0-directions.svg', 'instance-0-gram.svg', 'instance-0-norms.svg',
      'instance-1-directions.svg', 'instance-1-gram.svg', 'instance-1-norms.svg',
    ]);
    expect(stderr).toContain('wrote 6 plots and result.json to');
    // Each file is drawn from its own instance: the title names it and its density.
    for (const [k, density] of [[0, '1'], [1, '0.1']]) {
      for (const plot of ['directions', 'gram', 'norms']) {
        expect(readFileSync(join(folder, `instance-${k}-${plot}.svg`), 'utf8')).toContain(`instance ${k}, p = ${density})`);
      }
    }
    // A separate --json run with the same seed prints the same document, but for the timings.
    const alone = await run([...argv, '--json', '--quiet']);
    expect(withoutSeconds(json)).toEqual(withoutSeconds(alone.stdout));
  });

  it('tms: the hidden-relu model adds the neuron × feature weights; m ≠ 2 has no arrow diagram', async () => {
    await runWithOut(['tms', ...TOY, '--instances', '1', '--density', '0.1', '--model', 'hidden-relu', '--hidden', '3'],
      ['instance-0-gram.svg', 'instance-0-norms.svg', 'instance-0-neurons.svg']);
  });

  it('phase: the trained and theory diagrams', async () => {
    const { folder, json } = await runWithOut(['phase', ...TOY, '--grid', '2', '--restarts', '1'], ['phase-trained.svg', 'phase-theory.svg']);
    expect(readFileSync(join(folder, 'phase-trained.svg'), 'utf8')).toContain('<title>Phase diagram, n=2 in m=1: trained</title>');
    expect(readFileSync(join(folder, 'phase-theory.svg'), 'utf8')).toContain('<title>Phase diagram, n=2 in m=1: theory');
    expect((JSON.parse(json) as { cells: unknown[] }).cells).toHaveLength(4);
  });

  it('geometry: the sticky-fraction scatter', async () => {
    const { json } = await runWithOut(['geometry', ...TOY, '--features', '8', '--hidden', '3', '--instances', '2'], ['sticky-fractions.svg']);
    expect((JSON.parse(json) as { instances: unknown[] }).instances).toHaveLength(2);
  });

  it('sae: training curves, the cosine matrix and (d_in = 2) the decoder arrows', async () => {
    const { json } = await runWithOut(['sae', ...SAE], ['training-loss.svg', 'training-sparsity.svg', 'cosines.svg', 'decoder.svg']);
    const alone = await run(['sae', ...SAE, '--json', '--quiet']);
    expect(withoutSeconds(json)).toEqual(withoutSeconds(alone.stdout));
  });

  it('sae --input without true features: no cosine matrix, and no arrows for d_in = 3', async () => {
    const input = join(parentFolder(), 'acts.npy');
    writeFileSync(input, writeNpy(normal([64, 3], { seed: 3 })));
    const { json } = await runWithOut(['sae', '--input', input, '--steps', '20', '--batch', '16'], ['training-loss.svg', 'training-sparsity.svg']);
    expect((JSON.parse(json) as { mmcs: unknown }).mmcs).toBeNull();
  });

  it('steer: the latents, and the outputs before and after the edit', async () => {
    const { json } = await runWithOut(['steer', ...SAE, '--present', '1'], ['latents.svg', 'outputs-before.svg', 'outputs-after.svg']);
    expect((JSON.parse(json) as { input: number[] }).input).toEqual([0, 1, 0, 0, 0]);
  });

  it('without --json, stdout has the summary and the folder has the same files', async () => {
    const folder = join(parentFolder(), 'plots');
    const { code, stdout } = await run(['tms', ...TOY, '--instances', '1', '--density', '0.1', '--quiet', '--out', folder]);
    expect(code).toBe(0);
    expect(stdout).toContain('relu model: 5 features');
    expect(listFiles(folder)).toEqual([MANIFEST_FILE, 'instance-0-directions.svg', 'instance-0-gram.svg', 'instance-0-norms.svg', RESULT_FILE]);
    expect((JSON.parse(readFileSync(join(folder, RESULT_FILE), 'utf8')) as { model: string }).model).toBe('relu');
  });

  it('replaces what an earlier run left in DIR, whole', async () => {
    const folder = join(parentFolder(), 'plots');
    mkdirSync(folder);
    writeFileSync(join(folder, 'instance-7-gram.svg'), '<svg/>');
    writeFileSync(join(folder, RESULT_FILE), '{"earlier":true}\n');
    writeFileSync(join(folder, MANIFEST_FILE), manifestText('out', ['instance-7-gram.svg', RESULT_FILE])); // as an earlier run wrote it
    const { code, stdout } = await run(['tms', ...TOY, '--instances', '1', '--density', '0.1', '--quiet', '--json', '--out', folder]);
    expect(code).toBe(0);
    expect(listFiles(folder)).toEqual([MANIFEST_FILE, 'instance-0-directions.svg', 'instance-0-gram.svg', 'instance-0-norms.svg', RESULT_FILE]);
    expect(readFileSync(join(folder, RESULT_FILE), 'utf8')).toBe(stdout);
  });

  it('every command\'s --help lists --out DIR', async () => {
    for (const command of ['tms', 'phase', 'geometry', 'sae', 'steer']) {
      expect((await run([command, '--help'])).stdout, command).toMatch(/--out DIR +also write the plots/);
    }
  });
});

describe('a bad flag or value leaves DIR untouched', () => {
  const cases: [argv: string[], message: string][] = [
    [['tms', '--steps', '-1'], '--steps must be a whole number ≥ 0, got -1'],
    [['tms', '--stpes', '5'], 'unknown flag --stpes; did you mean --steps?'],
    [['tms', '--density', '1.5'], '--density values must be in (0, 1]'],
    [['tms', '--density', '1,0.5,0.1'], '--density lists 3 values but --instances is 8'], // found in run(), before training
    [['phase', '--features', '3'], '--features must be 2 for the phase diagram'],
    [['geometry', '--tolerance', '-0.1'], '--tolerance must be a number ≥ 0'],
    [['sae', '--arch', 'topk', '--k', '9', '--latents', '3'], '--k 9 is larger than --latents 3'],
    [['steer', '--present', '7'], '--present lists feature 7'],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const parent = parentFolder();
      const folder = join(parent, 'plots');
      mkdirSync(folder);
      writeFileSync(join(folder, 'earlier.svg'), '<svg/>');
      writeFileSync(join(folder, RESULT_FILE), '{"earlier":true}\n');
      writeFileSync(join(folder, MANIFEST_FILE), manifestText('out', ['earlier.svg', RESULT_FILE])); // an earlier run's folder
      const { code, stdout, stderr } = await run([...argv, '--out', folder]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(readdirSync(parent)).toEqual(['plots']);
      expect(listFiles(folder)).toEqual([MANIFEST_FILE, 'earlier.svg', RESULT_FILE]);
      expect(readFileSync(join(folder, RESULT_FILE), 'utf8')).toBe('{"earlier":true}\n');
    });
  }

  it('a DIR that is a file, or a folder holding folders (not one a command wrote), is refused before training', async () => {
    const parent = parentFolder();
    const file = join(parent, 'notes.txt');
    writeFileSync(file, 'mine');
    const onFile = await run(['tms', '--out', file]);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`--out cannot be replaced: ${file} is a file, not a folder`);
    expect(onFile.stderr).not.toContain('training');
    expect(readFileSync(file, 'utf8')).toBe('mine');
    const project = join(parent, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    const onProject = await run(['tms', '--out', project]);
    expect(onProject.code).toBe(2);
    expect(onProject.stderr).toContain(`--out cannot be replaced: ${project} holds a folder (src)`);
    expect(listFiles(parent)).toEqual(['notes.txt']);
    expect(readdirSync(project)).toEqual(['src']);
  });

  it('a write that fails part-way exits 1 and leaves DIR as it was, with nothing beside it', async () => {
    const parent = parentFolder();
    const folder = join(parent, 'plots');
    mkdirSync(folder);
    writeFileSync(join(folder, RESULT_FILE), '{"earlier":true}\n');
    writeFileSync(join(folder, MANIFEST_FILE), manifestText('out', [RESULT_FILE]));
    const real = nodeDirectoryIO();
    let written = 0;
    const failing: DirectoryIO = {
      ...real,
      writeFile(path, data) {
        if (++written === 3) throw new Error(`disk full writing ${path}`);
        real.writeFile(path, data);
      },
    };
    const { code, stdout, stderr } = await run(['tms', ...TOY, '--instances', '1', '--density', '0.1', '--quiet', '--json', '--out', folder], failing);
    expect(written).toBe(3);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`superposition tms: error: cannot write ${folder}: disk full writing`);
    expect(readdirSync(parent)).toEqual(['plots']);
    expect(listFiles(folder)).toEqual([MANIFEST_FILE, RESULT_FILE]);
    expect(readFileSync(join(folder, RESULT_FILE), 'utf8')).toBe('{"earlier":true}\n');
  });

  it('--out with no folder is refused by name', async () => {
    const { code, stderr } = await run(['tms', '--out=']);
    expect(code).toBe(2);
    expect(stderr).toContain('--out must not be empty');
  });
});
