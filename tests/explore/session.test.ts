/**
 * The explorable's training session (what its worker runs), in Node: it trains the library's toy
 * model and an SAE beside it, reports what the page draws, keeps or replaces the model as the
 * settings ask, and a seed gives the same run twice.
 */
import { describe, expect, it } from 'vitest';
import { classifyFeatures, featureNorms, gram } from '../../src/analysis/features.js';
import { ExploreSession, LOSS_EVERY, SAE_EVERY } from '../../src/explore/session.js';
import { DEFAULT_SETTINGS } from '../../src/explore/settings.js';
import { tensor } from '../../src/tensor/creation.js';

const SMALL = { ...DEFAULT_SETTINGS, batch: 64 };

describe('ExploreSession', () => {
  it('reports W as m rows of n numbers, with the measures of that W', () => {
    const session = new ExploreSession({ ...SMALL, n: 6, m: 3 });
    for (let i = 0; i < 25; i++) session.advance();
    const report = session.report();
    expect(report.step).toBe(25);
    expect(report.W).toHaveLength(3);
    for (const row of report.W) expect(row).toHaveLength(6);
    expect(report.b).toHaveLength(6);
    const W = tensor(report.W);
    expect(report.norms).toEqual(featureNorms(W));
    expect(report.gram).toEqual(gram(W));
    expect(report.statuses).toEqual(classifyFeatures(W));
    expect(report.sae.directions).toHaveLength(6); // one learned direction per latent, n latents
    for (const row of report.sae.directions) expect(Math.hypot(...row)).toBeCloseTo(1, 5); // unit decoder rows
    expect(report.sae.step).toBe(Math.floor(25 / SAE_EVERY)); // one SAE step per SAE_EVERY of the model's
    // Loss points every LOSS_EVERY steps, each the mean of its steps; handed over once.
    expect(report.lossPoints.map(([step]) => step)).toEqual([10, 20]);
    expect(report.loss).toBe(report.lossPoints[1][1]);
    for (let i = 0; i < LOSS_EVERY; i++) session.advance();
    expect(session.report().lossPoints.map(([step]) => step)).toEqual([30]);
  });

  it('gives the same run for the same settings, and another for another seed', () => {
    const run = (seed: number): number[][] => {
      const session = new ExploreSession({ ...SMALL, seed });
      for (let i = 0; i < 30; i++) session.advance();
      return session.report().W;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('keeps the weights on a live change and starts a new model on a reset change', () => {
    const session = new ExploreSession(SMALL);
    for (let i = 0; i < 20; i++) session.advance();
    const trained = session.report();
    expect(session.apply({ ...SMALL, density: 0.1, lr: 0.003, importance: 1, batch: 32 })).toBe('live');
    const live = session.report();
    expect(live.step).toBe(20);
    expect(live.generation).toBe(trained.generation);
    expect(live.W).toEqual(trained.W);
    session.advance();
    expect(session.report().step).toBe(21);

    expect(session.apply({ ...SMALL, density: 0.1, lr: 0.003, importance: 1, batch: 32, n: 7 })).toBe('reset');
    const fresh = session.report();
    expect(fresh.step).toBe(0);
    expect(fresh.generation).toBe(trained.generation + 1);
    expect(fresh.W[0]).toHaveLength(7);
    expect(Number.isNaN(fresh.loss)).toBe(true);
  });

  it('resets to the same starting weights, so Reset replays a run', () => {
    const session = new ExploreSession(SMALL);
    const start = session.report().W;
    for (let i = 0; i < 10; i++) session.advance();
    expect(session.report().W).not.toEqual(start);
    session.reset();
    expect(session.report().W).toEqual(start);
  });

  it('stops with a message naming the step and the learning rate when the loss overflows', () => {
    const session = new ExploreSession({ ...SMALL, lr: 0.1, importance: 10, n: 20 });
    // Force an overflow: weights far past float32's range square to ∞ in the loss.
    const W = (session as unknown as { model: { W: { data: Float32Array } } }).model.W;
    W.data.fill(1e30);
    expect(() => session.advance()).toThrow(/the loss became (NaN|Infinity) at step 1; try a smaller learning rate \(now 0\.1\)/);
  });

  it('trains the default model into five features in two dimensions, and the SAE finds them', () => {
    const session = new ExploreSession(DEFAULT_SETTINGS);
    for (let i = 0; i < 1500; i++) session.advance();
    const report = session.report();
    expect(report.statuses).toEqual(['superposed', 'superposed', 'superposed', 'superposed', 'superposed']);
    expect(report.dimensionsPerFeature).toBeLessThan(0.5);
    expect(report.sae.mmcs).toBeGreaterThan(0.9);
  });
});
