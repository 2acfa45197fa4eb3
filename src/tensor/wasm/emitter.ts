/**
 * A small WebAssembly emitter: build a module's bytes from TypeScript, one instruction per call.
 *
 *     const fn = new FunctionBuilder(['i32', 'i32'], ['i32']);      // (i32, i32) → i32
 *     fn.localGet(fn.param(0)).localGet(fn.param(1)).i32Add();
 *     const module = new ModuleBuilder();
 *     module.addFunction('add', fn);
 *     WebAssembly.validate(module.bytes());                           // true
 *
 * WebAssembly is a stack machine: each instruction pops its operands and pushes its result, so
 * `a + b` is `local.get a; local.get b; i32.add`. Control flow is structured: `block … end` and
 * `loop … end` open labels, and `br n` / `br_if n` jump to the n-th enclosing label (0 = the
 * innermost): to the end of a block (a `break`), or back to the start of a loop (a `continue`).
 *
 * What is here is what the kernels need and no more: locals, blocks, loops and branches, i32
 * arithmetic, bit operations and comparisons, f32 and f64 scalars, f32, f64 and v128 loads and stores, and of the
 * SIMD128 proposal (which every current engine ships) the f32x4 lanes (four float32) for the
 * matmul and the fused float32 ops, and the f64x2 lanes (two float64) for fused ops that must
 * round exactly as their JavaScript reference, which computes in float64. The module holds
 * functions, one memory, and exports. Nothing checks the stack here; `WebAssembly.validate` does,
 * and the tests run it on every module the library emits.
 *
 * Binary layout (https://webassembly.github.io/spec/core/binary/): the magic `\0asm`, version 1,
 * then sections in id order: type (1), function (3), memory (5), export (7), code (10).
 *
 * @module
 */
import { encodeName, encodeSection, encodeVector, float32Bytes, float64Bytes, signedLeb128, unsignedLeb128 } from './encoding.js';

/** The value types a local, parameter or result can have. */
export type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALUE_TYPE_BYTE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A local variable (parameters count as locals, first), typed so helpers can say what they hold. */
export interface Local<T extends ValueType = ValueType> {
  readonly index: number;
  readonly type: T;
}

/** Opcodes of the instructions the builder emits (core spec, chapter 5.4). */
const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  select: 0x1b,
  f32Load: 0x2a, f64Load: 0x2b, f32Store: 0x38, f64Store: 0x39,
  i32Const: 0x41, f32Const: 0x43, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32GeS: 0x4e, i32GeU: 0x4f,
  i32Load: 0x28, i32Store: 0x36,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76, i32Rotl: 0x77,
  f64ConvertI32U: 0xb8,
  f32Le: 0x5f, f64Ne: 0x62, f64Le: 0x65,
  f32Add: 0x92, f32Sub: 0x93, f32Mul: 0x94, f32Div: 0x95, f64Sqrt: 0x9f,
  f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2, f64Div: 0xa3,
  f32DemoteF64: 0xb6, f64PromoteF32: 0xbb,
  simdPrefix: 0xfd,
} as const;

/** SIMD128 opcodes, written after the 0xfd prefix as unsigned LEB128. */
const SIMD = {
  v128Load: 0, v128Load32Splat: 9, v128Store: 11, f32x4Splat: 19, f64x2Splat: 20, f32x4ExtractLane: 31,
  f64x2ExtractLane: 33, f32x4Le: 69, f64x2Le: 75, v128AndNot: 79, v128Store64Lane: 91, v128Load64Zero: 93,
  f32x4DemoteF64x2Zero: 94, f64x2PromoteLowF32x4: 95,
  f32x4Add: 228, f32x4Sub: 229, f32x4Mul: 230, f32x4Div: 231, f64x2Sqrt: 239, f64x2Add: 240, f64x2Sub: 241, f64x2Mul: 242,
  f64x2Div: 243,
} as const;

/** A block with no parameters and no results (the only kind the kernels use). */
const EMPTY_BLOCK_TYPE = 0x40;

/**
 * One function's signature, locals and body. Instruction methods append bytes and return `this`,
 * so a line of code can read as a line of the stack program.
 */
export class FunctionBuilder {
  /** The signature: parameter types, then result types. */
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  private readonly localTypes: ValueType[] = [];
  private readonly code: number[] = [];
  /** Open blocks, loops and ifs, so `finish` can catch an unclosed one. */
  private depth = 0;

  constructor(params: readonly ValueType[], results: readonly ValueType[] = []) {
    this.params = params.slice();
    this.results = results.slice();
  }

  /** Parameter `i` as a local (parameters are locals 0 … params.length − 1). */
  param<T extends ValueType>(i: number, type?: T): Local<T> {
    if (!Number.isInteger(i) || i < 0 || i >= this.params.length) {
      throw new RangeError(`FunctionBuilder.param: no parameter ${i}; the function has ${this.params.length}`);
    }
    if (type !== undefined && this.params[i] !== type) {
      throw new TypeError(`FunctionBuilder.param: parameter ${i} is ${this.params[i]}, not ${type}`);
    }
    return { index: i, type: this.params[i] as T };
  }

  /** Declares a new local of `type` (zero at entry). */
  local<T extends ValueType>(type: T): Local<T> {
    this.localTypes.push(type);
    return { index: this.params.length + this.localTypes.length - 1, type };
  }

  // --- variables ---------------------------------------------------------------------------
  localGet(local: Local): this { return this.emit(OP.localGet, ...unsignedLeb128(local.index)); }
  localSet(local: Local): this { return this.emit(OP.localSet, ...unsignedLeb128(local.index)); }
  localTee(local: Local): this { return this.emit(OP.localTee, ...unsignedLeb128(local.index)); }

  // --- control -----------------------------------------------------------------------------
  /** `block … end`: inside, `br 0` jumps past the end (a break). */
  block(body: () => void): this { return this.structured(OP.block, body); }
  /** `loop … end`: inside, `br 0` jumps back to the start (a continue); falling off the end leaves. */
  loop(body: () => void): this { return this.structured(OP.loop, body); }
  /** `if … else … end`: pops an i32 condition; runs `then` when it is non-zero, else `otherwise`. */
  if(then: () => void, otherwise?: () => void): this {
    this.emit(OP.if, EMPTY_BLOCK_TYPE);
    this.depth++;
    then();
    if (otherwise !== undefined) {
      this.emit(OP.else);
      otherwise();
    }
    this.depth--;
    return this.emit(OP.end);
  }
  /** Jumps to the `label`-th enclosing block, loop or if (0 = innermost). */
  br(label: number): this { return this.emit(OP.br, ...unsignedLeb128(label)); }
  /** Pops an i32; jumps like `br` when it is non-zero. */
  brIf(label: number): this { return this.emit(OP.brIf, ...unsignedLeb128(label)); }
  return(): this { return this.emit(OP.return); }

  /**
   * `for (counter = start; counter < end; counter += step) body()`, for i32 locals (or constants), as
   * `block (loop (br_if 1 (counter ≥ end) … counter += step; br 0))`. Compares signed.
   * Inside `body`, label 0 is the loop (continue) and label 1 the block (break).
   */
  forRange(counter: Local<'i32'>, start: Local<'i32'> | number, end: Local<'i32'> | number, step: Local<'i32'> | number, body: () => void): this {
    this.push(start).localSet(counter);
    return this.block(() => {
      this.loop(() => {
        this.localGet(counter).push(end).i32GeS().brIf(1);
        body();
        this.localGet(counter).push(step).i32Add().localSet(counter);
        this.br(0);
      });
    });
  }

  /** Pushes an i32 local's value, or an i32 constant. */
  push(value: Local<'i32'> | number): this {
    return typeof value === 'number' ? this.i32Const(value) : this.localGet(value);
  }

  // --- i32 ---------------------------------------------------------------------------------
  i32Const(value: number): this { return this.emit(OP.i32Const, ...signedLeb128(value)); }
  i32Add(): this { return this.emit(OP.i32Add); }
  i32Sub(): this { return this.emit(OP.i32Sub); }
  i32Mul(): this { return this.emit(OP.i32Mul); }
  i32And(): this { return this.emit(OP.i32And); }
  i32Or(): this { return this.emit(OP.i32Or); }
  i32Xor(): this { return this.emit(OP.i32Xor); }
  i32Shl(): this { return this.emit(OP.i32Shl); }
  /** Shift right, filling with zeros (JavaScript's `>>>`). */
  i32ShrU(): this { return this.emit(OP.i32ShrU); }
  /** Rotate left: (x << k) | (x >>> (32 − k)). */
  i32Rotl(): this { return this.emit(OP.i32Rotl); }
  /** Pops an address; pushes the i32 at address + offset. */
  i32Load(offset = 0): this { return this.emit(OP.i32Load, ...memarg(2, offset)); }
  /** Pops an address and an i32; stores it at address + offset. */
  i32Store(offset = 0): this { return this.emit(OP.i32Store, ...memarg(2, offset)); }
  i32Eqz(): this { return this.emit(OP.i32Eqz); }
  i32Eq(): this { return this.emit(OP.i32Eq); }
  i32Ne(): this { return this.emit(OP.i32Ne); }
  i32LtS(): this { return this.emit(OP.i32LtS); }
  i32LtU(): this { return this.emit(OP.i32LtU); }
  i32GtS(): this { return this.emit(OP.i32GtS); }
  i32GtU(): this { return this.emit(OP.i32GtU); }
  i32GeS(): this { return this.emit(OP.i32GeS); }
  i32GeU(): this { return this.emit(OP.i32GeU); }

  // --- f32 ---------------------------------------------------------------------------------
  f32Const(value: number): this { return this.emit(OP.f32Const, ...float32Bytes(value)); }
  f32Add(): this { return this.emit(OP.f32Add); }
  f32Sub(): this { return this.emit(OP.f32Sub); }
  f32Mul(): this { return this.emit(OP.f32Mul); }
  f32Div(): this { return this.emit(OP.f32Div); }
  /** Pops b, a; pushes i32 1 when a ≤ b (0 for NaN). */
  f32Le(): this { return this.emit(OP.f32Le); }
  /** Pops an address; pushes the float32 at address + offset (4-byte aligned). */
  f32Load(offset = 0): this { return this.emit(OP.f32Load, ...memarg(2, offset)); }
  /** Pops an address and a float32; stores it at address + offset. */
  f32Store(offset = 0): this { return this.emit(OP.f32Store, ...memarg(2, offset)); }

  // --- f64 ---------------------------------------------------------------------------------
  f64Const(value: number): this { return this.emit(OP.f64Const, ...float64Bytes(value)); }
  f64Add(): this { return this.emit(OP.f64Add); }
  f64Sub(): this { return this.emit(OP.f64Sub); }
  f64Mul(): this { return this.emit(OP.f64Mul); }
  f64Div(): this { return this.emit(OP.f64Div); }
  /** √x, correctly rounded (as `Math.sqrt`). */
  f64Sqrt(): this { return this.emit(OP.f64Sqrt); }
  /** Pops b, a; pushes i32 1 when a ≤ b (0 for NaN). */
  f64Le(): this { return this.emit(OP.f64Le); }
  /** Pops b, a; pushes i32 1 when a ≠ b (1 for NaN). */
  f64Ne(): this { return this.emit(OP.f64Ne); }
  /** Pops an i32 read as unsigned; pushes it as a float64 (exact). */
  f64ConvertI32U(): this { return this.emit(OP.f64ConvertI32U); }
  /** Pops a float32; pushes it as a float64 (exact). */
  f64PromoteF32(): this { return this.emit(OP.f64PromoteF32); }
  /** Pops a float64; pushes it rounded to the nearest float32 (as `Math.fround`). */
  f32DemoteF64(): this { return this.emit(OP.f32DemoteF64); }
  /** Pops an address; pushes the float64 at address + offset (read as 4-byte aligned). */
  f64Load(offset = 0): this { return this.emit(OP.f64Load, ...memarg(2, offset)); }
  /** Pops an address and a float64; stores it at address + offset. */
  f64Store(offset = 0): this { return this.emit(OP.f64Store, ...memarg(2, offset)); }
  /** Pops a condition c, then b, then a (of one type); pushes a when c ≠ 0, else b. */
  select(): this { return this.emit(OP.select); }

  // --- v128, f32x4 and f64x2 -----------------------------------------------------------------
  /** Pops an address; pushes the 16 bytes at address + offset as one v128. */
  v128Load(offset = 0): this { return this.simd(SIMD.v128Load, ...memarg(4, offset)); }
  /** Pops an address; pushes the float32 at address + offset copied into all four lanes. */
  v128Load32Splat(offset = 0): this { return this.simd(SIMD.v128Load32Splat, ...memarg(2, offset)); }
  /** Pops an address and a v128; stores the v128 at address + offset. */
  v128Store(offset = 0): this { return this.simd(SIMD.v128Store, ...memarg(4, offset)); }
  /** Pops a float32; pushes it copied into four lanes. */
  f32x4Splat(): this { return this.simd(SIMD.f32x4Splat); }
  /** Pops a v128; pushes its float32 lane `lane` (0 … 3). */
  f32x4ExtractLane(lane: number): this {
    if (!Number.isInteger(lane) || lane < 0 || lane > 3) throw new RangeError(`f32x4ExtractLane: lane must be 0 … 3, got ${lane}`);
    return this.simd(SIMD.f32x4ExtractLane, lane);
  }
  /** Lane-wise a + b. */
  f32x4Add(): this { return this.simd(SIMD.f32x4Add); }
  /** Lane-wise a − b. */
  f32x4Sub(): this { return this.simd(SIMD.f32x4Sub); }
  /** Lane-wise a · b. */
  f32x4Mul(): this { return this.simd(SIMD.f32x4Mul); }
  /** Lane-wise a / b. */
  f32x4Div(): this { return this.simd(SIMD.f32x4Div); }
  /** Lane-wise a ≤ b: all ones where true, zeros where false (and where either is NaN). */
  f32x4Le(): this { return this.simd(SIMD.f32x4Le); }
  /** Pops an address; pushes the 8 bytes there (two float32) in the low half, zeros in the high. */
  v128Load64Zero(offset = 0): this { return this.simd(SIMD.v128Load64Zero, ...memarg(2, offset)); }
  /** Pops an address and a v128; stores the v128's low 8 bytes (two float32) at address + offset. */
  v128Store64Low(offset = 0): this { return this.simd(SIMD.v128Store64Lane, ...memarg(2, offset), 0); }
  /** Bitwise a AND NOT b: with b a comparison's mask, zeroes a's lanes where the comparison held. */
  v128AndNot(): this { return this.simd(SIMD.v128AndNot); }
  /** Pops a float64; pushes it copied into two lanes. */
  f64x2Splat(): this { return this.simd(SIMD.f64x2Splat); }
  /** Pops a v128; pushes its float64 lane `lane` (0 or 1). */
  f64x2ExtractLane(lane: number): this {
    if (lane !== 0 && lane !== 1) throw new RangeError(`f64x2ExtractLane: lane must be 0 or 1, got ${lane}`);
    return this.simd(SIMD.f64x2ExtractLane, lane);
  }
  /** Lane-wise a + b, in float64. */
  f64x2Add(): this { return this.simd(SIMD.f64x2Add); }
  /** Lane-wise a − b, in float64. */
  f64x2Sub(): this { return this.simd(SIMD.f64x2Sub); }
  /** Lane-wise a · b, in float64. */
  f64x2Mul(): this { return this.simd(SIMD.f64x2Mul); }
  /** Lane-wise a / b, in float64. */
  f64x2Div(): this { return this.simd(SIMD.f64x2Div); }
  /** Lane-wise √x, in float64, correctly rounded. */
  f64x2Sqrt(): this { return this.simd(SIMD.f64x2Sqrt); }
  /** Lane-wise a ≤ b, in float64: all ones where true, zeros where false or NaN. */
  f64x2Le(): this { return this.simd(SIMD.f64x2Le); }
  /** The low two float32 lanes as two float64 lanes (exact). */
  f64x2PromoteLow(): this { return this.simd(SIMD.f64x2PromoteLowF32x4); }
  /** Two float64 lanes rounded to float32 (as `Math.fround`) in the low two lanes; zeros above. */
  f32x4DemoteZero(): this { return this.simd(SIMD.f32x4DemoteF64x2Zero); }

  /** The function's entry in the code section: locals (grouped by type), body, `end`. */
  encodeBody(): number[] {
    if (this.depth !== 0) throw new Error(`FunctionBuilder: ${this.depth} block(s) left open`);
    const groups: number[][] = [];
    for (let i = 0; i < this.localTypes.length;) {
      let run = 1;
      while (i + run < this.localTypes.length && this.localTypes[i + run] === this.localTypes[i]) run++;
      groups.push([...unsignedLeb128(run), VALUE_TYPE_BYTE[this.localTypes[i]]]);
      i += run;
    }
    const body = [...encodeVector(groups), ...this.code, OP.end];
    return [...unsignedLeb128(body.length), ...body];
  }

  /** The function type's encoding: `0x60`, parameter types, result types. */
  encodeType(): number[] {
    const types = (list: readonly ValueType[]) => encodeVector(list.map((type) => [VALUE_TYPE_BYTE[type]]));
    return [0x60, ...types(this.params), ...types(this.results)];
  }

  private structured(opcode: number, body: () => void): this {
    this.emit(opcode, EMPTY_BLOCK_TYPE);
    this.depth++;
    body();
    this.depth--;
    return this.emit(OP.end);
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.emit(OP.simdPrefix, ...unsignedLeb128(opcode), ...immediates);
  }

  private emit(...bytes: number[]): this {
    for (const byte of bytes) this.code.push(byte);
    return this;
  }
}

/** A memory operand: log₂ of the alignment, then the constant offset added to the address. */
function memarg(alignLog2: number, offset: number): number[] {
  return [...unsignedLeb128(alignLog2), ...unsignedLeb128(offset)];
}

/** Section ids, in the order the binary format requires. */
const SECTION = { type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;
/** Export kinds. */
const EXPORT_KIND = { function: 0, memory: 2 } as const;

/**
 * A module: functions (each exported under a name), and optionally one memory exported as
 * `"memory"`. {@link ModuleBuilder.bytes} encodes it.
 */
export class ModuleBuilder {
  private readonly functions: { name: string; builder: FunctionBuilder }[] = [];
  private memoryPages: number | undefined;

  /** Adds a function, exported as `name`; returns its index (for `call`). */
  addFunction(name: string, builder: FunctionBuilder): number {
    if (this.functions.some((f) => f.name === name)) throw new Error(`ModuleBuilder: a function named '${name}' already exists`);
    this.functions.push({ name, builder });
    return this.functions.length - 1;
  }

  /** Gives the module a memory of `initialPages` pages (64 KiB each) to start with, exported as `"memory"`. */
  addMemory(initialPages: number): this {
    this.memoryPages = initialPages;
    return this;
  }

  /** The module's binary encoding. */
  bytes(): Uint8Array<ArrayBuffer> {
    // One type entry per distinct signature.
    const typeKeys: string[] = [];
    const typeEntries: number[][] = [];
    const typeIndexOf = this.functions.map(({ builder }) => {
      const entry = builder.encodeType();
      const key = entry.join(',');
      let index = typeKeys.indexOf(key);
      if (index < 0) {
        index = typeKeys.push(key) - 1;
        typeEntries.push(entry);
      }
      return index;
    });
    const exports = this.functions.map(({ name }, index) => [...encodeName(name), EXPORT_KIND.function, ...unsignedLeb128(index)]);
    if (this.memoryPages !== undefined) exports.push([...encodeName('memory'), EXPORT_KIND.memory, 0]);

    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
    const add = (section: number[]) => { for (const byte of section) out.push(byte); };
    add(encodeSection(SECTION.type, encodeVector(typeEntries)));
    add(encodeSection(SECTION.function, encodeVector(typeIndexOf.map((index) => unsignedLeb128(index)))));
    // Limits flag 0: a minimum only, so the memory can grow as far as the engine allows.
    if (this.memoryPages !== undefined) add(encodeSection(SECTION.memory, encodeVector([[0x00, ...unsignedLeb128(this.memoryPages)]])));
    add(encodeSection(SECTION.export, encodeVector(exports)));
    add(encodeSection(SECTION.code, encodeVector(this.functions.map(({ builder }) => builder.encodeBody()))));
    return Uint8Array.from(out);
  }
}
