/**
 * Sparse autoencoders and toy models as folders of files: SAEs in the layout SAELens reads and
 * writes, so that an SAE trained here loads in PyTorch and one trained there loads here; toy
 * models in the same style (safetensors weights plus a JSON config).
 *
 * An SAE folder (SAELens's `save_model` layout) holds two files:
 *
 *     cfg.json                  {"d_in", "d_sae", "dtype": "float32", "architecture",
 *                                "apply_b_dec_to_input": true, "normalize_activations": "none",
 *                                "metadata": {…our own fields…}, …}
 *     sae_weights.safetensors   W_enc [d_in, d_sae]   W_dec [d_sae, d_in]
 *                               b_enc [d_sae]         b_dec [d_in]
 *                               threshold [d_sae]                   (jumprelu)
 *                               b_gate, b_mag, r_mag [d_sae], no b_enc (gated)
 *
 * The maths is SAELens's with x̄ = x − b_dec: standard f = ReLU(x̄ W_enc + b_enc); topk keeps the
 * k largest of those; jumprelu f = π · H(π − θ); gated f = H(x̄ W_enc + b_gate) ·
 * ReLU(x̄ (W_enc ⊙ exp r_mag) + b_mag). Decoding is x̂ = f W_dec + b_dec everywhere.
 *
 * Our SAEs carry a leading instance axis I (several SAEs trained side by side); SAELens has
 * none, so one instance is saved at a time. Our JumpReLU learns log θ; the file holds θ.
 * Files from SAELens with `apply_b_dec_to_input: false` (π = x W_enc + b_enc) are loaded by
 * folding b_dec into the encoder bias: b_enc' = b_enc + b_dec W_enc (and likewise b_mag for gated),
 * since (x − b_dec) W + b_enc' = x W + b_enc.
 *
 * A toy-model folder holds `toy_model.json` ({kind, instances, features, hidden, format,
 * version}) and `toy_model.safetensors` (W [I, m, n], b [I, 1, n], and W2 [I, n, m] for the abs
 * model), all instances at once.
 *
 * Everything here works on bytes and strings, so it runs in a browser; the command line writes
 * the files (atomically) and reads them back. Refusals are {@link TensorError}s from op
 * `loadSae` / `saveSae` / `loadToyModel` naming what is wrong.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type SaeArchitecture, SparseAutoencoder } from '../models/sae.js';
import { TOY_MODEL_KINDS, ToyModel, type ToyModelKind } from '../models/tms.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';

/** The name of an SAE folder's config file. */
export const SAE_CONFIG_FILE = 'cfg.json';
/** The name of an SAE folder's weights file. */
export const SAE_WEIGHTS_FILE = 'sae_weights.safetensors';
/** The name of a toy-model folder's config file. */
export const TOY_MODEL_CONFIG_FILE = 'toy_model.json';
/** The name of a toy-model folder's weights file. */
export const TOY_MODEL_WEIGHTS_FILE = 'toy_model.safetensors';
/** The version of our own fields in the files; raised when their meaning changes. */
export const PERSISTENCE_VERSION = 1;

/** SAELens's name for each of our architectures (its plain ReLU SAE is "standard"). */
const SAELENS_ARCHITECTURE: Readonly<Record<SaeArchitecture, string>> = {
  relu: 'standard', topk: 'topk', jumprelu: 'jumprelu', gated: 'gated',
};

/** The `dtype` values of cfg.json that we read (the weights must then be F32 or F64). */
const READABLE_DTYPES: readonly string[] = ['float32', 'torch.float32', 'float64', 'torch.float64'];

/** The files of an SAE folder, by name. */
export interface SaeFiles {
  /** The config, as JSON text. */
  [SAE_CONFIG_FILE]: string;
  /** The weights, as safetensors bytes. */
  [SAE_WEIGHTS_FILE]: Uint8Array;
}

/** The files of a toy-model folder, by name. */
export interface ToyModelFiles {
  /** The config, as JSON text. */
  [TOY_MODEL_CONFIG_FILE]: string;
  /** The weights, as safetensors bytes. */
  [TOY_MODEL_WEIGHTS_FILE]: Uint8Array;
}

/** How {@link saveSae} saves. */
export interface SaveSaeOptions {
  /** Which instance of the SAE to save (SAELens has no instance axis). Default 0. */
  instance?: number;
  /** Extra fields for cfg.json, e.g. SAELens's `model_name` and `hook_name`; ours win on a clash. */
  extraConfig?: Record<string, unknown>;
}

/** The `[i]`-th slice along the leading axis of a packed `[I, …]` tensor, as a float32 array. */
function instanceSlice(t: Tensor, instance: number): Float32Array {
  const all = Float32Array.from(t.toTypedArray());
  const size = all.length / t.shape[0];
  return all.slice(instance * size, (instance + 1) * size);
}

/**
 * Saves one instance of `sae` in SAELens's layout: file name → contents.
 *
 * @example
 * ```ts
 * const files = saveSae(new SparseAutoencoder({ inputDim: 2, latents: 5 }));
 * Object.keys(files);   // returns ['cfg.json', 'sae_weights.safetensors']
 * ```
 * @throws TensorError (op `saveSae`) when `instance` is not one of the SAE's instances.
 */
export function saveSae(sae: SparseAutoencoder, options: SaveSaeOptions = {}): SaeFiles {
  const instance = options.instance ?? 0;
  if (!Number.isInteger(instance) || instance < 0 || instance >= sae.instances) {
    fail('saveSae', `instance must be a whole number from 0 to ${sae.instances - 1}, got ${instance}`);
  }
  const { inputDim: d, latents: L } = sae;
  const slice = (t: Tensor, shape: number[]): Tensor => new Tensor(instanceSlice(t, instance), shape);
  const tensors: Record<string, Tensor> = {
    W_enc: slice(sae.W_enc, [d, L]),
    W_dec: slice(sae.W_dec, [L, d]),
    b_dec: slice(sae.b_dec, [d]),
  };
  if (sae.architecture === 'gated') {
    tensors.b_gate = slice(sae.b_enc, [L]);
    tensors.b_mag = slice(sae.b_mag as Tensor, [L]);
    tensors.r_mag = slice(sae.r_mag as Tensor, [L]);
  } else {
    tensors.b_enc = slice(sae.b_enc, [L]);
  }
  const thresholds = sae.thresholds();
  if (thresholds !== null) tensors.threshold = slice(thresholds, [L]);

  const config: Record<string, unknown> = {
    ...options.extraConfig,
    architecture: SAELENS_ARCHITECTURE[sae.architecture],
    d_in: d,
    d_sae: L,
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
    ...(sae.architecture === 'topk' ? { k: sae.k } : {}),
    metadata: {
      ...(isRecord(options.extraConfig?.metadata) ? options.extraConfig.metadata : {}),
      format: 'superposition-sae',
      version: PERSISTENCE_VERSION,
      architecture: sae.architecture,
      instances: sae.instances,
      instance,
      k: sae.k,
      bandwidth: sae.bandwidth,
    },
  };
  return {
    [SAE_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n`,
    [SAE_WEIGHTS_FILE]: writeSafetensors(tensors, { metadata: { format: 'pt' } }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON config that must be an object, refusing anything else under `op`. */
function parseConfig(op: string, name: string, text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') fail(op, `${name} is missing (expected its JSON text)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(op, `${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(parsed)) fail(op, `${name} must hold a JSON object`);
  return parsed;
}

/** A config field that must be a whole number ≥ `min`. */
function wholeNumber(op: string, name: string, config: Record<string, unknown>, key: string, min = 1): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(op, `${name} field '${key}' must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads the weights file, turning its reader's refusal into one from `op`. */
function readWeights(op: string, name: string, bytes: unknown): Record<string, Tensor> {
  if (!(bytes instanceof Uint8Array)) fail(op, `${name} is missing (expected its bytes)`);
  try {
    return readSafetensors(bytes).tensors;
  } catch (error) {
    fail(op, `${name} is not a valid safetensors file: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Takes a float tensor of exactly `shape` from `tensors` as float32, or refuses. */
function takeTensor(op: string, tensors: Record<string, Tensor>, name: string, shape: readonly number[], file: string): Float32Array {
  if (!Object.hasOwn(tensors, name)) {
    fail(op, `${file} has no tensor '${name}' (it holds ${Object.keys(tensors).join(', ') || 'nothing'}); expected ${name} ${formatShape(shape)}`);
  }
  const t = tensors[name];
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    fail(op, `${file} tensor '${name}' is ${t.dtype}; weights must be float32 or float64 (F32 or F64)`);
  }
  if (t.shape.length !== shape.length || t.shape.some((dim, i) => dim !== shape[i])) {
    fail(op, `${file} tensor '${name}' has shape ${formatShape(t.shape)}, but the config says ${formatShape(shape)}`);
  }
  const values = Float32Array.from(t.toTypedArray());
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) fail(op, `${file} tensor '${name}' holds ${t.toTypedArray()[i]} at element ${i}; weights must be finite float32 numbers`);
  }
  return values;
}

/** b + v W for v [d], W [d, L] row-major, b [L]: a bias with b_dec folded in. */
function foldBias(bias: Float32Array, v: Float32Array, W: Float32Array, scale: Float32Array | null): Float32Array {
  const L = bias.length;
  const out = Float64Array.from(bias);
  for (let i = 0; i < v.length; i++) {
    for (let j = 0; j < L; j++) out[j] += v[i] * W[i * L + j] * (scale === null ? 1 : Math.exp(scale[j]));
  }
  return Float32Array.from(out);
}

/**
 * Loads an SAE from a folder in SAELens's layout: ours, or one SAELens wrote (its extra config
 * keys, such as `model_name` or `hook_name`, are ignored). The SAE has one instance.
 *
 * @example
 * ```ts
 * const sae = loadSae(saveSae(trained));   // returns an SAE with trained's weights (instance 0)
 * ```
 * @throws TensorError (op `loadSae`) for a missing or malformed file, an unknown architecture, an
 * unsupported dtype or activation normalisation, a missing tensor, or a shape that does not match
 * cfg.json.
 */
export function loadSae(files: SaeFiles): SparseAutoencoder {
  const op = 'loadSae';
  const config = parseConfig(op, SAE_CONFIG_FILE, files[SAE_CONFIG_FILE]);
  const d = wholeNumber(op, SAE_CONFIG_FILE, config, 'd_in');
  const L = wholeNumber(op, SAE_CONFIG_FILE, config, 'd_sae');
  const dtype = config.dtype ?? 'float32';
  if (typeof dtype !== 'string' || !READABLE_DTYPES.includes(dtype)) {
    fail(op, `${SAE_CONFIG_FILE} dtype ${JSON.stringify(dtype)} is not supported; expected one of ${READABLE_DTYPES.join(', ')}`);
  }
  const normalization = config.normalize_activations ?? 'none';
  if (normalization !== 'none' && normalization !== null) {
    fail(op, `${SAE_CONFIG_FILE} normalize_activations ${JSON.stringify(normalization)} is not supported; only "none" (inputs used as they are)`);
  }
  const metadata = isRecord(config.metadata) ? config.metadata : {};
  const architecture = saeArchitecture(op, config);
  let k = 1;
  if (architecture === 'topk') {
    const kwargs = isRecord(config.activation_fn_kwargs) ? config.activation_fn_kwargs : {};
    const source = config.k !== undefined ? config : kwargs.k !== undefined ? kwargs : metadata;
    k = wholeNumber(op, SAE_CONFIG_FILE, source, 'k');
    if (k > L) fail(op, `${SAE_CONFIG_FILE} k = ${k} is larger than d_sae = ${L}`);
  }
  const bandwidth = typeof metadata.bandwidth === 'number' && metadata.bandwidth > 0 ? metadata.bandwidth : undefined;

  const tensors = readWeights(op, SAE_WEIGHTS_FILE, files[SAE_WEIGHTS_FILE]);
  const take = (name: string, shape: number[]): Float32Array => takeTensor(op, tensors, name, shape, SAE_WEIGHTS_FILE);
  const W_enc = take('W_enc', [d, L]);
  const W_dec = take('W_dec', [L, d]);
  const b_dec = take('b_dec', [d]);
  let b_enc = take(architecture === 'gated' ? 'b_gate' : 'b_enc', [L]);
  const b_mag = architecture === 'gated' ? take('b_mag', [L]) : null;
  const r_mag = architecture === 'gated' ? take('r_mag', [L]) : null;
  const threshold = architecture === 'jumprelu' ? take('threshold', [L]) : null;
  if (Object.hasOwn(tensors, 'scaling_factor')) {
    const scaling = take('scaling_factor', [L]);
    if (scaling.some((s) => s !== 1)) fail(op, `${SAE_WEIGHTS_FILE} has a scaling_factor other than 1 (a fine-tuned SAE); it is not supported`);
  }
  if (threshold !== null) {
    const bad = threshold.findIndex((theta) => !(theta > 0));
    if (bad >= 0) fail(op, `${SAE_WEIGHTS_FILE} threshold[${bad}] is ${threshold[bad]}; JumpReLU thresholds must be positive (we learn log θ)`);
  }

  const applyBDec = config.apply_b_dec_to_input ?? true;
  if (typeof applyBDec !== 'boolean') fail(op, `${SAE_CONFIG_FILE} apply_b_dec_to_input must be true or false, got ${JSON.stringify(applyBDec)}`);
  let foldedMag = b_mag;
  if (!applyBDec) {
    b_enc = foldBias(b_enc, b_dec, W_enc, null);
    if (b_mag !== null) foldedMag = foldBias(b_mag, b_dec, W_enc, r_mag);
  }

  const sae = new SparseAutoencoder({ architecture, inputDim: d, latents: L, instances: 1, k, bandwidth });
  sae.W_enc.data.set(W_enc);
  sae.W_dec.data.set(W_dec);
  sae.b_enc.data.set(b_enc);
  sae.b_dec.data.set(b_dec);
  if (foldedMag !== null) (sae.b_mag as Tensor).data.set(foldedMag);
  if (r_mag !== null) (sae.r_mag as Tensor).data.set(r_mag);
  // For θ = exp(l) in float32, exp(float32 log θ) rounds back to θ (checked on 2·10⁶ random l), so a re-save is byte-identical.
  if (threshold !== null) (sae.logThreshold as Tensor).data.set(threshold.map(Math.log));
  return sae;
}

/** Our architecture for cfg.json's `architecture` (and, in older SAELens files, `activation_fn_str`). */
function saeArchitecture(op: string, config: Record<string, unknown>): SaeArchitecture {
  const name = config.architecture ?? 'standard';
  switch (name) {
    case 'standard': {
      const activation = config.activation_fn_str ?? 'relu';
      if (activation === 'relu') return 'relu';
      if (activation === 'topk') return 'topk';
      return fail(op, `${SAE_CONFIG_FILE} activation_fn_str ${JSON.stringify(activation)} is not supported; expected "relu" or "topk"`);
    }
    case 'topk':
    case 'jumprelu':
    case 'gated':
      return name as SaeArchitecture;
    default:
      return fail(op, `${SAE_CONFIG_FILE} architecture ${JSON.stringify(name)} is unknown; expected one of standard, topk, jumprelu, gated`);
  }
}

/**
 * Saves a toy model, every instance: file name → contents.
 *
 * @example
 * ```ts
 * Object.keys(saveToyModel(new ToyModel({ instances: 1, features: 5, hidden: 2 })));   // returns ['toy_model.json', 'toy_model.safetensors']
 * ```
 */
export function saveToyModel(model: ToyModel): ToyModelFiles {
  const packed = (t: Tensor): Tensor => new Tensor(Float32Array.from(t.toTypedArray()), t.shape.slice());
  const tensors: Record<string, Tensor> = { W: packed(model.W), b: packed(model.b) };
  if (model.W2 !== null) tensors.W2 = packed(model.W2);
  const config = {
    format: 'superposition-toy-model', version: PERSISTENCE_VERSION,
    kind: model.kind, instances: model.instances, features: model.features, hidden: model.hidden,
  };
  return {
    [TOY_MODEL_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n`,
    [TOY_MODEL_WEIGHTS_FILE]: writeSafetensors(tensors, { metadata: { format: 'pt' } }),
  };
}

/**
 * Loads a toy model saved by {@link saveToyModel}.
 *
 * @example
 * ```ts
 * const copy = loadToyModel(saveToyModel(model));   // returns a ToyModel with model's weights
 * ```
 * @throws TensorError (op `loadToyModel`) for a missing or malformed file, an unknown kind, a
 * missing tensor, or a shape that does not match the config.
 */
export function loadToyModel(files: ToyModelFiles): ToyModel {
  const op = 'loadToyModel';
  const config = parseConfig(op, TOY_MODEL_CONFIG_FILE, files[TOY_MODEL_CONFIG_FILE]);
  const kind = config.kind;
  if (typeof kind !== 'string' || !TOY_MODEL_KINDS.includes(kind as ToyModelKind)) {
    fail(op, `${TOY_MODEL_CONFIG_FILE} kind ${JSON.stringify(kind)} is unknown; expected one of ${TOY_MODEL_KINDS.join(', ')}`);
  }
  const I = wholeNumber(op, TOY_MODEL_CONFIG_FILE, config, 'instances');
  const n = wholeNumber(op, TOY_MODEL_CONFIG_FILE, config, 'features');
  const m = wholeNumber(op, TOY_MODEL_CONFIG_FILE, config, 'hidden');
  const tensors = readWeights(op, TOY_MODEL_WEIGHTS_FILE, files[TOY_MODEL_WEIGHTS_FILE]);
  const take = (name: string, shape: number[]): Float32Array => takeTensor(op, tensors, name, shape, TOY_MODEL_WEIGHTS_FILE);
  const W = take('W', [I, m, n]);
  const b = take('b', [I, 1, n]);
  const W2 = kind === 'abs' ? take('W2', [I, n, m]) : null;
  const model = new ToyModel({ kind: kind as ToyModelKind, instances: I, features: n, hidden: m });
  model.W.data.set(W);
  model.b.data.set(b);
  if (W2 !== null) (model.W2 as Tensor).data.set(W2);
  return model;
}
