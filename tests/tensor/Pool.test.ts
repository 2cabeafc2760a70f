/**
 * Pool oracle vs an independent exact BigInt reference written from docs/numerics.md §1 (divRound) and
 * §5 (the image is padded explicitly with "no value" markers, TensorFlow's split), over a deterministic
 * sweep; hand-derivable case tables; and regression tests that fail on the original design's bugs
 * (pool size and stride swapped; max-pool padding counted as 0; average pooling counting padding).
 */
import { describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { avgPool2dI8, avgPool2dQ, maxPool2dI8, maxPool2dQ, pool2dShapeArg, type Pool2dShape } from '../../src/harness/kernels/pool.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { getHarness } from '../helpers/diff.ts';

// ------------------------------------------------------------------------------------------------
// The reference.

/** RHAZ(n / d) — numerics §1. */
function divRound(n: bigint, d: bigint): bigint {
  const an = n < 0n ? -n : n, ad = d < 0n ? -d : d;
  let q = an / ad;
  if (2n * (an - q * ad) >= ad) q += 1n;
  return (n < 0n) !== (d < 0n) ? -q : q;
}

function axis(n: number, k: number, s: number, padding: 'valid' | 'same') {
  if (padding === 'valid') {
    if (n < k) throw new Error('InvalidShape 1');
    return { out: Math.floor((n - k) / s) + 1, before: 0, after: 0 };
  }
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

interface RefShape { H: number; W: number; C: number; ph: number; pw: number; sh: number; sw: number; padding: 'valid' | 'same' }

/** Max (padding = no value, i.e. −∞) or divRound mean of the values present (padding excluded). */
function poolRef(x: bigint[], s: RefShape, kind: 'max' | 'avg'): bigint[] {
  const ay = axis(s.H, s.ph, s.sh, s.padding);
  const ax = axis(s.W, s.pw, s.sw, s.padding);
  const Wp = ax.before + s.W + ax.after;
  const padded: (bigint | undefined)[] = [];
  for (let py = 0; py < ay.before + s.H + ay.after; py++) {
    for (let px = 0; px < Wp; px++) {
      for (let c = 0; c < s.C; c++) {
        const iy = py - ay.before, ix = px - ax.before;
        padded.push(iy >= 0 && iy < s.H && ix >= 0 && ix < s.W ? x[(iy * s.W + ix) * s.C + c] : undefined);
      }
    }
  }
  const out: bigint[] = [];
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let c = 0; c < s.C; c++) {
        const present: bigint[] = [];
        for (let ky = 0; ky < s.ph; ky++) {
          for (let kx = 0; kx < s.pw; kx++) {
            const v = padded[((oy * s.sh + ky) * Wp + ox * s.sw + kx) * s.C + c];
            if (v !== undefined) present.push(v);
          }
        }
        if (present.length === 0) throw new Error('window without a valid position');
        out.push(kind === 'max' ? present.reduce((a, b) => (b > a ? b : a)) : divRound(present.reduce((a, b) => a + b, 0n), BigInt(present.length)));
      }
    }
  }
  return out;
}

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
      H: pickInt(r, 1, 9), W: pickInt(r, 1, 9), C: pickInt(r, 1, 4), ph: pickInt(r, 1, 5), pw: pickInt(r, 1, 5),
      sh: pickInt(r, 1, 4), sw: pickInt(r, 1, 4), padding: r() < 0.5 ? 'valid' : 'same',
    };
    if (s.padding === 'same' || (s.H >= s.ph && s.W >= s.pw)) return s;
  }
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
function randomQ(r: () => number, negative: boolean): bigint {
  const u = r();
  let v = u < 0.1 ? [INT64_MIN, INT64_MAX, 0n, 1n, -1n, INT64_MIN + 1n][pickInt(r, 0, 5)]! : BigInt(Math.floor((r() - 0.5) * 2 ** 44));
  if (negative && v > 0n) v = -v;
  return v;
}

let oracle: Oracle;
const getOracle = async () => (oracle ??= await loadOracle());

describe('Pool oracle vs the BigInt reference (deterministic sweep)', () => {
  it('max and average pooling, q and int8, equal the reference', async () => {
    const o = await getOracle();
    const r = rng(777);
    for (let t = 0; t < 200; t++) {
      const s = randomShape(r);
      const negative = t % 3 === 0;
      const n = s.H * s.W * s.C;
      const xq = Array.from({ length: n }, () => randomQ(r, negative));
      const x8 = Array.from({ length: n }, () => (negative ? pickInt(r, -128, -1) : pickInt(r, -128, 127)));
      const ctx = JSON.stringify({ t, s });
      expect(Array.from(maxPool2dQ(o, xq, s)), ctx).toEqual(poolRef(xq, s, 'max'));
      expect(Array.from(avgPool2dQ(o, xq, s)), ctx).toEqual(poolRef(xq, s, 'avg'));
      expect(Array.from(maxPool2dI8(o, x8, s), BigInt), ctx).toEqual(poolRef(x8.map(BigInt), s, 'max'));
      expect(Array.from(avgPool2dI8(o, x8, s), BigInt), ctx).toEqual(poolRef(x8.map(BigInt), s, 'avg'));
    }
  });
});

// ------------------------------------------------------------------------------------------------

const shape = (p: Partial<Pool2dShape>): Pool2dShape => ({ H: 1, W: 1, C: 1, ph: 1, pw: 1, sh: 1, sw: 1, padding: 'valid', ...p });
const ONE = 1n << 32n;

interface Case { name: string; input: { x: bigint[]; s: Pool2dShape }; expected: { max?: bigint[]; avg?: bigint[] } }

const cases: Case[] = [
  {
    name: 'pool 2, stride 3 (size ≠ stride): windows {0,1} and {3,4} of 1..5',
    input: { x: [1n, 2n, 3n, 4n, 5n], s: shape({ H: 5, ph: 2, sh: 3 }) },
    // a size/stride swap would read windows {0,1,2}, {2,3,4}: max (3, 5), avg (2, 4)
    expected: { max: [2n, 5n], avg: [2n, 5n] }, // averages 1.5 → 2 and 4.5 → 5 (half away from zero)
  },
  {
    name: 'pool 3, stride 1 (size ≠ stride): windows {0,1,2}, {1,2,3} of (1, 5, 2, 0)',
    input: { x: [1n, 5n, 2n, 0n], s: shape({ H: 4, ph: 3, sh: 1 }) },
    // a swap (pool 1, stride 3) would give (1, 0)
    expected: { max: [5n, 5n], avg: [3n, 2n] }, // 8/3 → 3, 7/3 → 2
  },
  {
    name: "regression: all-negative 3×3 with 'same' 2×2 stride 2 — padding (bottom/right) is ignored, never 0",
    input: { x: [-1n, -2n, -3n, -4n, -5n, -6n, -7n, -8n, -9n].map((v) => v * ONE), s: shape({ H: 3, W: 3, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'same' }) },
    // padding read as 0 would give max (−1, 0, 0, 0)
    expected: { max: [-1n, -3n, -7n, -9n].map((v) => v * ONE), avg: [-3n * ONE, -(9n * ONE) / 2n, -(15n * ONE) / 2n, -9n * ONE] },
  },
  {
    name: "'same' average pooling divides by the count of valid positions only (ones stay ones)",
    input: { x: Array(9).fill(ONE), s: shape({ H: 3, W: 3, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'same' }) },
    expected: { max: Array(4).fill(ONE), avg: Array(4).fill(ONE) },
  },
  {
    name: "'same' 3×3 stride 1 on a 1×3 row: windows clip at both ends",
    input: { x: [4n, -8n, 1n], s: shape({ W: 3, ph: 3, pw: 3, padding: 'same' }) },
    expected: { max: [4n, 4n, 1n], avg: [-2n, -1n, divRound(-7n, 2n)] }, // (4−8)/2, (4−8+1)/3 → −1, (−8+1)/2 = −3.5 → −4
  },
  {
    name: 'average of INT64_MIN and INT64_MIN + 1 is exact beyond int64 sums (−2^63 + 0.5 → −2^63 away from zero)',
    input: { x: [INT64_MIN, INT64_MIN + 1n], s: shape({ W: 2, pw: 2 }) },
    expected: { max: [INT64_MIN + 1n], avg: [INT64_MIN] },
  },
  {
    name: 'channels are pooled independently (HWC)',
    input: { x: [1n, -10n, 3n, -20n], s: shape({ W: 2, C: 2, pw: 2 }) },
    expected: { max: [3n, -10n], avg: [2n, -15n] },
  },
];

describe('Pool case tables (hand-derived) and regressions', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const o = await getOracle();
      const h = await getHarness('PoolHarness');
      const { x, s } = c.input;
      if (c.expected.max) {
        expect(Array.from(maxPool2dQ(o, x, s))).toEqual(c.expected.max);
        const evm = await h.call<[string, bigint]>('maxPool2dQ', [encodeQ(x), pool2dShapeArg(s)]);
        expect(evm.ok && Array.from(decodeQ(evm.value[0]))).toEqual(c.expected.max);
      }
      if (c.expected.avg) {
        expect(Array.from(avgPool2dQ(o, x, s))).toEqual(c.expected.avg);
        const evm = await h.call<[string, bigint]>('avgPool2dQ', [encodeQ(x), pool2dShapeArg(s)]);
        expect(evm.ok && Array.from(decodeQ(evm.value[0]))).toEqual(c.expected.avg);
      }
    });
  }

  it('int8: all-negative max pooling with padding stays negative; averages round half away from zero', async () => {
    const o = await getOracle();
    const h = await getHarness('PoolHarness');
    const s = shape({ H: 2, W: 2, ph: 3, pw: 3, padding: 'same' });
    expect(Array.from(maxPool2dI8(o, [-100, -50, -120, -128], s))).toEqual([-50, -50, -50, -50]);
    const evm = await h.call<[string, bigint]>('maxPool2dI8', [encodeI8([-100, -50, -120, -128]), pool2dShapeArg(s)]);
    expect(evm.ok && Array.from(decodeI8(evm.value[0]))).toEqual([-50, -50, -50, -50]);
    expect(Array.from(avgPool2dI8(o, [1, 2, -1, -2], shape({ W: 4, pw: 2, sw: 2 })))).toEqual([2, -2]);
    expect(Array.from(avgPool2dI8(o, [127, 127, -128, -128], shape({ W: 4, pw: 2, sw: 2 })))).toEqual([127, -128]);
  });

  it('failures: InvalidShape codes 1–5 and ShapeMismatch', async () => {
    const o = await getOracle();
    const cases: [Pool2dShape, number, string, bigint[]][] = [
      [shape({ H: 2, ph: 3 }), 2, 'InvalidShape', [1n]],
      [shape({ H: 2, sh: 0 }), 2, 'InvalidShape', [2n]],
      [shape({ H: 2, C: 0 }), 0, 'InvalidShape', [3n]],
      [shape({ H: 2, padding: 9 }), 2, 'InvalidShape', [4n]],
      [shape({ H: 2, pw: 2 ** 31 }), 2, 'InvalidShape', [5n]],
      [shape({ H: 2 }), 3, 'ShapeMismatch', [16n, 24n]],
    ];
    for (const [s, n, name, args] of cases) {
      try {
        maxPool2dQ(o, Array(n).fill(1n), s);
        expect.fail(`expected ${name}`);
      } catch (e) {
        expect(e).toBeInstanceOf(OracleError);
        expect([(e as OracleError).errorName, (e as OracleError).args]).toEqual([name, args]);
      }
    }
  });
});
