/**
 * The command line end to end, in-process: main(argv, fake streams) with tiny configs (a few
 * training steps), checking exit codes, what goes to stdout and stderr, and the JSON's fields
 * and shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fractionWindows } from '../../src/experiments/geometry.js';
import { awayFromBoundary } from '../../src/experiments/phase.js';
import { packageVersion } from '../../src/cli/node-io.js';
import { PHASES } from '../../src/analysis/index.js';
import { TOY_MODEL_KINDS } from '../../src/models/tms.js';
import { runCli, type CliRun, onlyJson } from '../support/cli.js';

/** Runs the command line with fake streams, reporting the package's real version. */
const run = (argv: string[], options: { isTTY?: boolean } = {}): Promise<CliRun> => runCli(argv, { ...options, version: packageVersion });




// A few steps of small batches: these test the plumbing, not what training finds.
const TINY = ['--steps', '6', '--batch', '16'];

describe('help and version', () => {
  it('--help lists every command on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const name of ['tms', 'phase', 'geometry', 'help', '--version']) expect(stdout).toContain(name);
  });

  it('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('help tms is tms --help, and lists every flag of the issue with its default', async () => {
    const viaHelp = await run(['help', 'tms']);
    const viaFlag = await run(['tms', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    const text = viaHelp.stdout;
    const defaults: [string, string][] = [
      ['features', '5'], ['hidden', '2'], ['instances', '8'], ['importance', '0.9'], ['density', '1:0.02'],
      ['model', 'relu'], ['steps', '10000'], ['batch', '1024'], ['lr', '1e-3'], ['seed', '0'],
    ];
    for (const [flag, value] of defaults) {
      const line = text.slice(text.indexOf(`--${flag} `));
      expect(line).toMatch(new RegExp(`^--${flag} [^]*?\\(default ${value.replace('.', '\\.')}\\)`));
    }
    expect(text).toContain(`--model ${TOY_MODEL_KINDS.join('|')}`);
    expect(text).toContain('--json');
    expect(text).toContain('--quiet');
  });

  it('phase and geometry have help pages with their defaults and run times', async () => {
    const phase = (await run(['help', 'phase'])).stdout;
    expect(phase).toContain('(default 12)');
    expect(phase).toContain('Run time');
    const geometry = (await run(['geometry', '--help'])).stdout;
    expect(geometry).toContain('(default 200)');
    expect(geometry).toContain('(default 1:0.01)');
    expect(geometry).toContain('Run time');
  });

  it('no command, an unknown command, or help for one: exit 2 with a message on stderr', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    const unknown = await run(['train']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'train'");
    expect((await run(['help', 'train'])).code).toBe(2);
    expect((await run(['--verbose'])).stderr).toContain('unknown flag --verbose');
  });
});

describe('bad flags and values exit 2, naming the flag and what is allowed', () => {
  const cases: [argv: string[], message: string][] = [
    [['tms', '--stesp', '5'], 'unknown flag --stesp; did you mean --steps?'],
    [['tms', '--steps', '-5'], '--steps must be a whole number ≥ 0, got -5'],
    [['tms', '--steps=2.5'], '--steps must be a whole number ≥ 0, got 2.5'],
    [['tms', '--density', '1:1.5'], '--density values must be in (0, 1]'],
    [['tms', '--density', '0,0.5'], 'got 0'],
    [['tms', '--density', '1,0.5,0.1'], '--density lists 3 values but --instances is 8'],
    [['tms', '--model', 'tanh'], '--model must be one of relu, linear, hidden-relu, abs, got tanh'],
    [['tms', '--lr', '0'], '--lr must be a number > 0, got 0'],
    [['tms', '--features', '0'], '--features must be a whole number ≥ 1, got 0'],
    [['phase', '--features', '3'], '--features must be 2 for the phase diagram'],
    [['phase', '--hidden', '2'], '--hidden must be 1 for the phase diagram'],
    [['phase', '--grid', '1'], '--grid must be a whole number ≥ 2'],
    [['geometry', '--density', '2:0.1'], '--density values must be in (0, 1]'],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const { code, stdout, stderr } = await run([...argv, '--json']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(stderr).toContain(`superposition ${argv[0]} --help`);
    });
  }
});

describe('tms', () => {
  it('--json prints one document with the issue\'s fields, shaped [m][n] for W', async () => {
    const { code, stdout, stderr } = await run(['tms', ...TINY, '--json']);
    expect(code).toBe(0);
    const doc = onlyJson(stdout);
    expect(doc).toMatchObject({ model: 'relu', features: 5, hidden: 2 });
    expect(typeof doc.seconds).toBe('number');
    const instances = doc.instances as Record<string, unknown>[];
    expect(instances).toHaveLength(8);
    expect((instances[0].density as number)).toBe(1);
    expect((instances[7].density as number)).toBeCloseTo(0.02, 12);
    for (const instance of instances) {
      const W = instance.W as number[][];
      expect(W).toHaveLength(2); // m rows …
      for (const row of W) expect(row).toHaveLength(5); // … of n
      for (const key of ['importance', 'b', 'featureNorms', 'interference', 'dimensionality', 'status']) {
        expect(instance[key], key).toHaveLength(5);
      }
      expect(typeof instance.loss).toBe('number');
      // The norms belong to W's columns, as read back from the JSON.
      const norms = instance.featureNorms as number[];
      norms.forEach((norm, i) => expect(norm).toBeCloseTo(Math.hypot(W[0][i], W[1][i]), 6));
      // Importance rⁱ, stored as float32.
      (instance.importance as number[]).forEach((value, i) => expect(value).toBeCloseTo(0.9 ** i, 6));
    }
    expect(stderr).toContain('training relu');
    expect(stderr).toContain('done');
  });

  it('--quiet silences stderr and leaves stdout as it was', async () => {
    const loud = await run(['tms', ...TINY, '--json']);
    const quiet = await run(['tms', ...TINY, '--json', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const strip = (text: string): unknown => ({ ...JSON.parse(text), seconds: 0 });
    expect(strip(quiet.stdout)).toEqual(strip(loud.stdout));
  });

  it('the same seed gives the same JSON (but for seconds); another seed does not', async () => {
    const strip = (text: string): unknown => ({ ...JSON.parse(text), seconds: 0 });
    const argv = ['tms', ...TINY, '--json', '--quiet', '--instances', '3', '--density', '1,0.3,0.05'];
    const first = await run([...argv, '--seed', '7']);
    const again = await run([...argv, '--seed', '7']);
    const other = await run([...argv, '--seed', '8']);
    expect(strip(again.stdout)).toEqual(strip(first.stdout));
    expect(strip(other.stdout)).not.toEqual(strip(first.stdout));
    expect((JSON.parse(first.stdout) as { instances: { density: number }[] }).instances.map((i) => i.density)).toEqual([1, 0.3, 0.05]);
  });

  it('adds per-neuron polysemanticity for hidden-relu, and W2 for abs', async () => {
    const hidden = onlyJson((await run(['tms', ...TINY, '--json', '--quiet', '--model', 'hidden-relu', '--hidden', '3'])).stdout);
    for (const instance of hidden.instances as { polysemanticity: Record<string, unknown> }[]) {
      expect(instance.polysemanticity.featuresPerNeuron).toHaveLength(3);
      expect(instance.polysemanticity.topFeatureShare).toHaveLength(3);
      expect(typeof instance.polysemanticity.polysemanticNeurons).toBe('number');
    }
    const abs = onlyJson((await run(['tms', ...TINY, '--json', '--quiet', '--model', 'abs'])).stdout);
    for (const instance of abs.instances as { W2: number[][]; polysemanticity?: unknown }[]) {
      expect(instance.W2).toHaveLength(5);
      for (const row of instance.W2) expect(row).toHaveLength(2);
      expect(instance.polysemanticity).toBeUndefined();
    }
  });

  it('prints a readable summary: a row per instance with a status per feature', async () => {
    const { code, stdout } = await run(['tms', ...TINY, '--quiet', '--instances', '3', '--density', '1,0.1,0.01']);
    expect(code).toBe(0);
    expect(stdout).toContain('relu model: 5 features');
    const rows = stdout.split('\n').filter((line) => /^\s+\d+\s+(1|0\.1|0\.01)\s/.test(line));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.match(/ [DS·](?= )/g)?.length).toBe(5);
    expect(stdout).toContain('D dedicated');
  });

  it('draws a bar redrawn in place when stderr is a terminal', async () => {
    const { code, stderr } = await run(['tms', ...TINY, '--quiet=false', '--json'], { isTTY: true });
    expect(code).toBe(0);
    expect(stderr).toContain('\r');
    expect(stderr).toContain('\x1b[K');
    expect(stderr.endsWith('\n')).toBe(true);
  });

  it('a run that fails while training exits 1 with the reason on stderr', async () => {
    // A learning rate so large that the loss overflows: trainToyModel stops and says so.
    const { code, stdout, stderr } = await run(['tms', '--steps', '50', '--batch', '8', '--lr', '1e30', '--json', '--quiet']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^superposition tms: error: .*loss/);
  });
});

describe('phase', () => {
  it('--json gives one cell per grid point with both phases', async () => {
    const { code, stdout } = await run(['phase', '--grid', '3', '--restarts', '2', ...TINY, '--json', '--quiet']);
    expect(code).toBe(0);
    const doc = onlyJson(stdout);
    const cells = doc.cells as { importance: number; density: number; phase: string; theoryPhase: string; restartPhases: string[] }[];
    expect(cells).toHaveLength(9);
    for (const cell of cells) {
      expect(PHASES).toContain(cell.phase);
      expect(PHASES).toContain(cell.theoryPhase);
      expect(cell.restartPhases).toHaveLength(2);
      expect(cell.restartPhases).toContain(cell.phase);
    }
    // Rows are densities from 1 down to 0.01, columns importances from 0.1 up to 10.
    cells.forEach((cell, k) => {
      expect(cell.importance).toBeCloseTo([0.1, 1, 10][k % 3], 12);
      expect(cell.density).toBeCloseTo([1, 0.1, 0.01][Math.floor(k / 3)], 12);
    });
    // Theory at the corners, as the paper draws it: dense and unimportant → x₂ dropped; dense and
    // important → x₂ dedicated; sparse → superposition.
    expect(cells[0].theoryPhase).toBe('not-represented');
    expect(cells[2].theoryPhase).toBe('dedicated');
    expect(cells[7].theoryPhase).toBe('superposition');
    const agreement = doc.agreement as { cells: number; agree: number };
    expect(agreement.cells).toBe(9);
    expect(agreement.agree).toBe(cells.filter((cell) => cell.phase === cell.theoryPhase).length);
  });

  it('calls a cell away from the boundaries when its four neighbours share its phase', () => {
    // 3×3: a column of D on the right; only the left column's middle cell has all-· neighbours.
    const N = 'not-represented';
    const D = 'dedicated';
    const grid = [N, N, D, N, N, D, N, N, D] as const;
    expect(awayFromBoundary(grid, 3, 3)).toEqual([true, false, false, true, false, false, true, false, false]);
  });

  it('prints the two grids side by side', async () => {
    const { code, stdout } = await run(['phase', '--grid', '2', '--restarts', '1', ...TINY, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain('trained');
    expect(stdout).toContain('theory');
    expect(stdout).toMatch(/agree in \d+ of 4 cells/);
  });
});

describe('geometry', () => {
  it('--json gives per-instance density, dimensions per feature and every D_i', async () => {
    const { code, stdout, stderr } = await run(['geometry', '--features', '12', '--hidden', '3', '--instances', '3', ...TINY, '--json']);
    expect(code).toBe(0);
    expect(stderr).toContain('training 3 instances');
    const doc = onlyJson(stdout);
    const instances = doc.instances as { density: number; dimensionsPerFeature: number; dimensionality: number[]; represented: number }[];
    expect(instances).toHaveLength(3);
    expect(instances[0].density).toBe(1);
    expect(instances[2].density).toBeCloseTo(0.01, 12);
    for (const instance of instances) {
      expect(instance.dimensionality).toHaveLength(12);
      expect(instance.dimensionsPerFeature).toBeGreaterThan(0);
      // Σ Dᵢ ≤ m (the analysis module's bound), a check on the numbers, not just their shape.
      expect(instance.dimensionality.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3 + 1e-9);
    }
    const clusters = doc.clusters as { total: number };
    expect(clusters.total).toBe(instances.reduce((sum, instance) => sum + instance.represented, 0));
    const inRange = doc.inRange as { total: number; matched: number; chance: number };
    expect(inRange.total).toBeLessThanOrEqual(clusters.total);
    expect(inRange.matched).toBeLessThanOrEqual(inRange.total);
    expect(inRange.chance).toBeCloseTo(fractionWindows(0.02).chance, 12);
  });

  it('the chance of sitting at a named fraction is the windows\' share of the fractions\' range', () => {
    // Six windows of width 2·0.02 over [3/8 − 0.02, 1 + 0.02]; those of 3/8 and 2/5 (0.025 apart)
    // overlap by 0.04 − 0.025 = 0.015, so they cover 6·0.04 − 0.015 = 0.225 of a range 0.665 long.
    expect(fractionWindows(0.02)).toEqual({ lower: expect.closeTo(0.355, 12), upper: expect.closeTo(1.02, 12), chance: expect.closeTo(0.225 / 0.665, 12) });
    expect(fractionWindows(0).chance).toBe(0);
    expect(fractionWindows(0.5).chance).toBeCloseTo(1, 12);
  });

  it('prints a table with a row per instance', async () => {
    const { stdout } = await run(['geometry', '--features', '12', '--hidden', '3', '--instances', '2', ...TINY, '--quiet']);
    expect(stdout).toContain('dims/feature');
    expect(stdout.split('\n').filter((line) => /^\s+(1|0\.01)\s+(1|100)\s/.test(line))).toHaveLength(2);
    expect(stdout).toMatch(/Of the \d+ represented features with D_i in the fractions' range/);
  });
});
