/**
 * The lesson and the explorable: `superposition lesson` (npm start) copies the built
 * explore.html beside its report and the report's header links to it, at the lesson's own
 * pentagon (five features in two dimensions, density 0.02) and seed. The report's links may only
 * name files beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_EXPLORE_URL, EXPLORE_FILE, readBuiltExplorable } from '../../src/cli/explorable.js';
import { parseHash } from '../../src/explore/settings.js';
import { renderReport } from '../../src/plot/report.js';
import { runCli } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'superposition-explore-lesson-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the lesson links to the explorable', () => {
  it('copies dist/explore.html beside index.html, and the report links to it at the lesson\'s settings', async () => {
    const built = readBuiltExplorable();
    expect(built, `${BUILT_EXPLORE_URL.pathname} is missing: npm run build (or npm run explore) makes it`).not.toBeNull();
    const out = join(scratch, 'lesson');
    const run = await runCli(['lesson', '--fast', '--seed', '7', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(out, EXPLORE_FILE), 'utf8')).toBe(built);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const href = /<p class="link"><a href="(explore\.html#[^"]*)">Explore it live<\/a>/.exec(html)?.[1];
    expect(href).toBeDefined();
    const { settings, problems } = parseHash((href as string).replace(/&amp;/g, '&').slice(EXPLORE_FILE.length));
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ model: 'relu', n: 5, m: 2, density: 0.02, seed: 7 });
  }, 120_000);

  it('says so, and links nowhere, where explore.html has not been built', () => {
    expect(readBuiltExplorable(join(scratch, 'nowhere', EXPLORE_FILE))).toBeNull();
  });

  it('refuses a report link that could leave the report\'s folder or run code', () => {
    const report = (href: string): string => renderReport({
      title: 't', subtitle: 's', intro: [], meta: [], footer: '', sections: [], links: [{ href, text: 'go' }],
    });
    expect(report('explore.html#model=relu&n=5')).toContain('<a href="explore.html#model=relu&amp;n=5">go</a>');
    for (const bad of ['javascript:alert(1)', 'https://example.com/', '../explore.html', '/etc/passwd', 'a/b.html', '"onclick="x', '']) {
      expect(() => report(bad), bad).toThrow(/renderReport: a link must name a file beside the report/);
    }
  });
});
