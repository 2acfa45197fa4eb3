/**
 * The explorable's settings and how they live in the URL hash, as in TensorFlow Playground, so a
 * setting can be shared as a link:
 *
 *     #model=relu&n=5&m=2&density=0.02&importance=0.9&lr=0.01&batch=1024&seed=1
 *
 *     key         meaning                                         range (scale of the slider)
 *     model       relu, linear or hidden-relu                     (a choice)
 *     n           features                                        2 … 20
 *     m           hidden dimensions                               1 … 10
 *     density     the probability p that a feature is present     0.001 … 1   (log: 1, 1.2, 1.5, 2, … 9 per decade)
 *     importance  the decay r of importance, Iᵢ = rⁱ              0.1 … 10    (log)
 *     lr          AdamW's learning rate                           1e-4 … 0.1  (log)
 *     batch       samples per step                                16 … 4096   (powers of two)
 *     seed        seed of the initial weights and of the data     0 … 2³¹ − 1
 *
 * Missing keys take their default; a key with a value out of range, or one that is not a number,
 * also takes its default, and {@link parseHash} says so in a message naming the key, the value and
 * the range, so nothing the reader typed is silently lost. Unknown keys are reported too.
 *
 * Plain data and functions: no DOM, no Node, shared by the page, the worker and the tests.
 *
 * @module
 */

/** The toy models the explorable offers (the abs model needs signed data and another read-out, so it stays in the CLI). */
export type ExploreModel = 'relu' | 'linear' | 'hidden-relu';

/** Every model, in the order the page lists them. */
export const EXPLORE_MODELS: readonly ExploreModel[] = ['relu', 'linear', 'hidden-relu'];

/** Everything the page lets the reader set; the URL hash holds exactly these keys. */
export interface ExploreSettings {
  /** Which toy model. */
  model: ExploreModel;
  /** n: features. */
  n: number;
  /** m: hidden dimensions. */
  m: number;
  /** p: the probability that a feature is present. */
  density: number;
  /** r: feature i has importance rⁱ (for n = 2, r is the extra feature's relative importance). */
  importance: number;
  /** AdamW's learning rate. */
  lr: number;
  /** Samples per step. */
  batch: number;
  /** Seed of the initial weights (and, mixed with the step, of the data). */
  seed: number;
}

/** The numeric settings. */
export type NumericKey = Exclude<keyof ExploreSettings, 'model'>;

/** How a numeric setting is bounded and moved: `log` sliders move by ratios, `pow2` by doublings. */
export interface NumericRange {
  /** The smallest value allowed. */
  min: number;
  /** The largest value allowed. */
  max: number;
  /** `int`: whole numbers on a linear slider; `log`: any number, on a log slider; `pow2`: powers of two. */
  kind: 'int' | 'log' | 'pow2';
}

/** The ranges, keyed by setting (see the module notes). */
export const RANGES: Readonly<Record<NumericKey, NumericRange>> = {
  n: { min: 2, max: 20, kind: 'int' },
  m: { min: 1, max: 10, kind: 'int' },
  density: { min: 0.001, max: 1, kind: 'log' },
  importance: { min: 0.1, max: 10, kind: 'log' },
  lr: { min: 1e-4, max: 0.1, kind: 'log' },
  batch: { min: 16, max: 4096, kind: 'pow2' },
  seed: { min: 0, max: 2 ** 31 - 1, kind: 'int' },
};

/**
 * The defaults: the lesson's pentagon. Five features in two dimensions, sparse enough (p = 0.02)
 * that the ReLU model stores all five, importance 0.9ⁱ as in the paper's figures, and lr 0.01,
 * which (as the lesson found) reaches the pentagon in a few hundred steps.
 */
export const DEFAULT_SETTINGS: Readonly<ExploreSettings> = {
  model: 'relu', n: 5, m: 2, density: 0.02, importance: 0.9, lr: 0.01, batch: 1024, seed: 1,
};

/** The hash's keys, in the order {@link formatHash} writes them. */
export const SETTING_KEYS: readonly (keyof ExploreSettings)[] = ['model', 'n', 'm', 'density', 'importance', 'lr', 'batch', 'seed'];

/**
 * The values a log slider stops at, per decade: round numbers a reader can quote, 12 to a decade
 * (each a step of 1.1 to 1.33 from the last), including the defaults 0.02, 0.9 and 0.01. A value
 * typed into the hash may fall between them; it is kept, and the slider shows the nearest stop.
 */
export const LOG_STOPS_PER_DECADE: readonly number[] = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9];

/** The stops of a log slider from `min` to `max` (both powers of ten), in order. */
function logStops(min: number, max: number): number[] {
  const first = Math.round(Math.log10(min));
  const decades = Math.round(Math.log10(max)) - first;
  const stops: number[] = [];
  for (let decade = 0; decade < decades; decade++) {
    // toPrecision clears the float noise of mantissa × 10^e (0.3 × 0.1 is 0.030000000000000002).
    for (const mantissa of LOG_STOPS_PER_DECADE) stops.push(Number((mantissa * 10 ** (first + decade)).toPrecision(3)));
  }
  stops.push(max);
  return stops;
}

const STOPS: Partial<Record<NumericKey, number[]>> = {};

/** The stops of the log slider for `key` (cached). */
export function sliderStops(key: NumericKey): readonly number[] {
  const { min, max } = RANGES[key];
  STOPS[key] ??= logStops(min, max);
  return STOPS[key];
}

/** The range described in words, for messages: "a whole number from 2 to 20". */
export function describeRange(key: NumericKey): string {
  const { min, max, kind } = RANGES[key];
  if (kind === 'int') return `a whole number from ${min} to ${max}`;
  if (kind === 'pow2') return `a power of two from ${min} to ${max}`;
  return `a number from ${min} to ${max}`;
}

/** Whether `value` is allowed for `key`. */
export function isValidValue(key: NumericKey, value: number): boolean {
  const { min, max, kind } = RANGES[key];
  if (!Number.isFinite(value) || value < min || value > max) return false;
  if (kind === 'int') return Number.isInteger(value);
  if (kind === 'pow2') return Number.isInteger(Math.log2(value));
  return true;
}

/** What {@link parseHash} found. */
export interface ParsedHash {
  /** The settings, defaults filling whatever was missing or refused. */
  settings: ExploreSettings;
  /** One message per refused or unknown key, naming it, its value and what was expected. */
  problems: string[];
}

/**
 * Reads settings from a URL hash (with or without the leading `#`). Never throws: every refused
 * value is replaced by its default and described in `problems`.
 *
 * @example
 * ```ts
 * parseHash('#model=linear&n=6&density=0.1').settings;   // { model: 'linear', n: 6, density: 0.1, …defaults }
 * parseHash('#n=50').problems;   // ['n: expected a whole number from 2 to 20, got "50"; using 5']
 * ```
 */
export function parseHash(hash: string): ParsedHash {
  const settings: ExploreSettings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodePart(equals === -1 ? pair : pair.slice(0, equals));
    const raw = equals === -1 ? '' : decodePart(pair.slice(equals + 1));
    if (key === 'model') {
      if ((EXPLORE_MODELS as readonly string[]).includes(raw)) settings.model = raw as ExploreModel;
      else problems.push(`model: expected one of ${EXPLORE_MODELS.join(', ')}, got "${raw}"; using ${DEFAULT_SETTINGS.model}`);
      continue;
    }
    if (!Object.hasOwn(RANGES, key)) {
      problems.push(`"${key}" is not a setting (the settings are ${SETTING_KEYS.join(', ')}); ignored`);
      continue;
    }
    const numeric = key as NumericKey;
    const value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (isValidValue(numeric, value)) settings[numeric] = value;
    else problems.push(`${numeric}: expected ${describeRange(numeric)}, got "${raw}"; using ${DEFAULT_SETTINGS[numeric]}`);
  }
  return { settings, problems };
}

/** decodeURIComponent that leaves a malformed escape as it is rather than throwing. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * The hash for `settings` (with the leading `#`), every key in {@link SETTING_KEYS} order, numbers
 * in their shortest exact form.
 *
 * @example
 * ```ts
 * formatHash({ ...DEFAULT_SETTINGS, n: 6 });   // '#model=relu&n=6&m=2&density=0.02&importance=0.9&lr=0.01&batch=1024&seed=1'
 * ```
 */
export function formatHash(settings: ExploreSettings): string {
  return `#${SETTING_KEYS.map((key) => `${key}=${encodeURIComponent(String(settings[key]))}`).join('&')}`;
}

/** The slider's bounds and step for `key`: integers map to themselves, powers of two to exponents, log ranges to stops. */
export function sliderBounds(key: NumericKey): { min: number; max: number; step: number } {
  const { min, max, kind } = RANGES[key];
  if (kind === 'int') return { min, max, step: 1 };
  if (kind === 'pow2') return { min: Math.log2(min), max: Math.log2(max), step: 1 };
  return { min: 0, max: sliderStops(key).length - 1, step: 1 };
}

/** The slider position that shows `value` (the nearest stop, on a log scale, for values between stops). */
export function toSlider(key: NumericKey, value: number): number {
  const { kind } = RANGES[key];
  if (kind === 'int') return value;
  if (kind === 'pow2') return Math.round(Math.log2(value));
  const stops = sliderStops(key);
  let nearest = 0;
  for (let i = 1; i < stops.length; i++) {
    if (Math.abs(Math.log(stops[i] / value)) < Math.abs(Math.log(stops[nearest] / value))) nearest = i;
  }
  return nearest;
}

/** The value at slider position `position` (clamped to the slider's ends). */
export function fromSlider(key: NumericKey, position: number): number {
  const { min, max, kind } = RANGES[key];
  if (kind === 'int') return Math.min(max, Math.max(min, Math.round(position)));
  if (kind === 'pow2') return 2 ** Math.min(Math.log2(max), Math.max(Math.log2(min), Math.round(position)));
  const stops = sliderStops(key);
  return stops[Math.min(stops.length - 1, Math.max(0, Math.round(position)))];
}

/** The settings whose change needs a new model (the others change the training of the current one, live). */
export const RESET_KEYS: readonly (keyof ExploreSettings)[] = ['model', 'n', 'm', 'seed'];

/** Whether going from `before` to `after` needs a new model rather than a live change. */
export function needsReset(before: ExploreSettings, after: ExploreSettings): boolean {
  return RESET_KEYS.some((key) => before[key] !== after[key]);
}
