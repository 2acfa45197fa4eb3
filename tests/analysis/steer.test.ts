import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/engine.js';
import { formatSteeringReport, steer, toyFeatureDirections } from '../../src/analysis/steer.js';
import { SparseAutoencoder } from '../../src/models/sae.js';
import { TOY_MODEL_KINDS, ToyModel } from '../../src/models/tms.js';
import { tensor } from '../../src/tensor/creation.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** A relu toy model with n = m = 2, W = I (feature i on hidden axis i) and b = 0: out(h) = ReLU(h). */
function identityModel(instances = 1): ToyModel {
  const model = new ToyModel({ instances, features: 2, hidden: 2 });
  for (let k = 0; k < instances; k++) model.W.data.set([1, 0, 0, 1], k * 4);
  model.b.data.fill(0);
  return model;
}

/**
 * A ReLU SAE on a 2-dim space whose decoder rows are the given unit directions, with the encoder
 * their transpose and zero biases: f = ReLU(h W_decᵀ), ĥ = f W_dec.
 */
function saeWithDecoder(rows: number[][]): SparseAutoencoder {
  const sae = new SparseAutoencoder({ inputDim: 2, latents: rows.length });
  const L = rows.length;
  rows.forEach((row, l) => {
    sae.W_dec.data.set(row, l * 2);
    row.forEach((value, j) => {
      sae.W_enc.data[j * L + l] = value; // W_enc [1, d_in, d_sae]: column l is latent l's encoder
    });
  });
  sae.b_enc.data.fill(0);
  sae.b_dec.data.fill(0);
  return sae;
}

describe('steer on a hand-built model and SAE', () => {
  it('ablating the latent of feature 0 switches output 0 off and leaves output 1 alone', () => {
    // x = (0.5, 0.8): h = x, f = h (decoder = identity), ĥ = h. Ablating latent 0: ĥ′ = (0, 0.8),
    // out(ĥ′) = ReLU(ĥ′) = (0, 0.8). Feature 1 moves by 0; feature 0 by −0.5.
    const report = steer(identityModel(), 0, saeWithDecoder([[1, 0], [0, 1]]), [0.5, 0.8], { latent: 0, ablate: true });
    expect(report.hidden).toEqual([0.5, Math.fround(0.8)]);
    expect(report.fired).toEqual([
      { latent: 1, activation: Math.fround(0.8), feature: 1, cosine: 1 }, // largest activation first
      { latent: 0, activation: 0.5, feature: 0, cosine: 1 },
    ]);
    expect(report.intervention).toEqual({ latent: 0, mode: 'ablate', before: 0.5, after: 0, feature: 0, cosine: 1 });
    expect(report.steeredHidden).toEqual([0, Math.fround(0.8)]);
    expect(report.outputs.original).toEqual([0.5, Math.fround(0.8)]);
    expect(report.outputs.reconstruction).toEqual([0.5, Math.fround(0.8)]);
    expect(report.outputs.steered).toEqual([0, Math.fround(0.8)]);
    expect(report.changed).toEqual([{ feature: 0, reconstruction: 0.5, steered: 0, delta: -0.5 }]);
  });

  it('names latents by cosine, not by index: a permuted decoder', () => {
    // Latent 0 points along feature 1 and latent 1 along feature 0. Clamping latent 0 to 2 sets
    // ĥ′ = (0.5, 2), so output 1 goes 0.8 → 2 and output 0 stays 0.5.
    const report = steer(identityModel(), 0, saeWithDecoder([[0, 1], [1, 0]]), [0.5, 0.8], { latent: 0, value: 2 });
    expect(report.fired.map(({ latent, feature, cosine }) => ({ latent, feature, cosine }))).toEqual([
      { latent: 0, feature: 1, cosine: 1 },
      { latent: 1, feature: 0, cosine: 1 },
    ]);
    expect(report.intervention).toMatchObject({ latent: 0, mode: 'clamp', after: 2, feature: 1, cosine: 1 });
    expect(report.outputs.steered).toEqual([0.5, 2]);
    expect(report.changed.map((c) => c.feature)).toEqual([1]);
    expect(report.changed[0].delta).toBeCloseTo(2 - 0.8, 6);
  });

  it('clamping a latent that did not fire turns its feature on; ablating one that did not fire changes nothing', () => {
    const model = identityModel();
    const sae = saeWithDecoder([[1, 0], [0, 1]]);
    const on = steer(model, 0, sae, [0.5, 0], { latent: 1, value: 0.7 });
    expect(on.fired.map((f) => f.latent)).toEqual([0]);
    expect(on.intervention.before).toBe(0);
    expect(on.outputs.steered).toEqual([0.5, Math.fround(0.7)]);
    expect(on.changed.map((c) => c.feature)).toEqual([1]);
    const off = steer(model, 0, sae, [0.5, 0], { latent: 1 }); // no value: ablate
    expect(off.intervention.mode).toBe('ablate');
    expect(off.changed).toEqual([]);
  });

  it('compares steered with the reconstruction, so an SAE error is not reported as a change', () => {
    // A decoder bias b_dec = (0.1, 0): ĥ = f W_dec + b_dec, with f computed from h − b_dec.
    // x = (0.5, 0.8): f = (0.4, 0.8), ĥ = (0.5, 0.8). Ablate latent 1: ĥ′ = (0.5, 0).
    const sae = saeWithDecoder([[1, 0], [0, 1]]);
    sae.b_dec.data.set([0.1, 0]);
    const report = steer(identityModel(), 0, sae, tensor([[0.5, 0.8]]), { latent: 1 });
    expect(report.fired[1].activation).toBeCloseTo(0.4, 6);
    expect(report.reconstructedHidden[0]).toBeCloseTo(0.5, 6);
    expect(report.changed.map((c) => c.feature)).toEqual([1]);
    // The tolerance decides what counts: a move of 0.8 is not more than 1.
    expect(steer(identityModel(), 0, sae, [0.5, 0.8], { latent: 1, tolerance: 1 }).changed).toEqual([]);
  });

  it('reads the chosen instance of a many-instance model, and the chosen SAE instance', () => {
    // Three instances; instance 2 maps feature 0 to hidden axis 1 and feature 1 to axis 0.
    const model = identityModel(3);
    model.W.data.set([0, 1, 1, 0], 2 * 4);
    const sae = new SparseAutoencoder({ inputDim: 2, latents: 2, instances: 2 });
    sae.W_dec.data.set([1, 0, 0, 1, 1, 0, 0, 1]);
    sae.W_enc.data.set([1, 0, 0, 1, 1, 0, 0, 1]);
    sae.b_enc.data.fill(0);
    sae.b_dec.data.fill(0);
    // x = (0.5, 0): h = (0, 0.5), so latent 1 fires, and it points along feature 0 in instance 2.
    const report = steer(model, 2, sae, [0.5, 0], { latent: 1, saeInstance: 1 });
    expect(report.hidden).toEqual([0, 0.5]);
    expect(report.fired).toEqual([{ latent: 1, activation: 0.5, feature: 0, cosine: 1 }]);
    expect(report.changed).toEqual([{ feature: 0, reconstruction: 0.5, steered: 0, delta: -0.5 }]);
  });

  it('is plain JSON: it survives a round trip unchanged', () => {
    const report = steer(identityModel(), 0, saeWithDecoder([[1, 0], [0, 1]]), [0.5, 0.8], { latent: 0 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('refuses a bad instance, latent, input, edit or SAE width, naming steer', () => {
    const model = identityModel();
    const sae = saeWithDecoder([[1, 0], [0, 1]]);
    expectOpError(() => steer(model, 1, sae, [0, 0], { latent: 0 }), 'steer', 'instance', 'got 1');
    expectOpError(() => steer(model, 0, sae, [0, 0], { latent: 2 }), 'steer', 'latent must be a whole number from 0 to 1, got 2');
    expectOpError(() => steer(model, 0, sae, [0, 0, 0], { latent: 0 }), 'steer', '2 features', '3 values');
    expectOpError(() => steer(model, 0, sae, tensor([[0, 0], [0, 0]]), { latent: 0 }), 'steer', '[2,2]');
    expectOpError(() => steer(model, 0, sae, [0, NaN], { latent: 0 }), 'steer', 'input feature 1 is NaN');
    expectOpError(() => steer(model, 0, sae, [0, 0], { latent: 0, value: 1, ablate: true }), 'steer', 'not both');
    expectOpError(() => steer(model, 0, sae, [0, 0], { latent: 0, saeInstance: 1 }), 'steer', 'saeInstance');
    const wide = new SparseAutoencoder({ inputDim: 3, latents: 4 });
    expectOpError(() => steer(model, 0, wide, [0, 0], { latent: 0 }), 'steer', 'width 3', 'm = 2');
  });
});

describe('the output layer and the true directions agree with the toy model', () => {
  for (const kind of TOY_MODEL_KINDS) {
    it(`${kind}: outputs.original is the model's forward pass, and the directions are h(eᵢ)`, () => {
      const model = new ToyModel({ kind, instances: 3, features: 4, hidden: 3, seed: 7 });
      const rng = new Rng(1);
      for (let i = 0; i < model.b.data.length; i++) model.b.data[i] = rng.normal() * 0.3;
      const x = [0.9, -0.4, 0, 0.3];
      const sae = new SparseAutoencoder({ inputDim: 3, latents: 6, seed: 3 });
      const report = steer(model, 1, sae, x, { latent: 2 });
      const batch = new Float32Array(3 * 4);
      batch.set(x, 4);
      const forward = noGrad(() => model.forward(new Tensor(batch, [3, 1, 4]))).toTypedArray().subarray(4, 8);
      report.outputs.original.forEach((value, i) => expect(value).toBeCloseTo(forward[i], 5));

      // Feature i's direction: column i of W[1], passed through ReLU for the hidden-ReLU kinds.
      const directions = toyFeatureDirections(model, 1);
      expect(directions.shape).toEqual([4, 3]);
      for (let i = 0; i < 4; i++) {
        for (let r = 0; r < 3; r++) {
          const w = model.W.at(1, r, i);
          expect(directions.at(i, r)).toBe(kind === 'hidden-relu' || kind === 'abs' ? Math.max(0, w) : w);
        }
      }
    });
  }

  it('toyFeatureDirections refuses an instance out of range', () => {
    expectOpError(() => toyFeatureDirections(identityModel(2), 2), 'toyFeatureDirections', 'got 2');
  });
});

describe('formatSteeringReport', () => {
  it('names the fired latents, the edit, and the changed outputs, marking them', () => {
    const report = steer(identityModel(), 0, saeWithDecoder([[1, 0], [0, 1]]), [0.5, 0.8], { latent: 0, ablate: true });
    const text = formatSteeringReport(report);
    const lines = text.split('\n');
    expect(text).toContain('latents that fired: 2 of 2');
    expect(text).toContain('≈ feature 0 (cos 1.000)');
    expect(text).toContain('ablate latent 0 (≈ feature 0, cos 1.000): 0.500 → 0.000');
    expect(lines.filter((line) => line.endsWith(' *')).map((line) => line.trim().split(/\s+/)[0])).toEqual(['x′0']);
    expect(lines.at(-1)).toBe('changed by more than 0.001: feature 0 (0.500 → 0.000)');
    const clamp = formatSteeringReport(steer(identityModel(), 0, saeWithDecoder([[1, 0], [0, 1]]), [0.5, 0], { latent: 0, value: 0.5 }));
    expect(clamp).toContain('clamp latent 0 to 0.500');
    expect(clamp.split('\n').at(-1)).toBe('no output feature changed by more than 0.001');
  });
});
