/**
 * Property tests for contracts/layers/Add.sol: the fast layer, its plain twin (`addRef`, `addRangeRef`)
 * and the oracle (assembly/layers/Add.ts) produce the same bytes and fail together with the same error
 * name, in both modes, for 1–4 inputs of random small shapes, edge-biased values and parameters, row
 * ranges, and corrupted configs / input lists (wrong count, wrong length, mismatched parameter vectors).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkProperty, fuzzRuns, int8Array } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { ADD, type AddConfig } from '../../src/harness/layers/add.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { expectMergeAgreement, i8Bytes, mergeNormHarness, qAct, qBytes, resized, rowRange, smallShape, zeroPoint } from './mergeNorm.helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await mergeNormHarness();
});

type Corruption = 'none' | 'dropInput' | 'extraInput' | 'len+1' | 'len-1' | 'weights' | 'mode' | 'zero' | 'dim0' | 'zLen' | 'mLen';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('dropInput', 'extraInput', 'len+1', 'len-1', 'weights', 'mode', 'zero', 'dim0', 'zLen', 'mLen') },
  );

let successes = 0;
async function check(c: AddConfig, inputs: Uint8Array[], bad: Corruption, which: number, range: [number, number] | undefined, ctx: unknown) {
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
    case 'zLen': cfg = { ...c, zIn: c.zIn.slice(0, -1) }; break;
    case 'mLen': cfg = { ...c, m: [...c.m, 1] }; break;
  }
  const o = await expectMergeAgreement(h, ADD, cfg, w, xs, ctx, range);
  if (o.ok) successes++;
}

const inputCount = () => fc.oneof({ weight: 5, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 3, max: 4 }) });

describe('Add q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const arb = fc.tuple(smallShape(), inputCount()).chain(([dims, n]) => {
      const count = dims.reduce((p, d) => p * d, 1);
      return fc.record({
        dims: fc.constant(dims),
        xs: fc.array(fc.array(qAct(32, 2), { minLength: count, maxLength: count }), { minLength: n, maxLength: n }),
        range: rowRange(dims[0]!),
        bad: corruption(),
        which: fc.nat(7),
      });
    });
    await checkProperty('Add.forward q evm==oracle', [arb], async (t) => {
      const c: AddConfig = { mode: Mode.Q, dims: t.dims, inputs: t.xs.length, zIn: [], m: [], shift: 0, zOut: 0 };
      await check(c, t.xs.map(qBytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});

describe('Add int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const mult = () =>
      fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 2 ** 29, max: 2 ** 31 - 1 }) },
        { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31) + 1) },
        { weight: 1, arbitrary: fc.constant(-(2 ** 31)) }, // invalid
      );
    const arb = fc.tuple(smallShape(), inputCount()).chain(([dims, n]) => {
      const count = dims.reduce((p, d) => p * d, 1);
      return fc.record({
        dims: fc.constant(dims),
        xs: fc.array(int8Array(count), { minLength: n, maxLength: n }),
        zIn: fc.array(zeroPoint(), { minLength: n, maxLength: n }),
        m: fc.array(mult(), { minLength: n, maxLength: n }),
        shift: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 28, max: 40 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }),
        zOut: zeroPoint(),
        range: rowRange(dims[0]!),
        bad: corruption(),
        which: fc.nat(7),
      });
    });
    await checkProperty('Add.forward int8 evm==oracle', [arb], async (t) => {
      const c: AddConfig = { mode: Mode.I8, dims: t.dims, inputs: t.xs.length, zIn: t.zIn, m: t.m, shift: t.shift, zOut: t.zOut };
      await check(c, t.xs.map(i8Bytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});
