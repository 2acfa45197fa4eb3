/**
 * `superposition geometry`: many features in few dimensions (n = 200, m = 20 by default), one
 * instance per density from 1 down to 0.01, and the geometry the trained features take.
 *
 * Two measures, per instance:
 *
 *     dimensions per feature   m / ‖W‖_F²       against 1/p: it falls as the data get sparser,
 *                                               and lingers ("sticks") near 1 and near 1/2
 *     Dᵢ                       ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²   each feature's share of a dimension; the
 *                                               represented features' values cluster at the
 *                                               fractions of small polytopes: 1, 3/4, 2/3, 1/2,
 *                                               2/5, 3/8 (`STICKY_FRACTIONS`)
 *
 * A feature counts as represented when ‖Wᵢ‖ ≥ 0.5 (the threshold `classifyFeatures` uses); an
 * absent feature's Dᵢ is near 0 and says nothing about geometry.
 *
 * Is the clustering real? The named fractions span [3/8, 1]; below 3/8 (the sparsest instances,
 * where features crowd into larger, less regular arrangements) there is no named fraction to sit
 * at. So the summary takes the represented Dᵢ inside the fractions' range, [3/8 − tol, 1 + tol],
 * counts those within the tolerance `tol` of a named fraction, and sets that share beside the
 * share of the range the windows cover: what Dᵢ spread evenly over the range would give.
 *
 * Dense data with equal importances has no preferred features: the trained W spreads over all n
 * (each ‖Wᵢ‖² ≈ m/n), so no single feature counts as represented there, while dimensions per
 * feature is ≈ 1.
 *
 * JSON (`--json`):
 *
 *     {"features","hidden","importance","steps","batch","lr","seed","tolerance",
 *      "instances":[{"density","inverseDensity","loss","dimensionsPerFeature",
 *                    "represented","featureNorms":[n],"dimensionality":[n],
 *                    "clusters":{name: count,…,"unmatched"}}],
 *      "clusters":{name: count,…,"unmatched","total"},
 *      "inRange":{"lower","upper","total","matched","chance"},"seconds"}
 *
 * With `--out DIR`, the same document as DIR/result.json and `sticky-fractions.svg`
 * (`geometryPlots`): against 1/density on a log scale, each instance's dimensions per feature and
 * every represented feature's Dᵢ, with reference lines at the named fractions.
 *
 * @module
 */
import {
  clusterDimensionalities, dimensionsPerFeature, featureDimensionality, featureNorms, instanceWeights,
  nearestFraction, STICKY_FRACTIONS, type StickyName,
} from '../../analysis/index.js';
import { ToyModel, trainToyModel } from '../../models/tms.js';
import { densityFlag, intFlag, numberFlag, resolveDensities } from '../args.js';
import { scatterPlot } from '../../plot/index.js';
import { commonFlags, defineCommand, type OutFile, outFlag, writeOutFolder } from '../command.js';
import { refuseOversize, toyModelBuffers } from '../limits.js';
import { formatNumber, formatTable } from '../format.js';
import { progressInterval } from './tms.js';

/** A feature with ‖Wᵢ‖ below this is not represented (as in `classifyFeatures`). */
const REPRESENTED_NORM = 0.5;

/** How close dimensions per feature must be to a named fraction for the summary to name it. */
const NEAR = 0.05;

/** The named fraction within {@link NEAR} of dimensions per feature, as text, or nothing. */
function nearFraction(value: number | null): string {
  if (value === null) return '';
  const nearest = nearestFraction(value);
  return nearest.distance <= NEAR ? FRACTION_TEXT[nearest.name] : '';
}

/** Fractions written as people write them, for the summary. */
const FRACTION_TEXT: Record<StickyName, string> = {
  dedicated: '1', tetrahedron: '3/4', triangle: '2/3', digon: '1/2', pentagon: '2/5', 'square antiprism': '3/8',
};

/**
 * The range of the named fractions widened by `tolerance`, [3/8 − tol, 1 + tol], and the share of
 * it lying within `tolerance` of some named fraction: where Dᵢ spread evenly over the range would
 * land "at a fraction" by chance. (The windows of 2/5 and 3/8 overlap: the union is counted.)
 */
export function fractionWindows(tolerance: number): { lower: number; upper: number; chance: number } {
  const windows = STICKY_FRACTIONS
    .map(({ fraction }) => [fraction - tolerance, fraction + tolerance] as const)
    .sort((a, b) => a[0] - b[0]);
  const lower = windows[0][0];
  const upper = Math.max(...windows.map(([, end]) => end));
  let covered = 0;
  let reach = -Infinity;
  for (const [start, end] of windows) {
    const from = Math.max(start, reach);
    if (end > from) covered += end - from;
    reach = Math.max(reach, end);
  }
  return { lower, upper, chance: upper > lower ? covered / (upper - lower) : 1 };
}

/**
 * The sticky-fraction scatter: per instance, at x = 1/density, its dimensions per feature (null
 * for a model whose W is all zeros: left out) and the Dᵢ of its represented features, with a
 * reference line at each named fraction.
 */
export function geometryPlots(instances: readonly { density: number; dimensionsPerFeature: number | null; represented: readonly number[] }[]): OutFile[] {
  const perFeature = instances.flatMap((instance) => instance.represented.map((value) => ({ x: 1 / instance.density, y: value })));
  const perModel = instances.flatMap((instance) =>
    instance.dimensionsPerFeature === null ? [] : [{ x: 1 / instance.density, y: instance.dimensionsPerFeature }]);
  return [{
    name: 'sticky-fractions.svg',
    text: scatterPlot([
      { label: 'Dᵢ, per feature', points: perFeature },
      { label: 'm / ‖W‖²_F', points: perModel },
    ], {
      title: 'Feature geometry: dimensionality sticks at the fractions of small polytopes',
      xLabel: '1 / density', yLabel: 'dimensions per feature', xLog: true,
      referenceLines: STICKY_FRACTIONS.map(({ name, fraction }) => ({ y: fraction, label: `${FRACTION_TEXT[name]} ${name}` })),
    }),
  }];
}

/** The `geometry` command. */
export const geometryCommand = defineCommand({
  name: 'geometry',
  summary: 'feature geometry of n=200 features in m=20 dims: dimensions per feature and the sticky fractions',
  description:
    'Trains a ReLU toy model with many features in few dimensions, one instance per density ' +
    '(log-spaced from 1 to 0.01), all features equally important. Reports, per instance, dimensions ' +
    'per feature (m / ‖W‖²_F) against 1/density, which falls as the data get sparser and sticks ' +
    'near 1 and 1/2, and each feature\'s dimensionality D_i, whose values cluster at the fractions ' +
    'of small polytopes: 1, 3/4, 2/3, 1/2, 2/5, 3/8.',
  notes:
    'Run time: the slowest command, about 100 s with the defaults (20 instances of n=200, m=20 at ' +
    'batch 128: about 32 ms a step, 3000 steps, measured on a shared 2-core machine). A step at ' +
    'batch 1024 took about 0.27 s, so the paper-like --batch 1024 --lr 1e-3 --steps 10000 would take ' +
    'about 45 minutes. The defaults are the cheapest tried that reproduce the lesson: dimensions per feature ' +
    'near 1 for dense data and near 1/2 for 1/density ≈ 2 to 3.5, with most represented D_i there ' +
    'at 1/2, and 2/5 and 3/8 next. (2000 steps at lr 1e-2 blurred the clusters; 6000 steps at lr ' +
    '3e-3, batch 64 or 128, gave about the same picture as the defaults.)',
  flags: {
    features: intFlag({ default: 200, min: 1, help: 'n: features per instance' }),
    hidden: intFlag({ default: 20, min: 1, help: 'm: hidden dimensions' }),
    instances: intFlag({ default: 20, min: 1, help: 'models trained side by side, one per density' }),
    importance: numberFlag({ default: 1, min: 0, exclusiveMin: true, placeholder: 'R', help: 'importance ratio r: feature i has importance r^i' }),
    density: densityFlag({ default: '1:0.01', help: 'feature densities: a comma list, one per instance, or hi:lo spread log-evenly' }),
    steps: intFlag({ default: 3_000, min: 0, help: 'AdamW steps' }),
    batch: intFlag({ default: 128, min: 1, help: 'samples per step, per instance' }),
    lr: numberFlag({ default: 3e-3, min: 0, exclusiveMin: true, defaultText: '3e-3', help: 'learning rate' }),
    tolerance: numberFlag({ default: 0.02, min: 0, help: 'how close D_i must be to a named fraction to count as sitting at it' }),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const { features: n, hidden: m, instances } = flags;
    refuseOversize(toyModelBuffers({ instances, batch: flags.batch, features: n, hidden: m })); // before any allocation
    const densities = resolveDensities(flags.density, flags.instances);
    const model = new ToyModel({ kind: 'relu', instances, features: n, hidden: m, seed: flags.seed });
    const task = progress.task(`training ${instances} instances of n=${n}, m=${m}`, flags.steps);
    const result = trainToyModel(model, {
      density: densities, importance: flags.importance, steps: flags.steps, batch: flags.batch, lr: flags.lr,
      seed: flags.seed, lrSetting: '--lr', progressEvery: progressInterval(flags.steps, 200),
      onProgress: (step, loss) => task.update(step, `loss ${formatNumber(loss)}`),
    });
    task.finish();

    const representedValues: number[][] = []; // per instance, the Dᵢ of its represented features
    const report = densities.map((density, k) => {
      const W = instanceWeights(model.W, k);
      const norms = featureNorms(W);
      const dimensionality = featureDimensionality(W);
      const represented = dimensionality.filter((_, i) => norms[i] >= REPRESENTED_NORM);
      representedValues.push(represented);
      const clusters = clusterDimensionalities(represented, flags.tolerance);
      return {
        density,
        inverseDensity: 1 / density,
        loss: result.finalLoss[k],
        dimensionsPerFeature: norms.some((norm) => norm > 0) ? dimensionsPerFeature(W) : null,
        represented: represented.length,
        featureNorms: norms,
        dimensionality,
        clusters: { ...clusters.counts, unmatched: clusters.unmatched },
      };
    });
    const overall = clusterDimensionalities(representedValues.flat(), flags.tolerance);
    const windows = fractionWindows(flags.tolerance);
    const inRangeClusters = clusterDimensionalities(
      representedValues.flat().filter((value) => value >= windows.lower && value <= windows.upper), flags.tolerance);
    const inRange = {
      lower: windows.lower, upper: windows.upper, total: inRangeClusters.total,
      matched: inRangeClusters.total - inRangeClusters.unmatched, chance: windows.chance,
    };

    const json = `${JSON.stringify({
      features: n, hidden: m, importance: flags.importance, steps: flags.steps, batch: flags.batch, lr: flags.lr,
      seed: flags.seed, tolerance: flags.tolerance, instances: report,
      clusters: { ...overall.counts, unmatched: overall.unmatched, total: overall.total }, inRange,
      seconds: result.seconds,
    })}\n`;
    if (flags.out !== '') {
      const plotData = report.map((instance, k) => ({ ...instance, represented: representedValues[k] }));
      writeOutFolder(flags.out, json, geometryPlots(plotData), context);
    }
    if (flags.json) {
      out(json);
      return;
    }

    const names = STICKY_FRACTIONS.map((s) => s.name);
    const header = ['density', '1/density', 'loss', 'dims/feature', 'nearest', 'represented', ...names.map((name) => `D=${FRACTION_TEXT[name]}`), 'other'];
    const rows = report.map((instance) => [
      formatNumber(instance.density), formatNumber(instance.inverseDensity), formatNumber(instance.loss),
      instance.dimensionsPerFeature === null ? '–' : instance.dimensionsPerFeature.toFixed(3),
      nearFraction(instance.dimensionsPerFeature),
      String(instance.represented),
      ...names.map((name) => String(instance.clusters[name])),
      String(instance.clusters.unmatched),
    ]);
    const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((100 * part) / whole)}%`;
    const lines = [
      `Feature geometry: ${n} features in ${m} dims, importance ${flags.importance}^i, ${instances} instances, ` +
      `${flags.steps} steps of batch ${flags.batch}, lr ${flags.lr}, seed ${flags.seed} (${result.seconds.toFixed(1)} s)`,
      '',
      formatTable(header, rows, [4]),
      `dims/feature = m / ‖W‖²_F, with the named fraction it is within ${NEAR} of; the D=… columns count ` +
      `represented features (‖W_i‖ ≥ 0.5) whose D_i lies within ${flags.tolerance} of that fraction.`,
      '',
      `Of the ${inRange.total} represented features with D_i in the fractions' range ` +
      `[${formatNumber(inRange.lower)}, ${formatNumber(inRange.upper)}], ${inRange.matched} ` +
      `(${percent(inRange.matched, inRange.total)}) sit at a named fraction ` +
      `(${names.map((name) => `${FRACTION_TEXT[name]}: ${overall.counts[name]}`).join(', ')}); ` +
      `D_i spread evenly over that range would put ${Math.round(100 * inRange.chance)}% there. ` +
      `${overall.total - inRange.total} more represented features have D_i below the range.`,
    ];
    out(`${lines.join('\n')}\n`);
  },
});
