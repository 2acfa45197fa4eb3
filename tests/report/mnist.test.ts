/**
 * The report's digit-classifier sections, built from a tiny run (plumbing, not results): every
 * drawing is well-formed SVG with its title, the opening shows the neurons' top digits with their
 * measured purity, the closing has one card per card latent and one steering row per card latent,
 * and the --out plots have distinct names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnistDigits, mnistDigitsFolder } from '../../src/cli/mnist-data.js';
import { type MnistResult, run } from '../../src/experiments/mnist.js';
import { mnistClosingSection, mnistOpeningSection, mnistPlots } from '../../src/report/mnist.js';
import type { FiguresBlock, ReportSection, TableBlock } from '../../src/plot/report.js';
import { checkSvg, elements, parseXml } from '../plot/svg-check.js';

const installed = mnistDigitsFolder() !== null;

function figuresOf(section: ReportSection): FiguresBlock[] {
  return section.blocks.filter((block): block is FiguresBlock => block.kind === 'figures');
}

function checkAll(section: ReportSection): void {
  for (const block of figuresOf(section)) {
    for (const figure of block.figures) {
      const title = parseXml(figure.svg).children[0].text;
      checkSvg(figure.svg, title);
      expect(figure.caption.length).toBeGreaterThan(10);
    }
  }
}

describe.skipIf(!installed)('the digit sections of the report', () => {
  let result: MnistResult;
  beforeAll(() => {
    result = run({ digits: loadMnistDigits(), train: 800, heldOut: 400, hidden: 16, epochs: 2, saeSteps: 40, seed: 1 });
  }, 120_000);

  it('the opening shows the first firing neurons\' top digits, captioned with their purity', () => {
    const opening = mnistOpeningSection(result, 'npx superposition mnist');
    expect(opening.id).toBe('mnist-neurons');
    checkAll(opening);
    const shown = result.neurons.filter((n) => n.fires >= result.config.topK).slice(0, 6);
    const grids = figuresOf(opening)[0].figures;
    expect(grids).toHaveLength(shown.length);
    grids.forEach((grid, i) => {
      expect(grid.caption).toContain(`Neuron ${shown[i].index}.`);
      expect(grid.caption).toContain(`Purity ${Math.round(100 * shown[i].mix.purity)}%`);
      expect(elements(parseXml(grid.svg), 'image')).toHaveLength(Math.min(12, shown[i].topExamples.length));
    });
    expect(JSON.stringify(opening)).toContain(`Neuron ${result.sharedStroke.neuron}`);
  });

  it('the closing has the comparison, a card per card latent and a steering row per card latent', () => {
    const closing = mnistClosingSection(result, 'npx superposition mnist');
    expect(closing.id).toBe('mnist-sae');
    checkAll(closing);
    const headings = figuresOf(closing).map((block) => block.heading ?? '');
    for (const latent of result.cardLatents) expect(headings.some((heading) => heading.startsWith(`Latent ${latent}:`))).toBe(true);
    const table = closing.blocks.find((block): block is TableBlock => block.kind === 'table');
    expect(table?.rows.map((row) => row[0])).toEqual(result.steering.map((s) => String(s.latent)));
    expect(JSON.stringify(closing)).toContain(`mean ${Math.round(100 * result.comparison.latents.mean)}%`);
  });

  it('the --out plots have distinct names and are well-formed', () => {
    const plots = mnistPlots(result);
    expect(new Set(plots.map((plot) => plot.name)).size).toBe(plots.length);
    for (const plot of plots) checkSvg(plot.text, parseXml(plot.text).children[0].text);
  });
});
