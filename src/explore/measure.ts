/**
 * Measures explore.html against its targets in headless Chromium (Debian's `chromium` at
 * /usr/bin/chromium, through playwright-core): with n = 5, m = 2 and batch 1024,
 *
 *     ready          ms from navigation start to the first frame drawn      target < 1000
 *     steps/s        training steps per second, in the worker               target ≥ 200
 *     frames/s       frames the page drew per second, meanwhile             target ≥ 20
 *
 * Steps and frames are counted over a window of wall time (`--seconds`, default 5) after a second
 * of warm-up, from `window.explorable.snapshot().step` and `stats().draws`; ready is the median of
 * `--loads` fresh loads (default 5). A build-time tool like build.ts: run by
 * `npm run explore:measure`, never imported by the library.
 *
 * Usage: `tsx src/explore/measure.ts [--seconds S] [--loads K]`
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildExplorable } from './build.js';

const CHROMIUM = '/usr/bin/chromium';
const HASH = '#model=relu&n=5&m=2&density=0.02&batch=1024&seed=1';

interface PageCounters {
  step: number;
  draws: number;
  readyMs: number | null;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`explore measure: ${name} must be a positive number, got ${process.argv[at + 1]}`);
  return value;
}

const seconds = option('--seconds', 5);
const loads = Math.round(option('--loads', 5));
const folder = mkdtempSync(join(tmpdir(), 'superposition-explore-measure-'));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const { path } = await buildExplorable(join(folder, 'explore.html'));
  const url = pathToFileURL(path).href + HASH;
  const counters = (): PageCounters => {
    const explorable = (window as unknown as { explorable: { snapshot(): { step: number }; stats(): { draws: number; readyMs: number | null } } }).explorable;
    const stats = explorable.stats();
    return { step: explorable.snapshot().step, draws: stats.draws, readyMs: stats.readyMs };
  };

  const readies: number[] = [];
  for (let load = 0; load < loads; load++) {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    readies.push((await page.evaluate(counters)).readyMs ?? Number.NaN);
    await page.close();
  }
  readies.sort((a, b) => a - b);

  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await page.waitForTimeout(1000);
  const before = await page.evaluate(counters);
  const started = performance.now();
  await page.waitForTimeout(seconds * 1000);
  const after = await page.evaluate(counters);
  const elapsed = (performance.now() - started) / 1000;
  await page.close();

  const stepsPerSecond = (after.step - before.step) / elapsed;
  const framesPerSecond = (after.draws - before.draws) / elapsed;
  const median = readies[Math.floor(readies.length / 2)];
  console.log(`explore.html in headless Chromium, ${HASH}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on this machine:`);
  console.log(`  ready      ${median.toFixed(0)} ms (median of ${loads} loads; all: ${readies.map((ms) => ms.toFixed(0)).join(', ')})   target < 1000`);
  console.log(`  training   ${stepsPerSecond.toFixed(0)} steps/s over ${elapsed.toFixed(1)} s   target ≥ 200`);
  console.log(`  drawing    ${framesPerSecond.toFixed(1)} frames/s meanwhile   target ≥ 20`);
} finally {
  await browser.close();
  rmSync(folder, { recursive: true, force: true });
}
