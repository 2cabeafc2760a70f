/**
 * Property tests for contracts/layers/BatchNormalization.sol: the fast layer, its plain twin and the
 * oracle (assembly/layers/BatchNormalization.ts) produce the same bytes and fail together, in both modes,
 * for random shapes (rank 1–3, channels last), random per-channel parameters (edge values, rarely
 * invalid: M = −2^31, shift > 62, |bias| > 2^62), ranges over the first axis and rare corruptions.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkProperty, int64Edge } from '../fuzz.ts';
import { BATCH_NORMALIZATION, packBatchNormI8, packBatchNormQ, type BatchNormalizationConfig } from '../../src/harness/layers/batchNormalization.ts';
import { expectLayerAgreement, int8, q32Slope, qValue } from './helpers.ts';
import { convLayersHarness, rangeArb, resized, tensorArb } from './spatial.helpers.ts';

type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'mode' | 'rank0' | 'dim0';

describe('BatchNormalization: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    const h = await convLayersHarness();
    const caseArb = fc
      .record({
        mode: fc.constantFrom(0, 1),
        dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        F: fc.oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constant(63) }),
        zIn: int8(),
        zOut: int8(),
      })
      .chain((c) => {
        const C = c.dims[c.dims.length - 1]!;
        const n = c.dims.reduce((p, d) => p * d, 1);
        return fc.record({
          c: fc.constant(c),
          x: tensorArb(c.mode, n, Math.min(c.F, 62)),
          A: fc.array(q32Slope(), { minLength: C, maxLength: C }),
          B: fc.array(qValue(Math.min(c.F, 62)), { minLength: C, maxLength: C }),
          M: fc.array(fc.oneof({ weight: 20, arbitrary: fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constant(-(2 ** 31)) }), { minLength: C, maxLength: C }),
          shift: fc.array(fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }), { minLength: C, maxLength: C }),
          bias: fc.array(fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }) }, { weight: 1, arbitrary: int64Edge() }), { minLength: C, maxLength: C }),
          range: rangeArb(c.dims[0]!),
          bad: fc.oneof({ weight: 20, arbitrary: fc.constant<Corruption>('none') }, { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'mode', 'rank0', 'dim0') }),
        });
      });
    await checkProperty('BatchNormalization.forward evm==oracle', [caseArb], async ({ c: c0, x, A, B, M, shift, bias, range, bad }) => {
      let c: BatchNormalizationConfig = c0;
      if (bad === 'mode') c = { ...c, mode: 2 };
      if (bad === 'rank0') c = { ...c, dims: [] };
      if (bad === 'dim0') c = { ...c, dims: [...c.dims.slice(0, -1), 0] };
      const w0 = c0.mode === 0 ? packBatchNormQ(A, B) : packBatchNormI8(M, shift, bias);
      const weights = bad === 'w+1' ? resized(w0, 1) : bad === 'w-1' ? resized(w0, -1) : w0;
      const input = bad === 'x+1' ? resized(x, 1) : bad === 'x-1' ? resized(x, -1) : x;
      const ctx = { c, range, bad, x: Array.from(x), A, B, M, shift, bias };
      if (range) await expectLayerAgreement(h, BATCH_NORMALIZATION, c, weights, input, ctx, { method: 'batchNormalizationRange', refMethod: 'batchNormalizationRangeRef', range });
      else await expectLayerAgreement(h, BATCH_NORMALIZATION, c, weights, input, ctx);
    });
  });
});
