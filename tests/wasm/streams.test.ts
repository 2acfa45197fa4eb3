/**
 * The float32 streams (src/tensor/wasm/streams.ts) give the same bits as the JavaScript loops:
 * add, sub, mul, div, relu and reluBackward on packed operands (with offsets, as views of a larger buffer), sizes that
 * are not multiples of four, and ±0, NaN, ±∞, subnormals and overflow among the entries; and the
 * engine's accumulation of a leaf's gradient.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parameter, sum, mul as mulOp } from '../../src/autograd/index.js';
import { add, div, mul, relu, reluBackward, sub } from '../../src/tensor/elementwise.js';
import { type MatmulBackend, setMatmulBackend } from '../../src/tensor/matmul.js';
import { expectKernelSwitch, expectSameBits, under } from '../support/backends.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { STREAMS_MIN_ENTRIES, emitStreamsModule, streamsFor } from '../../src/tensor/wasm/streams.js';

afterEach(() => {
  setMatmulBackend('auto');
});

const entryArb = fc.oneof(
  { weight: 10, arbitrary: fc.float({ noNaN: false }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38) },
);

/** A packed float32 tensor of n entries that starts `skip` entries into its buffer. */
function viewArb(n: number): fc.Arbitrary<Tensor> {
  return fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(entryArb, { minLength: n + 3, maxLength: n + 3 }))
    .map(([skip, values]) => new Tensor(Float32Array.from(values), [n], undefined, skip));
}

describe('the float32 streams', () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(emitStreamsModule())).toBe(true);
  });

  it('add, sub, mul, div, relu and reluBackward equal the JavaScript loops bit for bit', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 41 }).chain((n) => fc.tuple(viewArb(n), viewArb(n))),
      fc.constantFrom(add, sub, mul, div, (a: Tensor) => relu(a), reluBackward),
      ([a, b], op) => {
        expectSameBits(under('wasm', () => op(a, b)), under('js', () => op(a, b)));
      }), { numRuns: 300 });
  });

  it("a leaf's gradient accumulated over two uses is the same under either backend", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 23 }).chain((n) => fc.tuple(viewArb(n), viewArb(n), viewArb(n))), ([x, w1, w2]) => {
      const grads = (backend: MatmulBackend): Tensor => under(backend, () => {
        const leaf = parameter(new Tensor(x.toTypedArray(), x.shape.slice()));
        sum(mulOp(leaf, w1)).backward();
        sum(mulOp(leaf, w2)).backward(); // the second backward adds into the leaf's own buffer
        return leaf.grad as Tensor;
      });
      expectSameBits(grads('wasm'), grads('js'));
    }), { numRuns: 100 });
  });

  it("runs under 'wasm' at any size, under 'auto' from STREAMS_MIN_ENTRIES entries, and never under 'js'", () => {
    expectKernelSwitch((n) => streamsFor(n) !== null, STREAMS_MIN_ENTRIES);
  });
});
