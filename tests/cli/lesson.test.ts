/**
 * `superposition lesson`, end to end in fast mode (a few dozen steps per act, well under a second
 * of training), in-process with fake streams and a real temporary folder: the report and its
 * sections, the summary's figures against lesson.json, reproducibility, bad flags, and that a
 * failure part-way leaves no half-written `--out`. Also the two pieces it is built on:
 * `writeDirectoryAtomically` and `renderReport`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOutFolder, type DirectoryIO, MANIFEST_FILE, manifestText, nodeDirectoryIO, splitPath, writeDirectoryAtomically } from '../../src/cli/atomic.js';
import { type LessonFigures, lessonHooks } from '../../src/cli/commands/lesson.js';
import { formatNumber } from '../../src/cli/format.js';
import { renderReport } from '../../src/plot/report.js';
import { runCli, type CliRun } from '../support/cli.js';
import { scratchFolders } from '../support/folders.js';

const run = (argv: string[], files?: DirectoryIO): Promise<CliRun> => runCli(argv, { files });



/** A fresh, empty parent folder; the lesson's --out goes inside it. */
const parentFolder = scratchFolders('lesson');

/** A fast lesson into `out`, quietly. */
function fastLesson(out: string, ...extra: string[]): Promise<CliRun> {
  return run(['lesson', '--fast', '--out', out, '--quiet', ...extra]);
}

/** The JSON without its timings: every key named `ms` or `seconds` removed, at any depth. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'ms' && key !== 'seconds').map(([key, inner]) => [key, withoutTimings(inner)]));
  }
  return value;
}

/** The text of `<section id="…">…</section>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The one match of `pattern` in `text`, its groups. */
function groups(text: string, pattern: RegExp): string[] {
  const match = pattern.exec(text);
  expect(match, `${pattern} in the summary`).not.toBeNull();
  return (match as RegExpExecArray).slice(1);
}

/** "1, 0.224, 0.05" → the strings. */
function items(list: string): string[] {
  return list.split(',').map((item) => item.trim());
}

describe('superposition lesson --fast', () => {
  const parent = parentFolder();
  const out = join(parent, 'lesson');
  let first: CliRun;
  let figures: LessonFigures;
  let html: string;

  it('exits 0 and writes exactly index.html, lesson.json and explore.html into --out, nothing beside it', async () => {
    first = await fastLesson(out);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(''); // --quiet
    expect(readdirSync(parent)).toEqual(['lesson']);
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'explore.html', 'index.html', 'lesson.json'].sort());
    html = readFileSync(join(out, 'index.html'), 'utf8');
    figures = JSON.parse(readFileSync(join(out, 'lesson.json'), 'utf8')) as LessonFigures;
    expect(first.stdout.trimEnd().endsWith(`Report: ${out}/index.html`)).toBe(true);
  });

  it('the report has sections act-0 … act-4 in order, each with at least one SVG and a figure caption', () => {
    let previous = -1;
    for (const id of ['act-0', 'act-1', 'act-2', 'act-3', 'act-4']) {
      const position = html.indexOf(`<section id="${id}">`);
      expect(position, id).toBeGreaterThan(previous);
      previous = position;
      const text = section(html, id);
      expect(text.match(/<svg/g)?.length ?? 0, id).toBeGreaterThanOrEqual(1);
      expect(text, id).toContain('<figcaption>');
    }
    expect(section(html, 'act-0')).toContain('<table>'); // the op-by-op trace
    // The contents link to every act.
    for (let act = 0; act <= 4; act++) expect(html).toContain(`href="#act-${act}"`);
  });

  it('the report opens on the digit classifier\'s neurons and closes with its SAE, and the summary quotes lesson.json\'s figures', () => {
    const ids = [...html.matchAll(/<section id="([^"]+)">/g)].map((match) => match[1]);
    expect(ids[0]).toBe('mnist-neurons');
    expect(ids[ids.length - 1]).toBe('mnist-sae');
    const mnist = figures.mnist;
    expect(mnist).not.toBeNull();
    if (mnist === null) return;
    expect(section(html, 'mnist-neurons')).toContain('<image');
    expect(section(html, 'mnist-sae')).toContain(`mean ${Math.round(100 * mnist.latentPurity.mean)}%`);
    expect(groups(first.stdout, /digit classifier \((\d+)% held-out accuracy\)/)[0]).toBe(String(Math.round(100 * mnist.accuracy)));
    expect(groups(first.stdout, /Its live latents' top 20 digits are on average (\d+)% one digit/)[0]).toBe(String(Math.round(100 * mnist.latentPurity.mean)));
    expect(figures.commands.mnist).toMatch(/^superposition mnist /);
  });

  it('the report is self-contained: no scripts, nothing fetched, a policy that forbids fetching', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain('Content-Security-Policy');
    expect(html).toContain('default-src \'none\'');
  });

  it('the trace in act 0 has a row per op of lesson.json, forward and backward', () => {
    const { trainingStep } = figures;
    expect(trainingStep.ops.length).toBe(trainingStep.forwardOps + trainingStep.backwardOps);
    expect(trainingStep.forwardOps).toBeGreaterThan(0);
    expect(trainingStep.backwardOps).toBeGreaterThan(0);
    const rows = section(html, 'act-0').match(/<tr><td class="num">\d+<\/td><td>(forward|backward)<\/td>/g) ?? [];
    expect(rows.length).toBe(trainingStep.ops.length);
    expect(trainingStep.ops[0].inputShapes.flat()).toContain(trainingStep.batch);
  });

  it('the summary\'s figures agree with lesson.json', () => {
    const summary = first.stdout;
    const step = figures.trainingStep;
    expect(groups(summary, /(\d+) forward ops and (\d+) backward ops .*the graph has (\d+) vertices/))
      .toEqual([String(step.forwardOps), String(step.backwardOps), String(step.graph.vertices)]);

    const poly = figures.polysemanticity;
    expect(items(groups(summary, /Act 1[^]*?densities: +([^\n]+)/)[0])).toEqual(poly.densities.map((d) => formatNumber(d)));
    const [neurons, of] = groups(summary, /polysemantic neurons: ([\d, ]+) \(of (\d+)\)/);
    expect(items(neurons).map(Number)).toEqual(poly.polysemanticNeurons);
    expect(Number(of)).toBe(poly.hidden);

    const sup = figures.superposition;
    expect(items(groups(summary, /Act 2[^]*?densities: +([^\n]+)/)[0])).toEqual(sup.densities.map((d) => formatNumber(d)));
    expect(items(groups(summary, /features stored, ReLU model: +([\d, ]+)\n/)[0]).map(Number)).toEqual(sup.relu.represented);
    expect(items(groups(summary, /features stored, linear model: +([\d, ]+)\n/)[0]).map(Number)).toEqual(sup.linear.represented);
    expect(Number(groups(summary, /sparsest ReLU instance: (\d+) features stored/)[0])).toBe(sup.sparsest.represented);

    const { phase } = figures;
    expect(groups(summary, /trained agrees with theory in (\d+) of (\d+) cells \((\d+) of (\d+) away/).map(Number))
      .toEqual([phase.agree, phase.cells, phase.interiorAgree, phase.interiorCells]);

    const { inRange, clusters } = figures.geometry;
    const [matched, total, percent, chance] = groups(summary, /: (\d+) of (\d+) represented features \((\d+)%\).*chance gives (\d+)%/).map(Number);
    expect([matched, total]).toEqual([inRange.matched, inRange.total]);
    expect(percent).toBe(inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total));
    expect(chance).toBe(Math.round(100 * inRange.chance));
    const byFraction = groups(summary, /by fraction: ([^\n]+)/)[0];
    expect(byFraction).toBe(`1: ${clusters.dedicated}, 3/4: ${clusters.tetrahedron}, 2/3: ${clusters.triangle}, 1/2: ${clusters.digon}, ` +
      `2/5: ${clusters.pentagon}, 3/8: ${clusters['square antiprism']}`);

    const { sae } = figures;
    const [l0, fve, dead, latents, mmcs, recovered, trueFeatures] =
      groups(summary, /L0 (\S+), FVE (\S+), dead latents (\d+) of (\d+), MMCS (\S+), features recovered (\d+) of (\d+)/);
    expect(l0).toBe(formatNumber(sae.l0));
    expect(fve).toBe(sae.fve === null ? '–' : formatNumber(sae.fve, 4));
    expect([Number(dead), Number(latents)]).toEqual([sae.dead, sae.latents]);
    expect(mmcs).toBe(sae.mmcs === null ? '–' : formatNumber(sae.mmcs.trueToLearned, 4));
    expect([Number(recovered), Number(trueFeatures)]).toEqual([sae.recovered, sae.trueFeatures]);

    const { ablation, clamp } = sae.steering;
    expect(groups(summary, /fired latent (\d+) \(≈ feature (\d+), cos (\S+)\); ablating it moved output (\d+) from (\S+) to (\S+)\n/)).toEqual([
      String(ablation.latent), String(ablation.feature), ablation.cosine.toFixed(3), String(ablation.target.feature),
      ablation.target.reconstruction.toFixed(3), ablation.target.steered.toFixed(3),
    ]);
    expect(groups(summary, /clamping latent (\d+) \(≈ feature (\d+)\) to (\S+) moved output (\d+) from (\S+) to (\S+)\n/)).toEqual([
      String(clamp.latent), String(clamp.feature), clamp.after.toFixed(3), String(clamp.target.feature),
      clamp.target.reconstruction.toFixed(3), clamp.target.steered.toFixed(3),
    ]);
    // The ablation really set the latent to 0, and the clamp to the activation it reports.
    expect(ablation.after).toBe(0);
    expect(clamp.mode).toBe('clamp');
  });

  it('the report shows the same figures as lesson.json (a sample: the phase agreement and the SAE\'s MMCS)', () => {
    const { phase, sae } = figures;
    expect(section(html, 'act-3')).toContain(`${phase.agree} of ${phase.cells} cells`);
    if (sae.mmcs !== null) expect(section(html, 'act-4')).toContain(`${sae.mmcs.trueToLearned.toFixed(3)} true→learned`);
  });

  it('act 3\'s bar chart counts below 3/8 apart from between fractions, and its caption gives lesson.json\'s counts', () => {
    const { inRange, clusters, tolerance } = figures.geometry;
    const act3 = section(html, 'act-3');
    // A true Dᵢ is at most 1, so every represented Dᵢ outside the fractions' range is below it.
    const below = clusters.total - inRange.total;
    expect(act3).toContain(`Of ${clusters.total} represented features, ${below} have Dᵢ below 3/8 − ${tolerance}`);
    const percent = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
    expect(act3).toContain(`are ${inRange.total}: ${inRange.matched} (${percent}%) sit within ${tolerance} of a named fraction and ` +
      `${inRange.total - inRange.matched} between fractions`);
    expect(act3).toContain(`sit at one ${Math.round(100 * inRange.chance)}% of the time`);
    expect(act3).toContain('>below 3/8<');
    expect(act3).toContain('>between<');
    expect(act3).not.toContain('>other<');
  });

  it('the same seed gives the same lesson.json, timings aside; another seed gives other figures', async () => {
    const again = join(parentFolder(), 'lesson');
    expect((await fastLesson(again)).code).toBe(0);
    const second = JSON.parse(readFileSync(join(again, 'lesson.json'), 'utf8')) as LessonFigures;
    expect(withoutTimings(second)).toEqual(withoutTimings(figures));
    // The timings exist, so removing them above was not vacuous.
    expect(second.seconds.total).toBeGreaterThan(0);

    const other = join(parentFolder(), 'lesson');
    expect((await fastLesson(other, '--seed', '7')).code).toBe(0);
    const seven = JSON.parse(readFileSync(join(other, 'lesson.json'), 'utf8')) as LessonFigures;
    expect(seven.seed).toBe(7);
    expect(withoutTimings(seven.sae)).not.toEqual(withoutTimings(figures.sae));
  });

  it('--json prints exactly lesson.json on stdout, and still writes the report', async () => {
    const folder = join(parentFolder(), 'lesson');
    const { code, stdout } = await fastLesson(folder, '--json');
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.slice(0, -1)).not.toContain('\n');
    expect(stdout).toBe(readFileSync(join(folder, 'lesson.json'), 'utf8'));
    expect(existsSync(join(folder, 'index.html'))).toBe(true);
  });

  it('replaces an earlier report whole', async () => {
    const folder = join(parentFolder(), 'lesson');
    mkdirSync(folder);
    writeFileSync(join(folder, 'stale.svg'), '<svg/>');
    writeFileSync(join(folder, 'lesson.json'), '{"earlier":true}\n');
    writeFileSync(join(folder, MANIFEST_FILE), manifestText('out', ['stale.svg', 'lesson.json'])); // as an earlier run left it
    expect((await fastLesson(folder)).code).toBe(0);
    expect(readdirSync(folder).sort()).toEqual([MANIFEST_FILE, 'explore.html', 'index.html', 'lesson.json'].sort());
    expect(readFileSync(join(folder, 'lesson.json'), 'utf8')).not.toContain('earlier');
  });

  it('shows progress as plain lines on a non-terminal stderr without --quiet, naming every act', async () => {
    const folder = join(parentFolder(), 'lesson');
    const { code, stderr } = await run(['lesson', '--fast', '--out', folder]);
    expect(code).toBe(0);
    for (const act of ['Act 1 of 4', 'Act 2 of 4', 'Act 3 of 4', 'Act 4 of 4']) expect(stderr).toContain(act);
    expect(stderr).toMatch(/training .*: done/);
    expect(stderr).not.toContain('\r'); // lines, not a redrawn bar
  });
});

describe('superposition lesson refuses bad input, writing nothing', () => {
  const cases: [argv: string[], message: string][] = [
    [['--fsat'], 'unknown flag --fsat; did you mean --fast?'],
    [['--seed', '-1'], '--seed must be a whole number ≥ 0, got -1'],
    [['--out='], '--out must not be empty'],
    [['--fast=maybe'], '--fast takes no value'],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const parent = parentFolder();
      const { code, stdout, stderr } = await run(['lesson', ...argv, ...(argv[0].startsWith('--out') ? [] : ['--out', join(parent, 'lesson')])]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(readdirSync(parent)).toEqual([]);
    });
  }

  it('an --out that is not a folder a command wrote (a file, or a folder holding folders) is refused before any training', async () => {
    const parent = parentFolder();
    const project = join(parent, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    const { code, stderr } = await run(['lesson', '--fast', '--out', project]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--out cannot be replaced: ${project} holds a folder (src)`);
    expect(stderr).not.toContain('training');
    expect(readdirSync(project)).toEqual(['src']);
  });
});

describe('a failure part-way leaves --out as it was', () => {
  afterEach(() => {
    delete lessonHooks.afterAct;
  });

  it('an error in act 3 leaves no folder (first run) and nothing beside it', async () => {
    const parent = parentFolder();
    lessonHooks.afterAct = (act) => {
      if (act === 'geometry') throw new Error('injected failure after the geometry');
    };
    const { code, stdout, stderr } = await fastLesson(join(parent, 'lesson'));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('injected failure after the geometry');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an error part-way keeps the earlier report, byte for byte', async () => {
    const parent = parentFolder();
    const folder = join(parent, 'lesson');
    expect((await fastLesson(folder)).code).toBe(0);
    const before = readFileSync(join(folder, 'index.html'), 'utf8');
    lessonHooks.afterAct = (act) => {
      if (act === 'polysemanticity') throw new Error('injected failure in act 1');
    };
    expect((await fastLesson(folder, '--seed', '3')).code).toBe(1);
    expect(readdirSync(parent)).toEqual(['lesson']);
    expect(readFileSync(join(folder, 'index.html'), 'utf8')).toBe(before);
  });

  it('a write that fails after the first file keeps the earlier report and leaves no temporary folder', async () => {
    const parent = parentFolder();
    const folder = join(parent, 'lesson');
    expect((await fastLesson(folder)).code).toBe(0);
    const before = readFileSync(join(folder, 'lesson.json'), 'utf8');
    const real = nodeDirectoryIO();
    let writes = 0;
    const failing: DirectoryIO = {
      ...real,
      writeFile(path, data) {
        if (++writes === 2) throw new Error('ENOSPC: no space left on device (injected)');
        real.writeFile(path, data);
      },
    };
    const { code, stderr } = await run(['lesson', '--fast', '--out', folder, '--quiet', '--seed', '5'], failing);
    expect(code).toBe(1);
    expect(stderr).toContain('no space left on device');
    expect(writes).toBe(2);
    expect(readdirSync(parent)).toEqual(['lesson']);
    expect(readFileSync(join(folder, 'lesson.json'), 'utf8')).toBe(before);
  });
});

describe('writeDirectoryAtomically', () => {
  it('writes a new folder (and its parents) holding exactly the files given', () => {
    const folder = join(parentFolder(), 'a', 'b', 'out');
    writeDirectoryAtomically(folder, { 'x.json': '{}\n', 'y.bin': Uint8Array.of(1, 2, 3) });
    expect(readdirSync(folder).sort()).toEqual([MANIFEST_FILE, 'x.json', 'y.bin']);
    expect([...readFileSync(join(folder, 'y.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(join(folder, '..'))).toEqual(['out']);
  });

  it('puts the old folder back when the final rename fails', () => {
    const parent = parentFolder();
    const folder = join(parent, 'out');
    writeDirectoryAtomically(folder, { 'old.txt': 'old' });
    const real = nodeDirectoryIO();
    const failing: DirectoryIO = {
      ...real,
      rename(from, to) {
        if (from.includes('.tmp-')) throw new Error('EXDEV (injected)');
        real.rename(from, to);
      },
    };
    expect(() => writeDirectoryAtomically(folder, { 'new.txt': 'new' }, failing)).toThrow('EXDEV (injected)');
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(join(folder, 'old.txt'), 'utf8')).toBe('old');
  });

  it('refuses names with a path in them, a file as the target, and a folder holding folders', () => {
    const parent = parentFolder();
    expect(() => writeDirectoryAtomically(join(parent, 'out'), { 'a/b.txt': '' })).toThrow('not a plain file name');
    writeFileSync(join(parent, 'file'), 'mine');
    expect(() => writeDirectoryAtomically(join(parent, 'file'), { 'a.txt': '' })).toThrow('is a file, not a folder');
    mkdirSync(join(parent, 'project', 'src'), { recursive: true });
    expect(checkOutFolder(join(parent, 'project'))).toContain('holds a folder (src)');
    expect(() => writeDirectoryAtomically(join(parent, 'project'), { 'a.txt': '' })).toThrow('holds a folder (src)');
    expect(readdirSync(parent).sort()).toEqual(['file', 'project']);
    expect(checkOutFolder('.')).toContain('names no folder of its own');
  });

  it('splits paths into parent and name', () => {
    expect(splitPath('out/lesson')).toEqual({ parent: 'out', name: 'lesson' });
    expect(splitPath('out/lesson/')).toEqual({ parent: 'out', name: 'lesson' });
    expect(splitPath('lesson')).toEqual({ parent: '.', name: 'lesson' });
    expect(splitPath('/lesson')).toEqual({ parent: '/', name: 'lesson' });
  });
});

describe('renderReport', () => {
  it('escapes text, keeps SVG as given, and refuses an id that could break out of its attribute', () => {
    const html = renderReport({
      title: 'A <b> & "c"', subtitle: 's', intro: ['`code` here'], meta: [{ label: 'seed', value: '0' }], footer: 'f',
      sections: [{
        id: 'act-1', title: '<script>alert(1)</script>',
        blocks: [
          { kind: 'figures', figures: [{ svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>', caption: 'x < y' }] },
          { kind: 'table', caption: 't', header: ['a'], rows: [['<i>']] },
          { kind: 'command', text: 'superposition tms --out a&b' },
        ],
      }],
    });
    expect(html).toContain('<title>A &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"></svg><figcaption>x &lt; y</figcaption>');
    expect(html).toContain('<td>&lt;i&gt;</td>');
    expect(html).toContain('<code>code</code> here');
    expect(html).toContain('--out a&amp;b');
    expect(() => renderReport({ title: '', subtitle: '', intro: [], meta: [], footer: '', sections: [{ id: 'x" onload="y', title: '', blocks: [] }] }))
      .toThrow('section id');
  });
});
