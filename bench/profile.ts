/**
 * Where a training step's time goes: runs one workload's step in a loop under V8's sampling
 * profiler (node:inspector) and prints the functions with the most self time, with their file.
 *
 *     npx tsx bench/profile.ts toy100        toy model, 8 instances, n=100, m=20, batch 1024
 *     npx tsx bench/profile.ts toy5          toy model, 8 instances, n=5, m=2, batch 1024
 *     npx tsx bench/profile.ts sae64         ReLU SAE 64 → 512, batch 1024
 *     npx tsx bench/profile.ts sae512        ReLU SAE 512 → 4096, batch 256
 *     npx tsx bench/profile.ts mlp           MLP 64 → 256 → 64, batch 256
 *     npx tsx bench/profile.ts phase         the lesson's phase diagram: 800 instances, n=2, m=1, batch 128
 *     npx tsx bench/profile.ts geometry      the lesson's geometry: 8 instances, n=200, m=20, batch 128
 *
 * Options: `--seconds S` (default 4), `--backend auto|js|wasm` (our kernels), and `--phases`:
 * instead of sampling, time each phase of the SAE and MLP steps (zero the gradients, forward,
 * backward, the decoder's gradient projection, the optimizer, the decoder's normalisation), mean
 * milliseconds per step. The steps are the same as bench/cases.ts times against tfjs.
 *
 * @module
 */
import { Session } from 'node:inspector/promises';
import * as sp from '../src/index.js';

const WORKLOADS = ['toy5', 'toy100', 'sae64', 'sae512', 'mlp', 'phase', 'geometry'] as const;
type Workload = (typeof WORKLOADS)[number];

function seeded(shape: number[], seed: number): sp.Tensor {
  const values = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(seed + 0.37 * i));
  return sp.tensor(values, shape);
}

/** A step as named phases run in order (for `--phases`). */
type Phases = [string, () => void][];

/** The toy-model workloads: one ReLU model of `instances` instances, densities from 1 down to `lowestDensity`. */
const TOY_WORKLOADS = {
  toy5: { instances: 8, features: 5, hidden: 2, lowestDensity: 0.02, importance: 0.9, batch: 1024, lr: 1e-3 },
  toy100: { instances: 8, features: 100, hidden: 20, lowestDensity: 0.02, importance: 0.9, batch: 1024, lr: 1e-3 },
  // The shapes of the lesson's act 3: a 10 × 10 grid of cells, 8 restarts each, all one batched model.
  phase: { instances: 800, features: 2, hidden: 1, lowestDensity: 0.01, importance: 0.9, batch: 128, lr: 1e-2 },
  // The lesson's geometry: 200 features in 20 dimensions at 8 densities from 1 to 0.1.
  geometry: { instances: 8, features: 200, hidden: 20, lowestDensity: 0.1, importance: 1, batch: 128, lr: 3e-3 },
} as const;

/** Builds the workload's step, and its phases where it has them. */
function makeStep(workload: Workload): { step: () => unknown; phases?: Phases } {
  const toy = TOY_WORKLOADS[workload as keyof typeof TOY_WORKLOADS];
  if (toy !== undefined) {
    const { instances, features, hidden, lowestDensity, importance, batch, lr } = toy;
    const model = new sp.ToyModel({ kind: 'relu', instances, features, hidden, seed: 0 });
    const trainer = new sp.ToyModelTrainer(model, {
      density: sp.logSpacedDensities(1, lowestDensity, instances), importance, batch, lr,
    });
    return { step: () => trainer.step() };
  }
  if (workload === 'mlp') {
    const [x, target] = [seeded([256, 64], 1), seeded([256, 64], 2)];
    const params = [seeded([64, 256], 3), seeded([256], 4), seeded([256, 64], 5), seeded([64], 6)].map((t) => sp.parameter(t));
    const [W1, B1, W2, B2] = params;
    const optimizer = new sp.Adam({ params, lr: 1e-3 });
    let loss: sp.Variable | undefined;
    const phases: Phases = [
      ['zero gradients', () => optimizer.zeroGrad()],
      ['forward', () => {
        const hiddenLayer = sp.relu(sp.add(sp.matmul(x, W1), B1));
        loss = sp.mean(sp.square(sp.sub(sp.add(sp.matmul(hiddenLayer, W2), B2), target)));
      }],
      ['backward', () => loss?.backward()],
      ['Adam', () => optimizer.step()],
    ];
    return { step: () => phases.forEach(([, run]) => run()), phases };
  }
  const [d, latents, batch] = workload === 'sae64' ? [64, 512, 1024] : [512, 4096, 256];
  const sae = new sp.SparseAutoencoder({ architecture: 'relu', inputDim: d, latents });
  const x = sp.kernels.reshape(seeded([batch, d], 1), [1, batch, d]);
  const optimizer = new sp.Adam({ params: sae.parameters(), lr: 1e-4 });
  let total: sp.Variable | undefined;
  const phases: Phases = [
    ['zero gradients', () => optimizer.zeroGrad()],
    ['forward', () => { total = sae.loss(x, { l1: 1e-3 }).total; }],
    ['backward', () => total?.backward()],
    ['project decoder gradient', () => sae.projectDecoderGradient()],
    ['Adam', () => optimizer.step()],
    ['normalize decoder', () => sae.normalizeDecoder()],
  ];
  return { step: () => phases.forEach(([, run]) => run()), phases };
}

/** Mean milliseconds per step of each phase, over `seconds` of steps. */
function timePhases(workload: Workload, phases: Phases, seconds: number): void {
  const totals = phases.map(() => 0);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    phases.forEach(([, run], i) => {
      const t0 = performance.now();
      run();
      totals[i] += performance.now() - t0;
    });
    steps++;
  }
  process.stdout.write(`${workload}: ${steps} steps, phases in mean ms per step (matmul backend ${sp.matmulBackend()})\n`);
  phases.forEach(([name], i) => process.stdout.write(`${(totals[i] / steps).toFixed(2).padStart(9)}  ${name}\n`));
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workload = args[0] as Workload;
  if (!WORKLOADS.includes(workload)) throw new Error(`bench/profile.ts: workload must be one of ${WORKLOADS.join(', ')}, got ${args[0]}`);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at < 0 ? undefined : args[at + 1];
  };
  const seconds = Number(option('--seconds') ?? 4);
  sp.setMatmulBackend((option('--backend') ?? 'auto') as sp.MatmulBackend);
  const { step, phases } = makeStep(workload);
  for (let warm = performance.now(); performance.now() - warm < 500;) step();
  if (args.includes('--phases')) {
    if (phases === undefined) throw new Error(`bench/profile.ts: --phases times the sae64, sae512 and mlp steps; ${workload} is one call`);
    timePhases(workload, phases, seconds);
    return;
  }

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    step();
    steps++;
  }
  const elapsed = performance.now() - start;
  const { profile } = (await session.post('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  session.disconnect();

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.split('/').slice(-2).join('/');
    const key = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + profile.timeDeltas[i]);
    totalUs += profile.timeDeltas[i];
  });
  process.stdout.write(`${workload}: ${steps} steps in ${(elapsed / 1000).toFixed(1)} s, ${(elapsed / steps).toFixed(2)} ms per step (matmul backend ${sp.matmulBackend()})\n`);
  const rows = [...selfUs.entries()].sort((p, q) => q[1] - p[1]).slice(0, 20);
  for (const [key, us] of rows) process.stdout.write(`${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${key}\n`);
}

await main();
