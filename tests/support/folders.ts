/**
 * Scratch folders for tests that write files: one temporary root per test file, removed after
 * the file's tests, and a fresh empty folder inside it for each case.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Makes the root (named `superposition-<name>-…` in the system's temp folder) and returns a
 * function that makes a fresh, empty folder in it on each call. Call it at a test file's top level.
 */
export function scratchFolders(name: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `superposition-${name}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let made = 0;
  return () => {
    const folder = join(root, `case-${made++}`);
    mkdirSync(folder);
    return folder;
  };
}
