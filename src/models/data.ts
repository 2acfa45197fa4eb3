/**
 * The synthetic data of the toy models: sparse features with known importances.
 *
 * Each feature of each sample is, independently,
 *
 *     xᵢ ~ U[0, 1)   with probability p (the *density*; 1 − p is the sparsity)
 *     xᵢ = 0         otherwise
 *
 * (U[−1, 1) for the absolute-value model), and feature i matters to the loss with importance
 * Iᵢ = rⁱ. Every instance of a model trains on its own density, so one run sweeps sparsity.
 *
 * Layout: features live in one tensor of shape [instances, batch, features]. The instance axis
 * comes first, unlike the paper's [batch, instances, features], so that each instance's batch is
 * one contiguous matrix: batched matmul then reads it as is, with no transposed copy.
 *
 * Speed. A step of the toy model is small, so drawing its data is a large share of it (half of
 * tfjs's step). Drawing one coin per feature costs a random number per entry even when 98% of
 * entries are zero. Instead we jump from one present feature to the next: in a run of independent
 * coins with success p, the number of failures before the next success is geometric,
 *
 *     gap = ⌊ln U / ln(1 − p)⌋,   U ~ U(0, 1]
 *
 * so a batch costs about 2·p·(batch·features) draws instead of (1 + p)·(batch·features), with the
 * same distribution. Each jump costs a logarithm, so dense instances (p > 0.1) draw one uniform
 * u per entry instead and keep u/p where u < p (given u < p, u/p is uniform on [0, 1)). The plain
 * version, one coin and one value per entry, is {@link generateFeaturesReference}.
 *
 * Correlated pairs (both present or both absent) and anti-correlated pairs (at most one present)
 * follow the paper's section on correlated features; they are drawn per entry.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { featuresWasmFor } from './features-wasm.js';

/** What {@link generateFeatures} draws. */
export interface FeatureOptions {
  /** The number of model instances (the leading axis). */
  instances: number;
  /** Samples per instance. */
  batch: number;
  /** Features per sample. */
  features: number;
  /** The probability p that a feature is present, one per instance (or one for all), each in (0, 1]. */
  density: number | readonly number[];
  /** The generator to draw from (advanced). */
  rng: Rng;
  /** `"unit"`: present values are U[0, 1) (default). `"signed"`: U[−1, 1), for the absolute-value model. */
  values?: 'unit' | 'signed';
  /**
   * How the features are grouped: `"independent"` (default); `"correlated"`: features come in
   * pairs (0,1), (2,3), … that are present together; `"anticorrelated"`: pairs where at most one is
   * present, each pair present with probability 2p (so each feature keeps probability p).
   */
  structure?: 'independent' | 'correlated' | 'anticorrelated';
  /** A float32 tensor [instances, batch, features] to fill instead of allocating (reused across steps). */
  out?: Tensor;
}

/** Checks the options and returns the per-instance densities and the output tensor. */
function prepare(op: string, options: FeatureOptions): { density: Float64Array; out: Tensor } {
  const { instances, batch, features } = options;
  for (const [name, value] of [['instances', instances], ['batch', batch], ['features', features]] as const) {
    if (!Number.isInteger(value) || value < 1) fail(op, `${name} must be a whole number ≥ 1, got ${value}`);
  }
  if (!(options.rng instanceof Rng)) fail(op, 'rng must be an Rng (e.g. new Rng(seed))');
  const list = typeof options.density === 'number' ? new Array<number>(instances).fill(options.density) : options.density;
  if (!Array.isArray(list) || list.length !== instances) {
    fail(op, `density must be one number or one per instance (${instances}), got ${Array.isArray(list) ? `${list.length} values` : String(list)}`);
  }
  const density = Float64Array.from(list);
  density.forEach((p, i) => {
    if (!(p > 0 && p <= 1)) fail(op, `density of instance ${i} must be in (0, 1], got ${p}`);
  });
  const structure = options.structure ?? 'independent';
  if (structure !== 'independent' && features % 2 !== 0) {
    fail(op, `${structure} features come in pairs, so features must be even, got ${features}`);
  }
  if (structure === 'anticorrelated') {
    density.forEach((p, i) => {
      if (p > 0.5) fail(op, `anticorrelated pairs need density ≤ 0.5 (a pair is present with 2p), instance ${i} has ${p}`);
    });
  }
  const shape = [instances, batch, features];
  let out = options.out;
  if (out === undefined) {
    out = new Tensor(new Float32Array(instances * batch * features), shape);
  } else if (!(out instanceof Tensor) || out.dtype !== 'float32' || !out.isContiguous || out.offset !== 0 ||
      out.data.length !== instances * batch * features) {
    fail(op, `out must be a packed float32 tensor of shape [${shape.join(',')}]`);
  }
  return { density, out };
}

/**
 * Above this density one draw per entry (coin and value in one, see below) is cheaper than
 * jumping, which costs a logarithm and two draws per present entry.
 */
const GEOMETRIC_BELOW = 0.1;

/**
 * A batch of sparse features, shape [instances, batch, features] (float32), drawn as the module
 * notes describe: geometric jumps between present features.
 *
 * @example
 * ```ts
 * const x = generateFeatures({ instances: 2, batch: 4, features: 5, density: [1, 0.1], rng: new Rng(0) });
 * x.shape;   // returns [2, 4, 5]
 * ```
 */
export function generateFeatures(options: FeatureOptions): Tensor {
  const { density, out } = prepare('generateFeatures', options);
  if ((options.structure ?? 'independent') !== 'independent') return fillPairs(options, density, out);
  const { rng } = options;
  const signed = options.values === 'signed';
  const data = out.data as Float32Array; // prepare() checked: packed float32
  const run = options.batch * options.features; // one instance's entries, contiguous
  data.fill(0);
  for (let instance = 0; instance < density.length; instance++) {
    const p = density[instance];
    const start = instance * run;
    const block = data.subarray(start, start + run);
    if (p > GEOMETRIC_BELOW) {
      // Dense: one uniform u per entry, drawn in bulk (the generator's fill loop keeps its state
      // in registers). The entry is present when u < p, and then u/p is its value: given u < p,
      // u is uniform on [0, p), so u/p is uniform on [0, 1). One draw serves as coin and value.
      // The same numbers in one pass of WebAssembly, where the kernel backend allows (features-wasm.ts).
      const wasm = featuresWasmFor(run);
      if (wasm !== null) {
        wasm.fillKept(block, p, signed, rng);
        continue;
      }
      rng.fillUniform(block);
      if (p < 1 || signed) keepBelow(block, p, signed);
      continue;
    }
    const logFail = Math.log1p(-p);
    // Position of the next present feature: skip a geometric number of absent ones.
    for (let position = -1; ;) {
      // u in (0, 1], so the log is finite. With 24 random bits the longest possible jump is
      // 16.6/p entries; longer ones have probability below 2⁻²⁴ each, far below what a run can see.
      const u = 1 - rng.nextFloat();
      position += 1 + Math.floor(Math.log(u) / logFail);
      if (position >= run) break;
      data[start + position] = signed ? 2 * rng.nextFloat() - 1 : rng.nextFloat();
    }
  }
  return out;
}

/**
 * In place: each uniform u becomes u/p where u < p and 0 elsewhere (2u/p − 1 and 0 when signed).
 *
 * Without a branch: a float32 uniform is u = d·2⁻²⁴ for a whole number d < 2²⁴, and u < p exactly
 * when d < T = ⌈p·2²⁴⌉. Then d − T is negative exactly for the kept entries, so
 * `((d − T) >> 31) & 1` is 1 to keep and 0 to drop. A branch `u < p ? … : 0` on random data is
 * mispredicted as often as p(1 − p) allows: at p = 0.5 on [8,1024,100], generateFeatures took
 * 7.5 ms with the branch and 2.9 ms with the mask.
 */
function keepBelow(block: Float32Array, p: number, signed: boolean): void {
  const threshold = Math.ceil(p * TWO_POW_24);
  const scale = 1 / p;
  for (let i = 0; i < block.length; i++) {
    const u = block[i];
    const keep = ((u * TWO_POW_24 - threshold) >> 31) & 1;
    block[i] = signed ? (2 * u * scale - 1) * keep + 0 : u * scale * keep; // + 0 turns a dropped −0 into 0
  }
}

const TWO_POW_24 = 2 ** 24;

/**
 * The same distribution as {@link generateFeatures}, drawn the plain way: for every entry, one
 * coin (present with probability p) and one value. Slower; it is the definition the fast version
 * is tested against (by distribution: the two consume random numbers differently).
 */
export function generateFeaturesReference(options: FeatureOptions): Tensor {
  const { density, out } = prepare('generateFeaturesReference', options);
  if ((options.structure ?? 'independent') !== 'independent') return fillPairs(options, density, out);
  const { rng, batch, features } = options;
  const signed = options.values === 'signed';
  for (let instance = 0; instance < density.length; instance++) {
    for (let i = 0; i < batch * features; i++) {
      const present = rng.nextFloat() < density[instance];
      const value = signed ? 2 * rng.nextFloat() - 1 : rng.nextFloat();
      out.data[instance * batch * features + i] = present ? value : 0;
    }
  }
  return out;
}

/** Correlated or anti-correlated pairs, one draw per pair for presence and one per feature for value. */
function fillPairs(options: FeatureOptions, density: Float64Array, out: Tensor): Tensor {
  const { rng, batch, features } = options;
  const signed = options.values === 'signed';
  const correlated = options.structure === 'correlated';
  const data = out.data as Float32Array; // prepare() checked: packed float32
  const value = (): number => (signed ? 2 * rng.nextFloat() - 1 : rng.nextFloat());
  for (let instance = 0; instance < density.length; instance++) {
    const p = density[instance];
    for (let sample = 0; sample < batch; sample++) {
      const row = (instance * batch + sample) * features;
      for (let pair = 0; pair < features; pair += 2) {
        let first: boolean;
        let second: boolean;
        if (correlated) {
          first = second = rng.nextFloat() < p;
        } else {
          const pairPresent = rng.nextFloat() < 2 * p;
          const firstOfPair = rng.nextFloat() < 0.5;
          first = pairPresent && firstOfPair;
          second = pairPresent && !firstOfPair;
        }
        const a = value();
        const b = value();
        data[row + pair] = first ? a : 0;
        data[row + pair + 1] = second ? b : 0;
      }
    }
  }
  return out;
}

/**
 * Importances Iᵢ = rⁱ for i = 0 … features − 1, as a float32 tensor [instances, 1, features] that
 * broadcasts against a batch [instances, batch, features].
 */
export function importanceTensor(instances: number, features: number, ratio: number | readonly number[]): Tensor {
  const op = 'importanceTensor';
  if (!Number.isInteger(instances) || instances < 1) fail(op, `instances must be a whole number ≥ 1, got ${instances}`);
  if (!Number.isInteger(features) || features < 1) fail(op, `features must be a whole number ≥ 1, got ${features}`);
  const ratios = typeof ratio === 'number' ? new Array<number>(instances).fill(ratio) : ratio;
  if (ratios.length !== instances) fail(op, `importance must be one ratio or one per instance (${instances}), got ${ratios.length}`);
  const out = new Float32Array(instances * features);
  ratios.forEach((r, instance) => {
    if (!(r > 0) || !Number.isFinite(r)) fail(op, `the importance ratio must be a positive number, got ${r}`);
    for (let i = 0; i < features; i++) out[instance * features + i] = r ** i;
  });
  return new Tensor(out, [instances, 1, features]);
}

/**
 * `count` densities spread log-evenly from `high` to `low` (both included), as the paper sweeps
 * sparsity across instances: high·(low/high)^(k/(count−1)).
 *
 * @example
 * ```ts
 * logSpacedDensities(1, 0.01, 3);   // returns [1, 0.1, 0.01] (to rounding)
 * ```
 */
export function logSpacedDensities(high: number, low: number, count: number): number[] {
  const op = 'logSpacedDensities';
  if (!(high > 0 && high <= 1) || !(low > 0 && low <= 1)) fail(op, `densities must be in (0, 1], got ${high} and ${low}`);
  if (!Number.isInteger(count) || count < 1) fail(op, `count must be a whole number ≥ 1, got ${count}`);
  if (count === 1) return [high];
  return Array.from({ length: count }, (_, k) => high * (low / high) ** (k / (count - 1)));
}
