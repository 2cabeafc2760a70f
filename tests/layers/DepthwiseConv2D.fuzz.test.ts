/**
 * Property tests for contracts/layers/DepthwiseConv2D.sol: the fast layer, its plain twin (`forwardRef`,
 * `forwardRangeRef`) on the embedded EVM and the oracle (assembly/layers/DepthwiseConv2D.ts) produce the
 * same bytes and fail together with the same error name, in both number modes, for random shapes (images
 * ≤ 6×(6 or up to 20)×4, depth multipliers 1–3, kernels ≤ 3×3, strides 1–3, both paddings), every
 * activation kind, random quantization parameters (relu form `Mn = 0` on the fused path, leaky slopes on
 * the accumulator path), output-row ranges, and rare corruptions.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { getBytes } from 'ethers';
import { checkProperty, int8Edge } from '../fuzz.ts';
import { getHarness, type Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { windowRows } from '../../src/harness/layers/conv2D.ts';
import { DEPTHWISE_CONV2D, packDepthwiseI8, packDepthwiseQ, type DepthwiseConv2DConfig } from '../../src/harness/layers/depthwiseConv2D.ts';
import { actSpec, expectLayerAgreement, int8, multiplier, qValue, shiftArb } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await getHarness('ConvLayersHarness');
});

type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'mode' | 'H0' | 'mult0' | 'stride0' | 'pad2' | 'validTooLarge';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'mode', 'H0', 'mult0', 'stride0', 'pad2', 'validTooLarge') },
  );

interface Shape {
  H: number; W: number; C: number; mult: number; kh: number; kw: number; sh: number; sw: number; padding: number;
}
const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    H: fc.integer({ min: 1, max: 6 }),
    W: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 20 }) }),
    C: fc.integer({ min: 1, max: 5 }),
    mult: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom(0, 1),
  })
  .map((s) => (s.padding === 0 && (s.H < s.kh || s.W < s.kw) ? { ...s, padding: 1 } : s))
  .filter((s) => s.H * s.W * s.C * s.mult * s.kh * s.kw <= 2500);

/** An output-row range: mostly none (forward) or valid, rarely out of bounds. */
const rangeArb = (Ho: number): fc.Arbitrary<[number, number] | undefined> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: Ho }), fc.integer({ min: 0, max: Ho })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]) },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([0, Ho + 1], [Ho, Math.max(0, Ho - 1)], [1, 0]) },
  );

const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, Math.max(0, b.length - 1)) : Uint8Array.from([...b, 7]));

function corrupt(c: DepthwiseConv2DConfig, bad: Corruption): DepthwiseConv2DConfig {
  switch (bad) {
    case 'mode': return { ...c, mode: 2 + (c.H % 200) };
    case 'H0': return { ...c, H: 0 };
    case 'mult0': return { ...c, mult: 0 };
    case 'stride0': return { ...c, sw: 0 };
    case 'pad2': return { ...c, padding: 2 };
    case 'validTooLarge': return { ...c, padding: 0, kh: c.H + 1 };
    default: return c;
  }
}

/** Largest MAC count also run through the Ref twin (~10^3 gas per MAC). */
const REF_MACS = 900;

async function check(c: DepthwiseConv2DConfig, weights: Uint8Array, input: Uint8Array, bad: Corruption, r: [number, number] | undefined, ctx: unknown) {
  const x = bad === 'x+1' ? resized(input, 1) : bad === 'x-1' ? resized(input, -1) : input;
  const w = bad === 'w+1' ? resized(weights, 1) : bad === 'w-1' ? resized(weights, -1) : weights;
  const cfg = corrupt(c, bad);
  const withRef = c.H * c.W * c.C * c.mult * c.kh * c.kw <= REF_MACS;
  if (r) await expectLayerAgreement(h, DEPTHWISE_CONV2D, cfg, w, x, ctx, { method: 'depthwiseConv2dRange', refMethod: withRef ? 'depthwiseConv2dRangeRef' : undefined, range: r });
  else await expectLayerAgreement(h, DEPTHWISE_CONV2D, cfg, w, x, ctx, { refMethod: withRef ? 'depthwiseConv2dRef' : undefined });
}

const noI8 = { zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };

describe('DepthwiseConv2D q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const qCase = shapeArb.chain((s) =>
      fc.oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) }).chain((F) =>
        fc.record({
          s: fc.constant(s),
          F: fc.constant(F),
          act: actSpec(Math.min(F, 62)),
          x: fc.array(qValue(Math.min(F, 62)), { minLength: s.H * s.W * s.C, maxLength: s.H * s.W * s.C }),
          k: fc.array(qValue(Math.min(F, 62)), { minLength: s.kh * s.kw * s.C * s.mult, maxLength: s.kh * s.kw * s.C * s.mult }),
          b: fc.array(qValue(Math.min(F, 62)), { minLength: s.C * s.mult, maxLength: s.C * s.mult }),
          range: rangeArb(windowRows(s.H, s.kh, s.sh, s.padding)),
          bad: corruption(),
        }),
      ),
    );
    await checkProperty('DepthwiseConv2D.forward q evm==oracle', [qCase], async (c) => {
      const config: DepthwiseConv2DConfig = { mode: 0, ...c.s, act: c.act, F: c.F, ...noI8 };
      await check(config, packDepthwiseQ(c.k, c.b), getBytes(encodeQ(c.x)), c.bad, c.range, c);
    });
  });
});

describe('DepthwiseConv2D int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const i8Case = shapeArb.chain((s0) => {
      const s = { ...s0, N: s0.C * s0.mult };
      return fc.record({
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
        x: fc.array(int8Edge(), { minLength: s.H * s.W * s.C, maxLength: s.H * s.W * s.C }),
        k: fc.array(int8Edge(), { minLength: s.kh * s.kw * s.N, maxLength: s.kh * s.kw * s.N }),
        bias: fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }) }, { weight: 1, arbitrary: fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0) }), { minLength: s.N, maxLength: s.N }),
        M: fc.array(multiplier(false), { minLength: s.N, maxLength: s.N }),
        shift: fc.array(shiftArb(28, 50, false), { minLength: s.N, maxLength: s.N }),
        Mn: fc.array(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), { minLength: s.N, maxLength: s.N }),
        shiftN: fc.array(shiftArb(28, 50, false), { minLength: s.N, maxLength: s.N }),
        badChannel: fc.oneof(
          { weight: 9, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: s.N - 1 }), fc.constantFrom('M', 'shift', 'Mn', 'shiftN'), fc.constantFrom(0, 1)) },
        ),
        range: rangeArb(windowRows(s.H, s.kh, s.sh, s.padding)),
        bad: corruption(),
      });
    });
    await checkProperty('DepthwiseConv2D.forward int8 evm==oracle', [i8Case], async (c) => {
      const negative = c.neg !== 'none';
      let lo = c.clamp[0]!;
      const hi = c.clamp[1]!;
      if (c.neg === 'relu0') lo = Math.max(lo, c.zPre);
      const { N, ...shape } = c.s;
      const config: DepthwiseConv2DConfig = {
        mode: 1, ...shape, act: c.act, F: 32, zIn: c.zIn, zPre: c.zPre, lo, hi: c.neg === 'relu0' ? Math.max(lo, hi) : hi,
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
      const weights = packDepthwiseI8(c.k, { bias: c.bias, M, shift, ...(negative ? { Mn, shiftN } : {}) }, N);
      await check(config, weights, Uint8Array.from(c.x, (v) => v & 0xff), c.bad, c.range, c);
    });
  });
});
