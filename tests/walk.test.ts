/**
 * The shared strided walk (`src/tensor/walk.ts`) visits exactly the positions the plain
 * definition gives, in row-major order, for any shape, strides (0 included) and offsets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StridedWalk, positionAt } from '../src/tensor/walk.js';

/** Every position the walk visits for operand k, in visiting order. */
function visited(walk: StridedWalk, k: number): number[] {
  const out: number[] = [];
  for (let block = 0; block < walk.blocks; block++, walk.next()) {
    for (let r = 0, row = walk.starts[k]; r < walk.rows; r++, row += walk.rowSteps[k]) {
      for (let i = 0, p = row; i < walk.inner; i++, p += walk.innerSteps[k]) out.push(p);
    }
  }
  return out;
}

const walkCaseArb = fc.integer({ min: 0, max: 5 }).chain((rank) => fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rank, maxLength: rank }),
  strides: fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: rank, maxLength: rank }), { minLength: 1, maxLength: 3 }),
  offsets: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 3 }),
}));

describe('StridedWalk', () => {
  it('visits positionAt(flat) for every flat index in order, for each operand', () => {
    fc.assert(fc.property(walkCaseArb, ({ shape, strides, offsets }) => {
      const size = shape.reduce((p, d) => p * d, 1);
      for (let k = 0; k < strides.length; k++) {
        const walk = new StridedWalk(shape, strides, offsets.slice(0, strides.length));
        const expected = Array.from({ length: size }, (_, flat) => positionAt(flat, shape, strides[k], offsets[k]));
        expect(visited(walk, k)).toEqual(expected);
        expect(walk.size).toBe(size);
      }
    }));
  });

  it('merges a packed shape into one block and an empty shape into none', () => {
    const packed = new StridedWalk([8, 1024, 5], [[5120, 5, 1]], [0]);
    expect([packed.blocks, packed.rows, packed.inner]).toEqual([1, 1, 8 * 1024 * 5]);
    expect(new StridedWalk([3, 0, 2], [[0, 2, 1]], [0]).blocks).toBe(0);
    const scalar = new StridedWalk([], [[]], [7]);
    expect([scalar.blocks, scalar.rows, scalar.inner, scalar.starts[0]]).toEqual([1, 1, 1, 7]);
  });
});
