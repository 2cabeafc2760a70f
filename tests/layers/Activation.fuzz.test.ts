/**
 * Property tests for the standalone activation layer op (contracts/layers/Activation.sol `forward`, used
 * for Keras Activation / ReLU / LeakyReLU / Softmax): fast EVM == Ref EVM == oracle bit for bit, revert ⇔ throw with the
 * same error name, both modes, every kind, random shapes (rank ≤ 3, ≤ 64 elements) and parameters.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { getBytes } from 'ethers';
import { checkProperty, int8Edge } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { ACTIVATION, type ActivationConfig } from '../../src/harness/layers/index.ts';
import { actSpec, expectLayerAgreement, int8, layerHarness, multiplier, qValue, shiftArb } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await layerHarness();
});

type Corruption = 'none' | 'x+1' | 'x-1' | 'weights' | 'mode' | 'dim0' | 'axis';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof({ weight: 14, arbitrary: fc.constant<Corruption>('none') }, { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'weights', 'mode', 'dim0', 'axis') });

/** A shape of rank 0..3 with at most 64 elements. */
const dims = (): fc.Arbitrary<number[]> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<number[]>([]) },
    { weight: 6, arbitrary: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }).filter((d) => d.reduce((p, v) => p * v, 1) <= 64) },
  );

const count = (d: number[]) => d.reduce((p, v) => p * v, 1);

async function check(c: ActivationConfig, input: Uint8Array, bad: Corruption, ctx: unknown) {
  let cfg = c;
  let x = input;
  let w = new Uint8Array(0);
  if (bad === 'x+1') x = Uint8Array.from([...input, 1]);
  if (bad === 'x-1') x = input.slice(0, Math.max(0, input.length - 1));
  if (bad === 'weights') w = Uint8Array.of(0);
  if (bad === 'mode') cfg = { ...c, mode: 2 };
  if (bad === 'dim0') cfg = { ...c, dims: [...c.dims, 0] };
  if (bad === 'axis') cfg = { ...c, axis: c.dims.length + (c.axis % 3) };
  await expectLayerAgreement(h, ACTIVATION, cfg, w, x, ctx, { refMethod: 'activationRef' });
}

describe('Activation layer: EVM == oracle', () => {
  it('q mode', async () => {
    const qCase = dims().chain((d) =>
      fc.oneof({ weight: 5, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constant(63) }).chain((F) =>
        fc.record({
          dims: fc.constant(d),
          axis: fc.integer({ min: 0, max: Math.max(0, d.length - 1) }),
          F: fc.constant(F),
          act: actSpec(Math.min(F, 62)),
          x: fc.array(qValue(Math.min(F, 62)), { minLength: count(d), maxLength: count(d) }),
          bad: corruption(),
        }),
      ),
    );
    await checkProperty('Activation.forward q evm==oracle', [qCase], async (c) => {
      const config: ActivationConfig = { mode: 0, dims: c.dims, axis: c.axis, act: c.act, F: c.F, zIn: 0, scaleInQ: 0n, M: 0, shift: 0, Mn: 0, shiftN: 0, zOut: 0, lo: -128, hi: 127 };
      await check(config, getBytes(encodeQ(c.x)), c.bad, c);
    });
  });

  it('int8 mode', async () => {
    const i8Case = dims().chain((d) =>
      fc.record({
        dims: fc.constant(d),
        axis: fc.integer({ min: 0, max: Math.max(0, d.length - 1) }),
        act: actSpec(32),
        zIn: int8(),
        scaleInQ: fc.oneof({ weight: 8, arbitrary: fc.bigInt({ min: 1n << 20n, max: 1n << 34n }) }, { weight: 1, arbitrary: fc.constantFrom(0n, -1n, (1n << 63n) - 1n) }),
        M: multiplier(),
        shift: fc.oneof({ weight: 1, arbitrary: shiftArb(28, 34) }, { weight: 1, arbitrary: shiftArb(45, 60) }),
        Mn: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constant(-(2 ** 31)) }),
        shiftN: shiftArb(28, 36),
        zOut: int8(),
        clamp: fc.oneof({ weight: 8, arbitrary: fc.tuple(int8(), int8()).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]) }, { weight: 1, arbitrary: fc.tuple(int8(), int8()) }),
        x: fc.array(int8Edge(), { minLength: count(d), maxLength: count(d) }),
        bad: corruption(),
      }),
    );
    await checkProperty('Activation.forward int8 evm==oracle', [i8Case], async (c) => {
      const config: ActivationConfig = {
        mode: 1, dims: c.dims, axis: c.axis, act: c.act, F: 32, zIn: c.zIn, scaleInQ: c.scaleInQ, M: c.M, shift: c.shift, Mn: c.Mn, shiftN: c.shiftN,
        zOut: c.zOut, lo: c.clamp[0]!, hi: c.clamp[1]!,
      };
      await check(config, Uint8Array.from(c.x, (v) => v & 0xff), c.bad, c);
    });
  });
});
