/**
 * `superposition lesson` (what `npm start` runs): the whole lesson on built-in settings
 * (src/experiments/lesson.ts), in about a minute on two cores, ending in a plain-language summary
 * on stdout and a self-contained HTML report (`out/lesson/index.html`, drawn by
 * src/report/lesson.ts, with `lesson.json` beside it, and `explore.html`, the live page that
 * `npm run build` makes, which the report links to). `--fast` runs every act in a few dozen
 * steps: the plumbing, not the science.
 *
 * Nothing half-written: the report is built in memory and written with
 * {@link writeDirectoryAtomically} (a temporary folder beside `--out`, then a rename).
 *
 * @module
 */
import { STICKY_FRACTIONS } from '../../analysis/index.js';
import { FRACTION_TEXT } from '../../experiments/geometry.js';
import { FAST_PLAN, FULL_PLAN, type LessonFigures, type LessonHooks, run, toJson } from '../../experiments/lesson.js';
import { LESSON_FILES, lessonPage } from '../../report/lesson.js';
import { booleanFlag, CliUsageError, stringFlag } from '../args.js';
import { checkOutFolder, type DirectoryIO, nodeDirectoryIO, writeDirectoryAtomically } from '../atomic.js';
import { type CommandContext, commonFlags, defineCommand } from '../command.js';
import { formatNumber } from '../format.js';
import { EXPLORE_FILE, readBuiltExplorable } from '../explorable.js';
import { loadMnistDigits, MNIST_INSTALL_HINT } from '../mnist-data.js';
import { packageVersion } from '../node-io.js';

// The lesson's figures and test hooks are typed in the experiment; tests read them from here.
export type { LessonFigures, LessonHooks };

/** The plain-language summary printed on stdout (every figure in it is also in lesson.json). */
export function formatLessonSummary(figures: LessonFigures, reportPath: string): string {
  const { trainingStep: step, polysemanticity: poly, superposition: sup, phase, geometry, sae } = figures;
  const list = (values: readonly number[]): string => values.map((value) => formatNumber(value)).join(', ');
  const { inRange } = geometry;
  const percent = inRange.total === 0 ? 0 : Math.round((100 * inRange.matched) / inRange.total);
  const names = STICKY_FRACTIONS.map((fraction) => fraction.name);
  const { ablation, clamp } = sae.steering;
  const sparsest = sup.sparsest;
  const mnist = figures.mnist;
  const pct = (value: number): string => `${Math.round(100 * value)}%`;
  const lines = [
    `The lesson: polysemanticity, superposition and sparse autoencoders (seed ${figures.seed}${figures.fast ? ', --fast: too few steps to show the science' : ''}, ` +
      `${figures.seconds.total.toFixed(1)} s)`,
    '',
    ...(mnist === null ? [`A real network: left out (the mnist digits are not installed; ${MNIST_INSTALL_HINT}).`, ''] : [
      `A real network. A digit classifier (${pct(mnist.accuracy)} held-out accuracy): the top 20 held-out digits of its neurons are on average ` +
        `${pct(mnist.neuronPurity.mean)} one digit (median ${pct(mnist.neuronPurity.median)}, ${mnist.neuronPurity.count} neurons).`,
      '',
    ]),
    `Inside one training step: ${step.forwardOps} forward ops and ${step.backwardOps} backward ops on a batch of ` +
      `[${step.instances},${step.batch},${step.features}] features; the graph has ${step.graph.vertices} vertices.`,
    '',
    `Act 1, polysemantic neurons. A hidden-ReLU model stores ${poly.features} features in ${poly.hidden} neurons.`,
    `  densities:            ${list(poly.densities)}`,
    `  polysemantic neurons: ${poly.polysemanticNeurons.join(', ')} (of ${poly.hidden})`,
    poly.polysemanticNeurons[poly.polysemanticNeurons.length - 1] > poly.polysemanticNeurons[0]
      ? '  As features get sparser, each neuron serves several features: a neuron is not a concept.'
      : '  (This run does not show polysemantic neurons rising with sparsity: too few steps?)',
    '',
    `Act 2, superposition. ${sup.features} features in ${sup.hidden} dimensions.`,
    `  densities:                       ${list(sup.densities)}`,
    `  features stored, ReLU model:     ${sup.relu.represented.join(', ')}`,
    `  features stored, linear model:   ${sup.linear.represented.join(', ')}`,
    `  sparsest ReLU instance: ${sparsest.represented} features stored` +
      (sparsest.angleGaps.length > 0 ? `, ${sparsest.angleGaps.map((gap) => `${Math.round(gap)}°`).join(', ')} apart` : '') +
      (sparsest.pentagon ? ': a pentagon' : ''),
    Math.max(...sup.relu.represented) > sup.hidden && Math.max(...sup.linear.represented) <= sup.hidden
      ? '  The ReLU model packs more features than dimensions once they are sparse; the linear model never does.'
      : `  (This run does not show the ReLU model alone storing more than ${sup.hidden} features: too few steps?)`,
    '',
    'Act 3, features are directions.',
    `  phase diagram (n=2, m=1, ${phase.grid}×${phase.grid} cells): trained agrees with theory in ${phase.agree} of ${phase.cells} cells ` +
      `(${phase.interiorAgree} of ${phase.interiorCells} away from the boundaries)`,
    `  geometry (${geometry.features} features in ${geometry.hidden} dims): ${inRange.matched} of ${inRange.total} represented features ` +
      `(${percent}%) with D_i in the fractions' range sit at a named fraction, where chance gives ${Math.round(100 * inRange.chance)}%`,
    `  by fraction: ${names.map((name) => `${FRACTION_TEXT[name]}: ${geometry.clusters[name] ?? 0}`).join(', ')}`,
    '',
    `Act 4, un-mixing with an SAE. ${sae.latents} latents on the hidden activations of a toy model of ${sae.trueFeatures} features.`,
    `  L0 ${formatNumber(sae.l0)}, FVE ${sae.fve === null ? '–' : formatNumber(sae.fve, 4)}, dead latents ${sae.dead} of ${sae.latents}, ` +
      `MMCS ${sae.mmcs === null ? '–' : formatNumber(sae.mmcs.trueToLearned, 4)}, features recovered ${sae.recovered ?? '–'} of ${sae.trueFeatures}`,
    `  steering: feature 0 alone fired latent ${ablation.latent} (≈ feature ${ablation.feature}, cos ${ablation.cosine.toFixed(3)}); ` +
      `ablating it moved output ${ablation.target.feature} from ${ablation.target.reconstruction.toFixed(3)} to ${ablation.target.steered.toFixed(3)}`,
    `  with no feature present, clamping latent ${clamp.latent} (≈ feature ${clamp.feature}) to ${clamp.after.toFixed(3)} moved output ${clamp.target.feature} ` +
      `from ${clamp.target.reconstruction.toFixed(3)} to ${clamp.target.steered.toFixed(3)}`,
    '',
    ...(mnist === null ? [] : [
      `Back to the digit classifier: a TopK SAE on its hidden layer (FVE ${formatNumber(mnist.fve, 3)}, L0 ${formatNumber(mnist.l0)}, ` +
        `${mnist.alive} live and ${mnist.dead} dead latents). Its live latents' top 20 digits are on average ${pct(mnist.latentPurity.mean)} one digit ` +
        `(median ${pct(mnist.latentPurity.median)}, ${mnist.latentPurity.count} latents), against ${pct(mnist.neuronPurity.mean)} for the neurons.`,
      '',
    ]),
    `Report: ${reportPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The file system the lesson writes with: the context's `files` (main passes `CliIO.files`), else Node's. */
function directoryIO(context: CommandContext): DirectoryIO {
  return context.files ?? nodeDirectoryIO();
}

/** The package's version for the report's header, or null where package.json cannot be read. */
function versionOrNull(): string | null {
  try {
    return packageVersion();
  } catch {
    return null;
  }
}

/** Test hooks (see {@link LessonHooks}); empty outside tests. */
export const lessonHooks: LessonHooks = {};

/** The `lesson` command. */
export const lessonCommand = defineCommand({
  name: 'lesson',
  summary: 'the whole lesson in four acts (what npm start runs): a summary here, an HTML report in out/lesson',
  description:
    'Runs the whole lesson on built-in settings. It opens on a real network (a digit classifier whose neurons are polysemantic; ' +
    'needs the mnist package, a devDependency) and closes with an SAE that un-mixes it; between them, a look inside one training step, then four acts. 1 polysemantic neurons ' +
    '(the hidden-ReLU model), 2 superposition (5 features in 2 dimensions, ReLU beside linear), 3 features are directions (the ' +
    'phase diagram beside theory, the sticky fractions of feature geometry), 4 un-mixing with a sparse autoencoder (recovery and ' +
    'steering). Prints what each act found, and writes a self-contained HTML report (inline SVG, no scripts, opens from disk) ' +
    'and lesson.json into --out, replacing what an earlier run left there, with explore.html beside them (built by npm run build): ' +
    'the toy model training live in a browser, which the report links to.',
  notes:
    'Run time: about 55 s with the built-in plan, measured on a busy shared 2-core machine (the reduced geometry, 100 features in ' +
    '10 dims, takes 22 s of it); --fast takes under a second and shows the plumbing, not the science. Each act in the report ' +
    'names the subcommand line that reproduces it.\n' +
    'Example: npm start (that is, superposition lesson), then open out/lesson/index.html',
  flags: {
    out: stringFlag({ default: 'out/lesson', placeholder: 'DIR', help: 'the folder for index.html, lesson.json and explore.html (replaced whole, atomically)' }),
    fast: booleanFlag({ help: 'a few dozen steps per act: seconds instead of a minute, for tests (too few steps to show the science)' }),
    ...commonFlags(),
  },
  run(flags, context) {
    const files = directoryIO(context);
    const refusal = checkOutFolder(flags.out, files, { force: context.force });
    if (refusal !== null) throw new CliUsageError(`--out cannot be replaced: ${refusal}`);
    let digits = null;
    try {
      digits = loadMnistDigits();
    } catch (error) {
      // The lesson still runs without the digits (a library user may not have the devDependency); it says what it left out.
      if (!(error instanceof CliUsageError)) throw error;
      context.progress.note(`leaving out the real network: ${error.message}`);
    }
    const result = run({ plan: flags.fast ? FAST_PLAN : FULL_PLAN, seed: flags.seed, fast: flags.fast, hooks: lessonHooks, digits }, context.progress);
    const json = `${JSON.stringify(toJson(result))}\n`;
    const reportPath = `${flags.out.replace(/[/\\]+$/, '')}/${LESSON_FILES.report}`;
    // The live page is built with the package (npm run build); copied here so the report can link to it.
    const explorable = readBuiltExplorable();
    if (explorable === null) context.progress.note(`${EXPLORE_FILE} is not built (npm run explore builds it), so the report does not link to it`);
    writeDirectoryAtomically(flags.out, {
      [LESSON_FILES.report]: lessonPage(result, versionOrNull(), explorable === null ? null : EXPLORE_FILE), [LESSON_FILES.json]: json,
      ...(explorable === null ? {} : { [EXPLORE_FILE]: explorable }),
    }, files, { force: context.force });
    if (flags.json) {
      context.out(json);
      context.progress.note(`wrote ${reportPath} and ${LESSON_FILES.json}`);
      return;
    }
    context.out(formatLessonSummary(result.figures, reportPath));
  },
});
