/**
 * The explorable (explore.html), in a real browser: builds it into a temporary folder with
 * src/explore/build.ts, opens it from disk in headless Chromium (Debian's `chromium`, driven by
 * playwright-core, which never downloads a browser of its own), and checks what a reader does:
 *
 * - it loads from file:// with no console errors, no uncaught exceptions, no failed requests, and
 *   no request that leaves the disk (the worker's blob: URL is the page's own); WebAssembly may
 *   compile in the page and in the worker ('wasm-unsafe-eval');
 * - its CSP is enforced, not only written: an inline script or style added to a copy is refused;
 * - moving a slider (from the keyboard) changes the URL hash and the drawing, and reloading that
 *   hash restores the settings;
 * - opened at `#model=relu&n=5&m=2&density=0.02`, after enough steps `window.explorable.snapshot()`
 *   holds five features stored in two dimensions, judged by `classifyFeatures`' own thresholds;
 * - a screenshot is saved, copied to `out/explore-screenshot.png` (`out/` is git-ignored).
 *
 * Speed is not asserted here (it belongs in measurements, see src/explore/measure.ts).
 *
 * Where /usr/bin/chromium is absent the tests are skipped with a message saying so.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFeatures, dimensionsPerFeature } from '../../src/analysis/features.js';
import { buildExplorable } from '../../src/explore/build.js';
import { DEFAULT_SETTINGS, type ExploreSettings, parseHash } from '../../src/explore/settings.js';
import { tensor } from '../../src/tensor/creation.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium, SKIPPED_NOTE, warnIfNoChromium } from '../support/chromium.js';

const SCREENSHOT_COPY = fileURLToPath(new URL('../../out/explore-screenshot.png', import.meta.url));
/** Building, launching and training on two shared cores: generous. */
const TIMEOUT_MS = 180_000;

warnIfNoChromium('tests/browser/explore.test.ts', 'explore.html is not opened in a browser');

interface Snapshot {
  step: number;
  loss: number;
  W: number[][];
  settings: ExploreSettings;
}

/** What went wrong on a page, collected as it happens. */
interface Trouble {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  offDisk: string[];
}

function watch(page: Page): Trouble {
  const trouble: Trouble = { consoleErrors: [], pageErrors: [], failedRequests: [], offDisk: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') trouble.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => trouble.pageErrors.push(error.message));
  page.on('requestfailed', (request) => trouble.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('file:') && !url.startsWith('blob:') && !url.startsWith('data:')) trouble.offDisk.push(url);
  });
  return trouble;
}

function expectNoTrouble(trouble: Trouble): void {
  expect(trouble.consoleErrors).toEqual([]);
  expect(trouble.pageErrors).toEqual([]);
  expect(trouble.failedRequests).toEqual([]);
  expect(trouble.offDisk).toEqual([]);
}

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30_000 });
}

async function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => (window as unknown as { explorable: { snapshot(): Snapshot } }).explorable.snapshot());
}

/**
 * The page's own `location.hash`. Not `page.url()`: Playwright learns of `history.replaceState`
 * through an event that can arrive after the next read, so right after a key press it could
 * still hold the hash of the press before (seen: a density of 0.1 in page.url() beside 0.12 on
 * the page).
 */
function pageHash(page: Page): Promise<string> {
  return page.evaluate(() => location.hash);
}

describe('explore.html in headless Chromium', () => {
  let folder = '';
  let pageUrl = '';
  let browser: Browser | null = null;

  beforeAll(async () => {
    if (!hasChromium) return;
    folder = mkdtempSync(join(tmpdir(), 'superposition-explore-'));
    const { path } = await buildExplorable(join(folder, 'explore.html'));
    pageUrl = pathToFileURL(path).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)(`loads from file:// under its strict CSP with no errors and no request off the disk${SKIPPED_NOTE}`, async () => {
    const html = readFileSync(fileURLToPath(pageUrl), 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+' 'wasm-unsafe-eval'; /);
    expect(csp).toContain('worker-src blob:');
    expect(csp).not.toContain('unsafe-inline');
    expect(html.match(/<script\b/g)).toHaveLength(1); // one inline script, no src

    const page = await (browser as Browser).newPage({ viewport: { width: 1300, height: 1000 } });
    const trouble = watch(page);
    const response = await page.goto(pageUrl, { waitUntil: 'load' });
    expect(response === null || response.ok()).toBe(true);
    await waitReady(page);
    // Training runs in the worker: the step count moves while the page stays responsive.
    const first = (await snapshot(page)).step;
    await page.waitForFunction((from) => ((window as unknown as { explorable: { snapshot(): Snapshot } }).explorable.snapshot().step > from + 50), first);
    // The hash now spells out every setting, the defaults here.
    expect(parseHash(await pageHash(page)).settings).toEqual(DEFAULT_SETTINGS);
    expect(await page.$$eval('.plot svg', (svgs) => svgs.length)).toBeGreaterThanOrEqual(8);
    // Every control has a label the browser associates with it.
    const unlabelled = await page.$$eval('input, select, button', (controls) =>
      controls.filter((control) => (control as HTMLInputElement).labels?.length === 0 && control.tagName !== 'BUTTON').map((control) => control.id));
    expect(unlabelled).toEqual([]);
    // 'wasm-unsafe-eval' reaches the worker, which inherits the page's policy: the engine's
    // WebAssembly kernels may compile there (an empty module: the 8-byte header alone).
    const compile = 'WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => "compiled", (error) => String(error))';
    expect(await page.evaluate(compile)).toBe('compiled');
    expect(page.workers()).toHaveLength(1);
    expect(await page.workers()[0].evaluate(compile)).toBe('compiled');
    expectNoTrouble(trouble);
    await page.close();
  }, TIMEOUT_MS);

  it.skipIf(!hasChromium)(`enforces its CSP: an inline script or style the build did not hash is refused${SKIPPED_NOTE}`, async () => {
    const tampered = join(folder, 'tampered.html');
    const html = readFileSync(fileURLToPath(pageUrl), 'utf8');
    writeFileSync(tampered, html.replace('<main>', '<main><script>document.title = "tampered"</script><p style="color: red">x</p>'));
    const page = await (browser as Browser).newPage();
    const trouble = watch(page);
    await page.goto(pathToFileURL(tampered).href);
    await waitReady(page); // the page's own script still runs
    expect(await page.title()).not.toBe('tampered');
    expect(trouble.consoleErrors.some((text) => text.includes('inline script') && text.includes('Content Security Policy'))).toBe(true);
    expect(trouble.consoleErrors.some((text) => text.includes('inline style') && text.includes('Content Security Policy'))).toBe(true);
    await page.close();
  }, TIMEOUT_MS);

  it.skipIf(!hasChromium)(`a slider moved from the keyboard changes the hash and the drawing; reloading the hash restores it${SKIPPED_NOTE}`, async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1300, height: 1000 } });
    const trouble = watch(page);
    await page.goto(`${pageUrl}#model=relu&n=5&m=2&density=0.02&seed=3`);
    await waitReady(page);
    await page.keyboard.press('p'); // pause, so only the slider changes the drawing
    await page.waitForFunction(() => document.getElementById('play')?.getAttribute('aria-pressed') === 'false');
    const phaseBefore = await page.$eval('#view-phase', (panel) => panel.innerHTML);
    await page.focus('#density');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    const moved = parseHash(await pageHash(page)).settings;
    expect(moved.density).toBeGreaterThan(0.02);
    expect(moved.seed).toBe(3);
    expect(await page.$eval('#density-value', (output) => (output as HTMLOutputElement).value)).toBe(String(moved.density));
    // The drawing follows: the phase diagram's crosshair moves to the new density.
    await page.waitForFunction((before) => document.getElementById('view-phase')?.innerHTML !== before, phaseBefore);
    expect(await page.$eval('#view-phase', (panel) => panel.innerHTML)).toContain(`p = ${moved.density}`);
    await page.waitForFunction((density) => (window as unknown as { explorable: { snapshot(): Snapshot } }).explorable.snapshot().settings.density === density, moved.density);

    // A new model from the select: n changes with the keyboard too.
    await page.focus('#n');
    await page.keyboard.press('ArrowRight');
    const wider = parseHash(await pageHash(page)).settings;
    expect(wider.n).toBe(6);
    await page.waitForFunction(() => (window as unknown as { explorable: { snapshot(): Snapshot } }).explorable.snapshot().W[0].length === 6);

    await page.reload();
    await waitReady(page);
    const restored = await snapshot(page);
    expect(restored.settings).toEqual(wider);
    expect(await page.$eval('#density-value', (output) => (output as HTMLOutputElement).value)).toBe(String(wider.density));
    expect(await page.$eval('#n', (input) => (input as HTMLInputElement).value)).toBe('6');
    expect(restored.W).toHaveLength(2);
    expect(restored.W[0]).toHaveLength(6);
    expectNoTrouble(trouble);
    await page.close();
  }, TIMEOUT_MS);

  it.skipIf(!hasChromium)(`opened at #model=relu&n=5&m=2&density=0.02, it comes to store five features in two dimensions${SKIPPED_NOTE}`, async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1300, height: 1000 } });
    const trouble = watch(page);
    await page.goto(`${pageUrl}#model=relu&n=5&m=2&density=0.02`);
    await waitReady(page);
    // Poll the page's own snapshot until the model has had time to settle (the lesson reaches the
    // pentagon in a few hundred steps at lr 0.01); classifyFeatures then judges it.
    await page.waitForFunction(() => (window as unknown as { explorable: { snapshot(): Snapshot } }).explorable.snapshot().step >= 1500, null, { timeout: 120_000 });
    const { W, step, loss, settings } = await snapshot(page);
    expect(settings).toMatchObject({ model: 'relu', n: 5, m: 2, density: 0.02 });
    expect(step).toBeGreaterThanOrEqual(1500);
    expect(Number.isFinite(loss)).toBe(true);
    expect(W).toHaveLength(2);
    const weights = tensor(W);
    expect(classifyFeatures(weights)).toEqual(['superposed', 'superposed', 'superposed', 'superposed', 'superposed']);
    // Five unit-ish features in two dimensions: well under one dimension each.
    expect(dimensionsPerFeature(weights)).toBeLessThan(0.5);

    const screenshot = join(folder, 'explore-screenshot.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = readFileSync(screenshot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    mkdirSync(join(SCREENSHOT_COPY, '..'), { recursive: true });
    copyFileSync(screenshot, SCREENSHOT_COPY);
    expectNoTrouble(trouble);
    await page.close();
  }, TIMEOUT_MS);
});
