/**
 * What we measure on a sparse autoencoder: how sparse its code is, how well it reconstructs, which
 * latents never fire or fire on everything, and, on data whose true features are known, whether
 * its decoder directions found them.
 *
 * Shapes. One SAE instance at a time, samples in rows:
 *
 *     x, x̂        [B, d_in]      the inputs and their reconstructions
 *     f           [B, d_sae]     the latent activations, f ≥ 0 for every architecture here (a latent
 *                                is a feature only once its direction is shown to match one)
 *     true        [n, d]         known feature directions, one per row
 *     learned     [L, d]         learned directions, one per row (the decoder W_dec [d_sae, d_in])
 *
 * A tensor of shape [1, B, d] (an SAE's output with one instance) is read as [B, d]. With more
 * instances, pick one first: `instanceWeights(t, k)` slices instance k of any [I, a, b] tensor.
 * Any strided view is read through its strides, any dtype, and all arithmetic is float64. NaN or
 * infinite entries are refused: a diverged run should say so rather than report NaN measures.
 *
 * The measures (sums over samples s and dimensions j):
 *
 *     L0                  (1/B) Σ_s #{ l : f_sl ≠ 0 }                    latents active per sample
 *     MSE                 (1/B) Σ_s ‖x_s − x̂_s‖²                         per sample, summed over d
 *     MSE per element     MSE / d                                         torch's mse_loss default
 *     FVE                 1 − Σ_s ‖x_s − x̂_s‖² / Σ_s ‖x_s − x̄‖²          x̄_j = (1/B) Σ_s x_sj
 *     density of l        (1/B) #{ s : f_sl ≠ 0 }
 *     cos(t, u)           t·u / (‖t‖ ‖u‖)                                 0 when either is zero
 *     MMCS true→learned   (1/n) Σ_i max_l cos(true_i, learned_l)
 *     MMCS learned→true   (1/L) Σ_l max_i cos(true_i, learned_l)
 *
 * MSE: the reported `"mse"` is the per-sample one, (1/B) Σ_s ‖x_s − x̂_s‖², the same quantity as
 * the reconstruction term ‖x − x̂‖² of the SAE's loss (and SAELens's training loss,
 * `per_item_mse_loss.sum(dim=-1).mean()`), so loss = MSE + λ·L1 reads off directly. PyTorch's
 * `mse_loss` with its default mean reduction averages over every element instead, which is
 * smaller by a factor d_in; {@link meanSquaredErrorPerElement} gives that one. Check which a
 * published number is before comparing.
 *
 * FVE is a ratio of sums over the whole batch. Some evals (SAELens's among them) instead average
 * the per-sample ratio 1 − ‖x_s − x̂_s‖² / ‖x_s − x̄‖², which weights samples near the mean heavily
 * and is not the same number.
 *
 * FVE about the mean. The variance explained must be measured against the spread of x about its
 * mean x̄, not about zero. Activations usually carry a large constant offset; measured about
 * zero, Σ‖x‖² is dominated by ‖x̄‖², and an SAE that outputs nothing but the mean (x̂ = x̄, which
 * b_dec alone learns) scores FVE ≈ 1 while explaining nothing. SAELens shipped that bug more
 * than once. Here x̂ = x̄ scores exactly 0, a perfect reconstruction 1, and a reconstruction worse
 * than the mean scores below 0.
 *
 * MMCS, which direction is which. true→learned asks "is every true feature found by some
 * latent?": it is the recovery score, and {@link featuresRecovered} counts the true features
 * whose best cosine reaches a threshold (0.9 by default). learned→true asks "is every latent one
 * of the true features?": it falls when latents are dead, duplicated into partial copies or
 * point between features, even if every feature was found. Cosines are signed: a latent pointing
 * along −t (cos −1) has not found t, because an SAE's activations are ≥ 0 and so it can only ever
 * represent the negative of t, never t itself.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A tensor of samples or directions read into float64, row-major: `values[r·cols + c]`.
 *
 * @internal
 */
export interface RowValues {
  /** Samples (or directions). */
  rows: number;
  /** Dimensions of each row. */
  cols: number;
  /** Entry [r, c] at r·cols + c. */
  values: Float64Array;
}

/**
 * Reads a [rows, cols] tensor, or a one-instance [1, rows, cols] one, into float64 through its
 * strides. Refuses other ranks, several instances, empty tensors and non-finite entries, with
 * errors naming `op`, the argument (`role`) and its shape.
 *
 * @internal
 */
export function rowValues(op: string, role: string, t: Tensor, layout: string): RowValues {
  const multiInstance = t.rank === 3 && t.shape[0] !== 1;
  if (!(t.rank === 2 || t.rank === 3) || multiInstance) {
    fail(op, `expected ${role} of shape ${layout} (or [1, ...] for one instance), got shape ${formatShape(t.shape)}` +
      (multiInstance ? '; pick an instance first with instanceWeights(t, k)' : ''));
  }
  const lead = t.rank - 2;
  const rows = t.shape[lead];
  const cols = t.shape[lead + 1];
  if (rows === 0 || cols === 0) fail(op, `expected ${role} of shape ${layout} with no empty axis, got shape ${formatShape(t.shape)}`);
  const rowStride = t.strides[lead];
  const colStride = t.strides[lead + 1];
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = t.data[t.offset + r * rowStride + c * colStride];
      if (!Number.isFinite(value)) fail(op, `${role}[${r},${c}] is ${value}; the measures need finite values (shape ${formatShape(t.shape)})`);
      values[r * cols + c] = value;
    }
  }
  return { rows, cols, values };
}

const LATENTS_LAYOUT = '[samples, latents]';

/** The latents as rows read, and per-latent fire counts: how many samples have f ≠ 0. */
function fireCounts(op: string, latents: Tensor): { samples: number; counts: number[] } {
  const { rows, cols, values } = rowValues(op, 'latents', latents, LATENTS_LAYOUT);
  const counts = new Array<number>(cols).fill(0);
  for (let s = 0; s < rows; s++) {
    for (let l = 0; l < cols; l++) if (values[s * cols + l] !== 0) counts[l]++;
  }
  return { samples: rows, counts };
}

/**
 * L0: the mean number of non-zero latents per sample, for latent activations f [B, d_sae].
 *
 * @example
 * ```ts
 * l0(tensor([[1, 0, 2], [0, 0, 0]]));   // returns 1  ((2 + 0) / 2 samples)
 * ```
 */
export function l0(latents: Tensor): number {
  const { samples, counts } = fireCounts('l0', latents);
  return counts.reduce((sum, count) => sum + count, 0) / samples;
}

/** Checks x and x̂ agree in shape and returns Σ_s ‖x_s − x̂_s‖² with x read as rows. */
function squaredErrorSum(op: string, x: Tensor, xHat: Tensor): { error: number; x: RowValues } {
  const input = rowValues(op, 'x', x, '[samples, d]');
  const output = rowValues(op, 'xHat', xHat, '[samples, d]');
  if (input.rows !== output.rows || input.cols !== output.cols) {
    fail(op, `x and xHat must have the same shape [samples, d], got ${formatShape(x.shape)} and ${formatShape(xHat.shape)}`);
  }
  let error = 0;
  for (let i = 0; i < input.values.length; i++) error += (input.values[i] - output.values[i]) ** 2;
  return { error, x: input };
}

/**
 * The mean over samples of the squared reconstruction error, (1/B) Σ_s ‖x_s − x̂_s‖², for x and
 * x̂ of shape [B, d]: the reconstruction term of the SAE's loss, and what the CLI reports as
 * `"mse"`. See the module notes for the per-element figure other tools report.
 *
 * @example
 * ```ts
 * meanSquaredError(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 4]]));   // returns 6.5  ((4 + 9) / 2)
 * ```
 */
export function meanSquaredError(x: Tensor, xHat: Tensor): number {
  const { error, x: input } = squaredErrorSum('meanSquaredError', x, xHat);
  return error / input.rows;
}

/**
 * The mean over every element of the squared error, (1/(B·d)) Σ_s ‖x_s − x̂_s‖²: PyTorch's
 * `mse_loss` with its default mean reduction. It is {@link meanSquaredError} divided by d.
 *
 * @example
 * ```ts
 * meanSquaredErrorPerElement(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 4]]));   // returns 3.25  (13 / 4)
 * ```
 */
export function meanSquaredErrorPerElement(x: Tensor, xHat: Tensor): number {
  const { error, x: input } = squaredErrorSum('meanSquaredErrorPerElement', x, xHat);
  return error / input.values.length;
}

/**
 * Fraction of variance explained, 1 − Σ_s ‖x_s − x̂_s‖² / Σ_s ‖x_s − x̄‖², with x̄ the mean of x
 * over samples (per dimension), for x and x̂ of shape [B, d]. 1 for a perfect reconstruction, 0
 * for x̂ = x̄, below 0 for anything worse than the mean. Measured about the mean, not about zero:
 * see the module notes. Throws when x has no variance (every sample the same, or one sample),
 * where the fraction is undefined.
 *
 * @example
 * ```ts
 * // x̄ = [2, 0]; Σ‖x − x̄‖² = 1 + 1 = 2; the error is 0.5² + 0.5² = 0.5.
 * fractionOfVarianceExplained(tensor([[1, 0], [3, 0]]), tensor([[1.5, 0], [2.5, 0]]));   // returns 0.75
 * ```
 */
export function fractionOfVarianceExplained(x: Tensor, xHat: Tensor): number {
  const op = 'fractionOfVarianceExplained';
  const { error, x: { rows, cols, values } } = squaredErrorSum(op, x, xHat);
  const mean = new Float64Array(cols);
  for (let s = 0; s < rows; s++) for (let j = 0; j < cols; j++) mean[j] += values[s * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  let variance = 0;
  for (let s = 0; s < rows; s++) for (let j = 0; j < cols; j++) variance += (values[s * cols + j] - mean[j]) ** 2;
  if (variance === 0) fail(op, `x of shape ${formatShape(x.shape)} has no variance about its mean (every sample is the same), so the fraction explained is undefined`);
  return 1 - error / variance;
}

/**
 * How many samples each latent fires on (f ≠ 0), for latent activations f [B, d_sae]: one count per latent.
 *
 * @example
 * ```ts
 * latentFireCounts(tensor([[1, 0, 2], [3, 0, 0]]));   // returns [2, 0, 1]
 * ```
 */
export function latentFireCounts(latents: Tensor): number[] {
  return fireCounts('latentFireCounts', latents).counts;
}

/**
 * Each latent's activation density: the fraction of samples it fires on (f ≠ 0), for latent
 * activations f [B, d_sae].
 *
 * @example
 * ```ts
 * latentDensities(tensor([[1, 0, 2], [3, 0, 0]]));   // returns [1, 0, 0.5]
 * ```
 */
export function latentDensities(latents: Tensor): number[] {
  const { samples, counts } = fireCounts('latentDensities', latents);
  return counts.map((count) => count / samples);
}

/**
 * The dead latents: those that never fired. Give either
 *
 * - fire counts, one per latent (e.g. {@link latentFireCounts} over a large batch): a latent is
 *   dead when its count is 0. `window` does not apply and must be left out; or
 * - a fire history, one row of counts per training step (or per batch), [steps][latents]: a
 *   latent is dead when it fired in none of the last `window` rows (default: every row).
 *
 * Returns the dead latents' indices, ascending; its length is the number of dead latents.
 *
 * @example
 * ```ts
 * deadLatents([4, 0, 1]);                          // returns [1]
 * deadLatents([[1, 0, 0], [0, 0, 2], [0, 0, 1]]);  // returns [1]
 * deadLatents([[1, 0, 0], [0, 0, 2], [0, 0, 1]], 2);   // returns [0, 1]  (latent 0 last fired 3 rows ago)
 * ```
 */
export function deadLatents(fires: readonly number[] | readonly (readonly number[])[], window?: number): number[] {
  const op = 'deadLatents';
  if (fires.length === 0) fail(op, 'expected fire counts [latents] or a fire history [steps][latents], got an empty array');
  const isHistory = Array.isArray(fires[0]);
  const rows: readonly (readonly number[])[] = isHistory ? fires as readonly (readonly number[])[] : [fires as readonly number[]];
  if (!isHistory && window !== undefined) {
    fail(op, `window applies to a fire history [steps][latents]; fire counts [latents] have no steps, got window ${window}`);
  }
  const span = window ?? rows.length;
  if (!Number.isInteger(span) || span < 1) fail(op, `window must be a whole number ≥ 1, got ${span}`);
  const latents = rows[0].length;
  const recent = rows.slice(Math.max(0, rows.length - span));
  recent.forEach((row, step) => {
    if (!Array.isArray(row) || row.length !== latents) {
      fail(op, `every row of a fire history must hold ${latents} counts (one per latent); row ${rows.length - recent.length + step} does not`);
    }
  });
  const dead: number[] = [];
  for (let l = 0; l < latents; l++) {
    let fired = false;
    for (const row of recent) {
      const count = row[l];
      if (typeof count !== 'number' || !(count >= 0)) fail(op, `fire counts must be numbers ≥ 0, got ${String(count)} for latent ${l}`);
      if (count > 0) fired = true;
    }
    if (!fired) dead.push(l);
  }
  return dead;
}

/**
 * The dense latents: those firing on more than `threshold` of the samples (density > threshold,
 * strictly), for latent activations f [B, d_sae]. Default 0.1, one sample in ten: far above the density of
 * the sparse features an SAE is meant to find, so a latent this busy is usually a catch-all
 * rather than a feature. Returns their indices, ascending.
 *
 * @example
 * ```ts
 * denseLatents(tensor([[1, 0], [1, 0], [1, 2], [1, 0]]), 0.25);   // returns [0]  (density 1; latent 1's 0.25 is not above 0.25)
 * ```
 */
export function denseLatents(latents: Tensor, threshold = 0.1): number[] {
  const op = 'denseLatents';
  if (!(threshold >= 0 && threshold < 1)) fail(op, `threshold must be a fraction in [0, 1), got ${threshold}`);
  const { samples, counts } = fireCounts(op, latents);
  const dense: number[] = [];
  counts.forEach((count, l) => {
    if (count / samples > threshold) dense.push(l);
  });
  return dense;
}

/** The range of log₁₀ density an {@link activationDensityHistogram} bins. */
export interface DensityRange {
  /** Lower edge. Default: ⌊log₁₀(1/B)⌋, at or below the lowest density B samples can show (and at most −1). */
  min?: number;
  /** Upper edge. Default 0 (density 1: fires on every sample). */
  max?: number;
}

/** A histogram of the latents' log₁₀ activation densities. */
export interface DensityHistogram {
  /** bins + 1 edges, evenly spaced in log₁₀ density, ascending. */
  edges: number[];
  /** Latents per bin; bin b spans [edges[b], edges[b+1]), the last bin includes its upper edge. */
  counts: number[];
  /** Latents that fired on no sample (log₁₀ 0 = −∞, so in no bin). */
  neverFired: number;
  /** B: the samples the densities were measured over. */
  samples: number;
}

/**
 * Bins every latent's log₁₀ activation density (fraction of samples it fires on), as in
 * Anthropic's feature-density plots, for latent activations f [B, d_sae]. Latents that never fired have no
 * logarithm and are counted apart, in `neverFired`. Densities outside the range land in the end
 * bins, so `counts` sum to the latents that fired.
 *
 * @example
 * ```ts
 * // 10 samples; densities 1, 0.1, 0 → log₁₀ 0, −1, and one never fired. Range [−1, 0], 2 bins.
 * activationDensityHistogram(f, 2);   // returns { edges: [-1, -0.5, 0], counts: [1, 1], neverFired: 1, samples: 10 }
 * ```
 */
export function activationDensityHistogram(latents: Tensor, bins = 20, range: DensityRange = {}): DensityHistogram {
  const op = 'activationDensityHistogram';
  if (!Number.isInteger(bins) || bins < 1) fail(op, `bins must be a whole number ≥ 1, got ${bins}`);
  const { samples, counts } = fireCounts(op, latents);
  const min = range.min ?? Math.min(-1, Math.floor(-Math.log10(samples)));
  const max = range.max ?? 0;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) fail(op, `expected a range with min < max, got [${min}, ${max}]`);
  const edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? max : min + ((max - min) * b) / bins));
  const binCounts = new Array<number>(bins).fill(0);
  let neverFired = 0;
  for (const count of counts) {
    if (count === 0) {
      neverFired++;
      continue;
    }
    const logDensity = Math.log10(count) - Math.log10(samples); // exact at powers of ten, where edges fall
    const bin = Math.floor(((logDensity - min) / (max - min)) * bins);
    binCounts[Math.min(bins - 1, Math.max(0, bin))]++;
  }
  return { edges, counts: binCounts, neverFired, samples };
}

/**
 * The indices of the rows of `directions` [n, d] that are all zeros (features with no direction).
 *
 * @example
 * ```ts
 * zeroRows(tensor([[1, 0], [0, 0], [0, 2]]));   // returns [1]
 * ```
 */
export function zeroRows(directions: Tensor): number[] {
  const { rows, cols, values } = rowValues('zeroRows', 'directions', directions, '[n, d]');
  const zero: number[] = [];
  for (let r = 0; r < rows; r++) {
    let any = false;
    for (let c = 0; c < cols && !any; c++) any = values[r * cols + c] !== 0;
    if (!any) zero.push(r);
  }
  return zero;
}

/**
 * Rows scaled to unit length, float64; a zero row stays zero. Each row is first divided by its
 * largest |entry|, as hypot does: squaring a tiny row (entries near 1e-160) would underflow into
 * subnormals and lose the digits that make it unit length.
 */
function unitRows({ rows, cols, values }: RowValues): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) {
    let largest = 0;
    for (let c = 0; c < cols; c++) largest = Math.max(largest, Math.abs(values[r * cols + c]));
    if (largest === 0) continue;
    let squares = 0;
    for (let c = 0; c < cols; c++) squares += (values[r * cols + c] / largest) ** 2;
    const length = Math.sqrt(squares);
    for (let c = 0; c < cols; c++) out[r * cols + c] = values[r * cols + c] / largest / length;
  }
  return out;
}

/** cos(true_i, learned_l) as a row-major [n, L] float64 array, with the shapes checked for `op`. */
function cosineValues(op: string, trueFeatures: Tensor, learned: Tensor): { n: number; latents: number; cos: Float64Array } {
  const truth = rowValues(op, 'trueFeatures', trueFeatures, '[features, d]');
  const found = rowValues(op, 'learned', learned, '[latents, d]');
  if (truth.cols !== found.cols) {
    fail(op, `trueFeatures ${formatShape(trueFeatures.shape)} and learned ${formatShape(learned.shape)} must have the same last dimension d (one direction per row)`);
  }
  const d = truth.cols;
  const t = unitRows(truth);
  const u = unitRows(found);
  const cos = new Float64Array(truth.rows * found.rows);
  for (let i = 0; i < truth.rows; i++) {
    for (let l = 0; l < found.rows; l++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += t[i * d + c] * u[l * d + c];
      cos[i * found.rows + l] = Math.min(1, Math.max(-1, dot)); // rounding can step past ±1
    }
  }
  return { n: truth.rows, latents: found.rows, cos };
}

/**
 * The cosine similarity of every true feature with every learned direction, as nested arrays
 * [n][L]: entry [i][l] is cos(trueFeatures_i, learned_l). Both are one direction per row:
 * trueFeatures [n, d], learned [L, d] (an SAE's decoder W_dec). A zero row has cosine 0 with
 * everything. Signed: opposite directions give −1.
 *
 * @example
 * ```ts
 * cosineMatrix(tensor([[1, 0], [0, 2]]), tensor([[3, 0], [-1, 0], [1, 1]]));
 * // returns [[1, -1, 0.7071…], [0, 0, 0.7071…]]
 * ```
 */
export function cosineMatrix(trueFeatures: Tensor, learned: Tensor): number[][] {
  const { n, latents, cos } = cosineValues('cosineMatrix', trueFeatures, learned);
  return Array.from({ length: n }, (_, i) => Array.from(cos.subarray(i * latents, (i + 1) * latents)));
}

/** Mean max cosine similarity in both directions; see {@link mmcs}. */
export interface Mmcs {
  /** (1/n) Σ_i max_l cos(true_i, learned_l): is every true feature found? The recovery score. */
  trueToLearned: number;
  /** (1/L) Σ_l max_i cos(true_i, learned_l): is every learned direction one of the true features? */
  learnedToTrue: number;
}

/**
 * Mean max cosine similarity between true features [n, d] and learned directions [L, d], both
 * ways. `trueToLearned` averages, over the true features, the best cosine any learned direction
 * reaches: 1 when every feature was recovered, and the number "recovers the features" refers to.
 * `learnedToTrue` averages, over the learned directions, the best cosine with any true feature:
 * 1 when no latent is wasted. Cosines are signed (see the module notes).
 *
 * @example
 * ```ts
 * // Feature 1 is found; feature 0 only by −e₀ (cos −1), so its best is 0 (against e₁).
 * mmcs(tensor([[1, 0], [0, 1]]), tensor([[0, 1], [-1, 0]]));   // returns { trueToLearned: 0.5, learnedToTrue: 0.5 }
 * ```
 */
export function mmcs(trueFeatures: Tensor, learned: Tensor): Mmcs {
  // A zero true feature has no direction: counting its cosine as 0 would pull MMCS down silently.
  const zero = zeroRows(trueFeatures);
  if (zero.length > 0) {
    fail('mmcs', `true feature${zero.length === 1 ? '' : 's'} ${zero.slice(0, 5).join(', ')}${zero.length > 5 ? ` and ${zero.length - 5} more` : ''} ` +
      `of trueFeatures ${formatShape(trueFeatures.shape)} ${zero.length === 1 ? 'is' : 'are'} the zero vector, which has no direction and ` +
      'so no cosine with anything; leave such rows out (zeroRows finds them) before measuring');
  }
  const { n, latents, cos } = cosineValues('mmcs', trueFeatures, learned);
  let trueToLearned = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let l = 0; l < latents; l++) best = Math.max(best, cos[i * latents + l]);
    trueToLearned += best;
  }
  let learnedToTrue = 0;
  for (let l = 0; l < latents; l++) {
    let best = -Infinity;
    for (let i = 0; i < n; i++) best = Math.max(best, cos[i * latents + l]);
    learnedToTrue += best;
  }
  return { trueToLearned: trueToLearned / n, learnedToTrue: learnedToTrue / latents };
}

/**
 * How many true features [n, d] have a learned direction [L, d] at cosine ≥ `threshold`
 * (default 0.9): the features the SAE recovered.
 *
 * @example
 * ```ts
 * featuresRecovered(tensor([[1, 0], [0, 1]]), tensor([[1, 0.1], [-1, 0]]));   // returns 1  (cos 0.995 with e₀; e₁'s best is 0.0995)
 * ```
 */
export function featuresRecovered(trueFeatures: Tensor, learned: Tensor, threshold = 0.9): number {
  const op = 'featuresRecovered';
  if (!(threshold >= -1 && threshold <= 1)) fail(op, `threshold must be a cosine in [−1, 1], got ${threshold}`);
  const { n, latents, cos } = cosineValues(op, trueFeatures, learned);
  let recovered = 0;
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < latents; l++) {
      if (cos[i * latents + l] >= threshold) {
        recovered++;
        break;
      }
    }
  }
  return recovered;
}

/** The true feature a learned direction points along most closely. */
export interface LatentMatch {
  /** Index of the true feature (row of trueFeatures) with the largest cosine. */
  feature: number;
  /** That cosine, signed. */
  cosine: number;
}

/**
 * For every learned direction [L, d], the true feature [n, d] it matches best: the largest
 * (signed) cosine, ties to the lower index. One entry per learned row, for naming latents.
 *
 * @example
 * ```ts
 * latentMatches(tensor([[1, 0], [0, 1]]), tensor([[0, 3], [1, 1]]));
 * // returns [{ feature: 1, cosine: 1 }, { feature: 0, cosine: 0.7071… }]
 * ```
 */
export function latentMatches(trueFeatures: Tensor, learned: Tensor): LatentMatch[] {
  const { n, latents, cos } = cosineValues('latentMatches', trueFeatures, learned);
  const matches: LatentMatch[] = [];
  for (let l = 0; l < latents; l++) {
    let feature = 0;
    for (let i = 1; i < n; i++) if (cos[i * latents + l] > cos[feature * latents + l]) feature = i;
    matches.push({ feature, cosine: cos[feature * latents + l] });
  }
  return matches;
}
