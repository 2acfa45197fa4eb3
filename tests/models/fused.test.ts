/**
 * The fused toy-model ops equal the compositions they replace, forward and backward, and pass a
 * gradient check; off their layout they fall back to the composition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { linearReadoutLoss, reluOfShiftedSum, reluOfSum, reluReadoutLoss, weightedSquaredError } from '../../src/models/fused.js';
import { under } from '../support/backends.js';
import * as kernels from '../../src/tensor/kernels.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { checkGradients, float64Arb } from '../support/gradients.js';

const layoutArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }));

function float32Arb(shape: number[]): fc.Arbitrary<Tensor> {
  return float64Arb(shape).map((t) => kernels.astype(t, 'float32'));
}

describe('reluOfSum', () => {
  it('equals relu(add(z, b)) with its gradients, in float32', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float32Arb([I, B, n]), float32Arb([I, 1, n]), float32Arb([I, B, n]))),
      ([z, b, seed]) => {
        const [valueFused, gradsFused] = ag.valueAndGrad((zz, bb) => ag.sum(ag.mul(reluOfSum(zz, bb), seed)))(z, b);
        const [valueComposed, gradsComposed] = ag.valueAndGrad((zz, bb) => ag.sum(ag.mul(ag.relu(ag.add(zz, bb)), seed)))(z, b);
        expect(Math.abs(valueFused.item() - valueComposed.item())).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(valueComposed.item())));
        for (let k = 0; k < 2; k++) expect(kernels.allClose(gradsFused[k], gradsComposed[k], { rtol: 1e-5, atol: 1e-6 })).toBe(true);
        expect(kernels.arrayEqual(reluOfSum(z, b), ag.relu(ag.add(z, b)))).toBe(true);
      }));
  });

  it('passes a float64 gradient check away from the kink', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float64Arb([I, B, n], { kinks: [0] }), fc.constant(kernels.zeros([I, 1, n], 'float64')))),
      ([z, b]) => { checkGradients((zz, bb) => reluOfSum(zz, bb), [z, b]); }), { numRuns: 30 });
  });

  it('falls back to the composition for other layouts', () => {
    const z = kernels.transpose(kernels.uniform([2, 3, 4], { seed: 1, low: -1, high: 1 }), 1, 2); // [2,4,3], strided
    const b = kernels.uniform([3], { seed: 2 });
    expect(kernels.arrayEqual(reluOfSum(z, b), kernels.relu(kernels.add(z, b)))).toBe(true);
    expect(reluOfSum(z, b).node).toBeNull(); // a constant here; a parameter would record relu(add)
  });
});

describe('reluOfShiftedSum', () => {
  it('equals relu(add(sub(z, c), b)) bit for bit, value and all three gradients, in float32 and float64', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float64Arb([I, B, n]), float64Arb([I, 1, n]), float64Arb([I, 1, n]), float64Arb([I, B, n]))),
      fc.boolean(),
      ([z64, c64, b64, seed64], single) => {
        const cast = (t: Tensor): Tensor => (single ? kernels.astype(t, 'float32') : t);
        const [z, c, b, seed] = [z64, c64, b64, seed64].map(cast);
        const fused = (zz: Tensor, cc: Tensor, bb: Tensor) => ag.sum(ag.mul(reluOfShiftedSum(zz, cc, bb), seed));
        const composed = (zz: Tensor, cc: Tensor, bb: Tensor) => ag.sum(ag.mul(ag.relu(ag.add(ag.sub(zz, cc), bb)), seed));
        const [valueFused, gradsFused] = ag.valueAndGrad(fused)(z, c, b);
        const [valueComposed, gradsComposed] = ag.valueAndGrad(composed)(z, c, b);
        expect(valueFused.item()).toBe(valueComposed.item());
        for (let k = 0; k < 3; k++) expect(kernels.arrayEqual(gradsFused[k], gradsComposed[k])).toBe(true);
        expect(kernels.arrayEqual(reluOfShiftedSum(z, c, b), ag.relu(ag.add(ag.sub(z, c), b)))).toBe(true);
      }));
  });

  it('sends no gradient to a constant shift or bias, and falls back off its layout', () => {
    const z = ag.parameter(kernels.uniform([2, 3, 4], { seed: 1, low: -1, high: 1 }));
    const c = kernels.uniform([2, 1, 4], { seed: 2 });
    const b = ag.parameter(kernels.uniform([2, 1, 4], { seed: 3 }));
    ag.sum(reluOfShiftedSum(z, c, b)).backward();
    expect(z.grad).not.toBeNull();
    expect(kernels.arrayEqual(b.grad as Tensor, kernels.sum(z.grad as Tensor, [1], { keepDims: true }))).toBe(true);
    const strided = kernels.transpose(kernels.uniform([2, 4, 3], { seed: 4 }), 1, 2); // [2,3,4], not packed
    expect(kernels.arrayEqual(reluOfShiftedSum(strided, c, b), kernels.relu(kernels.add(kernels.sub(strided, c), b)))).toBe(true);
  });
});

describe('weightedSquaredError', () => {
  it('equals mean(mul(square(sub(t, p)), w), [1, 2]) with its gradient', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float32Arb([I, B, n]), float32Arb([I, B, n]), float32Arb([I, 1, n]), float32Arb([I]))),
      ([p, t, w, seed]) => {
        const fused = (pp: Tensor) => ag.sum(ag.mul(weightedSquaredError(pp, t, w), seed));
        const composed = (pp: Tensor) => ag.sum(ag.mul(ag.mean(ag.mul(ag.square(ag.sub(t, pp)), w), [1, 2]), seed));
        const [vf, [gf]] = ag.valueAndGrad(fused)(p);
        const [vc, [gc]] = ag.valueAndGrad(composed)(p);
        expect(Math.abs(vf.item() - vc.item())).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(vc.item())));
        expect(kernels.allClose(gf, gc, { rtol: 1e-4, atol: 1e-6 })).toBe(true);
      }));
  });

  it('passes a float64 gradient check', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float64Arb([I, B, n]), float64Arb([I, B, n]), float64Arb([I, 1, n], { min: 0, max: 2 }))),
      ([p, t, w]) => { checkGradients((pp) => weightedSquaredError(pp, t, w), [p]); }), { numRuns: 30 });
  });

  it('lets gradients reach a target that requires grad (by the composition)', () => {
    const p = kernels.ones([1, 2, 1]);
    const t = ag.parameter(kernels.zeros([1, 2, 1]));
    ag.sum(weightedSquaredError(p, t, kernels.ones([1, 1, 1]))).backward();
    expect(t.grad?.toArray()).toEqual([[[-1], [-1]]]); // d/dt mean((t − p)²) = 2(t − p)/2
  });
});

describe('reluReadoutLoss', () => {
  it('equals weightedSquaredError(relu(add(z, b)), t, w) with its gradients', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float32Arb([I, B, n]), float32Arb([I, 1, n]), float32Arb([I, B, n]), float32Arb([I, 1, n]), float32Arb([I]))),
      ([z, b, t, w, seed]) => {
        const fused = (zz: Tensor, bb: Tensor) => ag.sum(ag.mul(reluReadoutLoss(zz, bb, t, w), seed));
        const composed = (zz: Tensor, bb: Tensor) => ag.sum(ag.mul(ag.mean(ag.mul(ag.square(ag.sub(t, ag.relu(ag.add(zz, bb)))), w), [1, 2]), seed));
        const [vf, gf] = ag.valueAndGrad(fused)(z, b);
        const [vc, gc] = ag.valueAndGrad(composed)(z, b);
        expect(Math.abs(vf.item() - vc.item())).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(vc.item())));
        for (let k = 0; k < 2; k++) expect(kernels.allClose(gf[k], gc[k], { rtol: 1e-4, atol: 1e-6 })).toBe(true);
      }));
  });

  it('passes a float64 gradient check away from the kink', () => {
    fc.assert(fc.property(
      layoutArb.chain(([I, B, n]) => fc.tuple(float64Arb([I, B, n], { kinks: [0] }), float64Arb([I, B, n]), float64Arb([I, 1, n], { min: 0, max: 2 }))),
      ([z, t, w]) => {
        const b = kernels.zeros([z.shape[0], 1, z.shape[2]], 'float64');
        checkGradients((zz, bb) => reluReadoutLoss(zz, bb, t, w), [z, b]);
      }), { numRuns: 30 });
  });
});

describe('linearReadoutLoss', () => {
  it('equals weightedSquaredError(add(z, b), t, w) bit for bit, loss and both gradients, on either kernel backend, float32 and float64', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }))
        .chain(([I, B, n]) => fc.tuple(float64Arb([I, B, n]), float64Arb([I, 1, n]), float64Arb([I, B, n]), float64Arb([I, 1, n]), float64Arb([I]))),
      fc.boolean(),
      fc.constantFrom('js' as const, 'wasm' as const),
      ([z64, b64, t64, w64, seed64], single, backend) => {
        const cast = (t: Tensor): Tensor => (single ? kernels.astype(t, 'float32') : t);
        const [z, b, t, w, seed] = [z64, b64, t64, w64, seed64].map(cast);
        const fused = (zz: Tensor, bb: Tensor) => ag.sum(ag.mul(linearReadoutLoss(zz, bb, t, w), seed));
        const composed = (zz: Tensor, bb: Tensor) => ag.sum(ag.mul(weightedSquaredError(ag.add(zz, bb), t, w), seed));
        const [valueFused, gradsFused] = under(backend, () => ag.valueAndGrad(fused)(z, b));
        const [valueComposed, gradsComposed] = under('js', () => ag.valueAndGrad(composed)(z, b));
        expect(valueFused.item()).toBe(valueComposed.item());
        for (let k = 0; k < 2; k++) {
          expect(gradsFused[k].dtype).toBe(gradsComposed[k].dtype);
          const [got, want] = [gradsFused[k].toTypedArray(), gradsComposed[k].toTypedArray()];
          for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`gradient ${k}, entry ${i}: ${got[i]} vs ${want[i]}`);
        }
      }), { numRuns: 300 });
  });
});

