/**
 * "Name and steer": read a toy model's hidden activation through a sparse autoencoder, name the
 * latents that fire by the true features they match, then clamp or ablate one and watch which
 * of the model's outputs move.
 *
 * The toy model (instance k) maps features x [n] to a hidden vector h [m] and reads it back:
 *
 *     h = W x                  (ReLU(W x) for hidden-relu and abs)
 *     out(h) = ReLU(Wᵀ h + b)  (Wᵀ h + b for linear; ReLU(W₂ h + b) for abs)
 *
 * An SAE trained on that hidden space (d_in = m) encodes h into latents f [d_sae] and decodes
 * ĥ = f W_dec + b_dec. Steering edits one latent, f′_l = value (clamp) or 0 (ablate), decodes
 * ĥ′ = f′ W_dec + b_dec, and runs the output layer on h, ĥ and ĥ′. Comparing out(ĥ′) with
 * out(ĥ), not with out(h), isolates the edit from the SAE's own reconstruction error. If latent l
 * has learned feature i, ablating it should switch output i off and leave the others alone:
 * the latent is monosemantic, and it can be named and steered.
 *
 * Naming. Feature i's true direction in hidden space is the hidden vector it produces alone at
 * value 1, h(eᵢ): the column W[k][:, i] for the relu and linear models, its positive part
 * ReLU(W[k][:, i]) for hidden-relu and abs (whose hidden layer is a ReLU; for abs, the direction
 * of xᵢ = +1). Each latent is named by the true direction its decoder row has the largest signed
 * cosine with (see {@link latentMatches}).
 *
 * The output layer runs in float64 on the model's weights; the SAE's encode and decode run in
 * its own dtype, under `noGrad`. Every number in the report is a plain number, ready for JSON.
 *
 * @module
 */
import { noGrad } from '../autograd/engine.js';
import type { SparseAutoencoder } from '../models/sae.js';
import type { ToyModel } from '../models/tms.js';
import { allocate } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { instanceWeights } from './features.js';
import { latentMatches, rowValues } from './sae.js';

/** What to do to one latent; see {@link steer}. */
export interface SteerOptions {
  /** The latent to edit (a row of the SAE's decoder). */
  latent: number;
  /** Clamp the latent to this activation. Leave out to ablate. */
  value?: number;
  /** Ablate: set the latent to 0. The default when no `value` is given; conflicts with `value`. */
  ablate?: boolean;
  /** An output feature has changed when it moves by more than this. Default 1e-3. */
  tolerance?: number;
  /** Which of the SAE's instances to use, when it has several. Default 0. */
  saeInstance?: number;
}

/** A latent that fired on the input, named by the true feature it matches best. */
export interface FiredLatent {
  /** The latent's index. */
  latent: number;
  /** Its activation fₗ > 0 on this input. */
  activation: number;
  /** The true feature whose hidden direction its decoder row matches best. */
  feature: number;
  /** That cosine (signed; 1 for a perfect match). */
  cosine: number;
}

/** The edit made to one latent. */
export interface LatentIntervention {
  /** The latent edited. */
  latent: number;
  /** `"clamp"` to a value, or `"ablate"` to 0. */
  mode: 'clamp' | 'ablate';
  /** Its activation before the edit. */
  before: number;
  /** Its activation after (the clamp value, or 0). */
  after: number;
  /** The true feature it matches best. */
  feature: number;
  /** That cosine. */
  cosine: number;
}

/** An output feature that moved by more than the tolerance between reconstruction and steered. */
export interface ChangedOutput {
  /** The output feature's index. */
  feature: number;
  /** out(ĥ)ᵢ: its value from the SAE's reconstruction. */
  reconstruction: number;
  /** out(ĥ′)ᵢ: its value after the edit. */
  steered: number;
  /** steered − reconstruction. */
  delta: number;
}

/** The toy model's output layer on three hidden vectors, each output [n]. */
export interface SteeringOutputs {
  /** out(h): on the model's own hidden vector. */
  original: number[];
  /** out(ĥ): on the SAE's reconstruction. */
  reconstruction: number[];
  /** out(ĥ′): on the reconstruction after the edit. */
  steered: number[];
}

/** Everything {@link steer} found, as plain numbers and arrays. */
export interface SteeringReport {
  /** The toy model's instance k. */
  instance: number;
  /** The input features x [n]. */
  input: number[];
  /** The model's hidden vector h [m]. */
  hidden: number[];
  /** The SAE's width, d_sae. */
  latents: number;
  /** The latents that fired on h, largest activation first. */
  fired: FiredLatent[];
  /** What was done, to which latent. */
  intervention: LatentIntervention;
  /** The SAE's reconstruction ĥ [m]. */
  reconstructedHidden: number[];
  /** The reconstruction after the edit, ĥ′ [m]. */
  steeredHidden: number[];
  /** The model's output layer on h, ĥ and ĥ′, each [n]. */
  outputs: SteeringOutputs;
  /** The output features that moved by more than `tolerance` between out(ĥ) and out(ĥ′). */
  changed: ChangedOutput[];
  /** The tolerance used. */
  tolerance: number;
}

/**
 * Every feature's direction in instance k's hidden space, one per row, [n, m] (float64): the
 * hidden vector h(eᵢ) that feature i produces alone at value 1. The column W[k][:, i] for the
 * relu and linear models, ReLU of it for hidden-relu and abs. These are the "true features" an
 * SAE trained on that hidden space should recover.
 *
 * @example
 * ```ts
 * const model = new ToyModel({ instances: 2, features: 5, hidden: 2 });
 * toyFeatureDirections(model, 1).shape;   // returns [5, 2]
 * mmcs(toyFeatureDirections(model, 1), sae.decoderDirections());   // how well the SAE found them
 * ```
 */
export function toyFeatureDirections(model: ToyModel, instance: number): Tensor {
  checkInstance('toyFeatureDirections', model, instance);
  const { instances: I, features: n } = model;
  const identity = new Float32Array(I * n * n);
  for (let k = 0; k < I; k++) for (let i = 0; i < n; i++) identity[k * n * n + i * n + i] = 1;
  const hidden = noGrad(() => model.hiddenActivations(new Tensor(identity, [I, n, n])));
  const { rows, cols, values } = rowValues('toyFeatureDirections', 'hidden', instanceWeights(hidden, instance), '[n, m]');
  return new Tensor(values, [rows, cols]);
}

/**
 * Name and steer: encodes one input's hidden vector with the SAE, names the latents that fire,
 * clamps or ablates `options.latent`, decodes, and runs the toy model's output layer on the
 * original hidden vector, the reconstruction and the steered reconstruction. See the module notes.
 *
 * `x` is one input of the toy model, [n] or [1, n] (a Tensor or an array). The SAE must read
 * instance k's hidden space (inputDim = m).
 *
 * @example
 * ```ts
 * const report = steer(model, 0, sae, [0, 0.8, 0, 0, 0], { latent: 3, ablate: true });
 * report.fired;     // returns [{ latent: 3, activation: 0.79…, feature: 1, cosine: 0.99… }]
 * report.changed;   // returns [{ feature: 1, reconstruction: 0.78…, steered: 0, delta: -0.78… }]
 * ```
 */
export function steer(model: ToyModel, instance: number, sae: SparseAutoencoder, x: Tensor | readonly number[], options: SteerOptions): SteeringReport {
  const op = 'steer';
  checkInstance(op, model, instance);
  const { features: n, hidden: m } = model;
  if (sae.inputDim !== m) fail(op, `the SAE reads activations of width ${sae.inputDim}, but the toy model's hidden space has m = ${m}`);
  const saeInstance = options.saeInstance ?? 0;
  if (!Number.isInteger(saeInstance) || saeInstance < 0 || saeInstance >= sae.instances) {
    fail(op, `saeInstance must be a whole number from 0 to ${sae.instances - 1}, got ${saeInstance}`);
  }
  const { latent } = options;
  if (!Number.isInteger(latent) || latent < 0 || latent >= sae.latents) {
    fail(op, `latent must be a whole number from 0 to ${sae.latents - 1}, got ${latent}`);
  }
  if (options.value !== undefined && options.ablate === true) fail(op, `give either a value to clamp to or ablate, not both (value ${options.value})`);
  if (options.value !== undefined && !Number.isFinite(options.value)) fail(op, `value must be a finite number, got ${options.value}`);
  const tolerance = options.tolerance ?? 1e-3;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) fail(op, `tolerance must be a number ≥ 0, got ${tolerance}`);
  const input = inputVector(op, x, n);

  return noGrad(() => {
    // The model runs every instance at once: x at instance k, zeros elsewhere.
    const batch = new Float32Array(model.instances * n);
    batch.set(input, instance * n);
    const hiddenAll = model.hiddenActivations(new Tensor(batch, [model.instances, 1, n])).toTypedArray();
    const hidden = Array.from(hiddenAll.subarray(instance * m, (instance + 1) * m));

    const dtype = sae.W_dec.dtype;
    const L = sae.latents;
    const saeInput = allocate(dtype, sae.instances * m);
    saeInput.set(hidden, saeInstance * m);
    const codes = sae.encode(new Tensor(saeInput, [sae.instances, 1, m])).toTypedArray();
    const f = codes.subarray(saeInstance * L, (saeInstance + 1) * L);
    const steeredCodes = codes.slice();
    const after = options.value ?? 0;
    steeredCodes[saeInstance * L + latent] = after;
    const reconstructedHidden = decodeRow(sae, codes, saeInstance);
    const steeredHidden = decodeRow(sae, steeredCodes, saeInstance);

    const matches = latentMatches(toyFeatureDirections(model, instance), sae.decoderDirections(saeInstance));
    const fired: FiredLatent[] = [];
    f.forEach((activation, l) => {
      if (activation !== 0) fired.push({ latent: l, activation, ...matches[l] });
    });
    fired.sort((a, b) => b.activation - a.activation || a.latent - b.latent);

    const readout = outputLayer(model, instance);
    const outputs: SteeringOutputs = { original: readout(hidden), reconstruction: readout(reconstructedHidden), steered: readout(steeredHidden) };
    const changed: ChangedOutput[] = [];
    outputs.steered.forEach((steered, i) => {
      const reconstruction = outputs.reconstruction[i];
      const delta = steered - reconstruction;
      if (Math.abs(delta) > tolerance) changed.push({ feature: i, reconstruction, steered, delta });
    });

    return {
      instance,
      input: Array.from(input),
      hidden,
      latents: L,
      fired,
      intervention: { latent, mode: options.value === undefined ? 'ablate' : 'clamp', before: f[latent], after, ...matches[latent] },
      reconstructedHidden,
      steeredHidden,
      outputs,
      changed,
      tolerance,
    };
  });
}

/** Refuses an instance outside the model. */
function checkInstance(op: string, model: ToyModel, instance: number): void {
  if (!Number.isInteger(instance) || instance < 0 || instance >= model.instances) {
    fail(op, `instance must be a whole number from 0 to ${model.instances - 1}, got ${instance}`);
  }
}

/** One input x as n finite numbers, from a Tensor [n] or [1, n] or an array. */
function inputVector(op: string, x: Tensor | readonly number[], n: number): Float64Array {
  if (x instanceof Tensor) {
    const oneRow = x.rank === 1 ? x.shape[0] === n : x.rank === 2 && x.shape[0] === 1 && x.shape[1] === n;
    if (!oneRow) fail(op, `expected one input of shape [${n}] or [1, ${n}], got shape ${formatShape(x.shape)}`);
  } else if (!Array.isArray(x) || x.length !== n) {
    fail(op, `expected one input of ${n} features, got ${Array.isArray(x) ? `${x.length} values` : String(x)}`);
  }
  const values = Float64Array.from(x instanceof Tensor ? x.toTypedArray() : x);
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) fail(op, `input feature ${i} is ${value}; expected finite numbers`);
  });
  return values;
}

/** ĥ = f W_dec + b_dec for one instance's codes, read out of the [I, 1, d_sae] batch `codes`. */
function decodeRow(sae: SparseAutoencoder, codes: Tensor['data'], saeInstance: number): number[] {
  const m = sae.inputDim;
  const decoded = sae.decode(new Tensor(codes, [sae.instances, 1, sae.latents])).toTypedArray();
  return Array.from(decoded.subarray(saeInstance * m, (saeInstance + 1) * m));
}

/** The toy model's output layer for instance k, as a float64 function of a hidden vector [m]. */
function outputLayer(model: ToyModel, instance: number): (h: readonly number[]) => number[] {
  const { features: n, hidden: m } = model;
  // readOut[i][r]: the weight from hidden r to output i: Wᵀ for the tied models, W₂ for abs.
  const weights = model.W2 === null ? model.W : model.W2;
  const { values } = rowValues('steer', model.W2 === null ? 'W' : 'W2', instanceWeights(weights, instance), model.W2 === null ? '[m, n]' : '[n, m]');
  const weight = model.W2 === null ? (i: number, r: number) => values[r * n + i] : (i: number, r: number) => values[i * m + r];
  const bias = Array.from(instanceWeights(model.b, instance).toTypedArray());
  const applyRelu = model.kind !== 'linear';
  return (h) => Array.from({ length: n }, (_, i) => {
    let total = bias[i];
    for (let r = 0; r < m; r++) total += weight(i, r) * h[r];
    return applyRelu ? Math.max(0, total) : total;
  });
}

/** A number to 3 decimals, without a −0. */
function fixed(value: number): string {
  const text = value.toFixed(3);
  return text === '-0.000' ? '0.000' : text;
}

/** A vector as `[a, b, c]` to 3 decimals. */
function vector(values: readonly number[]): string {
  return `[${values.map(fixed).join(', ')}]`;
}

/**
 * The readable summary the CLI prints for a {@link SteeringReport}: the input and hidden vector,
 * the latents that fired and what they match, the edit, the three outputs side by side with the
 * changed features marked `*`, and a last line naming them.
 *
 * @example
 * ```ts
 * console.log(formatSteeringReport(steer(model, 0, sae, [0, 0.8, 0, 0, 0], { latent: 3 })));
 * ```
 */
export function formatSteeringReport(report: SteeringReport): string {
  const lines: string[] = [];
  const { intervention: edit } = report;
  lines.push(`toy-model instance ${report.instance}: input x = ${vector(report.input)}`);
  lines.push(`hidden h = ${vector(report.hidden)}, SAE reconstruction ĥ = ${vector(report.reconstructedHidden)}`);
  lines.push(`latents that fired: ${report.fired.length} of ${report.latents}`);
  for (const f of report.fired) {
    lines.push(`  latent ${String(f.latent).padEnd(4)} ${fixed(f.activation).padStart(8)}   ≈ feature ${f.feature} (cos ${fixed(f.cosine)})`);
  }
  const action = edit.mode === 'ablate' ? `ablate latent ${edit.latent}` : `clamp latent ${edit.latent} to ${fixed(edit.after)}`;
  lines.push(`${action} (≈ feature ${edit.feature}, cos ${fixed(edit.cosine)}): ${fixed(edit.before)} → ${fixed(edit.after)}`);
  lines.push(`steered ĥ′ = ${vector(report.steeredHidden)}`);
  lines.push('output    original   reconstruction   steered');
  const changed = new Set(report.changed.map((c) => c.feature));
  report.outputs.original.forEach((original, i) => {
    const mark = changed.has(i) ? ' *' : '';
    lines.push(`  x′${String(i).padEnd(5)} ${fixed(original).padStart(8)}   ${fixed(report.outputs.reconstruction[i]).padStart(14)}   ${fixed(report.outputs.steered[i]).padStart(7)}${mark}`);
  });
  lines.push(report.changed.length === 0
    ? `no output feature changed by more than ${report.tolerance}`
    : `changed by more than ${report.tolerance}: ${report.changed.map((c) => `feature ${c.feature} (${fixed(c.reconstruction)} → ${fixed(c.steered)})`).join(', ')}`);
  return lines.join('\n');
}
