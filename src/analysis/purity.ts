/**
 * What a unit means on labelled data: the measures that make "polysemantic" a number, and the
 * pieces of an SAE dashboard card (as sae-vis and Neuronpedia draw them).
 *
 * A *unit* is a column of an activation matrix A [N, U]: a hidden neuron of a network, or a
 * latent of an SAE. Each sample n has a class yₙ. For unit u:
 *
 * - **top examples**: the samples with the largest Aₙᵤ > 0, strongest first (ties: lower index
 *   first). Samples where the unit is silent (Aₙᵤ ≤ 0) are never "top": a unit that fires on 7
 *   samples has 7 top examples, not 20 with 13 arbitrary ones.
 * - **class mix** of its top k examples, with counts c₀ … c₉ summing to k′ ≤ k and pᵢ = cᵢ / k′:
 *
 *       purity         = maxᵢ pᵢ                        1 for a unit that means one class
 *       entropy        = −Σᵢ pᵢ log₂ pᵢ  (bits)        0 for one class, log₂ 10 ≈ 3.32 for all ten evenly
 *       classesToCover = the fewest classes whose pᵢ sum to ≥ 80%
 *
 * - **mean activation per class**: (1/|{n : yₙ = c}|) Σ_{yₙ = c} Aₙᵤ.
 * - **logit weights** of a direction v in a hidden space read by an output layer W [C, H]: W v,
 *   what adding v does to each logit (which classes it pushes up, which down).
 * - **nearest directions** by cosine among the rows of D [L, H].
 * - **activation histogram**: the nonzero activations of a unit, binned from 0 to its largest.
 * - **quantile samples**: samples spread over the unit's nonzero activations, a few from each
 *   quantile band, so a card shows what weak activations look like, not only the strongest.
 *
 * Everything is computed in float64 and returned as plain numbers and arrays.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** How a set of labels splits over the classes; see the module notes. */
export interface ClassMix {
  /** Labels counted, k′. */
  total: number;
  /** cᵢ: how many of them are class i, one entry per class. */
  counts: number[];
  /** The class with the most (the lowest such class on a tie); −1 when there are none. */
  majorityClass: number;
  /** max pᵢ, in [1/C, 1]; 0 when there are no labels. */
  purity: number;
  /** −Σ pᵢ log₂ pᵢ, in bits; 0 when there are no labels. */
  entropyBits: number;
  /** The fewest classes whose shares sum to ≥ `coverage`; 0 when there are no labels. */
  classesToCover: number;
  /** The coverage asked for (default 0.8). */
  coverage: number;
}

/**
 * The class mix of `labels` (each a whole number in [0, classes)); see the module notes.
 *
 * @example
 * ```ts
 * classMix([3, 3, 3, 5], 10).purity;          // returns 0.75
 * classMix([3, 3, 3, 5], 10).classesToCover;  // returns 2  (3s alone are 75% < 80%)
 * ```
 */
export function classMix(labels: ArrayLike<number>, classes: number, coverage = 0.8): ClassMix {
  const op = 'classMix';
  if (!Number.isInteger(classes) || classes < 1) fail(op, `classes must be a whole number ≥ 1, got ${classes}`);
  if (!(coverage > 0 && coverage <= 1)) fail(op, `coverage must be in (0, 1], got ${coverage}`);
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) fail(op, `label ${i} is ${label}, not a class in 0..${classes - 1}`);
    counts[label]++;
  }
  const total = labels.length;
  if (total === 0) return { total, counts, majorityClass: -1, purity: 0, entropyBits: 0, classesToCover: 0, coverage };
  let majorityClass = 0;
  for (let c = 1; c < classes; c++) if (counts[c] > counts[majorityClass]) majorityClass = c;
  let entropyBits = 0;
  for (const count of counts) if (count > 0) entropyBits -= (count / total) * Math.log2(count / total);
  const sorted = [...counts].sort((a, b) => b - a);
  let covered = 0;
  let classesToCover = 0;
  // Counts are whole numbers, so compare counts with coverage·total, not shares with coverage:
  // 4 of 5 labels is exactly 80%, and 0.8·5 = 4 exactly, where 4/5 summed in floats may not be.
  while (covered < coverage * total - 1e-9) covered += sorted[classesToCover++];
  return { total, counts, majorityClass, purity: counts[majorityClass] / total, entropyBits: Math.max(0, entropyBits), classesToCover, coverage };
}

/** Checks an activation matrix [N, U]; returns its packed float values and sizes. */
function activationValues(op: string, activations: Tensor): { n: number; units: number; values: ArrayLike<number> } {
  if (!(activations instanceof Tensor) || activations.rank !== 2) {
    fail(op, `expected activations of shape [samples, units], got ${activations instanceof Tensor ? formatShape(activations.shape) : String(activations)}`);
  }
  return { n: activations.shape[0], units: activations.shape[1], values: activations.toTypedArray() };
}

function checkLabels(op: string, labels: ArrayLike<number>, n: number): void {
  if (labels === null || typeof labels !== 'object' || labels.length !== n) {
    fail(op, `expected one label per sample (${n}), got ${labels === null || typeof labels !== 'object' ? String(labels) : labels.length}`);
  }
}

function checkUnit(op: string, unit: number, units: number): void {
  if (!Number.isInteger(unit) || unit < 0 || unit >= units) fail(op, `unit must be from 0 to ${units - 1}, got ${unit}`);
}

/** One unit's column of A [N, U], as float64. */
export function unitColumn(activations: Tensor, unit: number): Float64Array {
  const { units } = activationValues('unitColumn', activations);
  checkUnit('unitColumn', unit, units);
  return unitColumns(activations)[unit];
}

/** Every unit's column of A [N, U], as float64: U arrays of N (one pass over A). */
export function unitColumns(activations: Tensor): Float64Array[] {
  const { n, units, values } = activationValues('unitColumns', activations);
  const columns = Array.from({ length: units }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let u = 0; u < units; u++) columns[u][i] = values[i * units + u];
  return columns;
}

/** The samples where a unit fires hardest; see {@link topActivating}. */
export interface TopExamples {
  /** Sample indices, strongest first (only samples with activation > 0). */
  indices: number[];
  /** Their activations. */
  activations: number[];
}

/**
 * The up-to-`k` samples with the largest positive activation of one unit, strongest first; ties go
 * to the lower sample index.
 */
export function topActivating(column: ArrayLike<number>, k: number): TopExamples {
  if (!Number.isInteger(k) || k < 1) fail('topActivating', `k must be a whole number ≥ 1, got ${k}`);
  const firing: number[] = [];
  for (let i = 0; i < column.length; i++) if (column[i] > 0) firing.push(i);
  firing.sort((a, b) => column[b] - column[a] || a - b);
  const indices = firing.slice(0, k);
  return { indices, activations: indices.map((i) => column[i]) };
}

/** Everything {@link profileUnits} measures for one unit. */
export interface UnitProfile {
  /** Its column. */
  unit: number;
  /** Samples where it is > 0. */
  fires: number;
  /** The largest activation (0 if it never fires). */
  maxActivation: number;
  /** Its top examples (at most `topK`). */
  top: TopExamples;
  /** The class mix of the top examples' labels. */
  mix: ClassMix;
  /** Mean activation over the samples of each class. */
  meanByClass: number[];
}

/** Options of {@link profileUnits}. */
export interface ProfileOptions {
  /** Classes. Default 10. */
  classes?: number;
  /** Top examples per unit. Default 20. */
  topK?: number;
  /** The class mix's coverage. Default 0.8. */
  coverage?: number;
}

/** Top examples, class mix and per-class mean of every unit of A [N, U], given each sample's label. */
export function profileUnits(activations: Tensor, labels: ArrayLike<number>, options: ProfileOptions = {}): UnitProfile[] {
  const op = 'profileUnits';
  const classes = options.classes ?? 10;
  const topK = options.topK ?? 20;
  const { n, units } = activationValues(op, activations);
  checkLabels(op, labels, n);
  const means = meanActivationByClass(activations, labels, classes);
  const columns = unitColumns(activations);
  const profiles: UnitProfile[] = [];
  for (let unit = 0; unit < units; unit++) {
    const column = columns[unit];
    let fires = 0;
    let maxActivation = 0;
    for (const value of column) {
      if (value > 0) fires++;
      if (value > maxActivation) maxActivation = value;
    }
    const top = topActivating(column, topK);
    const mix = classMix(top.indices.map((i) => labels[i]), classes, options.coverage ?? 0.8);
    profiles.push({ unit, fires, maxActivation, top, mix, meanByClass: means[unit] });
  }
  return profiles;
}

/** Mean activation of each unit over the samples of each class, [U][C]; NaN for a class with no samples. */
export function meanActivationByClass(activations: Tensor, labels: ArrayLike<number>, classes: number): number[][] {
  const op = 'meanActivationByClass';
  const { n, units, values } = activationValues(op, activations);
  checkLabels(op, labels, n);
  if (!Number.isInteger(classes) || classes < 1) fail(op, `classes must be a whole number ≥ 1, got ${classes}`);
  const sums = Array.from({ length: units }, () => new Float64Array(classes));
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) fail(op, `label ${i} is ${label}, not a class in 0..${classes - 1}`);
    counts[label]++;
    for (let u = 0; u < units; u++) sums[u][label] += values[i * units + u];
  }
  return sums.map((row) => Array.from(row, (total, c) => total / counts[c]));
}

/**
 * The logit weights of a direction v [H] read by an output layer W [C, H]: W v, one number per
 * class (how much adding v raises each logit).
 */
export function logitWeights(direction: ArrayLike<number>, outputWeights: Tensor): number[] {
  const op = 'logitWeights';
  if (!(outputWeights instanceof Tensor) || outputWeights.rank !== 2 || outputWeights.shape[1] !== direction.length) {
    fail(op, `expected output weights [classes, ${direction.length}], got ${outputWeights instanceof Tensor ? formatShape(outputWeights.shape) : String(outputWeights)}`);
  }
  const [classes, hidden] = outputWeights.shape;
  const W = outputWeights.toTypedArray();
  return Array.from({ length: classes }, (_, c) => {
    let total = 0;
    for (let h = 0; h < hidden; h++) total += W[c * hidden + h] * direction[h];
    return total;
  });
}

/** A neighbour of a direction. */
export interface Neighbour {
  /** Its row. */
  index: number;
  /** cos(row, it). */
  cosine: number;
}

/**
 * The `count` rows of D [L, H] with the largest cosine to row `row` (itself excluded), largest
 * first, considering only the rows in `among` (default: all).
 */
export function nearestByCosine(directions: Tensor, row: number, count: number, among?: readonly number[]): Neighbour[] {
  const op = 'nearestByCosine';
  const { n: rows, units: width, values } = activationValues(op, directions);
  checkUnit(op, row, rows);
  if (!Number.isInteger(count) || count < 0) fail(op, `count must be a whole number ≥ 0, got ${count}`);
  const norm = (r: number): number => {
    let squares = 0;
    for (let i = 0; i < width; i++) squares += values[r * width + i] ** 2;
    return Math.sqrt(squares);
  };
  const own = norm(row);
  const candidates = among ?? Array.from({ length: rows }, (_, i) => i);
  const neighbours: Neighbour[] = [];
  for (const other of candidates) {
    checkUnit(op, other, rows);
    if (other === row) continue;
    let dot = 0;
    for (let i = 0; i < width; i++) dot += values[row * width + i] * values[other * width + i];
    const denominator = own * norm(other);
    neighbours.push({ index: other, cosine: denominator === 0 ? 0 : dot / denominator });
  }
  neighbours.sort((a, b) => b.cosine - a.cosine || a.index - b.index);
  return neighbours.slice(0, count);
}

/** A histogram over [0, max]. */
export interface ActivationHistogram {
  /** bins + 1 edges, ascending, from 0 to the largest value. */
  edges: number[];
  /** Values per bin; bin b spans (edges[b], edges[b+1]], the first includes nothing at or below 0. */
  counts: number[];
}

/** The positive values of a unit's column, binned evenly from 0 to the largest (zeros are left out). */
export function activationHistogram(column: ArrayLike<number>, bins = 16): ActivationHistogram {
  if (!Number.isInteger(bins) || bins < 1) fail('activationHistogram', `bins must be a whole number ≥ 1, got ${bins}`);
  let max = 0;
  for (let i = 0; i < column.length; i++) if (column[i] > max) max = column[i];
  const edges = Array.from({ length: bins + 1 }, (_, b) => (max * b) / bins);
  const counts = new Array<number>(bins).fill(0);
  if (max === 0) return { edges, counts };
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value > 0) counts[Math.min(bins - 1, Math.max(0, Math.ceil((value / max) * bins) - 1))]++;
  }
  return { edges, counts };
}

/** Samples from one activation band. */
export interface QuantileBand {
  /** The band's activation range [low, high]. */
  low: number;
  /** Its upper end. */
  high: number;
  /** Sample indices in the band, strongest first. */
  indices: number[];
}

/**
 * Splits a unit's firing samples (activation > 0), sorted weakest to strongest, into `bands`
 * equal-count bands and takes `perBand` samples spread evenly through each; bands come back
 * strongest first.
 */
export function quantileSamples(column: ArrayLike<number>, bands = 4, perBand = 4): QuantileBand[] {
  const op = 'quantileSamples';
  if (!Number.isInteger(bands) || bands < 1) fail(op, `bands must be a whole number ≥ 1, got ${bands}`);
  if (!Number.isInteger(perBand) || perBand < 1) fail(op, `perBand must be a whole number ≥ 1, got ${perBand}`);
  const firing: number[] = [];
  for (let i = 0; i < column.length; i++) if (column[i] > 0) firing.push(i);
  firing.sort((a, b) => column[a] - column[b] || a - b);
  const result: QuantileBand[] = [];
  for (let b = bands - 1; b >= 0; b--) {
    const start = Math.floor((b * firing.length) / bands);
    const end = Math.floor(((b + 1) * firing.length) / bands);
    if (end <= start) continue;
    const picked = new Set<number>();
    for (let j = 0; j < perBand; j++) picked.add(start + Math.floor(((j + 0.5) * (end - start)) / perBand));
    const indices = [...picked].sort((x, y) => y - x).map((p) => firing[p]);
    result.push({ low: column[firing[start]], high: column[firing[end - 1]], indices });
  }
  return result;
}

/** Five numbers that sum up a distribution. */
export interface Summary {
  /** How many values. */
  count: number;
  /** Their mean. */
  mean: number;
  /** The 25th percentile (linear interpolation between order statistics). */
  q1: number;
  /** The median. */
  median: number;
  /** The 75th percentile. */
  q3: number;
}

/** Count, mean and quartiles of `values` (NaN for an empty list). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    if (sorted.length === 0) return NaN;
    const position = q * (sorted.length - 1);
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  const mean = sorted.length === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, mean, q1: at(0.25), median: at(0.5), q3: at(0.75) };
}
