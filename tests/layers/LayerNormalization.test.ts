/**
 * LayerNormalization (assembly/layers/LayerNormalization.ts, contracts/layers/LayerNormalization.sol):
 * - the oracle equals an exact BigInt implementation of the definition (docs/layers/merge-norm.md) on a
 *   deterministic sweep of shapes, axis sets, F, epsilon and values (int64 edges included);
 * - the oracle is within the documented bound of a float64 LayerNormalization on the same real inputs
 *   (q mode: the first-order bound of merge-norm.md; int8 mode: half an output step more);
 * - the oracle is close to the independent float reference (tfjs, src/harness/model/tfjs.ts);
 * - hand-derivable cases; gas per element at a transformer size (printed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { oracleForward, harnessArgs, harnessResult } from '../../src/harness/layers/run.ts';
import {
  LAYER_NORMALIZATION,
  layerNormalizationFloat,
  layerNormalizationFromIR,
  packLayerNormalization,
  quantizeLayerNormalization,
  type LayerNormFloat,
  type LayerNormalizationConfig,
} from '../../src/harness/layers/layerNormalization.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { activationParams, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQ, toQ } from '../../src/harness/quantize/q.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import type { LayerOf, ModelIR } from '../../src/harness/model/ir.ts';
import { i8Bytes, i8Values, mergeNormHarness, qBytes, qValues } from './mergeNorm.helpers.ts';
import { INT64_MAX, INT64_MIN, layerNormExact, lnGroups, prng, sat64 } from './mergeNorm.reference.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const noI8 = { zIn: 0, scaleInQ: 0n, M: 0, shift: 0, zOut: 0 };

function runQ(c: LayerNormalizationConfig, gamma: bigint[] | null, beta: bigint[] | null, x: bigint[]): bigint[] {
  return qValues(oracleForward(o, LAYER_NORMALIZATION, c, packLayerNormalization(gamma, beta), qBytes(x)));
}

/** The first-order error bound of docs/layers/merge-norm.md (q mode, in reals), per element. */
function boundQ(ln: LayerNormFloat, x: ArrayLike<number>, F: number): Float64Array {
  const ulp = 2 ** -F;
  const out = new Float64Array(x.length);
  for (const members of lnGroups(ln.dims, ln.axes)) {
    const D = members.length;
    const mean = members.reduce((s, { i }) => s + x[i]!, 0) / D;
    const s = Math.sqrt(members.reduce((a, { i }) => a + (x[i]! - mean) ** 2, 0) / D + ln.epsilon);
    for (const { i, p } of members) {
      const g = Math.abs(ln.gamma ? ln.gamma[p]! : 1);
      const yhat = Math.abs((x[i]! - mean) / s);
      out[i] = ulp * (0.5 + (g * (1 + yhat)) / (2 * s));
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------

describe('LayerNormalization q: oracle == exact BigInt reference', () => {
  const shapes: { dims: number[]; axes: number[] }[] = [
    { dims: [8], axes: [0] },
    { dims: [3, 5], axes: [1] },
    { dims: [3, 5], axes: [0] },
    { dims: [3, 5], axes: [0, 1] },
    { dims: [2, 3, 4], axes: [2] },
    { dims: [2, 3, 4], axes: [1, 2] },
    { dims: [2, 3, 4], axes: [0, 2] }, // gathered geometry
    { dims: [2, 3, 4], axes: [1] }, // strided block (inner = 4)
    { dims: [4, 1, 3], axes: [0, 2] }, // block through a size-1 axis
  ];
  it('sweep of shapes, F, epsilon and values (edges included)', () => {
    const rnd = prng(7);
    let cases = 0;
    let zeroDiv = 0;
    for (const { dims, axes } of shapes) {
      for (const F of [32, 0, 16, 40, 62]) {
        for (let rep = 0; rep < 6; rep++) {
          const n = dims.reduce((a, b) => a * b, 1);
          const D = axes.reduce((p, a) => p * dims[a]!, 1);
          const one = 2 ** F;
          const val = (): bigint => {
            const r = rnd();
            if (rep === 5 && r < 0.5) return [INT64_MIN, INT64_MAX, 0n, -1n, 1n][Math.floor(rnd() * 5)]!;
            // reals in (−8, 8), saturated to int64 (F = 62 holds only (−2, 2))
            return sat64(BigInt(Math.round((rnd() - 0.5) * 16 * Math.min(one, 2 ** 40))) << BigInt(Math.max(0, F - 40)));
          };
          const x = Array.from({ length: n }, val);
          if (rep === 4) x.fill(x[0]!); // constant groups
          const gamma = rep % 2 === 0 ? Array.from({ length: D }, val) : null;
          const beta = rep % 3 === 0 ? Array.from({ length: D }, val) : null;
          const eps = rep === 4 && F === 32 ? 0n : BigInt(Math.round(1e-3 * one)) + BigInt(rep);
          const c: LayerNormalizationConfig = { ...noI8, mode: Mode.Q, dims, axes, center: beta !== null, scale: gamma !== null, F, epsilon: eps };
          const want = layerNormExact(x, dims, axes, F, eps, gamma, beta);
          if (want === null) {
            zeroDiv++;
            expect(() => runQ(c, gamma, beta, x)).toThrowError(OracleError);
            try {
              runQ(c, gamma, beta, x);
            } catch (e) {
              expect((e as OracleError).errorName).toBe('DivisionByZero');
            }
          } else {
            expect(runQ(c, gamma, beta, x), JSON.stringify({ dims, axes, F, rep })).toEqual(want);
          }
          cases++;
        }
      }
    }
    expect(cases).toBe(shapes.length * 5 * 6);
    expect(zeroDiv).toBeGreaterThan(0);
  });
});

describe('LayerNormalization q: oracle vs float64 within the documented bound', () => {
  it('random well-scaled and ill-scaled groups, F = 32 and F = 24', () => {
    const rnd = prng(11);
    let worst = 0;
    let worstUlp = 0;
    for (const F of [32, 24]) {
      for (let t = 0; t < 40; t++) {
        const dims = t % 2 === 0 ? [3, 16] : [2, 4, 6];
        const axes = t % 2 === 0 ? [1] : t % 4 === 1 ? [2] : [1, 2];
        const D = axes.reduce((p, a) => p * dims[a]!, 1);
        const n = dims.reduce((a, b) => a * b, 1);
        const spread = [1e-3, 0.1, 1, 30][t % 4]!;
        const offset = (rnd() - 0.5) * 20;
        const xr = Array.from({ length: n }, () => offset + (rnd() - 0.5) * spread);
        const ln: LayerNormFloat = {
          dims,
          axes,
          epsilon: [1e-3, 1e-5, 1e-6][t % 3]!,
          gamma: Float64Array.from({ length: D }, () => (rnd() - 0.5) * 4),
          beta: Float64Array.from({ length: D }, () => rnd() - 0.5),
        };
        const { config, weights } = quantizeLayerNormalization(ln, { mode: 'q', F });
        const xq = xr.map((v) => toQ(v, F));
        // The float reference sees exactly the quantized inputs and parameters (numerics §6).
        const x = xq.map((v) => fromQ(v, F));
        const exact: LayerNormFloat = {
          ...ln,
          epsilon: fromQ(config.epsilon, F),
          gamma: Float64Array.from(ln.gamma!, (g) => fromQ(toQ(g, F), F)),
          beta: Float64Array.from(ln.beta!, (b) => fromQ(toQ(b, F), F)),
        };
        const want = layerNormalizationFloat(exact, x);
        const bound = boundQ(exact, x, F);
        const got = qValues(oracleForward(o, LAYER_NORMALIZATION, config, weights, qBytes(xq))).map((v) => fromQ(v, F));
        for (let i = 0; i < n; i++) {
          const err = Math.abs(got[i]! - want[i]!);
          // 1% slack on the first-order terms plus float64 rounding of the reference
          expect(err, `F=${F} t=${t} i=${i}`).toBeLessThanOrEqual(bound[i]! * 1.01 + Math.abs(want[i]!) * 1e-15);
          worst = Math.max(worst, err / bound[i]!);
          worstUlp = Math.max(worstUlp, err * 2 ** F);
        }
      }
    }
    console.log(`LayerNormalization q vs float64: max error / documented bound = ${worst.toFixed(3)}, max error ${(worstUlp).toFixed(2)} ulp`);
    expect(worst).toBeGreaterThan(0);
  });
});

describe('LayerNormalization int8: oracle vs float64 within half an output step (+ the q bound)', () => {
  it('sequences of 4 × 32 with per-tensor quantization', () => {
    const rnd = prng(5);
    let worstLsb = 0;
    for (let t = 0; t < 12; t++) {
      const dims = [4, 32];
      const D = 32;
      const xr = Array.from({ length: 128 }, () => (rnd() - 0.3) * 6);
      const ln: LayerNormFloat = {
        dims,
        axes: [1],
        epsilon: 1e-3,
        gamma: t % 3 === 2 ? null : Float64Array.from({ length: D }, () => 0.5 + rnd()),
        beta: t % 2 === 1 ? null : Float64Array.from({ length: D }, () => (rnd() - 0.5) * 0.4),
      };
      const input: QuantParams = activationParams(Math.min(...xr), Math.max(...xr));
      const output: QuantParams = activationParams(-4, 4);
      const { config, weights } = quantizeLayerNormalization(ln, { mode: 'int8', input, output });
      const xi = quantizeTensor(xr, input);
      // The real inputs the oracle sees: (x − z)·scaleQ/2^32 exactly; gamma, beta, epsilon as quantized to Q32.
      const x = Array.from(xi, (v) => ((v - config.zIn) * Number(config.scaleInQ)) / 2 ** 32);
      const exact: LayerNormFloat = {
        ...ln,
        epsilon: fromQ(config.epsilon),
        gamma: ln.gamma && Float64Array.from(ln.gamma, (g) => fromQ(toQ(g))),
        beta: ln.beta && Float64Array.from(ln.beta, (b) => fromQ(toQ(b))),
      };
      const want = layerNormalizationFloat(exact, x);
      const bq = boundQ(exact, x, 32);
      const got = i8Values(oracleForward(o, LAYER_NORMALIZATION, config, weights, i8Bytes(xi)));
      for (let i = 0; i < 128; i++) {
        const deq = output.scale * (got[i]! - output.zeroPoint);
        const clipped = Math.min(Math.max(want[i]!, output.scale * (-128 - output.zeroPoint)), output.scale * (127 - output.zeroPoint));
        // half a step + the requantization multiplier (31 bits) + the q-mode bound
        const bound = output.scale * 0.5 + Math.abs(want[i]!) * 2 ** -30 + bq[i]! + 1e-12;
        expect(Math.abs(deq - clipped), `t=${t} i=${i}`).toBeLessThanOrEqual(bound);
        worstLsb = Math.max(worstLsb, Math.abs(deq - clipped) / output.scale);
      }
    }
    console.log(`LayerNormalization int8 vs float64: max error ${worstLsb.toFixed(3)} output LSB`);
  });
});

describe('LayerNormalization vs tfjs (float32 independent reference)', () => {
  it('IR models with LayerNormalization over the last axis and over two axes', () => {
    const rnd = prng(3);
    let worst = 0;
    for (const [dims, axis] of [
      [[4, 16], [1]],
      [[3, 4, 5], [1, 2]],
      [[3, 4, 5], [2, 0]], // unsorted Keras axis list: gamma is reshaped, i.e. row-major over sorted axes
    ] as [number[], number[]][]) {
      const sorted = [...axis].sort((a, b) => a - b);
      const pshape = axis.map((a) => dims[a]!);
      const D = sorted.reduce((p, a) => p * dims[a]!, 1);
      const layer: LayerOf<'LayerNormalization'> = {
        name: 'ln',
        type: 'LayerNormalization',
        config: { axis, epsilon: 1e-3, center: true, scale: true },
        weights: {
          gamma: { shape: pshape, data: Float32Array.from({ length: D }, () => 0.5 + rnd()) },
          beta: { shape: pshape, data: Float32Array.from({ length: D }, () => rnd() - 0.5) },
        },
        inputs: ['x'],
        inputShape: [dims],
        outputShape: dims,
      };
      const ir: ModelIR = {
        name: 'ln',
        source: { format: 'tfjs-layers', file: 'LayerNormalization.test.ts' },
        inputShape: dims,
        inputKind: 'float',
        layers: [{ name: 'x', type: 'InputLayer', config: { shape: dims }, weights: {}, inputs: [], inputShape: [], outputShape: dims }, layer],
        outputs: ['ln'],
        params: 2 * D,
        macs: 0,
      };
      const n = dims.reduce((a, b) => a * b, 1);
      const samples = Array.from({ length: 3 }, () => Float32Array.from({ length: n }, () => (rnd() - 0.5) * 6));
      const tf = predictFloat(ir, samples);
      const ln = layerNormalizationFromIR(layer);
      expect(ln.axes).toEqual(sorted);
      const { config, weights } = quantizeLayerNormalization(ln, { mode: 'q' });
      samples.forEach((s, k) => {
        const got = qValues(oracleForward(o, LAYER_NORMALIZATION, config, weights, qBytes(Array.from(s, (v) => toQ(v))))).map((v) => fromQ(v));
        for (let i = 0; i < n; i++) {
          const err = Math.abs(got[i]! - tf[k]![i]!);
          worst = Math.max(worst, err);
          // tfjs works in float32 (ε = 2^-24 relative per step): ~1e-6 on outputs of magnitude ≤ 4
          expect(err, `dims=${dims} axis=${axis} i=${i}`).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(tf[k]![i]!)));
        }
      });
    }
    console.log(`LayerNormalization q vs tfjs: max error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(2e-6);
  });
});

describe('LayerNormalization case table', () => {
  type Case = { name: string; dims: number[]; axes: number[]; x: number[]; eps: number; gamma?: number[]; beta?: number[]; expected: number[] | 'DivisionByZero' };
  const cases: Case[] = [
    { name: '[−1, 1], ε = 0 → itself', dims: [2], axes: [0], x: [-1, 1], eps: 0, expected: [-1, 1] },
    { name: '[1, 3], ε = 0 → [−1, 1]', dims: [2], axes: [0], x: [1, 3], eps: 0, expected: [-1, 1] },
    { name: 'γ = [2, 2], β = [0.5, 0.5]', dims: [2], axes: [0], x: [1, 3], eps: 0, gamma: [2, 2], beta: [0.5, 0.5], expected: [-1.5, 2.5] },
    { name: '[0, 0, 4, 4]: mean 2, var 4, sd 2', dims: [4], axes: [0], x: [0, 0, 4, 4], eps: 0, expected: [-1, -1, 1, 1] },
    { name: 'var 1 + ε 3 → sd 2', dims: [2], axes: [0], x: [-1, 1], eps: 3, expected: [-0.5, 0.5] },
    { name: 'constant group, ε = 1 → β', dims: [3], axes: [0], x: [5, 5, 5], eps: 1, beta: [0.25, 0.5, 0.75], expected: [0.25, 0.5, 0.75] },
    { name: 'two rows normalized separately', dims: [2, 2], axes: [1], x: [1, 3, 10, 20], eps: 0, expected: [-1, 1, -1, 1] },
    { name: 'column axis', dims: [2, 2], axes: [0], x: [1, 10, 3, 20], eps: 0, expected: [-1, -1, 1, 1] },
    { name: 'constant group, ε = 0 → DivisionByZero', dims: [2], axes: [0], x: [7, 7], eps: 0, expected: 'DivisionByZero' },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const q = (v: number) => toQ(v);
      const c: LayerNormalizationConfig = { ...noI8, mode: Mode.Q, dims: t.dims, axes: t.axes, center: !!t.beta, scale: !!t.gamma, F: 32, epsilon: q(t.eps) };
      const run = () => runQ(c, t.gamma?.map(q) ?? null, t.beta?.map(q) ?? null, t.x.map(q));
      if (t.expected === 'DivisionByZero') {
        expect(run).toThrowError(/DivisionByZero/);
        return;
      }
      expect(run()).toEqual(t.expected.map(q));
    });
  }
});

describe('LayerNormalization gas (EVM, printed)', () => {
  it('a [4, 768] sequence (BERT-base width), q and int8, plus fast == oracle', async () => {
    const h = await mergeNormHarness();
    const rnd = prng(1);
    const dims = [4, 768];
    const n = 4 * 768;
    const ln: LayerNormFloat = {
      dims,
      axes: [1],
      epsilon: 1e-12,
      gamma: Float64Array.from({ length: 768 }, () => 0.5 + rnd()),
      beta: Float64Array.from({ length: 768 }, () => rnd() - 0.5),
    };
    const xr = Array.from({ length: n }, () => (rnd() - 0.5) * 4);
    const q = quantizeLayerNormalization(ln, { mode: 'q' });
    const xq = qBytes(xr.map((v) => toQ(v)));
    const rq = await h.call('layerNormalization', harnessArgs(LAYER_NORMALIZATION, q.config, q.weights, xq));
    if (!rq.ok) throw new Error(rq.detail);
    const eq = harnessResult(rq.value);
    expect(Array.from(eq.y)).toEqual(Array.from(oracleForward(o, LAYER_NORMALIZATION, q.config, q.weights, xq)));
    const input = activationParams(-2, 2);
    const i8 = quantizeLayerNormalization(ln, { mode: 'int8', input, output: activationParams(-4, 4) });
    const xi = i8Bytes(quantizeTensor(xr, input));
    const r8 = await h.call('layerNormalization', harnessArgs(LAYER_NORMALIZATION, i8.config, i8.weights, xi));
    if (!r8.ok) throw new Error(r8.detail);
    const e8 = harnessResult(r8.value);
    expect(Array.from(e8.y)).toEqual(Array.from(oracleForward(o, LAYER_NORMALIZATION, i8.config, i8.weights, xi)));
    console.log(
      `gas LayerNormalization [4, 768] axis 1: q ${eq.gasUsed} (${(Number(eq.gasUsed) / n).toFixed(1)}/element), ` +
        `int8 ${e8.gasUsed} (${(Number(e8.gasUsed) / n).toFixed(1)}/element)`,
    );
    // regression guard (measured ≈ 347 q, see docs/layers/merge-norm.md "Gas")
    expect(Number(eq.gasUsed) / n).toBeLessThan(400);
  }, 60_000);
});
