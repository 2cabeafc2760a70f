/**
 * Property tests for q-mode scalar math (docs/numerics.md §3): the EVM (contracts/tensor/QMath.sol via
 * contracts/test/QMathHarness.sol) == the oracle (assembly/tensor/QMath.ts) bit for bit, revert ⇔ throw
 * with the same error name; for every assembly fast path also fast == its plain `…Ref` twin.
 * Plus gas per op (measured inside the harness) against committed ceilings.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Q from '../../src/harness/kernels/qmath.ts';
import { checkProperty, int64Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';

const { INT64_MIN, INT64_MAX, Q_ONE: ONE, EXP_MIN, EXP_MAX } = Q;
const LN2_Q32 = 2977044472n;
const LN2_Q62 = 3196577161300663915n;
/** The smallest x with floor(x·2^30 / LN2_Q62) = k: where qExp's k steps up (numerics §3.2 step 2). */
const expSeam = (k: bigint) => -((-k * LN2_Q62) >> 30n);

let h: Harness;
const gas = new Map<string, bigint[]>();

beforeAll(async () => {
  h = await getHarness('QMathHarness');
});

afterAll(() => {
  const rows = [...gas].map(([op, g]) => {
    const s = [...g].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `${op.padEnd(12)} median ${String(s[s.length >> 1]).padStart(6)}  max ${String(s[s.length - 1]).padStart(6)}  (n=${s.length})`;
  });
  if (rows.length) console.info(`QMath gas per op (inside the harness; gasBaseline() = 7 of it is the gasleft bracket):\n  ${rows.join('\n  ')}`);
});

/** Call a harness function returning (int64 r, uint256 gasUsed); record gas; return r's outcome. */
async function evm(method: string, args: unknown[]): Promise<Outcome<bigint>> {
  const o = await h.call<[bigint, bigint]>(method, args);
  if (!o.ok) return o;
  const list = gas.get(method) ?? [];
  list.push(o.value[1]);
  gas.set(method, list);
  return { ok: true, value: o.value[0] };
}

/** fast (EVM) == oracle, and Ref (EVM) == oracle when the op has a Ref twin. */
async function same(op: string, args: unknown[], oracleFn: () => bigint, hasRef: boolean): Promise<void> {
  const want = oracleOutcome(oracleFn);
  expectSameOutcome(await evm(op, args), want, { op, args });
  if (hasRef) expectSameOutcome(await evm(`${op}Ref`, args), want, { op: `${op}Ref`, args });
}

// ---- generators (edge-biased, plus the documented domain of each function) ----

const q = qEdge(32);
/** Fractional bits: mostly in 0..62, sometimes out of range (ValueOutOfRange). */
const fracBits = fc.oneof(
  { weight: 3, arbitrary: fc.constant(32) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 62 }) },
  { weight: 1, arbitrary: fc.integer({ min: 63, max: 70 }) },
);
const divisor = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 9, arbitrary: q });
/** exp arguments: the whole int64 range, the active range [EXP_MIN, EXP_MAX], the k·LN2_Q32 seams of the
 *  first division and the seams of the final k (step 2's ±LN2_Q62 corrections), 31·LN2_Q32 − 5 = expSeam(31). */
const expArg = fc.oneof(
  { weight: 2, arbitrary: int64Edge() },
  { weight: 4, arbitrary: fc.bigInt({ min: EXP_MIN - (1n << 34n), max: EXP_MAX + (1n << 34n) }) },
  { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: -48n, max: 32n }), fc.bigInt({ min: -2n, max: 2n })).map(([k, d]) => k * LN2_Q32 + d) },
  { weight: 2, arbitrary: fc.tuple(fc.bigInt({ min: -48n, max: 32n }), fc.bigInt({ min: -2n, max: 2n })).map(([k, d]) => expSeam(k) + d) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(EXP_MIN - 1n, EXP_MIN, EXP_MAX, EXP_MAX + 1n, 31n * LN2_Q32 - 6n, 31n * LN2_Q32 - 5n, 31n * LN2_Q32 - 1n, 31n * LN2_Q32),
  },
  { weight: 2, arbitrary: fc.bigInt({ min: -(1n << 33n), max: 1n << 33n }) },
);
/** log arguments: positive values of every magnitude, and some non-positive ones (LogOfNonPositive). */
const logArg = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 62 }).chain((b) => fc.bigInt({ min: 1n << BigInt(b), max: (1n << BigInt(b + 1)) - 1n })) },
  { weight: 2, arbitrary: int64Edge() },
  { weight: 2, arbitrary: fc.bigInt({ min: ONE / 2n, max: 2n * ONE }) },
);
const sqrtArg = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 62 }).chain((b) => fc.bigInt({ min: 1n << BigInt(b), max: (1n << BigInt(b + 1)) - 1n })) },
  { weight: 2, arbitrary: int64Edge() },
);
/** Activation arguments: edges and the interesting range ±12. */
const actArg = fc.oneof({ weight: 1, arbitrary: q }, { weight: 2, arbitrary: fc.bigInt({ min: -12n * ONE, max: 12n * ONE }) });

describe('QMath §3.1: EVM == oracle (fast and Ref)', () => {
  it('QMath.qAdd evm==oracle', async () => {
    await checkProperty('QMath.qAdd evm==oracle', [q, q], async (a, b) => {
      await same('qAdd', [a, b], () => Q.qAdd(h.oracle, a, b), true);
    }, { examples: [[INT64_MAX, 1n], [INT64_MIN, -1n], [INT64_MIN, INT64_MAX]] });
  });

  it('QMath.qSub evm==oracle', async () => {
    await checkProperty('QMath.qSub evm==oracle', [q, q], async (a, b) => {
      await same('qSub', [a, b], () => Q.qSub(h.oracle, a, b), true);
    }, { examples: [[INT64_MIN, 1n], [INT64_MAX, -1n], [0n, INT64_MIN]] });
  });

  it('QMath.qMul evm==oracle', async () => {
    await checkProperty('QMath.qMul evm==oracle', [q, q, fracBits], async (a, b, F) => {
      await same('qMul', [a, b, F], () => Q.qMul(h.oracle, a, b, F), true);
    }, { examples: [[INT64_MIN, INT64_MIN, 62], [INT64_MIN, INT64_MIN, 0], [-3n, 5n, 1], [1n, 1n, 63], [3n * (ONE / 2n), 2n * ONE, 32]] });
  });

  it('QMath.qDiv evm==oracle', async () => {
    await checkProperty('QMath.qDiv evm==oracle', [q, divisor, fracBits], async (a, b, F) => {
      await same('qDiv', [a, b, F], () => Q.qDiv(h.oracle, a, b, F), true);
    }, { examples: [[INT64_MIN, -1n, 0], [INT64_MIN, 1n, 62], [1n, 0n, 32], [1n, 0n, 63], [-1n, 2n, 0], [INT64_MAX, INT64_MIN, 62]] });
  });

  it('QMath.qRescale evm==oracle', async () => {
    const f = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.integer({ min: 63, max: 70 }) });
    await checkProperty('QMath.qRescale evm==oracle', [q, f, f], async (a, F1, F2) => {
      await same('qRescale', [a, F1, F2], () => Q.qRescale(h.oracle, a, F1, F2), true);
    }, { examples: [[INT64_MIN, 0, 62], [-3n, 1, 0], [1n, 63, 0], [1n, 0, 63]] });
  });

  it('QMath.qClamp evm==oracle', async () => {
    await checkProperty('QMath.qClamp evm==oracle', [q, q, q], async (a, lo, hi) => {
      await same('qClamp', [a, lo, hi], () => Q.qClamp(h.oracle, a, lo, hi), true);
    }, { examples: [[0n, 5n, 1n], [7n, 5n, 5n]] });
  });
});

describe('QMath §3.2: EVM == oracle (fast and Ref)', () => {
  it('QMath.qExp evm==oracle', async () => {
    await checkProperty('QMath.qExp evm==oracle', [expArg], async (x) => {
      await same('qExp', [x], () => Q.qExp(h.oracle, x), true);
    }, { examples: [[0n], [EXP_MIN], [EXP_MIN - 1n], [EXP_MAX], [31n * LN2_Q32 - 6n], [31n * LN2_Q32 - 5n], [31n * LN2_Q32], [-47n * LN2_Q32], [expSeam(-1n) - 1n], [INT64_MIN]] });
  });

  it('QMath.qLog evm==oracle', async () => {
    await checkProperty('QMath.qLog evm==oracle', [logArg], async (x) => {
      await same('qLog', [x], () => Q.qLog(h.oracle, x), true);
    }, { examples: [[1n], [ONE], [INT64_MAX], [1n << 62n], [(1n << 62n) - 1n], [0n], [-1n], [INT64_MIN]] });
  });

  it('QMath.qSqrt evm==oracle', async () => {
    await checkProperty('QMath.qSqrt evm==oracle', [sqrtArg], async (x) => {
      await same('qSqrt', [x], () => Q.qSqrt(h.oracle, x), true);
    }, { examples: [[0n], [1n], [INT64_MAX], [-1n], [2n * ONE]] });
  });

  it('QMath.qRecip evm==oracle', async () => {
    await checkProperty('QMath.qRecip evm==oracle', [divisor], async (x) => {
      await same('qRecip', [x], () => Q.qRecip(h.oracle, x), false);
    }, { examples: [[0n], [1n], [-1n], [INT64_MIN]] });
  });

  for (const op of ['qSigmoid', 'qTanh', 'qErf', 'qGelu'] as const) {
    it(`QMath.${op} evm==oracle`, async () => {
      await checkProperty(`QMath.${op} evm==oracle`, [actArg], async (x) => {
        await same(op, [x], () => Q[op](h.oracle, x), true);
      }, { examples: [[0n], [INT64_MIN], [INT64_MAX], [1n << 62n], [-(1n << 62n) - 1n], [ONE], [-ONE]] });
    });
  }
});

/** Gas per op on fixed representative inputs; ceilings are committed so a regression fails here. */
describe('QMath gas (measured inside the harness)', () => {
  const typical = [ONE, -ONE, 3n * ONE + 12345n, -(5n * ONE) - 999n, ONE / 3n, 17n * ONE];
  const ceilings: { op: string; args: unknown[][]; max: bigint }[] = [
    { op: 'qAdd', args: typical.map((x) => [x, ONE / 7n]), max: 125n },
    { op: 'qSub', args: typical.map((x) => [x, ONE / 7n]), max: 125n },
    { op: 'qMul', args: typical.map((x) => [x, ONE / 7n, 32]), max: 200n },
    { op: 'qDiv', args: typical.map((x) => [x, ONE / 7n, 32]), max: 320n },
    { op: 'qRescale', args: typical.map((x) => [x, 32, 16]), max: 260n },
    { op: 'qClamp', args: typical.map((x) => [x, -ONE, ONE]), max: 220n },
    { op: 'qExp', args: typical.map((x) => [x]), max: 780n }, // measured 763 (every in-range x)
    { op: 'qLog', args: typical.filter((x) => x > 0n).map((x) => [x]), max: 2200n },
    { op: 'qSqrt', args: typical.filter((x) => x > 0n).map((x) => [x]), max: 540n },
    { op: 'qRecip', args: typical.map((x) => [x]), max: 400n },
    { op: 'qSigmoid', args: typical.map((x) => [x]), max: 1050n },
    { op: 'qTanh', args: typical.map((x) => [x]), max: 1100n },
    { op: 'qErf', args: typical.map((x) => [x]), max: 1500n },
    { op: 'qGelu', args: typical.map((x) => [x]), max: 1700n },
  ];
  it.each(ceilings)('$op ≤ $max gas', async ({ op, args, max }) => {
    let worst = 0n;
    for (const a of args) {
      const o = await h.call<[bigint, bigint]>(op, a);
      if (!o.ok) expect.fail(`${op}(${a.join(', ')}) reverted: ${o.name}`);
      if (o.value[1] > worst) worst = o.value[1];
    }
    expect(worst).toBeLessThanOrEqual(max);
  });

  it('gasBaseline (the empty gasleft bracket) is 7', async () => {
    const o = await h.call<bigint>('gasBaseline', []);
    expect(o.ok && o.value).toBe(7n);
  });
});
