/**
 * Same seed, same numbers: the fast lesson and every training command on small flags, run now,
 * against the JSON they printed before the experiments layer was split out of the CLI
 * (tests/experiments/snapshots/, written by write-snapshots.ts). Every field and every figure must
 * match exactly; only timings (`ms`, `seconds`) are left out. The plots each run writes with
 * `--out` (and the SVGs of the lesson's report) must match byte for byte, by digest.
 *
 * The snapshots were taken at 069303b and held exactly through the move into src/experiments
 * (d414831). They were rewritten once since, when the WebAssembly matmul (src/tensor/wasm) changed
 * the order of float32 sums in the larger products: every figure moved by at most 2·10⁻⁷ of itself
 * (measured field by field against d414831's files), the plots' digests with them. And the fast
 * lesson's traced step names its kernels: four of its products became `wasm-thin` when batches of
 * small products moved to src/tensor/wasm/thin.ts, with every figure and digest unchanged (that
 * kernel gives the JS strips' bits).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSnapshotCase, type Snapshot, SNAPSHOT_CASES, snapshotPath, withoutTimings } from './snapshot-cases.js';

describe('JSON snapshots: the same flags and seed give the same document', () => {
  for (const snapshot of SNAPSHOT_CASES) {
    it(`superposition ${snapshot.argv.join(' ')} --json`, async () => {
      const expected = JSON.parse(readFileSync(snapshotPath(snapshot.name), 'utf8')) as Snapshot;
      const actual = await runSnapshotCase(snapshot);
      expect(actual.json).toEqual(expected.json);
      expect(actual.files).toEqual(expected.files);
    });
  }

  it('the comparison sees a changed figure and a missing field, and ignores only timings', () => {
    const base = { a: 1, seconds: 2, nested: [{ ms: 3, b: [0.5, null] }] };
    expect(withoutTimings(base)).toEqual({ a: 1, nested: [{ b: [0.5, null] }] });
    expect(withoutTimings({ ...base, a: 1.0000001 })).not.toEqual(withoutTimings(base));
    expect(withoutTimings({ nested: base.nested, seconds: 9 })).not.toEqual(withoutTimings(base));
  });
});
