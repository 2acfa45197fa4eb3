/**
 * `superposition inspect FILE` on safetensors and `.npy` files written to a temporary folder (text
 * and `--json`, bad files refused with exit code 2 and the reader's reason), and `superposition
 * sae --input FILE.safetensors [--tensor NAME]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { normal } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runCli as run, expectUsageError } from '../support/cli.js';



const folder = mkdtempSync(join(tmpdir(), 'superposition-inspect-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

const weights = file('weights.safetensors', writeSafetensors(
  {
    W_enc: new Tensor(new Float32Array(6), [2, 3]),
    steps: new Tensor(Int32Array.of(7), []),
    b64: new Tensor(new Float64Array(4), [4]),
  },
  { metadata: { format: 'pt', note: 'hello' } },
));

describe('superposition inspect', () => {
  it('lists a safetensors file\'s tensors and metadata as JSON', async () => {
    const { code, stdout } = await run(['inspect', weights, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { format: string; tensors: { name: string; dtype: string; shape: number[]; bytes: number }[]; metadata: unknown; headerLength: number };
    expect(report.format).toBe('safetensors');
    const byName = Object.fromEntries(report.tensors.map((t) => [t.name, [t.dtype, t.shape, t.bytes]]));
    // bytes = elements × item size: 6 × 4, 1 × 4, 4 × 8
    expect(byName).toEqual({ W_enc: ['F32', [2, 3], 24], steps: ['I32', [], 4], b64: ['F64', [4], 32] });
    expect(report.metadata).toEqual({ format: 'pt', note: 'hello' });
    expect(report.headerLength).toBeGreaterThan(0);
  });

  it('prints a table without --json', async () => {
    const { code, stdout } = await run(['inspect', weights]);
    expect(code).toBe(0);
    expect(stdout).toContain('3 tensors');
    expect(stdout).toMatch(/W_enc\s+F32\s+\[2,3\]\s+24/);
    expect(stdout).toContain('note: hello');
  });

  it('describes a .npy file: dtype, shape, Fortran order, version', async () => {
    const path = file('acts.npy', writeNpy(normal([5, 3], { seed: 1, dtype: 'float64' })));
    const { code, stdout } = await run(['inspect', path, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'npy', descr: '<f8', dtype: 'float64', shape: [5, 3], fortranOrder: false, version: '1.0', bytes: 120 });
    const text = await run(['inspect', path]);
    expect(text.stdout).toContain('<f8');
    expect(text.stdout).toContain('[5,3]');
  });

  it('tells .npy from safetensors by the magic bytes when the extension says neither', async () => {
    const path = file('acts.bin', writeNpy(new Tensor(new Float32Array(2), [2])));
    expect(JSON.parse((await run(['inspect', path, '--json'])).stdout)).toMatchObject({ format: 'npy', shape: [2] });
  });

  it('refuses bad files with exit 2 and the reader\'s reason', async () => {
    const cut = file('cut.safetensors', writeSafetensors({ a: new Tensor(new Float32Array(4), [4]) }).subarray(0, 12));
    await expectUsageError(['inspect', cut], 'is not a valid safetensors file', 'readSafetensors');
    const junk = file('junk.npy', new TextEncoder().encode('not numpy'));
    await expectUsageError(['inspect', junk], 'is not a valid .npy file', 'readNpy');
    await expectUsageError(['inspect', join(folder, 'missing.safetensors')], 'cannot read');
    await expectUsageError(['inspect'], 'which file');
    await expectUsageError(['inspect', weights, weights], 'one file');
  });

  it('has a help page and is listed in the top-level help', async () => {
    expect((await run(['inspect', '--help'])).stdout).toContain('superposition inspect FILE');
    expect((await run(['--help'])).stdout).toContain('inspect');
  });
});

describe('superposition sae --input FILE.safetensors', () => {
  const acts = normal([40, 3], { seed: 2 });
  const single = file('single.safetensors', writeSafetensors({ acts }));
  const several = file('several.safetensors', writeSafetensors({ acts, other: normal([10, 5], { seed: 3 }) }));
  const tiny = ['--steps', '3', '--batch', '4', '--json'];

  it('trains on the only tensor of a file', async () => {
    const { code, stdout } = await run(['sae', '--input', single, ...tiny]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ source: 'input', inputDim: 3 });
  });

  it('trains on the tensor --tensor names', async () => {
    const { code, stdout } = await run(['sae', '--input', several, '--tensor', 'other', ...tiny]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ inputDim: 5 });
  });

  it('refuses several tensors without --tensor, listing the names', async () => {
    await expectUsageError(['sae', '--input', several, ...tiny], 'holds 2 tensors', '--tensor NAME', 'acts [40,3]', 'other [10,5]');
  });

  it('refuses an unknown name, a non-matrix tensor, and --tensor with a .npy', async () => {
    await expectUsageError(['sae', '--input', several, '--tensor', 'nope', ...tiny], '--tensor nope', 'no such tensor', 'acts [40,3]');
    await expectUsageError(['sae', '--input', weights, '--tensor', 'b64', ...tiny], 'has shape [4]', '2-D');
    await expectUsageError(['sae', '--input', weights, '--tensor', 'steps', ...tiny], 'holds int32', 'float32 or float64');
    const npy = file('a.npy', writeNpy(acts));
    await expectUsageError(['sae', '--input', npy, '--tensor', 'acts', ...tiny], '--tensor names a tensor of a .safetensors');
    const cut = file('cut2.safetensors', writeSafetensors({ acts }).subarray(0, 30));
    await expectUsageError(['sae', '--input', cut, ...tiny], 'is not a valid safetensors file', 'readSafetensors');
  });
});
