/**
 * The lesson's HTML report, looked at in a real browser: runs `superposition lesson --fast` into a
 * temporary folder, opens its index.html from disk in headless Chromium (Debian's `chromium`
 * package, driven through playwright-core, which never downloads a browser of its own), and checks
 * that nothing on the page fails: no console errors, no uncaught exceptions, no failed requests,
 * no request that leaves the disk, and every SVG drawn at a non-zero size. It saves a full-page
 * screenshot to the temporary folder and copies it to `out/lesson-screenshot.png` at the root of
 * the repository (`out/` is git-ignored), to look at by eye.
 *
 * Where /usr/bin/chromium is absent the test is skipped with a message saying so; `.ci/run`
 * installs it with `apt-get install -y chromium`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIO, main } from '../../src/cli/main.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium, SKIPPED_NOTE, warnIfNoChromium } from '../support/chromium.js';



/** Where the screenshot is copied for people to look at: `out/` at the repository's root. */
const SCREENSHOT_COPY = fileURLToPath(new URL('../../out/lesson-screenshot.png', import.meta.url));

/** The lesson in fast mode, then the browser: generous, since the two cores are shared. */
const TIMEOUT_MS = 240_000;

warnIfNoChromium('tests/browser/report.test.ts', 'the report is not opened in a browser');

describe('the lesson report in headless Chromium', () => {
  let folder = '';
  let stderr = '';
  let exitCode = -1;

  beforeAll(async () => {
    if (!hasChromium) return;
    folder = mkdtempSync(join(tmpdir(), 'superposition-report-'));
    const io: CliIO = {
      stdout: { write: () => true },
      stderr: { write: (text) => void (stderr += text), isTTY: false, columns: 100 },
      version: () => '0.0.0-test',
    };
    exitCode = await main(['lesson', '--fast', '--out', join(folder, 'lesson'), '--quiet'], io);
  }, TIMEOUT_MS);

  afterAll(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)(
    `opens with no console errors or failed requests, draws every SVG at a non-zero size, and saves a screenshot${SKIPPED_NOTE}`,
    async () => {
      expect(exitCode, `superposition lesson --fast failed:\n${stderr}`).toBe(0);
      const page = join(folder, 'lesson', 'index.html');
      expect(existsSync(page)).toBe(true);

      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const consoleErrors: string[] = [];
        const pageErrors: string[] = [];
        const failedRequests: string[] = [];
        const requested: string[] = [];
        tab.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        tab.on('pageerror', (error) => pageErrors.push(error.message));
        tab.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
        tab.on('request', (request) => requested.push(request.url()));

        const response = await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
        expect(response === null || response.ok()).toBe(true);

        // What a reader would see on the page: the report's sections and their drawings.
        const sizes = await tab.$$eval('svg', (svgs) => svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { width: box.width, height: box.height, title: svg.querySelector('title')?.textContent ?? '' };
        }));
        // The engine's look inside one step, and at least one plot for each of the four acts.
        expect(sizes.length).toBeGreaterThanOrEqual(5);
        const empty = sizes.filter((size) => !(size.width > 0 && size.height > 0));
        expect(empty, `SVGs drawn at zero size: ${empty.map((size) => size.title).join('; ')}`).toEqual([]);

        // The real network opens the report and its SAE closes it, with digits drawn as PNG images
        // inside the SVGs; every such image decodes to a picture of whole 28-pixel digits.
        const sectionIds = await tab.$$eval('main > section', (sections) => sections.map((section) => section.id));
        expect(sectionIds[0]).toBe('mnist-neurons');
        expect(sectionIds[sectionIds.length - 1]).toBe('mnist-sae');
        for (const id of ['mnist-neurons', 'mnist-sae']) {
          const decoded = await tab.$$eval(`section#${id} svg image`, async (images) => Promise.all(images.map(async (image) => {
            const picture = new Image();
            picture.src = image.getAttribute('href') ?? '';
            await picture.decode();
            const box = image.getBoundingClientRect();
            return { width: picture.naturalWidth, height: picture.naturalHeight, shown: box.width > 0 && box.height > 0 };
          })));
          expect(decoded.length, id).toBeGreaterThan(0);
          for (const picture of decoded) {
            expect(picture.shown, id).toBe(true);
            expect(picture.width % 28, id).toBe(0);
            expect(picture.height % 28, id).toBe(0);
          }
        }

        const screenshot = join(folder, 'lesson-screenshot.png');
        await tab.screenshot({ path: screenshot, fullPage: true });
        const png = readFileSync(screenshot);
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        // A full page holding the whole report is taller than one screen.
        expect(png.readUInt32BE(20)).toBeGreaterThan(900); // the IHDR height, big-endian at byte 20
        mkdirSync(join(SCREENSHOT_COPY, '..'), { recursive: true });
        copyFileSync(screenshot, SCREENSHOT_COPY);
        expect(statSync(SCREENSHOT_COPY).size).toBe(png.length);

        expect(consoleErrors).toEqual([]);
        expect(pageErrors).toEqual([]);
        expect(failedRequests).toEqual([]);
        // Self-contained: every request stays on the disk (the page itself) or inside it (data:).
        expect(requested.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    TIMEOUT_MS,
  );
});
