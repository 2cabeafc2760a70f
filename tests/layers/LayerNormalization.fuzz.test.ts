/**
 * Property tests for contracts/layers/LayerNormalization.sol: the fast layer, its plain twin
 * (`forwardRef`/`forwardRangeRef`) on the embedded EVM, and the oracle (assembly/layers/LayerNormalization.ts)
 * produce the same bytes and fail together with the same error name, in both number modes, for random
 * small shapes, random axis sets (contiguous blocks and gathered geometries), gamma/beta on or off,
 * edge-biased values, row ranges and corrupted configs/buffers.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkProperty, fuzzRuns, int64Edge, int8Array } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { expectLayerAgreement } from './helpers.ts';
import { LAYER_NORMALIZATION, packLayerNormalization, type LayerNormalizationConfig } from '../../src/harness/layers/layerNormalization.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { i8Bytes, mergeNormHarness, qAct, qBytes, resized, rowRange, smallShape, zeroPoint } from './mergeNorm.helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await mergeNormHarness();
});

type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'mode' | 'axesEmpty' | 'axesOrder' | 'axisRank' | 'dim0' | 'epsNeg';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'mode', 'axesEmpty', 'axesOrder', 'axisRank', 'dim0', 'epsNeg') },
  );

/** A non-empty sorted axis set: mostly the last axis, else a random subset (gathered geometries included). */
const axesOf = (rank: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([rank - 1]) },
    {
      weight: 3,
      arbitrary: fc
        .subarray(Array.from({ length: rank }, (_, k) => k), { minLength: 1 })
        .map((a) => [...a].sort((x, y) => x - y)),
    },
  );

function corrupt(c: LayerNormalizationConfig, bad: Corruption): LayerNormalizationConfig {
  switch (bad) {
    case 'mode':
      return { ...c, mode: 2 + (c.dims[0]! % 100) };
    case 'axesEmpty':
      return { ...c, axes: [] };
    case 'axesOrder':
      return { ...c, axes: [...c.axes, c.axes[c.axes.length - 1]!] };
    case 'axisRank':
      return { ...c, axes: [...c.axes.slice(0, -1), c.dims.length] };
    case 'dim0':
      return { ...c, dims: [...c.dims.slice(0, -1), 0] };
    case 'epsNeg':
      return { ...c, epsilon: -1n - c.epsilon };
    default:
      return c;
  }
}

async function check(c: LayerNormalizationConfig, weights: Uint8Array, input: Uint8Array, bad: Corruption, range: [number, number] | undefined, ctx: unknown) {
  const x = bad === 'x+1' ? resized(input, 1) : bad === 'x-1' ? resized(input, -1) : input;
  const w = bad === 'w+1' ? resized(weights, 1) : bad === 'w-1' ? resized(weights, -1) : weights;
  const cfg = corrupt(c, bad);
  const o = range
    ? await expectLayerAgreement(h, LAYER_NORMALIZATION, cfg, w, x, ctx, { method: 'layerNormalizationRange', refMethod: 'layerNormalizationRangeRef', range })
    : await expectLayerAgreement(h, LAYER_NORMALIZATION, cfg, w, x, ctx, { refMethod: 'layerNormalizationRef' });
  if (o.ok) successes++;
}

/** Cases that computed an output (the properties must not be vacuous: most cases succeed). */
let successes = 0;
const expectMostlySuccessful = (): void => {
  expect(successes, 'successful cases').toBeGreaterThanOrEqual(Math.floor(fuzzRuns() * 0.3));
  successes = 0;
};

const groupSize = (dims: number[], axes: number[]) => axes.reduce((p, a) => p * dims[a]!, 1);

/** Epsilon in Q(F): mostly ~1e-3 … 1e-6 real, sometimes 0 (DivisionByZero on constant groups), sometimes large. */
const epsilon = (F: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(1e-3, 1e-5, 1e-6, 1e-12).map((e) => BigInt(Math.round(e * 2 ** F))) },
    { weight: 2, arbitrary: fc.constant(0n) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }) },
  );

const base = { zIn: 0, scaleInQ: 0n, M: 0, shift: 0, zOut: 0 };

describe('LayerNormalization q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const arb = smallShape(3, 6, 48).chain((dims) =>
      fc
        .oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) })
        .chain((F) => {
          const Fv = Math.min(F, 62);
          const n = dims.reduce((p, d) => p * d, 1);
          return axesOf(dims.length).chain((axes) => {
            const D = groupSize(dims, axes);
            return fc.record({
              dims: fc.constant(dims),
              axes: fc.constant(axes),
              F: fc.constant(F),
              x: fc.oneof(
                { weight: 5, arbitrary: fc.array(qAct(Fv), { minLength: n, maxLength: n }) },
                // constant groups: variance 0 (DivisionByZero when epsilon = 0)
                { weight: 1, arbitrary: qAct(Fv).map((v) => Array.from({ length: n }, () => v)) },
              ),
              gamma: fc.option(fc.array(qAct(Fv, 0), { minLength: D, maxLength: D }), { nil: null }),
              beta: fc.option(fc.array(qAct(Fv), { minLength: D, maxLength: D }), { nil: null }),
              epsilon: epsilon(Fv),
              range: rowRange(dims[0]!),
              bad: corruption(),
            });
          });
        }),
    );
    await checkProperty('LayerNormalization.forward q evm==oracle', [arb], async (t) => {
      const config: LayerNormalizationConfig = { ...base, mode: Mode.Q, dims: t.dims, axes: t.axes, center: t.beta !== null, scale: t.gamma !== null, F: t.F, epsilon: t.epsilon };
      await check(config, packLayerNormalization(t.gamma, t.beta), qBytes(t.x), t.bad, t.range, t);
    });
    expectMostlySuccessful();
  }, 120_000);
});

describe('LayerNormalization int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const q32 = (maxReal: number) => fc.integer({ min: -Math.round(maxReal * 2 ** 20), max: Math.round(maxReal * 2 ** 20) }).map((v) => BigInt(v) << 12n);
    const arb = smallShape(3, 6, 48).chain((dims) => {
      const n = dims.reduce((p, d) => p * d, 1);
      return axesOf(dims.length).chain((axes) => {
        const D = groupSize(dims, axes);
        return fc.record({
          dims: fc.constant(dims),
          axes: fc.constant(axes),
          x: fc.oneof({ weight: 5, arbitrary: int8Array(n) }, { weight: 1, arbitrary: fc.integer({ min: -128, max: 127 }).map((v) => new Int8Array(n).fill(v)) }),
          zIn: zeroPoint(),
          scaleInQ: fc.oneof(
            { weight: 8, arbitrary: fc.integer({ min: 2 ** 20, max: 2 ** 31 }).map(BigInt) },
            { weight: 1, arbitrary: fc.constantFrom(0n, 1n, (1n << 63n) - 1n) },
            { weight: 1, arbitrary: int64Edge() },
          ),
          gamma: fc.option(fc.array(q32(4), { minLength: D, maxLength: D }), { nil: null }),
          beta: fc.option(fc.array(q32(4), { minLength: D, maxLength: D }), { nil: null }),
          epsilon: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(4295n, 42950n, 4294967n) }, { weight: 1, arbitrary: fc.constant(0n) }),
          M: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 31, 2 ** 32 - 1) }),
          shift: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 58, max: 70 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 126, 127, 255) }),
          zOut: zeroPoint(),
          range: rowRange(dims[0]!),
          bad: corruption(),
        });
      });
    });
    await checkProperty('LayerNormalization.forward int8 evm==oracle', [arb], async (t) => {
      const config: LayerNormalizationConfig = {
        mode: Mode.I8,
        dims: t.dims,
        axes: t.axes,
        center: t.beta !== null,
        scale: t.gamma !== null,
        F: 32,
        epsilon: t.epsilon,
        zIn: t.zIn,
        scaleInQ: t.scaleInQ,
        M: t.M,
        shift: t.shift,
        zOut: t.zOut,
      };
      await check(config, packLayerNormalization(t.gamma, t.beta), i8Bytes(t.x), t.bad, t.range, t);
    });
    expectMostlySuccessful();
  }, 120_000);
});
