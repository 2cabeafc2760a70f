/**
 * DepthwiseConv oracle vs an independent exact BigInt reference written from docs/numerics.md §1, §3,
 * §4.1, §4.3, §5 (it pads the image explicitly — TensorFlow's split — instead of skipping padded taps as
 * the kernels do), over a deterministic sweep; hand-derivable case tables; the gas of the EVM kernels at
 * a realistic size (16×16×32, 3×3, 'same', depth multiplier 1).
 */
import { describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import {
  depthwiseConv2dI8,
  depthwiseConv2dI8Requant,
  depthwiseConv2dQ,
  depthwiseShapeArg,
  type DepthwiseConv2dShape,
} from '../../src/harness/kernels/depthwise.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { getHarness } from '../helpers/diff.ts';

// ------------------------------------------------------------------------------------------------
// The reference (numerics §1, §5), written from the spec's formulas.

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const sat64 = (v: bigint) => (v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v);
const sat8 = (v: bigint) => (v < -128n ? -128n : v > 127n ? 127n : v);
/** RHAZ(v / 2^s) — numerics §1: sign(v)·floor((|v| + 2^(s−1)) / 2^s). */
function rshiftRound(v: bigint, s: number): bigint {
  if (s === 0) return v;
  const m = v < 0n ? -v : v;
  const r = (m + (1n << BigInt(s - 1))) >> BigInt(s);
  return v < 0n ? -r : r;
}

/** One axis of numerics §5: output length and padding before/after. */
function axis(n: number, k: number, s: number, padding: 'valid' | 'same'): { out: number; before: number; after: number } {
  if (padding === 'valid') {
    if (n < k) throw new Error('InvalidShape 1');
    return { out: Math.floor((n - k) / s) + 1, before: 0, after: 0 };
  }
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

interface RefShape {
  H: number; W: number; C: number; mult: number; kh: number; kw: number; sh: number; sw: number; padding: 'valid' | 'same';
}

/**
 * Σ_{ky,kx} (P[oy·sh+ky][ox·sw+kx][c] − offset)·k[ky][kx][c][m] for output channel c·mult + m, over the
 * explicitly padded image P (Keras DepthwiseConv2D).
 */
function depthwiseSums(x: bigint[], k: bigint[], s: RefShape, padValue: bigint, offset: bigint): bigint[] {
  const ay = axis(s.H, s.kh, s.sh, s.padding);
  const ax = axis(s.W, s.kw, s.sw, s.padding);
  const Wp = ax.before + s.W + ax.after;
  const Hp = ay.before + s.H + ay.after;
  const P = (py: number, px: number, c: number): bigint => {
    const iy = py - ay.before, ix = px - ax.before;
    return iy >= 0 && iy < s.H && ix >= 0 && ix < s.W ? x[(iy * s.W + ix) * s.C + c]! : padValue;
  };
  expect(Hp).toBeGreaterThan(0);
  const sums: bigint[] = [];
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let c = 0; c < s.C; c++) {
        for (let m = 0; m < s.mult; m++) {
          let acc = 0n;
          for (let ky = 0; ky < s.kh; ky++) {
            for (let kx = 0; kx < s.kw; kx++) {
              acc += (P(oy * s.sh + ky, ox * s.sw + kx, c) - offset) * k[((ky * s.kw + kx) * s.C + c) * s.mult + m]!;
            }
          }
          sums.push(acc);
        }
      }
    }
  }
  expect(Wp).toBeGreaterThan(0);
  return sums;
}

const cout = (s: RefShape) => s.C * s.mult;
function qRef(x: bigint[], k: bigint[], bias: bigint[], s: RefShape, F: number): bigint[] {
  return depthwiseSums(x, k, s, 0n, 0n).map((v, i) => sat64(rshiftRound(v, F) + bias[i % cout(s)]!));
}
function i8Ref(x: number[], zx: number, k: number[], bias: number[], s: RefShape): bigint[] {
  return depthwiseSums(x.map(BigInt), k.map(BigInt), s, BigInt(zx), BigInt(zx)).map((v, i) => v + BigInt(bias[i % cout(s)]!));
}
const requantize = (acc: bigint, M: bigint, shift: number, zOut: number) => sat8(BigInt(zOut) + rshiftRound(acc * M, shift));

// ------------------------------------------------------------------------------------------------
// Deterministic pseudo-random inputs (mulberry32).

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pickInt = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function randomShape(r: () => number): RefShape {
  for (;;) {
    const s: RefShape = {
      H: pickInt(r, 1, 9), W: pickInt(r, 1, 12), C: pickInt(r, 1, 5), mult: r() < 0.6 ? 1 : pickInt(r, 2, 3),
      kh: pickInt(r, 1, 4), kw: pickInt(r, 1, 4), sh: pickInt(r, 1, 3), sw: pickInt(r, 1, 3),
      padding: r() < 0.5 ? 'valid' : 'same',
    };
    if (s.padding === 'same' || (s.H >= s.kh && s.W >= s.kw)) return s;
  }
}
const EDGE_I8 = [-128, -127, -1, 0, 1, 126, 127];
const edgeOrRandomI8 = (r: () => number) => (r() < 0.3 ? EDGE_I8[pickInt(r, 0, EDGE_I8.length - 1)]! : pickInt(r, -128, 127));
const EDGE_Q = [0n, 1n, -1n, INT64_MIN, INT64_MAX, 1n << 32n, -(1n << 32n), (1n << 31n) + 1n, 3n << 31n];
const qRandom = (r: () => number) =>
  r() < 0.2 ? EDGE_Q[pickInt(r, 0, EDGE_Q.length - 1)]! : BigInt(Math.floor((r() - 0.5) * 2 ** 40)) * BigInt(pickInt(r, 1, 64));

let oracle: Oracle;
const getOracle = async () => (oracle ??= await loadOracle());

// ------------------------------------------------------------------------------------------------

describe('DepthwiseConv oracle == exact BigInt reference (deterministic sweep)', () => {
  it('depthwiseConv2dQ over 150 random shapes with edge values and every F class', async () => {
    const o = await getOracle();
    const r = rng(1);
    for (let t = 0; t < 150; t++) {
      const s = randomShape(r);
      const F = [0, 1, 16, 31, 32, 32, 62][t % 7]!;
      const x = Array.from({ length: s.H * s.W * s.C }, () => qRandom(r));
      const k = Array.from({ length: s.kh * s.kw * cout(s) }, () => qRandom(r));
      const b = Array.from({ length: cout(s) }, () => qRandom(r));
      expect(Array.from(depthwiseConv2dQ(o, x, k, b, s, F)), JSON.stringify({ t, s, F })).toEqual(qRef(x, k, b, s, F));
    }
  });

  it('depthwiseConv2dI8 and depthwiseConv2dI8Requant over 150 random shapes', async () => {
    const o = await getOracle();
    const r = rng(2);
    for (let t = 0; t < 150; t++) {
      const s = randomShape(r);
      const zx = edgeOrRandomI8(r);
      const x = Array.from({ length: s.H * s.W * s.C }, () => edgeOrRandomI8(r));
      const k = Array.from({ length: s.kh * s.kw * cout(s) }, () => edgeOrRandomI8(r));
      const b = Array.from({ length: cout(s) }, () => pickInt(r, -(2 ** 31), 2 ** 31 - 1));
      const acc = i8Ref(x, zx, k, b, s);
      expect(Array.from(depthwiseConv2dI8(o, x, zx, k, b, s)), JSON.stringify({ t, s })).toEqual(acc);
      const M = Array.from({ length: cout(s) }, () => (r() < 0.1 ? 0 : pickInt(r, 2 ** 30, 2 ** 31 - 1)));
      const shift = Array.from({ length: cout(s) }, () => (r() < 0.1 ? [0, 126][pickInt(r, 0, 1)]! : pickInt(r, 30, 50)));
      const zOut = edgeOrRandomI8(r);
      const want = acc.map((a, i) => Number(requantize(a, BigInt(M[i % cout(s)]!), shift[i % cout(s)]!, zOut)));
      expect(Array.from(depthwiseConv2dI8Requant(o, x, zx, k, b, s, M, shift, zOut)), JSON.stringify({ t, s })).toEqual(want);
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('DepthwiseConv case tables', () => {
  const ONE = 1n << 32n;
  interface QCase { name: string; s: DepthwiseConv2dShape; x: bigint[]; k: bigint[]; b: bigint[]; expected: bigint[] }
  const qCases: QCase[] = [
    {
      // 2×2 image, one channel, 2×2 window of ones, 'valid': the sum of the four values.
      name: 'valid 2×2 sum',
      s: { H: 2, W: 2, C: 1, mult: 1, kh: 2, kw: 2, sh: 1, sw: 1, padding: 'valid' },
      x: [1n, 2n, 3n, 4n].map((v) => v * ONE),
      k: [ONE, ONE, ONE, ONE],
      b: [ONE / 2n],
      expected: [10n * ONE + ONE / 2n],
    },
    {
      // Channels never mix: channel 0 scaled by 2, channel 1 by −1 (1×1 window).
      name: '1×1 per-channel scale',
      s: { H: 1, W: 2, C: 2, mult: 1, kh: 1, kw: 1, sh: 1, sw: 1, padding: 'valid' },
      x: [ONE, 3n * ONE, 5n * ONE, 7n * ONE],
      k: [2n * ONE, -ONE],
      b: [0n, 0n],
      expected: [2n * ONE, -3n * ONE, 10n * ONE, -7n * ONE],
    },
    {
      // depth_multiplier 2: output channel c·2 + m = x[c]·k[c][m]; order [c0m0, c0m1, c1m0, c1m1].
      name: 'depth multiplier 2',
      s: { H: 1, W: 1, C: 2, mult: 2, kh: 1, kw: 1, sh: 1, sw: 1, padding: 'valid' },
      x: [ONE, 10n * ONE],
      k: [2n * ONE, 3n * ONE, 4n * ONE, 5n * ONE],
      b: [0n, 0n, 0n, 1n],
      expected: [2n * ONE, 3n * ONE, 40n * ONE, 50n * ONE + 1n],
    },
    {
      // 'same' 3×3 on a 1×3 row: pad 1 left/right, the window sums of ones: 2, 3, 2.
      name: "'same' 3×3 window counts at the borders",
      s: { H: 1, W: 3, C: 1, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' },
      x: [ONE, ONE, ONE],
      k: Array.from({ length: 9 }, () => ONE),
      b: [0n],
      expected: [2n * ONE, 3n * ONE, 2n * ONE],
    },
    {
      // 'same' with an even window (TF puts the extra padding after): W = 4, kw = 2, stride 1 → pad 0 left,
      // 1 right; windows (x0+x1, x1+x2, x2+x3, x3).
      name: "'same' even window: padding after",
      s: { H: 1, W: 4, C: 1, mult: 1, kh: 1, kw: 2, sh: 1, sw: 1, padding: 'same' },
      x: [1n, 2n, 3n, 4n].map((v) => v * ONE),
      k: [ONE, ONE],
      b: [0n],
      expected: [3n, 5n, 7n, 4n].map((v) => v * ONE),
    },
    {
      // RHAZ at the half: 0.5·1 with F = 1 → (1·1)/2 = 0.5 → 1 (away from zero); negative → −1.
      name: 'RHAZ halves',
      s: { H: 1, W: 2, C: 1, mult: 1, kh: 1, kw: 1, sh: 1, sw: 1, padding: 'valid' },
      x: [1n, -1n],
      k: [1n],
      b: [0n],
      expected: [1n, -1n],
    },
  ];

  it.each(qCases)('q: $name', async ({ s, x, k, b, expected }) => {
    const o = await getOracle();
    const F = expected[0] === 1n && x[0] === 1n ? 1 : 32;
    expect(Array.from(depthwiseConv2dQ(o, x, k, b, s, F))).toEqual(expected);
  });

  it('int8: padding holds zx and contributes 0; requantize of a known accumulator', async () => {
    const o = await getOracle();
    const s: DepthwiseConv2dShape = { H: 1, W: 3, C: 1, mult: 1, kh: 1, kw: 3, sh: 1, sw: 1, padding: 'same' };
    // x − zx = (2, 4, 6), weights (1, 1, 1): windows (pad, 2, 4) → 6, (2, 4, 6) → 12, (4, 6, pad) → 10; + bias 100.
    const acc = depthwiseConv2dI8(o, [7, 9, 11], 5, [1, 1, 1], [100], s);
    expect(Array.from(acc)).toEqual([106n, 112n, 110n]);
    // M/2^shift = 1/2 (M = 2^30, shift 31): 53, 56, 55 + zOut −3.
    expect(Array.from(depthwiseConv2dI8Requant(o, [7, 9, 11], 5, [1, 1, 1], [100], s, [2 ** 30], [31], -3))).toEqual([50, 53, 52]);
  });

  it('failure codes in the documented order', async () => {
    const o = await getOracle();
    const base: DepthwiseConv2dShape = { H: 2, W: 2, C: 1, mult: 1, kh: 1, kw: 1, sh: 1, sw: 1, padding: 'valid' };
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (e instanceof OracleError) return `${e.errorName} ${e.args.join(' ')}`.trim();
        throw e;
      }
      return 'ok';
    };
    const x4 = [0, 0, 0, 0];
    const cases: { name: string; run: () => unknown; expected: string }[] = [
      { name: 'zero multiplier', run: () => depthwiseConv2dI8(o, x4, 0, [1], [0], { ...base, mult: 0 }), expected: 'InvalidShape 3' },
      { name: 'zero stride after zero dim', run: () => depthwiseConv2dI8(o, x4, 0, [1], [0], { ...base, sw: 0, C: 0 }), expected: 'InvalidShape 3' },
      { name: 'zero stride', run: () => depthwiseConv2dI8(o, x4, 0, [1], [0], { ...base, sh: 0 }), expected: 'InvalidShape 2' },
      { name: 'bad padding', run: () => depthwiseConv2dI8(o, x4, 0, [1], [0], { ...base, padding: 2 }), expected: 'InvalidShape 4' },
      { name: 'C·mult ≥ 2^31', run: () => depthwiseConv2dI8(o, x4, 0, [1], [0], { ...base, C: 2 ** 16, mult: 2 ** 15 }), expected: 'InvalidShape 5' },
      { name: "'valid' too large", run: () => depthwiseConv2dI8(o, x4, 0, [1, 1, 1], [0], { ...base, kh: 3 }), expected: 'InvalidShape 1' },
      { name: 'x length', run: () => depthwiseConv2dI8(o, [0, 0, 0], 0, [1], [0], base), expected: 'ShapeMismatch 4 3' },
      { name: 'kernel length', run: () => depthwiseConv2dI8(o, x4, 0, [1, 2], [0], base), expected: 'ShapeMismatch 1 2' },
      { name: 'bias length', run: () => depthwiseConv2dI8(o, x4, 0, [1], [], base), expected: 'ShapeMismatch 1 0' },
      { name: 'zx', run: () => depthwiseConv2dI8(o, x4, 128, [1], [0], base), expected: 'ValueOutOfRange 128' },
      { name: 'q x length in bytes', run: () => depthwiseConv2dQ(o, [0n], [1n], [0n], base, 32), expected: 'ShapeMismatch 32 8' },
      { name: 'q F', run: () => depthwiseConv2dQ(o, [0n, 0n, 0n, 0n], [1n], [0n], base, 63), expected: 'ValueOutOfRange 63' },
      { name: 'requant M', run: () => depthwiseConv2dI8Requant(o, x4, 0, [1], [0], base, [2 ** 31], [0], 0), expected: `InvalidRequantization ${2 ** 31} 0` },
      { name: 'requant zOut', run: () => depthwiseConv2dI8Requant(o, x4, 0, [1], [0], base, [1], [0], -129), expected: 'ValueOutOfRange -129' },
    ];
    for (const c of cases) expect(fail(c.run), c.name).toBe(c.expected);
  });
});

// ------------------------------------------------------------------------------------------------

describe('DepthwiseConv gas at 16×16×32, 3×3, stride 1, same, multiplier 1 (73,728 MACs)', () => {
  const s: DepthwiseConv2dShape = { H: 16, W: 16, C: 32, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' };
  const MACS = s.H * s.W * s.C * s.kh * s.kw;
  const x8 = Array.from({ length: s.H * s.W * s.C }, (_, i) => ((i * 7919 + 13) % 256) - 128);
  const k8 = Array.from({ length: 9 * s.C }, (_, i) => ((i * 104729 + 7) % 255) - 127);
  const b = Array.from({ length: s.C }, (_, i) => ((i * 7777) % 20001) - 10000);
  const report = (name: string, gas: bigint) => {
    const perMac = Number(gas) / MACS;
    console.log(`${name.padEnd(26)} ${gas.toLocaleString('en-US').padStart(11)} gas  ${perMac.toFixed(2)} gas/MAC`);
    return perMac;
  };

  it('int8 (fused requantization) and q: EVM == oracle, gas printed', async () => {
    const h = await getHarness('DepthwiseConvHarness');
    const M = Array.from({ length: s.C }, (_, i) => BigInt((1 << 30) + i * 12345));
    const shift = Array.from({ length: s.C }, () => 36n);
    const rq = await h.call<[string, bigint]>('depthwiseConv2dI8Requant', [encodeI8(x8), -3n, encodeI8(k8), b, depthwiseShapeArg(s), M, shift, 5n]);
    if (!rq.ok) throw new Error(rq.detail);
    expect(Array.from(decodeI8(rq.value[0]))).toEqual(Array.from(depthwiseConv2dI8Requant(h.oracle, x8, -3, k8, b, s, M, shift, 5)));
    expect(report('depthwiseConv2dI8Requant', rq.value[1])).toBeLessThan(45);

    const xq = x8.map((v) => BigInt(v) << 25n);
    const kq = k8.map((v) => BigInt(v) << 25n);
    const bq = b.map((v) => BigInt(v) << 20n);
    const r = await h.call<[string, bigint]>('depthwiseConv2dQ', [encodeQ(xq), encodeQ(kq), encodeQ(bq), depthwiseShapeArg(s), 32n]);
    if (!r.ok) throw new Error(r.detail);
    expect(Array.from(decodeQ(r.value[0]))).toEqual(Array.from(depthwiseConv2dQ(h.oracle, xq, kq, bq, s, 32)));
    expect(report('depthwiseConv2dQ', r.value[1])).toBeLessThan(130);
  });
});

describe('generated code', () => {
  it('the committed dwEmit block of DepthwiseConv.sol equals scripts/gen-depthwise.ts output', async () => {
    const { readFileSync } = await import('node:fs');
    const { DEPTHWISE_SOL, committedDwBlock, generateDwEmit } = await import('../../scripts/gen-depthwise.ts');
    expect(committedDwBlock(readFileSync(DEPTHWISE_SOL, 'utf8'))).toBe(generateDwEmit());
  });
});
