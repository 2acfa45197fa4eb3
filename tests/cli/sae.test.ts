/**
 * `superposition sae` and `superposition steer`, in-process with fake streams and tiny configs (a
 * few dozen training steps): exit codes, the JSON's fields and shapes, `--input` from .npy files
 * written to a temporary folder, and every bad input refused with exit code 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { SAE_ARCHITECTURES } from '../../src/models/sae.js';
import { normal } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runCli as run, onlyJson, expectUsageError } from '../support/cli.js';





function expectMatrix(value: unknown, rows: number, cols: number): number[][] {
  expect(Array.isArray(value)).toBe(true);
  const matrix = value as number[][];
  expect(matrix).toHaveLength(rows);
  for (const row of matrix) {
    expect(row).toHaveLength(cols);
    for (const entry of row) expect(Number.isFinite(entry)).toBe(true);
  }
  return matrix;
}

const norm = (row: readonly number[]): number => Math.hypot(...row);

// Plumbing, not results: a few steps on small batches for both the toy model and the SAE.
const TINY = ['--tms-steps', '30', '--tms-batch', '32', '--steps', '30', '--batch', '32'];

const folder = mkdtempSync(join(tmpdir(), 'superposition-sae-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes bytes to a file in the temporary folder and returns its path. */
function file(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

describe('superposition sae --source tms', () => {
  it('--json has every field of the issue, with the shapes the flags ask for', async () => {
    const { code, stdout, stderr } = await run(['sae', ...TINY, '--features', '4', '--hidden', '3', '--latents', '6', '--json']);
    expect(code).toBe(0);
    expect(stderr).toContain('training the relu toy model');
    expect(stderr).toContain('training the relu SAE (3 → 6)');
    const json = onlyJson(stdout);
    expect(json.arch).toBe('relu');
    expect(json.latents).toBe(6);
    expect(json.source).toBe('tms');
    expect(json.inputDim).toBe(3);
    for (const key of ['l0', 'mse', 'fve']) expect(typeof json[key]).toBe('number');
    expect(json.l0 as number).toBeGreaterThanOrEqual(0);
    expect(json.l0 as number).toBeLessThanOrEqual(6);
    expect(json.mse as number).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(json.dead)).toBe(true);
    expect(json.dead as number).toBeLessThanOrEqual(6);
    const { trueToLearned, learnedToTrue } = json.mmcs as { trueToLearned: number; learnedToTrue: number };
    for (const value of [trueToLearned, learnedToTrue]) {
      expect(value).toBeGreaterThanOrEqual(-1);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(Number.isInteger(json.recovered)).toBe(true);
    expect(json.recovered as number).toBeLessThanOrEqual(4);
    // The decoder is one unit row per latent, in the 3-dim hidden space.
    for (const row of expectMatrix(json.decoder, 6, 3)) expect(norm(row)).toBeCloseTo(1, 5);
    // The true features: the 4 features' hidden directions.
    expectMatrix(json.trueFeatures, 4, 3);
    const history = json.history as { step: number; loss: number; l0: number; dead: number }[];
    expect(history.length).toBeGreaterThan(0);
    expect(history.at(-1)?.step).toBe(30);
    expect((json.toyModel as { instance: number }).instance).toBe(0);
  });

  it('trains on the instance --instance picks (default the last), at its density', async () => {
    const common = ['sae', ...TINY, '--instances', '3', '--density', '1:0.1', '--json'];
    const last = onlyJson((await run(common)).stdout).toyModel as { instance: number; density: number };
    expect(last.instance).toBe(2);
    expect(last.density).toBeCloseTo(0.1, 10);
    const first = onlyJson((await run([...common, '--instance', '0'])).stdout).toyModel as { instance: number; density: number };
    expect(first.instance).toBe(0);
    expect(first.density).toBe(1);
    await expectUsageError([...common, '--instance', '3'], '--instance 3 is past the last instance', '--instances is 3');
  });

  it('runs every architecture; topk reports its k', async () => {
    for (const arch of SAE_ARCHITECTURES) {
      const { code, stdout } = await run(['sae', ...TINY, '--arch', arch, '--k', '1', '--json']);
      expect(code).toBe(0);
      const json = onlyJson(stdout);
      expect(json.arch).toBe(arch);
      expect(json.k).toBe(arch === 'topk' ? 1 : null);
      if (arch === 'topk') expect(json.l0 as number).toBeLessThanOrEqual(1);
    }
  });

  it('the summary names the measures and lists every latent with its best match', async () => {
    const { code, stdout } = await run(['sae', ...TINY, '--seed', '3']);
    expect(code).toBe(0);
    for (const text of ['L0', 'MSE', 'FVE', 'dead latents', 'MMCS', 'features recovered', 'best match']) expect(stdout).toContain(text);
    for (let latent = 0; latent < 5; latent++) expect(stdout).toMatch(new RegExp(`^ +${latent} .*feature \\d`, 'm'));
  });

  it('the same seed gives the same JSON, apart from the timings', async () => {
    const argv = ['sae', ...TINY, '--seed', '7', '--json'];
    const strip = (stdout: string): unknown => ({ ...onlyJson(stdout), seconds: 0 });
    expect(strip((await run(argv)).stdout)).toEqual(strip((await run(argv)).stdout));
  });
});

describe('superposition sae --input FILE.npy', () => {
  // 64 samples in 3 dims, each a multiple of one of two known directions.
  const directions = [[1, 0, 0], [0, 0.6, 0.8]];
  const samples = new Float32Array(64 * 3);
  for (let s = 0; s < 64; s++) {
    const direction = directions[s % 2];
    const magnitude = 0.25 + (s % 7) / 8;
    for (let j = 0; j < 3; j++) samples[s * 3 + j] = magnitude * direction[j];
  }
  const activations = file('acts.npy', writeNpy(new Tensor(samples, [64, 3])));
  const truth = file('truth.npy', writeNpy(new Tensor(Float64Array.from(directions.flat()), [2, 3])));

  it('trains on the rows of a float32 file and scores against --true-features (float64)', async () => {
    const { code, stdout } = await run(['sae', '--input', activations, '--true-features', truth, '--latents', '4', '--steps', '30', '--batch', '16', '--json']);
    expect(code).toBe(0);
    const json = onlyJson(stdout);
    expect(json.source).toBe('input');
    expect(json.inputDim).toBe(3);
    expectMatrix(json.decoder, 4, 3);
    expect(json.trueFeatures).toEqual(directions);
    expect(json.toyModel).toBeUndefined();
    expect(json.recovered as number).toBeLessThanOrEqual(2);
    expect(typeof (json.mmcs as { trueToLearned: number }).trueToLearned).toBe('number');
  });

  it('without --true-features: mmcs and recovered are null; latents default to 4 × d_in', async () => {
    const json = onlyJson((await run(['sae', '--input', activations, '--steps', '10', '--batch', '8', '--json'])).stdout);
    expect(json.latents).toBe(12);
    expectMatrix(json.decoder, 12, 3);
    expect(json.mmcs).toBeNull();
    expect(json.recovered).toBeNull();
    expect(json.trueFeatures).toBeUndefined();
  });

  it('reads float64 activations too', async () => {
    const path = file('acts64.npy', writeNpy(normal([20, 2], { seed: 1, dtype: 'float64' })));
    const json = onlyJson((await run(['sae', '--input', path, '--steps', '5', '--batch', '4', '--json'])).stdout);
    expect(json.inputDim).toBe(2);
  });

  it('refuses a file that is not a valid .npy, with the reader\'s reason', async () => {
    const csv = file('acts.csv', new TextEncoder().encode('1,2,3\n4,5,6\n'));
    await expectUsageError(['sae', '--input', csv], `--input ${csv} is not a valid .npy file`, 'readNpy: not a .npy file');
    const cut = file('cut.npy', writeNpy(new Tensor(samples, [64, 3])).subarray(0, 200));
    await expectUsageError(['sae', '--input', cut], 'not a valid .npy file', 'truncated');
  });

  it('refuses a file it cannot read', async () => {
    await expectUsageError(['sae', '--input', join(folder, 'missing.npy')], '--input: cannot read', 'missing.npy');
  });

  it('refuses a wrong rank or dtype', async () => {
    const cube = file('cube.npy', writeNpy(new Tensor(new Float32Array(8), [2, 2, 2])));
    await expectUsageError(['sae', '--input', cube], 'has shape [2,2,2]', 'must be a 2-D array');
    const ints = file('ints.npy', writeNpy(new Tensor(new Int32Array(6), [2, 3])));
    await expectUsageError(['sae', '--input', ints], "holds '<i4'", 'must be float32 or float64');
    const empty = file('empty.npy', writeNpy(new Tensor(new Float32Array(0), [0, 3])));
    await expectUsageError(['sae', '--input', empty], 'must not be empty');
  });

  it('refuses NaN in the data, naming where', async () => {
    const values = samples.slice();
    values[3 * 5 + 2] = Number.NaN;
    const path = file('nan.npy', writeNpy(new Tensor(values, [64, 3])));
    await expectUsageError(['sae', '--input', path], 'has NaN at row 5, column 2', 'must be finite');
  });

  it('refuses true features whose width is not d_in, and true features without --input', async () => {
    const wide = file('wide.npy', writeNpy(new Tensor(new Float32Array(8), [2, 4])));
    await expectUsageError(['sae', '--input', activations, '--true-features', wide], 'rows of width 4', 'd_in = 3');
    await expectUsageError(['sae', '--true-features', truth], '--true-features goes with --input');
    await expectUsageError(['sae', '--source', 'input'], '--source input needs --input');
  });
});

describe('sae flags that do not fit', () => {
  it('--k larger than --latents is exit 2, before any training', async () => {
    const { stderr } = await run(['sae', '--arch', 'topk', '--latents', '5', '--k', '6']);
    expect(stderr).toContain('--k 6 is larger than --latents 5');
    expect(stderr).not.toContain('training');
    await expectUsageError(['sae', '--arch', 'topk', '--k', '6'], '--k 6 is larger than --latents 5');
  });

  it('unknown architectures and resampling methods name what is allowed', async () => {
    await expectUsageError(['sae', '--arch', 'sparse'], '--arch must be one of relu, topk, jumprelu, gated');
    await expectUsageError(['sae', '--resample', 'often'], '--resample must be one of none, simple, anthropic');
  });

  it('--help lists the flags of the issue with their defaults, and the run time', async () => {
    const { code, stdout } = await run(['sae', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--source', '--input', '--true-features', '--arch', '--latents', '--l1', '--k', '--steps', '--batch', '--lr', '--resample', '--seed', '--json', '--instance', '--tms-steps']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('--arch relu|topk|jumprelu|gated');
    expect(stdout).toMatch(/--density [^]*?\(default\s+0\.025\)/);
    expect(stdout).toMatch(/--latents [^]*?\(default n with --source tms/);
    expect(stdout).toMatch(/Run time: about \d+ s with the defaults/);
  });

  it('steer --help lists its own flags and the run time', async () => {
    const { code, stdout } = await run(['help', 'steer']);
    expect(code).toBe(0);
    for (const flag of ['--present', '--latent', '--value', '--ablate', '--tolerance', '--arch', '--tms-steps']) expect(stdout).toContain(flag);
    expect(stdout).toMatch(/Run time: about \d+ s with the defaults/);
  });

  it('the top-level help lists sae and steer', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/^ +sae +/m);
    expect(stdout).toMatch(/^ +steer +/m);
  });
});

describe('superposition steer', () => {
  it('--json carries the steering report and what was trained', async () => {
    const { code, stdout } = await run(['steer', ...TINY, '--present', '1=0.8,3', '--latent', '2', '--json']);
    expect(code).toBe(0);
    const json = onlyJson(stdout);
    expect(json.input).toEqual([0, 0.8, 0, 1, 0]);
    expect(json.hidden).toHaveLength(2);
    expect(json.latents).toBe(5);
    const intervention = json.intervention as { latent: number; mode: string; after: number };
    expect(intervention.latent).toBe(2);
    expect(intervention.mode).toBe('ablate');
    expect(intervention.after).toBe(0);
    const outputs = json.outputs as Record<string, number[]>;
    for (const key of ['original', 'reconstruction', 'steered']) expect(outputs[key]).toHaveLength(5);
    // Every change listed is the difference between the steered and the reconstructed output.
    for (const change of json.changed as { feature: number; reconstruction: number; steered: number; delta: number }[]) {
      expect(change.delta).toBeCloseTo(outputs.steered[change.feature] - outputs.reconstruction[change.feature], 12);
      expect(Math.abs(change.delta)).toBeGreaterThan(json.tolerance as number);
    }
    expect((json.sae as { arch: string }).arch).toBe('relu');
    expect(typeof (json.sae as { mmcs: { trueToLearned: number } }).mmcs.trueToLearned).toBe('number');
  });

  it('--value clamps the latent; the default latent is the one closest to the first present feature', async () => {
    const json = onlyJson((await run(['steer', ...TINY, '--present', '2', '--value', '1.5', '--json'])).stdout);
    const intervention = json.intervention as { mode: string; after: number; latent: number };
    expect(intervention.mode).toBe('clamp');
    expect(intervention.after).toBe(1.5);
    const trained = onlyJson((await run(['sae', ...TINY, '--json'])).stdout);
    const decoder = trained.decoder as number[][];
    const feature = (trained.trueFeatures as number[][])[2];
    const cosines = decoder.map((row) => (row[0] * feature[0] + row[1] * feature[1]) / (norm(row) * norm(feature)));
    expect(intervention.latent).toBe(cosines.indexOf(Math.max(...cosines)));
  });

  it('the summary is the steering report', async () => {
    const { code, stdout } = await run(['steer', ...TINY]);
    expect(code).toBe(0);
    for (const text of ['latents that fired', 'ablate latent', 'output', 'reconstruction', 'steered']) expect(stdout).toContain(text);
  });

  it('refuses --value with --ablate, a feature or latent out of range, and a malformed --present', async () => {
    await expectUsageError(['steer', '--value', '1', '--ablate'], '--value 1 and --ablate do not go together');
    await expectUsageError(['steer', '--present', '5'], '--present lists feature 5', '--features 5');
    await expectUsageError(['steer', '--latent', '5'], '--latent 5 is past the last latent');
    await expectUsageError(['steer', '--present', '1,1'], 'lists feature 1 twice');
    await expectUsageError(['steer', '--present', '1=0'], 'not 0');
    await expectUsageError(['steer', '--present', 'a'], '--present must be a comma list');
  });
});

describe('sae: JumpReLU threshold and bandwidth', () => {
  it('are flags that start the thresholds where asked, and refuse values ≤ 0', async () => {
    const saved = mkdtempSync(join(tmpdir(), 'sae-threshold-'));
    const folder = join(saved, 'sae');
    const result = await run(['sae', '--arch', 'jumprelu', '--threshold', '0.3', '--bandwidth', '0.05', '--steps', '0',
      '--tms-steps', '5', '--batch', '16', '--tms-batch', '16', '--json', '--quiet', '--save', folder]);
    expect(result.code).toBe(0);
    expect(onlyJson(result.stdout).arch).toBe('jumprelu');
    // With no steps taken, the saved thresholds are the initial ones.
    const { tensors } = readSafetensors(new Uint8Array(readFileSync(join(folder, 'sae_weights.safetensors'))));
    for (const theta of tensors.threshold.toTypedArray()) expect(theta).toBeCloseTo(0.3, 6);
    rmSync(saved, { recursive: true, force: true });
    await expectUsageError(['sae', '--arch', 'jumprelu', '--threshold', '0'], '--threshold');
    await expectUsageError(['sae', '--arch', 'jumprelu', '--bandwidth', '-1'], '--bandwidth');
    const help = await run(['sae', '--help']);
    expect(help.stdout).toContain('--threshold');
    expect(help.stdout).toContain('--bandwidth');
  });
});
