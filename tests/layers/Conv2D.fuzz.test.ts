/**
 * Property tests for contracts/layers/Conv2D.sol: the fast layer, its plain twin (`forwardRef`,
 * `forwardRangeRef`) on the embedded EVM and the oracle (assembly/layers/Conv2D.ts) produce the same bytes
 * and fail together with the same error name, in both number modes, for random shapes (images ≤ 6×6×4,
 * kernels ≤ 3×3, strides 1–3, both paddings, sometimes two SWAR panels), every activation kind, random
 * quantization parameters (including the relu form `Mn = 0` that keeps the fused fast path and leaky
 * slopes that take the accumulator path), output-row ranges, and rare corruptions.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { getBytes } from 'ethers';
import { checkProperty, fitConvBudget, int8Edge } from '../fuzz.ts';
import { getHarness, type Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { packDenseI8, packDenseQ } from '../../src/harness/layers/dense.ts';
import { CONV2D, windowRows, type Conv2DConfig } from '../../src/harness/layers/conv2D.ts';
import { actSpec, expectLayerAgreement, int8, multiplier, qValue, shiftArb } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await getHarness('ConvLayersHarness');
});

type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'mode' | 'H0' | 'Cout0' | 'stride0' | 'pad2' | 'validTooLarge';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'mode', 'H0', 'Cout0', 'stride0', 'pad2', 'validTooLarge') },
  );

interface Shape {
  H: number; W: number; Cin: number; Cout: number; kh: number; kw: number; sh: number; sw: number; padding: number;
}
/**
 * Channels and kernel first, then the image within the MAC budget: covers both int8 fast paths — the
 * gathered one (kw·Cin ≤ 32: padded image, one run per pixel, two pixels per pass when Cout ≤ 16) and the
 * per-kernel-row one (kw·Cin > 32, e.g. Cin 11–16 with kw 3) — with Cout < 32 (lane words G = 1, 2, 3→4),
 * = 32 (a full panel), 33–65 (a full and a partial panel), kernels up to 5×5 so 'same' padding can be
 * wider than the input edge (H < kh), strides 1–3 and both paddings.
 */
const shapeArb: fc.Arbitrary<Shape> = fc
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
    padding: fc.constantFrom(0, 1),
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
  })
  // Keep the EVM reference kernels fast: at most 2500 MACs per case.
  .map((s) => fitConvBudget(s, 2500))
  .map((s) => (s.padding === 0 && (s.H < s.kh || s.W < s.kw) ? { ...s, padding: 1 } : s))
  .filter((s) => s.H * s.W * s.Cin * s.Cout * s.kh * s.kw <= 2500);

/** An output-row range: mostly none (forward) or valid, rarely out of bounds. */
const rangeArb = (Ho: number): fc.Arbitrary<[number, number] | undefined> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: Ho }), fc.integer({ min: 0, max: Ho })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]) },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([0, Ho + 1], [Ho, Math.max(0, Ho - 1)], [1, 0]) },
  );

const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, Math.max(0, b.length - 1)) : Uint8Array.from([...b, 7]));

function corrupt(c: Conv2DConfig, bad: Corruption): Conv2DConfig {
  switch (bad) {
    case 'mode': return { ...c, mode: 2 + (c.H % 200) };
    case 'H0': return { ...c, H: 0 };
    case 'Cout0': return { ...c, Cout: 0 };
    case 'stride0': return { ...c, sw: 0 };
    case 'pad2': return { ...c, padding: 2 };
    case 'validTooLarge': return { ...c, padding: 0, kh: c.H + 1 };
    default: return c;
  }
}

/** Largest MAC count also run through the Ref twin (~10^3 gas per MAC). */
const REF_MACS = 900;

async function check(c: Conv2DConfig, weights: Uint8Array, input: Uint8Array, bad: Corruption, r: [number, number] | undefined, ctx: unknown) {
  const x = bad === 'x+1' ? resized(input, 1) : bad === 'x-1' ? resized(input, -1) : input;
  const w = bad === 'w+1' ? resized(weights, 1) : bad === 'w-1' ? resized(weights, -1) : weights;
  const cfg = corrupt(c, bad);
  const withRef = c.H * c.W * c.Cin * c.Cout * c.kh * c.kw <= REF_MACS;
  if (r) await expectLayerAgreement(h, CONV2D, cfg, w, x, ctx, { method: 'conv2dRange', refMethod: withRef ? 'conv2dRangeRef' : undefined, range: r });
  else await expectLayerAgreement(h, CONV2D, cfg, w, x, ctx, { refMethod: withRef ? 'conv2dRef' : undefined });
}

const noI8 = { zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };

describe('Conv2D q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const qCase = shapeArb.chain((s) =>
      fc.oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }).chain((F) =>
        fc.record({
          s: fc.constant(s),
          F: fc.constant(F),
          act: actSpec(Math.min(F, 62)),
          x: fc.array(qValue(Math.min(F, 62)), { minLength: s.H * s.W * s.Cin, maxLength: s.H * s.W * s.Cin }),
          k: fc.array(qValue(Math.min(F, 62)), { minLength: s.kh * s.kw * s.Cin * s.Cout, maxLength: s.kh * s.kw * s.Cin * s.Cout }),
          b: fc.array(qValue(Math.min(F, 62)), { minLength: s.Cout, maxLength: s.Cout }),
          range: rangeArb(windowRows(s.H, s.kh, s.sh, s.padding)),
          bad: corruption(),
        }),
      ),
    );
    await checkProperty('Conv2D.forward q evm==oracle', [qCase], async (c) => {
      const config: Conv2DConfig = { mode: 0, ...c.s, act: c.act, F: c.F, ...noI8 };
      const K = c.s.kh * c.s.kw * c.s.Cin;
      await check(config, packDenseQ(c.k, c.b, K, c.s.Cout), getBytes(encodeQ(c.x)), c.bad, c.range, c);
    });
  });
});

describe('Conv2D int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const i8Case = shapeArb.chain((s) =>
      fc.record({
        s: fc.constant(s),
        act: actSpec(32),
        zIn: int8(),
        zPre: int8(),
        clamp: fc.oneof({ weight: 8, arbitrary: fc.tuple(int8(), int8()).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]) }, { weight: 1, arbitrary: fc.tuple(int8(), int8()) }),
        // none: no negative section; relu0: Mn = 0 with lo ≥ zPre (fused fast path); leaky: random Mn (accumulator path)
        neg: fc.constantFrom('none', 'none', 'relu0', 'leaky', 'same'),
        scalePreQ: fc.oneof({ weight: 8, arbitrary: fc.bigInt({ min: 1n << 20n, max: 1n << 34n }) }, { weight: 1, arbitrary: fc.constantFrom(0n, -1n) }),
        outM: multiplier(),
        outShift: shiftArb(40, 62),
        zOut: int8(),
        x: fc.array(int8Edge(), { minLength: s.H * s.W * s.Cin, maxLength: s.H * s.W * s.Cin }),
        k: fc.array(int8Edge(), { minLength: s.kh * s.kw * s.Cin * s.Cout, maxLength: s.kh * s.kw * s.Cin * s.Cout }),
        bias: fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }) }, { weight: 1, arbitrary: fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0) }), { minLength: s.Cout, maxLength: s.Cout }),
        M: fc.array(multiplier(false), { minLength: s.Cout, maxLength: s.Cout }),
        shift: fc.array(shiftArb(28, 50, false), { minLength: s.Cout, maxLength: s.Cout }),
        Mn: fc.array(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), { minLength: s.Cout, maxLength: s.Cout }),
        shiftN: fc.array(shiftArb(28, 50, false), { minLength: s.Cout, maxLength: s.Cout }),
        badChannel: fc.oneof(
          { weight: 9, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: s.Cout - 1 }), fc.constantFrom('M', 'shift', 'Mn', 'shiftN'), fc.constantFrom(0, 1)) },
        ),
        range: rangeArb(windowRows(s.H, s.kh, s.sh, s.padding)),
        bad: corruption(),
      }),
    );
    await checkProperty('Conv2D.forward int8 evm==oracle', [i8Case], async (c) => {
      const negative = c.neg !== 'none';
      let lo = c.clamp[0]!;
      const hi = c.clamp[1]!;
      if (c.neg === 'relu0') lo = Math.max(lo, c.zPre);
      const config: Conv2DConfig = {
        mode: 1, ...c.s, act: c.act, F: 32, zIn: c.zIn, zPre: c.zPre, lo, hi: c.neg === 'relu0' ? Math.max(lo, hi) : hi,
        negative, scalePreQ: c.scalePreQ, outM: c.outM, outShift: c.outShift, zOut: c.zOut,
      };
      const [M, shift, Mn0, shiftN0] = [[...c.M], [...c.shift], [...c.Mn], [...c.shiftN]];
      const Mn = c.neg === 'relu0' ? Mn0.map(() => 0) : c.neg === 'same' ? M.slice() : Mn0;
      const shiftN = c.neg === 'same' ? shift.slice() : shiftN0;
      if (c.badChannel) {
        const [o, field, v] = c.badChannel;
        if (field === 'M') M[o] = v ? 2 ** 32 - 1 : 2 ** 31;
        if (field === 'shift') shift[o] = v ? 255 : 127;
        if (field === 'Mn') Mn[o] = -(2 ** 31);
        if (field === 'shiftN') shiftN[o] = v ? 255 : 127;
      }
      const K = c.s.kh * c.s.kw * c.s.Cin;
      const weights = packDenseI8({ W: c.k, bias: c.bias, M, shift, ...(negative ? { Mn, shiftN } : {}) }, K, c.s.Cout);
      await check(config, weights, Uint8Array.from(c.x, (v) => v & 0xff), c.bad, c.range, c);
    });
  });
});
