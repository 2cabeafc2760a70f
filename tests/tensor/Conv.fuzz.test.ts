/**
 * Conv: EVM (contracts/tensor/Conv.sol through ConvHarness) == oracle (assembly/tensor/Conv.ts), bit for
 * bit, and revert ⇔ throw with the same error name — for the fast kernels and their plain `…Ref` twins
 * (so fast == Ref == oracle). Random small shapes (see shapeArb: both int8 fast paths, Cout below, at and
 * above one 32-channel panel, kernels up to 5×5, strides 1–3, both paddings), edge-biased values, and
 * one mutation in ~1/4 of the cases (a zero dimension or stride, an unknown padding, a 'valid' window
 * larger than the input, a wrong buffer length, an out-of-range parameter).
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { hexlify } from 'ethers';
import { checkProperty, fitConvBudget, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { conv2dI8, conv2dI8Requant, conv2dQ, conv2dShapeArg, type Conv2dShape } from '../../src/harness/kernels/conv.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';

type ShapeMutation = 'none' | 'zeroDim' | 'zeroStride' | 'badPadding' | 'validTooLarge';
type LengthMutation = 'none' | 'x' | 'kernel' | 'bias' | 'M' | 'shift';

/**
 * Channels and kernel first, then the image within the MAC budget: covers both int8 fast paths — the
 * gathered one (kw·Cin ≤ 32: padded image, one run per pixel, two pixels per pass when Cout ≤ 16) and the
 * per-kernel-row one (kw·Cin > 32, e.g. Cin 11–16 with kw 3) — with Cout < 32 (lane words G = 1, 2, 3→4),
 * = 32 (a full panel), 33–65 (a full and a partial panel), kernels up to 5×5 so 'same' padding can be
 * wider than the input edge (H < kh), strides 1–3 and both paddings.
 */
const shapeArb: fc.Arbitrary<Conv2dShape> = fc
  .record({
    Cin: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 16 }) }),
    Cout: fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 8 }) },
      { weight: 2, arbitrary: fc.integer({ min: 9, max: 24 }) },
      { weight: 1, arbitrary: fc.integer({ min: 25, max: 32 }) },
      { weight: 1, arbitrary: fc.constantFrom(32, 33, 40, 47, 63, 64, 65) },
    ),
    kh: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 4, max: 5 }) }),
    kw: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 4, max: 5 }) }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
    h: fc.integer({ min: 1, max: 8 }),
    w: fc.integer({ min: 1, max: 8 }),
  })
  // Keep the EVM reference kernels fast: at most 2500 MACs per case.
  .map((s) => fitConvBudget(s, 2500))
  // Mostly valid shapes: a 'valid' window larger than the input becomes 'same' (the mutation re-creates it).
  .map((s) => (s.padding === 'valid' && (s.H < s.kh || s.W < s.kw) ? { ...s, padding: 'same' as const } : s))
  .filter((s) => s.H * s.W * s.Cin * s.Cout * s.kh * s.kw <= 2500);

const shapeMutationArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant<ShapeMutation>('none') },
  { weight: 1, arbitrary: fc.constantFrom<ShapeMutation>('zeroDim', 'zeroStride', 'badPadding', 'validTooLarge') },
);
const lengthMutationArb = (kinds: LengthMutation[]) =>
  fc.oneof({ weight: 12, arbitrary: fc.constant<LengthMutation>('none') }, { weight: 1, arbitrary: fc.constantFrom(...kinds) });

const dimFields = ['H', 'W', 'Cin', 'Cout', 'kh', 'kw'] as const;

function mutateShape(s: Conv2dShape, m: ShapeMutation, pick: number): Conv2dShape {
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
function lengths(s: Conv2dShape, m: LengthMutation, delta: number) {
  const adj = (n: number, k: LengthMutation) => (m === k ? Math.max(0, n + delta === n ? n + 1 : n + delta) : n);
  const K = s.kh * s.kw * s.Cin;
  return {
    K,
    nx: adj(s.H * s.W * s.Cin, 'x'),
    nk: adj(K * s.Cout, 'kernel'),
    nb: adj(s.Cout, 'bias'),
    nm: adj(s.Cout, 'M'),
    ns: adj(s.Cout, 'shift'),
  };
}

const int32Edge = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 1 << 20, -(1 << 20)) },
  { weight: 3, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: -5000, max: 5000 }) },
);
const qValue = fc.oneof({ weight: 1, arbitrary: qEdge(32) }, { weight: 2, arbitrary: fc.bigInt({ min: -(1n << 36n), max: 1n << 36n }) });

/** The kernel in panel layout for the fast EVM kernel; a wrong-length kernel gets a wrong-length panel buffer. */
function panelsHex(kernel: number[], K: number, Cout: number): string {
  if (kernel.length === K * Cout) return hexlify(packPanelsI8(kernel, K, Cout));
  const fixed = Array.from({ length: K * Cout }, (_, i) => kernel[i] ?? 0);
  const p = packPanelsI8(fixed, K, Cout);
  return hexlify(kernel.length > K * Cout ? Uint8Array.from([...p, 0]) : p.slice(0, Math.max(0, p.length - 1)));
}

async function evmBytes(h: Harness, method: string, args: unknown[], decode: (hex: string) => ArrayLike<number | bigint>): Promise<Outcome<unknown>> {
  const r = await h.call<[string, bigint]>(method, args);
  return r.ok ? { ok: true, value: decode(r.value[0]) } : r;
}

describe('Conv EVM == oracle', () => {
  it('conv2dQ: fast and Ref', async () => {
    const h = await getHarness('ConvHarness');
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
    await checkProperty('Conv.conv2dQ evm==oracle', [caseArb], async ({ s, x, kernel, bias, F }) => {
      const args = [encodeQ(x), encodeQ(kernel), encodeQ(bias), conv2dShapeArg(s), BigInt(F)];
      const oracle = oracleOutcome(() => conv2dQ(h.oracle, x, kernel, bias, s, F));
      const ctx = { s, F, x, kernel, bias };
      expectSameOutcome(await evmBytes(h, 'conv2dQ', args, decodeQ), oracle, ctx);
      expectSameOutcome(await evmBytes(h, 'conv2dQRef', args, decodeQ), oracle, ctx);
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
          n: fc.constant(n),
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

  it('conv2dI8: fast (SWAR panels) and Ref', async () => {
    const h = await getHarness('ConvHarness');
    await checkProperty('Conv.conv2dI8 evm==oracle', [int8Case([])], async ({ s, n, x, kernel, bias, zx }) => {
      const oracle = oracleOutcome(() => conv2dI8(h.oracle, x, zx, kernel, bias, s));
      const ctx = { s, zx, x, kernel, bias };
      const shape = conv2dShapeArg(s);
      expectSameOutcome(await evmBytes(h, 'conv2dI8', [encodeI8(x), BigInt(zx), panelsHex(kernel, n.K, s.Cout), bias, shape], decodeQ), oracle, ctx);
      expectSameOutcome(await evmBytes(h, 'conv2dI8Ref', [encodeI8(x), BigInt(zx), encodeI8(kernel), bias, shape], decodeQ), oracle, ctx);
    });
  });

  it('conv2dI8 with a small lane-flush interval (the multi-flush path) equals the oracle', async () => {
    const h = await getHarness('ConvHarness');
    const arb = fc.tuple(int8Case([]), fc.integer({ min: 1, max: 7 }));
    await checkProperty('Conv.conv2dI8WithFlush evm==oracle', [arb], async ([{ s, n, x, kernel, bias, zx }, flushRows]) => {
      const oracle = oracleOutcome(() => conv2dI8(h.oracle, x, zx, kernel, bias, s));
      const args = [encodeI8(x), BigInt(zx), panelsHex(kernel, n.K, s.Cout), bias, conv2dShapeArg(s), BigInt(flushRows)];
      expectSameOutcome(await evmBytes(h, 'conv2dI8WithFlush', args, decodeQ), oracle, { s, zx, x, kernel, bias, flushRows });
    });
  });

  it('conv2dI8Requant: fast and Ref', async () => {
    const h = await getHarness('ConvHarness');
    await checkProperty('Conv.conv2dI8Requant evm==oracle', [int8Case(['M', 'shift'])], async ({ s, n, x, kernel, bias, zx, M, shift, zOut }) => {
      const oracle = oracleOutcome(() => conv2dI8Requant(h.oracle, x, zx, kernel, bias, s, M, shift, zOut));
      const ctx = { s, zx, x, kernel, bias, M, shift, zOut };
      const shape = conv2dShapeArg(s);
      const tail = [M.map(BigInt), shift.map(BigInt), BigInt(zOut)];
      expectSameOutcome(await evmBytes(h, 'conv2dI8Requant', [encodeI8(x), BigInt(zx), panelsHex(kernel, n.K, s.Cout), bias, shape, ...tail], decodeI8), oracle, ctx);
      expectSameOutcome(await evmBytes(h, 'conv2dI8RequantRef', [encodeI8(x), BigInt(zx), encodeI8(kernel), bias, shape, ...tail], decodeI8), oracle, ctx);
    });
  });
});
