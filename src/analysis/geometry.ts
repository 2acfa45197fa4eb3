/**
 * Feature geometry: the shapes superposed features arrange themselves into, and the fractions of
 * a dimension each shape gives its features.
 *
 * When many sparse features share few dimensions, a trained model groups them into small
 * regular polytopes, each in its own subspace orthogonal to the others (Elhage et al. 2022,
 * "The Geometry of Superposition"). Every feature of a k-feature polytope spanning d dimensions
 * gets the same feature dimensionality Dᵢ = d/k, and dimensions per feature "sticks" at those
 * fractions as sparsity grows:
 *
 *     name                features  dims   Dᵢ      arrangement
 *     dedicated               1       1    1       a feature alone on its axis
 *     tetrahedron             4       3    3/4     vertices of a regular tetrahedron
 *     triangle                3       2    2/3     three directions 120° apart in a plane
 *     digon                   2       1    1/2     an antipodal pair, ±u
 *     pentagon                5       2    2/5     five directions 72° apart in a plane
 *     square antiprism        8       3    3/8     two squares, turned 45°, above and below a plane
 *
 * Why Dᵢ = d/k exactly. Dᵢ = ‖Wᵢ‖⁴ / Σⱼ (Wᵢ·Wⱼ)² = 1 / (Wᵢᵀ S Wᵢ) for unit columns, with
 * S = Σⱼ WⱼWⱼᵀ = WWᵀ. Each of these shapes is a *tight frame*: S = (k/d)·I, so
 * Wᵢᵀ S Wᵢ = k/d for every feature. (For the square antiprism the height makes it tight: with the
 * vertices at (r cos θ, r sin θ, ±h), S is diagonal with entries 4r², 4r², 8h², equal when
 * r² = 2/3 and h² = 1/3. The polytopes here are built that way.)
 *
 * {@link polytope} builds each shape as a float64 W of shape [d, k] (unit columns), so that tests
 * and the lesson can check the measure on known answers; {@link nearestFraction} and
 * {@link clusterDimensionalities} sort a trained model's Dᵢ values onto the named fractions.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** The names of the fractions where dimensions per feature sticks. */
export type StickyName = 'dedicated' | 'tetrahedron' | 'triangle' | 'digon' | 'pentagon' | 'square antiprism';

/** One named arrangement: `features` directions spanning `dimensions` dims, each with Dᵢ = `fraction`. */
export interface StickyFraction {
  /** The arrangement's name. */
  name: StickyName;
  /** Dᵢ = dimensions / features. */
  fraction: number;
  /** k: how many features share the subspace. */
  features: number;
  /** d: the subspace's dimension. */
  dimensions: number;
}

/** The fractions the paper names, largest first: 1, 3/4, 2/3, 1/2, 2/5, 3/8. */
export const STICKY_FRACTIONS: readonly StickyFraction[] = [
  { name: 'dedicated', fraction: 1, features: 1, dimensions: 1 },
  { name: 'tetrahedron', fraction: 3 / 4, features: 4, dimensions: 3 },
  { name: 'triangle', fraction: 2 / 3, features: 3, dimensions: 2 },
  { name: 'digon', fraction: 1 / 2, features: 2, dimensions: 1 },
  { name: 'pentagon', fraction: 2 / 5, features: 5, dimensions: 2 },
  { name: 'square antiprism', fraction: 3 / 8, features: 8, dimensions: 3 },
];

/** k unit vectors evenly around the unit circle, starting at angle 0: columns of a [2, k] W. */
function regularPolygon(k: number): Tensor {
  const data = new Float64Array(2 * k);
  for (let i = 0; i < k; i++) {
    const angle = (2 * Math.PI * i) / k;
    data[i] = Math.cos(angle);
    data[k + i] = Math.sin(angle);
  }
  return new Tensor(data, [2, k]);
}

/** Columns given as points in d dims, normalised to unit length, as a [d, k] float64 W. */
function unitColumns(points: readonly (readonly number[])[]): Tensor {
  const d = points[0].length;
  const k = points.length;
  const data = new Float64Array(d * k);
  points.forEach((point, i) => {
    const length = Math.hypot(...point);
    point.forEach((value, axis) => {
      data[axis * k + i] = value / length;
    });
  });
  return new Tensor(data, [d, k]);
}

/**
 * A named arrangement as a weight matrix W of shape [d, k] (float64): column i is feature i's
 * unit direction. `"dedicated"` is one feature on one axis, [[1]].
 *
 * @example
 * ```ts
 * polytope('digon').toArray();                   // returns [[1, -1]]
 * polytope('square antiprism').shape;            // returns [3, 8]
 * featureDimensionality(polytope('pentagon'));   // returns [0.4, 0.4, 0.4, 0.4, 0.4] (to rounding)
 * ```
 */
export function polytope(name: StickyName): Tensor {
  switch (name) {
    case 'dedicated':
      return new Tensor(Float64Array.of(1), [1, 1]);
    case 'digon':
      return new Tensor(Float64Array.of(1, -1), [1, 2]);
    case 'triangle':
      return regularPolygon(3);
    case 'pentagon':
      return regularPolygon(5);
    case 'tetrahedron':
      // Alternate corners of a cube: every pair meets at cos θ = −1/3.
      return unitColumns([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]);
    case 'square antiprism': {
      // A square at height h and one at −h turned by 45°, with r² = 2/3, h² = 1/3 (a tight frame).
      const r = Math.sqrt(2 / 3);
      const h = Math.sqrt(1 / 3);
      const points: number[][] = [];
      for (let i = 0; i < 4; i++) {
        const top = (Math.PI / 2) * i;
        const bottom = top + Math.PI / 4;
        points.push([r * Math.cos(top), r * Math.sin(top), h]);
        points.push([r * Math.cos(bottom), r * Math.sin(bottom), -h]);
      }
      return unitColumns(points);
    }
    default:
      return fail('polytope', `unknown polytope ${JSON.stringify(name)}; expected one of ${STICKY_FRACTIONS.map((s) => s.name).join(', ')}`);
  }
}

/** The named fraction nearest a feature dimensionality, and how far it is. */
export interface NearestFraction {
  /** The nearest named fraction's value. */
  fraction: number;
  /** Its name. */
  name: StickyName;
  /** |D − fraction|. */
  distance: number;
}

/**
 * The named fraction (of {@link STICKY_FRACTIONS}) nearest to a feature dimensionality D.
 *
 * @example
 * ```ts
 * nearestFraction(0.41);   // returns { fraction: 0.4, name: 'pentagon', distance: 0.01 } (to rounding)
 * ```
 */
export function nearestFraction(dimensionality: number): NearestFraction {
  if (!Number.isFinite(dimensionality) || dimensionality < 0) {
    fail('nearestFraction', `expected a feature dimensionality ≥ 0, got ${dimensionality}`);
  }
  let best = STICKY_FRACTIONS[0];
  for (const candidate of STICKY_FRACTIONS) {
    if (Math.abs(dimensionality - candidate.fraction) < Math.abs(dimensionality - best.fraction)) best = candidate;
  }
  return { fraction: best.fraction, name: best.name, distance: Math.abs(dimensionality - best.fraction) };
}

/** How many feature dimensionalities sit at each named fraction. */
export interface DimensionalityClusters {
  /** Per name, the values whose nearest named fraction it is, within the tolerance. */
  counts: Record<StickyName, number>;
  /** Values farther than the tolerance from every named fraction. */
  unmatched: number;
  /** How many values were sorted (counts plus unmatched). */
  total: number;
}

/**
 * Sorts feature dimensionalities onto the named fractions: each value counts for its nearest
 * fraction when within `tolerance` of it, else as unmatched. Pass only represented features'
 * values (an absent feature's Dᵢ is near 0 and would count as unmatched); with n = 200 features,
 * counts concentrated on a few names are the paper's "sticky" fractions.
 *
 * The default tolerance 0.02 is below the gap between the two closest fractions (2/5 − 3/8 =
 * 0.025), so a value within it of one fraction is never as close to another.
 *
 * @example
 * ```ts
 * clusterDimensionalities([1, 0.99, 0.51, 0.4, 0.3]).counts.digon;   // returns 1
 * clusterDimensionalities([1, 0.99, 0.51, 0.4, 0.3]).unmatched;      // returns 1  (0.3)
 * ```
 */
export function clusterDimensionalities(dimensionalities: readonly number[], tolerance = 0.02): DimensionalityClusters {
  const op = 'clusterDimensionalities';
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) fail(op, `tolerance must be a number ≥ 0, got ${tolerance}`);
  const counts = Object.fromEntries(STICKY_FRACTIONS.map((s) => [s.name, 0])) as Record<StickyName, number>;
  let unmatched = 0;
  dimensionalities.forEach((value, i) => {
    if (!Number.isFinite(value) || value < 0) fail(op, `value ${i} is ${value}; expected feature dimensionalities ≥ 0`);
    const nearest = nearestFraction(value);
    if (nearest.distance <= tolerance) counts[nearest.name]++;
    else unmatched++;
  });
  return { counts, unmatched, total: dimensionalities.length };
}

/** Feature dimensionalities sorted into the bands a learner can read: at a named fraction, between them, or outside their range. */
export interface DimensionalityBands {
  /** Per name, the values within the tolerance of that fraction. */
  counts: Record<StickyName, number>;
  /** Values inside [3/8 − tol, 1 + tol] but farther than the tolerance from every named fraction. */
  between: number;
  /** Values below 3/8 − tol: sparser arrangements than any named fraction (no fraction to sit at). */
  below: number;
  /** Values above 1 + tol. A trained Dᵢ never is (the j = i term alone makes Dᵢ ≤ 1); counted so every value lands in a band. */
  above: number;
  /** How many values were sorted (counts, between, below and above). */
  total: number;
}

/**
 * Sorts feature dimensionalities like {@link clusterDimensionalities}, but splits its "unmatched"
 * in three: `below` 3/8 − tol (sparser than every named fraction, so nothing to sit at), `above`
 * 1 + tol (never, for a true Dᵢ ≤ 1), and `between` (inside the fractions' range, at none of them). Only `between` is a
 * miss; `below` says where the data are too sparse for any named polytope.
 *
 * @example
 * ```ts
 * const bands = bandDimensionalities([1, 0.51, 0.45, 0.3, 0.2]);
 * bands.counts.digon;   // returns 1
 * bands.between;        // returns 1  (0.45: inside [0.355, 1.02], 0.05 from 2/5 and from 1/2)
 * bands.below;          // returns 2  (0.3 and 0.2)
 * ```
 */
export function bandDimensionalities(dimensionalities: readonly number[], tolerance = 0.02): DimensionalityBands {
  const op = 'bandDimensionalities';
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) fail(op, `tolerance must be a number ≥ 0, got ${tolerance}`);
  const fractions = STICKY_FRACTIONS.map((s) => s.fraction);
  const lower = Math.min(...fractions) - tolerance;
  const upper = Math.max(...fractions) + tolerance;
  const counts = Object.fromEntries(STICKY_FRACTIONS.map((s) => [s.name, 0])) as Record<StickyName, number>;
  let between = 0;
  let below = 0;
  let above = 0;
  dimensionalities.forEach((value, i) => {
    if (!Number.isFinite(value) || value < 0) fail(op, `value ${i} is ${value}; expected feature dimensionalities ≥ 0`);
    const nearest = nearestFraction(value);
    if (nearest.distance <= tolerance) counts[nearest.name]++;
    else if (value < lower) below++;
    else if (value > upper) above++;
    else between++;
  });
  return { counts, between, below, above, total: dimensionalities.length };
}
