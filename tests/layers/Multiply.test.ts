/**
 * Multiply (assembly/layers/Multiply.ts, contracts/layers/Multiply.sol):
 * - oracle == exact BigInt reference of the definition (docs/layers/merge-norm.md) on a sweep;
 * - q mode within the fold's rounding bound of float64; int8 within half an output step plus the
 *   multiplier's rounding;
 * - close to tfjs `tf.layers.multiply` (float32);
 * - hand-derivable cases; gas per element (printed).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { MULTIPLY, multiplyConfigQ, quantizeMultiply, type MultiplyConfig } from '../../src/harness/layers/multiply.ts';
import { harnessArgsMulti, harnessResultBytes, oracleForwardMulti } from '../../src/harness/layers/merge.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { activationParams, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQ, toQ } from '../../src/harness/quantize/q.ts';
import { i8Bytes, i8Values, mergeNormHarness, qBytes, qValues } from './mergeNorm.helpers.ts';
import { INT64_MAX, INT64_MIN, mulExactI8, mulExactQ, prng, sat64 } from './mergeNorm.reference.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const none = new Uint8Array(0);
const runQ = (dims: number[], xs: bigint[][], F = 32) => qValues(oracleForwardMulti(o, MULTIPLY, multiplyConfigQ(dims, xs.length, F), none, xs.map(qBytes)));
const runI8 = (c: MultiplyConfig, xs: number[][]) => i8Values(oracleForwardMulti(o, MULTIPLY, c, none, xs.map(i8Bytes)));

describe('Multiply: oracle == exact BigInt reference', () => {
  it('q: folds of 1–4 inputs, F ∈ {0, 16, 32, 62}, int64 edges included', () => {
    const rnd = prng(31);
    const edges = [INT64_MIN, INT64_MAX, 0n, 1n, -1n, 1n << 32n, -(1n << 31n)];
    for (const F of [0, 16, 32, 62]) {
      for (let n = 1; n <= 4; n++) {
        for (let rep = 0; rep < 6; rep++) {
          const xs = Array.from({ length: n }, () =>
            Array.from({ length: 10 }, () => (rnd() < 0.25 ? edges[Math.floor(rnd() * edges.length)]! : sat64(BigInt(Math.round((rnd() - 0.5) * 2 ** 36)) << BigInt(Math.max(0, F - 30))))),
          );
          expect(runQ([2, 5], xs, F), `F=${F} n=${n}`).toEqual(mulExactQ(xs, F));
        }
      }
    }
  });
  it('int8: 1–8 inputs (|Π| up to 255^8), shifts 0..126', () => {
    const rnd = prng(32);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let rep = 0; rep < 64; rep++) {
      const n = 1 + (rep % 8);
      const extreme = rep % 4 === 3; // |x − z| = 255 everywhere: the largest products
      const xs = Array.from({ length: n }, () => Array.from({ length: 8 }, () => (extreme ? 127 : int(-128, 127))));
      const c: MultiplyConfig = {
        mode: Mode.I8,
        dims: [8],
        inputs: n,
        F: 32,
        zIn: Array.from({ length: n }, () => (extreme ? -128 : int(-128, 127))),
        M: int(2 ** 30, 2 ** 31 - 1),
        shift: rep < 4 ? [0, 1, 125, 126][rep]! : int(8 * n, 8 * n + 40),
        zOut: int(-128, 127),
      };
      expect(runI8(c, xs), `rep=${rep}`).toEqual(mulExactI8(xs, c.zIn, c.M, c.shift, c.zOut));
    }
  });
});

describe('Multiply vs float64', () => {
  it('q, 2 inputs: correctly rounded (≤ 0.5 ulp); 3 inputs: ≤ 0.5 ulp·(1 + |x_3|)', () => {
    const rnd = prng(33);
    for (const n of [2, 3]) {
      const q = Array.from({ length: n }, () => Array.from({ length: 40 }, () => toQ((rnd() - 0.5) * 20)));
      const got = runQ([40], q).map((v) => fromQ(v));
      for (let i = 0; i < 40; i++) {
        const want = q.reduce((p, x) => p * fromQ(x[i]!), 1);
        const bound = n === 2 ? 2 ** -33 : 2 ** -33 * (1 + Math.abs(fromQ(q[2]![i]!)));
        expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(bound + Math.abs(want) * 2 ** -52);
      }
    }
  });
  it('int8: within s_out/2 + |Π(x − z)|·|M·s_out/2^shift − Π s_k| of the float product', () => {
    const rnd = prng(34);
    for (let rep = 0; rep < 20; rep++) {
      const n = 2 + (rep % 2);
      const ranges = Array.from({ length: n }, () => [-(rnd() * 3), rnd() * 3] as const);
      const params: QuantParams[] = ranges.map(([lo, hi]) => activationParams(lo, hi));
      const lim = ranges.reduce((p, [lo, hi]) => p * Math.max(-lo, hi), 1);
      const out = activationParams(-lim, lim);
      const c = quantizeMultiply([64], params, out);
      const xs = params.map((p, k) => Array.from(quantizeTensor(Array.from({ length: 64 }, () => ranges[k]![0] + rnd() * (ranges[k]![1] - ranges[k]![0])), p)));
      const got = runI8(c, xs);
      const prodScale = params.reduce((p, q) => p * q.scale, 1);
      for (let i = 0; i < 64; i++) {
        const P = xs.reduce((p, x, k) => p * (x[i]! - params[k]!.zeroPoint), 1);
        const want = prodScale * P;
        const deq = out.scale * (got[i]! - out.zeroPoint);
        const bound = out.scale / 2 + Math.abs(P) * Math.abs((c.M * out.scale) / 2 ** c.shift - prodScale);
        expect(Math.abs(deq - want), `rep=${rep} i=${i}`).toBeLessThanOrEqual(bound + 1e-12);
      }
    }
  });
});

describe('Multiply vs tfjs (tf.layers.multiply, float32)', () => {
  it('q mode on 2 and 3 inputs', () => {
    const rnd = prng(35);
    for (const n of [2, 3]) {
      const xs = Array.from({ length: n }, () => Float32Array.from({ length: 24 }, () => (rnd() - 0.5) * 6));
      const want = tf.tidy(() => (tf.layers.multiply().apply(xs.map((x) => tf.tensor(x, [1, 4, 6]))) as tf.Tensor).dataSync());
      const got = runQ([4, 6], xs.map((x) => Array.from(x, (v) => toQ(v)))).map((v) => fromQ(v));
      got.forEach((g, i) => {
        // float32: ≤ 2^-24 relative per product; the oracle: Q32 input rounding and ≤ 0.5 ulp per step
        const mag = xs.reduce((p, x) => p * Math.abs(x[i]!), 1);
        const inMag = xs.reduce((s, x, k) => s + xs.reduce((p, y, j) => p * (j === k ? 1 : Math.abs(y[i]!)), 1), 0);
        expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual((n - 1) * 2 ** -24 * mag + inMag * 2 ** -33 + n * 2 ** -32);
      });
    }
  });
});

describe('Multiply case table', () => {
  const q = (v: number) => toQ(v);
  for (const t of [
    { name: '1.5 · 2 = 3', xs: [[1.5], [2]], expected: [3] },
    { name: '(−0.5) · 4 · 0.25 = −0.5', xs: [[-0.5], [4], [0.25]], expected: [-0.5] },
    { name: 'one input is the identity', xs: [[0.75, -3]], expected: [0.75, -3] },
  ]) {
    it(`q: ${t.name}`, () => expect(runQ([t.xs[0]!.length], t.xs.map((x) => x.map(q)))).toEqual(t.expected.map(q)));
  }
  it('q: 2^-32 · 0.5 rounds half away from zero: ±1 ulp · 0.5 → ±1 ulp', () => {
    expect(runQ([2], [[1n, -1n], [q(0.5), q(0.5)]])).toEqual([1n, -1n]);
  });
  it('q: the fold saturates step by step (as Keras folds left): sat(MAX·2)·0.5 = RHAZ(MAX/2)', () => {
    expect(runQ([1], [[INT64_MAX], [q(2)], [q(0.5)]])).toEqual([(INT64_MAX + 1n) / 2n]);
  });
  it('int8: (a − za)(b − zb)·M/2^shift + zOut, RHAZ', () => {
    const c: MultiplyConfig = { mode: Mode.I8, dims: [3], inputs: 2, F: 32, zIn: [1, -1], M: 2 ** 30, shift: 31, zOut: 3 };
    // (3 − 1)(2 + 1) = 6 → 3; (0 − 1)(4 + 1) = −5 → −2.5 → −3; (127 − 1)(127 + 1) = 16128 → 8064 → 127
    expect(runI8(c, [[3, 0, 127], [2, 4, 127]])).toEqual([6, 0, 127]);
  });
});

describe('Multiply gas (EVM, printed)', () => {
  it('[8, 8, 64], 2 inputs, q and int8', async () => {
    const h = await mergeNormHarness();
    const dims = [8, 8, 64];
    const n = 8 * 8 * 64;
    const rnd = prng(36);
    const xr = [0, 1].map(() => Array.from({ length: n }, () => (rnd() - 0.5) * 4));
    const cq = multiplyConfigQ(dims, 2);
    const xq = xr.map((x) => qBytes(x.map((v) => toQ(v))));
    const p = activationParams(-2, 2);
    const c8 = quantizeMultiply(dims, [p, p], activationParams(-4, 4));
    const x8 = xr.map((x) => i8Bytes(quantizeTensor(x, p)));
    const lines: string[] = [];
    for (const [mode, c, xs] of [['q', cq, xq], ['int8', c8, x8]] as const) {
      const r = await h.call('multiply', harnessArgsMulti(MULTIPLY, c, none, xs));
      if (!r.ok) throw new Error(r.detail);
      const { y, gasUsed } = harnessResultBytes(r.value);
      expect(Array.from(y)).toEqual(Array.from(oracleForwardMulti(o, MULTIPLY, c, none, xs)));
      lines.push(`${mode} ${gasUsed} (${(Number(gasUsed) / n).toFixed(1)}/element)`);
    }
    console.log(`gas Multiply [8, 8, 64] 2 inputs: ${lines.join('; ')}`);
  }, 60_000);
});
