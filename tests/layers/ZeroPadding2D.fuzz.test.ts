/**
 * Property tests for contracts/layers/ZeroPadding2D.sol: the EVM layer and the oracle
 * (assembly/layers/ZeroPadding2D.ts) produce the same bytes and fail together, in both modes, for random
 * shapes (≤ 6×6×5), asymmetric paddings 0–3, output-row ranges and rare corruptions.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkProperty } from '../fuzz.ts';
import { ZERO_PADDING2D, type ZeroPadding2DConfig } from '../../src/harness/layers/zeroPadding2D.ts';
import { expectLayerAgreement, int8 } from './helpers.ts';
import { convLayersHarness, rangeArb, resized, tensorArb } from './spatial.helpers.ts';

type Corruption = 'none' | 'x+1' | 'x-1' | 'w' | 'mode' | 'W0' | 'huge';

describe('ZeroPadding2D: EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    const h = await convLayersHarness();
    const caseArb = fc
      .record({
        mode: fc.constantFrom(0, 1),
        H: fc.integer({ min: 1, max: 6 }),
        W: fc.integer({ min: 1, max: 6 }),
        C: fc.integer({ min: 1, max: 5 }),
        top: fc.integer({ min: 0, max: 3 }),
        bottom: fc.integer({ min: 0, max: 3 }),
        left: fc.integer({ min: 0, max: 3 }),
        right: fc.integer({ min: 0, max: 3 }),
        zIn: int8(),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          x: tensorArb(c.mode, c.H * c.W * c.C),
          range: rangeArb(c.top + c.H + c.bottom),
          bad: fc.oneof({ weight: 20, arbitrary: fc.constant<Corruption>('none') }, { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w', 'mode', 'W0', 'huge') }),
        }),
      );
    await checkProperty('ZeroPadding2D.forward evm==oracle', [caseArb], async ({ c: c0, x, range, bad }) => {
      let c: ZeroPadding2DConfig = c0;
      if (bad === 'mode') c = { ...c, mode: 9 };
      if (bad === 'W0') c = { ...c, W: 0 };
      if (bad === 'huge') c = { ...c, right: 2 ** 31 };
      const input = bad === 'x+1' ? resized(x, 1) : bad === 'x-1' ? resized(x, -1) : x;
      const weights = bad === 'w' ? new Uint8Array(1) : new Uint8Array(0);
      const ctx = { c, range, bad, x: Array.from(x) };
      if (range) await expectLayerAgreement(h, ZERO_PADDING2D, c, weights, input, ctx, { method: 'zeroPadding2dRange', range });
      else await expectLayerAgreement(h, ZERO_PADDING2D, c, weights, input, ctx);
    });
  });
});
