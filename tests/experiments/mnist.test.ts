/**
 * The digit experiment on its defaults and seed 0, trained once: the classifier reaches 92%
 * held-out accuracy; the SAE's live latents are purer than the neurons; the JSON document holds
 * what the issue asks for, and purity recomputed from its raw indices matches what it reports;
 * steering with a latent's direction moves predictions to its class.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classMix } from '../../src/analysis/purity.js';
import { mnistDigitsFolder, loadMnistDigits } from '../../src/cli/mnist-data.js';
import { type MnistResult, MNIST_DEFAULTS, run, toJson } from '../../src/experiments/mnist.js';

const installed = mnistDigitsFolder() !== null;

describe.skipIf(!installed)('the digit experiment, seed 0', () => {
  let result: MnistResult;
  let json: Record<string, unknown>;
  const tasks: string[] = [];
  const notes: string[] = [];

  beforeAll(() => {
    const onProgress = {
      task: (label: string) => {
        tasks.push(label);
        return { update: () => undefined, finish: () => undefined };
      },
      note: (message: string) => void notes.push(message),
    };
    result = run({ digits: loadMnistDigits(), seed: 0 }, onProgress);
    json = JSON.parse(JSON.stringify(toJson(result))) as Record<string, unknown>;
  }, 600_000);

  it('the classifier reaches 92% held-out accuracy', () => {
    expect(result.accuracy).toBeGreaterThanOrEqual(0.92);
    const right = result.heldOutPredictions.filter((p, i) => p === result.heldOutLabels[i]).length;
    expect(result.accuracy).toBe(right / MNIST_DEFAULTS.heldOut);
    expect(tasks).toHaveLength(2);
    expect(tasks[0]).toContain('classifier');
    expect(tasks[1]).toContain('SAE');
    expect(notes).toHaveLength(1);
  });

  it('the live latents are purer than the neurons, on the same measure', () => {
    const { neurons, latents } = result.comparison;
    expect(neurons.count).toBeGreaterThan(MNIST_DEFAULTS.hidden / 2);
    expect(latents.count).toBeGreaterThan(20);
    expect(latents.mean).toBeGreaterThan(neurons.mean);
    expect(latents.median).toBeGreaterThan(neurons.median);
  });

  it('the SAE reconstructs the hidden layer sparsely, and counts its dead latents', () => {
    expect(result.sae.fve).toBeGreaterThan(0.7);
    expect(result.sae.l0).toBeLessThanOrEqual(MNIST_DEFAULTS.k);
    expect(result.sae.dead).toBe(result.latents.filter((latent) => latent.fires === 0).length);
    expect(result.sae.alive + result.sae.dead).toBe(MNIST_DEFAULTS.latents);
  });

  it('the JSON holds accuracy, heldOutLabels, neurons and latents with their top examples, and purity recomputes from them', () => {
    const labels = json.heldOutLabels as number[];
    expect(labels).toHaveLength(MNIST_DEFAULTS.heldOut);
    expect(json.accuracy).toBeCloseTo(result.accuracy, 6);
    const neurons = json.neurons as { topExamples: number[]; topActivations: number[]; fires: number; purity: number }[];
    const latents = json.latents as { topExamples: number[]; alive: boolean; fires: number; purity: number }[];
    expect(neurons).toHaveLength(MNIST_DEFAULTS.hidden);
    expect(latents).toHaveLength(MNIST_DEFAULTS.latents);
    for (const unit of [...neurons, ...latents]) {
      expect(unit.topExamples.length).toBe(Math.min(MNIST_DEFAULTS.topK, unit.fires));
      expect(unit.purity).toBeCloseTo(classMix(unit.topExamples.map((i) => labels[i]), 10).purity, 5);
    }
    expect(neurons.filter((n) => n.topExamples.length >= 20).length).toBe(result.comparison.neurons.count);
    for (const neuron of neurons) {
      for (let i = 1; i < neuron.topActivations.length; i++) expect(neuron.topActivations[i]).toBeLessThanOrEqual(neuron.topActivations[i - 1]);
    }
    expect(latents.filter((latent) => latent.alive).length).toBe(result.sae.alive);
    for (const latent of latents) expect(latent.alive).toBe(latent.fires > 0);
  });

  it('adding a card latent\'s direction turns other digits into its class, more as the strength grows', () => {
    expect(result.steering).toHaveLength(result.cardLatents.length);
    for (const steering of result.steering) {
      expect(steering.images.length).toBeGreaterThan(0);
      expect(steering.flippedToTarget[0]).toBe(0); // unsteered: right, and not the target class
    }
    const strongest = result.steering.map((s) => s.flippedToTarget[s.flippedToTarget.length - 1]);
    expect(strongest.filter((share) => share > 0.5).length).toBeGreaterThanOrEqual(result.steering.length / 2);
  });

  it('the shared-stroke neuron is the least pure, and its classes are those of its top images', () => {
    const neuron = result.neurons[result.sharedStroke.neuron];
    const comparable = result.neurons.filter((n) => n.fires >= MNIST_DEFAULTS.topK);
    expect(neuron.mix.purity).toBe(Math.min(...comparable.map((n) => n.mix.purity)));
    expect(result.sharedStroke.classes[0]).toBe(neuron.mix.majorityClass);
    expect(result.sharedStroke.meanImages).toHaveLength(result.sharedStroke.classes.length);
  });
});
