/**
 * The explorable's settings in the URL hash: every valid setting survives a round trip through
 * the hash, bad values fall back to their defaults with a message that names them, and the log
 * sliders stop at round values that map back to the same stop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS, EXPLORE_MODELS, type ExploreSettings, LOG_STOPS_PER_DECADE, type NumericKey, RANGES, SETTING_KEYS, formatHash,
  fromSlider, isValidValue, needsReset, parseHash, sliderBounds, sliderStops, toSlider,
} from '../../src/explore/settings.js';

const NUMERIC_KEYS = Object.keys(RANGES) as NumericKey[];

/** Any value a setting may hold: whole numbers, powers of two, or any double in a log range. */
function valueOf(key: NumericKey): fc.Arbitrary<number> {
  const { min, max, kind } = RANGES[key];
  if (kind === 'int') return fc.integer({ min, max });
  if (kind === 'pow2') return fc.integer({ min: Math.log2(min), max: Math.log2(max) }).map((e) => 2 ** e);
  return fc.double({ min, max, noNaN: true });
}

const settingsArbitrary: fc.Arbitrary<ExploreSettings> = fc.record({
  model: fc.constantFrom(...EXPLORE_MODELS),
  n: valueOf('n'), m: valueOf('m'), density: valueOf('density'), importance: valueOf('importance'),
  lr: valueOf('lr'), batch: valueOf('batch'), seed: valueOf('seed'),
});

describe('the URL hash', () => {
  it('reads the issue\'s example, defaults filling the keys it leaves out', () => {
    expect(parseHash('#model=relu&n=5&m=2&density=0.02&seed=1')).toEqual({
      settings: { ...DEFAULT_SETTINGS, model: 'relu', n: 5, m: 2, density: 0.02, seed: 1 }, problems: [],
    });
    expect(parseHash('').settings).toEqual(DEFAULT_SETTINGS);
    expect(parseHash('#model=linear&lr=0.003&batch=256').settings).toEqual({ ...DEFAULT_SETTINGS, model: 'linear', lr: 0.003, batch: 256 });
  });

  it('writes every key, in order, and reads back exactly the settings it wrote', () => {
    expect(formatHash(DEFAULT_SETTINGS)).toBe('#model=relu&n=5&m=2&density=0.02&importance=0.9&lr=0.01&batch=1024&seed=1');
    fc.assert(fc.property(settingsArbitrary, (settings) => {
      const hash = formatHash(settings);
      expect(hash.slice(1).split('&').map((pair) => pair.split('=')[0])).toEqual(SETTING_KEYS);
      expect(parseHash(hash)).toEqual({ settings, problems: [] });
    }));
  });

  it('refuses a bad value with a message naming the key, the value and the range, and keeps the default', () => {
    const { settings, problems } = parseHash('#n=50&density=0&lr=abc&batch=1000&m=1.5&model=abs&seed=-1&colour=red&importance=');
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toEqual([
      'n: expected a whole number from 2 to 20, got "50"; using 5',
      'density: expected a number from 0.001 to 1, got "0"; using 0.02',
      'lr: expected a number from 0.0001 to 0.1, got "abc"; using 0.01',
      'batch: expected a power of two from 16 to 4096, got "1000"; using 1024',
      'm: expected a whole number from 1 to 10, got "1.5"; using 2',
      'model: expected one of relu, linear, hidden-relu, got "abs"; using relu',
      'seed: expected a whole number from 0 to 2147483647, got "-1"; using 1',
      '"colour" is not a setting (the settings are model, n, m, density, importance, lr, batch, seed); ignored',
      'importance: expected a number from 0.1 to 10, got ""; using 0.9',
    ]);
  });

  it('never throws, whatever the hash holds', () => {
    fc.assert(fc.property(fc.string(), (hash) => {
      const { settings } = parseHash(hash);
      for (const key of NUMERIC_KEYS) expect(isValidValue(key, settings[key])).toBe(true);
      expect(EXPLORE_MODELS).toContain(settings.model);
    }));
    expect(parseHash('#n=%E0%A4%A').problems[0]).toContain('"%E0%A4%A"'); // a malformed escape is quoted as it came
  });
});

describe('the sliders', () => {
  it('stop at round values, the same ones every decade, from one end of the range to the other', () => {
    expect(sliderStops('density').slice(0, 13)).toEqual([0.001, 0.0012, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01]);
    for (const key of ['density', 'importance', 'lr'] as const) {
      const stops = sliderStops(key);
      expect(stops[0]).toBe(RANGES[key].min);
      expect(stops.at(-1)).toBe(RANGES[key].max);
      expect(stops).toHaveLength(Math.round(Math.log10(RANGES[key].max / RANGES[key].min)) * LOG_STOPS_PER_DECADE.length + 1);
      for (let i = 1; i < stops.length; i++) expect(stops[i]).toBeGreaterThan(stops[i - 1]);
      // Each stop's digits are the stop's own: no float noise reaches the hash.
      for (const stop of stops) expect(String(stop).replace(/^0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(2);
    }
    // The defaults are stops, so the page opens with its sliders exactly on them.
    for (const key of ['density', 'importance', 'lr'] as const) expect(sliderStops(key)).toContain(DEFAULT_SETTINGS[key]);
  });

  it('map every position to a value that maps back to the same position, so a key press always moves one stop', () => {
    for (const key of NUMERIC_KEYS.filter((name) => name !== 'seed')) {
      const { min, max } = sliderBounds(key);
      for (let position = min; position <= max; position++) {
        const value = fromSlider(key, position);
        expect(isValidValue(key, value)).toBe(true);
        expect(toSlider(key, value)).toBe(position);
      }
    }
  });

  it('show a value between stops at the nearest stop on a log scale', () => {
    fc.assert(fc.property(fc.constantFrom('density', 'importance', 'lr' as const), fc.double({ min: 0, max: 1, noNaN: true }), (key, t) => {
      const { min, max } = RANGES[key];
      const value = min * (max / min) ** t;
      const shown = fromSlider(key, toSlider(key, value));
      for (const stop of sliderStops(key)) expect(Math.abs(Math.log(shown / value))).toBeLessThanOrEqual(Math.abs(Math.log(stop / value)) + 1e-12);
    }));
  });
});

describe('which changes need a new model', () => {
  it('model, n, m and seed do; density, importance, lr and batch change training live', () => {
    expect(needsReset(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, n: 6 })).toBe(true);
    expect(needsReset(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, model: 'linear' })).toBe(true);
    expect(needsReset(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, seed: 2 })).toBe(true);
    expect(needsReset(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, m: 3 })).toBe(true);
    expect(needsReset(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, density: 0.1, importance: 1, lr: 0.001, batch: 64 })).toBe(false);
  });
});
