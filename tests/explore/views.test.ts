/**
 * The explorable's views are src/plot's own plots of a session's report: W's columns as arrows
 * when m ≤ 2 and as a heat map beyond, WᵀW, norms coloured by superposition, the loss curve,
 * dimensionality, the phase diagram with its crosshair, and the SAE's directions and cosines.
 */
import { describe, expect, it } from 'vitest';
import { candidateLosses } from '../../src/analysis/phase.js';
import { ExploreSession } from '../../src/explore/session.js';
import { DEFAULT_SETTINGS, type ExploreSettings } from '../../src/explore/settings.js';
import { formatPlotNumber } from '../../src/plot/svg.js';
import {
  dimensionalityView, gramView, lossView, normsView, phaseLossesView, phaseView, saeArrowsView, saeCosinesView, weightsView,
} from '../../src/explore/views.js';

function reportFor(settings: Partial<ExploreSettings>, steps = 5) {
  const session = new ExploreSession({ ...DEFAULT_SETTINGS, batch: 32, ...settings });
  for (let i = 0; i < steps; i++) session.advance();
  return session.report();
}

const count = (svg: string, pattern: RegExp): number => svg.match(pattern)?.length ?? 0;

describe('the explorable\'s views', () => {
  it('draw W as one arrow per feature in the hidden plane, on a line for m = 1, and as a heat map for m ≥ 3', () => {
    expect(count(weightsView(reportFor({ n: 5, m: 2 })), /class="arrow"/g)).toBe(5);
    const line = weightsView(reportFor({ n: 4, m: 1 }));
    expect(count(line, /class="arrow"/g)).toBe(4);
    expect(line).toContain('hidden line');
    const wide = weightsView(reportFor({ n: 6, m: 3 }));
    expect(count(wide, /class="arrow"/g)).toBe(0);
    expect(count(wide, /class="cell"/g)).toBe(18);
  });

  it('draw WᵀW as n × n cells and one bar per feature norm', () => {
    const report = reportFor({ n: 7, m: 3 });
    expect(count(gramView(report), /class="cell"/g)).toBe(49);
    expect(count(normsView(report), /class="bar"/g)).toBe(7);
    expect(count(dimensionalityView(report), /class="point"/g)).toBe(7);
  });

  it('draw the loss curve on a log axis, dropping nothing that is positive', () => {
    const svg = lossView([[10, 0.1], [20, 0.01], [30, 0.001]]);
    expect(svg).toContain('loss (log)');
    expect(svg).not.toContain('not drawn');
  });

  it('mark the current importance and density on the phase diagram and name the losses there', () => {
    const svg = phaseView(2.5, 0.04);
    expect(svg).toContain('r = 2.5');
    expect(svg).toContain('p = 0.04');
    expect(svg).toContain('<title>2 → 1 phase diagram (closed-form theory)</title>');
    const losses = phaseLossesView(2.5, 0.04);
    expect(count(losses, /class="bar"/g)).toBe(3);
    // Each bar carries its candidate's closed-form loss at that point.
    const expected = candidateLosses(2.5, 0.04);
    expect(losses).toContain(`x₂ not represented: ${formatPlotNumber(expected['not-represented'])}`);
    expect(losses).toContain(`x₂ dedicated: ${formatPlotNumber(expected.dedicated)}`);
    expect(losses).toContain(`superposition: ${formatPlotNumber(expected.superposition)}`);
  });

  it('draw the SAE\'s learned directions beside the true ones when m = 2, and its cosines for any m', () => {
    const flat = reportFor({ n: 5, m: 2 });
    const arrows = saeArrowsView(flat) ?? '';
    expect(count(arrows, /class="arrow"/g)).toBe(10);
    // Each learned direction is named by the true feature with the largest cosine.
    flat.sae.directions.forEach((_, j) => {
      const column = flat.sae.cosines.map((row) => row[j]);
      expect(arrows).toContain(`L${j} ≈ f${column.indexOf(Math.max(...column))}`);
    });
    const deep = reportFor({ n: 6, m: 3 });
    expect(saeArrowsView(deep)).toBeNull();
    const cosines = saeCosinesView(deep);
    expect(count(cosines, /class="cell"/g)).toBe(36);
    expect(cosines).toContain(`MMCS ${Number(deep.sae.mmcs.toPrecision(3))}`);
  });
});
