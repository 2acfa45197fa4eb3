/**
 * `superposition steer`: "name and steer". Trains a toy model and an SAE on one instance's
 * hidden activations (the same flags and defaults as `sae --source tms`), then takes one input
 * with a few features present, lists the latents that fire and the true feature each matches,
 * clamps or ablates one latent, decodes, runs the toy model's output layer on the result, and
 * reports which output features changed (`steer` and `formatSteeringReport` in
 * src/analysis/steer.ts do the work).
 *
 * The input: features `--present` (default feature 0 alone) at value 1, or at the values given
 * as `I=V`. One feature alone is the clean demo: with two at once the toy model itself mixes them
 * (in a pentagon, features 0 and 2 together read out as feature 1), which is its interference,
 * not the SAE's. The edit: `--latent J` (default: the latent whose decoder direction is closest to the
 * first present feature) set to `--value V`, or to 0 with `--ablate` (the default edit).
 *
 * JSON (`--json`): the steering report, plus what was trained:
 *
 *     {"instance","input":[n],"hidden":[m],"latents","fired":[{"latent","activation","feature","cosine"}],
 *      "intervention":{"latent","mode","before","after","feature","cosine"},
 *      "reconstructedHidden":[m],"steeredHidden":[m],
 *      "outputs":{"original":[n],"reconstruction":[n],"steered":[n]},
 *      "changed":[{"feature","reconstruction","steered","delta"}],"tolerance",
 *      "toyModel":{"model","features","hidden","instances","density","steps","loss"},
 *      "sae":{"arch","latents","k","l1","steps","mmcs","recovered"},"seconds"}
 *
 * With `--out DIR`, the same document as DIR/result.json and the plots (`steerPlots`):
 *
 *     latents.svg          every latent's activation on the input, before the edit
 *     outputs-before.svg   out(ĥ): the toy model's outputs on the SAE's reconstruction
 *     outputs-after.svg    out(ĥ′): after the edit, coloured by how far each output moved
 *
 * @module
 */
import { cosineMatrix, formatSteeringReport, type SteeringReport, steer } from '../../analysis/index.js';
import { barChart } from '../../plot/index.js';
import { booleanFlag, CliUsageError, type FlagSpec, intFlag, numberFlag } from '../args.js';
import { commonFlags, defineCommand, type OutFile, outFlag, writeOutFolder } from '../command.js';
import { argMax, formatNumber } from '../format.js';
import {
  EVALUATION_SAMPLES, TOY_SIZE_FLAGS, measureSae, resolveLatents, saeFlags, toyModelFlags, trainSaeOn, trainToySource,
} from './sae.js';
import { refuseOversize, saeBuffers, toyModelBuffers } from '../limits.js';
import { Rng } from '../../tensor/random.js';

/** Present features as typed: indices, each with its value (1 unless given as `I=V`). */
export interface PresentFeatures {
  /** Feature indices, distinct, in the order given. */
  indices: number[];
  /** The value of each. */
  values: number[];
}

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

/** The `steer` plots (see the module notes for the files). */
export function steerPlots(report: SteeringReport): OutFile[] {
  const { intervention, outputs } = report;
  const activations = new Array<number>(report.latents).fill(0);
  const matches = new Array<string>(report.latents).fill('');
  for (const fired of report.fired) {
    activations[fired.latent] = fired.activation;
    matches[fired.latent] = ` (x${fired.feature})`;
  }
  const edit = intervention.mode === 'ablate'
    ? `ablating latent ${intervention.latent}`
    : `clamping latent ${intervention.latent} to ${formatNumber(intervention.after)}`;
  const outputBars = (values: readonly number[]) => values.map((value, i) => ({ label: `x${i}`, value }));
  return [
    {
      name: 'latents.svg',
      text: barChart(activations.map((value, j) => ({ label: `${j}${matches[j]}`, value })), {
        title: 'Latents on the input, before the edit', xLabel: 'latent (the feature it matches)', yLabel: 'activation',
      }),
    },
    {
      name: 'outputs-before.svg',
      text: barChart(outputBars(outputs.reconstruction), {
        title: 'Outputs before the edit', xLabel: 'output feature', yLabel: 'out(ĥ), on the reconstruction',
      }),
    },
    {
      name: 'outputs-after.svg',
      text: barChart(outputBars(outputs.steered), {
        title: `Outputs after ${edit}`, xLabel: 'output feature', yLabel: 'out(ĥ′)',
        colorValues: outputs.steered.map((value, i) => Math.abs(value - outputs.reconstruction[i])), colorLabel: '|change|',
      }),
    },
  ];
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
    tolerance: numberFlag({ default: 1e-3, min: 0, defaultText: '1e-3', help: 'an output feature has changed when it moves by more than this' }),
    ...toyModelFlags(),
    ...saeFlags(),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const n = flags.features;
    const clamp = !Number.isNaN(flags.value);
    if (clamp && flags.ablate) throw new CliUsageError(`--value ${flags.value} and --ablate do not go together: clamp the latent, or ablate it`);
    const present = flags.present ?? { indices: [0], values: [1] };
    for (const index of present.indices) {
      if (index >= n) throw new CliUsageError(`--present lists feature ${index}, but the toy model has --features ${n} (0 to ${n - 1})`);
    }
    const { latents, k } = resolveLatents(flags, n);
    refuseOversize([...toyModelBuffers({ instances: flags.instances, batch: flags['tms-batch'], features: n, hidden: flags.hidden }, TOY_SIZE_FLAGS),
      ...saeBuffers({ batch: flags.batch, latents, inputDim: flags.hidden, evaluation: EVALUATION_SAMPLES })]);
    if (flags.latent >= latents) throw new CliUsageError(`--latent ${flags.latent} is past the last latent: the SAE has ${latents} (0 to ${latents - 1})`);

    const toy = trainToySource(flags, progress);
    const trained = trainSaeOn(flags, { inputDim: flags.hidden, latents, k }, toy.sample, progress);
    const measures = measureSae(trained.sae, toy.sample(EVALUATION_SAMPLES, new Rng(flags.seed).fork()), toy.trueFeatures);

    // By default, edit the latent that best matches the first present feature.
    const cosines = cosineMatrix(toy.trueFeatures, trained.sae.decoderDirections(0))[present.indices[0]];
    const latent = flags.latent !== -1 ? flags.latent : argMax(cosines);
    const x = new Array<number>(n).fill(0);
    present.indices.forEach((index, i) => {
      x[index] = present.values[i];
    });
    const report = steer(toy.model, toy.instance, trained.sae, x, {
      latent, ...(clamp ? { value: flags.value } : { ablate: true }), tolerance: flags.tolerance,
    });
    const seconds = toy.seconds + trained.seconds;

    const json = `${JSON.stringify({
      ...report,
      toyModel: {
        model: flags.model, features: n, hidden: flags.hidden, instances: flags.instances, density: toy.density,
        steps: flags['tms-steps'], loss: toy.finalLoss[toy.instance],
      },
      sae: {
        arch: flags.arch, latents, k: flags.arch === 'topk' ? k : null, l1: flags.l1, steps: flags.steps,
        mmcs: measures.mmcs, recovered: measures.recovered,
      },
      seconds,
    })}\n`;
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
