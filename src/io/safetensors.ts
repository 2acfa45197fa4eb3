/**
 * Hugging Face's safetensors format, read and written from bytes: the format PyTorch and SAELens
 * save weights in, so models trained here go out to them and theirs come back in.
 *
 * A safetensors file is (the format's README):
 *
 *     bytes 0–7    N, the header length: an unsigned 64-bit little-endian integer
 *     bytes 8…8+N  the header: a UTF-8 JSON object, possibly padded with trailing spaces
 *                  {"__metadata__": {"k": "v"},
 *                   "W": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …}
 *     the rest     the data buffer: raw little-endian elements, tensor after tensor
 *
 * `data_offsets` = [begin, end) is relative to the data buffer, and a tensor of shape
 * (d₀, …, dₖ₋₁) and item size s takes end − begin = d₀ · … · dₖ₋₁ · s bytes, row-major. Sorted by
 * begin, the tensors tile the buffer: the first starts at 0, each starts where the one before
 * ended, and the last ends at the end of the file.
 *
 * Element types:
 *
 *     F32 ↔ float32    F64 ↔ float64    I32 ↔ int32
 *     I64 → int32, refused when a value falls outside −2³¹ … 2³¹ − 1; written on request
 *
 * The reader trusts nothing: every header field is checked before anything is sized by it, and
 * each breach is a {@link TensorError} from op `readSafetensors` naming the rule. No `node:`
 * imports: this runs in a browser too, and the caller reads the file.
 *
 * @module
 */
import type { TypedArray } from '../tensor/dtype.js';
import { fail, formatShape } from '../tensor/errors.js';
import { MAX_ELEMENTS } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The longest header read, as the format's Rust reader caps it: 100,000,000 bytes. Past this a
 * hostile header would cost time and memory to parse.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** The element types this library reads and writes, by their safetensors names. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64';

/** One tensor as the header describes it. */
export interface SafetensorsEntry {
  /** The tensor's name: its key in the header. */
  name: string;
  /** Its element type. */
  dtype: SafetensorsDType;
  /** Its shape; `[]` for a 0-rank tensor. */
  shape: number[];
  /** Where its bytes lie, [begin, end), relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

/** What {@link inspectSafetensors} finds in a file: the header, checked, without the data. */
export interface SafetensorsInspection {
  /** The tensors, in the order their bytes appear in the data buffer. */
  entries: SafetensorsEntry[];
  /** The `__metadata__` map, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** N, the length of the JSON header in bytes (the data buffer starts at byte 8 + N). */
  headerLength: number;
}

/** What {@link readSafetensors} returns. */
export interface SafetensorsContents {
  /** The tensors by name, each with its own packed, aligned storage. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map, or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Free-form string → string metadata, stored under `__metadata__`. */
  metadata?: Record<string, string>;
  /** Names of int32 tensors to store as I64 (e.g. for PyTorch code that expects int64 indices). */
  int64?: readonly string[];
}

/** Bytes per element of each supported dtype. */
const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = { F32: 4, F64: 8, I32: 4, I64: 8 };

/** The dtypes {@link readSafetensors} accepts, for messages and documentation. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ['F32', 'F64', 'I32', 'I64'];

/** Dtypes the format defines that this library does not read: named apart from typos in messages. */
const KNOWN_UNSUPPORTED = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'F16', 'BF16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** The key holding the metadata map; no tensor may have this name. */
const METADATA_KEY = '__metadata__';

/** Whether this machine stores numbers little-endian (typed arrays use the machine's order). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const OP = 'readSafetensors';
const WRITE_OP = 'writeSafetensors';

// ─── Reading the header ───────────────────────────────────────────────────────────────────────

/**
 * A value as a message shows it: JSON, cut short so a hostile header cannot flood the message.
 * Containers are shown whole only when flat and short: stringifying a deeply nested one would
 * overflow the stack.
 */
function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (Array.isArray(value)) {
    const flat = value.length <= 8 && value.every((item) => item === null || typeof item !== 'object');
    text = flat ? JSON.stringify(value) : `an array of ${value.length}`;
  } else if (typeof value === 'object' && value !== null) text = 'an object';
  else text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Whether a parsed JSON value is an object (not an array, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Refuses a key that appears twice in one JSON object, at any depth. `JSON.parse` keeps the last
 * value silently, so the text is scanned: the text is known to be well-formed JSON already, so a
 * small state machine suffices — a stack of the objects and arrays open, each object with the
 * keys seen and whether a key comes next. It loops rather than recurses, so deep nesting is safe.
 */
function refuseDuplicateKeys(text: string): void {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (char === '[') stack.push({ keys: null, expectKey: false });
    else if (char === '}' || char === ']') stack.pop();
    else if (char === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } else if (char === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        // JSON.parse decodes escapes, so "a" and "\u0061" count as the same key, as they should.
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) fail(OP, `the header's JSON has the key ${show(key)} twice in one object; keys must be unique`);
        top.keys.add(key);
        top.expectKey = false;
      }
    }
  }
}

/** Checks one tensor's header entry; `dataLength` is the size of the data buffer. */
function checkEntry(name: string, info: unknown, dataLength: number): SafetensorsEntry {
  const where = `tensor ${show(name)}`;
  if (!isObject(info)) fail(OP, `${where}: its header entry must be an object {dtype, shape, data_offsets}, got ${show(info)}`);
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(info, key)) fail(OP, `${where}: its header entry lacks '${key}'; it needs dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = info;

  if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
    const kind = typeof dtype === 'string' && KNOWN_UNSUPPORTED.has(dtype) ? 'unsupported' : 'unknown';
    fail(OP, `${where}: ${kind} dtype ${show(dtype)}; supported: ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  const itemSize = ITEM_SIZE[dtype as SafetensorsDType];

  if (!Array.isArray(shape)) fail(OP, `${where}: shape must be an array of whole numbers ≥ 0, got ${show(shape)}`);
  // Each dim ≤ MAX_ELEMENTS and a running product refused as soon as it passes MAX_ELEMENTS: every
  // product formed is below 2⁶², so the comparison is right even where the float rounds.
  let count = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const dim: unknown = shape[axis];
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      fail(OP, `${where}: shape must be an array of whole numbers ≥ 0, got ${show(dim)} at axis ${axis}`);
    }
    if (dim > MAX_ELEMENTS) fail(OP, `${where}: shape dim ${dim} at axis ${axis} overflows: at most ${MAX_ELEMENTS} elements fit in one tensor`);
  }
  if (!shape.includes(0)) {
    for (const dim of shape as number[]) {
      count *= dim;
      if (count > MAX_ELEMENTS) fail(OP, `${where}: the element count of shape ${formatShape(shape as number[])} overflows: at most ${MAX_ELEMENTS} elements fit in one tensor`);
    }
  } else {
    count = 0;
  }

  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    fail(OP, `${where}: data_offsets must be two whole numbers [begin, end] ≥ 0, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(OP, `${where}: data_offsets [${begin}, ${end}] point backwards: begin must be ≤ end`);
  if (end > dataLength) fail(OP, `${where}: data_offsets [${begin}, ${end}] run past the end of the data buffer (${dataLength} bytes)`);
  const expected = count * itemSize;
  if (end - begin !== expected) {
    fail(OP, `${where}: shape × dtype size ≠ byte length: shape ${formatShape(shape as number[])} of ${dtype as string} needs ${count} × ${itemSize} = ${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: (shape as number[]).slice(), dataOffsets: [begin, end] };
}

/**
 * Reads and checks the header of a safetensors file: the length, the JSON, every entry, the
 * metadata, and that the tensors tile the data buffer exactly. Does not read the data: with
 * `fileLength` (the whole file's length), `bytes` need hold only the first 8 + N bytes, so a
 * huge file is inspected from its header alone. Headers over
 * {@link SAFETENSORS_MAX_HEADER_BYTES} are refused.
 *
 * @throws TensorError (op `readSafetensors`) naming the rule that broke.
 *
 * @example
 * ```ts
 * inspectSafetensors(writeSafetensors({ w: zeros([2, 3]) })).entries[0].shape;   // returns [2, 3]
 * ```
 */
export function inspectSafetensors(bytes: Uint8Array, fileLength: number = bytes.length): SafetensorsInspection {
  if (!(bytes instanceof Uint8Array)) fail(OP, 'expected the file as a Uint8Array of bytes');
  if (fileLength < 8 || bytes.length < 8) fail(OP, `truncated file: it is ${fileLength} bytes, shorter than the 8-byte header length`);
  // Two 32-bit halves: a u64 above 2⁵³ cannot be a JS number, and any high word ≠ 0 is past the end anyway.
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const declared = (BigInt(high) << 32n) | BigInt(low);
  if (high !== 0 || low > fileLength - 8) {
    fail(OP, `the header length ${declared} runs past the end of the file (${fileLength} bytes, header from byte 8)`);
  }
  if (low > SAFETENSORS_MAX_HEADER_BYTES) {
    fail(OP, `the header length ${declared} is over ${SAFETENSORS_MAX_HEADER_BYTES} bytes, the most read here (the Rust reader's limit too)`);
  }
  const headerLength = low;
  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  if (bytes.length < dataStart) fail(OP, `inspectSafetensors was given ${bytes.length} bytes, fewer than the header's ${dataStart}`);

  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it, as serde_json does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail(OP, 'the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(OP, `the header is not well-formed JSON: ${(error as Error).message}`);
  }
  if (!isObject(header)) fail(OP, `the header must be a JSON object of tensors, got ${show(header)}`);
  refuseDuplicateKeys(text);

  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isObject(info)) fail(OP, `__metadata__ must be a map of strings to strings, got ${show(info)}`);
      for (const [key, value] of Object.entries(info)) {
        if (typeof value !== 'string') fail(OP, `__metadata__ must be a map of strings to strings, got ${show(value)} for key ${show(key)}`);
      }
      // fromEntries defines own properties, so a key like "__proto__" stays data, not a prototype.
      metadata = Object.fromEntries(Object.entries(info)) as Record<string, string>;
      continue;
    }
    entries.push(checkEntry(name, info, dataLength));
  }

  // Sorted by begin (then end, so empty tensors come before a tensor at the same offset), each
  // must start where the one before ended; the first at 0 and the last at the end of the buffer.
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous: SafetensorsEntry | null = null;
  for (const entry of entries) {
    const [begin] = entry.dataOffsets;
    if (begin < covered) {
      fail(OP, `the tensors do not tile the data: tensor ${show(entry.name)} at [${entry.dataOffsets.join(', ')}] overlaps tensor ${show(previous!.name)} at [${previous!.dataOffsets.join(', ')}]`);
    }
    if (begin > covered) {
      fail(OP, `the tensors do not tile the data: a gap of bytes ${covered}–${begin} ${previous ? `between tensor ${show(previous.name)} and` : 'before'} tensor ${show(entry.name)}`);
    }
    covered = entry.dataOffsets[1];
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(OP, `the tensors do not tile the data: they cover ${covered} bytes, but the data buffer is ${dataLength} bytes (${dataLength - covered} bytes belong to no tensor)`);
  }
  return { entries, metadata, headerLength };
}

// ─── Reading the data ─────────────────────────────────────────────────────────────────────────

/** Copies one checked entry's elements into a fresh, aligned typed array of its own. */
function readEntry(bytes: Uint8Array, dataStart: number, entry: SafetensorsEntry): TypedArray {
  const start = dataStart + entry.dataOffsets[0];
  const byteLength = entry.dataOffsets[1] - entry.dataOffsets[0];
  const count = byteLength / ITEM_SIZE[entry.dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, byteLength);
  if (entry.dtype === 'I64') {
    // I64 into int32: a value fits when its high word is the sign extension of its low word.
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const low = view.getInt32(8 * i, true);
      const high = view.getInt32(8 * i + 4, true);
      if (high !== low >> 31) {
        fail(OP, `tensor ${show(entry.name)}: I64 value ${view.getBigInt64(8 * i, true)} at element ${i} does not fit in int32 (from −2³¹ to 2³¹ − 1), the widest integer dtype here`);
      }
      out[i] = low;
    }
    return out;
  }
  const Constructor = entry.dtype === 'F32' ? Float32Array : entry.dtype === 'F64' ? Float64Array : Int32Array;
  const out = new Constructor(count);
  if (LITTLE_ENDIAN) {
    // A byte copy into the new array's own buffer: the file's data may start at any byte.
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + byteLength));
  } else {
    for (let i = 0; i < count; i++) {
      out[i] = entry.dtype === 'F32' ? view.getFloat32(4 * i, true) : entry.dtype === 'F64' ? view.getFloat64(8 * i, true) : view.getInt32(4 * i, true);
    }
  }
  return out;
}

/**
 * Reads a safetensors file's bytes: F32 → float32, F64 → float64, I32 → int32, I64 → int32
 * (refusing values outside the int32 range). The header is checked whole by
 * {@link inspectSafetensors} before any tensor is allocated, and each tensor gets its own packed,
 * aligned copy, so the bytes may start at any offset of their buffer.
 *
 * @throws TensorError (op `readSafetensors`) naming the rule that broke.
 *
 * @example
 * ```ts
 * readSafetensors(writeSafetensors({ w: tensor([1, 2]) })).tensors.w.toArray();   // returns [1, 2]
 * ```
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsContents {
  const { entries, metadata, headerLength } = inspectSafetensors(bytes);
  const dataStart = 8 + headerLength;
  const tensors = Object.fromEntries(entries.map((entry) => [entry.name, new Tensor(readEntry(bytes, dataStart, entry), entry.shape)]));
  return { tensors, metadata };
}

// ─── Writing ──────────────────────────────────────────────────────────────────────────────────

/** Orders strings by their UTF-8 bytes, as Rust orders `String`s (UTF-16 order differs above U+FFFF). */
function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Writes tensors as a safetensors file: float32 as F32, float64 as F64, int32 as I32 (or I64
 * for the names in `options.int64`). Strided views are written in row-major order.
 *
 * The bytes are deterministic and follow the Hugging Face library's own writer: `__metadata__`
 * first (its keys sorted here, where the library's order is a hash map's), then the tensors
 * sorted by item size, widest first, then by name in UTF-8 byte order — so every tensor's data
 * sits at a multiple of its item size — and the header is padded with spaces so the data starts
 * on a multiple of 8 bytes. Empty and 0-rank tensors are supported.
 *
 * @throws TensorError (op `writeSafetensors`) for a name `__metadata__`, non-string metadata, or
 *   an `int64` name that is not an int32 tensor being written.
 *
 * @example
 * ```ts
 * writeSafetensors({ w: tensor([1, 2]) }).length;   // returns 72: 8 + a 56-byte header + 2 × 4 bytes
 * ```
 */
export function writeSafetensors(tensors: Record<string, Tensor>, options: WriteSafetensorsOptions = {}): Uint8Array {
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === METADATA_KEY) fail(WRITE_OP, `no tensor may be named ${METADATA_KEY}: the format reserves it for metadata`);
    if (!(tensors[name] instanceof Tensor)) fail(WRITE_OP, `${show(name)} is not a Tensor`);
  }
  const int64 = new Set(options.int64 ?? []);
  for (const name of int64) {
    if (!Object.hasOwn(tensors, name)) fail(WRITE_OP, `int64 names ${show(name)}, which is not among the tensors being written`);
    if (tensors[name].dtype !== 'int32') fail(WRITE_OP, `int64 names ${show(name)}, a ${tensors[name].dtype} tensor; only int32 tensors can be stored as I64`);
  }
  const dtypeOf = (name: string): SafetensorsDType =>
    int64.has(name) ? 'I64' : tensors[name].dtype === 'float32' ? 'F32' : tensors[name].dtype === 'float64' ? 'F64' : 'I32';
  const order = names.slice().sort((a, b) => ITEM_SIZE[dtypeOf(b)] - ITEM_SIZE[dtypeOf(a)] || compareUtf8(a, b));

  const parts: string[] = [];
  if (options.metadata !== undefined) {
    if (!isObject(options.metadata)) fail(WRITE_OP, `metadata must be a map of strings to strings, got ${show(options.metadata)}`);
    const keys = Object.keys(options.metadata).sort(compareUtf8);
    for (const key of keys) {
      if (typeof options.metadata[key] !== 'string') fail(WRITE_OP, `metadata must be a map of strings to strings, got ${show(options.metadata[key])} for key ${show(key)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(options.metadata![key])}`).join(',')}}`);
  }
  let dataLength = 0;
  for (const name of order) {
    const t = tensors[name];
    const byteLength = t.size * ITEM_SIZE[dtypeOf(name)];
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtypeOf(name)}","shape":[${t.shape.join(',')}],"data_offsets":[${dataLength},${dataLength + byteLength}]}`);
    dataLength += byteLength;
  }
  const headerBytes = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(headerBytes.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // the high word stays 0: no header here comes near 4 GiB
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of order) {
    const values = tensors[name].toTypedArray();
    const dtype = dtypeOf(name);
    if (dtype === 'I64') {
      for (let i = 0; i < values.length; i++, at += 8) {
        view.setInt32(at, values[i], true);
        view.setInt32(at + 4, values[i] < 0 ? -1 : 0, true);
      }
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
      at += values.byteLength;
    } else {
      const size = ITEM_SIZE[dtype];
      for (let i = 0; i < values.length; i++, at += size) {
        if (dtype === 'F32') view.setFloat32(at, values[i], true);
        else if (dtype === 'F64') view.setFloat64(at, values[i], true);
        else view.setInt32(at, values[i], true);
      }
    }
  }
  return out;
}
