/**
 * Softmax: EVM (contracts/tensor/Softmax.sol through SoftmaxHarness) == oracle (assembly/tensor/Softmax.ts),
 * bit for bit, revert ⇔ throw with the same error name. Random shapes of rank 0–3 (dims ≤ 5), any axis
 * (sometimes out of range), logits from tiny to ~1e6 and int64 extremes, and one mutation in ~1/6 of
 * the cases (a zero dimension, a wrong length, out-of-range int8 parameters).
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { checkProperty, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Outcome } from '../helpers/diff.ts';
import { softmaxI8, softmaxQ, shapeCount } from '../../src/harness/kernels/softmax.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';

type Mutation = 'none' | 'zeroDim' | 'xLen' | 'axis';

const ONE = 1n << 32n;

const logit = fc.oneof(
  { weight: 1, arbitrary: qEdge(32) },
  { weight: 3, arbitrary: fc.bigInt({ min: -40n * ONE, max: 40n * ONE }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 20n), max: 1n << 20n }).map((v) => 1_000_000n * ONE + v * 4096n) },
);

const shapeCase = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
    fc.oneof({ weight: 10, arbitrary: fc.constant<Mutation>('none') }, { weight: 1, arbitrary: fc.constantFrom<Mutation>('zeroDim', 'xLen', 'axis') }),
    fc.nat(),
  )
  .map(([dims0, m, pick]) => {
    const dims = [...dims0];
    if (m === 'zeroDim' && dims.length > 0) dims[pick % dims.length] = 0;
    const axis = m === 'axis' || dims.length === 0 ? dims.length + (pick % 2) : pick % dims.length;
    const n = shapeCount(dims) + (m === 'xLen' ? (pick % 3 === 0 && shapeCount(dims) > 0 ? -1 : 1) : 0);
    return { dims, axis, n };
  });

describe('Softmax EVM == oracle', () => {
  it('softmaxQ', async () => {
    const h = await getHarness('SoftmaxHarness');
    const arb = shapeCase.chain(({ dims, axis, n }) =>
      fc.record({ dims: fc.constant(dims), axis: fc.constant(axis), x: fc.array(logit, { minLength: n, maxLength: n }) }),
    );
    await checkProperty('Softmax.softmaxQ evm==oracle', [arb], async ({ dims, axis, x }) => {
      const oracle = oracleOutcome(() => softmaxQ(h.oracle, x, dims, axis));
      const r = await h.call<[string, bigint]>('softmaxQ', [encodeQ(x), dims.map(BigInt), BigInt(axis)]);
      const evm: Outcome<unknown> = r.ok ? { ok: true, value: decodeQ(r.value[0]) } : r;
      expectSameOutcome(evm, oracle, { dims, axis, x });
    });
  });

  it('softmaxI8', async () => {
    const h = await getHarness('SoftmaxHarness');
    const bad = <T>(good: fc.Arbitrary<T>, ...invalid: T[]) => fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
    const arb = shapeCase.chain(({ dims, axis, n }) =>
      fc.record({
        dims: fc.constant(dims),
        axis: fc.constant(axis),
        x: fc.array(int8Edge(), { minLength: n, maxLength: n }),
        zx: bad(int8Edge(), 128, -129),
        // input scale in Q32: typical 1/16 … 1/4, tiny, huge (saturating dequantize), 0
        scaleQ: bad(
          fc.oneof(fc.bigInt({ min: 1n << 26n, max: 1n << 31n }), fc.constantFrom(0n, 1n, (1n << 63n) - 1n, 1n << 40n)),
          -1n,
        ),
        // output: s_out = 1/256, z_out = −128 → M/2^shift ≈ 2^−24 (M = 2^30, shift = 54), or random
        M: bad(fc.oneof(fc.constant(1n << 30n), fc.bigInt({ min: 0n, max: (1n << 31n) - 1n })), -1n, 1n << 31n),
        shift: bad(fc.oneof(fc.constant(54n), fc.bigInt({ min: 0n, max: 126n })), -1n, 127n),
        zOut: bad(int8Edge(), 128, -129),
      }),
    );
    await checkProperty('Softmax.softmaxI8 evm==oracle', [arb], async ({ dims, axis, x, zx, scaleQ, M, shift, zOut }) => {
      const oracle = oracleOutcome(() => softmaxI8(h.oracle, x, zx, scaleQ, dims, axis, M, shift, zOut));
      const r = await h.call<[string, bigint]>('softmaxI8', [encodeI8(x), BigInt(zx), scaleQ, dims.map(BigInt), BigInt(axis), M, shift, BigInt(zOut)]);
      const evm: Outcome<unknown> = r.ok ? { ok: true, value: decodeI8(r.value[0]) } : r;
      expectSameOutcome(evm, oracle, { dims, axis, x, zx, scaleQ, M, shift, zOut });
    });
  });
});
