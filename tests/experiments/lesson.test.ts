/**
 * The lesson composed from typed results: each act's command line, as the figures and the report
 * give it, run through the command line, reproduces that act's figures. This holds the plan's
 * typed options, the flags they are written as (`commandLine`) and the commands' own defaults to
 * one another.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { commandLine, FAST_PLAN, type LessonResult, run, toJson } from '../../src/experiments/lesson.js';
import { onlyJson, runCli } from '../support/cli.js';

/** Runs one of the lesson's command lines with --json, in-process, and returns its document. */
async function runCommand(line: string): Promise<Record<string, unknown>> {
  const [program, ...argv] = line.split(' ');
  expect(program).toBe('superposition');
  const { code, stdout, stderr } = await runCli([...argv, '--json', '--quiet']);
  expect(code, stderr).toBe(0);
  return onlyJson(stdout);
}

describe('the fast lesson, run from code', () => {
  let result: LessonResult;
  beforeAll(() => {
    const notes: string[] = [];
    const tasks: string[] = [];
    result = run({ plan: FAST_PLAN, seed: 4, fast: true }, {
      note: (message) => void notes.push(message),
      task: (label) => {
        tasks.push(label);
        return { update: () => undefined, finish: () => undefined };
      },
    });
    // Every act announced itself, and every training run was a task.
    expect(notes).toHaveLength(5);
    expect(tasks.length).toBeGreaterThanOrEqual(7);
  });

  it('writes each act as the command line that runs it, seed included', () => {
    const { commands } = toJson(result);
    expect(Object.keys(commands).sort()).toEqual(['geometry', 'phase', 'polysemanticity', 'sae', 'steer', 'superpositionLinear', 'superpositionRelu']);
    for (const line of Object.values(commands)) expect(line).toMatch(/^superposition \w+ .*--seed 4( |$)/);
    expect(commands.superpositionRelu).toBe(
      'superposition tms --model relu --features 5 --hidden 2 --instances 4 --density 1:0.05 --importance 0.9 --steps 60 --batch 64 --lr 1e-2 --seed 4');
  });

  it('act 1: the tms command line gives the same polysemantic neurons and losses', async () => {
    const json = await runCommand(result.figures.commands.polysemanticity);
    const instances = json.instances as { loss: number; polysemanticity: { polysemanticNeurons: number } }[];
    expect(instances.map((instance) => instance.polysemanticity.polysemanticNeurons)).toEqual(result.figures.polysemanticity.polysemanticNeurons);
    expect(instances.map((instance) => instance.loss)).toEqual(result.figures.polysemanticity.losses);
  });

  it('act 2: the ReLU and linear command lines give the same weights', async () => {
    for (const [act, figures] of [['superpositionRelu', result.figures.superposition.relu], ['superpositionLinear', result.figures.superposition.linear]] as const) {
      const json = await runCommand(result.figures.commands[act]);
      expect((json.instances as { W: number[][] }[]).map((instance) => instance.W), act).toEqual(figures.W);
    }
  });

  it('act 3: the phase and geometry command lines give the same diagram and geometry', async () => {
    const phase = await runCommand(result.figures.commands.phase);
    expect((phase.cells as { phase: string }[]).map((cell) => cell.phase)).toEqual(result.figures.phase.trained);
    const geometry = await runCommand(result.figures.commands.geometry);
    expect((geometry.instances as { dimensionsPerFeature: number | null }[]).map((instance) => instance.dimensionsPerFeature))
      .toEqual(result.figures.geometry.dimensionsPerFeature);
    expect(geometry.inRange).toEqual(result.figures.geometry.inRange);
  });

  it('act 4: the sae and steer command lines give the same measures and the same ablation', async () => {
    const sae = await runCommand(result.figures.commands.sae);
    expect([sae.l0, sae.mse, sae.mmcs, sae.recovered]).toEqual([result.figures.sae.l0, result.figures.sae.mse, result.figures.sae.mmcs, result.figures.sae.recovered]);
    const steer = await runCommand(result.figures.commands.steer);
    const { ablation } = result.figures.sae.steering;
    const intervention = steer.intervention as { latent: number; before: number; mode: string };
    expect([intervention.latent, intervention.before, intervention.mode]).toEqual([ablation.latent, ablation.before, 'ablate']);
    expect((steer.outputs as { steered: number[] }).steered).toEqual(ablation.outputs.steered);
  });
});

describe('commandLine', () => {
  it('writes options as flags in their order: kebab-case names, ranges as hi:lo, lists with commas, 1e-k for small powers of ten', () => {
    expect(commandLine('sae', { tmsSteps: 100, density: [0.3, 0.05], lr: 0.001, l1: 0.2, seed: 0 }))
      .toBe('superposition sae --tms-steps 100 --density 0.3,0.05 --lr 1e-3 --l1 0.2 --seed 0');
    expect(commandLine('tms', { model: 'linear', density: { high: 1, low: 0.02 }, importance: 0.9 }))
      .toBe('superposition tms --model linear --density 1:0.02 --importance 0.9');
    expect(commandLine('phase', {})).toBe('superposition phase');
  });
});
