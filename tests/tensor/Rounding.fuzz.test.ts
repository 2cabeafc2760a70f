/**
 * Property tests for the rounding primitives of docs/numerics.md §1:
 *  - the EVM (contracts/tensor/Rounding.sol through contracts/test/RoundingHarness.sol) == the oracle
 *    (assembly/tensor/Rounding.ts) on the oracle's int64 domain, revert ⇔ throw with the same error name;
 *  - the EVM == an exact BigInt reference on Rounding.sol's full int256 domain.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { divRound, mulShiftRound, rshiftRound, sat64, sat8 } from '../../src/harness/kernels/qmath.ts';
import { checkProperty, int64Edge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

let h: Harness;
const gas = new Map<string, bigint[]>();

beforeAll(async () => {
  h = await getHarness('RoundingHarness');
});

afterAll(() => {
  const rows = [...gas].map(([op, g]) => {
    const s = [...g].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `${op}: median ${s[s.length >> 1]} gas (min ${s[0]}, max ${s[s.length - 1]}, n=${s.length})`;
  });
  if (rows.length) console.info(`Rounding gas per op (inside the harness, gasleft bracket incl.):\n  ${rows.join('\n  ')}`);
});

/** Call a harness function returning (int256 r, uint256 gasUsed); record the gas; return r's outcome. */
async function evm(method: string, args: unknown[]): Promise<Outcome<bigint>> {
  const o = await h.call<[bigint, bigint]>(method, args);
  if (!o.ok) return o;
  const list = gas.get(method) ?? [];
  list.push(o.value[1]);
  gas.set(method, list);
  return { ok: true, value: o.value[0] };
}

/** Exact references (numerics §1). */
const abs = (v: bigint) => (v < 0n ? -v : v);
function rhazShift(v: bigint, s: bigint): bigint {
  if (s === 0n) return v;
  const q = (abs(v) + (1n << (s - 1n))) >> s;
  return v < 0n ? -q : q;
}
function rhazDiv(n: bigint, d: bigint): bigint {
  let q = abs(n) / abs(d);
  if (2n * (abs(n) - q * abs(d)) >= abs(d)) q += 1n;
  return (n < 0n) !== (d < 0n) ? -q : q;
}
const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);

/** Shift amounts biased to the branch points of both implementations. */
const shift = (max: number) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...[0, 1, 2, 31, 32, 33, 61, 62, 63, 64, 65, 126, 127, 254, 255].filter((s) => s <= max)) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max }) },
  );

/** A signed integer of up to `bits` bits, biased toward ±2^k and neighbours and exact halves. */
function wideEdge(bits: number): fc.Arbitrary<bigint> {
  const lim = (1n << BigInt(bits)) - 1n;
  return fc.oneof(
    { weight: 2, arbitrary: fc.bigInt({ min: -lim, max: lim }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: bits - 1 }), fc.constantFrom(-1n, 0n, 1n), fc.boolean())
        .map(([k, d, neg]) => (neg ? -1n : 1n) * ((1n << BigInt(k)) + d)),
    },
    { weight: 2, arbitrary: int64Edge() },
  );
}

/** Values around the int64 range limits (for sat64) inside the oracle's 128-bit domain. */
const around64 = fc.oneof(
  fc.tuple(fc.constantFrom(INT64_MIN, INT64_MAX, 0n, 1n << 64n, -(1n << 64n)), fc.bigInt({ min: -4n, max: 4n })).map(([b, d]) => b + d),
  fc.bigInt({ min: -(1n << 127n), max: (1n << 127n) - 1n }),
  int64Edge(),
);

describe('Rounding: EVM == oracle (int64 domain)', () => {
  it('Rounding.rshiftRound evm==oracle', async () => {
    await checkProperty('Rounding.rshiftRound evm==oracle', [int64Edge(), shift(80)], async (v, s) => {
      expectSameOutcome(await evm('rshiftRound', [v, s]), oracleOutcome(() => rshiftRound(h.oracle, v, s)), { v, s });
    }, { examples: [[INT64_MIN, 64], [INT64_MAX, 64], [-1n, 1], [1n, 1], [-3n, 1]] });
  });

  it('Rounding.divRound evm==oracle', async () => {
    const divisor = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 9, arbitrary: int64Edge() });
    await checkProperty('Rounding.divRound evm==oracle', [int64Edge(), divisor], async (n, d) => {
      const o = await h.call<bigint>('divRound64', [n, d]);
      expectSameOutcome(o, oracleOutcome(() => divRound(h.oracle, n, d)), { n, d });
    }, { examples: [[INT64_MIN, -1n], [1n, 0n], [7n, -2n], [-7n, 2n]] });
  });

  it('Rounding.mulShiftRound evm==oracle', async () => {
    await checkProperty('Rounding.mulShiftRound evm==oracle', [int64Edge(), int64Edge(), shift(127)], async (a, b, s) => {
      const o = await h.call<bigint>('mulShiftRound64', [a, b, s]);
      expectSameOutcome(o, oracleOutcome(() => mulShiftRound(h.oracle, a, b, s)), { a, b, s });
    }, { examples: [[INT64_MIN, INT64_MIN, 126], [INT64_MIN, INT64_MIN, 127], [INT64_MAX, INT64_MAX, 0], [-3n, 5n, 3]] });
  });

  it('Rounding.sat64 evm==oracle', async () => {
    await checkProperty('Rounding.sat64 evm==oracle', [around64], async (v) => {
      expectSameOutcome(await evm('sat64', [v]), oracleOutcome(() => sat64(h.oracle, v)), { v });
    });
  });

  it('Rounding.sat8 evm==oracle', async () => {
    const v8 = fc.oneof(int64Edge(), fc.bigInt({ min: -300n, max: 300n }));
    await checkProperty('Rounding.sat8 evm==oracle', [v8], async (v) => {
      expectSameOutcome(await evm('sat8', [v]), oracleOutcome(() => sat8(h.oracle, v)), { v });
    });
  });
});

describe('Rounding.sol == exact BigInt (full int256 domain)', () => {
  it('Rounding.rshiftRound evm==exact', async () => {
    await checkProperty('Rounding.rshiftRound evm==exact', [wideEdge(254), shift(255)], async (v, s) => {
      expectSameOutcome(await evm('rshiftRound', [v, s]), { ok: true, value: rhazShift(v, BigInt(s)) }, { v, s });
    }, { examples: [[(1n << 254n) - 1n, 255], [-((1n << 254n) - 1n), 254], [-(1n << 200n), 201]] });
  });

  it('Rounding.divRound evm==exact (DivisionByZero for d = 0)', async () => {
    const divisor = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 9, arbitrary: wideEdge(255) });
    await checkProperty('Rounding.divRound evm==exact', [wideEdge(255), divisor], async (n, d) => {
      const want: Outcome<bigint> = d === 0n ? { ok: false, name: 'DivisionByZero', detail: '' } : { ok: true, value: rhazDiv(n, d) };
      expectSameOutcome(await evm('divRound', [n, d]), want, { n, d });
    }, { examples: [[(1n << 255n) - 1n, 2n], [-((1n << 255n) - 1n), (1n << 255n) - 1n], [5n, 0n]] });
  });

  it('Rounding.sat64 / sat8 evm==exact', async () => {
    await checkProperty('Rounding.sat64/sat8 evm==exact', [wideEdge(255)], async (v) => {
      expectSameOutcome(await evm('sat64', [v]), { ok: true, value: clamp(v, INT64_MIN, INT64_MAX) }, { v });
      expectSameOutcome(await evm('sat8', [v]), { ok: true, value: clamp(v, -128n, 127n) }, { v });
    });
  });
});
