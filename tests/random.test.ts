/**
 * Tests of src/tensor/random.ts: the generator against an independent BigInt implementation of
 * splitmix64 + xoshiro128** (itself checked against published reference outputs), seeding,
 * state save/restore, the statistics of the distributions, and each fast fill against its plain
 * reference.
 *
 * Statistical tolerances are 5 standard errors of the statistic under the null hypothesis (or a
 * 0.1% critical value for the KS test). The seeds are fixed, so each check is deterministic; the
 * tolerance says how far a correct generator could plausibly land, so a check that fails points
 * at a real fault rather than at bad luck.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Rng,
  type RngState,
  bernoulli,
  bernoulliReference,
  defaultGenerator,
  manualSeed,
  normal,
  normalReference,
  uniform,
  uniformReference,
} from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { shapeArb } from './support/arbitraries.js';
import { expectTensorError } from './support/expect.js';

// ---------------------------------------------------------------------------------------------
// The oracle: splitmix64 and xoshiro128** written straight from the papers, in BigInt.

const MASK32 = 0xffffffffn;
const MASK64 = 0xffffffffffffffffn;

function splitmix64Outputs(seed: bigint, count: number): bigint[] {
  let x = seed & MASK64;
  const outputs: bigint[] = [];
  for (let k = 0; k < count; k++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    outputs.push(z ^ (z >> 31n));
  }
  return outputs;
}

const rotl32 = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & MASK32;

class OracleXoshiro128 {
  s: bigint[];

  constructor(words: readonly bigint[]) {
    this.s = words.slice();
  }

  /** Seeded the documented way: two splitmix64 outputs, each split low half then high half. */
  static seeded(seed: number | bigint): OracleXoshiro128 {
    const [first, second] = splitmix64Outputs(BigInt(seed), 2);
    return new OracleXoshiro128([first & MASK32, first >> 32n, second & MASK32, second >> 32n]);
  }

  next(): number {
    const s = this.s;
    const result = (rotl32((s[1] * 5n) & MASK32, 7n) * 9n) & MASK32;
    const t = (s[1] << 9n) & MASK32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11n);
    return Number(result);
  }

  nextFloat(): number {
    return Math.floor(this.next() / 256) / 2 ** 24;
  }

  nextDouble(): number {
    const high = Math.floor(this.next() / 32); // top 27 bits
    const low = Math.floor(this.next() / 64); // top 26 bits
    return (high * 2 ** 26 + low) / 2 ** 53;
  }

  /** Box–Muller, as documented: a pair from two draws. */
  normalPair(): [number, number] {
    const a = this.next();
    const b = this.next();
    const radius = Math.sqrt(-2 * Math.log((a + 1) / 2 ** 32));
    const angle = (2 * Math.PI * b) / 2 ** 32;
    return [radius * Math.cos(angle), radius * Math.sin(angle)];
  }
}

function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}


function mean(xs: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i];
  return total / xs.length;
}

/** Central moments 2, 3 and 4 about the sample mean. */
function moments(xs: ArrayLike<number>): { mean: number; variance: number; skewness: number; excessKurtosis: number } {
  const m = mean(xs);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i] - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= xs.length;
  m3 /= xs.length;
  m4 /= xs.length;
  return { mean: m, variance: m2, skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3 };
}

function correlation(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const N = 100_000;
const seedArb = fc.integer({ min: -(2 ** 40), max: Number.MAX_SAFE_INTEGER });

// ---------------------------------------------------------------------------------------------

describe('the oracle itself', () => {
  it('reproduces the published splitmix64 outputs for state 0', () => {
    // Vigna's splitmix64.c started from x = 0.
    expect(splitmix64Outputs(0n, 4)).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn, 0xf88bb8a8724c81ecn]);
  });

  it('reproduces published xoshiro128** outputs and states', () => {
    // Test data generated with the C reference implementation (xoshiro128starstar.c), as
    // published with edorfaus/xoshiro-6502: a start state, then four outputs and the states after.
    const oracle = new OracleXoshiro128([0x964d4a0cn, 0xd40ab895n, 0xad7fdecbn, 0x3006f0f0n]);
    const expected = [
      { output: 0xf1391922, state: [0x72410269n, 0xef382c52n, 0x2e43bec7n, 0x62432f20n] },
      { output: 0x6fe53806, state: [0xff3a011bn, 0xb33a90fcn, 0x2c5a18aen, 0xd81b946bn] },
      { output: 0xa5be2840, state: [0x941b058cn, 0x605a8949n, 0xa641e1b5n, 0x0824bb59n] },
      { output: 0xf510ee70, state: [0xfc65379cn, 0x52006d70n, 0x87487639n, 0xf1908343n] },
    ];
    for (const step of expected) {
      expect(oracle.next()).toBe(step.output);
      expect(oracle.s).toEqual(step.state);
    }
  });
});

describe('Rng: the stream', () => {
  it('matches the oracle bit for bit for known seeds', () => {
    for (const seed of [0, 1, 2, 42, 123456789, Number.MAX_SAFE_INTEGER, -1]) {
      const rng = new Rng(seed);
      const oracle = OracleXoshiro128.seeded(BigInt.asUintN(64, BigInt(seed)));
      for (let k = 0; k < 2000; k++) expect(rng.nextUint32()).toBe(oracle.next());
    }
  });

  it('matches the oracle for any seed, for all four kinds of draw', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const rng = new Rng(seed);
        const oracle = OracleXoshiro128.seeded(BigInt.asUintN(64, BigInt(seed)));
        for (let k = 0; k < 20; k++) {
          expect(rng.nextUint32()).toBe(oracle.next());
          expect(rng.nextFloat()).toBe(oracle.nextFloat());
          expect(rng.nextDouble()).toBe(oracle.nextDouble());
          const [z0, z1] = oracle.normalPair();
          expect(rng.normal()).toBe(z0);
          expect(rng.normal()).toBe(z1);
        }
      }),
    );
  });

  it('draws land in their ranges', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 10_000; k++) {
      const u = rng.nextUint32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1 && Math.fround(f) === f).toBe(true);
      const d = rng.nextDouble();
      expect(d >= 0 && d < 1 && Number.isInteger(d * 2 ** 53)).toBe(true);
    }
  });

  it('gives the same stream for the same seed and different streams for different seeds', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (seedA, seedB) => {
        const a = new Rng(seedA);
        const again = new Rng(seedA);
        const streamA = Array.from({ length: 8 }, () => a.nextUint32());
        expect(Array.from({ length: 8 }, () => again.nextUint32())).toEqual(streamA);
        if (BigInt.asUintN(64, BigInt(seedA)) !== BigInt.asUintN(64, BigInt(seedB))) {
          const b = new Rng(seedB);
          expect(Array.from({ length: 8 }, () => b.nextUint32())).not.toEqual(streamA);
        }
      }),
    );
  });

  it('defaults to seed 0', () => {
    const a = new Rng();
    const b = new Rng(0);
    for (let k = 0; k < 10; k++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('refuses seeds that are not whole numbers', () => {
    for (const bad of [1.5, Number.NaN, Infinity, 2 ** 53, '3', null]) {
      expectTensorError(() => new Rng(bad as number), 'Rng:', 'seed must be a whole number');
    }
  });
});

describe('Rng: seeding decorrelates nearby seeds', () => {
  const SEEDS = 1000;
  const seeds = Array.from({ length: SEEDS }, (_, seed) => seed);
  // Under independence a sample correlation has standard error ≈ 1/√n, a bit frequency 0.5/√n.
  const correlationTolerance = 5 / Math.sqrt(SEEDS);
  const bitTolerance = (5 * 0.5) / Math.sqrt(SEEDS);

  /** The largest deviation of any bit's frequency from 1/2, over first draws. */
  function worstBitBias(firstDraws: number[]): number {
    let worst = 0;
    for (let bit = 0; bit < 32; bit++) {
      let ones = 0;
      for (const draw of firstDraws) ones += Math.floor(draw / 2 ** bit) % 2;
      worst = Math.max(worst, Math.abs(ones / firstDraws.length - 0.5));
    }
    return worst;
  }

  it('first draws of seeds 0..999 are uncorrelated with the seed, and their bits are fair', () => {
    const firstFloats = seeds.map((seed) => new Rng(seed).nextDouble());
    const firstDraws = seeds.map((seed) => new Rng(seed).nextUint32());
    expect(Math.abs(correlation(seeds, firstFloats))).toBeLessThan(correlationTolerance);
    // Neighbouring seeds: the first float of seed s against that of seed s + 1.
    expect(Math.abs(correlation(firstFloats.slice(0, -1), firstFloats.slice(1)))).toBeLessThan(correlationTolerance);
    expect(Math.abs(mean(firstFloats) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / SEEDS));
    expect(worstBitBias(firstDraws)).toBeLessThan(bitTolerance);
  });

  it('the same checks catch an unscrambled seeding (so they have teeth)', () => {
    // Seed written straight into one state word: the first draw is a fixed multiple of the seed.
    const rawFirstDraws = seeds.map((seed) => new OracleXoshiro128([0n, BigInt(seed), 0n, 0n]).next());
    expect(Math.abs(correlation(seeds, rawFirstDraws))).toBeGreaterThan(correlationTolerance);
    expect(worstBitBias(rawFirstDraws)).toBeGreaterThan(bitTolerance);
  });
});

describe('Rng: state', () => {
  it('save and restore resume the same stream, through JSON too', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 0, max: 7 }), (seed, normalsBefore) => {
        const rng = new Rng(seed);
        // An odd number of normal() calls leaves a spare normal in the state.
        for (let k = 0; k < normalsBefore; k++) rng.normal();
        const saved: RngState = JSON.parse(JSON.stringify(rng.getState()));
        const ahead = [rng.normal(), rng.nextUint32(), rng.nextDouble(), rng.normal()];
        rng.setState(saved);
        expect([rng.normal(), rng.nextUint32(), rng.nextDouble(), rng.normal()]).toEqual(ahead);
        const restored = Rng.fromState(saved);
        expect([restored.normal(), restored.nextUint32(), restored.nextDouble(), restored.normal()]).toEqual(ahead);
      }),
    );
  });

  it('getState holds the oracle state words as unsigned numbers', () => {
    const rng = new Rng(99);
    const oracle = OracleXoshiro128.seeded(99);
    for (let k = 0; k < 5; k++) {
      expect(rng.getState().words).toEqual(oracle.s.map(Number));
      rng.nextUint32();
      oracle.next();
    }
    expect(rng.getState().spareNormal).toBeNull();
    expect(rng.getState().algorithm).toBe('xoshiro128**');
  });

  it('a restored state does not share storage with the generator', () => {
    const rng = new Rng(3);
    const saved = rng.getState();
    const words = saved.words.slice();
    rng.nextUint32();
    expect(saved.words).toEqual(words);
  });

  it('setState refuses bad states', () => {
    const good = new Rng(1).getState();
    const bad: unknown[] = [
      null,
      42,
      { ...good, algorithm: 'mt19937' },
      { ...good, words: [1, 2, 3] },
      { ...good, words: [1, 2, 3, 2 ** 32] },
      { ...good, words: [1, 2, 3, -1] },
      { ...good, words: [1, 2, 3, 0.5] },
      { ...good, words: [0, 0, 0, 0] },
      { ...good, spareNormal: Number.NaN },
      { ...good, spareNormal: 'x' },
    ];
    for (const state of bad) expectTensorError(() => new Rng(0).setState(state as RngState), 'Rng.setState:');
  });

  it('fork gives a child seeded from 64 drawn bits and advances the parent by two draws', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const parent = new Rng(seed);
        const oracle = OracleXoshiro128.seeded(BigInt.asUintN(64, BigInt(seed)));
        const child = parent.fork();
        const childSeed = (BigInt(oracle.next()) << 32n) | BigInt(oracle.next());
        const childOracle = OracleXoshiro128.seeded(childSeed);
        for (let k = 0; k < 10; k++) {
          expect(child.nextUint32()).toBe(childOracle.next());
          expect(parent.nextUint32()).toBe(oracle.next());
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('uniform', () => {
  it('float32: element i is the oracle draw i, 24 bits, scaled into [low, high)', () => {
    const oracle = OracleXoshiro128.seeded(2024);
    const got = uniform([1000], { seed: 2024 }).toTypedArray();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBe(oracle.nextFloat());
    const scaledOracle = OracleXoshiro128.seeded(7);
    const scaled = uniform([1000], { seed: 7, low: -3, high: 5 }).toTypedArray();
    for (let i = 0; i < scaled.length; i++) expect(scaled[i]).toBe(Math.fround(-3 + 8 * scaledOracle.nextFloat()));
  });

  it('float64: element i uses oracle draws 2i and 2i+1 (53 bits)', () => {
    const oracle = OracleXoshiro128.seeded(11);
    const got = uniform([1000], { seed: 11, dtype: 'float64' });
    expect(got.dtype).toBe('float64');
    const data = got.toTypedArray();
    for (let i = 0; i < data.length; i++) expect(data[i]).toBe(oracle.nextDouble());
  });

  it('the fast fill equals the plain reference, for any shape, bounds and dtype', () => {
    const boundsArb = fc
      .tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }))
      .map(([low, width]) => ({ low, high: low + width }))
      .filter(({ low, high }) => Math.fround(low) !== Math.fround(high));
    fc.assert(
      fc.property(shapeArb(), seedArb, boundsArb, fc.constantFrom('float32' as const, 'float64' as const), (shape, seed, { low, high }, dtype) => {
        const fast = uniform(shape, { seed, low, high, dtype });
        const plain = uniformReference(shape, { seed, low, high, dtype });
        expect(fast.shape).toEqual(shape);
        expect(fast.dtype).toBe(dtype);
        expect(values(fast)).toEqual(values(plain));
      }),
    );
  });

  it('stays in [low, high) with the bounds rounded to the dtype', () => {
    const boundsArb = fc
      .tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }))
      .filter(([x, y]) => Math.fround(x) !== Math.fround(y))
      .map(([x, y]) => ({ low: Math.min(x, y), high: Math.max(x, y) }));
    fc.assert(
      fc.property(boundsArb, seedArb, ({ low, high }, seed) => {
        for (const t of [uniform([300], { seed, low, high }), uniformReference([300], { seed, low, high })]) {
          for (const v of values(t)) expect(v >= Math.fround(low) && v < Math.fround(high)).toBe(true);
        }
        for (const v of values(uniform([300], { seed, low, high, dtype: 'float64' }))) expect(v >= low && v < high).toBe(true);
      }),
    );
  });

  it('never returns high, even where low + (high − low)·u rounds up to it', () => {
    // Between two neighbouring floats, every draw with u ≥ 1/2 rounds up to high: all must be low.
    const f32 = uniform([2000], { seed: 1, low: 1, high: 1 + 2 ** -23 });
    expect(values(f32).every((v) => v === 1)).toBe(true);
    const f64 = uniform([2000], { seed: 1, low: 1, high: 1 + 2 ** -52, dtype: 'float64' });
    expect(values(f64).every((v) => v === 1)).toBe(true);
    // And [1, 2) in float32: the largest draw 1 + (1 − 2⁻²⁴) rounds to 2; the reference agrees.
    expect(values(uniform([5000], { seed: 2, low: 1, high: 2 }))).toEqual(values(uniformReference([5000], { seed: 2, low: 1, high: 2 })));
  });

  it('maps the extreme draws 0 and 2³² − 1 to the ends of the range', () => {
    // The first output is rotl(s₁·5, 7)·9, so a chosen s₁ forces it: s₁ = 0 gives 0, and undoing
    // ·9, rotl 7 and ·5 (9⁻¹ = 0x38E38E39, 5⁻¹ = 0xCCCCCCCD mod 2³²) gives 2³² − 1.
    const afterNine = (MASK32 * 0x38e38e39n) & MASK32;
    const beforeRotation = rotl32(afterNine, 25n);
    const s1ForMax = (beforeRotation * 0xcccccccdn) & MASK32;
    const stateFor = (s1: bigint): RngState => ({ algorithm: 'xoshiro128**', words: [1, Number(s1), 0, 0], spareNormal: null });
    expect(new OracleXoshiro128([1n, 0n, 0n, 0n]).next()).toBe(0);
    expect(new OracleXoshiro128([1n, s1ForMax, 0n, 0n]).next()).toBe(2 ** 32 - 1);

    const first = (make: (rng: Rng) => Tensor, s1: bigint): number => make(Rng.fromState(stateFor(s1))).toTypedArray()[0];
    expect(first((rng) => uniform([1], { rng, low: -2, high: 3 }), 0n)).toBe(-2);
    expect(first((rng) => uniform([1], { rng }), s1ForMax)).toBe(1 - 2 ** -24);
    expect(first((rng) => uniform([1], { rng, low: 1, high: 2 }), s1ForMax)).toBe(2 - 2 ** -23);
    expect(first((rng) => uniformReference([1], { rng, low: 1, high: 2 }), s1ForMax)).toBe(2 - 2 ** -23);
    expect(first((rng) => bernoulli([1], 0, { rng }), 0n)).toBe(0);
    expect(first((rng) => bernoulli([1], 1, { rng }), s1ForMax)).toBe(1);
    expect(first((rng) => bernoulli([1], 1 - 2 ** -32, { rng }), s1ForMax)).toBe(0);
  });

  it(`has mean 1/2, variance 1/12, a uniform distribution and no serial correlation (n = ${N})`, () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const xs = uniform([N], { seed: 31337, dtype }).toTypedArray();
      const { mean: m, variance } = moments(xs);
      // SE(mean) = √(1/12 / n); SE(variance) = √((μ₄ − σ⁴) / n) with μ₄ = 1/80, σ⁴ = 1/144.
      expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / N));
      // Kolmogorov–Smirnov against F(x) = x: D·√n < 1.95 is the 0.1% critical value.
      const sorted = Float64Array.from(xs).sort();
      let d = 0;
      for (let i = 0; i < N; i++) d = Math.max(d, Math.abs((i + 1) / N - sorted[i]), Math.abs(sorted[i] - i / N));
      expect(d * Math.sqrt(N)).toBeLessThan(1.95);
      expect(Math.abs(correlation(xs.subarray(0, N - 1), xs.subarray(1)))).toBeLessThan(5 / Math.sqrt(N));
    }
  });

  it('scales to [low, high): mean (low+high)/2, variance (high−low)²/12', () => {
    const low = -2;
    const high = 6;
    const xs = uniform([N], { seed: 8, low, high }).toTypedArray();
    const { mean: m, variance } = moments(xs);
    const width = high - low;
    expect(Math.abs(m - (low + high) / 2)).toBeLessThan(5 * Math.sqrt((width * width) / 12 / N));
    expect(Math.abs(variance - (width * width) / 12)).toBeLessThan(5 * width * width * Math.sqrt((1 / 80 - 1 / 144) / N));
  });

  it('draws from and advances a given rng, the same as successive calls', () => {
    const rng = new Rng(4);
    const parts = [uniform([3], { rng }), uniform([2, 2], { rng }), uniform([0], { rng }), uniform([5], { rng })].flatMap(values);
    expect(parts).toEqual(values(uniform([12], { seed: 4 })));
  });

  it('refuses bad arguments with errors that name the op', () => {
    expectTensorError(() => uniform([2, -1]), 'uniform:', '[2,-1]');
    expectTensorError(() => uniform([2.5]), 'uniform:', '[2.5]');
    expectTensorError(() => uniform([Number.NaN]), 'uniform:', '[NaN]');
    expectTensorError(() => uniform(3 as unknown as number[]), 'uniform:');
    expectTensorError(() => uniform([2], { low: 1, high: 1 }), 'uniform:', 'low must be less than high');
    expectTensorError(() => uniform([2], { low: 2, high: 1 }), 'uniform:', 'low=2, high=1');
    expectTensorError(() => uniform([2], { low: 1, high: 1 + 1e-12 }), 'uniform:', 'round to the same float32');
    expectTensorError(() => uniform([2], { low: -Infinity }), 'uniform:', 'low must be a finite number');
    expectTensorError(() => uniform([2], { high: Number.NaN }), 'uniform:', 'high must be a finite number');
    expectTensorError(() => uniform([2], { low: -1e308, high: 1e308, dtype: 'float64' }), 'uniform:', 'too wide');
    expectTensorError(() => uniform([2], { dtype: 'int32' }), 'uniform:', 'int32');
    expectTensorError(() => uniform([2], { dtype: 'float16' as 'float32' }), 'uniform:', 'float16');
    expectTensorError(() => uniform([2], { seed: 0.5 }), 'uniform:', 'seed');
    expectTensorError(() => uniform([2], { seed: 1, rng: new Rng(1) }), 'uniform:', 'not both');
    expectTensorError(() => uniform([2], { rng: {} as Rng }), 'uniform:', 'rng must be an Rng');
    expectTensorError(() => new Rng(0).fillUniform(new Float32Array(2), 3, 2), 'Rng.fillUniform:');
    expectTensorError(() => new Rng(0).fillUniform(new Int32Array(2) as unknown as Float32Array), 'Rng.fillUniform:', 'Float32Array');
  });
});

describe('normal', () => {
  it('element pairs are the oracle Box–Muller pairs, scaled', () => {
    const oracle = OracleXoshiro128.seeded(5);
    const got = normal([999], { seed: 5, mean: 1, std: 3, dtype: 'float64' }).toTypedArray();
    for (let i = 0; i < got.length; i += 2) {
      const [z0, z1] = oracle.normalPair();
      expect(got[i]).toBe(1 + 3 * z0);
      if (i + 1 < got.length) expect(got[i + 1]).toBe(1 + 3 * z1);
    }
  });

  it('the fast fill equals the plain reference, carrying the spare normal between calls', () => {
    const sizesArb = fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 6 });
    const paramsArb = fc.record({ mean: fc.double({ min: -10, max: 10, noNaN: true }), std: fc.double({ min: 0, max: 10, noNaN: true }) });
    fc.assert(
      fc.property(seedArb, sizesArb, paramsArb, fc.constantFrom('float32' as const, 'float64' as const), (seed, sizes, { mean: m, std }, dtype) => {
        const rngFast = new Rng(seed);
        const rngPlain = new Rng(seed);
        for (const size of sizes) {
          const fast = normal([size], { rng: rngFast, mean: m, std, dtype });
          const plain = normalReference([size], { rng: rngPlain, mean: m, std, dtype });
          expect(values(fast)).toEqual(values(plain));
        }
        expect(rngFast.getState()).toEqual(rngPlain.getState());
      }),
    );
  });

  it(`has mean 0, variance 1, skewness 0 and excess kurtosis 0 (n = ${N})`, () => {
    const xs = normal([N], { seed: 2718 }).toTypedArray();
    const m = moments(xs);
    // Standard errors for normal data: mean 1/√n, variance √(2/n), skewness √(6/n), kurtosis √(24/n).
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(m.skewness)).toBeLessThan(5 * Math.sqrt(6 / N));
    expect(Math.abs(m.excessKurtosis)).toBeLessThan(5 * Math.sqrt(24 / N));
    // The shape of the bell: P(|z| < 1) = 0.682689…, P(|z| < 2) = 0.954500…
    for (const [bound, probability] of [[1, 0.6826894921370859], [2, 0.9544997361036416]]) {
      let inside = 0;
      for (let i = 0; i < N; i++) if (Math.abs(xs[i]) < bound) inside++;
      expect(Math.abs(inside / N - probability)).toBeLessThan(5 * Math.sqrt((probability * (1 - probability)) / N));
    }
    // Box–Muller pairs are independent: no correlation between neighbours.
    expect(Math.abs(correlation(xs.subarray(0, N - 1), xs.subarray(1)))).toBeLessThan(5 / Math.sqrt(N));
  });

  it('shifts and scales: N(mean, std²)', () => {
    const xs = normal([N], { seed: 3, mean: 3, std: 2, dtype: 'float64' }).toTypedArray();
    const m = moments(xs);
    expect(Math.abs(m.mean - 3)).toBeLessThan((5 * 2) / Math.sqrt(N));
    expect(Math.abs(m.variance - 4)).toBeLessThan(5 * 4 * Math.sqrt(2 / N));
    expect(values(normal([10], { seed: 3, mean: -1.5, std: 0 })).every((v) => v === -1.5)).toBe(true);
  });

  it('refuses bad arguments with errors that name the op', () => {
    expectTensorError(() => normal([-1]), 'normal:', '[-1]');
    expectTensorError(() => normal([2], { std: -1 }), 'normal:', 'std must be a finite number ≥ 0');
    expectTensorError(() => normal([2], { std: Infinity }), 'normal:', 'std');
    expectTensorError(() => normal([2], { mean: Number.NaN }), 'normal:', 'mean');
    expectTensorError(() => normal([2], { dtype: 'int32' }), 'normal:', 'int32');
    expectTensorError(() => normal([2], { seed: Number.NaN }), 'normal:', 'seed');
    expectTensorError(() => new Rng(0).fillNormal(new Float64Array(2), 0, -2), 'Rng.fillNormal:');
    expectTensorError(() => new Rng(0).fillNormal([0, 0] as unknown as Float64Array), 'Rng.fillNormal:', 'Float64Array');
  });
});

describe('bernoulli', () => {
  it('element i is 1 exactly when oracle draw i is below p·2³²', () => {
    for (const p of [0.3, 0.5, 1e-9, 0.999]) {
      const oracle = OracleXoshiro128.seeded(12);
      const got = bernoulli([2000], p, { seed: 12 }).toTypedArray();
      for (let i = 0; i < got.length; i++) expect(got[i]).toBe(oracle.next() < p * 2 ** 32 ? 1 : 0);
    }
  });

  it('the fast fill equals the plain reference, in every dtype', () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const), (shape, seed, p, dtype) => {
        const fast = bernoulli(shape, p, { seed, dtype });
        expect(fast.dtype).toBe(dtype);
        expect(fast.shape).toEqual(shape);
        expect(values(fast)).toEqual(values(bernoulliReference(shape, p, { seed, dtype })));
        expect(values(fast).every((v) => v === 0 || v === 1)).toBe(true);
      }),
    );
  });

  it(`ones appear at rate p (n = ${N})`, () => {
    for (const p of [0.05, 0.3, 0.5, 0.9]) {
      const rate = mean(bernoulli([N], p, { seed: 77 }).toTypedArray());
      expect(Math.abs(rate - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    }
    expect(values(bernoulli([1000], 0, { seed: 1 })).every((v) => v === 0)).toBe(true);
    expect(values(bernoulli([1000], 1, { seed: 1 })).every((v) => v === 1)).toBe(true);
  });

  it('refuses bad arguments with errors that name the op', () => {
    for (const p of [-0.1, 1.5, Number.NaN, '0.5']) {
      expectTensorError(() => bernoulli([2], p as number), 'bernoulli:', 'p must be a probability in [0, 1]');
    }
    expectTensorError(() => bernoulli([2, 0.5], 0.5), 'bernoulli:', '[2,0.5]');
    expectTensorError(() => bernoulli([2], 0.5, { dtype: 'uint8' as 'int32' }), 'bernoulli:', 'uint8');
    expectTensorError(() => new Rng(0).fillBernoulli(new Int32Array(2), 2), 'Rng.fillBernoulli:');
    expectTensorError(() => new Rng(0).fillBernoulli(new Uint8Array(2) as unknown as Int32Array, 0.5), 'Rng.fillBernoulli:', 'Int32Array');
  });
});

describe('the default generator', () => {
  it('manualSeed(s) replays the stream of seed s, across calls', () => {
    manualSeed(123);
    const first = uniform([5]);
    const second = uniform([5]);
    expect([...values(first), ...values(second)]).toEqual(values(uniform([10], { seed: 123 })));
    manualSeed(123);
    expect(values(uniform([5]))).toEqual(values(first));
    // Five float32 draws consumed: the default generator sits where seed 123 is after five draws.
    const replay = new Rng(123);
    for (let k = 0; k < 5; k++) replay.nextUint32();
    expect(defaultGenerator().getState()).toEqual(replay.getState());
  });

  it('reseeds in place, so a held reference follows manualSeed', () => {
    const held = defaultGenerator();
    manualSeed(9);
    expect(held.nextUint32()).toBe(new Rng(9).nextUint32());
    expect(defaultGenerator()).toBe(held);
  });

  it('manualSeed clears a spare normal', () => {
    manualSeed(2);
    normal([1]);
    expect(defaultGenerator().getState().spareNormal).not.toBeNull();
    manualSeed(2);
    expect(defaultGenerator().getState().spareNormal).toBeNull();
    expect(values(normal([3]))).toEqual(values(normal([3], { seed: 2 })));
  });

  it('manualSeed refuses non-integers', () => {
    expectTensorError(() => manualSeed(0.25), 'manualSeed:', 'seed');
    manualSeed(0);
  });
});
