/**
 * The WebAssembly emitter: LEB128 and section encodings against the spec's own examples and a
 * decoder written from the spec, and modules built with the emitter validated and run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeName, encodeSection, encodeVector, float32Bytes, float64Bytes, signedLeb128, unsignedLeb128 } from '../../src/tensor/wasm/encoding.js';
import { FunctionBuilder, ModuleBuilder } from '../../src/tensor/wasm/emitter.js';
import { emitGemmModule } from '../../src/tensor/wasm/gemm.js';
import { simdProbeModule } from '../../src/tensor/wasm/backend.js';
import { emitFusedModule } from '../../src/models/fused-simd.js';

/** Reads LEB128 back, straight from the spec: 7 bits per byte, low first, sign-extend if signed. */
function decodeLeb128(bytes: readonly number[], signed: boolean): { value: number; length: number } {
  let result = 0n;
  let shift = 0n;
  let i = 0;
  for (;;) {
    const byte = bytes[i++];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      if (signed && (byte & 0x40) !== 0) result -= 1n << shift;
      return { value: Number(result), length: i };
    }
  }
}

function instantiate(module: ModuleBuilder): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(module.bytes()), {}).exports as Record<string, unknown>;
}

describe('LEB128', () => {
  it('encodes the examples of the spec and of Wikipedia', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(signedLeb128(0)).toEqual([0x00]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]); // 0x40 alone would be −64
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(-0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('round-trips every unsigned 32-bit value through the spec decoder, in the fewest bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
      const bytes = unsignedLeb128(value);
      expect(decodeLeb128(bytes, false)).toEqual({ value, length: bytes.length });
      expect(bytes.length).toBe(Math.max(1, Math.ceil(Math.log2(value + 1) / 7)));
    }));
  });

  it('round-trips every signed 32-bit value, in the fewest bytes', () => {
    fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (value) => {
      const bytes = signedLeb128(value);
      expect(decodeLeb128(bytes, true)).toEqual({ value, length: bytes.length });
      // Significant bits, counting the sign bit: n bytes hold 7n of them.
      const bits = value >= 0 ? Math.ceil(Math.log2(value + 1)) + 1 : Math.ceil(Math.log2(-value)) + 1;
      expect(bytes.length).toBe(Math.ceil(bits / 7));
    }));
  });

  it('rejects values out of range, naming the encoding', () => {
    expect(() => unsignedLeb128(-1)).toThrow(/unsignedLeb128.*-1/);
    expect(() => unsignedLeb128(2 ** 32)).toThrow(/unsignedLeb128/);
    expect(() => unsignedLeb128(1.5)).toThrow(/unsignedLeb128/);
    expect(() => signedLeb128(2 ** 31)).toThrow(/signedLeb128/);
  });
});

describe('names, vectors and sections', () => {
  it('prefix their byte length or count', () => {
    expect(encodeName('gemm')).toEqual([4, 0x67, 0x65, 0x6d, 0x6d]);
    expect(encodeName('π')).toEqual([2, 0xcf, 0x80]); // UTF-8 bytes, not characters
    expect(encodeVector([[1, 2], [3]])).toEqual([2, 1, 2, 3]);
    expect(float32Bytes(1)).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(float64Bytes(1)).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(float64Bytes(-2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0]);
  });

  it('a section is its id, then the byte length of the contents as LEB128, then the contents', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }), (id, contents) => {
      const section = encodeSection(id, contents);
      expect(section[0]).toBe(id);
      const { value, length } = decodeLeb128(section.slice(1), false);
      expect(value).toBe(contents.length);
      expect(section.slice(1 + length)).toEqual(contents);
    }));
  });

  it('a module lists its sections in id order, each as long as its header says', () => {
    const fn = new FunctionBuilder(['i32'], ['i32']);
    fn.localGet(fn.param(0));
    const module = new ModuleBuilder();
    module.addFunction('identity', fn);
    module.addMemory(2);
    const bytes = Array.from(module.bytes());
    expect(bytes.slice(0, 8)).toEqual([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const ids: number[] = [];
    let at = 8;
    while (at < bytes.length) {
      ids.push(bytes[at]);
      const { value, length } = decodeLeb128(bytes.slice(at + 1), false);
      at += 1 + length + value;
    }
    expect(at).toBe(bytes.length);
    expect(ids).toEqual([1, 3, 5, 7, 10]);
  });
});

describe('emitted modules', () => {
  it('every module the library emits validates: the SIMD probe, the fused ops and the matmul kernel for every tile height', () => {
    expect(WebAssembly.validate(simdProbeModule())).toBe(true);
    expect(WebAssembly.validate(emitFusedModule())).toBe(true);
    for (let rows = 1; rows <= 6; rows++) expect(WebAssembly.validate(emitGemmModule(rows))).toBe(true);
    expect(() => emitGemmModule(7)).toThrow(/rows must be 1 … 6/);
  });

  it('runs i32 arithmetic, locals and a counted loop: Σ i·i for i < n', () => {
    const fn = new FunctionBuilder(['i32'], ['i32']);
    const n = fn.param(0, 'i32');
    const i = fn.local('i32');
    const total = fn.local('i32');
    fn.forRange(i, 0, n, 1, () => {
      fn.localGet(total).localGet(i).localGet(i).i32Mul().i32Add().localSet(total);
    });
    fn.localGet(total);
    const module = new ModuleBuilder();
    module.addFunction('sumOfSquares', fn);
    const { sumOfSquares } = instantiate(module) as { sumOfSquares: (n: number) => number };
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (count) => {
      expect(sumOfSquares(count)).toBe(((count - 1) * count * (2 * count - 1)) / 6);
    }));
  });

  it('runs v128 loads and stores and f32x4 splat, mul and add: y ← a·x + y over memory', () => {
    // axpy(n, a): y[i] += a·x[i] for i < n (n a multiple of 4), x at byte 0, y at byte 4n.
    const fn = new FunctionBuilder(['i32', 'f32']);
    const n = fn.param(0, 'i32');
    const a = fn.param(1, 'f32');
    const i = fn.local('i32');
    const end = fn.local('i32');
    const y = fn.local('i32');
    const aaaa = fn.local('v128');
    fn.localGet(a).f32x4Splat().localSet(aaaa);
    fn.localGet(n).i32Const(4).i32Mul().localSet(end);
    fn.forRange(i, 0, end, 16, () => {
      fn.localGet(i).localGet(end).i32Add().localSet(y);
      fn.localGet(y)
        .localGet(aaaa).localGet(i).v128Load().f32x4Mul()
        .localGet(y).v128Load().f32x4Add()
        .v128Store();
    });
    const module = new ModuleBuilder();
    module.addFunction('axpy', fn);
    module.addMemory(1);
    const { axpy, memory } = instantiate(module) as { axpy: (n: number, a: number) => void; memory: WebAssembly.Memory };
    const values = new Float32Array(memory.buffer, 0, 16);
    values.set([1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80]);
    axpy(8, 0.5);
    expect(Array.from(values.subarray(8))).toEqual([10.5, 21, 31.5, 42, 52.5, 63, 73.5, 84]);
    expect(Array.from(values.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('runs float64 lanes: float32 pairs promoted, scaled in float64, ReLU by compare and and-not, rounded back', () => {
    // scaleRelu(n, c): y[i] = fround(ReLU(x[i] · c)) for i < n (n even), x at byte 0, y at byte 4n.
    const fn = new FunctionBuilder(['i32', 'f64']);
    const [n, c] = [fn.param(0, 'i32'), fn.param(1, 'f64')];
    const i = fn.local('i32');
    const v = fn.local('v128');
    fn.forRange(i, 0, n, 2, () => {
      fn.localGet(i).i32Const(4).i32Mul().v128Load64Zero().f64x2PromoteLow().localGet(c).f64x2Splat().f64x2Mul().localSet(v);
      fn.localGet(n).localGet(i).i32Add().i32Const(4).i32Mul();
      fn.localGet(v).localGet(v).f64Const(0).f64x2Splat().f64x2Le().v128AndNot().f32x4DemoteZero().v128Store64Low();
    });
    const module = new ModuleBuilder();
    module.addFunction('scaleRelu', fn);
    module.addMemory(1);
    const { scaleRelu, memory } = instantiate(module) as { scaleRelu: (n: number, c: number) => void; memory: WebAssembly.Memory };
    const values = new Float32Array(memory.buffer);
    fc.assert(fc.property(
      fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 32 }).map((xs) => (xs.length % 2 === 0 ? xs : [...xs, 0])),
      fc.double({ min: -1e3, max: 1e3, noNaN: true }),
      (xs, scale) => {
        values.set(xs);
        scaleRelu(xs.length, scale);
        xs.forEach((x, k) => {
          const product = Math.fround(x) * scale;
          expect(Object.is(values[xs.length + k], Math.fround(product <= 0 ? 0 : product))).toBe(true);
        });
      }));
  });

  it('branches: if/else and br_if pick the larger of two numbers', () => {
    const fn = new FunctionBuilder(['i32', 'i32'], ['i32']);
    const [x, y] = [fn.param(0, 'i32'), fn.param(1, 'i32')];
    const result = fn.local('i32');
    fn.localGet(x).localGet(y).i32GtS().if(() => { fn.localGet(x).localSet(result); }, () => { fn.localGet(y).localSet(result); });
    fn.localGet(result);
    const module = new ModuleBuilder();
    module.addFunction('max', fn);
    const { max } = instantiate(module) as { max: (x: number, y: number) => number };
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (p, q) => {
      expect(max(p, q)).toBe(Math.max(p, q));
    }));
  });

  it('refuses what it cannot encode: a missing parameter, a wrong type, a duplicate name', () => {
    const fn = new FunctionBuilder(['i32']);
    expect(() => fn.param(1)).toThrow(/no parameter 1/);
    expect(() => fn.param(0, 'f32')).toThrow(/parameter 0 is i32, not f32/);
    const module = new ModuleBuilder();
    module.addFunction('f', fn);
    expect(() => module.addFunction('f', new FunctionBuilder([]))).toThrow(/already exists/);
  });
});
