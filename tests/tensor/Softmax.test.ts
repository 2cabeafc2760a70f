/**
 * Softmax oracle vs a float64 reference within the numerics §6 bound (4 + n ulps of Q32.32 per
 * element) over a deterministic sweep of shapes, axes and logit ranges; softmaxI8 vs the exact
 * composition quantize(softmaxQ(dequantize(x))) of numerics §4.4 (BigInt dequantize/quantize); hand-
 * derivable case tables; and regression tests that fail on the original design's bugs (softmax over the
 * whole tensor instead of one axis; softmax without max subtraction).
 */
import { describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { shapeCount, softmaxI8, softmaxQ } from '../../src/harness/kernels/softmax.ts';
import { decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { getHarness } from '../helpers/diff.ts';

const ONE = 1n << 32n;
const ULP = 2 ** -32;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Float64 softmax along `axis` (max-subtracted), on the reals x/2^32. */
function softmaxFloat(x: bigint[], dims: number[], axis: number): number[] {
  const n = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Array<number>(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = Array.from({ length: n }, (_, j) => o * n * inner + j * inner + i);
      const v = idx.map((k) => Number(x[k]!) / 2 ** 32);
      const m = Math.max(...v);
      const e = v.map((t) => Math.exp(t - m));
      const S = e.reduce((a, b) => a + b, 0);
      idx.forEach((k, j) => (out[k] = e[j]! / S));
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

let oracle: Oracle;
const getOracle = async () => (oracle ??= await loadOracle());

function expectWithinBound(y: BigInt64Array, x: bigint[], dims: number[], axis: number, ctx: string): void {
  const ref = softmaxFloat(x, dims, axis);
  const bound = (4 + dims[axis]!) * ULP;
  for (let k = 0; k < x.length; k++) {
    const err = Math.abs(Number(y[k]!) * ULP - ref[k]!);
    if (err > bound) expect.fail(`${ctx}: element ${k} = ${Number(y[k]!) * ULP}, float64 ${ref[k]}, error ${err / ULP} ulps > ${bound / ULP}`);
  }
}

describe('softmaxQ vs float64 (numerics §6: ≤ 4 + n ulps per element)', () => {
  it('random shapes (rank 1–3), every axis, logit ranges from ±0.01 to ±1e6 and int64 extremes', async () => {
    const o = await getOracle();
    const r = rng(31337);
    const ranges = [0.01, 1, 8, 30, 100, 1e6];
    for (let t = 0; t < 150; t++) {
      const dims = Array.from({ length: pickInt(r, 1, 3) }, () => pickInt(r, 1, 7));
      const axis = pickInt(r, 0, dims.length - 1);
      const range = ranges[t % ranges.length]!;
      const centre = t % 4 === 0 ? 1e6 * (r() - 0.5) : 0;
      const x = Array.from({ length: shapeCount(dims) }, () => {
        if (r() < 0.05) return [INT64_MIN, INT64_MAX, 0n][pickInt(r, 0, 2)]!;
        return BigInt(Math.round((centre + (r() - 0.5) * 2 * range) * 2 ** 32));
      });
      expectWithinBound(softmaxQ(o, x, dims, axis), x, dims, axis, JSON.stringify({ t, dims, axis }));
    }
  });

  it('a long axis (n = 64) stays within the bound', async () => {
    const o = await getOracle();
    const r = rng(9);
    const x = Array.from({ length: 64 }, () => BigInt(Math.round((r() - 0.5) * 10 * 2 ** 32)));
    expectWithinBound(softmaxQ(o, x, [64], 0), x, [64], 0, 'n=64');
  });
});

// ------------------------------------------------------------------------------------------------

interface Case { name: string; input: { x: bigint[]; dims: number[]; axis: number }; expected: bigint[] }

const cases: Case[] = [
  { name: 'four equal logits → 1/4 each (exactly 2^30)', input: { x: [0n, 0n, 0n, 0n], dims: [4], axis: 0 }, expected: Array(4).fill(1n << 30n) },
  { name: 'two equal large logits (5.0) → 1/2 each', input: { x: [5n * ONE, 5n * ONE], dims: [2], axis: 0 }, expected: [1n << 31n, 1n << 31n] },
  { name: 'one element → 1.0', input: { x: [-123456789n], dims: [1], axis: 0 }, expected: [ONE] },
  {
    // qExp(−LN2_Q32) = 2^31 exactly (k = −1, r = 0); S = 1.5·2^32: y = RHAZ(2^32/3), RHAZ(2^33/3)
    name: 'logits (0, ln 2) → (1/3, 2/3) correctly rounded',
    input: { x: [0n, 2977044472n], dims: [2], axis: 0 },
    expected: [1431655765n, 2863311531n],
  },
  {
    name: 'a logit 40 below the maximum underflows to exactly 0 (qExp below −32)',
    input: { x: [0n, -40n * ONE], dims: [2], axis: 0 },
    expected: [ONE, 0n],
  },
];

describe('softmaxQ case tables (hand-derived)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const o = await getOracle();
      expect(Array.from(softmaxQ(o, c.input.x, c.input.dims, c.input.axis))).toEqual(c.expected);
    });
  }
});

describe('softmax regressions (original design bugs)', () => {
  it('a 2-D input is normalised along the given axis only, not over the whole tensor', async () => {
    const o = await getOracle();
    const h = await getHarness('SoftmaxHarness');
    // rows (1, 2, 3) and (11, 12, 13): per-row softmax gives two identical rows, each summing to 1;
    // a whole-tensor softmax would give the first row ≈ 0.
    const x = [1, 2, 3, 11, 12, 13].map((v) => BigInt(v) * ONE);
    const y = softmaxQ(o, x, [2, 3], 1);
    expect(Array.from(y.slice(0, 3))).toEqual(Array.from(y.slice(3)));
    const rowSum = Number(y[0]! + y[1]! + y[2]!) * ULP;
    expect(Math.abs(rowSum - 1)).toBeLessThan(8 * ULP);
    expectWithinBound(y, x, [2, 3], 1, 'axis 1');
    const evm = await h.call<[string, bigint]>('softmaxQ', [encodeQ(x), [2n, 3n], 1n]);
    expect(evm.ok && Array.from(decodeQ(evm.value[0]))).toEqual(Array.from(y));
    // along axis 0 each column (v, v + 10) is normalised: ≈ (4.5e-5, 0.99995)
    const y0 = softmaxQ(o, x, [2, 3], 0);
    for (let c = 0; c < 3; c++) expect(y0[c]! + y0[c + 3]!).toBeGreaterThan(ONE - 8n);
    expectWithinBound(y0, x, [2, 3], 0, 'axis 0');
  });

  it('logits around 1e6 do not overflow: max subtraction keeps them exact (no saturated, flattened output)', async () => {
    const o = await getOracle();
    const h = await getHarness('SoftmaxHarness');
    const x = [1_000_000n * ONE, 999_999n * ONE, 999_998n * ONE];
    const y = softmaxQ(o, x, [3], 0);
    // float64: (0.6652, 0.2447, 0.0900); without max subtraction exp(1e6) saturates and all three equal 1/3
    expectWithinBound(y, x, [3], 0, '1e6');
    expect(Number(y[0]!) * ULP).toBeCloseTo(0.66524, 4);
    expect(y[0]! > y[1]! && y[1]! > y[2]!).toBe(true);
    const evm = await h.call<[string, bigint]>('softmaxQ', [encodeQ(x), [3n], 0n]);
    expect(evm.ok && Array.from(decodeQ(evm.value[0]))).toEqual(Array.from(y));
    // and at the int64 extremes
    const extreme = softmaxQ(o, [INT64_MAX, INT64_MIN, INT64_MAX], [3], 0);
    expect(Array.from(extreme)).toEqual([1n << 31n, 0n, 1n << 31n]);
  });

  it('failures: zero dimension → InvalidShape(3), dimension ≥ 2^31 → 5, axis ≥ rank → 6, wrong length → ShapeMismatch', async () => {
    const o = await getOracle();
    const table: [bigint[], number[], number, string, bigint[]][] = [
      [[], [2, 0], 0, 'InvalidShape', [3n]],
      [[0n], [2 ** 31], 0, 'InvalidShape', [5n]],
      [[0n, 0n], [2], 1, 'InvalidShape', [6n]],
      [[0n], [], 0, 'InvalidShape', [6n]],
      [[0n, 0n, 0n], [2], 0, 'ShapeMismatch', [16n, 24n]],
    ];
    for (const [x, dims, axis, name, args] of table) {
      try {
        softmaxQ(o, x, dims, axis);
        expect.fail(`expected ${name}`);
      } catch (e) {
        expect(e).toBeInstanceOf(OracleError);
        expect([(e as OracleError).errorName, (e as OracleError).args]).toEqual([name, args]);
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------

const sat64 = (v: bigint) => (v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v);
function rshiftRound(v: bigint, s: number): bigint {
  if (s === 0) return v;
  const m = v < 0n ? -v : v;
  const r = (m + (1n << BigInt(s - 1))) >> BigInt(s);
  return v < 0n ? -r : r;
}
const sat8 = (v: bigint) => (v < -128n ? -128n : v > 127n ? 127n : v);

describe('softmaxI8 = quantize(softmaxQ(dequantize(x))) (numerics §4.4, §5)', () => {
  it('equals the exact composition and the float64 softmax within one output step', async () => {
    const o = await getOracle();
    const r = rng(2718);
    for (let t = 0; t < 100; t++) {
      const dims = Array.from({ length: pickInt(r, 1, 3) }, () => pickInt(r, 1, 6));
      const axis = pickInt(r, 0, dims.length - 1);
      const x = Array.from({ length: shapeCount(dims) }, () => pickInt(r, -128, 127));
      const zx = pickInt(r, -128, 127);
      const scaleQ = BigInt(pickInt(r, 2 ** 24, 2 ** 31)); // input scale in Q32: ≈ 0.004 … 0.5
      // output scale 1/256, zero point −128 (the TFLite softmax convention): M/2^shift = 2^30/2^54 = 2^-24
      const M = 1n << 30n, shift = 54, zOut = -128;
      const y = softmaxI8(o, x, zx, scaleQ, dims, axis, M, shift, zOut);
      const v = x.map((xi) => sat64((BigInt(xi) - BigInt(zx)) * scaleQ));
      const p = softmaxQ(o, v, dims, axis);
      const want = Array.from(p, (pi) => Number(sat8(BigInt(zOut) + rshiftRound(pi * M, shift))));
      expect(Array.from(y), JSON.stringify({ t, dims, axis })).toEqual(want);
      const ref = softmaxFloat(v, dims, axis);
      for (let k = 0; k < x.length; k++) {
        const ideal = Math.min(127, Math.round(ref[k]! * 256) - 128);
        expect(Math.abs(y[k]! - ideal), `t=${t} k=${k}`).toBeLessThanOrEqual(1);
      }
    }
  });
});
