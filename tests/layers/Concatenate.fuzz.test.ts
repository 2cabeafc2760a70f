/**
 * Property tests for contracts/layers/Concatenate.sol: fast layer (MCOPY runs, int8 requantization loop)
 * == plain twin == oracle (assembly/layers/Concatenate.ts), same bytes or the same error, in both modes,
 * for 1–4 inputs along any axis of random small shapes, identity and non-identity int8 rescaling, row
 * ranges (for axis 0 they cut across inputs) and corruptions.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkProperty, fuzzRuns, int8Array } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { CONCATENATE, type ConcatenateConfig } from '../../src/harness/layers/concatenate.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { expectMergeAgreement, i8Bytes, mergeNormHarness, qAct, qBytes, resized, rowRange, smallShape, zeroPoint } from './mergeNorm.helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await mergeNormHarness();
});

type Corruption =
  | 'none' | 'dropInput' | 'extraInput' | 'len+1' | 'len-1' | 'weights' | 'mode' | 'axisRank' | 'size0' | 'sum' | 'noSizes' | 'zLen' | 'MLen' | 'sLen';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 24, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('dropInput', 'extraInput', 'len+1', 'len-1', 'weights', 'mode', 'axisRank', 'size0', 'sum', 'noSizes', 'zLen', 'MLen', 'sLen') },
  );

/** Output dims, axis and per-input sizes (each 1..4) with Σ sizes = dims[axis]. */
const geometry = () =>
  smallShape(3, 4, 32).chain((base) =>
    fc.integer({ min: 0, max: base.length - 1 }).chain((axis) =>
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).map((sizes) => {
        const dims = [...base];
        dims[axis] = sizes.reduce((a, b) => a + b, 0);
        return { dims, axis, sizes };
      }),
    ),
  );

const inputCount = (dims: number[], axis: number, size: number) => (dims.reduce((p, d) => p * d, 1) / dims[axis]!) * size;

let successes = 0;
async function check(c: ConcatenateConfig, inputs: Uint8Array[], bad: Corruption, which: number, range: [number, number] | undefined, ctx: unknown) {
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
    case 'axisRank': cfg = { ...c, axis: c.dims.length + (which % 2) }; break;
    case 'size0': cfg = { ...c, sizes: c.sizes.map((s, i) => (i === k ? 0 : s)) }; break;
    case 'sum': cfg = { ...c, dims: c.dims.map((d, i) => (i === c.axis ? d + 1 : d)) }; break;
    case 'noSizes': cfg = { ...c, sizes: [] }; break;
    case 'zLen': cfg = { ...c, zIn: c.zIn.slice(0, -1) }; break;
    case 'MLen': cfg = { ...c, M: [...c.M, 1] }; break;
    case 'sLen': cfg = { ...c, shift: c.shift.slice(0, -1) }; break;
  }
  const o = await expectMergeAgreement(h, CONCATENATE, cfg, w, xs, ctx, range);
  if (o.ok) successes++;
}

describe('Concatenate q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const arb = geometry().chain(({ dims, axis, sizes }) =>
      fc.record({
        dims: fc.constant(dims),
        axis: fc.constant(axis),
        sizes: fc.constant(sizes),
        xs: fc.tuple(...sizes.map((s) => fc.array(qAct(32, 2), { minLength: inputCount(dims, axis, s), maxLength: inputCount(dims, axis, s) }))),
        range: rowRange(dims[0]!),
        bad: corruption(),
        which: fc.nat(7),
      }),
    );
    await checkProperty('Concatenate.forward q evm==oracle', [arb], async (t) => {
      const c: ConcatenateConfig = { mode: Mode.Q, dims: t.dims, axis: t.axis, sizes: t.sizes, zIn: [], M: [], shift: [], zOut: 0 };
      await check(c, t.xs.map(qBytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});

describe('Concatenate int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    // per input: identity (z = zOut, M = 2^30, shift 30) or a random rescaling
    const param = (zOut: number) =>
      fc.oneof(
        { weight: 1, arbitrary: fc.constant({ z: zOut, M: 2 ** 30, s: 30 }) },
        {
          weight: 3,
          arbitrary: fc.record({
            z: zeroPoint(),
            M: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 1, 2 ** 29) }, { weight: 1, arbitrary: fc.constant(2 ** 31) }),
            s: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 28, max: 34 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 29, 126) }, { weight: 1, arbitrary: fc.constant(127) }),
          }),
        },
      );
    const arb = fc.tuple(geometry(), zeroPoint()).chain(([{ dims, axis, sizes }, zOut]) =>
      fc.record({
        dims: fc.constant(dims),
        axis: fc.constant(axis),
        sizes: fc.constant(sizes),
        zOut: fc.constant(zOut),
        params: fc.tuple(...sizes.map(() => param(zOut))),
        xs: fc.tuple(...sizes.map((s) => int8Array(inputCount(dims, axis, s)))),
        range: rowRange(dims[0]!),
        bad: corruption(),
        which: fc.nat(7),
      }),
    );
    await checkProperty('Concatenate.forward int8 evm==oracle', [arb], async (t) => {
      const c: ConcatenateConfig = {
        mode: Mode.I8,
        dims: t.dims,
        axis: t.axis,
        sizes: t.sizes,
        zIn: t.params.map((p) => p.z),
        M: t.params.map((p) => p.M),
        shift: t.params.map((p) => p.s),
        zOut: t.zOut,
      };
      await check(c, t.xs.map(i8Bytes), t.bad, t.which, t.range, t);
    });
    expect(successes).toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
    successes = 0;
  }, 120_000);
});
