/**
 * `superposition sae`: trains a sparse autoencoder on activations (src/experiments/sae.ts), and
 * says how sparse its code is, how well it reconstructs, and (when the true features are known)
 * whether its decoder directions found them.
 *
 * Two sources of activations:
 *
 * - `--source tms` (the default): trains a toy model of superposition first (the `tms` flags,
 *   with `--tms-steps`, `--tms-batch`, `--tms-lr` for its training), then feeds the SAE the
 *   hidden activations of one instance k (`--instance`), on fresh sparse features every step.
 * - `--input FILE.npy`: a 2-D NumPy array [N, d_in] of float32 or float64 activations, one sample
 *   per row. A `.safetensors` file works too: its only tensor, or the one `--tensor NAME` names.
 *   `--true-features FILE.npy` [n, d_in] gives known directions to score recovery against.
 *
 * `--json` prints the experiment's document; `--out DIR` also writes it as DIR/result.json beside
 * the plots (`saePlots` in src/report/plots.ts); `--save DIR` writes the SAE in SAELens's layout,
 * and `--resume` continues a saved run.
 *
 * @module
 */
import { cosineMatrix } from '../../analysis/index.js';
import {
  type ActivationMatrix, EVALUATION_ROWS, EVALUATION_SAMPLES, resolveLatents, run, type SaeResult, toJson,
} from '../../experiments/sae.js';
import { readNpy, parseNpyHeader } from '../../io/npy.js';
import { readSafetensors } from '../../io/safetensors.js';
import type { JsonValue } from '../../persistence/checkpoint.js';
import { saveSae } from '../../persistence/saelens.js';
import { saePlots } from '../../report/plots.js';
import { TensorError } from '../../tensor/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { CliUsageError, enumFlag, stringFlag } from '../args.js';
import { type CommandContext, commonFlags, defineCommand, outFlag, writeOutFolder } from '../command.js';
import {
  checkpointFlags, checkpointWriter, contentHash, INPUT_HASH_KEY, readResumeState, writeFilesAtomically,
} from '../files.js';
import { refuseOversize, saeBuffers, TOY_SIZE_FLAGS, toyModelBuffers } from '../limits.js';
import { formatNumber, formatTable, matrixToJson } from '../format.js';
import { type SaeFlagValues, saeFlags, saeTrainingOptions, type ToyModelFlagValues, toyModelFlags, toySourceOptions } from '../sae-flags.js';

/** Above this d_in the summary leaves out the decoder directions (they would not fit on a line). */
const MAX_DIRECTION_WIDTH = 6;

/** A row of numbers as `[a, b]`, 3 significant digits each. */
function direction(values: readonly number[]): string {
  return `[${values.map((value) => formatNumber(value)).join(', ')}]`;
}

/** Reads `path` through the context, turning a failure into a usage error that names the flag. */
function readBytes(context: CommandContext, flag: string, path: string): Uint8Array {
  try {
    return context.readFile(path);
  } catch (error) {
    throw new CliUsageError(`--${flag}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads the tensor of a `.npy` file, or of a `.safetensors` file (the one named `tensorName`, or
 * its only tensor), with a description of its element type for messages. Refuses, as usage
 * errors naming the flag, a file that does not read, a missing name, and a safetensors file of
 * several tensors when no name is given (listing the names).
 */
function readTensorFile(context: CommandContext, flag: string, path: string, tensorName: string): { tensor: Tensor; elementType: string } {
  const bytes = readBytes(context, flag, path);
  const isSafetensors = path.toLowerCase().endsWith('.safetensors');
  try {
    if (!isSafetensors) return { tensor: readNpy(bytes), elementType: `'${parseNpyHeader(bytes).descr}'` };
    const { tensors } = readSafetensors(bytes);
    const names = Object.keys(tensors);
    // A few names and a count: a file may hold hundreds of thousands of tensors.
    const described = names.slice(0, 5).map((name) => `${name.length > 60 ? `${name.slice(0, 57)}…` : name} [${tensors[name].shape.join(',')}]`);
    const listed = names.length > 5 ? `${described.join(', ')} and ${names.length - 5} more` : described.join(', ');
    if (tensorName !== '') {
      if (!Object.hasOwn(tensors, tensorName)) throw new CliUsageError(`--tensor ${tensorName}: ${path} has no such tensor; it holds ${listed || 'none'}`);
      return { tensor: tensors[tensorName], elementType: tensors[tensorName].dtype };
    }
    if (names.length !== 1) {
      throw new CliUsageError(names.length === 0
        ? `--${flag} ${path} holds no tensors`
        : `--${flag} ${path} holds ${names.length} tensors; name one with --tensor NAME: ${listed}`);
    }
    return { tensor: tensors[names[0]], elementType: tensors[names[0]].dtype };
  } catch (error) {
    if (error instanceof TensorError) throw new CliUsageError(`--${flag} ${path} is not a valid ${isSafetensors ? 'safetensors' : '.npy'} file: ${error.message}`);
    throw error;
  }
}

/**
 * Reads a 2-D float32 or float64 `.npy` or `.safetensors` file [rows, cols] into float32 (for
 * safetensors, the tensor named `tensorName`, or the file's only one), refusing (as usage errors
 * naming the flag) a file that does not read, another rank or dtype, an empty array, and NaN or
 * infinite values (also values too large for float32).
 */
export function readMatrixFile(
  context: CommandContext, flag: string, path: string, what: string, tensorName = '',
): { rows: number; cols: number; data: Float32Array } {
  const { tensor, elementType } = readTensorFile(context, flag, path, tensorName);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') {
    throw new CliUsageError(`--${flag} ${path} holds ${elementType}; ${what} must be float32 or float64 ('<f4'/'<f8', or F32/F64)`);
  }
  if (tensor.rank !== 2) {
    throw new CliUsageError(`--${flag} ${path} has shape [${tensor.shape.join(',')}]; ${what} must be a 2-D array, one per row`);
  }
  const [rows, cols] = tensor.shape;
  if (rows === 0 || cols === 0) throw new CliUsageError(`--${flag} ${path} has shape [${rows},${cols}]; ${what} must not be empty`);
  const data = Float32Array.from(tensor.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const value = tensor.data[i];
      const why = Number.isFinite(value) ? `${value}, too large for float32` : String(value);
      throw new CliUsageError(`--${flag} ${path} has ${why} at row ${Math.floor(i / cols)}, column ${i % cols}; ${what} must be finite numbers`);
    }
  }
  return { rows, cols, data };
}

/** The `sae` command. */
export const saeCommand = defineCommand({
  name: 'sae',
  summary: 'train a sparse autoencoder on a toy model\'s hidden activations (or a .npy file), and score what it recovers',
  description:
    'Trains a sparse autoencoder (SAE) to un-mix superposed activations into features. With --source tms ' +
    '(the default) it first trains a toy model (the tms flags; its own training flags are --tms-steps, ' +
    '--tms-batch, --tms-lr), then trains the SAE on the hidden activations h of one instance, whose true ' +
    'features (the hidden directions of the n features) are known. With --input FILE.npy it trains on the ' +
    'rows of a 2-D float32/float64 NumPy array [samples, d_in]; --true-features FILE.npy [n, d_in] gives ' +
    'known directions to score against. It reports L0 (latents active per sample), MSE, the fraction of ' +
    'variance explained (about the mean), dead latents, the mean max cosine similarity (MMCS) between true ' +
    'and learned directions both ways, and the features recovered (cosine ≥ 0.9). The defaults are ARENA\'s ' +
    'ToySAE: n = 5 features in m = 2 dimensions at density 0.025, where a 5-latent ReLU SAE recovers all five.',
  notes:
    'Run time: about 6 s with the defaults, measured on a shared 2-core machine (1.5 s for the toy ' +
    'model, 4 s for the SAE: 10,000 steps of batch 1024 each).\n' +
    `Measures are taken on ${EVALUATION_SAMPLES} fresh samples of the toy model (training never saw them), or on the ` +
    `file's rows (${EVALUATION_ROWS} drawn at random from a larger file). MMCS true→learned asks whether every true ` +
    'feature was found; learned→true whether every latent is one of them.\n' +
    'Examples:\n' +
    'superposition sae --arch topk --k 1 --json > sae.json\n' +
    'superposition sae --input acts.npy --true-features dirs.npy --latents 512 --steps 5000',
  flags: {
    source: enumFlag({ default: 'tms', values: ['tms', 'input'] as const, help: 'where the activations come from; --input implies input' }),
    input: stringFlag({ default: '', placeholder: 'FILE', help: 'a 2-D .npy or .safetensors of activations [samples, d_in], float32 or float64' }),
    tensor: stringFlag({ default: '', placeholder: 'NAME', help: 'with --input FILE.safetensors: the tensor to train on, when the file holds several' }),
    'true-features': stringFlag({ default: '', placeholder: 'FILE.npy', help: 'with --input: known feature directions [n, d_in], one per row' }),
    ...toyModelFlags(),
    ...saeFlags(),
    out: outFlag(),
    ...checkpointFlags(),
    ...commonFlags(),
  },
  run(flags, context) {
    const { out, progress } = context;
    const fromFile = flags.input !== '';
    if (flags.source === 'input' && !fromFile) throw new CliUsageError('--source input needs --input FILE.npy');
    if (flags['true-features'] !== '' && !fromFile) {
      throw new CliUsageError('--true-features goes with --input; with --source tms the toy model gives the true features');
    }
    if (flags.tensor !== '' && !flags.input.toLowerCase().endsWith('.safetensors')) {
      throw new CliUsageError('--tensor names a tensor of a .safetensors --input; give --input FILE.safetensors');
    }

    let input: ActivationMatrix | null = null;
    let inputHash: string | null = null;
    if (fromFile) {
      const data = readMatrixFile(context, 'input', flags.input, 'the activations', flags.tensor);
      // A resume must train on the same rows, not just a file of the same name.
      inputHash = contentHash(new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength));
      let trueFeatures: Tensor | null = null;
      if (flags['true-features'] !== '') {
        const truth = readMatrixFile(context, 'true-features', flags['true-features'], 'the true features');
        if (truth.cols !== data.cols) {
          throw new CliUsageError(
            `--true-features ${flags['true-features']} has rows of width ${truth.cols}, but the activations have d_in = ${data.cols}: ` +
            'give one direction per row, in the activations\' space',
          );
        }
        trueFeatures = new Tensor(truth.data, [truth.rows, truth.cols]);
      }
      input = { ...data, trueFeatures };
    }
    const options = { ...toySourceOptions(flags), ...saeTrainingOptions(flags), input };
    const { latents, k } = resolveLatents(options, fromFile ? 4 * (input as ActivationMatrix).cols : flags.features);
    const inputDim = fromFile ? (input as ActivationMatrix).cols : flags.hidden;
    refuseOversize([
      ...(fromFile ? [] : toyModelBuffers({ instances: flags.instances, batch: flags['tms-batch'], features: flags.features, hidden: flags.hidden }, TOY_SIZE_FLAGS)),
      ...saeBuffers({ batch: flags.batch, latents, inputDim, evaluation: fromFile ? Math.min(EVALUATION_ROWS, (input as ActivationMatrix).rows) : EVALUATION_SAMPLES }),
    ]);
    // What a resumed run must share with the saved one (--steps may grow): the SAE's settings and its data's.
    const runConfig = JSON.parse(JSON.stringify({
      arch: flags.arch, latents, k, l1: flags.l1, batch: flags.batch, lr: flags.lr, resample: flags.resample, seed: flags.seed,
      ...(flags.arch === 'jumprelu' ? { threshold: flags.threshold, bandwidth: flags.bandwidth } : {}),
      source: fromFile ? 'input' : 'tms', input: flags.input, tensor: flags.tensor,
      ...(inputHash === null ? {} : { [INPUT_HASH_KEY]: inputHash }),
      ...(fromFile ? {} : {
        model: flags.model, features: flags.features, hidden: flags.hidden, instances: flags.instances, instance: flags.instance,
        importance: flags.importance, density: flags.density, 'tms-steps': flags['tms-steps'], 'tms-batch': flags['tms-batch'], 'tms-lr': flags['tms-lr'],
      }),
    })) as Record<string, JsonValue>;
    const result = run({
      ...options,
      resumeFrom: readResumeState(flags.resume, 'sae', runConfig, flags.steps, context.readFile),
      checkpointEvery: flags['checkpoint-every'], onCheckpoint: checkpointWriter(flags.save, 'sae', runConfig),
    }, progress);
    if (flags.save !== '') writeFilesAtomically(flags.save, saveSae(result.trained.sae));
    const document = toJson(result);
    const json = `${JSON.stringify(document)}\n`;
    if (flags.out !== '') {
      const cosines = result.trueFeatures === null ? null : cosineMatrix(result.trueFeatures, result.trained.sae.decoderDirections(0));
      writeOutFolder(flags.out, json, saePlots({ history: result.trained.history, decoder: document.decoder, cosines, mmcs: result.measures.mmcs }), context);
    }
    if (flags.json) {
      out(json);
      return;
    }
    out(formatSummary(flags, result));
  },
});

/** The readable summary of an `sae` run. */
function formatSummary(flags: SaeFlagValues & ToyModelFlagValues & { input: string }, result: SaeResult): string {
  const { latents, k, inputDim, toy, measures, trained } = result;
  const lines: string[] = [];
  const arch = flags.arch === 'topk' ? `topk (k = ${k})` : `${flags.arch} (λ = ${flags.l1})`;
  const source = toy === null
    ? `the ${inputDim}-dim rows of ${flags.input}`
    : `the hidden activations (m = ${flags.hidden}) of instance ${toy.instance} of a ${flags.model} toy model ` +
      `(n = ${flags.features}, p = ${formatNumber(toy.density)}; trained ${toy.seconds.toFixed(1)} s)`;
  lines.push(`${arch} SAE with ${latents} latents on ${source}`);
  lines.push(`${flags.steps} steps of batch ${flags.batch}, lr ${flags.lr}, resample ${flags.resample}, seed ${flags.seed} (${trained.seconds.toFixed(1)} s)`);
  lines.push('');
  const fve = measures.fve === null ? 'undefined (no variance)' : formatNumber(measures.fve, 4);
  const samples = toy === null ? `${measures.samples} rows of the file` : `${measures.samples} fresh samples`;
  lines.push(`on ${samples}:  L0 ${formatNumber(measures.l0)}   MSE ${formatNumber(measures.mse)}   ` +
    `FVE ${fve}   dead latents ${measures.dead} of ${latents}`);
  if (measures.mmcs !== null && measures.recovered !== null) {
    lines.push(`MMCS ${measures.mmcs.trueToLearned.toFixed(4)} true→learned (is every feature found?), ` +
      `${measures.mmcs.learnedToTrue.toFixed(4)} learned→true (is every latent a feature?)`);
    lines.push(`features recovered (a latent at cosine ≥ 0.9): ${measures.recovered} of ${measures.trueFeatureCount}`);
  }
  lines.push('');
  const header = ['latent', 'fires on'];
  if (measures.matches !== null) header.push('best match', 'cosine');
  const showDirections = inputDim <= MAX_DIRECTION_WIDTH;
  if (showDirections) header.push('decoder direction');
  const decoder = matrixToJson(trained.sae.decoderDirections(0));
  const rows = decoder.map((row, latent) => {
    const cells = [String(latent), `${formatNumber((100 * measures.fireCounts[latent]) / measures.samples)}%`];
    if (measures.matches !== null) {
      const match = measures.matches[latent];
      cells.push(`feature ${match.feature}`, match.cosine.toFixed(4));
    }
    if (showDirections) cells.push(direction(row));
    return cells;
  });
  const textColumns = header.flatMap((title, column) => (title === 'best match' || title === 'decoder direction' ? [column] : []));
  lines.push(formatTable(header, rows, textColumns).trimEnd());
  return `${lines.join('\n')}\n`;
}
