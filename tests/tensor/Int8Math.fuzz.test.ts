/**
 * Property tests: the Int8Math harness on the embedded EVM and the WASM oracle agree bit for bit, and
 * revert ⇔ throw with the same error name (docs/numerics.md §4.3–§4.4). Generators mix valid values
 * (biased to edges) with values just outside each domain, so the validation order is exercised too.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { checkProperty, int64Edge, int8Edge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import * as k from '../../src/harness/kernels/int8.ts';

/** An int8 value, sometimes just outside [−128, 127]. */
const i8OrOut = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 12, arbitrary: int8Edge().map(BigInt) },
    { weight: 1, arbitrary: fc.constantFrom(-129n, 128n, 255n, -256n, (1n << 63n) - 1n, -(1n << 63n)) },
  );

/** A requantization multiplier in [0, 2^31) biased to edges, sometimes just outside. */
const multiplier = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 1n << 30n, max: (1n << 31n) - 1n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, 1n, 2n, 1n << 30n, (1n << 31n) - 1n) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 31n) - 1n }) },
    { weight: 1, arbitrary: fc.constantFrom(-1n, 1n << 31n, -(1n << 31n), 1n << 40n) },
  );

/** A signed addI8 multiplier, |m| < 2^31, sometimes just outside. */
const signedMultiplier = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: -(1n << 31n) + 1n, max: (1n << 31n) - 1n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, 1n, -1n, 1n << 30n, -(1n << 30n), (1n << 31n) - 1n, -(1n << 31n) + 1n) },
    { weight: 1, arbitrary: fc.constantFrom(1n << 31n, -(1n << 31n)) },
  );

/** A shift in [0, max], biased to small and large values, sometimes just outside. */
const shift = (max: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max }).map(BigInt) },
    { weight: 3, arbitrary: fc.integer({ min: 28, max: Math.min(max, 48) }).map(BigInt) },
    { weight: 1, arbitrary: fc.constantFrom(0n, 1n, BigInt(max), -1n, BigInt(max + 1)) },
  );

const int64 = int64Edge;

let h: Harness;
beforeAll(async () => {
  h = await getHarness('Int8MathHarness');
});

/** The harness returns `[value, gasUsed]`: keep the value. */
async function evm(method: string, args: unknown[]): Promise<Outcome<bigint>> {
  const r = await h.call<[bigint, bigint]>(method, args);
  return r.ok ? { ok: true, value: r.value[0] } : r;
}

describe('Int8Math evm == oracle', () => {
  it('requantize', async () => {
    await checkProperty(
      'Int8Math.requantize evm==oracle',
      [int64(), multiplier(), shift(126), i8OrOut()],
      async (acc, m, s, z) => {
        const o = oracleOutcome(() => k.requantize(h.oracle, acc, m, s, z));
        expectSameOutcome(await evm('requantize', [acc, m, s, z]), o, { acc, m, s, z });
      },
      { examples: [[(1n << 63n) - 1n, (1n << 31n) - 1n, 0n, 127n], [-(1n << 63n), (1n << 31n) - 1n, 126n, -128n], [5n, 1n << 30n, 31n, 0n]] },
    );
  });

  it('addI8', async () => {
    await checkProperty(
      'Int8Math.addI8 evm==oracle',
      [i8OrOut(), i8OrOut(), signedMultiplier(), i8OrOut(), i8OrOut(), signedMultiplier(), shift(62), i8OrOut()],
      async (a, za, ma, b, zb, mb, s, zo) => {
        const o = oracleOutcome(() => k.addI8(h.oracle, a, za, ma, b, zb, mb, s, zo));
        expectSameOutcome(await evm('addI8', [a, za, ma, b, zb, mb, s, zo]), o, { a, za, ma, b, zb, mb, s, zo });
      },
    );
  });

  it('mulI8', async () => {
    await checkProperty(
      'Int8Math.mulI8 evm==oracle',
      [i8OrOut(), i8OrOut(), i8OrOut(), i8OrOut(), multiplier(), shift(126), i8OrOut()],
      async (a, za, b, zb, m, s, zo) => {
        const o = oracleOutcome(() => k.mulI8(h.oracle, a, za, b, zb, m, s, zo));
        expectSameOutcome(await evm('mulI8', [a, za, b, zb, m, s, zo]), o, { a, za, b, zb, m, s, zo });
      },
    );
  });

  it('clampI8', async () => {
    await checkProperty('Int8Math.clampI8 evm==oracle', [i8OrOut(), i8OrOut(), i8OrOut()], async (x, lo, hi) => {
      const o = oracleOutcome(() => k.clampI8(h.oracle, x, lo, hi));
      expectSameOutcome(await evm('clampI8', [x, lo, hi]), o, { x, lo, hi });
    });
  });

  it('dequantizeI8', async () => {
    const scale = fc.oneof(int64(), fc.bigInt({ min: 0n, max: 1n << 40n }));
    await checkProperty('Int8Math.dequantizeI8 evm==oracle', [i8OrOut(), i8OrOut(), scale], async (x, z, sq) => {
      const o = oracleOutcome(() => k.dequantizeI8(h.oracle, x, z, sq));
      expectSameOutcome(await evm('dequantizeI8', [x, z, sq]), o, { x, z, sq });
    });
  });

  it('quantizeQ', async () => {
    await checkProperty(
      'Int8Math.quantizeQ evm==oracle',
      [int64(), multiplier(), shift(126), i8OrOut()],
      async (v, m, s, z) => {
        const o = oracleOutcome(() => k.quantizeQ(h.oracle, v, m, s, z));
        expectSameOutcome(await evm('quantizeQ', [v, m, s, z]), o, { v, m, s, z });
      },
    );
  });
});
