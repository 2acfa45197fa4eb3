/**
 * What the experiments share: options refused with messages that name them as code does and as
 * the command line does, densities, progress, and that `toJson` gives each command's fields.
 */
import { describe, expect, it } from 'vitest';
import { usageErrorOf } from '../../src/cli/args.js';
import { OptionError, progressInterval, resolveDensities, SILENT_PROGRESS } from '../../src/experiments/options.js';
import * as saeExperiment from '../../src/experiments/sae.js';
import * as steerExperiment from '../../src/experiments/steer.js';
import * as tmsExperiment from '../../src/experiments/tms.js';

/** The error `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('OptionError', () => {
  it('names options as code does, and as flags on the command line', () => {
    const error = thrown(() => saeExperiment.resolveLatents({ latents: 3, k: 5 }, 9));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).message).toBe('k 5 is larger than latents 3: TopK keeps k of the latents, so k must be at most 3');
    expect(usageErrorOf(error as OptionError).message).toBe('--k 5 is larger than --latents 3: TopK keeps k of the latents, so k must be at most 3');
  });

  it('refuses, before any training, an instance past the last and a present feature past n, with camelCase options as kebab flags', () => {
    const toy = { ...saeExperiment.TOY_SOURCE_DEFAULTS, instances: 2, instance: 2 };
    const error = thrown(() => saeExperiment.trainToySource(toy));
    expect(usageErrorOf(error as OptionError).message).toBe('--instance 2 is past the last instance: --instances is 2, so K runs from 0 to 1');
    const steer = { ...saeExperiment.TOY_SOURCE_DEFAULTS, ...saeExperiment.SAE_TRAINING_DEFAULTS, ...steerExperiment.STEER_DEFAULTS, present: { indices: [7], values: [1] } };
    expect((thrown(() => steerExperiment.run(steer)) as Error).message).toBe('present lists feature 7, but the toy model has features 5 (0 to 4)');
  });

  it('resolves densities: a range spread over the instances, a list of one each, or (when allowed) one for all', () => {
    expect(resolveDensities({ high: 1, low: 0.01 }, 3)).toEqual([1, 0.1, 0.01].map((p, k) => (k === 1 ? expect.closeTo(p, 12) : p)));
    expect(resolveDensities([0.5, 0.25], 2)).toEqual([0.5, 0.25]);
    expect(resolveDensities([0.5], 3, true)).toEqual([0.5, 0.5, 0.5]);
    expect(thrown(() => resolveDensities([0.5], 3))).toBeInstanceOf(OptionError);
  });

  it('reports about a hundred times per run, and at least every step', () => {
    expect(progressInterval(10_000)).toBe(100);
    expect(progressInterval(50)).toBe(1);
    expect(progressInterval(0)).toBe(1);
    expect(progressInterval(3000, 200)).toBe(15);
  });
});

describe('tms experiment', () => {
  it('reports its training as one task, and toJson has the fields of tms --json, the W of each instance as m rows of n', () => {
    const updates: number[] = [];
    let finished = '';
    const options = { ...tmsExperiment.TMS_DEFAULTS, instances: 2, features: 3, hidden: 2, steps: 20, batch: 16 };
    const result = tmsExperiment.run(options, {
      ...SILENT_PROGRESS,
      task: (label, total) => {
        expect([label, total]).toEqual(['training relu (2 instances)', 20]);
        return { update: (done) => void updates.push(done), finish: (detail = '') => void (finished = detail) };
      },
    });
    expect(updates.at(-1)).toBe(20);
    expect(finished).toMatch(/^loss \d/);
    const json = tmsExperiment.toJson(result);
    expect(Object.keys(json)).toEqual(['model', 'features', 'hidden', 'importanceRatio', 'steps', 'batch', 'lr', 'seed', 'instances', 'seconds']);
    expect(json.instances).toHaveLength(2);
    expect(json.instances[0].W).toHaveLength(2);
    expect(json.instances[0].W[0]).toHaveLength(3);
    expect(json.instances.map((instance) => instance.density)).toEqual([1, 0.02]);
  });
});
