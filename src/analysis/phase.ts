/**
 * Superposition as a phase change: the smallest model that shows it, n = 2 features in m = 1
 * hidden dimension, and the closed-form loss of each solution it can settle into.
 *
 * The model is the ReLU output model with W = [W₁, W₂] (shape [1, 2]) and b = [b₁, b₂]:
 *
 *     h = W₁x₁ + W₂x₂,     x′ᵢ = ReLU(Wᵢ h + bᵢ)
 *
 * Feature x₁ has importance 1 and the "extra" feature x₂ has relative importance r. Each is,
 * independently, 0 with probability 1 − p and U[0, 1) with probability p (the density). The loss
 * is the one the model trains on, the mean over the two features of the weighted squared error:
 *
 *     L = ½ ( E[(x₁ − x′₁)²] + r · E[(x₂ − x′₂)²] )
 *
 * One hidden dimension leaves three ways to spend it (the paper's three phases):
 *
 *     not-represented   W = [1, 0]     x₂ is dropped; x₁ has the dimension to itself
 *     dedicated         W = [0, 1]     x₂ has the dimension; x₁ is dropped
 *     superposition     W = [1, −1]    both share it as an antipodal pair
 *
 * ## The losses, derived
 *
 * Moments of one feature: E[x] = p/2, E[x²] = p/3, so Var x = p/3 − p²/4.
 *
 * **Dropping a feature.** With Wᵢ = 0 the output x′ᵢ = ReLU(bᵢ) is a constant, and the constant
 * that minimises E[(xᵢ − c)²] is c = E[xᵢ] = p/2 (≥ 0, so the ReLU passes it), leaving Var xᵢ.
 * The kept feature, with weight 1 and bias 0, is read back exactly: x′ = ReLU(x) = x. So
 *
 *     L_not-represented = ½ · r · (p/3 − p²/4)        (b = [0, p/2])
 *     L_dedicated       = ½ · 1 · (p/3 − p²/4)        (b = [p/2, 0])
 *
 * and dedicated beats not-represented exactly when r > 1.
 *
 * **The antipodal pair.** With W = [1, −1], h = x₁ − x₂ and x′₁ = ReLU(x₁ − x₂ + b₁) (x′₂ the
 * same with the roles swapped). Each bias only touches its own feature's error, and both errors
 * are the same function ℓ(b, p) of their bias, so both biases take the same best value c* and
 *
 *     L_superposition = ½ · (1 + r) · ℓ(c*, p)
 *
 * ℓ(c, p) = E[(x₁ − ReLU(x₁ − x₂ + c))²] splits over which features are present:
 *
 *     present    probability   output x′₁             squared error, averaged (0 ≤ c ≤ 1)
 *     neither    (1 − p)²      ReLU(c) = c            c²
 *     x₁ only    p(1 − p)      x₁ + c                 c²
 *     x₂ only    p(1 − p)      ReLU(c − x₂)           ∫₀ᶜ (c − t)² dt = c³/3
 *     both       p²            ReLU(x₁ − x₂ + c)      E_both(c), below
 *
 * For "both", the error is (x₂ − c)² where x₁ > x₂ − c (the ReLU is on) and x₁² elsewhere.
 * Writing u = x₂ − c and integrating x₁ first over the region where the ReLU is on,
 * ∫ (x₁² − u²) dx₁ is 1/3 − u² for u < 0 (all of [0, 1)) and 1/3 − u² + ⅔u³ for u ≥ 0
 * (x₁ ∈ (u, 1)), so
 *
 *     E_both(c) = 1/3 − ∫_{−c}^{1−c} (1/3 − u²) du − ∫₀^{1−c} ⅔u³ du
 *               = ((1 − c)³ + c³)/3 − (1 − c)⁴/6
 *               = 1/6 − c/3 + ⅔c³ − c⁴/6
 *
 * and, adding the rows (the first two share c², with probability 1 − p in all),
 *
 *     ℓ(c, p) = (1 − p) c² + p(1 − p) c³/3 + p² (1/6 − c/3 + ⅔c³ − c⁴/6)      0 ≤ c ≤ 1
 *
 * At c = 0 this is p²/6: with no bias, the pair costs only when both features are present at
 * once (the other feature's negative interference is cut off by the ReLU), and then the error
 * is min(x₁, x₂)², whose mean is 1/6. That p² against the p of dropping a feature is the whole
 * story: the sparser the data, the cheaper superposition.
 *
 * The best bias. A negative bias does not help this pair: interference from an antipodal
 * partner is already negative and removed by the ReLU, while b < 0 eats into every present
 * value. (For β = −c ∈ [0, 1], ℓ = p(1 − p)(β² − ⅔β³) + p²(1/6 + β/3 − β³/3 + β⁴/6), increasing
 * in β.) A small positive bias does help: when both are present the output x₁ − x₂ is too low,
 * and c > 0 raises it, at a cost of c² on the other rows. ℓ is convex in c on [0, 1]
 * (ℓ″ = 2(1 − p) + 2p(1 − p)c + p²(4c − 2c²) ≥ 0), falls at 0 (ℓ′(0) = −p²/3) and rises at 1,
 * so the best bias c* is the one root in (0, 1) of
 *
 *     ℓ′(c) = 2(1 − p) c + p(1 − p) c² + p² (2c² − ⅔c³ − 1/3)
 *
 * found by bisection to machine precision ({@link antipodalBias}). It is ≈ p²/6 when the data
 * are sparse and 0.44 when p = 1. (Outside [0, 1]: for c ≤ −1 the output is always 0 and
 * ℓ = p/3; for c ≥ 1 the ReLU is always on and ℓ = c² − pc + p/3. {@link antipodalFeatureLoss}
 * covers every c.)
 *
 * What the candidates leave out. The superposition candidate fixes the weights at ±1, the
 * scale at which a feature present alone is read back exactly; a trained model may stretch them
 * slightly when features often co-occur, which lowers its loss by a term of order p². The two
 * other candidates are exact optima of their families. So theory and training can disagree
 * only near the boundaries, which is where the lesson expects them to.
 *
 * ## The phase diagram
 *
 * Comparing the three: superposition beats dropping x₂ when (1 + r)·ℓ(c*) < r(p/3 − p²/4), which
 * for sparse data (ℓ ≈ p²/6) is p < 4r / (2 + 5r), and beats dropping x₁ when p < 4 / (5 + 2r).
 * So x₂ is not represented when it matters less (r < 1) and data are dense, gets the dimension
 * when it matters more (r > 1) and data are dense, and shares it as an antipodal pair when data
 * are sparse, in a wedge centred on r = 1 that widens as p falls (Elhage et al. 2022, "Superposition
 * as a Phase Change").
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What the n = 2, m = 1 model does with its one dimension:
 * `"not-represented"` (W ≈ [1, 0], the extra feature x₂ is dropped), `"dedicated"` (W ≈ [0, 1],
 * x₂ has the dimension and x₁ is dropped), or `"superposition"` (W ≈ [1, −1], an antipodal pair).
 */
export type Phase = 'not-represented' | 'dedicated' | 'superposition';

/** The three phases, in the order ties are broken (the first wins). */
export const PHASES: readonly Phase[] = ['not-represented', 'dedicated', 'superposition'];

/** One candidate solution of the n = 2, m = 1 model: its weights, biases and expected loss. */
export interface CandidateSolution {
  /** [W₁, W₂]. */
  W: [number, number];
  /** [b₁, b₂], the best biases for these weights. */
  b: [number, number];
  /** ½ (E[(x₁ − x′₁)²] + r·E[(x₂ − x′₂)²]) for these weights and biases. */
  loss: number;
}

/** Checks the importance ratio r and the density p. */
function checkImportanceAndDensity(op: string, importance: number, density: number): void {
  if (!(importance > 0) || !Number.isFinite(importance)) fail(op, `importance must be a positive number, got ${importance}`);
  if (!(density > 0 && density <= 1)) fail(op, `density must be in (0, 1], got ${density}`);
}

/**
 * ℓ(c, p) = E[(x₁ − ReLU(x₁ − x₂ + c))²]: the expected squared error of one feature of the
 * antipodal pair W = [1, −1] with bias c, for density p. Closed form for every real c (see the
 * module notes for the derivation).
 *
 * @example
 * ```ts
 * antipodalFeatureLoss(0, 1);      // returns 1/6  (both always present: E[min(x₁, x₂)²])
 * antipodalFeatureLoss(0, 0.1);    // returns 0.01/6
 * antipodalFeatureLoss(-2, 0.5);   // returns 0.5/3  (the output is always 0: E[x²] = p/3)
 * ```
 */
export function antipodalFeatureLoss(bias: number, density: number): number {
  const op = 'antipodalFeatureLoss';
  if (!Number.isFinite(bias)) fail(op, `bias must be a finite number, got ${bias}`);
  if (!(density > 0 && density <= 1)) fail(op, `density must be in (0, 1], got ${density}`);
  const p = density;
  const c = bias;
  if (c <= -1) return p / 3;
  if (c >= 1) return c * c - p * c + p / 3;
  if (c >= 0) {
    const both = 1 / 6 - c / 3 + (2 / 3) * c ** 3 - c ** 4 / 6;
    return (1 - p) * c * c + (p * (1 - p) * c ** 3) / 3 + p * p * both;
  }
  const beta = -c;
  const alone = beta * beta - (2 / 3) * beta ** 3;
  const both = 1 / 6 + beta / 3 - beta ** 3 / 3 + beta ** 4 / 6;
  return p * (1 - p) * alone + p * p * both;
}

/**
 * The bias c* that minimises {@link antipodalFeatureLoss} for density p: the one root in (0, 1)
 * of ℓ′(c) = 2(1 − p)c + p(1 − p)c² + p²(2c² − ⅔c³ − 1/3), by bisection (ℓ is convex there).
 *
 * @example
 * ```ts
 * antipodalBias(1);      // returns 0.4417…
 * antipodalBias(0.01);   // returns 1.68e-5 (≈ p²/6)
 * ```
 */
export function antipodalBias(density: number): number {
  if (!(density > 0 && density <= 1)) fail('antipodalBias', `density must be in (0, 1], got ${density}`);
  const p = density;
  const slope = (c: number): number => 2 * (1 - p) * c + p * (1 - p) * c * c + p * p * (2 * c * c - (2 / 3) * c ** 3 - 1 / 3);
  let low = 0;
  let high = 1;
  // Each halving keeps ℓ′(low) < 0 ≤ ℓ′(high); 200 halvings outlast float64's 53 bits near any root.
  for (let step = 0; step < 200 && high - low > 0; step++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (slope(middle) < 0) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * The three candidate solutions for relative importance r of the extra feature and density p,
 * each with its best biases and its closed-form expected loss (derived in the module notes).
 *
 * @example
 * ```ts
 * candidateSolutions(1, 0.1).superposition;
 * // returns { W: [1, -1], b: [c*, c*], loss: ≈ 0.1²/6 }  (c* = antipodalBias(0.1))
 * ```
 */
export function candidateSolutions(importance: number, density: number): Record<Phase, CandidateSolution> {
  checkImportanceAndDensity('candidateSolutions', importance, density);
  const r = importance;
  const p = density;
  const variance = p / 3 - (p * p) / 4;
  const c = antipodalBias(p);
  return {
    'not-represented': { W: [1, 0], b: [0, p / 2], loss: 0.5 * r * variance },
    dedicated: { W: [0, 1], b: [p / 2, 0], loss: 0.5 * variance },
    superposition: { W: [1, -1], b: [c, c], loss: 0.5 * (1 + r) * antipodalFeatureLoss(c, p) },
  };
}

/**
 * The closed-form expected loss of each phase's candidate solution, for relative importance r
 * of the extra feature and density p: ½(E[(x₁ − x′₁)²] + r·E[(x₂ − x′₂)²]).
 *
 * @example
 * ```ts
 * candidateLosses(2, 1);
 * // returns { 'not-represented': 1/12, dedicated: 1/24, superposition: 1.5·ℓ(c*, 1) ≈ 0.106 }
 * ```
 */
export function candidateLosses(importance: number, density: number): Record<Phase, number> {
  checkImportanceAndDensity('candidateLosses', importance, density);
  const solutions = candidateSolutions(importance, density);
  return {
    'not-represented': solutions['not-represented'].loss,
    dedicated: solutions.dedicated.loss,
    superposition: solutions.superposition.loss,
  };
}

/**
 * The phase theory predicts: the candidate with the lowest closed-form loss (ties go to the
 * earlier phase in {@link PHASES}; they happen only on a boundary, e.g. r = 1 with dense data).
 *
 * @example
 * ```ts
 * theoreticalPhase(0.1, 1);    // returns 'not-represented'
 * theoreticalPhase(10, 1);     // returns 'dedicated'
 * theoreticalPhase(1, 0.05);   // returns 'superposition'
 * ```
 */
export function theoreticalPhase(importance: number, density: number): Phase {
  checkImportanceAndDensity('theoreticalPhase', importance, density);
  const losses = candidateLosses(importance, density);
  let best: Phase = PHASES[0];
  for (const phase of PHASES) if (losses[phase] < losses[best]) best = phase;
  return best;
}

/** Options for {@link classifyPhase}. */
export interface PhaseOptions {
  /** A weight with |Wᵢ| below this does not represent its feature. Default 0.5, as in `classifyFeatures`. */
  representedNorm?: number;
}

/**
 * The phase of a trained n = 2, m = 1 model, read off W (shape [1, 2], or [2]):
 *
 *     superposition     both |W₁| and |W₂| ≥ representedNorm, and W₁·W₂ < 0 (an antipodal pair)
 *     dedicated         otherwise, when |W₂| > |W₁| (the extra feature has the dimension)
 *     not-represented   otherwise
 *
 * A trained represented feature has |Wᵢ| ≈ 1 and a dropped one decays towards 0, so the middle
 * threshold 0.5 separates them (see `classifyFeatures` for the reasoning). Two represented
 * features with the same sign are no candidate (each would pass its value to the other's output
 * unchecked); an unconverged model caught there is judged by which weight is larger.
 *
 * The biases are not needed, since the three candidates differ in W; `b` is accepted (and its
 * size checked) so that a caller can pass a trained instance whole.
 *
 * @example
 * ```ts
 * classifyPhase(tensor([[0.98, -0.97]]));   // returns 'superposition'
 * classifyPhase(tensor([[0.02, 1.01]]));    // returns 'dedicated'
 * classifyPhase(tensor([[1.0, 0.03]]));     // returns 'not-represented'
 * ```
 */
export function classifyPhase(W: Tensor, b?: Tensor, options: PhaseOptions = {}): Phase {
  const op = 'classifyPhase';
  const representedNorm = options.representedNorm ?? 0.5;
  if (!(representedNorm >= 0) || !Number.isFinite(representedNorm)) fail(op, `representedNorm must be a number ≥ 0, got ${representedNorm}`);
  const isPair = (t: Tensor): boolean => t.size === 2 && (t.rank === 1 || (t.rank === 2 && t.shape[0] === 1));
  if (!isPair(W)) fail(op, `expected the weights of an n = 2, m = 1 model, shape [1, 2] (or [2]), got shape ${formatShape(W.shape)}`);
  if (b !== undefined && !isPair(b)) fail(op, `expected the biases of an n = 2 model, shape [2] (or [1, 2]), got shape ${formatShape(b.shape)}`);
  const step = W.strides[W.rank - 1];
  const w1 = W.data[W.offset];
  const w2 = W.data[W.offset + step];
  if (!Number.isFinite(w1) || !Number.isFinite(w2)) fail(op, `W is [${w1}, ${w2}]; expected finite weights`);
  const bothRepresented = Math.abs(w1) >= representedNorm && Math.abs(w2) >= representedNorm;
  if (bothRepresented && w1 * w2 < 0) return 'superposition';
  return Math.abs(w2) > Math.abs(w1) ? 'dedicated' : 'not-represented';
}

/**
 * `count` numbers spread log-evenly from `start` to `end`, both included:
 * start·(end/start)^(k/(count − 1)). Either end may be the larger (densities run from 1 down).
 *
 * @example
 * ```ts
 * logGrid(0.1, 10, 3);   // returns [0.1, 1, 10] (to rounding)
 * logGrid(1, 0.01, 3);   // returns [1, 0.1, 0.01]
 * ```
 */
export function logGrid(start: number, end: number, count: number): number[] {
  const op = 'logGrid';
  if (!(start > 0) || !(end > 0) || !Number.isFinite(start) || !Number.isFinite(end)) {
    fail(op, `both ends must be positive finite numbers, got ${start} and ${end}`);
  }
  if (!Number.isInteger(count) || count < 1) fail(op, `count must be a whole number ≥ 1, got ${count}`);
  if (count === 1) return [start];
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? end : start * (end / start) ** (k / (count - 1))));
}

/** One cell of a theoretical phase diagram. */
export interface PhaseCell {
  /** r, the relative importance of the extra feature. */
  importance: number;
  /** p, the density of both features. */
  density: number;
  /** The phase with the lowest closed-form loss. */
  phase: Phase;
  /** Every candidate's closed-form loss. */
  losses: Record<Phase, number>;
}

/**
 * The theoretical phase diagram over a grid: one cell per (density, importance), densities in the
 * outer loop (rows) and importances in the inner loop (columns), so cell k is at row
 * ⌊k / importances.length⌋ and column k mod importances.length.
 *
 * @example
 * ```ts
 * // The CLI's --grid 12: importance 0.1…10 × density 1…0.01, both on log scales.
 * phaseGrid(logGrid(0.1, 10, 12), logGrid(1, 0.01, 12)).length;   // returns 144
 * ```
 */
export function phaseGrid(importances: readonly number[], densities: readonly number[]): PhaseCell[] {
  const cells: PhaseCell[] = [];
  for (const density of densities) {
    for (const importance of importances) {
      checkImportanceAndDensity('phaseGrid', importance, density);
      const losses = candidateLosses(importance, density);
      cells.push({ importance, density, phase: theoreticalPhase(importance, density), losses });
    }
  }
  return cells;
}
