/**
 * Property tests for contracts/layers/Rescaling.sol: EVM == oracle bit for bit, revert ⇔ throw with the
 * same error name, both modes, random parameters (edges included).
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { getBytes } from 'ethers';
import { checkProperty, int64Edge, int8Edge } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { RESCALING, type RescalingConfig } from '../../src/harness/layers/index.ts';
import { expectLayerAgreement, int8, layerHarness, q32Slope, qValue } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await layerHarness();
});

const dims = () => fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 });
const count = (d: number[]) => d.reduce((p, v) => p * v, 1);
const extra = () => fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) });

describe('Rescaling: EVM == oracle', () => {
  it('q mode', async () => {
    const qCase = dims().chain((d) =>
      fc.oneof({ weight: 4, arbitrary: fc.constant(32) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constant(63) }).chain((F) =>
        fc.record({
          dims: fc.constant(d),
          F: fc.constant(F),
          scale: q32Slope(),
          offset: qValue(Math.min(F, 62)),
          x: fc.array(qValue(Math.min(F, 62)), { minLength: count(d), maxLength: count(d) }),
          extra: extra(),
        }),
      ),
    );
    await checkProperty('Rescaling.forward q evm==oracle', [qCase], async (c) => {
      const config: RescalingConfig = { mode: 0, dims: c.dims, F: c.F, scale: c.scale, offset: c.offset, zIn: 0, M: 0, shift: 0, bias: 0n, zOut: 0 };
      const x = getBytes(encodeQ(c.x));
      await expectLayerAgreement(h, RESCALING, config, new Uint8Array(0), c.extra < 0 ? x.slice(1) : c.extra > 0 ? Uint8Array.from([...x, 0]) : x, c);
    });
  });

  it('int8 mode', async () => {
    const i8Case = dims().chain((d) =>
      fc.record({
        dims: fc.constant(d),
        zIn: int8(),
        M: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constant(-(2 ** 31)) }),
        shift: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 25, max: 40 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 62) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }),
        bias: fc.oneof(
          { weight: 8, arbitrary: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }) },
          { weight: 2, arbitrary: fc.constantFrom(1n << 62n, -(1n << 62n)) },
          { weight: 1, arbitrary: int64Edge() },
        ),
        zOut: int8(),
        x: fc.array(int8Edge(), { minLength: count(d), maxLength: count(d) }),
        extra: extra(),
      }),
    );
    await checkProperty('Rescaling.forward int8 evm==oracle', [i8Case], async (c) => {
      const config: RescalingConfig = { mode: 1, dims: c.dims, F: 32, scale: 0n, offset: 0n, zIn: c.zIn, M: c.M, shift: c.shift, bias: c.bias, zOut: c.zOut };
      const x = Uint8Array.from(c.x, (v) => v & 0xff);
      await expectLayerAgreement(h, RESCALING, config, new Uint8Array(0), c.extra < 0 ? x.slice(1) : c.extra > 0 ? Uint8Array.from([...x, 0]) : x, c);
    });
  });
});
