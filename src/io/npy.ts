/**
 * NumPy's `.npy` format, read and written from bytes: activations exported from PyTorch or
 * NumPy come in this way, and tensors trained here go out to them.
 *
 * A `.npy` file is (NumPy's `numpy.lib.format` documentation):
 *
 *     bytes 0–5    the magic string \x93NUMPY
 *     bytes 6–7    the format version, major then minor: 1.0, 2.0 or 3.0
 *     then         the header length L: 2 bytes little-endian (1.0) or 4 bytes (2.0, 3.0)
 *     then         L bytes of header: a Python dict literal, padded with spaces and ending in
 *                  '\n' so that the data starts on a multiple of 64 bytes, e.g.
 *                  {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *     then         the data: shape₀ · shape₁ · … elements of `descr`, nothing after
 *
 * `descr` names the element type: byte order (`<` little, `>` big, `|` not applicable), kind
 * (`f` float, `i` signed int, …) and size in bytes. Element (i₀, …, iₙ₋₁) of C-order data sits at
 * Σₖ iₖ · Πⱼ₍ⱼ>ₖ₎ shapeⱼ; of Fortran-order data at Σₖ iₖ · Πⱼ₍ⱼ<ₖ₎ shapeⱼ.
 *
 * The reader checks everything before it allocates: the header is parsed strictly (exactly the
 * keys `descr`, `fortran_order`, `shape`, each once, each of the right type) and the shape's
 * element count times the item size must equal the bytes that follow the header. Any breach is
 * a {@link TensorError} from op `readNpy` that names the rule. Element types:
 *
 *     <f4 → float32    <f8 → float64    <i4 → int32
 *     <i8 → int32, refused if any value falls outside the int32 range
 *
 * Fortran-order arrays are read correctly (transposed into C order); big-endian data is refused.
 * The padding and the closing newline are not required on read (NumPy does not require them
 * either); the writer always puts them in.
 * No `node:` imports: this runs in a browser too, and the caller reads the file.
 *
 * @module
 */
import type { TypedArray } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { MAX_ELEMENTS, contiguousStrides } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The longest header read: 1 MiB. A real header is a few hundred bytes; NumPy itself refuses
 * more than 10,000 unless asked. Past this, a hostile file would cost time and memory to parse.
 */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

/** The six bytes every `.npy` file starts with: 0x93 then "NUMPY". */
export const NPY_MAGIC: Uint8Array = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** The alignment of the data: the header is padded so the data starts on a multiple of this. */
const NPY_ALIGN = 64;

/**
 * Spaces NumPy (≥ 1.24) leaves in the header so that the first dim could grow in place: 21
 * minus the digits of that dim. Copied so that our files match `np.save`'s byte for byte.
 */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** What the header of a `.npy` file says, plus where its data starts. */
export interface NpyHeader {
  /** The format version, e.g. `{ major: 1, minor: 0 }`. */
  version: {
    /** 1, 2 or 3: how long the header length field is (2 bytes for 1, 4 for 2 and 3) and, for 3, UTF-8 text. */
    major: number;
    /** Always 0 so far. */
    minor: number;
  };
  /** The element type as written, e.g. `'<f4'`. */
  descr: string;
  /** Whether the data is in Fortran (column-major) order rather than C (row-major) order. */
  fortranOrder: boolean;
  /** The array's shape; `[]` for a 0-d array. */
  shape: number[];
  /** The byte offset of the data within the file. */
  dataOffset: number;
}

/** How one supported `descr` is stored, and how it maps to a tensor dtype. */
interface NpyElementType {
  /** Bytes per element in the file. */
  itemSize: number;
  /** The tensor dtype it is read into. */
  dtype: 'float32' | 'float64' | 'int32';
}

/** The element types {@link readNpy} reads, by `descr`. */
const READABLE: Readonly<Record<string, NpyElementType>> = {
  '<f4': { itemSize: 4, dtype: 'float32' },
  '<f8': { itemSize: 8, dtype: 'float64' },
  '<i4': { itemSize: 4, dtype: 'int32' },
  '<i8': { itemSize: 8, dtype: 'int32' },
};

/** The `descr` strings {@link readNpy} accepts, for messages and documentation. */
export const NPY_READABLE_DESCRS: readonly string[] = Object.keys(READABLE);

/** The `descr` {@link writeNpy} writes for each tensor dtype. */
const DESCR_OF_DTYPE = { float32: '<f4', float64: '<f8', int32: '<i4' } as const;

/** Whether this machine stores numbers little-endian (typed arrays use the machine's order). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const OP = 'readNpy';

// ─── A tiny parser for the Python literals a header holds ─────────────────────────────────────

/** A Python literal, as far as `.npy` headers use them. Tuples and lists are kept apart. */
type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: number; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; entries: [string, PyValue][] };

/** How a value reads in messages: its Python text for scalars, its kind for containers. */
function describeValue(value: PyValue): string {
  switch (value.kind) {
    case 'str': return `'${value.value}'`;
    case 'int': return value.text;
    case 'bool': return value.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'tuple': return `a tuple of ${value.items.length}`;
    case 'list': return `a list of ${value.items.length}`;
    case 'dict': return `a dict of ${value.entries.length}`;
  }
}

/** A whole number in decimal, matched where the parser stands. */
const INTEGER = /[-+]?\d+/y;

/** A Python name (True, False, None, or something refused), matched where the parser stands. */
const WORD = /[A-Za-z_]\w{0,63}/y;

/**
 * Parses the subset of Python literal syntax that NumPy headers use: dicts with string keys,
 * strings ('…' or "…", with \\ \' \" escapes), whole numbers, True, False, None, tuples (where
 * `(x)` is x and `(x,)` a tuple, as in Python) and lists. Anything else is refused, with the
 * position. Nesting is capped so a hostile header cannot exhaust the stack.
 */
class HeaderParser {
  private position = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  /** The whole text as one literal, with only whitespace around it. */
  parseDocument(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.position !== this.text.length) this.error(`unexpected ${this.show()} after the dict`);
    return value;
  }

  private error(message: string): never {
    // The header quoted whole when short; else only around where it broke (a message stays a line).
    const trimmed = this.text.trimEnd();
    const quoted = trimmed.length <= 200
      ? JSON.stringify(trimmed)
      : `${trimmed.length} characters, near ${JSON.stringify(trimmed.slice(Math.max(0, this.position - 40), this.position + 40))}`;
    fail(OP, `the header is not a valid Python dict literal: ${message} at character ${this.position} of ${quoted}`);
  }

  /** The next character, quoted for a message. */
  private show(): string {
    return this.position >= this.text.length ? 'end of header' : JSON.stringify(this.text[this.position]);
  }

  private skipSpace(): void {
    while (this.position < this.text.length && ' \t\n\r'.includes(this.text[this.position])) this.position++;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.position] !== char) this.error(`expected '${char}', got ${this.show()}`);
    this.position++;
  }

  /** Whether the next non-space character is `char` (consumed if so). */
  private accept(char: string): boolean {
    this.skipSpace();
    if (this.text[this.position] !== char) return false;
    this.position++;
    return true;
  }

  private value(): PyValue {
    this.skipSpace();
    const char = this.text[this.position];
    if (char === "'" || char === '"') return { kind: 'str', value: this.string() };
    if (char === '{' || char === '(' || char === '[') {
      if (++this.depth > 16) this.error('nested too deeply');
      const value = char === '{' ? this.dict() : this.sequence(char);
      this.depth--;
      return value;
    }
    if (char !== undefined && /[-+0-9]/.test(char)) return this.integer();
    WORD.lastIndex = this.position;
    const word = WORD.exec(this.text)?.[0];
    if (word === 'True' || word === 'False') {
      this.position += word.length;
      return { kind: 'bool', value: word === 'True' };
    }
    if (word === 'None') {
      this.position += word.length;
      return { kind: 'none' };
    }
    return this.error(`expected a value, got ${word === undefined ? this.show() : `'${word}'`}`);
  }

  private string(): string {
    const quote = this.text[this.position++];
    let out = '';
    for (;;) {
      if (this.position >= this.text.length) this.error('unterminated string');
      const char = this.text[this.position++];
      if (char === quote) return out;
      if (char === '\n') this.error('unterminated string');
      if (char === '\\') {
        const escaped = this.text[this.position++];
        if (escaped !== '\\' && escaped !== "'" && escaped !== '"') this.error(`unsupported escape \\${escaped ?? ''} in a string`);
        out += escaped;
      } else {
        out += char;
      }
    }
  }

  private integer(): PyValue {
    // Sticky regexes match at `position` without copying the rest of the text.
    INTEGER.lastIndex = this.position;
    const match = INTEGER.exec(this.text);
    if (match === null) this.error(`expected a number, got ${this.show()}`);
    const text = match[0];
    const after = this.text[this.position + text.length];
    // Python 3 refuses leading zeros in decimals ("007"), and a float or a 3L is not a dim either.
    if (after !== undefined && /[.\w]/.test(after)) {
      this.position += text.length;
      this.error(`only whole numbers in decimal are allowed, got ${JSON.stringify(text + after)}…`);
    }
    if (/^[-+]?0\d/.test(text)) this.error(`leading zeros are not allowed in ${text}`);
    this.position += text.length;
    // Digits beyond 2⁵³ would round: keep them as +Infinity so the size checks refuse them.
    const value = Number(text) + 0; // + 0 turns -0 into 0
    return { kind: 'int', value: Number.isSafeInteger(value) ? value : Math.sign(value) * Infinity, text };
  }

  private sequence(open: '(' | '['): PyValue {
    const close = open === '(' ? ')' : ']';
    this.position++;
    const items: PyValue[] = [];
    let trailingComma = false;
    while (!this.accept(close)) {
      if (items.length > 0 && !trailingComma) this.error(`expected ',' or '${close}', got ${this.show()}`);
      items.push(this.value());
      trailingComma = this.accept(',');
    }
    // Python: (x) is just x, (x,) and () are tuples.
    if (open === '(' && items.length === 1 && !trailingComma) return items[0];
    return open === '(' ? { kind: 'tuple', items } : { kind: 'list', items };
  }

  private dict(): PyValue {
    this.position++;
    const entries: [string, PyValue][] = [];
    let trailingComma = false;
    while (!this.accept('}')) {
      if (entries.length > 0 && !trailingComma) this.error(`expected ',' or '}', got ${this.show()}`);
      this.skipSpace();
      const char = this.text[this.position];
      if (char !== "'" && char !== '"') this.error(`expected a string key, got ${this.show()}`);
      const key = this.string();
      if (entries.some(([seen]) => seen === key)) this.error(`the key '${key}' appears twice`);
      this.expect(':');
      entries.push([key, this.value()]);
      trailingComma = this.accept(',');
    }
    return { kind: 'dict', entries };
  }
}

// ─── Reading ──────────────────────────────────────────────────────────────────────────────────

/** The header's dict, checked: exactly the three keys, each of the right type. */
function interpretHeader(dict: PyValue): { descr: string; fortranOrder: boolean; shape: number[] } {
  if (dict.kind !== 'dict') fail(OP, `the header must be a dict, got ${describeValue(dict)}`);
  const required = ['descr', 'fortran_order', 'shape'];
  const keys = dict.entries.map(([key]) => key);
  const missing = required.filter((key) => !keys.includes(key));
  if (missing.length > 0) fail(OP, `the header dict lacks ${missing.map((key) => `'${key}'`).join(', ')}; it must have exactly 'descr', 'fortran_order', 'shape'`);
  const extra = keys.filter((key) => !required.includes(key));
  if (extra.length > 0) fail(OP, `the header dict has unexpected key${extra.length > 1 ? 's' : ''} ${extra.map((key) => `'${key}'`).join(', ')}; it must have exactly 'descr', 'fortran_order', 'shape'`);
  const entry = (key: string): PyValue => dict.entries.find(([name]) => name === key)![1];

  const descr = entry('descr');
  if (descr.kind === 'list') fail(OP, `structured dtypes (a list as 'descr') are not supported; supported: ${NPY_READABLE_DESCRS.join(', ')}`);
  if (descr.kind !== 'str') fail(OP, `'descr' must be a string such as '<f4', got ${describeValue(descr)}`);

  const fortran = entry('fortran_order');
  if (fortran.kind !== 'bool') fail(OP, `'fortran_order' must be True or False, got ${describeValue(fortran)}`);

  const shapeValue = entry('shape');
  if (shapeValue.kind !== 'tuple') fail(OP, `'shape' must be a tuple such as (2, 3) or (5,), got ${describeValue(shapeValue)}`);
  const shape = shapeValue.items.map((item, axis) => {
    if (item.kind !== 'int') fail(OP, `'shape' must hold whole numbers, got ${describeValue(item)} at axis ${axis}`);
    if (item.value < 0) fail(OP, `'shape' dims must be ≥ 0, got ${item.text} at axis ${axis}`);
    if (!Number.isFinite(item.value) || item.value > MAX_ELEMENTS) {
      fail(OP, `'shape' dim ${item.text} at axis ${axis} is absurd: at most ${MAX_ELEMENTS} elements fit in one tensor`);
    }
    return item.value;
  });
  return { descr: descr.value, fortranOrder: fortran.value, shape };
}

/** Reads `count` bytes at `at` as a little-endian unsigned integer (count ≤ 4). */
function readUint(bytes: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = count - 1; i >= 0; i--) value = value * 256 + bytes[at + i];
  return value;
}

/** Decodes header bytes: Latin-1 for versions 1 and 2 (as NumPy writes them), UTF-8 for 3. */
function decodeHeader(bytes: Uint8Array, major: number): string {
  if (major === 3) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      fail(OP, 'the header of a version 3.0 file must be UTF-8, and is not');
    }
  }
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/**
 * Reads and checks the header of a `.npy` file: the magic, the version, the header length and
 * the dict. Does not look at the data, nor at whether `descr` is supported. With `fileLength`
 * (the whole file's length), `bytes` need hold only the header. Headers over
 * {@link NPY_MAX_HEADER_BYTES} are refused.
 *
 * @throws TensorError (op `readNpy`) naming the rule that broke.
 *
 * @example
 * ```ts
 * parseNpyHeader(writeNpy(zeros([2, 3]))).shape;   // returns [2, 3]
 * ```
 */
export function parseNpyHeader(bytes: Uint8Array, fileLength: number = bytes.length): NpyHeader {
  if (!(bytes instanceof Uint8Array)) fail(OP, 'expected the file as a Uint8Array of bytes');
  const magicLength = NPY_MAGIC.length;
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== NPY_MAGIC[i]) {
      const seen = Array.from(bytes.subarray(0, magicLength), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
      fail(OP, `not a .npy file: it must start with the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY), got ${seen === '' ? 'an empty file' : seen}`);
    }
  }
  if (bytes.length < magicLength + 2) fail(OP, `truncated header: the file ends after ${bytes.length} bytes, before the version`);
  const major = bytes[magicLength];
  const minor = bytes[magicLength + 1];
  if (!(major >= 1 && major <= 3) || minor !== 0) fail(OP, `unsupported format version ${major}.${minor}; supported: 1.0, 2.0, 3.0`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = magicLength + 2 + lengthBytes;
  if (bytes.length < headerStart) fail(OP, `truncated header: the file ends after ${bytes.length} bytes, inside the ${lengthBytes}-byte header length`);
  const headerLength = readUint(bytes, magicLength + 2, lengthBytes);
  const dataOffset = headerStart + headerLength;
  if (dataOffset > fileLength) {
    fail(OP, `the header length ${headerLength} runs past the end of the file (${fileLength} bytes, header from byte ${headerStart})`);
  }
  if (headerLength > NPY_MAX_HEADER_BYTES) {
    fail(OP, `the header length ${headerLength} is over ${NPY_MAX_HEADER_BYTES} bytes, the most read here (NumPy itself reads at most 10,000 by default)`);
  }
  if (dataOffset > bytes.length) fail(OP, `parseNpyHeader was given ${bytes.length} bytes, fewer than the header's ${dataOffset}`);
  const text = decodeHeader(bytes.subarray(headerStart, dataOffset), major);
  const { descr, fortranOrder, shape } = interpretHeader(new HeaderParser(text).parseDocument());
  return { version: { major, minor }, descr, fortranOrder, shape, dataOffset };
}

/** The element type of `descr`, or a refusal that says why and what is supported. */
function elementType(descr: string): NpyElementType {
  const type = Object.hasOwn(READABLE, descr) ? READABLE[descr] : undefined;
  if (type !== undefined) return type;
  const supported = `supported: ${NPY_READABLE_DESCRS.join(', ')}`;
  if (descr.startsWith('>')) fail(OP, `big-endian data ('${descr}') is not supported; ${supported} (in NumPy: a.astype(a.dtype.newbyteorder('<')))`);
  return fail(OP, `unsupported dtype '${descr}'; ${supported}`);
}

/** Copies `count` little-endian elements starting at `start` into a fresh, aligned typed array. */
function copyElements(bytes: Uint8Array, start: number, count: number, descr: string): TypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * READABLE[descr].itemSize);
  switch (descr) {
    case '<f4':
    case '<f8':
    case '<i4': {
      const Constructor = descr === '<f4' ? Float32Array : descr === '<f8' ? Float64Array : Int32Array;
      const out = new Constructor(count);
      if (LITTLE_ENDIAN) {
        // A byte copy into the new array's own (aligned) buffer: the file's data may start at any byte.
        new Uint8Array(out.buffer).set(bytes.subarray(start, start + out.byteLength));
      } else {
        const size = Constructor.BYTES_PER_ELEMENT;
        for (let i = 0; i < count; i++) {
          out[i] = descr === '<f4' ? view.getFloat32(i * size, true) : descr === '<f8' ? view.getFloat64(i * size, true) : view.getInt32(i * size, true);
        }
      }
      return out;
    }
    default: {
      // <i8 into int32: a value fits when its high word is the sign extension of its low word.
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const low = view.getInt32(8 * i, true);
        const high = view.getInt32(8 * i + 4, true);
        if (high !== low >> 31) {
          fail(OP, `'<i8' value ${view.getBigInt64(8 * i, true)} at element ${i} does not fit in int32 (from −2³¹ to 2³¹ − 1), the widest integer dtype here`);
        }
        out[i] = low;
      }
      return out;
    }
  }
}

/**
 * Reads a `.npy` file's bytes into a tensor: `<f4` → float32, `<f8` → float64, `<i4` and `<i8` →
 * int32 (refusing `<i8` values outside the int32 range). Fortran-order data is transposed into
 * C order, so the tensor reads the same as the array does in NumPy. The bytes may start at any
 * offset of their buffer: the data is copied into an aligned array of its own.
 *
 * Everything is checked before anything is allocated: the magic and version, that the header
 * lies within the file, the dict (exactly `descr`, `fortran_order`, `shape`), a supported
 * little-endian `descr`, a shape of at most 2³¹ − 1 elements, and that the data after the
 * header is exactly elements × item size bytes.
 *
 * @throws TensorError (op `readNpy`) naming the rule that broke.
 *
 * @example
 * ```ts
 * readNpy(writeNpy(tensor([[1, 2], [3, 4]]))).toArray();   // returns [[1, 2], [3, 4]]
 * ```
 */
export function readNpy(bytes: Uint8Array): Tensor {
  const header = parseNpyHeader(bytes);
  const { descr, shape, fortranOrder, dataOffset } = header;
  const count = checkNpyDataLength(header, bytes.length);
  const data = copyElements(bytes, dataOffset, count, descr);
  if (!fortranOrder || shape.length < 2 || count === 0) return new Tensor(data, shape);
  // Fortran data is the C-order data of the reversed shape; reading it with reversed strides is
  // the transpose, which contiguous() packs into C order.
  const reversedStrides = contiguousStrides([...shape].reverse()).reverse();
  return new Tensor(data, shape, reversedStrides).contiguous();
}

/**
 * Checks that a file of `fileLength` bytes with this header holds exactly its data: a supported
 * `descr`, at most MAX_ELEMENTS elements, and elements × item size bytes after the header. Needs
 * only the header and the length (so a huge file is checked without reading its data). Returns
 * the element count.
 *
 * @throws TensorError (op `readNpy`) naming the rule that broke.
 */
export function checkNpyDataLength(header: NpyHeader, fileLength: number): number {
  const { descr, shape, dataOffset } = header;
  const type = elementType(descr);
  // Each dim is ≤ MAX_ELEMENTS, so a running product that stays ≤ MAX_ELEMENTS never loses digits.
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (count > MAX_ELEMENTS) fail(OP, `the shape ${formatShape(shape)} has more than ${MAX_ELEMENTS} elements, the most one tensor holds`);
  }
  const expected = count * type.itemSize;
  const actual = fileLength - dataOffset;
  if (actual !== expected) {
    fail(OP, `the data is ${actual} bytes, but shape ${formatShape(shape)} of '${descr}' needs ${count} × ${type.itemSize} = ${expected} bytes` +
      (actual < expected ? ' (the file is truncated)' : ' (extra bytes after the data)'));
  }
  return count;
}

/** The dtype a readable `descr` reads as (e.g. `'<f4'` → float32). @throws TensorError for an unsupported one. */
export function npyDtype(descr: string): 'float32' | 'float64' | 'int32' {
  return elementType(descr).dtype;
}

// ─── Writing ──────────────────────────────────────────────────────────────────────────────────

/** Options of {@link writeNpy}. */
export interface WriteNpyOptions {
  /**
   * The format version. Default: 1 when the header fits its 2-byte length (always, for the
   * shapes a tensor can have), as NumPy does. Version 2 allows longer headers; both read back.
   */
  version?: 1 | 2;
}

/** A shape as Python writes a tuple: `()`, `(5,)`, `(2, 3)`. */
function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Writes a tensor as a `.npy` file, C order: float32 as `<f4`, float64 as `<f8`, int32 as `<i4`.
 * The header is the one `np.save` (NumPy ≥ 1.24) writes: the dict with its keys sorted and a
 * trailing comma, room for the first dim to grow, then spaces and a newline up to a multiple of
 * 64 bytes. So for these dtypes the bytes match NumPy's exactly.
 *
 * @example
 * ```ts
 * writeNpy(tensor([1, 2, 3])).length;   // returns 140: a 128-byte preamble, then 3 × 4 bytes
 * ```
 */
export function writeNpy(tensor: Tensor, options: WriteNpyOptions = {}): Uint8Array {
  const descr = DESCR_OF_DTYPE[tensor.dtype];
  const shape = tensor.shape;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const version = options.version ?? 1;
  const lengthBytes = version === 1 ? 2 : 4;
  const preamble = NPY_MAGIC.length + 2 + lengthBytes;
  // The dict, then spaces, then '\n', so that preamble + header is a multiple of 64.
  const headerLength = Math.ceil((preamble + dict.length + 1) / NPY_ALIGN) * NPY_ALIGN - preamble;
  if (version === 1 && headerLength > 0xffff) fail('writeNpy', `the header is ${headerLength} bytes, more than a version 1.0 file allows; use version 2`);

  const values = tensor.toTypedArray();
  const out = new Uint8Array(preamble + headerLength + values.byteLength);
  out.set(NPY_MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  for (let i = 0; i < lengthBytes; i++) out[8 + i] = Math.floor(headerLength / 256 ** i) % 256;
  let at = preamble;
  for (let i = 0; i < dict.length; i++) out[at++] = dict.charCodeAt(i);
  out.fill(0x20, at, preamble + headerLength - 1);
  out[preamble + headerLength - 1] = 0x0a;
  const dataStart = preamble + headerLength;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), dataStart);
  } else {
    const view = new DataView(out.buffer, dataStart);
    const size = values.BYTES_PER_ELEMENT;
    for (let i = 0; i < values.length; i++) {
      if (tensor.dtype === 'float32') view.setFloat32(i * size, values[i], true);
      else if (tensor.dtype === 'float64') view.setFloat64(i * size, values[i], true);
      else view.setInt32(i * size, values[i], true);
    }
  }
  return out;
}
