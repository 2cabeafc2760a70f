/**
 * Pool: EVM (contracts/tensor/Pool.sol through PoolHarness) == oracle (assembly/tensor/Pool.ts), bit for
 * bit, revert ⇔ throw with the same error name, for the fast kernels and their `…Ref` twins (so
 * fast == Ref == oracle). Random small shapes (images ≤ 8×8×4, sometimes 30–34 channels for the int8
 * kernels' 32-channel blocks; windows ≤ 4×4, strides 1–3 independent of the window, both paddings),
 * edge-biased values (all-negative inputs are common, where 'same' max pooling must ignore the
 * padding), and one mutation in ~1/6 of the cases.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { checkProperty, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Outcome } from '../helpers/diff.ts';
import { avgPool2dI8, avgPool2dQ, maxPool2dI8, maxPool2dQ, pool2dShapeArg, type Pool2dShape, type PoolOp } from '../../src/harness/kernels/pool.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';

type Mutation = 'none' | 'zeroDim' | 'zeroStride' | 'badPadding' | 'validTooLarge' | 'xLen';

const shapeArb: fc.Arbitrary<Pool2dShape> = fc
  .record({
    H: fc.integer({ min: 1, max: 8 }),
    W: fc.integer({ min: 1, max: 8 }),
    C: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 30, max: 34 }) }),
    ph: fc.integer({ min: 1, max: 4 }),
    pw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
  })
  .map((s) => (s.padding === 'valid' && (s.H < s.ph || s.W < s.pw) ? { ...s, padding: 'same' as const } : s))
  .filter((s) => s.H * s.W * s.C <= 600);

const mutationArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Mutation>('none') },
  { weight: 1, arbitrary: fc.constantFrom<Mutation>('zeroDim', 'zeroStride', 'badPadding', 'validTooLarge', 'xLen') },
);

const dimFields = ['H', 'W', 'C', 'ph', 'pw'] as const;

function mutate(s: Pool2dShape, m: Mutation, pick: number): Pool2dShape {
  switch (m) {
    case 'zeroDim':
      return { ...s, [dimFields[pick % dimFields.length]!]: 0 };
    case 'zeroStride':
      return pick % 2 === 0 ? { ...s, sh: 0 } : { ...s, sw: 0 };
    case 'badPadding':
      return { ...s, padding: 2 + (pick % 5) };
    case 'validTooLarge':
      return pick % 2 === 0 ? { ...s, padding: 'valid', ph: s.H + 1 } : { ...s, padding: 'valid', pw: s.W + 1 };
    default:
      return s;
  }
}

function caseArb<T>(value: fc.Arbitrary<T>) {
  return fc.tuple(shapeArb, mutationArb, fc.nat(), fc.boolean()).chain(([s0, m, pick, negative]) => {
    const s = mutate(s0, m, pick);
    const n = s.H * s.W * s.C + (m === 'xLen' ? (pick % 2 === 0 || s.H * s.W * s.C === 0 ? 1 : -1) : 0);
    return fc.record({ s: fc.constant(s), negative: fc.constant(negative), x: fc.array(value, { minLength: n, maxLength: n }) });
  });
}

const qValue = fc.oneof({ weight: 1, arbitrary: qEdge(32) }, { weight: 2, arbitrary: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }) });

describe('Pool EVM == oracle', () => {
  const qOps: [PoolOp, typeof maxPool2dQ][] = [
    ['maxPool2dQ', maxPool2dQ],
    ['avgPool2dQ', avgPool2dQ],
  ];
  for (const [op, fn] of qOps) {
    it(op, async () => {
      const h = await getHarness('PoolHarness');
      await checkProperty(`Pool.${op} evm==oracle`, [caseArb(qValue)], async ({ s, negative, x }) => {
        // Half the cases all-negative: 'same' max pooling must never produce a padding 0.
        const xs = negative ? x.map((v) => (v > 0n ? -v : v === 0n ? -1n : v)) : x;
        const oracle = oracleOutcome(() => fn(h.oracle, xs, s));
        for (const method of [op, `${op}Ref`]) {
          const r = await h.call<[string, bigint]>(method, [encodeQ(xs), pool2dShapeArg(s)]);
          const evm: Outcome<unknown> = r.ok ? { ok: true, value: decodeQ(r.value[0]) } : r;
          expectSameOutcome(evm, oracle, { method, s, x: xs });
        }
      });
    });
  }

  const i8Ops: [PoolOp, typeof maxPool2dI8][] = [
    ['maxPool2dI8', maxPool2dI8],
    ['avgPool2dI8', avgPool2dI8],
  ];
  for (const [op, fn] of i8Ops) {
    it(op, async () => {
      const h = await getHarness('PoolHarness');
      await checkProperty(`Pool.${op} evm==oracle`, [caseArb(int8Edge())], async ({ s, negative, x }) => {
        const xs = negative ? x.map((v) => (v >= 0 ? -1 - (v % 128) : v)) : x;
        const oracle = oracleOutcome(() => fn(h.oracle, xs, s));
        for (const method of [op, `${op}Ref`]) {
          const r = await h.call<[string, bigint]>(method, [encodeI8(xs), pool2dShapeArg(s)]);
          const evm: Outcome<unknown> = r.ok ? { ok: true, value: decodeI8(r.value[0]) } : r;
          expectSameOutcome(evm, oracle, { method, s, x: xs });
        }
      });
    });
  }
});
