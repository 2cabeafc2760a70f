/**
 * Property tests for contracts/layers/Multiply.sol: fast layer == plain twin == oracle
 * (assembly/layers/Multiply.ts), same bytes or the same error, in both modes: 1–4 inputs (q) and 1–8
 * inputs (int8; the limit 8 and 9 included), random small shapes, F, edge-biased values, requantization
 * parameters, row ranges and corruptions.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkProperty, fuzzRuns, int8Array } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { MULTIPLY, type MultiplyConfig } from '../../src/harness/layers/multiply.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { expectMergeAgreement, i8Bytes, mergeNormHarness, qAct, qBytes, resized, rowRange, smallShape, zeroPoint } from './mergeNorm.helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await mergeNormHarness();
});

type Corruption = 'none' | 'dropInput' | 'extraInput' | 'len+1' | 'len-1' | 'weights' | 'mode' | 'zero' | 'dim0' | 'zLen';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('dropInput', 'extraInput', 'len+1', 'len-1', 'weights', 'mode', 'zero', 'dim0', 'zLen') },
  );

let successes = 0;
async function check(c: MultiplyConfig, inputs: Uint8Array[], bad: Corruption, which: number, range: [number, number] | undefined, ctx: unknown) {
  let cfg = c;
  let xs = inputs;
  let w = new Uint8Array(0);
  const k = which % inputs.length;
  switch (bad) {
    case 'dropInput': xs = inputs.slice(0, -1); break;
    case 'extraInput': xs = [...inputs, inputs[0]!]; break;
    case 'len+1': xs = inputs.map((x, i) => (i === k ? resized(x, 1) : x)); break;
    case 'len-1': xs = inputs.map((x, i) => (i === k ? resized(x, -1) : x)); break;
    case 'weights': w = new Uint8Array([1]); break;
    case 'mode': cfg = { ...c, mode: 2 + which }; break;
    case 'zero': cfg = { ...c, inputs: 0 }; xs = []; break;
    case 'dim0': cfg = { ...c, dims: [...c.dims.slice(0, -1), 0] }; break;
    case 'zLen': cfg = { ...c, zIn: [...c.zIn, 0] }; break;
  }
  const o = await expectMergeAgreement(h, MULTIPLY, cfg, w, xs, ctx, range);
  if (o.ok) successes++;
}

describe('Multiply q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const arb = fc
      .tuple(
        smallShape(),
        fc.oneof({ weight: 5, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 3, max: 4 }) }),
        fc.oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }),
      )
      .chain(([dims, n, F]) => {
        const count = dims.reduce((p, d) => p * d, 1);
        return fc.record({
          dims: fc.constant(dims),
          F: fc.constant(F),
          xs: fc.array(fc.array(qAct(Math.min(F, 62), 2), { minLength: count, maxLength: count }), { minLength: n, maxLength: n }),
          range: rowRange(dims[0]!),
          bad: corruption(),
          which: fc.nat(7),
        });
      });
    await checkProperty('Multiply.forward q evm==oracle', [arb], async (t) => {
      const c: MultiplyConfig = { mode: Mode.Q, dims: t.dims, inputs: t.xs.length, F: t.F, zIn: [], M: 0, shift: 0, zOut: 0 };
      await check(c, t.xs.map(qBytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});

describe('Multiply int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const arb = fc
      .tuple(smallShape(), fc.oneof({ weight: 6, arbitrary: fc.constant(2) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.constant(9) }))
      .chain(([dims, n]) => {
        const count = dims.reduce((p, d) => p * d, 1);
        return fc.record({
          dims: fc.constant(dims),
          xs: fc.array(int8Array(count), { minLength: n, maxLength: n }),
          zIn: fc.array(zeroPoint(), { minLength: n, maxLength: n }),
          M: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 - 1) }),
          shift: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 20, max: 126 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 1, 126) }, { weight: 1, arbitrary: fc.constantFrom(127, 255) }),
          zOut: zeroPoint(),
          range: rowRange(dims[0]!),
          bad: corruption(),
          which: fc.nat(7),
        });
      });
    await checkProperty('Multiply.forward int8 evm==oracle', [arb], async (t) => {
      const c: MultiplyConfig = { mode: Mode.I8, dims: t.dims, inputs: t.xs.length, F: 32, zIn: t.zIn, M: t.M, shift: t.shift, zOut: t.zOut };
      await check(c, t.xs.map(i8Bytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});
