/**
 * Nothing lost, nothing hung (issue 13), at the command line: `--out` and `--save` never delete or
 * overwrite a user's files without `--force`; every output location is refused before training
 * when it cannot be written; a diverged run exits non-zero naming the setting to lower and saves
 * nothing non-finite; sizes that cannot fit are refused up front; a run killed during `--out`
 * leaves no litter past the next run; a changed `--input`, an I32 parameter or corrupt optimizer
 * state is refused at `--resume`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, makeFolders, readManifest, nodeDirectoryIO, removeDeadWriters } from '../../src/cli/atomic.js';
import { CHECKPOINT_FILE, contentHash, writeFilesAtomically } from '../../src/cli/files.js';
import { formatTable } from '../../src/cli/format.js';
import { refuseOversize } from '../../src/cli/limits.js';
import { writeNpy } from '../../src/io/npy.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { CHECKPOINT_METADATA_KEY, readCheckpoint, writeCheckpoint } from '../../src/persistence/checkpoint.js';
import { normal } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runCli as run } from '../support/cli.js';
import { scratchFolders } from '../support/folders.js';

/** A fresh, empty folder for one test. */
const fresh = scratchFolders('safety');

/** A tiny `tms` run of `steps` steps. */
const toy = (steps = 2): string[] => ['--steps', String(steps), '--batch', '8', '--instances', '1', '--density', '0.1', '--quiet'];
const TOY = toy();
/** A tiny `sae` or `steer` run, without its step counts. */
const SAE_SIZE = ['--tms-batch', '16', '--batch', '16', '--quiet'];
const SAE = ['--tms-steps', '3', '--steps', '3', ...SAE_SIZE];

describe('--out never replaces a folder of the user\'s', () => {
  it('refuses a folder holding a file it did not write, naming the path, and leaves it as it was', async () => {
    const keys = join(fresh(), 'keys');
    mkdirSync(keys);
    writeFileSync(join(keys, 'id_ed25519'), 'KEY');
    const { code, stdout, stderr } = await run(['phase', '--steps', '2', '--batch', '8', '--grid', '2', '--quiet', '--out', keys]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`--out cannot be replaced: ${keys} holds 1 file (id_ed25519) that superposition did not write`);
    expect(stderr).not.toContain('training');
    expect(readdirSync(keys)).toEqual(['id_ed25519']);
    expect(readFileSync(join(keys, 'id_ed25519'), 'utf8')).toBe('KEY');
  });

  it('--force replaces a folder of files on purpose, and the new folder carries a manifest of what was written', async () => {
    const folder = join(fresh(), 'old');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const { code } = await run(['tms', ...TOY, '--out', folder, '--force']);
    expect(code).toBe(0);
    const names = readdirSync(folder);
    expect(names).not.toContain('notes.txt');
    const manifest = readManifest(folder, nodeDirectoryIO());
    expect(manifest?.kind).toBe('out');
    expect([...(manifest?.files ?? []), MANIFEST_FILE].sort()).toEqual(names.sort());
  });

  it('even --force refuses a folder holding folders (nothing here writes one), and --help lists --force', async () => {
    const project = join(fresh(), 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    const { code, stderr } = await run(['tms', ...TOY, '--out', project, '--force']);
    expect(code).toBe(2);
    expect(stderr).toContain('holds a folder (src)');
    expect(readdirSync(project)).toEqual(['src']);
    for (const command of ['tms', 'phase', 'geometry', 'sae', 'steer', 'lesson']) {
      expect((await run([command, '--help'])).stdout, command).toMatch(/--force +replace on purpose/);
    }
  });
});

describe('--save never overwrites a user\'s files or another run\'s checkpoint', () => {
  it('refuses a folder of the user\'s (sae would write cfg.json there) until --force, which keeps the other files', async () => {
    const folder = join(fresh(), 'mine');
    mkdirSync(folder);
    writeFileSync(join(folder, 'cfg.json'), '{"mine":true}');
    writeFileSync(join(folder, 'notes.txt'), 'keep me');
    const refused = await run(['sae', ...SAE, '--save', folder]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--save cannot be written: ${folder} holds 2 files (`);
    expect(refused.stderr).not.toContain('training');
    expect(readFileSync(join(folder, 'cfg.json'), 'utf8')).toBe('{"mine":true}');
    const forced = await run(['sae', ...SAE, '--save', folder, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(folder, 'cfg.json'), 'utf8')).not.toBe('{"mine":true}');
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readManifest(folder, nodeDirectoryIO())?.files).toEqual(['cfg.json', CHECKPOINT_FILE, 'sae_weights.safetensors']);
  });

  it('a second --save over another run\'s checkpoint is refused; --resume of that run, or --force, goes ahead', async () => {
    const folder = join(fresh(), 'run');
    expect((await run(['tms', ...TOY, '--save', folder])).code).toBe(0);
    const before = readFileSync(join(folder, CHECKPOINT_FILE));
    const again = await run(['tms', ...TOY, '--save', folder]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${folder} holds another run's checkpoint; continue that run with --resume ${folder}`);
    expect(readFileSync(join(folder, CHECKPOINT_FILE)).equals(before)).toBe(true);
    const resumed = await run(['tms', ...toy(4), '--resume', folder, '--save', folder]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readCheckpoint(new Uint8Array(readFileSync(join(folder, CHECKPOINT_FILE)))).state.step).toBe(4);
    expect((await run(['tms', ...TOY, '--save', folder, '--force'])).code).toBe(0);
    expect(readCheckpoint(new Uint8Array(readFileSync(join(folder, CHECKPOINT_FILE)))).state.step).toBe(2);
  });

  it('writes a model\'s files as one unit: a failure writing the second leaves the first as it was, and no temporary file', () => {
    const folder = fresh();
    writeFilesAtomically(folder, { 'cfg.json': 'old config' });
    // A name too long for a temporary file beside it: the second file fails before any rename.
    const tooLong = 'w'.repeat(250);
    expect(() => writeFilesAtomically(folder, { 'cfg.json': 'new config', [tooLong]: 'weights' })).toThrow(/cannot write cfg\.json and w+ in .*the old files are as they were/);
    expect(readFileSync(join(folder, 'cfg.json'), 'utf8')).toBe('old config');
    expect(readdirSync(folder).filter((name) => name.includes('.tmp-') || name.includes('.old-'))).toEqual([]);
  });
});

describe('every output location is checked before training, in one line, without hanging', () => {
  it('--save on a file, --out inside a file: exit 2 before any training', async () => {
    const parent = fresh();
    const file = join(parent, 'afile');
    writeFileSync(file, 'mine');
    const onFile = await run(['tms', ...TOY, '--save', file]);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`--save cannot be written: ${file} is a file, not a folder`);
    const inside = await run(['tms', ...TOY, '--out', join(file, 'sub')]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain(`--out cannot be replaced: ${file} is a file, not a folder, so ${join(file, 'sub')} cannot be made inside it`);
    for (const { stderr } of [onFile, inside]) {
      expect(stderr).not.toContain('training');
      expect(stderr.split('\n')[0]).not.toMatch(/ENOTDIR|EEXIST/);
    }
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it.skipIf(!existsSync('/proc/self'))('--out /proc/x and --save /proc/x: exit 2 at once, naming no temporary path', async () => {
    for (const flag of ['--out', '--save']) {
      const { code, stderr } = await run(['tms', ...TOY, flag, '/proc/x']);
      expect(code, flag).toBe(2);
      expect(stderr).toContain('cannot make a folder in /proc');
      expect(stderr).not.toContain('.tmp-');
      expect(stderr).not.toContain('training');
    }
  });

  it('makeFolders makes one folder per missing component, and stops at the first that fails', () => {
    const calls: string[] = [];
    const stuck = {
      kind: (path: string) => (path === '/proc' ? 'directory' as const : 'missing' as const),
      mkdir: (path: string) => {
        calls.push(path);
        throw Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${path}'`), { code: 'ENOENT' });
      },
    };
    expect(() => makeFolders('/proc/x/y/z', stuck)).toThrow('cannot make folder /proc/x: ENOENT: no such file or directory');
    expect(calls).toEqual(['/proc/x']);
    const folder = join(fresh(), 'a', 'b', 'c');
    makeFolders(folder, nodeDirectoryIO());
    expect(existsSync(folder)).toBe(true);
  });
});

describe('a run that diverges stops, names the setting to lower, and saves nothing non-finite', () => {
  const poisoned: [argv: string[], setting: string][] = [
    [['tms', ...toy(5), '--lr', '1e30'], '--lr'],
    [['phase', '--steps', '5', '--batch', '8', '--grid', '2', '--restarts', '1', '--quiet', '--lr', '1e30'], '--lr'],
    [['geometry', ...toy(5), '--features', '6', '--hidden', '2', '--lr', '1e30'], '--lr'],
    [['sae', ...SAE_SIZE, '--tms-steps', '5', '--steps', '3', '--tms-lr', '1e30'], '--tms-lr'],
    [['sae', ...SAE_SIZE, '--tms-steps', '3', '--steps', '5', '--lr', '1e30'], '--lr'],
    [['steer', ...SAE_SIZE, '--tms-steps', '5', '--steps', '3', '--tms-lr', '1e30'], '--tms-lr'],
    [['steer', ...SAE_SIZE, '--tms-steps', '3', '--steps', '5', '--lr', '1e30'], '--lr'],
  ];
  for (const [argv, setting] of poisoned) {
    it(`${argv[0]} ${setting} 1e30`, async () => {
      const out = join(fresh(), 'plots');
      const { code, stdout, stderr } = await run([...argv, '--json', '--out', out]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('training diverged');
      expect(stderr).toContain(`lower ${setting} (now 1e+30)`);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('tms --save keeps no model and no non-finite checkpoint of a diverged run', async () => {
    const folder = join(fresh(), 'run');
    const { code } = await run(['tms', ...toy(5), '--lr', '1e30', '--save', folder, '--checkpoint-every', '1']);
    expect(code).toBe(1);
    const names = existsSync(folder) ? readdirSync(folder) : [];
    expect(names.filter((name) => name.startsWith('toy_model'))).toEqual([]);
    if (names.includes(CHECKPOINT_FILE)) {
      const { state } = readCheckpoint(new Uint8Array(readFileSync(join(folder, CHECKPOINT_FILE))));
      for (const tensor of Object.values(state.parameters)) expect(tensor.toTypedArray().every(Number.isFinite)).toBe(true);
    }
  });
});

describe('sizes whose buffers cannot fit are refused up front', () => {
  it('tms --batch 100000000 and --instances 1000000000: exit 2, naming the flags', async () => {
    const batch = await run(['tms', '--batch', '100000000', '--quiet']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('--instances 8 × --batch 100000000 × --features 5');
    const instances = await run(['tms', '--instances', '1000000000', '--quiet']);
    expect(instances.code).toBe(2);
    expect(instances.stderr).toContain('--instances 1000000000');
  });

  it('refuses a working set larger than the machine\'s memory', () => {
    const buffers = [{ what: 'the batch', elements: 1000, flags: '--batch 1000', copies: 2 }];
    expect(() => refuseOversize(buffers, 8000)).not.toThrow();
    expect(() => refuseOversize(buffers, 7999)).toThrow('the largest is the batch (--batch 1000)');
  });
});

describe('readers cap what they read, and messages stay short', () => {
  it('inspect of a safetensors file of 200,000 tensors lists them (no stack overflow)', async () => {
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < 200_000; i++) tensors[`t${i}`] = new Tensor(new Float32Array(1), [1]);
    const file = join(fresh(), 'many.safetensors');
    writeFileSync(file, writeSafetensors(tensors));
    const { code, stdout, stderr } = await run(['inspect', file]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('200000 tensors');
  }, 60_000);

  it('a summary table of 200,000 rows (sae --latents 200000) is laid out without a stack overflow', () => {
    const rows = Array.from({ length: 200_000 }, (_, latent) => [String(latent), latent === 123_456 ? 'the widest cell' : 'x']);
    const table = formatTable(['latent', 'fires on'], rows, [1]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(200_003); // header, rule, rows, and the final newline
    expect(lines[2]).toBe(`${'0'.padStart(6)}  x`);
    expect(lines[1]).toBe(`${'─'.repeat(6)}  ${'─'.repeat('the widest cell'.length)}`);
  });

  it('sae --input on a file of many tensors names a few and counts the rest', async () => {
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < 5000; i++) tensors[`layer.${i}.activations`] = new Tensor(new Float32Array(2), [1, 2]);
    const file = join(fresh(), 'many.safetensors');
    writeFileSync(file, writeSafetensors(tensors));
    const { code, stderr } = await run(['sae', '--input', file, '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toContain('holds 5000 tensors; name one with --tensor NAME');
    expect(stderr).toContain('and 4995 more');
    expect(stderr.length).toBeLessThan(600);
  });

  it('a junk .npy header is refused in a line, and one over 1 MiB without being parsed', async () => {
    const npy = (header: string): Uint8Array => {
      const text = new TextEncoder().encode(header);
      const out = new Uint8Array(12 + text.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0], 0);
      new DataView(out.buffer).setUint32(8, text.length, true);
      out.set(text, 12);
      return out;
    };
    const junk = join(fresh(), 'junk.npy');
    writeFileSync(junk, npy(`{'descr': '<f4', ${'x'.repeat(500_000)}`));
    const parsed = await run(['inspect', junk]);
    expect(parsed.code).toBe(2);
    expect(parsed.stderr).toContain('is not a valid Python dict literal');
    expect(parsed.stderr.length).toBeLessThan(600);
    const huge = join(fresh(), 'huge-header.npy');
    writeFileSync(huge, npy(' '.repeat(2 << 20)));
    const capped = await run(['inspect', huge]);
    expect(capped.code).toBe(2);
    expect(capped.stderr).toContain(`the header length ${2 << 20} is over 1048576 bytes`);
  });

  it.skipIf(!existsSync('/dev/zero'))('inspect /dev/zero is refused at once, reading nothing', async () => {
    const { code, stderr } = await run(['inspect', '/dev/zero']);
    expect(code).toBe(2);
    expect(stderr).toContain('not a regular file');
  });

  it('inspect reads only the header of a huge (sparse) .npy', async () => {
    const file = join(fresh(), 'huge.npy');
    const header = writeNpy(new Tensor(new Float32Array(0), [0]));
    const shapeText = '(1000000000,)';
    // A header for 10⁹ float32 elements: the same bytes with the shape replaced, padded to the same length.
    const text = new TextDecoder().decode(header.subarray(10)).replace('(0,)', shapeText.padEnd(4));
    const head = new Uint8Array([...header.subarray(0, 8), ...[text.length & 0xff, text.length >> 8], ...new TextEncoder().encode(text)]);
    writeFileSync(file, head);
    const { truncateSync } = await import('node:fs');
    truncateSync(file, head.length + 4e9); // a sparse file: no disk, but 4 GB to read whole
    const { code, stdout, stderr } = await run(['inspect', file, '--json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'npy', shape: [1e9], bytes: 4e9 });
  });

  it('--resume refuses a config nested 100,000 deep with a clear error', async () => {
    const folder = join(fresh(), 'run');
    expect((await run(['tms', ...TOY, '--save', folder])).code).toBe(0);
    const path = join(folder, CHECKPOINT_FILE);
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = metadata![CHECKPOINT_METADATA_KEY].replace('"config":{', `"config":{"deep":${deep},`);
    writeFileSync(path, writeSafetensors(tensors, { metadata: { [CHECKPOINT_METADATA_KEY]: text } }));
    const { code, stderr } = await run(['tms', ...TOY, '--resume', folder]);
    expect(code).toBe(2);
    expect(stderr).toContain('the checkpoint metadata nests 100002 levels deep');
  });
});

describe('interrupted --out writes leave no litter past the next run', () => {
  it('a run SIGKILLed while writing --out leaves a temporary folder, which the next run removes', async () => {
    const parent = fresh();
    const folder = join(parent, 'plots');
    const temporary = await new Promise<string>((resolve, reject) => {
      // tsx as a loader in this one process (its cli would run the script in a grandchild the kill misses).
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join('tests', 'cli', 'fixtures', 'stall-out.ts'), folder], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let seen = '';
      let errors = '';
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        seen += text;
        const match = /mid-write (.+)\n/.exec(seen);
        if (match !== null) {
          child.kill('SIGKILL');
          resolve(match[1]);
        }
      });
      child.stderr?.setEncoding('utf8').on('data', (text: string) => { errors += text; });
      child.on('error', reject);
      child.on('close', (exitCode, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the writer exited with ${exitCode} before it was killed: ${errors}`));
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the kill land
    const litter = readdirSync(parent).filter((name) => name.startsWith('.plots.tmp-'));
    expect(litter).toHaveLength(1);
    expect(temporary).toContain(litter[0]);
    const next = await run(['tms', ...TOY, '--out', folder]);
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(parent)).toEqual(['plots']);
  }, 30_000);

  it('leaves a live writer\'s temporary folder alone, and puts back a dead writer\'s set-aside folder when the target is missing', async () => {
    const parent = fresh();
    const live = join(parent, `.plots.tmp-${process.ppid}-live`);
    mkdirSync(live);
    const deadPid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('close', () => resolve(child.pid!));
    });
    const aside = join(parent, `.plots.old-${deadPid}-x`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'result.json'), '{"last":"good"}');
    removeDeadWriters(parent, 'plots', nodeDirectoryIO());
    expect(readdirSync(parent).sort()).toEqual([`.plots.tmp-${process.ppid}-live`, 'plots']);
    expect(readFileSync(join(parent, 'plots', 'result.json'), 'utf8')).toBe('{"last":"good"}');
  });
});

describe('what was accepted silently is refused', () => {
  it('a checkpoint storing a parameter as I32 is refused, at the command line with exit 2', async () => {
    const folder = join(fresh(), 'run');
    expect((await run(['tms', ...TOY, '--save', folder])).code).toBe(0);
    const path = join(folder, CHECKPOINT_FILE);
    const checkpoint = readCheckpoint(new Uint8Array(readFileSync(path)));
    const W = checkpoint.state.parameters.W;
    checkpoint.state.parameters.W = new Tensor(Int32Array.from(W.toTypedArray(), Math.round), W.shape.slice());
    writeFileSync(path, writeCheckpoint(checkpoint));
    expect(() => readCheckpoint(new Uint8Array(readFileSync(path)))).toThrow('parameter W is stored as int32');
    const { code, stderr } = await run(['tms', ...toy(4), '--resume', folder]);
    expect(code).toBe(2);
    expect(stderr).toContain('parameter W is stored as int32');
  });

  it('corrupt optimizer state exits 2, as every other unreadable checkpoint', async () => {
    const folder = join(fresh(), 'run');
    expect((await run(['tms', ...TOY, '--save', folder])).code).toBe(0);
    const path = join(folder, CHECKPOINT_FILE);
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
    const meta = JSON.parse(metadata![CHECKPOINT_METADATA_KEY]) as { optimizer: { steps: unknown[] } };
    meta.optimizer.steps[0] = -3;
    writeFileSync(path, writeSafetensors(tensors, { metadata: { [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) } }));
    const { code, stderr } = await run(['tms', ...toy(4), '--resume', folder]);
    expect(code).toBe(2);
    expect(stderr).toContain('must be a whole number ≥ 0, got -3');
  });

  it('sae --resume refuses an --input whose contents changed since the save, and goes ahead on the same contents', async () => {
    const parent = fresh();
    const input = join(parent, 'acts.npy');
    writeFileSync(input, writeNpy(normal([32, 3], { seed: 1 })));
    const folder = join(parent, 'run');
    const common = ['sae', '--input', input, '--batch', '8', '--quiet'];
    expect((await run([...common, '--steps', '2', '--save', folder])).code).toBe(0);
    writeFileSync(input, writeNpy(normal([32, 3], { seed: 2 })));
    const changed = await run([...common, '--steps', '4', '--resume', folder]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`--input ${input}: the file's contents are not the saved run's`);
    writeFileSync(input, writeNpy(normal([32, 3], { seed: 1 })));
    const same = await run([...common, '--steps', '4', '--resume', folder]);
    expect(same.code, same.stderr).toBe(0);
  });

  it('contentHash is 64-bit FNV-1a (the published test vectors)', () => {
    expect(contentHash(new Uint8Array(0))).toBe('cbf29ce484222325');
    expect(contentHash(new TextEncoder().encode('a'))).toBe('af63dc4c8601ec8c');
    expect(contentHash(new TextEncoder().encode('foobar'))).toBe('85944171f73967e8');
  });

  it('a zero true feature is left out of MMCS with a warning, not scored as cosine 0', async () => {
    const parent = fresh();
    const input = join(parent, 'acts.npy');
    const truth = join(parent, 'truth.npy');
    writeFileSync(input, writeNpy(normal([32, 2], { seed: 1 })));
    writeFileSync(truth, writeNpy(new Tensor(Float32Array.of(1, 0, 0, 0, 0, 1), [3, 2])));
    const { code, stdout, stderr } = await run(['sae', '--input', input, '--true-features', truth, '--steps', '2', '--batch', '8', '--json']);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('warning: true feature 1 is the zero vector (no direction), so MMCS and recovery leave it out');
    const { mmcs, decoder } = JSON.parse(stdout) as { mmcs: { trueToLearned: number }; decoder: number[][] };
    // The mean over features 0 and 2 alone: each one's best |cosine| with a decoder row.
    const best = (axis: number): number => Math.max(...decoder.map((row) => row[axis] / Math.hypot(...row)));
    expect(mmcs.trueToLearned).toBeCloseTo((best(0) + best(1)) / 2, 5);
  });

  it('--k is held against --latents only for topk', async () => {
    const relu = await run(['sae', ...SAE, '--arch', 'relu', '--k', '9', '--latents', '3']);
    expect(relu.code, relu.stderr).toBe(0);
    const topk = await run(['sae', ...SAE, '--arch', 'topk', '--k', '9', '--latents', '3']);
    expect(topk.code).toBe(2);
    expect(topk.stderr).toContain('--k 9 is larger than --latents 3');
  });
});
