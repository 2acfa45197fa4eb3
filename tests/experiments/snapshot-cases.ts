/**
 * The runs whose JSON is held in tests/experiments/snapshots/: the fast lesson and every training
 * command on small flags, each with `--json`. The snapshots were written before the experiments
 * layer was split out of the CLI (by write-snapshots.ts), so comparing a fresh run with them shows
 * that flags, JSON fields and figures stayed the same for the same seed. (The `mnist` case, and the
 * lesson's `mnist` figures and digit sections, were added afterwards, with the digit classifier; the
 * rest of lesson-fast.json was checked unchanged then: the same JSON without `mnist`, and the same
 * SVG digests in the same order after the opening section's.)
 *
 * Timings are the only keys allowed to differ: every key named `ms` or `seconds`, at any depth, is
 * removed before writing and before comparing. Beside the JSON, each snapshot holds a SHA-256 of
 * every file the run writes with `--out` (for the lesson, of every SVG inside index.html, whose
 * text also holds timings), so the plots and the report's figures are held too.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../src/cli/atomic.js';
import { runCli } from '../support/cli.js';

/** One snapshotted run: its file name and its argv (without `--json`). */
export interface SnapshotCase {
  name: string;
  argv: string[];
}

/** The runs, small enough to take a second or two each. */
export const SNAPSHOT_CASES: readonly SnapshotCase[] = [
  { name: 'lesson-fast', argv: ['lesson', '--fast'] },
  { name: 'tms-relu', argv: ['tms', '--steps', '60', '--batch', '64', '--instances', '3', '--seed', '3'] },
  { name: 'tms-hidden-relu', argv: ['tms', '--model', 'hidden-relu', '--features', '6', '--hidden', '3', '--instances', '2', '--steps', '40', '--batch', '32'] },
  { name: 'tms-abs', argv: ['tms', '--model', 'abs', '--features', '4', '--hidden', '2', '--instances', '2', '--steps', '40', '--batch', '32'] },
  { name: 'phase', argv: ['phase', '--grid', '3', '--restarts', '2', '--steps', '40', '--batch', '32', '--seed', '1'] },
  { name: 'geometry', argv: ['geometry', '--features', '20', '--hidden', '4', '--instances', '3', '--density', '1:0.2', '--steps', '40', '--batch', '32'] },
  { name: 'sae-relu', argv: ['sae', '--tms-steps', '100', '--tms-batch', '64', '--steps', '100', '--batch', '64'] },
  { name: 'sae-topk', argv: ['sae', '--arch', 'topk', '--k', '1', '--tms-steps', '60', '--tms-batch', '64', '--steps', '60', '--batch', '64', '--resample', 'simple', '--seed', '2'] },
  { name: 'sae-jumprelu', argv: ['sae', '--arch', 'jumprelu', '--tms-steps', '60', '--tms-batch', '64', '--steps', '60', '--batch', '64', '--instances', '2', '--density', '0.3,0.05'] },
  { name: 'steer-ablate', argv: ['steer', '--tms-steps', '100', '--tms-batch', '64', '--steps', '100', '--batch', '64'] },
  { name: 'mnist', argv: ['mnist', '--train', '400', '--held-out', '200', '--hidden', '8', '--epochs', '1', '--sae-steps', '20', '--seed', '2'] },
  { name: 'steer-clamp', argv: ['steer', '--tms-steps', '60', '--tms-batch', '64', '--steps', '60', '--batch', '64', '--present', '1=0.5,3', '--latent', '2', '--value', '0.8'] },
];

/** The JSON without its timings: every key named `ms` or `seconds` removed, at any depth. */
export function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'ms' && key !== 'seconds').map(([key, inner]) => [key, withoutTimings(inner)]));
  }
  return value;
}

/** What a snapshot holds: the JSON without timings, and a digest per written file. */
export interface Snapshot {
  json: unknown;
  files: Record<string, string>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Runs one case in-process with `--json --out DIR` (a temporary DIR) and returns its JSON without
 * timings and the digests of what it wrote to DIR.
 */
export async function runSnapshotCase(snapshot: SnapshotCase): Promise<Snapshot> {
  const folder = mkdtempSync(join(tmpdir(), 'superposition-snapshot-'));
  try {
    const out = join(folder, 'out');
    const argv = [...snapshot.argv, '--json', '--quiet', '--out', out];
    const { code, stdout, stderr } = await runCli(argv);
    if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}: ${stderr}`);
    const files: Record<string, string> = {};
    for (const name of readdirSync(out).sort()) {
      // The lesson copies the built explorable as it is: no figure of the run is in it (its bundled
      // code changes with the engine's); tests/explore/lesson.test.ts holds it against dist/.
      if (name === 'explore.html') continue;
      const text = readFileSync(join(out, name), 'utf8');
      if (name === MANIFEST_FILE) {
        // The manifest lists every other file the run wrote, and nothing else.
        const listed = (JSON.parse(text) as { files: string[] }).files;
        if (JSON.stringify(listed) !== JSON.stringify(readdirSync(out).filter((other) => other !== MANIFEST_FILE).sort())) {
          throw new Error(`${argv.join(' ')}: ${MANIFEST_FILE} does not list exactly the files written`);
        }
      } else if (name.endsWith('.json')) {
        // result.json / lesson.json hold what --json printed: compare them as JSON, without timings.
        if (JSON.stringify(withoutTimings(JSON.parse(text))) !== JSON.stringify(withoutTimings(JSON.parse(stdout)))) {
          throw new Error(`${argv.join(' ')}: ${name} is not the document --json printed`);
        }
      } else if (name.endsWith('.html')) {
        (text.match(/<svg[\s\S]*?<\/svg>/g) ?? []).forEach((svg, i) => {
          files[`${name} svg ${i}`] = sha256(svg);
        });
      } else {
        files[name] = sha256(text);
      }
    }
    return { json: withoutTimings(JSON.parse(stdout)), files };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Where a case's snapshot lives. */
export function snapshotPath(name: string): string {
  return join(import.meta.dirname, 'snapshots', `${name}.json`);
}
