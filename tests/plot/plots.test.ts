import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrowDiagram, barChart, heatmap, lineChart, scatterPlot, stackedBarChart,
} from '../../src/plot/index.js';
import { expectOpError } from '../support/expect.js';
import { type XmlElement, checkSvg, elements, parseXml, texts, tickValue } from './svg-check.js';

/** The y axis' tick labels (right-aligned, unrotated, in the axes group) as numbers. */
function yTicks(root: XmlElement): number[] {
  const axes = elements(root, 'g', 'axes')[0];
  return elements(axes, 'text', 'tick-label')
    .filter((text) => text.attributes['text-anchor'] === 'end' && text.attributes.transform === undefined)
    .map((text) => tickValue(text.text));
}

/** The x axis' tick labels (centred under the axis) as numbers. */
function xTicks(root: XmlElement): number[] {
  const axes = elements(root, 'g', 'axes')[0];
  return elements(axes, 'text', 'tick-label')
    .filter((text) => text.attributes['text-anchor'] === 'middle')
    .map((text) => tickValue(text.text));
}

/** Ticks are nice (a constant 1-2-5 × 10ᵏ step) and cover [min, max]. */
function expectNiceCover(ticks: number[], min: number, max: number): void {
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  expect(ticks.every(Number.isFinite)).toBe(true);
  const step = ticks[1] - ticks[0];
  const power = 10 ** Math.floor(Math.log10(step) + 1e-9);
  expect([1, 2, 5, 10].some((m) => Math.abs(step / power - m) < 1e-6)).toBe(true);
  for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeCloseTo(step, 9);
  expect(ticks[0]).toBeLessThanOrEqual(min);
  expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
}

function expectPowersOfTen(ticks: number[]): void {
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  for (const tick of ticks) expect(Math.log10(tick)).toBeCloseTo(Math.round(Math.log10(tick)), 9);
}

const NASTY = '<b> & "quotes" \'apos\'';
const nastyNumber = fc.oneof(
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e-300, 1e300),
);

describe('heatmap', () => {
  const gram = [[1, -0.5, 0.25], [-0.5, 1, 0], [0.25, 0, 1]];

  it('draws one cell per entry, with title, axis labels and a colour bar', () => {
    const svg = heatmap(gram, { title: 'WᵀW', xLabel: 'feature i', yLabel: 'feature j', legendLabel: 'dot product' });
    const root = checkSvg(svg, 'WᵀW');
    expect(elements(root, 'rect', 'cell')).toHaveLength(9);
    expect(texts(root, 'axis-label')).toEqual(['feature i', 'feature j']);
    expect(texts(root, 'plot-title')).toEqual(['WᵀW']);
    expect(texts(root, 'legend-heading')).toEqual(['dot product']);
    // Default domain ±max|v| = ±1: 0 is white, 1 the deepest red, -0.5 a blue.
    const fills = elements(root, 'rect', 'cell').map((cell) => cell.attributes.fill);
    expect(fills[0]).toBe('#b2182b');
    expect(fills[5]).toBe('#f7f7f7');
    const [red, , blue] = [1, 3, 5].map((i) => parseInt(fills[1].slice(i, i + 2), 16));
    expect(blue).toBeGreaterThan(red);
    // The colour bar's ticks run from -1 to 1.
    const barTicks = texts(elements(root, 'g', 'color-bar')[0], 'tick-label').map(Number);
    expect(Math.min(...barTicks)).toBe(-1);
    expect(Math.max(...barTicks)).toBe(1);
    // Row and column labels default to indices, each cell has a tooltip with its value.
    expect(elements(root, 'rect', 'cell')[1].children[0].text).toBe('0, 1: -0.5');
  });

  it('uses the given labels (escaped) and a sequential scale for a non-negative domain', () => {
    const svg = heatmap([[0, 1], [2, 3]], { title: NASTY, rowLabels: ['r<0>', 'r&1'], colLabels: ['"c0"', 'c1'], domain: [0, 3] });
    const root = checkSvg(svg, NASTY);
    expect(svg).toContain('<title>&lt;b&gt; &amp; &quot;quotes&quot; &apos;apos&apos;</title>');
    expect(texts(root, 'tick-label')).toEqual(expect.arrayContaining(['r<0>', 'r&1', '"c0"', 'c1']));
    const fills = elements(root, 'rect', 'cell').map((cell) => cell.attributes.fill);
    expect(fills[0]).toBe('#440154');
    expect(fills[3]).toBe('#fde725');
  });

  it('categorical: colours by category and lists every label in the legend', () => {
    const labels = ['not represented', 'dedicated', 'superposition'];
    const svg = heatmap([[0, 1, 2], [2, 2, 1], [0, 7, NaN]], { title: 'phases', categorical: { labels }, legendLabel: 'phase' });
    const root = checkSvg(svg, 'phases');
    expect(texts(root, 'legend-label')).toEqual(labels);
    const fills = elements(root, 'rect', 'cell').map((cell) => cell.attributes.fill);
    expect(new Set([fills[0], fills[1], fills[2]]).size).toBe(3);
    expect(fills[3]).toBe(fills[2]);
    // Index 7 and NaN name no category: grey, and counted in the note.
    expect(fills[7]).toBe(fills[8]);
    expect(texts(root, 'plot-note')[0]).toContain('2 cells');
    expect(elements(root, 'rect', 'cell')[4].children[0].text).toBe('1, 1: superposition');
  });

  it('survives NaN, ±∞, ragged rows and empty input', () => {
    const root = checkSvg(heatmap([[NaN, Infinity], [-Infinity]], { title: 'bad' }), 'bad');
    expect(elements(root, 'rect', 'cell')).toHaveLength(4);
    expect(texts(root, 'plot-note')[0]).toContain('2 missing');
    checkSvg(heatmap([], { title: 'empty' }), 'empty');
    checkSvg(heatmap([[]], { title: 'empty row' }), 'empty row');
    checkSvg(heatmap([[0, 0], [0, 0]], { title: 'zeros' }), 'zeros');
  });

  it('rejects a reversed domain and too few category colours, naming the plot', () => {
    expectOpError(() => heatmap([[1]], { title: 't', domain: [1, -1] }), 'heatmap', 'domain');
    expectOpError(() => heatmap([[1]], { title: 't', categorical: { labels: ['a', 'b'], colors: ['#000000'] } }), 'heatmap', 'colours');
  });

  it('honours an explicit size', () => {
    const root = checkSvg(heatmap(gram, { title: 't', width: 300, height: 200 }), 't');
    expect(root.attributes.viewBox).toBe('0 0 300 200');
  });

  it('is well-formed for any matrix of nasty numbers', () => {
    fc.assert(fc.property(fc.array(fc.array(nastyNumber, { maxLength: 6 }), { maxLength: 6 }), (values) => {
      const root = checkSvg(heatmap(values, { title: 'h' }), 'h');
      const cols = values.reduce((widest, row) => Math.max(widest, row.length), 0);
      expect(elements(root, 'rect', 'cell')).toHaveLength(values.length * cols);
    }), { numRuns: 40 });
  });
});

describe('barChart', () => {
  const bars = [{ label: 'a', value: 0.1 + 0.2 }, { label: 'b', value: -1 }, { label: 'c', value: 2.5 }];

  it('draws one bar per value, rising or hanging from 0, with nice ticks covering the data', () => {
    const svg = barChart(bars, { title: 'norms', xLabel: 'feature', yLabel: 'norm' });
    const root = checkSvg(svg, 'norms');
    const rects = elements(root, 'rect', 'bar');
    expect(rects).toHaveLength(3);
    expect(texts(root, 'axis-label')).toEqual(['feature', 'norm']);
    expect(texts(root, 'bar-value')).toEqual(['0.3', '-1', '2.5']);
    expectNiceCover(yTicks(root), -1, 2.5);
    // Positive bars end at the zero line, the negative one starts there.
    const bottom = (rect: XmlElement) => Number(rect.attributes.y) + Number(rect.attributes.height);
    expect(bottom(rects[0])).toBeCloseTo(bottom(rects[2]), 0);
    expect(Number(rects[1].attributes.y)).toBeCloseTo(bottom(rects[0]), 0);
    // Heights are proportional to |value|: 2.5 is 2.5 times 1.
    expect(Number(rects[2].attributes.height) / Number(rects[1].attributes.height)).toBeCloseTo(2.5, 1);
  });

  it('colours bars by colorValues with a colour bar legend', () => {
    const svg = barChart(bars, { title: 'norms', colorValues: [0, 0.5, 1], colorLabel: 'interference' });
    const root = checkSvg(svg, 'norms');
    const fills = elements(root, 'rect', 'bar').map((rect) => rect.attributes.fill);
    expect(fills[0]).toBe('#440154');
    expect(fills[2]).toBe('#fde725');
    expect(texts(root, 'legend-heading')).toEqual(['interference']);
    expectOpError(() => barChart(bars, { title: 't', colorValues: [1] }), 'barChart', 'colorValues', '3 bars');
  });

  it('skips non-finite values with a note, and handles empty, single and all-equal data', () => {
    const root = checkSvg(barChart([{ label: 'x', value: NaN }, { label: 'y', value: 1 }, { label: 'z', value: Infinity }], { title: 't' }), 't');
    expect(elements(root, 'rect', 'bar')).toHaveLength(1);
    expect(texts(root, 'plot-note')[0]).toContain('2 bars');
    const empty = checkSvg(barChart([], { title: 'none' }), 'none');
    expect(texts(empty, 'plot-note')).toEqual(['no data']);
    const zeros = checkSvg(barChart([{ label: 'a', value: 0 }, { label: 'b', value: 0 }], { title: 'zeros' }), 'zeros');
    const ticks = yTicks(zeros);
    expect(Math.max(...ticks)).toBeGreaterThan(Math.min(...ticks));
    checkSvg(barChart([{ label: 'one', value: 7 }], { title: 'one' }), 'one');
  });

  it('rotates and thins labels of many bars, staying well-formed', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ label: `feature ${i}`, value: Math.sin(i) }));
    const root = checkSvg(barChart(many, { title: 'many' }), 'many');
    expect(elements(root, 'rect', 'bar')).toHaveLength(200);
    const rotated = elements(root, 'text', 'tick-label').filter((text) => text.attributes.transform !== undefined);
    expect(rotated.length).toBeGreaterThan(0);
    expect(rotated.length).toBeLessThan(200);
  });

  it('is well-formed for any nasty input', () => {
    fc.assert(fc.property(fc.array(fc.record({ label: fc.string({ maxLength: 8 }), value: nastyNumber }), { maxLength: 12 }), (input) => {
      const root = checkSvg(barChart(input, { title: 'b' }), 'b');
      expect(elements(root, 'rect', 'bar')).toHaveLength(input.filter((bar) => Number.isFinite(bar.value)).length);
    }), { numRuns: 60 });
  });
});

describe('stackedBarChart', () => {
  const groups = [
    { label: 'neuron 0', segments: [{ label: 'f0', value: 0.6 }, { label: 'f1', value: 0.3 }] },
    { label: 'neuron 1', segments: [{ label: 'f1', value: 0.5 }, { label: 'f2', value: -0.2 }, { label: 'f0', value: 0.1 }] },
  ];

  it('draws one segment per value, coloured by label, with a legend of the labels', () => {
    const root = checkSvg(stackedBarChart(groups, { title: 'serves', xLabel: 'neuron', yLabel: 'share' }), 'serves');
    const segments = elements(root, 'rect', 'segment');
    expect(segments).toHaveLength(5);
    expect(texts(root, 'legend-label')).toEqual(['f0', 'f1', 'f2']);
    expect(texts(root, 'axis-label')).toEqual(['neuron', 'share']);
    // f0 has the same colour in both groups; f0, f1, f2 differ.
    const fills = segments.map((rect) => rect.attributes.fill);
    expect(fills[4]).toBe(fills[0]);
    expect(new Set([fills[0], fills[1], fills[3]]).size).toBe(3);
    // Stacks: positive parts sum to 0.9 and 0.6, the negative part hangs below 0.
    expectNiceCover(yTicks(root), -0.2, 0.9);
    const top = (rect: XmlElement) => Number(rect.attributes.y);
    const bottom = (rect: XmlElement) => top(rect) + Number(rect.attributes.height);
    expect(bottom(segments[1])).toBeCloseTo(top(segments[0]), 0);
    expect(top(segments[3])).toBeCloseTo(bottom(segments[2]), 0);
    expect(bottom(segments[4])).toBeCloseTo(top(segments[2]), 0);
  });

  it('survives empty, NaN and many-category input', () => {
    checkSvg(stackedBarChart([], { title: 'empty' }), 'empty');
    const root = checkSvg(stackedBarChart([{ label: 'g', segments: [{ label: 'a', value: NaN }, { label: 'b', value: 1 }] }], { title: 'nan' }), 'nan');
    expect(elements(root, 'rect', 'segment')).toHaveLength(1);
    const many = [{ label: 'g', segments: Array.from({ length: 20 }, (_, i) => ({ label: `feature ${i}`, value: 1 })) }];
    const manyRoot = checkSvg(stackedBarChart(many, { title: 'many' }), 'many');
    expect(new Set(elements(manyRoot, 'rect', 'segment').map((rect) => rect.attributes.fill)).size).toBe(20);
    expect(texts(manyRoot, 'legend-label')).toHaveLength(20);
  });
});

describe('scatterPlot', () => {
  const series = [
    { label: 'features', points: [{ x: 1, y: 1 }, { x: 10, y: 0.5 }, { x: 300, y: 0.4 }] },
    { label: 'mean', points: [{ x: 2, y: 0.75 }] },
  ];

  it('draws one point per datum, a legend for two series, and labelled reference lines', () => {
    const svg = scatterPlot(series, {
      title: 'geometry', xLabel: '1 / density', yLabel: 'dimensions per feature',
      referenceLines: [{ y: 0.75, label: '3/4' }, { y: 0.4, label: '2/5' }, { y: 0.375, label: '3/8' }, { x: 100, label: 'x=100' }],
    });
    const root = checkSvg(svg, 'geometry');
    expect(elements(root, 'circle', 'point')).toHaveLength(4);
    expect(texts(root, 'legend-label')).toEqual(['features', 'mean']);
    expect(elements(root, 'line', 'reference-line')).toHaveLength(4);
    expect(texts(root, 'reference-label')).toEqual(['3/4', '2/5', '3/8', 'x=100']);
    expectNiceCover(yTicks(root), 0.375, 1);
    expectNiceCover(xTicks(root), 1, 300);
    // Close reference lines (2/5, 3/8) get labels at least a line apart.
    const labelY = elements(root, 'text', 'reference-label').slice(1, 3).map((text) => Number(text.attributes.y));
    expect(Math.abs(labelY[0] - labelY[1])).toBeGreaterThanOrEqual(10);
  });

  it('puts log-axis ticks at powers of ten and drops values ≤ 0 with a note', () => {
    const root = checkSvg(scatterPlot([{ label: 's', points: [{ x: 0.02, y: 3 }, { x: 500, y: 40 }, { x: 0, y: 1 }, { x: -3, y: 2 }, { x: 5, y: NaN }] }],
      { title: 'log', xLog: true, yLog: true }), 'log');
    expect(elements(root, 'circle', 'point')).toHaveLength(2);
    const x = xTicks(root);
    expectPowersOfTen(x);
    expect(Math.min(...x)).toBeLessThanOrEqual(0.02);
    expect(Math.max(...x)).toBeGreaterThanOrEqual(500);
    expectPowersOfTen(yTicks(root));
    const note = texts(root, 'plot-note')[0];
    expect(note).toContain('3 point(s) not drawn');
    expect(note).toContain('2 with x ≤ 0');
    expect(note).toContain('1 non-finite');
  });

  it('places points where the scales say: a single point sits inside a non-degenerate axis', () => {
    const root = checkSvg(scatterPlot([{ label: 'one', points: [{ x: 3, y: 3 }] }], { title: 'single' }), 'single');
    const ticks = yTicks(root);
    expect(Math.min(...ticks)).toBeLessThan(3);
    expect(Math.max(...ticks)).toBeGreaterThan(3);
    expect(elements(root, 'circle', 'point')).toHaveLength(1);
    expect(elements(root, 'g', 'legend')).toHaveLength(0);
  });

  it('is well-formed for any nasty input, on linear and log axes', () => {
    const point = fc.record({ x: nastyNumber, y: nastyNumber });
    fc.assert(fc.property(fc.array(point, { maxLength: 10 }), fc.boolean(), fc.boolean(), (points, xLog, yLog) => {
      const root = checkSvg(scatterPlot([{ label: 'p', points }], { title: 's', xLog, yLog, referenceLines: [{ y: 0, label: 'zero' }] }), 's');
      const drawable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!xLog || p.x > 0) && (!yLog || p.y > 0));
      expect(elements(root, 'circle', 'point')).toHaveLength(drawable.length);
    }), { numRuns: 60 });
  });
});

describe('lineChart', () => {
  it('draws one path per series with a legend, on a log y axis at powers of ten', () => {
    const loss: [number, number][] = Array.from({ length: 50 }, (_, i) => [i * 100, 2 * 0.9 ** i]);
    const l0: [number, number][] = Array.from({ length: 50 }, (_, i) => [i * 100, 0.5 * 0.95 ** i]);
    const root = checkSvg(lineChart([{ label: 'loss', points: loss }, { label: 'mse', points: l0 }], {
      title: 'training', xLabel: 'step', yLabel: 'loss', yLog: true,
    }), 'training');
    expect(elements(root, 'path', 'series-line')).toHaveLength(2);
    expect(texts(root, 'legend-label')).toEqual(['loss', 'mse']);
    expect(texts(root, 'axis-label')).toEqual(['step', 'loss']);
    const y = yTicks(root);
    expectPowersOfTen(y);
    expect(Math.min(...y)).toBeLessThanOrEqual(Math.min(...loss.map((p) => p[1])));
    expectNiceCover(xTicks(root), 0, 4900);
    // One move and 49 line segments per unbroken series.
    const d = elements(root, 'path', 'series-line')[0].attributes.d;
    expect(d.match(/M/g)).toHaveLength(1);
    expect(d.match(/L/g)).toHaveLength(49);
  });

  it('breaks the line at dropped points and dots isolated ones', () => {
    const points: [number, number][] = [[0, 1], [1, 2], [2, NaN], [3, 3], [4, -1], [5, 4], [6, 5]];
    const root = checkSvg(lineChart([{ label: 'a', points }], { title: 'gaps', yLog: true }), 'gaps');
    const d = elements(root, 'path', 'series-line')[0].attributes.d;
    // Runs: [0,1]; [3]; [5,6] → three moves, one isolated point drawn as a dot.
    expect(d.match(/M/g)).toHaveLength(3);
    expect(elements(root, 'circle', 'series-point')).toHaveLength(1);
    expect(texts(root, 'plot-note')[0]).toContain('1 non-finite; 1 with y ≤ 0');
  });

  it('survives empty input, a single point and flat lines', () => {
    const empty = checkSvg(lineChart([], { title: 'empty' }), 'empty');
    expect(elements(empty, 'path', 'series-line')).toHaveLength(0);
    const single = checkSvg(lineChart([{ label: 'one', points: [[5, 5]] }], { title: 'single' }), 'single');
    expect(elements(single, 'circle', 'series-point')).toHaveLength(1);
    const flat = checkSvg(lineChart([{ label: 'flat', points: [[0, 2], [1, 2], [2, 2]] }], { title: 'flat' }), 'flat');
    const ticks = yTicks(flat);
    expect(Math.max(...ticks)).toBeGreaterThan(Math.min(...ticks));
  });

  it('is well-formed for any nasty input', () => {
    const pair = fc.tuple(nastyNumber, nastyNumber);
    fc.assert(fc.property(fc.array(fc.array(pair, { maxLength: 8 }), { maxLength: 3 }), fc.boolean(), (all, yLog) => {
      checkSvg(lineChart(all.map((points, i) => ({ label: `s${i}`, points })), { title: 'l', yLog }), 'l');
    }), { numRuns: 60 });
  });
});

describe('arrowDiagram', () => {
  const pentagon = [0, 1, 2, 3, 4].map((i) => ({ x: Math.cos((2 * Math.PI * i) / 5), y: Math.sin((2 * Math.PI * i) / 5), label: `f${i}` }));

  it('draws one arrow per vector from the origin, with a legend and tip labels', () => {
    const root = checkSvg(arrowDiagram(pentagon, { title: 'pentagon', xLabel: 'h0', yLabel: 'h1' }), 'pentagon');
    const arrows = elements(root, 'line', 'arrow');
    expect(arrows).toHaveLength(5);
    expect(elements(root, 'polygon', 'arrowhead')).toHaveLength(5);
    expect(texts(root, 'legend-label')).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(texts(root, 'arrow-label')).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(texts(root, 'axis-label')).toEqual(['h0', 'h1']);
    const origins = new Set(arrows.map((arrow) => `${arrow.attributes.x1},${arrow.attributes.y1}`));
    expect(origins.size).toBe(1);
    expect(new Set(arrows.map((arrow) => arrow.attributes.stroke)).size).toBe(5);
  });

  it('uses equal axes: unit vectors along x and y have the same pixel length', () => {
    for (const size of [{}, { width: 700, height: 300 }, { width: 300, height: 600 }]) {
      const root = checkSvg(arrowDiagram([{ x: 1, y: 0, label: 'e0' }, { x: 0, y: 1, label: 'e1' }], { title: 'axes', ...size }), 'axes');
      const [along, up] = elements(root, 'polygon', 'arrowhead').map((head) => head.attributes.points.split(' ')[0].split(',').map(Number));
      const [line] = elements(root, 'line', 'arrow');
      const origin = [Number(line.attributes.x1), Number(line.attributes.y1)];
      expect(along[0] - origin[0]).toBeCloseTo(origin[1] - up[1], 0);
      expect(along[1]).toBeCloseTo(origin[1], 0);
      const xs = xTicks(root);
      expect(xs).toEqual(yTicks(root));
      expectNiceCover(xs, -1, 1);
    }
  });

  it('survives zero, non-finite and no vectors; draws the unit circle on request', () => {
    const root = checkSvg(arrowDiagram([{ x: 0, y: 0, label: 'dead' }, { x: NaN, y: 1, label: 'bad' }], { title: 'z', unitCircle: true }), 'z');
    expect(elements(root, 'line', 'arrow')).toHaveLength(1);
    expect(elements(root, 'polygon', 'arrowhead')).toHaveLength(0);
    expect(elements(root, 'circle', 'unit-circle')).toHaveLength(1);
    expect(texts(root, 'plot-note')[0]).toContain('1 vector');
    checkSvg(arrowDiagram([], { title: 'none' }), 'none');
  });
});

describe('the XML checker itself', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow();
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow();
    expect(() => parseXml('<svg a=1/>')).toThrow();
    expect(() => parseXml('<svg/><svg/>')).toThrow();
    expect(parseXml('<svg a="x &amp; y"><t>&lt;ok&gt;</t></svg>').children[0].text).toBe('<ok>');
  });
});
