/**
 * Training checkpoints: the bytes round-trip, and a run stopped at step N, written to bytes, read
 * back into fresh objects and resumed ends bit-identical to a run that never stopped.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/io/safetensors.js';
import type { TrainingState } from '../../src/models/training-state.js';
import { type Checkpoint, configConflicts, readCheckpoint, writeCheckpoint } from '../../src/persistence/checkpoint.js';
import { generateFeatures } from '../../src/models/data.js';
import { type ActivationSampler, type SaeArchitecture, SparseAutoencoder, trainSae } from '../../src/models/sae.js';
import { type ToyModelKind, ToyModel, type TrainOptions, trainToyModel } from '../../src/models/tms.js';
import { zeros } from '../../src/tensor/creation.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectOpError } from '../support/expect.js';

/** Every parameter's values, as typed arrays (compared exactly with toEqual). */
function values(params: readonly Tensor[]): Tensor['data'][] {
  return params.map((p) => p.toTypedArray());
}

/** Through the bytes and back, so the test covers the file format too. */
function throughBytes(checkpoint: Checkpoint): Checkpoint {
  return readCheckpoint(writeCheckpoint(checkpoint));
}

describe('toy model: stop at N, save, resume for N more', () => {
  const N = 15;
  const config = { instances: 3, features: 5, hidden: 2, seed: 4 };
  const options: TrainOptions = { density: [1, 0.3, 0.05], importance: 0.9, batch: 32, lr: 1e-2, seed: 11, progressEvery: 5 };

  for (const kind of ['relu', 'abs'] as ToyModelKind[]) {
    it(`${kind}: bit-identical parameters, history and final loss to an uninterrupted run of 2N`, () => {
      const straight = new ToyModel({ ...config, kind });
      const whole = trainToyModel(straight, { ...options, steps: 2 * N });

      const first = new ToyModel({ ...config, kind });
      const states: TrainingState[] = [];
      trainToyModel(first, { ...options, steps: N, checkpointEvery: 10, onCheckpoint: (s) => states.push(s) });
      expect(states.map((s) => s.step)).toEqual([10, N]); // every 10 steps, and at the last
      const saved = throughBytes({ kind: 'tms', config: { kind }, state: states[1] });

      const fresh = new ToyModel({ ...config, kind, seed: 999 }); // different initial weights: all overwritten
      const resumed = trainToyModel(fresh, { ...options, steps: 2 * N, resumeFrom: saved.state });

      expect(values(fresh.parameters())).toEqual(values(straight.parameters()));
      expect(resumed.finalLoss).toEqual(whole.finalLoss);
      expect(resumed.history).toEqual(whole.history.filter(([step]) => step > N));
    });
  }

  it('resuming from a state that is not the one stopped at gives different parameters (the test can fail)', () => {
    const straight = new ToyModel({ ...config });
    trainToyModel(straight, { ...options, steps: 2 * N });
    const states: TrainingState[] = [];
    trainToyModel(new ToyModel({ ...config }), { ...options, steps: N, checkpointEvery: N, onCheckpoint: (s) => states.push(s) });
    const state = states[0];
    const shifted = new Rng(0).getState(); // the wrong data stream
    const fresh = new ToyModel({ ...config });
    trainToyModel(fresh, { ...options, steps: 2 * N, resumeFrom: { ...state, rngs: { data: shifted } } });
    expect(values(fresh.parameters())).not.toEqual(values(straight.parameters()));
  });

  it('refuses a state whose parameters do not fit the model', () => {
    const states: TrainingState[] = [];
    trainToyModel(new ToyModel({ ...config }), { ...options, steps: 2, checkpointEvery: 1, onCheckpoint: (s) => states.push(s) });
    const bigger = new ToyModel({ ...config, hidden: 3 });
    expectOpError(() => trainToyModel(bigger, { ...options, steps: 4, resumeFrom: states[1] }), 'trainToyModel', 'parameter W', 'shape');
    const other = new ToyModel({ ...config, kind: 'abs' });
    expectOpError(() => trainToyModel(other, { ...options, steps: 4, resumeFrom: states[1] }), 'trainToyModel', 'holds parameters');
    expectOpError(() => trainToyModel(new ToyModel(config), { ...options, steps: 1, resumeFrom: states[1] }), 'trainToyModel', 'past steps');
  });
});

describe('SAE: stop at N, save, resume for N more', () => {
  const sample: ActivationSampler = (batch, rng) => generateFeatures({ instances: 1, batch, features: 6, density: 0.2, rng });
  // Resampling every 6 steps with a 2-step dead window: resamples fall before and after the stop,
  // so the dead-latent counters and the generator's use by resampling must both be restored.
  const options = { batch: 8, lr: 5e-3, l1: 0.3, l1Warmup: 25, resample: 'anthropic', resampleEvery: 6, deadWindow: 2, seed: 5, progressEvery: 2 } as const;
  const N = 14;

  for (const architecture of ['relu', 'topk', 'jumprelu', 'gated'] as SaeArchitecture[]) {
    it(`${architecture}: bit-identical parameters and history to an uninterrupted run of 2N`, () => {
      const make = () => new SparseAutoencoder({ architecture, inputDim: 6, latents: 24, k: 1, seed: 3 });
      const straight = make();
      const whole = trainSae(straight, sample, { ...options, steps: 2 * N });
      // Latents are resampled after the stop, so the restored counters and generator are exercised.
      expect(whole.history.some((entry) => entry.step > N && entry.resampled > 0)).toBe(true);

      const first = make();
      const states: TrainingState[] = [];
      trainSae(first, sample, { ...options, steps: N, checkpointEvery: N, onCheckpoint: (s) => states.push(s) });
      expect(states.map((s) => s.step)).toEqual([N]);
      const saved = throughBytes({ kind: 'sae', config: {}, state: states[0] });
      expect(saved.state.counters.sinceFired.dtype).toBe('int32');

      const fresh = make();
      const resumed = trainSae(fresh, sample, { ...options, steps: 2 * N, resumeFrom: saved.state });
      expect(values(fresh.parameters())).toEqual(values(straight.parameters()));
      expect(resumed.history).toEqual(whole.history.filter((entry) => entry.step > N));
    });
  }
});

describe('checkpoint bytes', () => {
  it('round-trip every field exactly, including an Rng spare normal', () => {
    const rng = new Rng(7);
    rng.normal(); // leaves a spare normal in the state
    const model = new ToyModel({ instances: 2, features: 3, hidden: 2 });
    const states: TrainingState[] = [];
    trainToyModel(model, { density: 0.5, steps: 3, batch: 4, checkpointEvery: 3, onCheckpoint: (s) => states.push(s) });
    const state = { ...states[0], rngs: { data: states[0].rngs.data, extra: rng.getState() } };
    expect(state.rngs.extra.spareNormal).not.toBeNull();
    const back = throughBytes({ kind: 'tms', config: { features: 3, density: [0.5, 0.1], name: 'x' }, state });
    expect(back.kind).toBe('tms');
    expect(back.config).toEqual({ features: 3, density: [0.5, 0.1], name: 'x' });
    expect(back.state.step).toBe(3);
    expect(back.state.rngs).toEqual(state.rngs);
    expect(Object.keys(back.state.parameters)).toEqual(['W', 'b']);
    for (const name of ['W', 'b']) expect(back.state.parameters[name].toTypedArray()).toEqual(state.parameters[name].toTypedArray());
    expect(back.state.optimizer.stepCount).toBe(3);
    expect(back.state.optimizer.lr).toBe(state.optimizer.lr);
    back.state.optimizer.params.forEach((entry, i) => {
      expect(entry.step).toBe(state.optimizer.params[i].step);
      for (const [buffer, tensor] of Object.entries(entry.buffers)) {
        expect(tensor.toTypedArray()).toEqual(state.optimizer.params[i].buffers[buffer].toTypedArray());
      }
    });
  });

  it('refuses a safetensors file that is not a checkpoint, and a checkpoint missing a tensor', () => {
    expectOpError(() => readCheckpoint(writeSafetensors({ W: zeros([2]) })), 'readCheckpoint', 'no "superposition.checkpoint" metadata');
    const meta = JSON.stringify({ format: 1, kind: 'tms', step: 0, config: {}, parameters: ['W'], counters: [], rngs: {},
      optimizer: { optimizer: 'AdamW', stepCount: 0, lr: 1, hyperparameters: {}, steps: [], buffers: [] } });
    expectOpError(() => readCheckpoint(writeSafetensors({}, { metadata: { 'superposition.checkpoint': meta } })),
      'readCheckpoint', 'parameter/W');
    expectOpError(() => readCheckpoint(writeSafetensors({}, { metadata: { 'superposition.checkpoint': '{"format":2}' } })),
      'readCheckpoint', 'format 2');
  });

  it('configConflicts names exactly the settings that differ', () => {
    // Hand-computed: only hidden and density differ; seed is equal; extra appears on one side only.
    expect(configConflicts({ features: 5, hidden: 2, density: [1, 0.5], seed: 0 }, { features: 5, hidden: 3, density: [1, 0.4], seed: 0 }))
      .toEqual(['hidden', 'density']);
    expect(configConflicts({ a: 1 }, { a: 1, extra: true })).toEqual(['extra']);
    expect(configConflicts({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
  });
});
