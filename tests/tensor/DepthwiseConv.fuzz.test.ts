/**
 * DepthwiseConv: EVM (contracts/tensor/DepthwiseConv.sol through DepthwiseConvHarness) == oracle
 * (assembly/tensor/DepthwiseConv.ts), bit for bit, and revert ⇔ throw with the same error name — for the
 * fast kernels and their plain `…Ref` twins (so fast == Ref == oracle). Random small shapes (images ≤ 8×8
 * and some wide rows up to 40 columns so the 8/16/32-column lane blocks and partial blocks all run,
 * kernels ≤ 4×4, strides 1–3, both paddings, depth multipliers 1–3), edge-biased values, and one mutation
 * in ~1/4 of the cases (a zero dimension or stride, an unknown padding, a 'valid' window larger than the
 * input, a wrong buffer length, an out-of-range parameter).
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { checkProperty, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import {
  depthwiseConv2dI8,
  depthwiseConv2dI8Requant,
  depthwiseConv2dQ,
  depthwiseShapeArg,
  type DepthwiseConv2dShape,
} from '../../src/harness/kernels/depthwise.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';

type ShapeMutation = 'none' | 'zeroDim' | 'zeroStride' | 'badPadding' | 'validTooLarge';
type LengthMutation = 'none' | 'x' | 'kernel' | 'bias' | 'M' | 'shift';

const shapeArb: fc.Arbitrary<DepthwiseConv2dShape> = fc
  .record({
    H: fc.integer({ min: 1, max: 8 }),
    W: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 2, arbitrary: fc.integer({ min: 9, max: 40 }) }),
    C: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(7, 8, 9) }),
    mult: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 3 }) }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
  })
  // Mostly valid shapes: a 'valid' window larger than the input becomes 'same' (the mutation re-creates it).
  .map((s) => (s.padding === 'valid' && (s.H < s.kh || s.W < s.kw) ? { ...s, padding: 'same' as const } : s))
  // Keep the EVM reference kernels (~1000 gas per MAC) fast: at most ~3000 MACs per case.
  .filter((s) => s.H * s.W * s.C * s.mult * s.kh * s.kw <= 3000);

const shapeMutationArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant<ShapeMutation>('none') },
  { weight: 1, arbitrary: fc.constantFrom<ShapeMutation>('zeroDim', 'zeroStride', 'badPadding', 'validTooLarge') },
);
const lengthMutationArb = (kinds: LengthMutation[]) =>
  fc.oneof({ weight: 12, arbitrary: fc.constant<LengthMutation>('none') }, { weight: 1, arbitrary: fc.constantFrom(...kinds) });

const dimFields = ['H', 'W', 'C', 'mult', 'kh', 'kw'] as const;

function mutateShape(s: DepthwiseConv2dShape, m: ShapeMutation, pick: number): DepthwiseConv2dShape {
  switch (m) {
    case 'zeroDim':
      return { ...s, [dimFields[pick % dimFields.length]!]: 0 };
    case 'zeroStride':
      return pick % 2 === 0 ? { ...s, sh: 0 } : { ...s, sw: 0 };
    case 'badPadding':
      return { ...s, padding: 2 + (pick % 3) };
    case 'validTooLarge':
      return pick % 2 === 0 ? { ...s, padding: 'valid', kh: s.H + 1 } : { ...s, padding: 'valid', kw: s.W + 1 };
    default:
      return s;
  }
}

/** Buffer lengths for a (possibly mutated) shape, one of them off by ±1 for a length mutation. */
function lengths(s: DepthwiseConv2dShape, m: LengthMutation, delta: number) {
  const adj = (n: number, k: LengthMutation) => (m === k ? Math.max(0, n + delta === n ? n + 1 : n + delta) : n);
  const cout = s.C * s.mult;
  return {
    nx: adj(s.H * s.W * s.C, 'x'),
    nk: adj(s.kh * s.kw * cout, 'kernel'),
    nb: adj(cout, 'bias'),
    nm: adj(cout, 'M'),
    ns: adj(cout, 'shift'),
  };
}

const int32Edge = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 1 << 20, -(1 << 20)) },
  { weight: 3, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: -5000, max: 5000 }) },
);
const qValue = fc.oneof({ weight: 1, arbitrary: qEdge(32) }, { weight: 2, arbitrary: fc.bigInt({ min: -(1n << 36n), max: 1n << 36n }) });

async function evmBytes(h: Harness, method: string, args: unknown[], decode: (hex: string) => ArrayLike<number | bigint>): Promise<Outcome<unknown>> {
  const r = await h.call<[string, bigint]>(method, args);
  return r.ok ? { ok: true, value: decode(r.value[0]) } : r;
}

describe('DepthwiseConv EVM == oracle', () => {
  it('depthwiseConv2dQ: fast and Ref', async () => {
    const h = await getHarness('DepthwiseConvHarness');
    const caseArb = fc
      .tuple(shapeArb, shapeMutationArb, lengthMutationArb(['x', 'kernel', 'bias']), fc.nat(), fc.constantFrom(-1, 1))
      .chain(([s0, sm, lm, pick, delta]) => {
        const s = mutateShape(s0, sm, pick);
        const n = lengths(s, lm, delta);
        return fc.record({
          s: fc.constant(s),
          x: fc.array(qValue, { minLength: n.nx, maxLength: n.nx }),
          kernel: fc.array(qValue, { minLength: n.nk, maxLength: n.nk }),
          bias: fc.array(qValue, { minLength: n.nb, maxLength: n.nb }),
          F: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(32, 32, 0, 1, 16, 31, 62) }, { weight: 1, arbitrary: fc.constantFrom(-1, 63, 64) }),
        });
      });
    await checkProperty('DepthwiseConv.depthwiseConv2dQ evm==oracle', [caseArb], async ({ s, x, kernel, bias, F }) => {
      const args = [encodeQ(x), encodeQ(kernel), encodeQ(bias), depthwiseShapeArg(s), BigInt(F)];
      const oracle = oracleOutcome(() => depthwiseConv2dQ(h.oracle, x, kernel, bias, s, F));
      const ctx = { s, F, x, kernel, bias };
      expectSameOutcome(await evmBytes(h, 'depthwiseConv2dQ', args, decodeQ), oracle, ctx);
      expectSameOutcome(await evmBytes(h, 'depthwiseConv2dQRef', args, decodeQ), oracle, ctx);
    });
  });

  const int8Case = (extraLengths: LengthMutation[]) =>
    fc
      .tuple(shapeArb, shapeMutationArb, lengthMutationArb(['x', 'kernel', 'bias', ...extraLengths]), fc.nat(), fc.constantFrom(-1, 1))
      .chain(([s0, sm, lm, pick, delta]) => {
        const s = mutateShape(s0, sm, pick);
        const n = lengths(s, lm, delta);
        return fc.record({
          s: fc.constant(s),
          x: fc.array(int8Edge(), { minLength: n.nx, maxLength: n.nx }),
          kernel: fc.array(int8Edge(), { minLength: n.nk, maxLength: n.nk }),
          bias: fc.array(int32Edge, { minLength: n.nb, maxLength: n.nb }),
          zx: fc.oneof({ weight: 12, arbitrary: int8Edge() }, { weight: 1, arbitrary: fc.constantFrom(128, -129, 1000) }),
          M: fc.array(
            fc.oneof(
              { weight: 12, arbitrary: fc.oneof(fc.integer({ min: 1 << 30, max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, 2 ** 31 - 1, 1 << 30)) },
              { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 31) },
            ),
            { minLength: n.nm, maxLength: n.nm },
          ),
          shift: fc.array(
            fc.oneof(
              { weight: 12, arbitrary: fc.oneof(fc.integer({ min: 28, max: 50 }), fc.constantFrom(0, 1, 62, 126)) },
              { weight: 1, arbitrary: fc.constantFrom(-1, 127) },
            ),
            { minLength: n.ns, maxLength: n.ns },
          ),
          zOut: fc.oneof({ weight: 12, arbitrary: int8Edge() }, { weight: 1, arbitrary: fc.constantFrom(128, -129) }),
        });
      });

  it('depthwiseConv2dI8: fast (SWAR row lanes) and Ref', async () => {
    const h = await getHarness('DepthwiseConvHarness');
    await checkProperty('DepthwiseConv.depthwiseConv2dI8 evm==oracle', [int8Case([])], async ({ s, x, kernel, bias, zx }) => {
      const oracle = oracleOutcome(() => depthwiseConv2dI8(h.oracle, x, zx, kernel, bias, s));
      const ctx = { s, zx, x, kernel, bias };
      const args = [encodeI8(x), BigInt(zx), encodeI8(kernel), bias, depthwiseShapeArg(s)];
      expectSameOutcome(await evmBytes(h, 'depthwiseConv2dI8', args, decodeQ), oracle, ctx);
      expectSameOutcome(await evmBytes(h, 'depthwiseConv2dI8Ref', args, decodeQ), oracle, ctx);
    });
  });

  it('depthwiseConv2dI8Requant: fast and Ref', async () => {
    const h = await getHarness('DepthwiseConvHarness');
    await checkProperty(
      'DepthwiseConv.depthwiseConv2dI8Requant evm==oracle',
      [int8Case(['M', 'shift'])],
      async ({ s, x, kernel, bias, zx, M, shift, zOut }) => {
        const oracle = oracleOutcome(() => depthwiseConv2dI8Requant(h.oracle, x, zx, kernel, bias, s, M, shift, zOut));
        const ctx = { s, zx, x, kernel, bias, M, shift, zOut };
        const args = [encodeI8(x), BigInt(zx), encodeI8(kernel), bias, depthwiseShapeArg(s), M.map(BigInt), shift.map(BigInt), BigInt(zOut)];
        expectSameOutcome(await evmBytes(h, 'depthwiseConv2dI8Requant', args, decodeI8), oracle, ctx);
        expectSameOutcome(await evmBytes(h, 'depthwiseConv2dI8RequantRef', args, decodeI8), oracle, ctx);
      },
    );
  });
});
