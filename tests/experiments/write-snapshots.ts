/**
 * Writes tests/experiments/snapshots/*.json, the JSON of every snapshot case (snapshot-cases.ts)
 * without timings. Run it only when a change is meant to move the figures (say why in the commit):
 *
 *     npx tsx tests/experiments/write-snapshots.ts
 */
import { writeFileSync } from 'node:fs';
import { runSnapshotCase, SNAPSHOT_CASES, snapshotPath } from './snapshot-cases.js';

for (const snapshot of SNAPSHOT_CASES) {
  const json = await runSnapshotCase(snapshot);
  writeFileSync(snapshotPath(snapshot.name), `${JSON.stringify(json, null, 1)}\n`);
  process.stdout.write(`wrote ${snapshotPath(snapshot.name)}\n`);
}
