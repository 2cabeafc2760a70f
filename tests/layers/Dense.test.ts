/**
 * Keras-faithfulness and accuracy of the Dense layer (docs/layers.md "Error bounds"):
 * 1. a typed case table with hand-derived results (q and int8);
 * 2. for every activation, a float Dense layer is run by TensorFlow.js (`predictFloat`, the project's float
 *    reference) and by a float64 reference; the layer is quantized (q32; int8 with calibration on the
 *    samples), run by the oracle and dequantized; every output must lie within the documented bound of the
 *    float64 result, and within that bound plus float32 rounding of the tfjs result;
 * 3. regressions: softmax is applied once; leaky_relu honours α ≠ 0.2; forwardRange == the slice of forward.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import type { Activation } from '../../src/harness/model/ir.ts';
import { activationParams, dequantizeTensor, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQ, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import {
  ActKind, DENSE, INT64_MAX, LINEAR_SPEC, denseFloat, denseWeightScales, isFusedActivation, lipschitz, oracleForward, packDenseI8,
  packDenseQ, quantizeDense, reluFamily, type ActivationSpec, type DenseConfig, type DenseFloat, type LayerActivation,
} from '../../src/harness/layers/index.ts';
import { oneLayerModel, range, uniform } from './helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const ONE = 1n << 32n;
const i8bytes = (v: ArrayLike<number>) => Uint8Array.from(Array.from(v, (x) => x & 0xff));

// ------------------------------------------------------------------------------------- case table

const q32 = (x: number) => toQ(x, 32);
const spec = (kind: number, rest: Partial<ActivationSpec> = {}): ActivationSpec => ({ ...LINEAR_SPEC, kind, ...rest });
const qConfig = (K: number, N: number, act: ActivationSpec, F = 32): DenseConfig => ({
  mode: 0, rows: 1, K, N, act, F, zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0,
});

interface QCase {
  name: string;
  input: { x: number[]; W: number[]; b: number[]; act: ActivationSpec; F?: number };
  expected: bigint[];
}

const qCases: QCase[] = [
  { name: 'dot + bias: 2·1.5 + 1·2 + 0.5 = 5.5', input: { x: [2, 1], W: [1.5, 2], b: [0.5], act: LINEAR_SPEC }, expected: [q32(5.5)] },
  { name: 'two units, W row-major [K, N]', input: { x: [1, 2], W: [1, 10, 100, 1000], b: [0, 0], act: LINEAR_SPEC }, expected: [q32(201), q32(2010)] },
  { name: 'relu clips a negative to 0', input: { x: [-1], W: [3], b: [0], act: spec(ActKind.Relu) }, expected: [0n] },
  { name: 'relu6 caps 8 at 6', input: { x: [4], W: [2], b: [0], act: spec(ActKind.Relu, { maxValue: q32(6) }) }, expected: [q32(6)] },
  {
    name: 'leaky_relu α = 0.3: −2 → −2·round(0.3·2^32)/2^32',
    input: { x: [-2], W: [1], b: [0], act: spec(ActKind.Relu, { slope: q32(0.3) }) },
    expected: [-2n * 1288490189n],
  },
  {
    name: 'hard_sigmoid (Keras 2): 0.2·1 + 0.5 = round(0.2·2^32) + 2^31',
    input: { x: [1], W: [1], b: [0], act: spec(ActKind.HardSigmoid, { slope: q32(0.2), offset: q32(0.5) }) },
    expected: [858993459n + (1n << 31n)],
  },
  { name: 'hard_sigmoid clips at 1', input: { x: [10], W: [1], b: [0], act: spec(ActKind.HardSigmoid, { slope: q32(0.2), offset: q32(0.5) }) }, expected: [ONE] },
  { name: 'sigmoid(0) = 0.5', input: { x: [0], W: [1], b: [0], act: spec(ActKind.Sigmoid) }, expected: [ONE / 2n] },
  { name: 'tanh(0) = 0', input: { x: [0], W: [1], b: [0], act: spec(ActKind.Tanh) }, expected: [0n] },
  { name: 'softmax of equal logits = 1/2 each', input: { x: [1], W: [3, 3], b: [0, 0], act: spec(ActKind.Softmax) }, expected: [ONE / 2n, ONE / 2n] },
  { name: 'relu6 at F = 16', input: { x: [4], W: [2], b: [0], act: spec(ActKind.Relu, { maxValue: 6n << 16n }), F: 16 }, expected: [6n << 16n] },
];

interface I8Case {
  name: string;
  input: { x: number[]; zIn: number; W: number[]; b: number[]; M: number; shift: number; Mn?: number; shiftN?: number; zPre: number; lo?: number; hi?: number; act: ActivationSpec };
  expected: number[];
}

const i8Cases: I8Case[] = [
  // acc = 10·1 = 10; 10·2^30 / 2^31 = 5; + zPre 3 = 8
  { name: 'acc·M/2^shift + z: 10·½ + 3', input: { x: [10], zIn: 0, W: [1], b: [0], M: 2 ** 30, shift: 31, zPre: 3, act: LINEAR_SPEC }, expected: [8] },
  // acc = (7 − 2)·1 + 4 = 9 → 4.5 → RHAZ 5 → 5
  { name: 'zero point and bias; ties away from zero', input: { x: [7], zIn: 2, W: [1], b: [4], M: 2 ** 30, shift: 31, zPre: 0, act: LINEAR_SPEC }, expected: [5] },
  // acc = −3 → −1.5 → −2
  { name: 'negative tie rounds away from zero', input: { x: [-3], zIn: 0, W: [1], b: [0], M: 2 ** 30, shift: 31, zPre: 0, act: LINEAR_SPEC }, expected: [-2] },
  // relu: clamp at lo = zPre = −128+... use zPre −10: −2 −10 = −12 → clamp to −10
  { name: 'relu = clamp at the quantized 0', input: { x: [-3], zIn: 0, W: [1], b: [0], M: 2 ** 30, shift: 31, zPre: -10, lo: -10, act: spec(ActKind.Relu) }, expected: [-10] },
  // leaky: negative acc −3 uses Mn = 2^30 / 2^32 = ¼: −0.75 → −1
  { name: 'leaky: negative branch uses (Mn, shiftN)', input: { x: [-3], zIn: 0, W: [1], b: [0], M: 2 ** 30, shift: 31, Mn: 2 ** 30, shiftN: 32, zPre: 0, act: spec(ActKind.Relu, { slope: q32(0.5) }) }, expected: [-1] },
  // relu6: 200·½ = 100 → clamp at hi = 60
  { name: 'relu6 = clamp at the quantized 6', input: { x: [100], zIn: -100, W: [1], b: [0], M: 2 ** 30, shift: 31, zPre: 0, lo: 0, hi: 60, act: spec(ActKind.Relu, { maxValue: q32(6) }) }, expected: [60] },
];

describe('Dense case table', () => {
  it.each(qCases)('q: $name', ({ input, expected }) => {
    const K = input.x.length;
    const N = input.b.length;
    const F = input.F ?? 32;
    const weights = packDenseQ(toQArray(input.W, F), toQArray(input.b, F), K, N);
    const y = decodeQ(oracleForward(o, DENSE, qConfig(K, N, input.act, F), weights, getBytes(encodeQ(toQArray(input.x, F)))));
    expect(Array.from(y)).toEqual(expected);
  });
  it.each(i8Cases)('int8: $name', ({ input, expected }) => {
    const K = input.x.length;
    const N = input.b.length;
    const neg = input.Mn !== undefined;
    const config: DenseConfig = {
      ...qConfig(K, N, input.act), mode: 1, zIn: input.zIn, zPre: input.zPre, lo: input.lo ?? -128, hi: input.hi ?? 127, negative: neg,
    };
    const blob = packDenseI8({ W: input.W, bias: input.b, M: [input.M], shift: [input.shift], ...(neg ? { Mn: [input.Mn!], shiftN: [input.shiftN!] } : {}) }, K, N);
    expect(Array.from(decodeI8(oracleForward(o, DENSE, config, blob, i8bytes(input.x))))).toEqual(expected);
  });
});

// ------------------------------------------------------------------------------------- accuracy

/** Error of the activation's q implementation itself at pre-activation p (docs/layers.md, numerics §6). */
function actErrQ(a: LayerActivation, p: number, n: number): number {
  const u = 2 ** -32;
  if (reluFamily(a)) return u * (1 + Math.abs(p)); // slope/threshold/cap quantization + one RHAZ
  switch (a.name) {
    case 'linear':
      return 0;
    case 'sigmoid':
    case 'tanh':
      return 2 * u;
    case 'softmax':
      return (4 + n) * u;
    case 'hard_sigmoid':
      return u * (2 + Math.abs(p));
    case 'silu':
      return u * (1 + 2 * Math.abs(p));
    case 'gelu':
      return a.approximate ? u * (1 + Math.abs(p) * (4 + Math.abs(p) + 0.05 * Math.abs(p) ** 3)) : 2 * u + Math.abs(p) * 1.1e-7;
  }
  return 0;
}

/** float32 rounding of the tfjs reference: accumulation over K terms, then the activation. */
function f32Tol(sumAbs: number, K: number, p: number): number {
  return (K + 2) * 2 ** -24 * sumAbs + 4e-7 * (1 + Math.abs(p));
}

const ACTIVATIONS: LayerActivation[] = [
  { name: 'linear' },
  { name: 'relu' },
  { name: 'relu6' },
  { name: 'leaky_relu', alpha: 0.2 },
  { name: 'leaky_relu', alpha: 0.1 },
  { name: 'leaky_relu', alpha: 0.3 },
  { name: 'sigmoid' },
  { name: 'tanh' },
  { name: 'softmax', axis: 0 },
  { name: 'hard_sigmoid', slope: 0.2, offset: 0.5 },
  { name: 'hard_sigmoid', slope: 1 / 6, offset: 0.5 },
  { name: 'silu' },
  { name: 'gelu', approximate: false },
  { name: 'gelu', approximate: true },
];
const actName = (a: LayerActivation) => JSON.stringify(a).replace(/"/g, '');

const K = 24;
const N = 10;
const S = 12;

function makeLayer(seed: number, a: LayerActivation, wScale = 0.6): DenseFloat {
  return { K, N, kernel: uniform(seed, K * N, -wScale, wScale), bias: uniform(seed + 1, N, -0.3, 0.3), activation: a };
}
const samplesOf = (seed: number) => Array.from({ length: S }, (_, s) => uniform(seed + 100 + s, K, -1, 1.5));

function tfjsOutputs(d: DenseFloat, samples: Float32Array[]): Float32Array[] {
  const ir = oneLayerModel([K], {
    type: 'Dense',
    config: { units: N, activation: d.activation as Activation, useBias: true },
    weights: { kernel: { shape: [K, N], data: Float32Array.from(d.kernel) }, bias: { shape: [N], data: Float32Array.from(d.bias!) } },
    outputShape: [N],
  });
  return predictFloat(ir, samples);
}

/** Σ_i |x_i|, Σ_i |W_io|, Σ_i |x_i·W_io| for unit o. */
function sums(d: DenseFloat, x: ArrayLike<number>, o: number) {
  let sx = 0, sw = 0, sxw = 0;
  for (let i = 0; i < d.K; i++) {
    sx += Math.abs(x[i]!);
    sw += Math.abs(d.kernel[i * d.N + o]!);
    sxw += Math.abs(x[i]! * d.kernel[i * d.N + o]!);
  }
  return { sx, sw, sxw };
}

interface Worst { ratio: number; err: number; bound: number }
const worstOf = (w: Worst, err: number, bound: number): Worst => (err / bound > w.ratio ? { ratio: err / bound, err, bound } : w);

describe('Dense vs tfjs and float64 (every activation, both modes)', () => {
  const table: string[] = [];
  it.each(ACTIVATIONS.map((a, i) => [actName(a), a, i] as const))('%s', (_name, a, i) => {
    const d = makeLayer(1000 + 17 * i, a);
    const samples = samplesOf(1000 + 17 * i);
    const tf = tfjsOutputs(d, samples);
    const ref = samples.map((x) => denseFloat(x, d.kernel, d.bias, K, N, a));
    const L = lipschitz(a);

    // q mode, F = 32
    const qd = quantizeDense(d, { mode: 'q' });
    let wq: Worst = { ratio: 0, err: 0, bound: 1 };
    let wqTf: Worst = { ratio: 0, err: 0, bound: 1 };
    samples.forEach((x, s) => {
      const y = fromQArray(decodeQ(oracleForward(o, DENSE, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))))));
      const ePres = Array.from({ length: N }, (_, u) => {
        const { sx, sw } = sums(d, x, u);
        return 2 ** -33 * (sx + sw + 2) + K * 2 ** -66;
      });
      const eMax = Math.max(...ePres);
      for (let u = 0; u < N; u++) {
        const p = ref[s]!.pre[u]!;
        const bound = L * (a.name === 'softmax' ? eMax : ePres[u]!) + actErrQ(a, p, N) + 1e-15;
        wq = worstOf(wq, Math.abs(y[u]! - ref[s]!.out[u]!), bound);
        wqTf = worstOf(wqTf, Math.abs(y[u]! - tf[s]![u]!), bound + f32Tol(sums(d, x, u).sxw + Math.abs(d.bias![u]!), K, p));
      }
    });

    // int8 mode, calibrated on the samples
    const input = activationParams(...range(samples));
    const pre = activationParams(...range(ref.map((r) => r.pre)));
    const output = activationParams(...range(ref.map((r) => r.out)));
    const qd8 = quantizeDense(d, { mode: 'int8', input, output, pre });
    const sw = denseWeightScales(d);
    const fused = isFusedActivation(a);
    let w8: Worst = { ratio: 0, err: 0, bound: 1 };
    let w8Tf: Worst = { ratio: 0, err: 0, bound: 1 };
    let maxLsb = 0;
    samples.forEach((x, s) => {
      const yq = decodeI8(oracleForward(o, DENSE, qd8.config, qd8.weights, i8bytes(quantizeTensor(x, input))));
      const y = dequantizeTensor(yq, output);
      const eAcc = Array.from({ length: N }, (_, u) => {
        const { sx, sw: sW } = sums(d, x, u);
        // x: |δx| ≤ s_x (½ inside the range, up to 1 at its rounded ends); W: ≤ s_w/2; b: ≤ s_x·s_w/2
        return sW * input.scale + sx * sw[u]! / 2 + (K + 1) * input.scale * sw[u]! / 2 + Math.abs(ref[s]!.pre[u]!) * 2 ** -30;
      });
      const eMax = Math.max(...eAcc);
      for (let u = 0; u < N; u++) {
        const p = ref[s]!.pre[u]!;
        const e = a.name === 'softmax' ? eMax : eAcc[u]!;
        const bound = L * (e + (fused ? 0 : pre.scale)) + output.scale + actErrQ(a, p, N);
        const err = Math.abs(y[u]! - ref[s]!.out[u]!);
        w8 = worstOf(w8, err, bound);
        maxLsb = Math.max(maxLsb, err / output.scale);
        w8Tf = worstOf(w8Tf, Math.abs(y[u]! - tf[s]![u]!), bound + f32Tol(sums(d, x, u).sxw + Math.abs(d.bias![u]!), K, p));
      }
    });
    table.push(
      `${actName(a).padEnd(40)} q: ${(wq.err / 2 ** -32).toFixed(1).padStart(7)} ulp (bound ${(wq.bound / 2 ** -32).toFixed(1)})` +
        `   int8: ${maxLsb.toFixed(2)} LSB (bound ${(w8.bound / output.scale).toFixed(2)} LSB at the worst ratio)`,
    );
    expect(wq.ratio, `q vs float64: err ${wq.err} > bound ${wq.bound}`).toBeLessThanOrEqual(1);
    expect(wqTf.ratio, `q vs tfjs: err ${wqTf.err} > bound ${wqTf.bound}`).toBeLessThanOrEqual(1);
    expect(w8.ratio, `int8 vs float64: err ${w8.err} > bound ${w8.bound}`).toBeLessThanOrEqual(1);
    expect(w8Tf.ratio, `int8 vs tfjs: err ${w8Tf.err} > bound ${w8Tf.bound}`).toBeLessThanOrEqual(1);
    if (i === ACTIVATIONS.length - 1) console.log(`Dense K=${K} N=${N}, ${S} samples, max |oracle − float64|:\n  ${table.join('\n  ')}`);
  });
});

// ------------------------------------------------------------------------------------- regressions

describe('Dense regressions', () => {
  it('softmax is applied once (Dense(softmax) output = softmax(x·W + b), not softmax(softmax(…)))', () => {
    const d = makeLayer(77, { name: 'softmax', axis: 0 }, 3); // logits spread over several units
    const x = uniform(78, K, -1, 1.5);
    const { pre, out } = denseFloat(x, d.kernel, d.bias, K, N, d.activation);
    const twice = denseFloat(x, new Float32Array(K * N), Array.from(out), K, N, d.activation).out; // softmax(out)
    const maxDiff = Math.max(...Array.from(out, (v, u) => Math.abs(v - twice[u]!)));
    expect(maxDiff, 'the test needs logits where once and twice differ').toBeGreaterThan(0.1);
    const qd = quantizeDense(d, { mode: 'q' });
    const yq = fromQArray(decodeQ(oracleForward(o, DENSE, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))))));
    const sum = yq.reduce((p, v) => p + v, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-8);
    for (let u = 0; u < N; u++) expect(Math.abs(yq[u]! - out[u]!)).toBeLessThan(1e-7);
    const input = activationParams(-1, 1.5);
    const qd8 = quantizeDense(d, { mode: 'int8', input, output: activationParams(0, 1), pre: activationParams(...range([pre])) });
    const y8 = dequantizeTensor(decodeI8(oracleForward(o, DENSE, qd8.config, qd8.weights, i8bytes(quantizeTensor(x, input)))), activationParams(0, 1));
    for (let u = 0; u < N; u++) expect(Math.abs(y8[u]! - out[u]!)).toBeLessThan(0.05);
  });

  it('leaky_relu uses its α (0.01, 0.3, 1.5 — not the 0.2 default) in both modes', () => {
    for (const alpha of [0.01, 0.3, 1.5]) {
      const d: DenseFloat = { K: 1, N: 3, kernel: [1, 2, -1], bias: [0, 0, 0], activation: { name: 'leaky_relu', alpha } };
      const x = [-2];
      const want = [-2 * alpha, -4 * alpha, 2];
      const qd = quantizeDense(d, { mode: 'q' });
      const y = fromQArray(decodeQ(oracleForward(o, DENSE, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))))));
      for (let u = 0; u < 3; u++) expect(Math.abs(y[u]! - want[u]!)).toBeLessThan(1e-8);
      const input = activationParams(-2, 2);
      const output = activationParams(Math.min(...want), 2);
      const qd8 = quantizeDense(d, { mode: 'int8', input, output });
      expect(qd8.config.negative).toBe(true);
      const y8 = dequantizeTensor(decodeI8(oracleForward(o, DENSE, qd8.config, qd8.weights, i8bytes(quantizeTensor(x, input)))), output);
      const sw = denseWeightScales(d);
      for (let u = 0; u < 3; u++) {
        // docs/layers.md: L·(|W|·s_x + |x|·s_w/2 + s_x·s_w) + s_out, L = max(1, α)
        const e = Math.abs(d.kernel[u]!) * input.scale + 2 * sw[u]! / 2 + input.scale * sw[u]!;
        expect(Math.abs(y8[u]! - want[u]!)).toBeLessThanOrEqual(Math.max(1, alpha) * e + output.scale);
      }
      // With α = 0.2 the negative outputs would differ by more than the bound.
      expect(Math.abs(y8[0]! - -2 * 0.2)).toBeGreaterThan(alpha === 0.01 ? 0.3 : 0.15);
    }
  });

  it('forwardRange(from, to) is the slice [from, to) of forward (both modes, rows = 2)', () => {
    const d: DenseFloat = { ...makeLayer(91, { name: 'tanh' }), N: 40, kernel: uniform(92, K * 40, -0.5, 0.5), bias: uniform(93, 40, -0.2, 0.2) };
    const x = uniform(94, 2 * K, -1, 1);
    const qd = quantizeDense(d, { mode: 'q', rows: 2 });
    const xq = getBytes(encodeQ(toQArray(x)));
    const full = decodeQ(oracleForward(o, DENSE, qd.config, qd.weights, xq));
    const input = activationParams(-1, 1);
    const qd8 = quantizeDense(d, { mode: 'int8', rows: 2, input, output: activationParams(-1, 1), pre: activationParams(-4, 4) });
    const x8 = i8bytes(quantizeTensor(x, input));
    const full8 = decodeI8(oracleForward(o, DENSE, qd8.config, qd8.weights, x8));
    for (const [from, to] of [[0, 40], [0, 1], [5, 37], [32, 40], [31, 33], [40, 40]] as const) {
      const part = decodeQ(oracleForward(o, DENSE, qd.config, qd.weights, xq, [from, to]));
      const part8 = decodeI8(oracleForward(o, DENSE, qd8.config, qd8.weights, x8, [from, to]));
      const slice = <T>(a: T[]) => [...a.slice(from, to), ...a.slice(40 + from, 40 + to)];
      expect(Array.from(part)).toEqual(slice(Array.from(full)));
      expect(Array.from(part8)).toEqual(slice(Array.from(full8)));
    }
  });

  it('int8 quantization keeps the real zero exact (relu clamp at zOut, no negative multipliers)', () => {
    const d = makeLayer(5, { name: 'relu' });
    const qd8 = quantizeDense(d, { mode: 'int8', input: activationParams(-1, 1.5), output: activationParams(0, 4) });
    const out: QuantParams = activationParams(0, 4);
    expect(qd8.config.lo).toBe(out.zeroPoint);
    expect(qd8.config.negative).toBe(false);
    expect(qd8.config.act.maxValue).toBe(INT64_MAX);
  });
});
