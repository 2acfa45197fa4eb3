/**
 * `superposition steer`: "name and steer" (src/experiments/steer.ts). Trains a toy model and an
 * SAE on one instance's hidden activations (the same flags and defaults as `sae --source tms`),
 * then encodes one input with the features `--present` (default feature 0 alone, at 1), edits one
 * latent (`--latent J`, default the closest to the first present feature: set to `--value V`, or
 * to 0 with `--ablate`, the default edit), and reports which of the toy model's outputs changed.
 * `--json` prints the experiment's document; `--out DIR` also writes it as DIR/result.json beside
 * the plots (`steerPlots` in src/report/plots.ts).
 *
 * @module
 */
import { formatSteeringReport } from '../../analysis/index.js';
import { type PresentFeatures, run, STEER_DEFAULTS, toJson } from '../../experiments/steer.js';
import { steerPlots } from '../../report/plots.js';
import { booleanFlag, CliUsageError, type FlagSpec, intFlag, numberFlag } from '../args.js';
import { commonFlags, defineCommand, outFlag, writeOutFolder } from '../command.js';
import { formatNumber } from '../format.js';
import { EVALUATION_SAMPLES } from '../../experiments/sae.js';
import { refuseOversize, saeBuffers, TOY_SIZE_FLAGS, toyModelBuffers } from '../limits.js';
import { saeFlags, saeTrainingOptions, toyModelFlags, toySourceOptions } from '../sae-flags.js';

/**
 * A flag listing the features present in the input: `0,2` (value 1 each) or `0=0.7,2=0.4`. The
 * indices are checked against n later, once it is known. Empty means the default.
 */
export function presentFlag(options: { help: string; defaultText: string }): FlagSpec<PresentFeatures | null> {
  const allowed = 'a comma list of distinct feature indices, each optionally with its value: 0,2 or 0=0.7,2=0.4';
  return {
    placeholder: 'I[=V],…', allowed, default: null, defaultText: options.defaultText, help: options.help, isBoolean: false,
    read(text) {
      const indices: number[] = [];
      const values: number[] = [];
      for (const item of text.split(',')) {
        const match = /^\s*(\d+)\s*(?:=\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*)?$/i.exec(item);
        if (match === null) return { error: `must be ${allowed}`, got: item };
        const index = Number(match[1]);
        const value = match[2] === undefined ? 1 : Number(match[2]);
        if (!Number.isSafeInteger(index)) return { error: `must be ${allowed}`, got: item };
        if (!Number.isFinite(value) || value === 0) return { error: 'values must be finite and not 0 (a present feature is non-zero)', got: item };
        if (indices.includes(index)) return { error: `lists feature ${index} twice`, got: text };
        indices.push(index);
        values.push(value);
      }
      return { value: { indices, values } };
    },
  };
}

/** The `steer` command. */
export const steerCommand = defineCommand({
  name: 'steer',
  summary: 'name and steer: edit one SAE latent and see which of the toy model\'s outputs change',
  description:
    'Trains a toy model and an SAE on one instance\'s hidden activations (the flags and defaults of ' +
    '`superposition sae`), then steers: encodes one input with a few features present, lists the latents ' +
    'that fire and the true feature each matches, ablates a latent (or clamps it with --value), decodes, ' +
    'runs the toy model\'s output layer on the original hidden vector, the SAE\'s reconstruction and the ' +
    'steered one, and reports which output features changed. When each latent is one feature, ablating ' +
    'the latent of a present feature switches that output off and leaves the others alone.',
  notes:
    'Run time: about 6 s with the defaults, measured on a shared 2-core machine, nearly all of it ' +
    'training (as `sae`; fewer --tms-steps and --steps make it quicker, and the SAE poorer).\n' +
    'Examples:\n' +
    'superposition steer --present 1,3 --latent 2 --value 0.8\n' +
    'superposition steer --present 4=0.5 --ablate --json',
  flags: {
    present: presentFlag({
      defaultText: '0, at 1',
      help: 'the features present in the input: indices, each at value 1 or given as I=V',
    }),
    latent: intFlag({ default: -1, min: 0, placeholder: 'J', defaultText: 'the closest to the first present feature', help: 'the latent to edit' }),
    value: numberFlag({ default: Number.NaN, placeholder: 'V', defaultText: 'none: ablate', help: 'clamp the latent to this activation' }),
    ablate: booleanFlag({ help: 'set the latent to 0 (the default edit; not with --value)' }),
    tolerance: numberFlag({ default: STEER_DEFAULTS.tolerance, min: 0, defaultText: '1e-3', help: 'an output feature has changed when it moves by more than this' }),
    ...toyModelFlags(),
    ...saeFlags(),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const clamp = !Number.isNaN(flags.value);
    if (clamp && flags.ablate) throw new CliUsageError(`--value ${flags.value} and --ablate do not go together: clamp the latent, or ablate it`);
    refuseOversize([
      ...toyModelBuffers({ instances: flags.instances, batch: flags['tms-batch'], features: flags.features, hidden: flags.hidden }, TOY_SIZE_FLAGS),
      ...saeBuffers({ batch: flags.batch, latents: flags.latents === 0 ? flags.features : flags.latents, inputDim: flags.hidden, evaluation: EVALUATION_SAMPLES }),
    ]);
    const result = run({
      ...toySourceOptions(flags), ...saeTrainingOptions(flags),
      present: flags.present, latent: flags.latent, value: clamp ? flags.value : null, tolerance: flags.tolerance,
    }, progress);
    const { report, measures, toy, latents, seconds } = result;
    const n = flags.features;
    const json = `${JSON.stringify(toJson(result))}\n`;
    if (flags.out !== '') writeOutFolder(flags.out, json, steerPlots(report), context);
    if (flags.json) {
      out(json);
      return;
    }
    const recovery = measures.mmcs === null ? '' : `, MMCS ${measures.mmcs.trueToLearned.toFixed(4)}, ${measures.recovered} of ${n} features recovered`;
    out(
      `${flags.model} toy model (n = ${n}, m = ${flags.hidden}, p = ${formatNumber(toy.density)}) and a ${flags.arch} SAE with ` +
      `${latents} latents${recovery} (trained in ${seconds.toFixed(1)} s)\n\n${formatSteeringReport(report)}\n`,
    );
  },
});
