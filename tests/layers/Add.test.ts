/**
 * Add (assembly/layers/Add.ts, contracts/layers/Add.sol):
 * - oracle == exact BigInt reference of the definition (docs/layers/merge-norm.md) on a sweep;
 * - q mode is exact against float64 (no rounding at all unless saturated); int8 mode is within half an
 *   output step plus the multipliers' rounding of the float64 sum of the dequantized inputs;
 * - close to tfjs `tf.layers.add` (float32);
 * - hand-derivable cases; gas per element at a residual-block size (printed).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { ADD, addConfigQ, quantizeAdd, type AddConfig } from '../../src/harness/layers/add.ts';
import { harnessArgsMulti, harnessResultBytes, oracleForwardMulti } from '../../src/harness/layers/merge.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { activationParams, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQ, toQ } from '../../src/harness/quantize/q.ts';
import { i8Bytes, i8Values, mergeNormHarness, qBytes, qValues } from './mergeNorm.helpers.ts';
import { INT64_MAX, INT64_MIN, addExactI8, addExactQ, prng } from './mergeNorm.reference.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const none = new Uint8Array(0);
const runQ = (dims: number[], xs: bigint[][]) => qValues(oracleForwardMulti(o, ADD, addConfigQ(dims, xs.length), none, xs.map(qBytes)));
const runI8 = (c: AddConfig, xs: number[][]) => i8Values(oracleForwardMulti(o, ADD, c, none, xs.map(i8Bytes)));

describe('Add: oracle == exact BigInt reference', () => {
  it('q: sums of 1–5 inputs, int64 edges (saturation) included', () => {
    const rnd = prng(21);
    const edges = [INT64_MIN, INT64_MAX, INT64_MAX - 1n, INT64_MIN + 1n, 0n, 1n, -1n, 1n << 62n];
    for (let n = 1; n <= 5; n++) {
      for (let rep = 0; rep < 8; rep++) {
        const xs = Array.from({ length: n }, () =>
          Array.from({ length: 12 }, () => (rnd() < 0.3 ? edges[Math.floor(rnd() * edges.length)]! : BigInt(Math.round((rnd() - 0.5) * 2 ** 40)) * 4099n)),
        );
        expect(runQ([3, 4], xs)).toEqual(addExactQ(xs));
      }
    }
  });
  it('int8: 1–5 inputs, random multipliers (signed) and shifts 0..62', () => {
    const rnd = prng(22);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let rep = 0; rep < 60; rep++) {
      const n = 1 + (rep % 5);
      const xs = Array.from({ length: n }, () => Array.from({ length: 10 }, () => int(-128, 127)));
      const c: AddConfig = {
        mode: Mode.I8,
        dims: [10],
        inputs: n,
        zIn: Array.from({ length: n }, () => int(-128, 127)),
        m: Array.from({ length: n }, () => (rnd() < 0.2 ? -1 : 1) * int(0, 2 ** 31 - 1)),
        shift: rep < 5 ? [0, 1, 61, 62, 31][rep]! : int(20, 40),
        zOut: int(-128, 127),
      };
      expect(runI8(c, xs)).toEqual(addExactI8(xs, c.zIn, c.m, c.shift, c.zOut));
    }
  });
});

describe('Add vs float64', () => {
  it('q: exact (0 ulp) on unsaturated inputs', () => {
    const rnd = prng(23);
    const xs = Array.from({ length: 3 }, () => Array.from({ length: 40 }, () => (rnd() - 0.5) * 1000));
    const q = xs.map((x) => x.map((v) => toQ(v)));
    const got = runQ([40], q).map((v) => fromQ(v));
    const want = q[0]!.map((_, i) => q.reduce((s, x) => s + fromQ(x[i]!), 0));
    expect(got).toEqual(want);
  });
  it('int8: within s_out/2 + Σ|x_k − z_k|·|m_k·s_out/2^shift − s_k| of the float sum', () => {
    const rnd = prng(24);
    for (let rep = 0; rep < 20; rep++) {
      const n = 2 + (rep % 3);
      const ranges = Array.from({ length: n }, () => [-(rnd() * 4), rnd() * 4] as const);
      const params: QuantParams[] = ranges.map(([lo, hi]) => activationParams(lo, hi));
      const out = activationParams(ranges.reduce((s, r) => s + r[0], 0), ranges.reduce((s, r) => s + r[1], 0));
      const c = quantizeAdd([64], params, out);
      const xs = params.map((p, k) => Array.from(quantizeTensor(Array.from({ length: 64 }, () => ranges[k]![0] + rnd() * (ranges[k]![1] - ranges[k]![0])), p)));
      const got = runI8(c, xs);
      for (let i = 0; i < 64; i++) {
        const want = xs.reduce((s, x, k) => s + params[k]!.scale * (x[i]! - params[k]!.zeroPoint), 0);
        const mult = xs.reduce((s, x, k) => s + Math.abs(x[i]! - c.zIn[k]!) * Math.abs((c.m[k]! * out.scale) / 2 ** c.shift - params[k]!.scale), 0);
        const deq = out.scale * (got[i]! - out.zeroPoint);
        expect(Math.abs(deq - want), `rep=${rep} i=${i}`).toBeLessThanOrEqual(out.scale / 2 + mult + 1e-12);
      }
    }
  });
});

describe('Add vs tfjs (tf.layers.add, float32)', () => {
  it('q mode on 2 and 3 inputs', () => {
    const rnd = prng(25);
    for (const n of [2, 3]) {
      const xs = Array.from({ length: n }, () => Float32Array.from({ length: 24 }, () => (rnd() - 0.5) * 10));
      const want = tf.tidy(() => (tf.layers.add().apply(xs.map((x) => tf.tensor(x, [1, 4, 6]))) as tf.Tensor).dataSync());
      const got = runQ([4, 6], xs.map((x) => Array.from(x, (v) => toQ(v)))).map((v) => fromQ(v));
      // tfjs rounds each of the n − 1 float32 additions (≤ 2^-24 of the partial sum ≤ Σ|x_k|); the oracle's
      // inputs are the float32 values rounded to Q32 (≤ 2^-33 each) and its sum is exact.
      got.forEach((g, i) => {
        const mag = xs.reduce((a, x) => a + Math.abs(x[i]!), 0);
        expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual((n - 1) * 2 ** -24 * mag + n * 2 ** -33);
      });
    }
  });
});

describe('Add case table', () => {
  const q = (v: number) => toQ(v);
  type Case = { name: string; xs: number[][]; expected: number[] };
  const cases: Case[] = [
    { name: '1.5 + 2.25 = 3.75', xs: [[1.5], [2.25]], expected: [3.75] },
    { name: 'three inputs', xs: [[1, -1], [2, -2], [3, -3]], expected: [6, -6] },
    { name: 'one input is the identity', xs: [[0.5, -7]], expected: [0.5, -7] },
  ];
  for (const t of cases) it(`q: ${t.name}`, () => expect(runQ([t.xs[0]!.length], t.xs.map((x) => x.map(q)))).toEqual(t.expected.map(q)));
  it('q: the exact sum saturates once: MAX + MAX + MIN = MAX − 1 (a saturating fold would give −1)', () => {
    expect(runQ([1], [[INT64_MAX], [INT64_MAX], [INT64_MIN]])).toEqual([INT64_MAX - 1n]);
    expect(runQ([1], [[INT64_MAX], [1n]])).toEqual([INT64_MAX]);
  });
  it('int8: same scales, zero points 0 → plain sum (m = 2^30, shift 30)', () => {
    const c: AddConfig = { mode: Mode.I8, dims: [4], inputs: 2, zIn: [0, 0], m: [2 ** 30, 2 ** 30], shift: 30, zOut: 0 };
    expect(runI8(c, [[1, 2, 100, -100], [3, -4, 100, -100]])).toEqual([4, -2, 127, -128]);
  });
  it('int8: half of each input, RHAZ: (3 + 0)/2 = 1.5 → 2, (−3)/2 → −2', () => {
    const c: AddConfig = { mode: Mode.I8, dims: [2], inputs: 2, zIn: [0, 0], m: [1, 1], shift: 1, zOut: 0 };
    expect(runI8(c, [[3, -3], [0, 0]])).toEqual([2, -2]);
  });
});

describe('Add gas (EVM, printed)', () => {
  it('[8, 8, 64] residual add, 2 and 3 inputs, q and int8', async () => {
    const h = await mergeNormHarness();
    const dims = [8, 8, 64];
    const n = 8 * 8 * 64;
    const rnd = prng(26);
    const lines: string[] = [];
    for (const k of [2, 3]) {
      const xr = Array.from({ length: k }, () => Array.from({ length: n }, () => (rnd() - 0.5) * 4));
      const cq = addConfigQ(dims, k);
      const xq = xr.map((x) => qBytes(x.map((v) => toQ(v))));
      const p = activationParams(-2, 2);
      const c8 = quantizeAdd(dims, xr.map(() => p), activationParams(-4, 4));
      const x8 = xr.map((x) => i8Bytes(quantizeTensor(x, p)));
      for (const [mode, c, xs] of [['q', cq, xq], ['int8', c8, x8]] as const) {
        const r = await h.call('add', harnessArgsMulti(ADD, c, none, xs));
        if (!r.ok) throw new Error(r.detail);
        const { y, gasUsed } = harnessResultBytes(r.value);
        expect(Array.from(y)).toEqual(Array.from(oracleForwardMulti(o, ADD, c, none, xs)));
        lines.push(`${mode} ${k} inputs ${gasUsed} (${(Number(gasUsed) / n).toFixed(1)}/element)`);
      }
    }
    console.log(`gas Add [8, 8, 64]: ${lines.join('; ')}`);
  }, 60_000);
});
