/**
 * Checkpoint files: writeFileAtomically survives a SIGKILL in the middle of a save, and the
 * `--save DIR` / `--resume DIR` flags of `tms` and `sae` continue a run bit-identically.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/cli/atomic.js';
import { CHECKPOINT_FILE, writeFileAtomically } from '../../src/cli/files.js';
import { TOY_MODEL_CONFIG_FILE, TOY_MODEL_WEIGHTS_FILE } from '../../src/persistence/saelens.js';
import { readCheckpoint } from '../../src/persistence/checkpoint.js';
import { runCli as run } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'superposition-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Checks that `path` holds a whole checkpoint: parses, and every value equals its step. Returns the step. */
function checkWhole(path: string): number {
  const { state } = readCheckpoint(new Uint8Array(readFileSync(path)));
  const step = state.step;
  const W = state.parameters.W.toTypedArray();
  const moment = state.optimizer.params[0].buffers.expAvg.toTypedArray();
  expect(W.length).toBe(1 << 21);
  expect(W.every((v) => v === step) && moment.every((v) => v === step)).toBe(true);
  return step;
}

/** Runs the writer child, kills it with SIGKILL `delay` ms after its `minWrites`-th write, and returns the last step it reported. */
function killDuringWrites(path: string, minWrites: number, delay: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // tsx as a loader in this one process (its cli would run the script in a grandchild the kill misses).
    const child: ChildProcess = spawn(process.execPath, [
      '--import', 'tsx', join('tests', 'cli', 'fixtures', 'write-checkpoints.ts'), path,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let errors = '';
    let armed = false;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      for (const match of text.matchAll(/wrote (\d+)/g)) reported = Number(match[1]);
      if (!armed && reported >= minWrites) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => { errors += text; });
    if (minWrites === 0) {
      armed = true;
      child.on('spawn', () => setTimeout(() => child.kill('SIGKILL'), delay));
    }
    child.on('error', reject);
    // 'close', not 'exit': every line the child wrote before it died has been read by then.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`the writer exited with ${code} before it was killed: ${errors}`));
    });
  });
}

describe('writeFileAtomically', () => {
  it('writes the bytes, replacing the file, and leaves no temporary file', () => {
    const path = join(scratch, 'plain', 'file.bin');
    writeFileAtomically(path, Uint8Array.of(1, 2, 3));
    writeFileAtomically(path, Uint8Array.of(4, 5));
    expect([...readFileSync(path)]).toEqual([4, 5]);
    expect(readdirSync(join(scratch, 'plain'))).toEqual(['file.bin']);
  });

  it('removes temp files whose writer is gone, and keeps those of a running writer', () => {
    const folder = join(scratch, 'orphans');
    const path = join(folder, 'file.bin');
    writeFileAtomically(path, Uint8Array.of(1));
    // A writer that died mid-save (no process has id 2³¹ − 2) and one still running (pid 1, init).
    const orphan = join(folder, `.file.bin.tmp-${2 ** 31 - 2}-abc`);
    const live = join(folder, `.file.bin.tmp-1-def`);
    writeFileSync(orphan, 'partial');
    writeFileSync(live, 'partial');
    writeFileAtomically(path, Uint8Array.of(2));
    expect(readdirSync(folder).sort()).toEqual(['.file.bin.tmp-1-def', 'file.bin'].sort());
    expect([...readFileSync(path)]).toEqual([2]);
  });

  it('a SIGKILL at random moments mid-save leaves the previous whole checkpoint, never a partial one', async () => {
    const path = join(scratch, 'killed', 'checkpoint.safetensors');
    // Delays from 0 to 60 ms after a write completes: an 8 MB write and fsync takes longer
    // than that, so most kills land inside the next save.
    for (let round = 0; round < 5; round++) {
      const delay = Math.floor(Math.random() * 60);
      const reported = await killDuringWrites(path, 1, delay);
      expect(existsSync(path)).toBe(true); // at least one save finished
      const step = checkWhole(path);
      // The file holds the last reported save or the one after it (renamed just before the kill).
      expect(step === reported || step === reported + 1).toBe(true);
    }
  }, 30_000);

  it('a SIGKILL before the first save completes leaves no file at all, or a whole one', async () => {
    const path = join(scratch, 'early', 'checkpoint.safetensors');
    // tsx takes a few hundred ms to start, so this kill lands before, during or just after the first save.
    const reported = await killDuringWrites(path, 0, 300 + Math.floor(Math.random() * 700));
    if (existsSync(path)) expect(checkWhole(path)).toBeGreaterThanOrEqual(reported);
    else expect(reported).toBe(0); // no file only if no save had finished
  }, 20_000);
});


describe('tms --save / --resume', () => {
  const common = ['tms', '--features', '4', '--hidden', '2', '--instances', '2', '--batch', '16', '--lr', '0.01', '--seed', '3', '--quiet'];

  it('a run of 2N steps, and N steps saved then resumed for N more, print the same weights', async () => {
    const dir = join(scratch, 'tms-run');
    const whole = await run([...common, '--steps', '20', '--json']);
    expect(whole.code).toBe(0);
    const half = await run([...common, '--steps', '10', '--save', dir, '--checkpoint-every', '4']);
    expect(half.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST_FILE, CHECKPOINT_FILE, TOY_MODEL_CONFIG_FILE, TOY_MODEL_WEIGHTS_FILE].sort());
    expect(readCheckpoint(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE)))).state.step).toBe(10);
    const resumed = await run([...common, '--steps', '20', '--resume', dir, '--save', dir, '--json']);
    expect(resumed.code).toBe(0);
    const weights = (text: string) => (JSON.parse(text) as { instances: { W: number[][]; b: number[]; loss: number }[] }).instances;
    expect(weights(resumed.stdout)).toEqual(weights(whole.stdout));
    expect(readCheckpoint(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE)))).state.step).toBe(20);
  });

  it('refuses to resume with different settings, naming each one with both values', async () => {
    const dir = join(scratch, 'tms-conflict');
    expect((await run([...common, '--steps', '4', '--save', dir])).code).toBe(0);
    const changed = common.map((word, i) => (common[i - 1] === '--hidden' ? '3' : common[i - 1] === '--lr' ? '0.02' : word));
    const conflict = await run([...changed, '--steps', '8', '--resume', dir]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--hidden: saved 2, now 3');
    expect(conflict.stderr).toContain('--lr: saved 0.01, now 0.02');
    const backwards = await run([...common, '--steps', '2', '--resume', dir]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('past --steps 2');
    const missing = await run([...common, '--steps', '8', '--resume', join(scratch, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(scratch, 'nowhere', CHECKPOINT_FILE)}`);
  });
});

describe('sae --save / --resume', () => {
  const common = ['sae', '--features', '4', '--hidden', '2', '--instances', '1', '--density', '0.2', '--tms-steps', '30', '--tms-batch', '32',
    '--latents', '8', '--batch', '16', '--lr', '0.01', '--resample', 'simple', '--seed', '2', '--quiet'];

  it('a run of 2N steps, and N steps saved then resumed for N more, print the same decoder and history', async () => {
    const dir = join(scratch, 'sae-run');
    const whole = await run([...common, '--steps', '12', '--json']);
    expect(whole.code).toBe(0);
    const half = await run([...common, '--steps', '6', '--save', dir]);
    expect(half.code).toBe(0);
    expect(readdirSync(dir)).toContain(CHECKPOINT_FILE);
    expect(readdirSync(dir)).toContain('sae_weights.safetensors');
    const resumed = await run([...common, '--steps', '12', '--resume', dir, '--json']);
    expect(resumed.code).toBe(0);
    const decoder = (text: string) => (JSON.parse(text) as { decoder: number[][] }).decoder;
    expect(decoder(resumed.stdout)).toEqual(decoder(whole.stdout));
    const history = (text: string) => (JSON.parse(text) as { history: { step: number }[] }).history;
    expect(history(resumed.stdout)).toEqual(history(whole.stdout).filter((entry) => entry.step > 6));
    const conflict = await run([...common.map((w, i) => (common[i - 1] === '--latents' ? '6' : w)), '--steps', '12', '--resume', dir]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--latents: saved 8, now 6');
  });
});
