/**
 * MatVec: the oracle against exact BigInt references written from docs/numerics.md (§1, §3, §4.1, §4.3,
 * §5), hand-derived case tables, the generated-code check, the SWAR lane bound across a flush in the
 * EVM, and the gas per multiply-accumulate of the EVM kernels (printed, and asserted against the
 * project's targets: ≤ 10 gas/MAC int8, ≤ 60 gas/MAC q).
 */
import { readFileSync } from 'node:fs';
import { hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';
import * as mv from '../../src/harness/kernels/matvec.ts';
import { getHarness, type Harness } from '../helpers/diff.ts';
import { applyGenerated, MATVEC_SOL } from '../../scripts/gen-matvec.ts';

// ---------------------------------------------------------------- exact references (numerics §1)

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const abs = (v: bigint) => (v < 0n ? -v : v);
/** RHAZ(v / 2^s): nearest integer, halves away from zero. */
function rhazShift(v: bigint, s: number): bigint {
  if (s === 0) return v;
  const d = 1n << BigInt(s);
  const q = abs(v) / d;
  const m = 2n * (abs(v) - q * d) >= d ? q + 1n : q;
  return v < 0n ? -m : m;
}
const sat64 = (v: bigint) => (v < I64_MIN ? I64_MIN : v > I64_MAX ? I64_MAX : v);
const sat8 = (v: bigint) => (v < -128n ? -128n : v > 127n ? 127n : v);

/** numerics §3/§5: y[o] = sat64(RHAZ(Σ x[i]·W[i][o] / 2^F) + bias[o]). */
function refMatvecQ(x: bigint[], w: bigint[], bias: bigint[] | null, K: number, N: number, F: number): bigint[] {
  const y: bigint[] = [];
  for (let o = 0; o < N; o++) {
    let acc = 0n;
    for (let i = 0; i < K; i++) acc += x[i]! * w[i * N + o]!;
    y.push(sat64(rhazShift(acc, F) + (bias ? bias[o]! : 0n)));
  }
  return y;
}

/** numerics §4.1: acc[o] = bias[o] + Σ (x[i] − zx)·W[i][o] (W row-major). */
function refMatvecI8(x: ArrayLike<number>, zx: number, w: ArrayLike<number>, bias: bigint[] | null, K: number, N: number): bigint[] {
  const acc: bigint[] = [];
  for (let o = 0; o < N; o++) {
    let s = bias ? bias[o]! : 0n;
    for (let i = 0; i < K; i++) s += BigInt((x[i]! - zx) * w[i * N + o]!);
    acc.push(s);
  }
  return acc;
}

/** A deterministic pseudo-random generator (xorshift32), so sweeps are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int(lo: number, hi: number) {
      return lo + (next() % (hi - lo + 1));
    },
    big(bits: number): bigint {
      let v = 0n;
      for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(next());
      v &= (1n << BigInt(bits)) - 1n;
      return next() & 1 ? v : -v;
    },
  };
}

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

function errorName(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof OracleError) return e.errorName;
    throw e;
  }
}

// ---------------------------------------------------------------- q mode

describe('q mode vs exact BigInt reference (numerics §3, §5)', () => {
  it('matvecQ sweep: magnitudes from tiny to int64 extremes, every F', () => {
    const r = rng(7);
    const edges = [0n, 1n, -1n, I64_MIN, I64_MAX, 1n << 62n, -(1n << 62n), 3n << 31n, -(3n << 31n)];
    for (let t = 0; t < 160; t++) {
      const K = r.int(0, 9), N = r.int(0, 6), F = t % 63;
      const pick = () => (r.int(0, 3) === 0 ? edges[r.int(0, edges.length - 1)]! : r.big(r.int(1, 63)));
      const x = Array.from({ length: K }, pick);
      const w = Array.from({ length: K * N }, pick);
      const b = Array.from({ length: N }, pick);
      const got = mv.matvecQ(o, BigInt64Array.from(x), BigInt64Array.from(w), BigInt64Array.from(b), K, N, F);
      expect(Array.from(got), `K=${K} N=${N} F=${F}`).toEqual(refMatvecQ(x, w, b, K, N, F));
    }
  });

  it('dotQ: the 192-bit accumulator carries across limbs exactly', () => {
    // Σ of n·(2^63−1)^2 and n·(−2^63)^2 exceed 128 bits for n ≥ 4; mixed signs cancel back to small values.
    for (const n of [1, 2, 3, 4, 5, 17, 64]) {
      for (const F of [0, 1, 31, 32, 62]) {
        const a = new Array<bigint>(n).fill(I64_MIN);
        const b = new Array<bigint>(n).fill(I64_MIN);
        expect(mv.dotQ(o, BigInt64Array.from(a), BigInt64Array.from(b), F)).toBe(sat64(rhazShift(BigInt(n) * (1n << 126n), F)));
        // + big − big + small: the exact sum is the small term.
        const c = [I64_MAX, I64_MIN, 5n];
        const d = [I64_MAX, I64_MAX, 3n];
        const exact = I64_MAX * I64_MAX + I64_MIN * I64_MAX + 15n;
        expect(mv.dotQ(o, BigInt64Array.from(c), BigInt64Array.from(d), F)).toBe(sat64(rhazShift(exact, F)));
      }
    }
  });

  it('matmulQ equals M reference matvecs without bias', () => {
    const r = rng(11);
    for (let t = 0; t < 40; t++) {
      const M = r.int(0, 4), K = r.int(0, 6), N = r.int(0, 5), F = r.int(0, 62);
      const a = Array.from({ length: M * K }, () => r.big(40));
      const b = Array.from({ length: K * N }, () => r.big(40));
      const want = Array.from({ length: M }, (_, i) => refMatvecQ(a.slice(i * K, (i + 1) * K), b, null, K, N, F)).flat();
      expect(Array.from(mv.matmulQ(o, BigInt64Array.from(a), BigInt64Array.from(b), M, K, N, F))).toEqual(want);
    }
  });

  const ONE = 1n << 32n;
  const cases: { name: string; input: { x: bigint[]; w: bigint[]; bias: bigint[]; K: number; N: number; F: number }; expected: bigint[] }[] = [
    { name: '1.5·2.0 + 0.25 = 3.25 (Q32.32)', input: { x: [3n * (ONE / 2n)], w: [2n * ONE], bias: [ONE / 4n], K: 1, N: 1, F: 32 }, expected: [13n * (ONE / 4n)] },
    { name: '[1, 2]·[[1, 0], [0, 1]] = [1, 2]', input: { x: [ONE, 2n * ONE], w: [ONE, 0n, 0n, ONE], bias: [0n, 0n], K: 2, N: 2, F: 32 }, expected: [ONE, 2n * ONE] },
    { name: 'half ulp rounds away from zero: ±1/2 at F = 1', input: { x: [1n], w: [1n, -1n], bias: [0n, 0n], K: 1, N: 2, F: 1 }, expected: [1n, -1n] },
    { name: 'saturates: 2^30·2^30 overflows Q32.32', input: { x: [1n << 62n], w: [1n << 62n], bias: [0n], K: 1, N: 1, F: 32 }, expected: [I64_MAX] },
    { name: 'bias added after the rescale, then saturated', input: { x: [ONE], w: [ONE], bias: [I64_MAX], K: 1, N: 1, F: 32 }, expected: [I64_MAX] },
    { name: 'K = 0 gives the bias', input: { x: [], w: [], bias: [7n, -7n], K: 0, N: 2, F: 32 }, expected: [7n, -7n] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { x, w, bias, K, N, F } = c.input;
      expect(Array.from(mv.matvecQ(o, BigInt64Array.from(x), BigInt64Array.from(w), BigInt64Array.from(bias), K, N, F))).toEqual(c.expected);
    });
  }

  it('validates shapes before F', () => {
    const q = (n: number) => new BigInt64Array(n);
    expect(errorName(() => mv.matvecQ(o, q(2), q(6), q(3), 2, 3, 63))).toBe('ValueOutOfRange');
    expect(errorName(() => mv.matvecQ(o, q(1), q(6), q(3), 2, 3, 63))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecQ(o, q(2), q(5), q(3), 2, 3, 32))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecQ(o, q(2), q(6), q(4), 2, 3, 32))).toBe('ShapeMismatch');
    expect(errorName(() => mv.dotQ(o, q(2), q(3), 0))).toBe('ShapeMismatch');
    expect(errorName(() => mv.dotQ(o, q(2), q(2), -1))).toBe('ValueOutOfRange');
    expect(errorName(() => mv.matmulQ(o, q(6), q(6), 2, 3, 2, 62))).toBeUndefined();
  });

  it('counts a saturation once per saturated output', () => {
    o.resetSaturationCount();
    mv.matvecQ(o, BigInt64Array.from([I64_MAX, I64_MAX]), BigInt64Array.from([I64_MAX, 0n, I64_MAX, 1n]), new BigInt64Array(2), 2, 2, 0);
    expect(o.saturationCount()).toBe(1n);
  });
});

// ---------------------------------------------------------------- int8 mode

describe('int8 mode vs exact reference (numerics §4.1, §4.3)', () => {
  it('matvecI8 sweep (panel layout, N across panel boundaries)', () => {
    const r = rng(3);
    for (let t = 0; t < 120; t++) {
      const K = r.int(1, 70), N = [1, 31, 32, 33, 64, 65, r.int(1, 100)][t % 7]!;
      const zx = [-128, 127, 0, r.int(-128, 127)][t % 4]!;
      const x = Int8Array.from({ length: K }, () => (t % 5 === 0 ? -128 : t % 5 === 1 ? 127 : r.int(-128, 127)));
      const w = Int8Array.from({ length: K * N }, () => (t % 3 === 0 ? 127 : r.int(-128, 127)));
      const bias = Array.from({ length: N }, () => BigInt(r.int(-2147483647, 2147483647)));
      const got = mv.matvecI8(o, x, zx, packPanelsI8(w, K, N), BigInt64Array.from(bias), K, N);
      expect(Array.from(got), `K=${K} N=${N} zx=${zx}`).toEqual(refMatvecI8(x, zx, w, bias, K, N));
    }
  });

  it('matvecI8Requant = requantize(matvecI8) per channel', () => {
    const r = rng(5);
    for (let t = 0; t < 40; t++) {
      const K = r.int(1, 40), N = r.int(1, 40), zx = r.int(-128, 127), zOut = r.int(-128, 127);
      const x = Int8Array.from({ length: K }, () => r.int(-128, 127));
      const w = Int8Array.from({ length: K * N }, () => r.int(-127, 127));
      const bias = Array.from({ length: N }, () => BigInt(r.int(-100000, 100000)));
      const m = Array.from({ length: N }, () => BigInt(r.int(1 << 30, 2147483647)));
      const s = Array.from({ length: N }, () => BigInt(r.int(30, 45)));
      const acc = refMatvecI8(x, zx, w, bias, K, N);
      const want = acc.map((a, i) => sat8(BigInt(zOut) + rhazShift(a * m[i]!, Number(s[i]!))));
      const got = mv.matvecI8Requant(o, x, zx, packPanelsI8(w, K, N), BigInt64Array.from(bias), BigInt64Array.from(m), BigInt64Array.from(s), zOut, K, N);
      expect(Array.from(got, BigInt)).toEqual(want);
    }
  });

  it('matmulI8 = M reference matvecs on row-major B', () => {
    const r = rng(9);
    for (let t = 0; t < 30; t++) {
      const M = r.int(0, 4), K = r.int(1, 30), N = r.int(1, 40), za = r.int(-128, 127);
      const a = Int8Array.from({ length: M * K }, () => r.int(-128, 127));
      const b = Int8Array.from({ length: K * N }, () => r.int(-128, 127));
      const want = Array.from({ length: M }, (_, i) => refMatvecI8(a.subarray(i * K, (i + 1) * K), za, b, null, K, N)).flat();
      expect(Array.from(mv.matmulI8(o, a, za, b, M, K, N))).toEqual(want);
    }
  });

  it('hand cases', () => {
    // x = [1, 2, 3], zx = 1 → [0, 1, 2]; W = [[1, −1], [2, 0], [3, 5]] → [0 + 2 + 6, 0 + 0 + 10] + bias [10, −10]
    const w = Int8Array.from([1, -1, 2, 0, 3, 5]);
    expect(Array.from(mv.matvecI8(o, Int8Array.from([1, 2, 3]), 1, packPanelsI8(w, 3, 2), BigInt64Array.from([10n, -10n]), 3, 2))).toEqual([18n, 0n]);
    // every extreme: (−128 − 127)·127 = −32385 per row
    expect(Array.from(mv.matvecI8(o, Int8Array.from([-128, -128]), 127, packPanelsI8(Int8Array.from([127, 127]), 2, 1), BigInt64Array.from([0n]), 2, 1))).toEqual([-64770n]);
  });

  it('validation order: shapes, zx, bias values (, multipliers, zOut)', () => {
    const x = new Int8Array(3), p = packPanelsI8(new Int8Array(6), 3, 2), b = BigInt64Array.from([0n, 0n]);
    expect(errorName(() => mv.matvecI8(o, new Int8Array(2), 200, p, b, 3, 2))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecI8(o, x, 200, p.subarray(1), b, 3, 2))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecI8(o, x, 200, p, b.subarray(1), 3, 2))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecI8(o, x, 200, p, BigInt64Array.from([1n << 31n, 0n]), 3, 2))).toBe('ValueOutOfRange');
    expect(errorName(() => mv.matvecI8(o, x, 0, p, BigInt64Array.from([(1n << 31n) - 1n, -(1n << 31n)]), 3, 2))).toBe('ValueOutOfRange');
    const ok = BigInt64Array.from([1n << 30n, 1n << 30n]), sh = BigInt64Array.from([31n, 31n]);
    expect(errorName(() => mv.matvecI8Requant(o, x, 0, p, b, ok, sh, 0, 3, 2))).toBeUndefined();
    expect(errorName(() => mv.matvecI8Requant(o, x, 0, p, b, ok, sh.subarray(1), 200, 3, 2))).toBe('ShapeMismatch');
    expect(errorName(() => mv.matvecI8Requant(o, x, 0, p, b, BigInt64Array.from([1n, -1n]), sh, 200, 3, 2))).toBe('InvalidRequantization');
    expect(errorName(() => mv.matvecI8Requant(o, x, 0, p, b, ok, sh, 200, 3, 2))).toBe('ValueOutOfRange');
  });
});

// ---------------------------------------------------------------- generated code

describe('generated code', () => {
  it('the unrolled blocks of MatVec.sol match scripts/gen-matvec.ts', () => {
    const src = readFileSync(MATVEC_SOL, 'utf8');
    expect(applyGenerated(src) === src, 'stale generated block: run `npx tsx scripts/gen-matvec.ts`').toBe(true);
  });
});

// ---------------------------------------------------------------- EVM: lane bound and gas

describe('EVM kernels: lane bound across a flush, gas per multiply-accumulate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await getHarness('MatVecHarness');
  });

  /** Run matvecI8 in the EVM; check it against the oracle; return gas per MAC. */
  async function runI8(x: Int8Array, zx: number, w: Int8Array, bias: bigint[], K: number, N: number): Promise<number> {
    const panels = packPanelsI8(w, K, N);
    const r = await h.call<[bigint[], bigint]>('matvecI8', [encodeI8(x), zx, hexlify(panels), bias, K, N]);
    if (!r.ok) throw new Error(`matvecI8 reverted: ${r.name} ${r.detail}`);
    const want = mv.matvecI8(h.oracle, x, zx, panels, BigInt64Array.from(bias), K, N);
    expect(r.value[0].map(BigInt)).toEqual(Array.from(want));
    return Number(r.value[1]) / (K * N);
  }

  it('is exact at the lane bound across a flush (K = 33100 rows of extremes)', async () => {
    // s = x − zx = −255 and w + 128 = 255 in every row: each 32-bit lane reaches −65025·32768, the
    // largest magnitude the FLUSH_ROWS bound allows, then the remainder chunk starts from zero.
    // Without the flush the lanes would need 65025·33100 > 2^31: a missing or late flush fails here.
    const K = 33100, N = 32;
    const x = new Int8Array(K).fill(-128);
    const w = new Int8Array(K * N).fill(127);
    for (let j = 0; j < N; j += 3) for (let i = 0; i < K; i += 1) w[i * N + j] = -128; // the other extreme
    await runI8(x, 127, w, new Array(N).fill(0n), K, N);
  });

  it('matvecI8 at a few thousand rows and ragged N equals the oracle', async () => {
    const r = rng(21);
    for (const [K, N] of [[3001, 40], [1000, 65]] as const) {
      const x = Int8Array.from({ length: K }, () => r.int(-128, 127));
      const w = Int8Array.from({ length: K * N }, () => r.int(-128, 127));
      await runI8(x, r.int(-128, 127), w, Array.from({ length: N }, () => BigInt(r.int(-2147483647, 2147483647))), K, N);
    }
  });

  it('gas per MAC: matvecI8 ≤ 10 (K=784 N=128, K=256 N=64), matvecQ ≤ 60', async () => {
    const r = rng(99);
    const figures: Record<string, number> = {};
    for (const [K, N] of [[784, 128], [256, 64]] as const) {
      const x = Int8Array.from({ length: K }, () => r.int(-128, 127));
      const w = Int8Array.from({ length: K * N }, () => r.int(-127, 127));
      const bias = Array.from({ length: N }, () => BigInt(r.int(-100000, 100000)));
      figures[`matvecI8 K=${K} N=${N}`] = await runI8(x, r.int(-128, 127), w, bias, K, N);
    }
    // matvecI8Requant (the fused Dense layer) and matmulI8 (panel packing included) at K=784 N=128.
    {
      const K = 784, N = 128;
      const x = Int8Array.from({ length: K }, () => r.int(-128, 127));
      const w = Int8Array.from({ length: K * N }, () => r.int(-127, 127));
      const args = [encodeI8(x), 5, hexlify(packPanelsI8(w, K, N)), new Array(N).fill(0n), new Array(N).fill(1n << 30n), new Array(N).fill(40n), -3, K, N];
      const rq = await h.call<[string, bigint]>('matvecI8Requant', args);
      if (!rq.ok) throw new Error(rq.detail);
      expect(Array.from(decodeI8(rq.value[0]))).toEqual(Array.from(mv.matvecI8Requant(h.oracle, x, 5, packPanelsI8(w, K, N), new BigInt64Array(N), BigInt64Array.from(args[4] as bigint[]), BigInt64Array.from(args[5] as bigint[]), -3, K, N)));
      figures[`matvecI8Requant K=${K} N=${N}`] = Number(rq.value[1]) / (K * N);
      const mm = await h.call<[bigint[], bigint]>('matmulI8', [encodeI8(x), 5, encodeI8(w), 1, K, N]);
      if (!mm.ok) throw new Error(mm.detail);
      figures[`matmulI8 M=1 K=${K} N=${N}`] = Number(mm.value[1]) / (K * N);
    }
    for (const [K, N] of [[128, 64], [64, 10]] as const) {
      const x = Array.from({ length: K }, () => BigInt(r.int(-(2 ** 31), 2 ** 31)) << 8n);
      const w = Array.from({ length: K * N }, () => BigInt(r.int(-(2 ** 31), 2 ** 31)));
      const b = Array.from({ length: N }, () => BigInt(r.int(-(2 ** 31), 2 ** 31)));
      const q = await h.call<[string, bigint]>('matvecQ', [encodeQ(x), encodeQ(w), encodeQ(b), K, N, 32]);
      if (!q.ok) throw new Error(q.detail);
      expect(Array.from(decodeQ(q.value[0]))).toEqual(Array.from(mv.matvecQ(h.oracle, BigInt64Array.from(x), BigInt64Array.from(w), BigInt64Array.from(b), K, N, 32)));
      figures[`matvecQ K=${K} N=${N}`] = Number(q.value[1]) / (K * N);
    }
    console.log('gas per multiply-accumulate (kernel only, gasleft() in the harness):');
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(32)} ${v.toFixed(2)}`);
    expect(figures['matvecI8 K=784 N=128']).toBeLessThanOrEqual(10);
    expect(figures['matvecI8 K=256 N=64']).toBeLessThanOrEqual(10);
    expect(figures['matvecI8Requant K=784 N=128']).toBeLessThanOrEqual(10);
    expect(figures['matvecQ K=128 N=64']).toBeLessThanOrEqual(60);
  });
});
