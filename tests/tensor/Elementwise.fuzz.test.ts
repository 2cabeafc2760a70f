/**
 * Property tests for contracts/tensor/Elementwise.sol: the EVM (harness) and the WASM oracle agree bit
 * for bit on every op, and fail together with the same error name (docs/numerics.md §3.1, §4.3–§4.4).
 * Generators are edge-biased, lengths ≤ 40, parameters sometimes just outside their domains.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { checkProperty, int64Edge, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import * as ew from '../../src/harness/kernels/elementwise.ts';

let h: Harness;
beforeAll(async () => {
  h = await getHarness('ElementwiseHarness');
});

async function evm<T>(method: string, args: unknown[], map: (v: string) => T): Promise<Outcome<T>> {
  const r = await h.call<[string, bigint]>(method, args);
  return r.ok ? { ok: true, value: map(r.value[0]) } : r;
}
const asQ = (v: string) => decodeQ(v);
const asI8 = (v: string) => decodeI8(v);

// ------------------------------------------------------------------------------------- generators

const len = () => fc.oneof({ weight: 1, arbitrary: fc.constantFrom(0, 1) }, { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) });
const qArray = (n: number) => fc.array(qEdge(32), { minLength: n, maxLength: n }).map((a) => BigInt64Array.from(a));
const i8Array = (n: number) => fc.array(int8Edge(), { minLength: n, maxLength: n }).map((a) => Int8Array.from(a));
/** Two arrays of the same length, or (rarely) of lengths differing by one. */
const pairOf = <T>(arr: (n: number) => fc.Arbitrary<T>) =>
  fc.tuple(len(), fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) })).chain(([n, d]) => fc.tuple(arr(n), arr(n + d)));
const i8OrOut = () => fc.oneof({ weight: 20, arbitrary: int8Edge().map(BigInt) }, { weight: 1, arbitrary: fc.constantFrom(-129n, 128n) });
const multiplier = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 1n << 30n, max: (1n << 31n) - 1n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, 1n, (1n << 31n) - 1n) },
    { weight: 1, arbitrary: fc.constantFrom(-1n, 1n << 31n) },
  );
const signedMultiplier = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: -(1n << 31n) + 1n, max: (1n << 31n) - 1n }) },
    { weight: 1, arbitrary: fc.constantFrom(1n << 31n, -(1n << 31n)) },
  );
const shift = (max: number) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max }).map(BigInt) },
    { weight: 8, arbitrary: fc.integer({ min: 28, max: Math.min(max, 45) }).map(BigInt) },
    { weight: 1, arbitrary: fc.constantFrom(-1n, BigInt(max + 1)) },
  );
const fracBits = () => fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 4, arbitrary: fc.constantFrom(0, 32, 62) }, { weight: 1, arbitrary: fc.constant(63) });

// ------------------------------------------------------------------------------------- q mode

describe('Elementwise q mode: evm == oracle', () => {
  for (const op of ['addQ', 'subQ'] as const) {
    it(op, async () => {
      await checkProperty(`Elementwise.${op} evm==oracle`, [pairOf(qArray)], async ([a, b]) => {
        const oracle = oracleOutcome(() => ew[op](h.oracle, a, b));
        expectSameOutcome(await evm(op, [encodeQ(a), encodeQ(b)], asQ), oracle, { a, b });
      });
    });
  }

  it('mulQ', async () => {
    await checkProperty('Elementwise.mulQ evm==oracle', [pairOf(qArray), fracBits()], async ([a, b], F) => {
      const oracle = oracleOutcome(() => ew.mulQ(h.oracle, a, b, F));
      expectSameOutcome(await evm('mulQ', [encodeQ(a), encodeQ(b), F], asQ), oracle, { a, b, F });
    });
  });

  it('clampQ', async () => {
    await checkProperty('Elementwise.clampQ evm==oracle', [len().chain(qArray), int64Edge(), int64Edge()], async (x, lo, hi) => {
      const oracle = oracleOutcome(() => ew.clampQ(h.oracle, x, lo, hi));
      expectSameOutcome(await evm('clampQ', [encodeQ(x), lo, hi], asQ), oracle, { x, lo, hi });
    });
  });
});

// ------------------------------------------------------------------------------------- int8 mode

describe('Elementwise int8 mode: evm == oracle', () => {
  it('addI8Tensor', async () => {
    await checkProperty(
      'Elementwise.addI8Tensor evm==oracle',
      [pairOf(i8Array), i8OrOut(), signedMultiplier(), i8OrOut(), signedMultiplier(), shift(62), i8OrOut()],
      async ([a, b], za, ma, zb, mb, s, zo) => {
        const oracle = oracleOutcome(() => ew.addI8Tensor(h.oracle, a, za, ma, b, zb, mb, s, zo));
        expectSameOutcome(await evm('addI8Tensor', [encodeI8(a), za, ma, encodeI8(b), zb, mb, s, zo], asI8), oracle, { a, b, za, ma, zb, mb, s, zo });
      },
    );
  });

  it('mulI8Tensor', async () => {
    await checkProperty(
      'Elementwise.mulI8Tensor evm==oracle',
      [pairOf(i8Array), i8OrOut(), i8OrOut(), multiplier(), shift(126), i8OrOut()],
      async ([a, b], za, zb, m, s, zo) => {
        const oracle = oracleOutcome(() => ew.mulI8Tensor(h.oracle, a, za, b, zb, m, s, zo));
        expectSameOutcome(await evm('mulI8Tensor', [encodeI8(a), za, encodeI8(b), zb, m, s, zo], asI8), oracle, { a, b, za, zb, m, s, zo });
      },
    );
  });

  it('clampI8Tensor', async () => {
    await checkProperty('Elementwise.clampI8Tensor evm==oracle', [len().chain(i8Array), i8OrOut(), i8OrOut()], async (x, lo, hi) => {
      const oracle = oracleOutcome(() => ew.clampI8Tensor(h.oracle, x, lo, hi));
      expectSameOutcome(await evm('clampI8Tensor', [encodeI8(x), lo, hi], asI8), oracle, { x, lo, hi });
    });
  });

  it('requantizeTensor', async () => {
    const c = fc
      .record({ C: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constant(0) }), P: fc.integer({ min: 0, max: 6 }), extra: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, -1) }) })
      .chain(({ C, P, extra }) =>
        fc.record({
          acc: fc.array(fc.oneof(int64Edge(), fc.bigInt({ min: -(1n << 48n), max: 1n << 48n })), { minLength: C * P, maxLength: C * P }),
          m: fc.array(multiplier(), { minLength: C, maxLength: C }),
          s: fc.array(shift(126), { minLength: C + (extra === -1 ? 1 : 0), maxLength: C + (extra === -1 ? 1 : 0) }),
          accExtra: fc.constant(extra === 1 && C > 1 ? 1 : 0),
          zOut: i8OrOut(),
        }),
      );
    await checkProperty('Elementwise.requantizeTensor evm==oracle', [c], async ({ acc, m, s, accExtra, zOut }) => {
      const a = accExtra ? [...acc, 1n] : acc;
      const oracle = oracleOutcome(() => ew.requantizeTensor(h.oracle, BigInt64Array.from(a), BigInt64Array.from(m), BigInt64Array.from(s), zOut));
      expectSameOutcome(await evm('requantizeTensor', [a, m, s, zOut], asI8), oracle, { a, m, s, zOut });
    });
  });

  it('dequantizeI8Tensor', async () => {
    const scale = fc.oneof(fc.bigInt({ min: 0n, max: 1n << 40n }), int64Edge());
    await checkProperty('Elementwise.dequantizeI8Tensor evm==oracle', [len().chain(i8Array), i8OrOut(), scale], async (x, z, sq) => {
      const oracle = oracleOutcome(() => ew.dequantizeI8Tensor(h.oracle, x, z, sq));
      expectSameOutcome(await evm('dequantizeI8Tensor', [encodeI8(x), z, sq], asQ), oracle, { x, z, sq });
    });
  });

  it('quantizeQTensor', async () => {
    await checkProperty('Elementwise.quantizeQTensor evm==oracle', [len().chain(qArray), multiplier(), shift(126), i8OrOut()], async (v, m, s, z) => {
      const oracle = oracleOutcome(() => ew.quantizeQTensor(h.oracle, v, m, s, z));
      expectSameOutcome(await evm('quantizeQTensor', [encodeQ(v), m, s, z], asI8), oracle, { v, m, s, z });
    });
  });
});
