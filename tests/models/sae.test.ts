/**
 * Sparse autoencoders: each architecture's mechanics, and small seeded versions of the lesson's
 * reproductions (the CLI runs the full ones).
 */
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { generateFeatures } from '../../src/models/data.js';
import { type ActivationSampler, SparseAutoencoder, trainSae } from '../../src/models/sae.js';
import { ToyModel, trainToyModel } from '../../src/models/tms.js';
import * as kernels from '../../src/tensor/kernels.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** For each true feature (row), the largest cosine with any learned direction (row). */
function maxCosines(trueFeatures: Tensor, learned: Tensor): number[] {
  const unit = (t: Tensor) => kernels.div(t, kernels.maximum(kernels.norm(t, 2, -1, { keepDims: true }), 1e-12));
  const cosines = kernels.matmul(unit(trueFeatures), unit(learned), { transposeB: true }).toArray() as number[][];
  return cosines.map((row) => Math.max(...row));
}
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², about the mean. */
function fve(x: Tensor, xHat: Tensor): number {
  const residual = kernels.sum(kernels.square(kernels.sub(x, xHat))).item();
  const spread = kernels.sum(kernels.square(kernels.sub(x, kernels.mean(x, 1, { keepDims: true })))).item();
  return 1 - residual / spread;
}

describe('the toy model (ARENA’s ToySAE): n = 5, m = 2, p = 0.025', () => {
  // Four toy models and four SAEs trained side by side, as four seeds: instance k of the SAE
  // reads instance k of the toy model's hidden space.
  const instances = 4;
  const model = new ToyModel({ instances, features: 5, hidden: 2, seed: 11 });
  trainToyModel(model, { density: 0.025, importance: 1, steps: 3000, lr: 1e-2, seed: 11 });
  const sample: ActivationSampler = (batch, rng) =>
    ag.noGrad(() => model.hiddenActivations(generateFeatures({ instances, batch, features: 5, density: 0.025, rng })));
  const sae = new SparseAutoencoder({ architecture: 'relu', inputDim: 2, latents: 5, instances, seed: 3 });
  const { history } = trainSae(sae, sample, { steps: 5000, batch: 1024, lr: 3e-3, l1: 0.3, seed: 5 });

  it('a 5-latent ReLU SAE recovers all five features: MMCS ≥ 0.99 in at least 3 of 4 seeds', () => {
    const scores = Array.from({ length: instances }, (_, k) => {
      const trueFeatures = kernels.transpose(kernels.squeeze(kernels.slice(model.W, 0, k, k + 1), 0)); // [5, 2]
      return meanOf(maxCosines(trueFeatures, sae.decoderDirections(k)));
    });
    expect(scores.filter((s) => s >= 0.99).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps the decoder rows at unit norm, and the loss falls', () => {
    const norms = kernels.norm(sae.W_dec, 2, -1).toTypedArray();
    for (const n of norms) expect(n).toBeCloseTo(1, 5);
    expect(history[history.length - 1].loss).toBeLessThan(history[0].loss);
  });
});

describe('synthetic data with known features: 64 unit directions in 32 dims, ~3 active', () => {
  const rng = new Rng(42);
  const directions = kernels.normal([64, 32], { rng });
  const truth = kernels.div(directions, kernels.norm(directions, 2, -1, { keepDims: true }));
  const sample: ActivationSampler = (batch, r) =>
    kernels.matmul(generateFeatures({ instances: 1, batch, features: 64, density: 3 / 64, rng: r }), truth);
  const held = sample(4096, new Rng(7));

  for (const [architecture, options] of [['relu', { l1: 0.1 }], ['topk', { l1: 0 }]] as const) {
    it(`${architecture} with 128 latents: MMCS ≥ 0.9 and FVE ≥ 0.9`, () => {
      const sae = new SparseAutoencoder({ architecture, inputDim: 32, latents: 128, k: 4, seed: 0 });
      trainSae(sae, sample, { steps: 1200, batch: 256, lr: 5e-3, resample: 'anthropic', resampleEvery: 1000, deadWindow: 300, seed: 1, ...options });
      expect(meanOf(maxCosines(truth, sae.decoderDirections(0)))).toBeGreaterThanOrEqual(0.9);
      const reconstruction = ag.noGrad(() => sae.forward(held).reconstruction);
      expect(fve(held, reconstruction)).toBeGreaterThanOrEqual(0.9);
    });
  }
});

describe('dead latents', () => {
  /** An SAE whose first `killed` latents can never fire on positive data (a large negative bias). */
  function sabotaged(killed: number): SparseAutoencoder {
    const sae = new SparseAutoencoder({ architecture: 'relu', inputDim: 4, latents: 8, seed: 1 });
    for (let j = 0; j < killed; j++) sae.b_enc.data[j] = -100;
    return sae;
  }
  const sample: ActivationSampler = (batch, rng) => generateFeatures({ instances: 1, batch, features: 4, density: 0.5, rng });

  it('stay dead without resampling', () => {
    const { history } = trainSae(sabotaged(4), sample, { steps: 300, batch: 128, lr: 1e-3, l1: 0.01, deadWindow: 50, progressEvery: 50 });
    expect(history[history.length - 1].dead).toBeGreaterThanOrEqual(4);
  });

  for (const method of ['simple', 'anthropic'] as const) {
    it(`come back after ${method} resampling`, () => {
      const sae = sabotaged(4);
      const { history } = trainSae(sae, sample, {
        steps: 300, batch: 128, lr: 1e-3, l1: 0.01, deadWindow: 50, resample: method, resampleEvery: 100, progressEvery: 50,
      });
      expect(history.some((entry) => entry.resampled >= 4)).toBe(true);
      for (let j = 0; j < 4; j++) expect(sae.b_enc.data[j]).toBeGreaterThan(-100); // re-initialised
      const f = ag.noGrad(() => sae.encode(sample(512, new Rng(3)))).toTypedArray();
      const fired = new Set<number>();
      f.forEach((v, i) => { if (v > 0) fired.add(i % 8); });
      expect([0, 1, 2, 3].filter((j) => fired.has(j)).length).toBeGreaterThanOrEqual(3);
      expect(history[history.length - 1].dead).toBeLessThan(4);
    });
  }
});

describe('architectures', () => {
  const x = generateFeatures({ instances: 1, batch: 16, features: 6, density: 0.5, rng: new Rng(2) });

  it('topk keeps at most k latents per sample, initialised with the encoder as the decoder transpose', () => {
    const sae = new SparseAutoencoder({ architecture: 'topk', inputDim: 6, latents: 12, k: 3 });
    expect(kernels.arrayEqual(sae.W_enc, kernels.contiguous(kernels.transpose(sae.W_dec, 1, 2)))).toBe(true);
    const f = ag.noGrad(() => sae.encode(x)).toArray() as number[][][];
    for (const row of f[0]) expect(row.filter((v) => v > 0).length).toBeLessThanOrEqual(3);
  });

  it('jumprelu: the threshold gets the straight-through gradient −(1/ε)·K for the L0 term', () => {
    const sae = new SparseAutoencoder({ architecture: 'jumprelu', inputDim: 6, latents: 4, bandwidth: 0.5, initialThreshold: 0.2 });
    const terms = sae.loss(x, { l1: 1 });
    ag.sum(terms.sparsity).backward();
    // L0 = mean over the batch of Σⱼ H(πⱼ − θⱼ); ∂/∂θⱼ = −(1/ε) · (share of samples with |πⱼ − θⱼ| < ε/2),
    // and θ = exp(log θ) multiplies that by θ.
    const pre = kernels.add(kernels.matmul(kernels.sub(x, sae.b_dec), sae.W_enc), sae.b_enc).toArray() as number[][][];
    const theta = 0.2;
    const grad = sae.logThreshold?.grad?.toTypedArray() ?? [];
    for (let j = 0; j < 4; j++) {
      const inBand = pre[0].filter((row) => Math.abs(row[j] - theta) < 0.25).length / pre[0].length;
      expect(grad[j]).toBeCloseTo(-(1 / 0.5) * inBand * theta, 5);
    }
  });

  it('gated: the auxiliary term trains the gate, not the (frozen) decoder', () => {
    const sae = new SparseAutoencoder({ architecture: 'gated', inputDim: 6, latents: 8 });
    ag.sum(sae.loss(x, { l1: 0 }).auxiliary).backward();
    expect(sae.W_dec.grad === null || kernels.max(kernels.abs(sae.W_dec.grad)).item() === 0).toBe(true);
    expect(kernels.max(kernels.abs(sae.W_enc.grad as Tensor)).item()).toBeGreaterThan(0);
  });

  it('the decoder-gradient projection leaves no component along any row', () => {
    const sae = new SparseAutoencoder({ architecture: 'relu', inputDim: 6, latents: 5 });
    sae.loss(x, { l1: 0.1 }).total.backward();
    sae.projectDecoderGradient();
    const along = kernels.sum(kernels.mul(sae.W_dec, sae.W_dec.grad as Tensor), -1).toTypedArray();
    for (const a of along) expect(Math.abs(a)).toBeLessThan(1e-6);
  });

  it('refuses bad configurations and inputs', () => {
    expectOpError(() => new SparseAutoencoder({ architecture: 'topk', inputDim: 4, latents: 8, k: 9 }), 'SparseAutoencoder', 'k must be', '8');
    expectOpError(() => new SparseAutoencoder({ architecture: 'wide' as never, inputDim: 4, latents: 8 }), 'SparseAutoencoder', 'relu, topk');
    const sae = new SparseAutoencoder({ inputDim: 4, latents: 8 });
    expectOpError(() => sae.encode(kernels.zeros([1, 3, 5])), 'SparseAutoencoder', '[1, batch, 4]', '[1,3,5]');
    expectOpError(() => trainSae(sae, () => kernels.zeros([1, 2, 4]), { steps: 1, l1: -1 }), 'trainSae', 'l1');
  });
});
