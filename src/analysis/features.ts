/**
 * Per-feature measures of a toy model's weights: is feature i represented, how much does it
 * share its direction with the others, and what fraction of a dimension does it get.
 *
 * One instance's weights are a matrix W of shape [m, n]: column Wᵢ (i < n) is feature i's
 * direction in the m-dimensional hidden space, and each row is a hidden dimension (a neuron, in
 * the hidden-ReLU model). The measures (Elhage et al. 2022), with Ŵᵢ = Wᵢ / ‖Wᵢ‖:
 *
 *     norm              ‖Wᵢ‖                                   ≈ 1 when feature i is represented
 *     interference      Σ_{j≠i} (Ŵᵢ·Wⱼ)²                       0 when no other feature overlaps it
 *     dimensionality    Dᵢ = ‖Wᵢ‖² / Σ_j (Ŵᵢ·Wⱼ)²              (the sum includes j = i)
 *     Gram matrix       G = WᵀW, Gᵢⱼ = Wᵢ·Wⱼ                   [n, n]
 *     dims per feature  m / ‖W‖_F² = m / Σᵢ ‖Wᵢ‖²
 *
 * Everything is read off the Gram matrix: interferenceᵢ = Σ_{j≠i} Gᵢⱼ² / Gᵢᵢ and
 * Dᵢ = Gᵢᵢ² / Σ_j Gᵢⱼ². So the measures depend on W only through WᵀW, and rotating the hidden
 * space (W → QW with Q orthogonal) changes none of them: they belong to the features, not to the
 * basis the neurons happen to use.
 *
 * Dimensionality. Dᵢ is the share of a dimension feature i gets: 1 for a feature alone in its
 * direction, 1/2 for each of an antipodal pair (both share one dimension), 2/5 for each corner of
 * a pentagon in a plane. Scaling all of W leaves Dᵢ unchanged (norms cancel). And the values share
 * out the dimensions: with S = WWᵀ and S⁺ its pseudo-inverse, Cauchy–Schwarz on
 * Wᵢ·Wᵢ = (S^½Wᵢ)·(S^{+½}Wᵢ) gives Dᵢ ≤ Wᵢᵀ S⁺ Wᵢ, and Σᵢ Wᵢᵀ S⁺ Wᵢ = tr(S⁺S) = rank W, so
 *
 *     Σᵢ Dᵢ ≤ rank W ≤ m.
 *
 * A zero column has no direction: its interference and Dᵢ are defined as 0 (the feature is not
 * represented, so it takes no share of any dimension). It still counts in other features' sums,
 * where it adds nothing since Ŵᵢ·0 = 0.
 *
 * All arithmetic is float64 whatever W's dtype, and W may be any strided view (a transpose, a
 * slice of a model's [instances, m, n] weights): the values are read through its strides.
 * Results are plain numbers and arrays, ready for JSON.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import { squeeze, slice } from '../tensor/movement.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A weight matrix read into float64, row-major: `values[r·n + c]` is W[r, c].
 *
 * @internal
 */
export interface MatrixValues {
  /** Rows: hidden dimensions (neurons). */
  m: number;
  /** Columns: features. */
  n: number;
  /** W[r, c] at r·n + c. */
  values: Float64Array;
}

/**
 * Reads a weight matrix [m, n] into float64 through its strides, refusing anything else: a
 * tensor that is not a matrix, an empty one, or one with a NaN or infinite entry (a diverged run
 * should say so rather than report NaN measures).
 *
 * @internal
 */
export function matrixValues(op: string, W: Tensor): MatrixValues {
  if (W.rank !== 2) {
    fail(op, `expected one instance's weights W of shape [m, n] (hidden × features), got shape ${formatShape(W.shape)}` +
      (W.rank === 3 ? '; pick an instance with instanceWeights(W, k)' : ''));
  }
  const [m, n] = W.shape;
  if (m === 0 || n === 0) fail(op, `expected W with at least one hidden dim and one feature, got shape ${formatShape(W.shape)}`);
  const [rowStride, colStride] = W.strides;
  const values = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      const value = W.data[W.offset + r * rowStride + c * colStride];
      if (!Number.isFinite(value)) fail(op, `W[${r},${c}] is ${value}; the measures need finite weights (shape ${formatShape(W.shape)})`);
      values[r * n + c] = value;
    }
  }
  return { m, n, values };
}

/** G = WᵀW in float64, row-major [n, n]: G[i·n + j] = Σ_r W[r,i]·W[r,j]. */
function gramValues({ m, n, values }: MatrixValues): Float64Array {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += values[r * n + i] * values[r * n + j];
      G[i * n + j] = dot;
      G[j * n + i] = dot;
    }
  }
  return G;
}

/**
 * Instance k of a model's weights: W3[k], of shape [m, n], from W3 of shape [I, m, n]. A view
 * (no copy) sharing W3's storage.
 *
 * @example
 * ```ts
 * const model = new ToyModel({ instances: 8, features: 5, hidden: 2 });
 * instanceWeights(model.W, 3).shape;   // returns [2, 5]
 * ```
 */
export function instanceWeights(W3: Tensor, k: number): Tensor {
  const op = 'instanceWeights';
  if (W3.rank !== 3) fail(op, `expected weights of shape [instances, m, n], got shape ${formatShape(W3.shape)}`);
  const instances = W3.shape[0];
  if (!Number.isInteger(k) || k < 0 || k >= instances) {
    fail(op, `instance ${k} is out of range for shape ${formatShape(W3.shape)}: expected a whole number in [0, ${instances - 1}]`);
  }
  return squeeze(slice(W3, 0, k, k + 1), 0);
}

/**
 * ‖Wᵢ‖ for every feature i: the length of its column. A trained model gives a represented
 * feature a norm near 1 and lets an unrepresented one decay towards 0.
 *
 * @example
 * ```ts
 * featureNorms(tensor([[3, 0], [4, 0]]));   // returns [5, 0]
 * ```
 */
export function featureNorms(W: Tensor): number[] {
  const { m, n, values } = matrixValues('featureNorms', W);
  const norms: number[] = [];
  for (let i = 0; i < n; i++) {
    let squares = 0;
    for (let r = 0; r < m; r++) squares += values[r * n + i] ** 2;
    norms.push(Math.sqrt(squares));
  }
  return norms;
}

/**
 * Interference on each feature: Σ_{j≠i} (Ŵᵢ·Wⱼ)² = Σ_{j≠i} Gᵢⱼ² / Gᵢᵢ, how much of the other
 * features lands on feature i's direction. 0 for a zero column (it has no direction).
 *
 * @example
 * ```ts
 * interference(tensor([[1, -1]]));         // returns [1, 1]  (an antipodal pair)
 * interference(tensor([[1, 0], [0, 1]]));  // returns [0, 0]  (orthogonal)
 * ```
 */
export function interference(W: Tensor): number[] {
  const matrix = matrixValues('interference', W);
  const { n } = matrix;
  const G = gramValues(matrix);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const own = G[i * n + i];
    if (own === 0) {
      out.push(0);
      continue;
    }
    let others = 0;
    for (let j = 0; j < n; j++) if (j !== i) others += G[i * n + j] ** 2;
    out.push(others / own);
  }
  return out;
}

/**
 * Feature dimensionality Dᵢ = ‖Wᵢ‖² / Σ_j (Ŵᵢ·Wⱼ)² = Gᵢᵢ² / Σ_j Gᵢⱼ² (j = i included): the
 * fraction of a dimension feature i gets. 1 alone, 1/2 in an antipodal pair, 2/3 in a triangle,
 * 2/5 in a pentagon; 0 for a zero column by definition. Σᵢ Dᵢ ≤ m (see the module notes).
 *
 * @example
 * ```ts
 * featureDimensionality(tensor([[1, -1]]));   // returns [0.5, 0.5]
 * featureDimensionality(tensor([[1, 2]]));    // returns [0.2, 0.8]  (1/(1+4), 16/(16+4))
 * ```
 */
export function featureDimensionality(W: Tensor): number[] {
  const matrix = matrixValues('featureDimensionality', W);
  const { n } = matrix;
  const G = gramValues(matrix);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const own = G[i * n + i];
    if (own === 0) {
      out.push(0);
      continue;
    }
    let all = 0;
    for (let j = 0; j < n; j++) all += G[i * n + j] ** 2;
    out.push((own * own) / all);
  }
  return out;
}

/**
 * The Gram matrix WᵀW as nested arrays [n][n]: entry [i][j] is Wᵢ·Wⱼ. Its diagonal holds the
 * squared norms; off the diagonal, how features overlap (the paper draws it as a heat map).
 *
 * @example
 * ```ts
 * gram(tensor([[1, -1]]));   // returns [[1, -1], [-1, 1]]
 * ```
 */
export function gram(W: Tensor): number[][] {
  const matrix = matrixValues('gram', W);
  const { n } = matrix;
  const G = gramValues(matrix);
  return Array.from({ length: n }, (_, i) => Array.from(G.subarray(i * n, (i + 1) * n)));
}

/**
 * Dimensions per feature, m / ‖W‖_F²: how many hidden dimensions each represented feature gets
 * on average (‖W‖_F² = Σᵢ ‖Wᵢ‖² counts represented features, each ≈ 1). 1 when m orthogonal
 * features fill m dims, 1/2 for antipodal pairs, 2/5 for a pentagon. Refuses an all-zero W, which
 * represents nothing, so the ratio would be m / 0.
 *
 * @example
 * ```ts
 * dimensionsPerFeature(tensor([[1, -1]]));   // returns 0.5
 * ```
 */
export function dimensionsPerFeature(W: Tensor): number {
  const op = 'dimensionsPerFeature';
  const { m, values } = matrixValues(op, W);
  let frobeniusSquared = 0;
  for (const value of values) frobeniusSquared += value * value;
  if (frobeniusSquared === 0) fail(op, `W of shape ${formatShape(W.shape)} is all zeros: it represents no feature, so m / ‖W‖_F² is undefined`);
  return m / frobeniusSquared;
}

/** How a feature sits in a trained model: see {@link classifyFeatures}. */
export type FeatureStatus = 'dedicated' | 'superposed' | 'absent';

/**
 * A feature with ‖Wᵢ‖ below this is not represented: the default of {@link classifyFeatures}, and
 * what the experiments count as a stored feature (see classifyFeatures for why 0.5).
 */
export const REPRESENTED_NORM = 0.5;

/** Thresholds for {@link classifyFeatures}. */
export interface ClassifyOptions {
  /** A feature with ‖Wᵢ‖ below this is absent. Default {@link REPRESENTED_NORM}, 0.5. */
  representedNorm?: number;
  /** A represented feature with interference above this (from represented features) is superposed. Default 0.1. */
  interferenceLimit?: number;
}

/**
 * Sorts each feature into `"absent"`, `"dedicated"` or `"superposed"`:
 *
 *     absent       ‖Wᵢ‖ < representedNorm
 *     superposed   represented, and Σ_{j≠i, j represented} (Ŵᵢ·Wⱼ)² > interferenceLimit
 *     dedicated    represented, and the interference from represented features is within the limit
 *
 * Why these defaults. The ReLU model reads feature i back as ≈ ‖Wᵢ‖²·xᵢ, so a trained represented
 * feature has ‖Wᵢ‖ ≈ 1 and an unrepresented one is pushed (by the loss and by weight decay) towards
 * 0: `representedNorm` = 0.5 sits between them, where the read-back gain ‖Wᵢ‖² is only 1/4.
 * Interference from one other unit-norm feature at angle θ is cos²θ: 0 when orthogonal, 1 for an
 * antipodal partner, 1/2 in a triangle, 3/2 in a pentagon. `interferenceLimit` = 0.1 allows
 * cos²θ ≤ 0.1 (θ ≥ 72°) from near-orthogonal leftovers of training and calls anything more
 * superposition.
 *
 * Only represented features count as interferers: a column the model has all but switched off
 * (norm 0.05, say) still points somewhere and would add a little to its neighbours' interference,
 * but it is not a feature the model stores, so it does not make a dedicated feature superposed.
 *
 * @example
 * ```ts
 * classifyFeatures(tensor([[1, -1, 0], [0, 0, 1], [0, 0, 0]]));
 * // returns ['superposed', 'superposed', 'dedicated']
 * ```
 */
export function classifyFeatures(W: Tensor, options: ClassifyOptions = {}): FeatureStatus[] {
  const op = 'classifyFeatures';
  const representedNorm = options.representedNorm ?? REPRESENTED_NORM;
  const interferenceLimit = options.interferenceLimit ?? 0.1;
  if (!(representedNorm >= 0) || !Number.isFinite(representedNorm)) fail(op, `representedNorm must be a number ≥ 0, got ${representedNorm}`);
  if (!(interferenceLimit >= 0) || !Number.isFinite(interferenceLimit)) fail(op, `interferenceLimit must be a number ≥ 0, got ${interferenceLimit}`);
  const matrix = matrixValues(op, W);
  const { n } = matrix;
  const G = gramValues(matrix);
  const represented = Array.from({ length: n }, (_, i) => Math.sqrt(G[i * n + i]) >= representedNorm && G[i * n + i] > 0);
  return represented.map((isRepresented, i): FeatureStatus => {
    if (!isRepresented) return 'absent';
    let others = 0;
    for (let j = 0; j < n; j++) if (j !== i && represented[j]) others += G[i * n + j] ** 2;
    return others / G[i * n + i] > interferenceLimit ? 'superposed' : 'dedicated';
  });
}
