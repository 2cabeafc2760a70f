/**
 * Conv oracle vs an independent exact BigInt reference written from docs/numerics.md §1, §3, §4.1,
 * §4.3, §5 (it pads the image explicitly — TensorFlow's split — instead of skipping padded taps as the
 * kernels do), over a deterministic sweep; hand-derivable case tables; regression tests for the
 * original design's bugs; and the generated-code check for scripts/gen-conv.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hexlify } from 'ethers';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { conv2dI8, conv2dI8Requant, conv2dQ, conv2dShapeArg, type Conv2dShape } from '../../src/harness/kernels/conv.ts';
import { encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';
import { getHarness } from '../helpers/diff.ts';
import { BLOCKS, CONV_SOL, committedBlock, generateConvI8, generateConvQ } from '../../scripts/gen-conv.ts';

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

/** One axis of numerics §5: output length and padding before. Throws 'InvalidShape 1' for a 'valid' window too large. */
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
  H: number; W: number; Cin: number; Cout: number; kh: number; kw: number; sh: number; sw: number; padding: 'valid' | 'same';
}

/** Σ_{ky,kx,ci} (P[oy·sh+ky][ox·sw+kx][ci] − offset)·k[ky][kx][ci][co] over the explicitly padded image P. */
function convSums(x: bigint[], k: bigint[], s: RefShape, padValue: bigint, offset: bigint): { Ho: number; Wo: number; sums: bigint[] } {
  const ay = axis(s.H, s.kh, s.sh, s.padding);
  const ax = axis(s.W, s.kw, s.sw, s.padding);
  const Hp = ay.before + s.H + ay.after;
  const Wp = ax.before + s.W + ax.after;
  const P: bigint[] = [];
  for (let py = 0; py < Hp; py++) {
    for (let px = 0; px < Wp; px++) {
      for (let c = 0; c < s.Cin; c++) {
        const iy = py - ay.before, ix = px - ax.before;
        P.push(iy >= 0 && iy < s.H && ix >= 0 && ix < s.W ? x[(iy * s.W + ix) * s.Cin + c]! : padValue);
      }
    }
  }
  const sums: bigint[] = [];
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let co = 0; co < s.Cout; co++) {
        let acc = 0n;
        for (let ky = 0; ky < s.kh; ky++) {
          for (let kx = 0; kx < s.kw; kx++) {
            for (let ci = 0; ci < s.Cin; ci++) {
              const p = P[((oy * s.sh + ky) * Wp + (ox * s.sw + kx)) * s.Cin + ci]!;
              acc += (p - offset) * k[((ky * s.kw + kx) * s.Cin + ci) * s.Cout + co]!;
            }
          }
        }
        sums.push(acc);
      }
    }
  }
  return { Ho: ay.out, Wo: ax.out, sums };
}

/** q mode: sat64(rshiftRound(Σ x·k, F) + bias), padding 0 (numerics §3, §5). */
function conv2dQRef(x: bigint[], k: bigint[], bias: bigint[], s: RefShape, F: number): bigint[] {
  const { sums } = convSums(x, k, s, 0n, 0n);
  return sums.map((v, i) => sat64(rshiftRound(v, F) + bias[i % s.Cout]!));
}

/** int8 mode: bias + Σ (x − zx)·k, padding zx (numerics §4.1, §5). */
function conv2dI8Ref(x: number[], zx: number, k: number[], bias: number[], s: RefShape): bigint[] {
  const { sums } = convSums(x.map(BigInt), k.map(BigInt), s, BigInt(zx), BigInt(zx));
  return sums.map((v, i) => v + BigInt(bias[i % s.Cout]!));
}

/** requantize — numerics §4.3. */
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
      H: pickInt(r, 1, 9), W: pickInt(r, 1, 9), Cin: pickInt(r, 1, 5), Cout: pickInt(r, 1, 7),
      kh: pickInt(r, 1, 4), kw: pickInt(r, 1, 4), sh: pickInt(r, 1, 3), sw: pickInt(r, 1, 3),
      padding: r() < 0.5 ? 'valid' : 'same',
    };
    if (s.padding === 'same' || (s.H >= s.kh && s.W >= s.kw)) return s;
  }
}

const Q_EDGES = [0n, 1n, -1n, INT64_MAX, INT64_MIN, 1n << 32n, -(1n << 32n), (1n << 31n) + 1n, 3n << 31n];
function randomQ(r: () => number): bigint {
  const u = r();
  if (u < 0.1) return Q_EDGES[pickInt(r, 0, Q_EDGES.length - 1)]!;
  if (u < 0.2) return sat64(BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * BigInt(pickInt(r, 1, 1 << 10)));
  return BigInt(Math.floor((r() - 0.5) * 2 ** 40));
}
const randomI8 = (r: () => number) => (r() < 0.15 ? [-128, 127, 0, -1, 1][pickInt(r, 0, 4)]! : pickInt(r, -128, 127));

let oracle: Oracle;
const getOracle = async () => (oracle ??= await loadOracle());

// ------------------------------------------------------------------------------------------------

describe('Conv oracle vs the BigInt reference (deterministic sweep)', () => {
  it('conv2dQ equals the exact reference (F ∈ {0, 1, 16, 32, 62})', async () => {
    const o = await getOracle();
    const r = rng(20261125);
    for (let t = 0; t < 120; t++) {
      const s = randomShape(r);
      const F = [0, 1, 16, 32, 32, 62][t % 6]!;
      const x = Array.from({ length: s.H * s.W * s.Cin }, () => randomQ(r));
      const k = Array.from({ length: s.kh * s.kw * s.Cin * s.Cout }, () => randomQ(r));
      const b = Array.from({ length: s.Cout }, () => randomQ(r));
      expect(Array.from(conv2dQ(o, x, k, b, s, F)), JSON.stringify({ t, s, F })).toEqual(conv2dQRef(x, k, b, s, F));
    }
  });

  it('conv2dI8 and conv2dI8Requant equal the exact reference', async () => {
    const o = await getOracle();
    const r = rng(4242);
    for (let t = 0; t < 120; t++) {
      const s = randomShape(r);
      const x = Array.from({ length: s.H * s.W * s.Cin }, () => randomI8(r));
      const k = Array.from({ length: s.kh * s.kw * s.Cin * s.Cout }, () => randomI8(r));
      const b = Array.from({ length: s.Cout }, () => (r() < 0.1 ? [2 ** 31 - 1, -(2 ** 31)][pickInt(r, 0, 1)]! : pickInt(r, -100000, 100000)));
      const zx = randomI8(r);
      const acc = conv2dI8Ref(x, zx, k, b, s);
      expect(Array.from(conv2dI8(o, x, zx, k, b, s)), JSON.stringify({ t, s, zx })).toEqual(acc);
      const M = Array.from({ length: s.Cout }, () => BigInt(pickInt(r, 1 << 30, 2 ** 31 - 1)));
      const shift = Array.from({ length: s.Cout }, () => pickInt(r, 30, 46));
      const zOut = randomI8(r);
      const want = acc.map((a, i) => requantize(a, M[i % s.Cout]!, shift[i % s.Cout]!, zOut));
      expect(Array.from(conv2dI8Requant(o, x, zx, k, b, s, M, shift, zOut), BigInt), JSON.stringify({ t, s })).toEqual(want);
    }
  });
});

// ------------------------------------------------------------------------------------------------

const ONE = 1n << 32n;
const q = (v: number) => BigInt(Math.round(v * 2 ** 32));
const shape = (p: Partial<Conv2dShape>): Conv2dShape => ({ H: 1, W: 1, Cin: 1, Cout: 1, kh: 1, kw: 1, sh: 1, sw: 1, padding: 'valid', ...p });

interface QCase { name: string; input: { x: bigint[]; k: bigint[]; b: bigint[]; s: Conv2dShape; F: number }; expected: bigint[] }

const qCases: QCase[] = [
  {
    name: '1×1 kernel: 1.5·2 + 0.25 = 3.25, −2.5·2 + 0.25 = −4.75',
    input: { x: [q(1.5), q(-2.5)], k: [q(2)], b: [q(0.25)], s: shape({ W: 2 }), F: 32 },
    expected: [q(3.25), q(-4.75)],
  },
  {
    name: "3×3 'same' box filter on a 3×3 image of ones counts the valid taps: corners 4, edges 6, centre 9",
    input: { x: Array(9).fill(ONE), k: Array(9).fill(ONE), b: [0n], s: shape({ H: 3, W: 3, kh: 3, kw: 3, padding: 'same' }), F: 32 },
    expected: [4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => BigInt(v) * ONE),
  },
  {
    name: "'same' with an odd pad_total puts the extra row at the bottom (TensorFlow): H=2, kh=2 → [x0 + 10·x1, x1]",
    input: { x: [1n, 2n], k: [1n, 10n], b: [0n], s: shape({ H: 2, kh: 2, padding: 'same' }), F: 0 },
    expected: [21n, 2n],
  },
  {
    name: "strided 'same': H=5, kh=3, sh=2 → Ho=3, pad_top=1, pad_bottom=1",
    input: { x: [1n, 2n, 3n, 4n, 5n], k: [1n, 100n, 10000n], b: [0n], s: shape({ H: 5, kh: 3, sh: 2, padding: 'same' }), F: 0 },
    expected: [100n * 1n + 10000n * 2n, 2n + 300n + 40000n, 4n + 500n],
  },
  {
    name: "strided 'valid': H=6, kh=3, sh=2 → Ho = ⌊3/2⌋ + 1 = 2 (rows 0–2 and 2–4; row 5 unused)",
    input: { x: [1n, 2n, 3n, 4n, 5n, 6n], k: [1n, 100n, 10000n], b: [0n], s: shape({ H: 6, kh: 3, sh: 2 }), F: 0 },
    expected: [1n + 200n + 30000n, 3n + 400n + 50000n],
  },
  {
    name: 'the rescale rounds half away from zero: F=1 maps 1, −1, 3 to 1 (0.5→1), −1 (−0.5→−1), 2 (1.5→2)',
    input: { x: [1n, -1n, 3n], k: [1n], b: [0n], s: shape({ W: 3 }), F: 1 },
    expected: [1n, -1n, 2n],
  },
  {
    name: 'saturation: INT64_MAX·INT64_MAX with F=0 clamps to INT64_MAX; with a negative bias it stays clamped',
    input: { x: [INT64_MAX, INT64_MIN], k: [INT64_MAX], b: [-5n], s: shape({ W: 2 }), F: 0 },
    expected: [INT64_MAX, INT64_MIN],
  },
  {
    name: 'two input channels and two output channels (Keras kernel [kh][kw][Cin][Cout])',
    // k[0][0][ci][co]: ci0 → (1, 2), ci1 → (3, 4); x = (10, 100): y = (10·1 + 100·3, 10·2 + 100·4)
    input: { x: [10n, 100n], k: [1n, 2n, 3n, 4n], b: [5n, 6n], s: shape({ Cin: 2, Cout: 2 }), F: 0 },
    expected: [315n, 426n],
  },
];

describe('Conv case tables (hand-derived)', () => {
  for (const c of qCases) {
    it(`conv2dQ: ${c.name}`, async () => {
      const o = await getOracle();
      const { x, k, b, s, F } = c.input;
      expect(Array.from(conv2dQ(o, x, k, b, s, F))).toEqual(c.expected);
    });
  }

  it("conv2dI8: padding holds zx, so an image of zx gives bias everywhere ('same' 3×3)", async () => {
    const o = await getOracle();
    const s = shape({ H: 3, W: 4, kh: 3, kw: 3, Cout: 2, padding: 'same' });
    const out = conv2dI8(o, Array(12).fill(-5), -5, Array(18).fill(77), [7, -9], s);
    expect(Array.from(out)).toEqual(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 7n : -9n)));
  });

  it('conv2dI8: (x − zx)·w — x = (10, 20), zx = 10, k = (1, 2) → 0·1 + 10·2 = 20, plus bias 3', async () => {
    const o = await getOracle();
    expect(Array.from(conv2dI8(o, [10, 20], 10, [1, 2], [3], shape({ W: 2, kw: 2 })))).toEqual([23n]);
  });

  it('conv2dI8Requant: 100·2^30/2^31 = 50 (+3), 101 → 50.5 → 51 (+3), −101 → −51 (+3), saturating at 127', async () => {
    const o = await getOracle();
    const s = shape({ W: 4 });
    const out = conv2dI8Requant(o, [100, 101, -101, 127], 0, [1], [0], s, [1n << 30n], [31], 3);
    expect(Array.from(out)).toEqual([53, 54, -48, 67]);
    const sat = conv2dI8Requant(o, [127, -128], 0, [127], [0], shape({ W: 2 }), [(1n << 31n) - 1n], [8], 0);
    expect(Array.from(sat)).toEqual([127, -128]);
  });
});

// ------------------------------------------------------------------------------------------------

function expectOracleError(fn: () => unknown, name: string, args: bigint[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OracleError);
    expect((e as OracleError).errorName).toBe(name);
    expect((e as OracleError).args).toEqual(args);
    return;
  }
  expect.fail(`expected ${name}(${args.join(', ')})`);
}

describe('Conv failures (numerics §2; codes documented in Conv.sol)', () => {
  it("regression: a 'valid' conv whose input is smaller than the kernel is a clear InvalidShape(1) in both tiers", async () => {
    const o = await getOracle();
    const s = shape({ H: 2, W: 2, kh: 3, kw: 3 });
    expectOracleError(() => conv2dQ(o, Array(4).fill(ONE), Array(9).fill(ONE), [0n], s, 32), 'InvalidShape', [1n]);
    expectOracleError(() => conv2dI8(o, [1, 2, 3, 4], 0, Array(9).fill(1), [0], s), 'InvalidShape', [1n]);
    const h = await getHarness('ConvHarness');
    const evm = await h.call('conv2dQ', [encodeQ(Array(4).fill(ONE)), encodeQ(Array(9).fill(ONE)), encodeQ([0n]), conv2dShapeArg(s), 32n]);
    expect(evm.ok ? 'ok' : evm.name).toBe('InvalidShape');
    const evm8 = await h.call('conv2dI8', [encodeI8([1, 2, 3, 4]), 0n, hexlify(packPanelsI8(Array(9).fill(1), 9, 1)), [0], conv2dShapeArg(s)]);
    expect(evm8.ok ? 'ok' : evm8.detail).toMatch(/InvalidShape.*\b1\b/);
  });

  it('zero stride → 2, zero dimension → 3, unknown padding → 4, too large → 5, wrong lengths → ShapeMismatch, bad F → ValueOutOfRange', async () => {
    const o = await getOracle();
    const x = [ONE, ONE], k = [ONE], b = [0n];
    expectOracleError(() => conv2dQ(o, x, k, b, shape({ W: 2, sw: 0 }), 32), 'InvalidShape', [2n]);
    expectOracleError(() => conv2dQ(o, [], k, b, shape({ W: 0 }), 32), 'InvalidShape', [3n]);
    expectOracleError(() => conv2dQ(o, x, k, b, shape({ W: 2, padding: 7 }), 32), 'InvalidShape', [4n]);
    expectOracleError(() => conv2dQ(o, x, k, b, shape({ W: 2 ** 31 }), 32), 'InvalidShape', [5n]);
    expectOracleError(() => conv2dQ(o, x, k, b, shape({ W: 3 }), 32), 'ShapeMismatch', [24n, 16n]);
    expectOracleError(() => conv2dQ(o, x, [ONE, ONE], b, shape({ W: 2 }), 32), 'ShapeMismatch', [8n, 16n]);
    expectOracleError(() => conv2dQ(o, x, k, [], shape({ W: 2 }), 32), 'ShapeMismatch', [8n, 0n]);
    expectOracleError(() => conv2dQ(o, x, k, b, shape({ W: 2 }), 63), 'ValueOutOfRange', [63n]);
    expectOracleError(() => conv2dI8(o, [1, 2], 128, [1], [0], shape({ W: 2 })), 'ValueOutOfRange', [128n]);
    expectOracleError(() => conv2dI8Requant(o, [1, 2], 0, [1], [0], shape({ W: 2 }), [1n << 31n], [31], 0), 'InvalidRequantization', [1n << 31n, 31n]);
    expectOracleError(() => conv2dI8Requant(o, [1, 2], 0, [1], [0], shape({ W: 2 }), [1n << 30n], [31], -129), 'ValueOutOfRange', [-129n]);
  });
});

describe('scripts/gen-conv.ts', () => {
  it('the committed generated blocks of Conv.sol equal the generator output', () => {
    const source = readFileSync(CONV_SOL, 'utf8');
    expect(committedBlock(source, 'convQ')).toBe(generateConvQ());
    expect(committedBlock(source, 'convI8')).toBe(generateConvI8());
    expect(Object.keys(BLOCKS)).toEqual(['convQ', 'convI8']);
  });
});
