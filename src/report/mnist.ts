/**
 * The report's two sections on the digit classifier, built from a {@link MnistResult}:
 *
 * - the **opening** (the symptom): the real network's neurons, each with the held-out digits that
 *   drive it hardest, their classes mixed; the purity of every neuron; the mean activation per
 *   class; and an honest look at why: strokes shared between digits;
 * - the **closing** (the cure): the SAE on the same hidden layer, its latents' purity beside the
 *   neurons', dashboard cards for the most frequent live latents, and steering with a latent's
 *   direction.
 *
 * Plus {@link mnistPlots}, the same drawings as named SVG files for `superposition mnist --out`.
 * Digits are drawn by {@link digitGrid} (PNG inside SVG).
 *
 * @module
 */
import { type LatentReport, type MnistResult, STEERING_STRENGTHS, type UnitReport } from '../experiments/mnist.js';
import { barChart } from '../plot/bars.js';
import { digitGrid, type DigitCell, pixelMaps } from '../plot/digits.js';
import { heatmap } from '../plot/heatmap.js';
import type { ReportBlock, ReportFigure, ReportSection } from '../plot/report.js';
import { formatPlotNumber } from '../plot/svg.js';
import type { OutFile } from './plots.js';

const PIXELS = 784;
/** Neurons shown in the opening: the first ones that fire on enough held-out digits, in order, not chosen. */
const NEURONS_SHOWN = 6;
/** Digits per top-image grid. */
const GRID_DIGITS = 12;

function digitPixels(result: MnistResult, image: number): Float32Array {
  return result.heldOutImages.subarray(image * PIXELS, (image + 1) * PIXELS);
}

function cellsOf(result: MnistResult, images: readonly number[]): DigitCell[] {
  return images.map((image) => ({ pixels: digitPixels(result, image), caption: String(result.heldOutLabels[image]) }));
}

function percent(value: number): string {
  return `${Math.round(100 * value)}%`;
}

/** "4×7, 3×9, 1×1": the class counts of a unit's top examples, most first. */
function classList(unit: UnitReport): string {
  return unit.mix.counts.map((count, c) => ({ count, c })).filter((e) => e.count > 0)
    .sort((a, b) => b.count - a.count || a.c - b.c).map((e) => `${e.count}×${e.c}`).join(', ');
}

function topGrid(result: MnistResult, unit: UnitReport, what: string): ReportFigure {
  const shown = unit.topExamples.slice(0, GRID_DIGITS);
  return {
    svg: digitGrid(cellsOf(result, shown), { title: `${what} ${unit.index}: its top ${shown.length} held-out digits`, columns: 6 }),
    caption: `${what} ${unit.index}. Its top ${unit.mix.total}: ${classList(unit)}. Purity ${percent(unit.mix.purity)}, ` +
      `${unit.mix.classesToCover} class${unit.mix.classesToCover === 1 ? '' : 'es'} to cover 80%, entropy ${formatPlotNumber(unit.mix.entropyBits, 2)} bits.`,
  };
}

/** Shares of units per purity bin (0.1 wide; the last bin holds 1). */
function purityBars(purities: readonly number[]): { label: string; value: number }[] {
  const counts = new Array<number>(10).fill(0);
  for (const p of purities) counts[Math.min(9, Math.floor(p * 10 + 1e-9))]++;
  return counts.map((count, bin) => ({ label: `${bin / 10}–${(bin + 1) / 10}`, value: purities.length === 0 ? 0 : count / purities.length }));
}

function purityChart(purities: readonly number[], title: string, topK: number): string {
  return barChart(purityBars(purities), { title, xLabel: `purity of the top ${topK} held-out digits`, yLabel: 'share of units', width: 420, height: 280 });
}

function logitChart(latent: LatentReport): string {
  return barChart(latent.logitWeights.map((value, c) => ({ label: String(c), value })), {
    title: `Latent ${latent.index}: logit weights`, xLabel: 'digit', yLabel: 'Δ logit per unit', width: 300, height: 220,
    colorValues: latent.logitWeights, colorLabel: 'Δ logit',
  });
}

function histogramChart(latent: LatentReport): string {
  const { edges, counts } = latent.histogram;
  return barChart(counts.map((value, b) => ({ label: formatPlotNumber((edges[b] + edges[b + 1]) / 2, 2), value })), {
    title: `Latent ${latent.index}: activations (fires on ${percent(latent.density)})`, xLabel: 'activation', yLabel: 'held-out digits',
    width: 300, height: 220,
  });
}

function cardSamples(result: MnistResult, latent: LatentReport): string {
  const cells: DigitCell[] = [];
  for (const image of latent.topExamples.slice(0, 6)) cells.push({ pixels: digitPixels(result, image), caption: `${result.heldOutLabels[image]} top` });
  for (const band of latent.quantiles.slice(1)) {
    for (const image of band.indices.slice(0, 2)) {
      cells.push({ pixels: digitPixels(result, image), caption: `${result.heldOutLabels[image]} @${formatPlotNumber(band.low, 2)}` });
    }
  }
  return digitGrid(cells, { title: `Latent ${latent.index}: top digits, then samples from lower activation bands`, columns: 6 });
}

/** The opening section: the neurons of a real network are polysemantic. */
export function mnistOpeningSection(result: MnistResult, command: string): ReportSection {
  const { config, comparison, neurons } = result;
  const comparable = neurons.filter((n) => n.fires >= config.topK);
  const mixed = comparable.filter((n) => n.mix.purity < 0.8).length;
  const shown = comparable.slice(0, NEURONS_SHOWN);
  const stroke = result.sharedStroke;
  const strokeNeuron = neurons[stroke.neuron];
  const blocks: ReportBlock[] = [
    { kind: 'paragraph', text: `Start with a real network. An MLP reads 28×28 handwritten digits through ${config.hidden} hidden ReLU neurons into ten logits; trained on ${config.train} digits of the \`mnist\` package, it classifies ${percent(result.accuracy)} of ${config.heldOut} held-out digits right. ${config.hidden} neurons is few for this job: there are far more useful strokes, loops and slants at different places than neurons, so each neuron has to serve several.` },
    { kind: 'paragraph', text: `Look inside the way interpretability researchers first did: for each neuron, the held-out digits that drive it hardest. If a neuron meant "a 7", its top digits would all be 7s. A few neurons come close; most do not: ${mixed} of the ${comparable.length} neurons that fire on at least ${config.topK} held-out digits have less than 80% of their top ${config.topK} in any one class. Below are the first ${shown.length} of them, in order, not picked; the caption under each digit is its true class.` },
    { kind: 'figures', figures: shown.map((neuron) => topGrid(result, neuron, 'Neuron')), columns: 3 },
    {
      kind: 'facts', facts: [
        { label: 'held-out accuracy', value: percent(result.accuracy) },
        { label: `neuron purity (share of its top ${config.topK} in one class)`, value: `mean ${percent(comparison.neurons.mean)}, median ${percent(comparison.neurons.median)} over ${comparison.neurons.count} neurons` },
        { label: 'classes to cover 80% of a neuron\'s top digits', value: `median ${median(neurons.filter((n) => n.fires >= config.topK).map((n) => n.mix.classesToCover))}` },
        { label: 'class entropy of the top digits', value: `mean ${formatPlotNumber(mean(neurons.filter((n) => n.fires >= config.topK).map((n) => n.mix.entropyBits)), 3)} bits (one class: 0; ten even: 3.32)` },
      ],
    },
    {
      kind: 'figures', columns: 1, maxWidth: 1100, figures: [{
        svg: heatmap(Array.from({ length: 10 }, (_, c) => neurons.map((n) => n.meanByClass[c])), {
          title: 'Mean activation of every neuron on each digit (held out)', rowLabels: Array.from({ length: 10 }, (_, c) => String(c)),
          colLabels: neurons.map((n) => String(n.index)), domain: [0, Math.max(...neurons.flatMap((n) => n.meanByClass.filter(Number.isFinite)))],
          legendLabel: 'mean activation', xLabel: 'neuron', yLabel: 'digit', width: 1080, height: 320,
        }),
        caption: 'Read a column: most neurons respond to several digits, at different strengths. Read a row: every digit is spread over many neurons.',
      }],
    },
    { kind: 'paragraph', text: `An honest caveat. On digits, part of what "polysemantic" means is strokes that digits share. Neuron ${stroke.neuron}, the least pure (its top ${strokeNeuron.mix.total}: ${classList(strokeNeuron)}), has input weights (red: ink there drives it up; blue: down) that overlap the average of its top digits of each class about equally (cosine with its positive weights: ${stroke.classes.map((c, i) => `${c}: ${formatPlotNumber(stroke.overlap[i], 2)}`).join(', ')}). The neuron may be one stroke detector, and the stroke belongs to several digits. Some of its mixing is a real single feature that the class labels split; the purity measure cannot tell the two apart, which is why the SAE's latents are compared on the same measure, not against an ideal of 100%.` },
    {
      kind: 'figures', columns: 1, maxWidth: 560, figures: [{
        svg: pixelMaps([
          { values: stroke.weights, caption: `neuron ${stroke.neuron} weights` },
          ...stroke.classes.map((c, i) => ({ values: stroke.meanImages[i], caption: `mean of its top ${c}s` })),
        ], { title: `Neuron ${stroke.neuron}: its weights beside its top digits, averaged per class` }),
        caption: 'The first panel is the neuron\'s input weights; the others are the mean of its top digits of each class (red is ink). Where their ink falls on its red weights, they share its stroke.',
      }],
    },
    { kind: 'command', text: command },
  ];
  return { id: 'mnist-neurons', title: 'The symptom: neurons of a real digit classifier', blocks };
}

/** The closing section: an SAE on the same hidden layer un-mixes the neurons. */
export function mnistClosingSection(result: MnistResult, command: string): ReportSection {
  const { config, comparison, sae } = result;
  const cards = result.cardLatents.map((index) => result.latents[index]);
  const blocks: ReportBlock[] = [
    { kind: 'paragraph', text: `Back to the digit classifier from the start. A TopK SAE (${config.latents} latents, ${config.k} active per digit, ${config.latents / config.hidden}× the ${config.hidden} neurons) is trained on its hidden vectors and read on the held-out ones. Each latent is a direction in the hidden space; the question is whether its top digits are purer than a neuron's.` },
    {
      kind: 'facts', facts: [
        { label: 'fraction of variance explained (held out)', value: formatPlotNumber(sae.fve, 3) },
        { label: 'L0 (latents active per digit)', value: formatPlotNumber(sae.l0, 3) },
        { label: 'live latents (fire on some held-out digit)', value: `${sae.alive} of ${config.latents}; ${sae.dead} dead` },
        { label: `purity, neurons (${comparison.neurons.count})`, value: `mean ${percent(comparison.neurons.mean)}, median ${percent(comparison.neurons.median)}` },
        { label: `purity, live latents firing on ≥ ${config.topK} digits (${comparison.latents.count})`, value: `mean ${percent(comparison.latents.mean)}, median ${percent(comparison.latents.median)}` },
      ],
    },
    {
      kind: 'figures', heading: 'The same measure, side by side', columns: 2, figures: [
        { svg: purityChart(comparison.neuronPurity, `Neurons (${comparison.neurons.count})`, config.topK), caption: `Purity of the ${comparison.neurons.count} neurons (of ${config.hidden}) that fire on at least ${config.topK} held-out digits: mean ${percent(comparison.neurons.mean)}.` },
        { svg: purityChart(comparison.latentPurity, `Live latents (${comparison.latents.count})`, config.topK), caption: `Purity of the live latents that fire on at least ${config.topK} held-out digits (rarer ones would look pure by luck): mean ${percent(comparison.latents.mean)}.` },
      ],
    },
    { kind: 'paragraph', text: `Dead latents are the usual cost: ${sae.dead} of ${config.latents} never fire on a held-out digit in this short run (AuxK gives them a gradient, but ${config.saeSteps} steps is little). Below, the cards of the ${cards.length} live latents that fire most often (chosen by frequency, not by purity), as SAE dashboards draw them.` },
  ];
  for (const latent of cards) {
    const order = latent.logitWeights.map((value, c) => ({ value, c })).sort((a, b) => b.value - a.value);
    blocks.push({
      kind: 'figures', heading: `Latent ${latent.index}: top ${latent.mix.total} ${classList(latent)}; purity ${percent(latent.mix.purity)}`, columns: 3, figures: [
        { svg: cardSamples(result, latent), caption: `Top digits, then two from each lower quarter of its activations (the caption gives the class and the band's lowest activation).` },
        { svg: logitChart(latent), caption: `Its decoder direction through the output layer: pushes ${order[0].c} and ${order[1].c} up, ${order[9].c} down. Nearest latents by decoder cosine: ${latent.nearest.map((n) => `${n.index} (${formatPlotNumber(n.cosine, 2)})`).join(', ')}.` },
        { svg: histogramChart(latent), caption: `Its nonzero activations on the held-out digits; it fires on ${latent.fires} of ${config.heldOut}.` },
      ],
    });
  }
  // Strokes again: how many of the card latents' lower-band samples are other digits than the latent's class.
  let lowerSamples = 0;
  let otherDigits = 0;
  for (const latent of cards) {
    for (const band of latent.quantiles.slice(1)) {
      for (const image of band.indices) {
        lowerSamples++;
        if (result.heldOutLabels[image] !== latent.mix.majorityClass) otherDigits++;
      }
    }
  }
  if (lowerSamples > 0) {
    blocks.push({ kind: 'paragraph', text: `Strokes again: a latent is purest at its strongest. Of the ${lowerSamples} samples these cards draw from the lower three quarters of their activations, ${otherDigits} (${percent(otherDigits / lowerSamples)}) are other digits than the latent's class (the cards above show them, class first under each digit; look at what they share with the top ones). A latent is a direction in the hidden space, and the digit class is only our name for it.` });
  }
  const rows = result.steering.map((s) => [String(s.latent), String(s.targetClass), String(s.images.length), ...s.flippedToTarget.map(percent)]);
  blocks.push(
    { kind: 'paragraph', text: 'Steering: add a latent\'s decoder direction, scaled by s times its largest held-out activation, to the hidden vector of digits of other classes that the network gets right, and read the new prediction. If the latent means its class, the predictions should turn into that class as s grows.' },
    { kind: 'table', caption: 'Share of steered digits now predicted as the latent\'s class', header: ['latent', 'its class', 'digits', ...result.steering[0]?.strengths.map((s) => `s = ${s}`) ?? []], rows, numeric: [true, true, true, true, true, true, true] },
  );
  // The card latent that steers best at s = 1 (the table above shows them all).
  const at = STEERING_STRENGTHS.indexOf(1);
  const example = [...result.steering].sort((a, b) => b.flippedToTarget[at] - a.flippedToTarget[at] || a.latent - b.latent)[0];
  if (example !== undefined) {
    const shownImages = example.images.slice(0, 12);
    blocks.push({
      kind: 'figures', columns: 1, maxWidth: 760, figures: [{
        svg: digitGrid(shownImages.map((image, i) => ({
          pixels: digitPixels(result, image), caption: `${result.heldOutLabels[image]}→${example.predictions[at][i]}`,
          captionColor: example.predictions[at][i] === example.targetClass ? '#b2182b' : undefined,
        })), { title: `Adding latent ${example.latent} (s = 1) to digits that are not ${example.targetClass}`, columns: 12 }),
        caption: `The card latent that steers best at s = 1. Each caption: true class → prediction after adding latent ${example.latent}'s direction at s = 1 (red: now predicted ${example.targetClass}).`,
      }],
    });
  }
  blocks.push({ kind: 'command', text: command });
  return { id: 'mnist-sae', title: 'The cure: an SAE un-mixes the digit classifier\'s neurons', blocks };
}

/** The drawings as named SVG files, for `--out`. */
export function mnistPlots(result: MnistResult): OutFile[] {
  const files: OutFile[] = [];
  for (const neuron of result.neurons.filter((n) => n.fires >= result.config.topK).slice(0, NEURONS_SHOWN)) files.push({ name: `neuron-${neuron.index}-top.svg`, text: topGrid(result, neuron, 'Neuron').svg });
  files.push({ name: 'purity-neurons.svg', text: purityChart(result.comparison.neuronPurity, 'Neurons', result.config.topK) });
  files.push({ name: 'purity-latents.svg', text: purityChart(result.comparison.latentPurity, 'Live latents', result.config.topK) });
  for (const index of result.cardLatents) {
    const latent = result.latents[index];
    files.push({ name: `latent-${index}-samples.svg`, text: cardSamples(result, latent) });
    files.push({ name: `latent-${index}-logits.svg`, text: logitChart(latent) });
    files.push({ name: `latent-${index}-histogram.svg`, text: histogramChart(latent) });
  }
  return files;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
