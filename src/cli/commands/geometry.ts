/**
 * `superposition geometry`: many features in few dimensions (src/experiments/geometry.ts): per
 * instance, dimensions per feature against 1/density, and how many represented features' Dᵢ sit
 * at each named fraction of small polytopes, beside what chance would give. `--json` prints the
 * experiment's document; `--out DIR` also writes it as DIR/result.json beside
 * `sticky-fractions.svg` (`geometryPlots` in src/report/plots.ts).
 *
 * @module
 */
import { nearestFraction, STICKY_FRACTIONS } from '../../analysis/index.js';
import { FRACTION_TEXT, GEOMETRY_DEFAULTS, run, toJson } from '../../experiments/geometry.js';
import { geometryPlots } from '../../report/plots.js';
import { densityFlag, densityText, intFlag, numberFlag, toDensities } from '../args.js';
import { commonFlags, defineCommand, outFlag, writeOutFolder } from '../command.js';
import { formatNumber, formatTable } from '../format.js';
import { refuseOversize, toyModelBuffers } from '../limits.js';

/** How close dimensions per feature must be to a named fraction for the summary to name it. */
const NEAR = 0.05;

/** The named fraction within {@link NEAR} of dimensions per feature, as text, or nothing. */
function nearFraction(value: number | null): string {
  if (value === null) return '';
  const nearest = nearestFraction(value);
  return nearest.distance <= NEAR ? FRACTION_TEXT[nearest.name] : '';
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
    features: intFlag({ default: GEOMETRY_DEFAULTS.features, min: 1, help: 'n: features per instance' }),
    hidden: intFlag({ default: GEOMETRY_DEFAULTS.hidden, min: 1, help: 'm: hidden dimensions' }),
    instances: intFlag({ default: GEOMETRY_DEFAULTS.instances, min: 1, help: 'models trained side by side, one per density' }),
    importance: numberFlag({ default: GEOMETRY_DEFAULTS.importance, min: 0, exclusiveMin: true, placeholder: 'R', help: 'importance ratio r: feature i has importance r^i' }),
    density: densityFlag({ default: densityText(GEOMETRY_DEFAULTS.density), help: 'feature densities: a comma list, one per instance, or hi:lo spread log-evenly' }),
    steps: intFlag({ default: GEOMETRY_DEFAULTS.steps, min: 0, help: 'AdamW steps' }),
    batch: intFlag({ default: GEOMETRY_DEFAULTS.batch, min: 1, help: 'samples per step, per instance' }),
    lr: numberFlag({ default: GEOMETRY_DEFAULTS.lr, min: 0, exclusiveMin: true, defaultText: '3e-3', help: 'learning rate' }),
    tolerance: numberFlag({ default: GEOMETRY_DEFAULTS.tolerance, min: 0, help: 'how close D_i must be to a named fraction to count as sitting at it' }),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    refuseOversize(toyModelBuffers({ instances: flags.instances, batch: flags.batch, features: flags.features, hidden: flags.hidden }));
    const result = run({
      features: flags.features, hidden: flags.hidden, instances: flags.instances, importance: flags.importance,
      density: toDensities(flags.density), steps: flags.steps, batch: flags.batch, lr: flags.lr, tolerance: flags.tolerance, seed: flags.seed,
    }, progress);
    const { features: n, hidden: m, instances } = flags;
    const { instances: report, clusters: overall, inRange } = result;
    const json = `${JSON.stringify(toJson(result))}\n`;
    if (flags.out !== '') {
      const plotData = report.map((instance, k) => ({ ...instance, represented: result.representedValues[k] }));
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
      `(${names.map((name) => `${FRACTION_TEXT[name]}: ${overall[name]}`).join(', ')}); ` +
      `D_i spread evenly over that range would put ${Math.round(100 * inRange.chance)}% there. ` +
      `${overall.total - inRange.total} more represented features have D_i below the range.`,
    ];
    out(`${lines.join('\n')}\n`);
  },
});
