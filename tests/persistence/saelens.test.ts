/**
 * The SAELens folder layout and toy-model folders: our own round trips (weights, encode/decode
 * outputs and bytes), folders built by hand as SAELens writes them (with its extra cfg keys), and
 * every malformed folder refused with a message naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { loadSae, loadToyModel, saveSae, saveToyModel } from '../../src/persistence/saelens.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { SAE_ARCHITECTURES, SparseAutoencoder } from '../../src/models/sae.js';
import { TOY_MODEL_KINDS, ToyModel } from '../../src/models/tms.js';
import { normal, uniform } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** Fills every parameter with random values, so a round trip that drops or mixes one shows. */
function randomize(tensors: Tensor[], seed: number): void {
  tensors.forEach((t, i) => t.data.set(uniform(t.shape, { low: -1, high: 1, seed: seed + i }).data));
}

/** Rows [instance] of an [I, …] tensor as a plain array. */
function slice(t: Tensor, instance: number): number[] {
  const all = Array.from(t.toTypedArray());
  const size = all.length / t.shape[0];
  return all.slice(instance * size, (instance + 1) * size);
}

/** SAELens's cfg.json as `save_model` writes it, with the keys we ignore. */
function saelensConfig(fields: Record<string, unknown>): string {
  return JSON.stringify({
    model_name: 'gpt2', hook_name: 'blocks.0.hook_resid_pre', hook_layer: 0, hook_head_index: null, context_size: 128,
    device: 'cpu', dtype: 'float32', prepend_bos: true, dataset_path: 'monology/pile-uncopyrighted',
    apply_b_dec_to_input: true, normalize_activations: 'none', finetuning_scaling_factor: false,
    sae_lens_training_version: '3.13.0', activation_fn_str: 'relu', ...fields,
  });
}

const vec = (values: number[], shape: number[]): Tensor => new Tensor(Float32Array.from(values), shape);

/** A standard SAELens SAE with d_in = 2, d_sae = 3, chosen so each latent's value is easy to work out. */
function standardWeights(): Record<string, Tensor> {
  return {
    W_enc: vec([1, 0, 1, 0, 1, -1], [2, 3]), // latent 0 reads x̄₀, latent 1 reads x̄₁, latent 2 reads x̄₀ − x̄₁
    W_dec: vec([1, 0, 0, 1, 0.5, 0.5], [3, 2]),
    b_enc: vec([0, -0.5, 0], [3]),
    b_dec: vec([0.5, 0], [2]),
  };
}

describe('saveSae / loadSae round trip', () => {
  for (const architecture of SAE_ARCHITECTURES) {
    it(`${architecture}: the saved instance comes back with identical weights, outputs and bytes`, () => {
      const sae = new SparseAutoencoder({ architecture, inputDim: 3, latents: 5, instances: 2, k: 2, seed: 1 });
      randomize(sae.parameters(), 10);
      // Thresholds near the default 0.001 (log θ ≈ −6.9), where log(exp(l)) in float32 often misses l by an ulp.
      sae.logThreshold?.data.set(uniform(sae.logThreshold.shape, { low: -9, high: -5, seed: 30 }).data);
      const files = saveSae(sae, { instance: 1 });
      const loaded = loadSae(files);
      expect(loaded.architecture).toBe(architecture);
      expect([loaded.inputDim, loaded.latents, loaded.instances]).toEqual([3, 5, 1]);
      if (architecture === 'topk') expect(loaded.k).toBe(2);
      for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'r_mag', 'b_mag'] as const) {
        const original = sae[name];
        const copy = loaded[name];
        if (original === null || copy === null) {
          expect(copy).toBe(original);
          continue;
        }
        expect(Array.from(copy.toTypedArray()), name).toEqual(slice(original, 1));
      }
      const thresholds = sae.thresholds();
      if (thresholds !== null) expect(Array.from((loaded.thresholds() as Tensor).toTypedArray())).toEqual(slice(thresholds, 1));

      const x = normal([1, 16, 3], { seed: 3 });
      const both = new Tensor(Float32Array.from([...x.data, ...x.data]), [2, 16, 3]);
      const expected = sae.forward(both);
      const actual = loaded.forward(x);
      expect(Array.from(actual.latents.toTypedArray())).toEqual(slice(expected.latents, 1));
      expect(Array.from(actual.reconstruction.toTypedArray())).toEqual(slice(expected.reconstruction, 1));

      const again = saveSae(loaded);
      expect(again['sae_weights.safetensors']).toEqual(files['sae_weights.safetensors']);
    });
  }

  it('writes the SAELens layout: cfg fields and 2-D tensor names and shapes', () => {
    const sae = new SparseAutoencoder({ architecture: 'gated', inputDim: 4, latents: 6, instances: 3 });
    const files = saveSae(sae, { instance: 2, extraConfig: { model_name: 'toy', hook_name: 'h' } });
    const cfg = JSON.parse(files['cfg.json']) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      d_in: 4, d_sae: 6, dtype: 'float32', architecture: 'gated', apply_b_dec_to_input: true,
      normalize_activations: 'none', model_name: 'toy', hook_name: 'h',
      metadata: { architecture: 'gated', instances: 3, instance: 2 },
    });
    const { tensors } = readSafetensors(files['sae_weights.safetensors']);
    const shapes = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.shape]));
    expect(shapes).toEqual({ W_enc: [4, 6], W_dec: [6, 4], b_dec: [4], b_gate: [6], b_mag: [6], r_mag: [6] });
    expect(JSON.parse(saveSae(new SparseAutoencoder({ inputDim: 2, latents: 2 }))['cfg.json'])).toMatchObject({ architecture: 'standard' });
  });

  it('refuses an instance the SAE does not have', () => {
    const sae = new SparseAutoencoder({ inputDim: 2, latents: 3, instances: 2 });
    expectOpError(() => saveSae(sae, { instance: 2 }), 'saveSae', 'instance', 'from 0 to 1');
  });
});

describe('loadSae on folders SAELens writes (built by hand to its layout)', () => {
  // x = [2, 1]: x̄ = x − b_dec = [1.5, 1]; π = x̄ W_enc + b_enc = [1.5, 1 − 0.5, 1.5 − 1] = [1.5, 0.5, 0.5].
  const x = vec([2, 1], [1, 1, 2]);

  it('standard: encodes and decodes as SAELens does', () => {
    const sae = loadSae({ 'cfg.json': saelensConfig({ architecture: 'standard', d_in: 2, d_sae: 3 }), 'sae_weights.safetensors': writeSafetensors(standardWeights()) });
    expect(sae.architecture).toBe('relu');
    const { latents, reconstruction } = sae.forward(x);
    expect(Array.from(latents.toTypedArray())).toEqual([1.5, 0.5, 0.5]);
    // x̂ = f W_dec + b_dec = [1.5 + 0.25, 0.5 + 0.25] + [0.5, 0] = [2.25, 0.75]
    expect(Array.from(reconstruction.toTypedArray())).toEqual([2.25, 0.75]);
  });

  it('standard with apply_b_dec_to_input false: π = x W_enc + b_enc', () => {
    const cfg = saelensConfig({ architecture: 'standard', d_in: 2, d_sae: 3, apply_b_dec_to_input: false });
    const sae = loadSae({ 'cfg.json': cfg, 'sae_weights.safetensors': writeSafetensors(standardWeights()) });
    // π = [2, 1] W_enc + b_enc = [2, 1 − 0.5, 2 − 1] = [2, 0.5, 1]
    expect(Array.from(sae.encode(x).toTypedArray())).toEqual([2, 0.5, 1]);
  });

  it('topk: k from the cfg, new style (k) and old style (activation_fn_kwargs)', () => {
    const weights = writeSafetensors(standardWeights());
    const newStyle = loadSae({ 'cfg.json': saelensConfig({ architecture: 'topk', k: 1, d_in: 2, d_sae: 3 }), 'sae_weights.safetensors': weights });
    const oldStyle = loadSae({
      'cfg.json': saelensConfig({ architecture: 'standard', activation_fn_str: 'topk', activation_fn_kwargs: { k: 1 }, d_in: 2, d_sae: 3 }),
      'sae_weights.safetensors': weights,
    });
    for (const sae of [newStyle, oldStyle]) {
      expect([sae.architecture, sae.k]).toEqual(['topk', 1]);
      expect(Array.from(sae.encode(x).toTypedArray())).toEqual([1.5, 0, 0]); // only the largest of π = [1.5, 0.5, 0.5]
    }
  });

  it('jumprelu: the threshold tensor is θ, not log θ', () => {
    const weights = { ...standardWeights(), threshold: vec([1, 0.25, 0.75], [3]) };
    const sae = loadSae({ 'cfg.json': saelensConfig({ architecture: 'jumprelu', d_in: 2, d_sae: 3 }), 'sae_weights.safetensors': writeSafetensors(weights) });
    expect(Array.from((sae.thresholds() as Tensor).toTypedArray())).toEqual([1, 0.25, 0.75]);
    // π = [1.5, 0.5, 0.5] kept where π > θ = [1, 0.25, 0.75]
    expect(Array.from(sae.encode(x).toTypedArray())).toEqual([1.5, 0.5, 0]);
  });

  it('gated: b_gate gates, W_enc ⊙ exp(r_mag) and b_mag give the magnitude', () => {
    const { b_enc: _unused, ...rest } = standardWeights();
    const weights = {
      ...rest,
      b_gate: vec([0, -0.5, -1], [3]), // gate π = [1.5, 0.5, −0.5] → open, open, shut
      r_mag: vec([Math.log(2), 0, 0], [3]), // magnitude π = [3, 1, 0.5] + b_mag
      b_mag: vec([0, 1, 0], [3]),
    };
    const sae = loadSae({ 'cfg.json': saelensConfig({ architecture: 'gated', d_in: 2, d_sae: 3 }), 'sae_weights.safetensors': writeSafetensors(weights) });
    const f = Array.from(sae.encode(x).toTypedArray());
    expect(f[0]).toBeCloseTo(3, 5); // exp(log 2) is 2 up to float32 rounding
    expect(f.slice(1)).toEqual([2, 0]);
  });

  it('accepts float64 weights (F64) and converts them to float32', () => {
    const weights = Object.fromEntries(Object.entries(standardWeights()).map(([n, t]) => [n, new Tensor(Float64Array.from(t.data), t.shape)]));
    const sae = loadSae({ 'cfg.json': saelensConfig({ d_in: 2, d_sae: 3, dtype: 'float64' }), 'sae_weights.safetensors': writeSafetensors(weights) });
    expect(Array.from(sae.encode(x).toTypedArray())).toEqual([1.5, 0.5, 0.5]);
  });
});

describe('loadSae refusals', () => {
  const load = (fields: Record<string, unknown>, weights: Record<string, Tensor> = standardWeights()) =>
    () => loadSae({ 'cfg.json': saelensConfig({ architecture: 'standard', d_in: 2, d_sae: 3, ...fields }), 'sae_weights.safetensors': writeSafetensors(weights) });

  it('a missing tensor, naming it and what the file holds', () => {
    const { b_dec: _dropped, ...rest } = standardWeights();
    expectOpError(load({}, rest), 'loadSae', "no tensor 'b_dec'", 'W_enc', '[2]');
    expectOpError(load({ architecture: 'jumprelu' }), 'loadSae', "no tensor 'threshold'");
    expectOpError(load({ architecture: 'gated' }), 'loadSae', "no tensor 'b_gate'");
  });

  it('a shape that does not match the cfg', () => {
    expectOpError(load({ d_sae: 4 }), 'loadSae', "'W_enc'", '[2,3]', '[2,4]');
    expectOpError(load({}, { ...standardWeights(), b_enc: vec([0, 0, 0], [1, 3]) }), 'loadSae', "'b_enc'", '[1,3]', '[3]');
  });

  it('an unknown architecture or activation', () => {
    expectOpError(load({ architecture: 'matryoshka' }), 'loadSae', 'architecture "matryoshka" is unknown');
    expectOpError(load({ activation_fn_str: 'tanh-relu' }), 'loadSae', 'activation_fn_str "tanh-relu"');
  });

  it('an unsupported dtype, normalisation, or integer weights', () => {
    expectOpError(load({ dtype: 'bfloat16' }), 'loadSae', 'dtype "bfloat16" is not supported');
    expectOpError(load({ normalize_activations: 'expected_average_only_in' }), 'loadSae', 'normalize_activations');
    expectOpError(load({}, { ...standardWeights(), b_enc: new Tensor(Int32Array.of(0, 0, 0), [3]) }), 'loadSae', "'b_enc' is int32");
  });

  it('bad cfg fields, bad thresholds, and files that are not what they claim', () => {
    expectOpError(load({ d_in: 0 }), 'loadSae', "'d_in'", '≥ 1');
    expectOpError(load({ architecture: 'topk', k: 9 }), 'loadSae', 'k = 9', 'd_sae = 3');
    expectOpError(load({ architecture: 'jumprelu' }, { ...standardWeights(), threshold: vec([1, 0, 1], [3]) }), 'loadSae', 'threshold[1]', 'positive');
    expectOpError(() => loadSae({ 'cfg.json': '{"d_in": 2,', 'sae_weights.safetensors': writeSafetensors(standardWeights()) }), 'loadSae', 'not valid JSON');
    expectOpError(() => loadSae({ 'cfg.json': '[1]', 'sae_weights.safetensors': writeSafetensors(standardWeights()) }), 'loadSae', 'JSON object');
    const cfg = saelensConfig({ d_in: 2, d_sae: 3 });
    expectOpError(() => loadSae({ 'cfg.json': cfg, 'sae_weights.safetensors': Uint8Array.of(1, 2, 3) }), 'loadSae', 'not a valid safetensors file', 'readSafetensors');
  });
});

describe('saveToyModel / loadToyModel', () => {
  for (const kind of TOY_MODEL_KINDS) {
    it(`${kind}: identical weights and outputs, and identical bytes when saved again`, () => {
      const model = new ToyModel({ kind, instances: 3, features: 5, hidden: 2, seed: 4 });
      randomize(model.parameters(), 20); // b is zero at initialisation
      const files = saveToyModel(model);
      const loaded = loadToyModel(files);
      expect([loaded.kind, loaded.instances, loaded.features, loaded.hidden]).toEqual([kind, 3, 5, 2]);
      expect(Array.from(loaded.W.toTypedArray())).toEqual(Array.from(model.W.toTypedArray()));
      expect(Array.from(loaded.b.toTypedArray())).toEqual(Array.from(model.b.toTypedArray()));
      expect(loaded.W2 === null).toBe(model.W2 === null);
      const x = uniform([3, 8, 5], { seed: 5 });
      expect(Array.from(loaded.forward(x).toTypedArray())).toEqual(Array.from(model.forward(x).toTypedArray()));
      const again = saveToyModel(loaded);
      expect(again['toy_model.safetensors']).toEqual(files['toy_model.safetensors']);
      expect(again['toy_model.json']).toBe(files['toy_model.json']);
    });
  }

  it('refuses an unknown kind, a missing W2, and shapes that do not match the config', () => {
    const files = saveToyModel(new ToyModel({ kind: 'relu', instances: 1, features: 4, hidden: 2 }));
    const withConfig = (change: Record<string, unknown>) => ({
      ...files, 'toy_model.json': JSON.stringify({ ...JSON.parse(files['toy_model.json']), ...change }),
    });
    expectOpError(() => loadToyModel(withConfig({ kind: 'sigmoid' })), 'loadToyModel', 'kind "sigmoid" is unknown');
    expectOpError(() => loadToyModel(withConfig({ kind: 'abs' })), 'loadToyModel', "no tensor 'W2'");
    expectOpError(() => loadToyModel(withConfig({ hidden: 3 })), 'loadToyModel', "'W'", '[1,2,4]', '[1,3,4]');
  });
});
