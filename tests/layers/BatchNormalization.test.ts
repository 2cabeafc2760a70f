/**
 * BatchNormalization (docs/layers/conv.md "BatchNormalization"):
 * 1. case table: the affine map a·x + b per channel (q exact arithmetic; int8 signed multipliers);
 * 2. the standalone layer vs TensorFlow.js `batchNormalization` (random γ, β, μ, σ², ε; center/scale on
 *    and off) in both modes, within the documented bounds (q: 2^-33·(|a| + |x| + 2); int8: |a|·s_in + s_out
 *    + |a·x|·2^-29), plus float32 rounding of tfjs;
 * 3. `foldBatchNorm`: Conv2D + BatchNormalization run by tfjs equals the folded Conv2D quantized in both
 *    modes within Conv2D's bounds; Dense + BN and DepthwiseConv2D + BN fold exactly in float;
 * 4. ranges over the first axis in the EVM; gas at 16×16×32.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import type { LayerIR, LayerOf, ModelIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { activationParams, dequantizeTensor, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQ, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { denseFloat } from '../../src/harness/layers/float.ts';
import {
  BATCH_NORMALIZATION, batchNormAffine, batchNormFloat, foldBatchNorm, packBatchNormI8, packBatchNormQ, quantizeBatchNorm,
} from '../../src/harness/layers/batchNormalization.ts';
import { conv2dFromIR, quantizeConv2D, CONV2D } from '../../src/harness/layers/conv2D.ts';
import { depthwiseConv2dFromIR } from '../../src/harness/layers/depthwiseConv2D.ts';
import { conv2dFloat, depthwiseConv2dFloat } from '../../src/harness/layers/spatial.ts';
import { foldBatchNorms, quantizeImageLayer } from '../../src/harness/layers/imageLayers.ts';
import { evmLayer, oneLayerModel, range, uniform } from './helpers.ts';
import { convAccuracy, convLayersHarness } from './spatial.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const C = 6;
const bnLayer = (seed: number, shape: number[], center = true, scale = true): LayerOf<'BatchNormalization'> => {
  const w: LayerIR['weights'] = {
    moving_mean: { shape: [C], data: uniform(seed, C, -0.5, 0.5) },
    moving_variance: { shape: [C], data: uniform(seed + 1, C, 0.2, 3) },
  };
  if (scale) w.gamma = { shape: [C], data: uniform(seed + 2, C, -1.5, 1.5) };
  if (center) w.beta = { shape: [C], data: uniform(seed + 3, C, -0.4, 0.4) };
  return {
    type: 'BatchNormalization', name: 'bn', inputs: ['input'], inputShape: [shape], outputShape: shape,
    config: { axis: shape.length - 1, epsilon: 1e-3, center, scale }, weights: w,
  };
};

describe('BatchNormalization case table', () => {
  it('q: y = rshiftRound(x·A, 32) + B per channel', () => {
    // channel 0: 2·1.5 + 0.25 = 3.25; channel 1: −0.5·(−2) − 1 = 0
    const w = packBatchNormQ([toQ(1.5), toQ(-0.5)], [toQ(0.25), toQ(-1)]);
    const y = decodeQ(oracleForward(o, BATCH_NORMALIZATION, { mode: 0, dims: [1, 2], F: 32, zIn: 0, zOut: 0 }, w, getBytes(encodeQ(toQArray([2, -2])))));
    expect(Array.from(y)).toEqual([toQ(3.25), 0n]);
  });

  it('int8: y = sat8(zOut + rshiftRound((x − zIn)·M + bias, shift)), negative M allowed', () => {
    // ch 0: (10 − 2)·2^30/2^31 = 4, + bias 2^31/2^31 = 1 → 5, + zOut 3 = 8; ch 1: (10 − 2)·(−2^30)/2^30 = −8 → −8 + 3 = −5
    const w = packBatchNormI8([2 ** 30, -(2 ** 30)], [31, 30], [1n << 31n, 0n]);
    const y = decodeI8(oracleForward(o, BATCH_NORMALIZATION, { mode: 1, dims: [2], F: 32, zIn: 2, zOut: 3 }, w, Uint8Array.from([10, 10])));
    expect(Array.from(y)).toEqual([8, -5]);
  });
});

describe('BatchNormalization vs tfjs (both modes)', () => {
  it.each([
    ['center + scale', true, true],
    ['no scale', true, false],
    ['no center', false, true],
  ] as const)('%s', (_n, center, scale) => {
    const shape = [4, 5, C];
    const bn = bnLayer(40 + (center ? 1 : 0) + (scale ? 2 : 0), shape, center, scale);
    const samples = Array.from({ length: 3 }, (_, s) => uniform(800 + s, 4 * 5 * C, -2, 2.5));
    const tf = predictFloat(oneLayerModel(shape, bn), samples);
    const aff = batchNormAffine(bn);
    const refs = samples.map((x) => batchNormFloat(x, aff));
    const qd = quantizeBatchNorm(aff, shape, { mode: 'q' });
    const input = activationParams(...range(samples));
    const output = activationParams(...range(refs));
    const q8 = quantizeBatchNorm(aff, shape, { mode: 'int8', input, output });
    const mean = bn.weights.moving_mean!.data;
    let wq = 0, w8 = 0;
    samples.forEach((x, s) => {
      const yq = fromQArray(decodeQ(oracleForward(o, BATCH_NORMALIZATION, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))))));
      const y8 = dequantizeTensor(decodeI8(oracleForward(o, BATCH_NORMALIZATION, q8.config, q8.weights, Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff))), output);
      for (let i = 0; i < x.length; i++) {
        const a = aff.a[i % C]!;
        const r = refs[s]![i]!;
        const f32 = 4e-7 * (Math.abs(a * x[i]!) + Math.abs(a * mean[i % C]!) + Math.abs(r) + 1);
        const bq = 2 ** -33 * (Math.abs(a) + Math.abs(x[i]!) + 2) + 1e-15;
        const b8 = Math.abs(a) * input.scale + output.scale + Math.abs(a * x[i]!) * 2 ** -29;
        wq = Math.max(wq, Math.abs(yq[i]! - r) / bq);
        w8 = Math.max(w8, Math.abs(y8[i]! - r) / b8);
        expect(Math.abs(yq[i]! - r), `q vs float64 [${i}]`).toBeLessThanOrEqual(bq);
        expect(Math.abs(yq[i]! - tf[s]![i]!), `q vs tfjs [${i}]`).toBeLessThanOrEqual(bq + f32);
        expect(Math.abs(y8[i]! - r), `int8 vs float64 [${i}]`).toBeLessThanOrEqual(b8);
        expect(Math.abs(y8[i]! - tf[s]![i]!), `int8 vs tfjs [${i}]`).toBeLessThanOrEqual(b8 + f32);
      }
    });
    console.log(`BatchNormalization (${_n}): worst error/bound q ${wq.toFixed(2)}, int8 ${w8.toFixed(2)}`);
  });
});

// ------------------------------------------------------------------------------------- folding

function twoLayerModel(inputShape: number[], first: LayerIR, bn: LayerOf<'BatchNormalization'>): ModelIR {
  const input: LayerIR = { type: 'InputLayer', name: 'input', config: { shape: inputShape }, weights: {}, inputs: [], inputShape: [], outputShape: inputShape };
  const l1 = { ...first, name: 'first', inputs: ['input'], inputShape: [inputShape] } as LayerIR;
  const l2 = { ...bn, name: 'bn', inputs: ['first'], inputShape: [first.outputShape] } as LayerIR;
  return { name: 'fold', source: { format: 'tfjs-layers', file: 'fold' }, inputShape, inputKind: 'float', layers: [input, l1, l2], outputs: ['bn'], params: 0, macs: 0 };
}

describe('foldBatchNorm', () => {
  it('Conv2D + BatchNormalization (tfjs) == folded Conv2D quantized (q and int8), within Conv2D bounds', () => {
    const [H, W, Cin] = [6, 7, 3];
    for (const [padding, strides, useBias] of [['same', [1, 1], true], ['same', [2, 2], false], ['valid', [1, 2], true]] as const) {
      const conv: LayerOf<'Conv2D'> = {
        type: 'Conv2D', name: 'first', inputs: ['input'], inputShape: [[H, W, Cin]], outputShape: [0, 0, C],
        config: { filters: C, kernelSize: [3, 3], strides: [strides[0], strides[1]], padding, activation: { name: 'linear' }, useBias },
        weights: { kernel: { shape: [3, 3, Cin, C], data: uniform(61, 9 * Cin * C, -0.5, 0.5) }, ...(useBias ? { bias: { shape: [C], data: uniform(62, C, -0.2, 0.2) } } : {}) },
      };
      const Ho = padding === 'same' ? Math.ceil(H / strides[0]) : H - 2;
      const Wo = padding === 'same' ? Math.ceil(W / strides[1]) : Math.floor((W - 3) / strides[1]) + 1;
      conv.outputShape = [Ho, Wo, C];
      const bn = bnLayer(63, [Ho, Wo, C]);
      const folded = foldBatchNorm(conv, bn);
      expect(folded.config.useBias).toBe(true);
      const d = conv2dFromIR(folded);
      const samples = Array.from({ length: 3 }, (_, s) => uniform(900 + s, H * W * Cin, -1, 1.5));
      const r = convAccuracy(o, {
        layer: folded,
        model: twoLayerModel([H, W, Cin], conv, bn),
        inputShape: [H, W, Cin],
        activation: { name: 'linear' },
        samples,
        ref: (x) => conv2dFloat(x, d, d.kernel, d.bias, d.activation),
        quantize: (opts) => quantizeConv2D(d, opts),
        op: CONV2D,
      });
      console.log(`fold Conv2D ${padding} ${strides}: q ${r.qUlps.toFixed(1)} ulp, int8 ${r.i8Lsb.toFixed(2)} LSB (vs float64 of the folded layer); ratios ${JSON.stringify(r.ratios)}`);
      expect(r.ratios.q).toBeLessThanOrEqual(1);
      expect(r.ratios.qTf).toBeLessThanOrEqual(1);
      expect(r.ratios.i8).toBeLessThanOrEqual(1);
      expect(r.ratios.i8Tf).toBeLessThanOrEqual(1);
    }
  });

  it('Dense + BN and DepthwiseConv2D + BN: the folded float layer equals tfjs on the two layers', () => {
    const dense: LayerOf<'Dense'> = {
      type: 'Dense', name: 'first', inputs: ['input'], inputShape: [[10]], outputShape: [C],
      config: { units: C, activation: { name: 'linear' }, useBias: false },
      weights: { kernel: { shape: [10, C], data: uniform(71, 10 * C, -0.5, 0.5) } },
    };
    const bnD = bnLayer(72, [C]);
    const fd = foldBatchNorm(dense, bnD);
    const xs = Array.from({ length: 3 }, (_, s) => uniform(73 + s, 10, -1, 1));
    const tfD = predictFloat(twoLayerModel([10], dense, bnD), xs);
    xs.forEach((x, s) => {
      const y = denseFloat(x, fd.weights.kernel!.data, fd.weights.bias!.data, 10, C, { name: 'linear' }).out;
      for (let o2 = 0; o2 < C; o2++) expect(Math.abs(y[o2]! - tfD[s]![o2]!)).toBeLessThan(2e-5);
    });
    const dw: LayerOf<'DepthwiseConv2D'> = {
      type: 'DepthwiseConv2D', name: 'first', inputs: ['input'], inputShape: [[5, 5, 3]], outputShape: [5, 5, C],
      config: { kernelSize: [3, 3], strides: [1, 1], padding: 'same', depthMultiplier: 2, activation: { name: 'linear' }, useBias: true },
      weights: { depthwise_kernel: { shape: [3, 3, 3, 2], data: uniform(74, 54, -0.6, 0.6) }, bias: { shape: [C], data: uniform(75, C, -0.2, 0.2) } },
    };
    const bnW = bnLayer(76, [5, 5, C]);
    const fw = depthwiseConv2dFromIR(foldBatchNorm(dw, bnW));
    const xw = Array.from({ length: 2 }, (_, s) => uniform(77 + s, 75, -1, 1));
    const tfW = predictFloat(twoLayerModel([5, 5, 3], dw, bnW), xw);
    xw.forEach((x, s) => {
      const y = depthwiseConv2dFloat(x, fw, fw.kernel, fw.bias, fw.activation).out;
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - tfW[s]![i]!)).toBeLessThan(2e-5);
    });
  });

  it('foldBatchNorms (model pass): Conv2D → BN → GlobalAveragePooling2D becomes Conv2D → pooling, same float outputs', () => {
    const conv: LayerOf<'Conv2D'> = {
      type: 'Conv2D', name: 'first', inputs: ['input'], inputShape: [[5, 5, 2]], outputShape: [5, 5, C],
      config: { filters: C, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: { name: 'linear' }, useBias: true },
      weights: { kernel: { shape: [3, 3, 2, C], data: uniform(91, 18 * C, -0.5, 0.5) }, bias: { shape: [C], data: uniform(92, C, -0.2, 0.2) } },
    };
    const m0 = twoLayerModel([5, 5, 2], conv, bnLayer(93, [5, 5, C]));
    const gap: LayerIR = { type: 'GlobalAveragePooling2D', name: 'gap', config: {}, weights: {}, inputs: ['bn'], inputShape: [[5, 5, C]], outputShape: [C] };
    const m = { ...m0, layers: [...m0.layers, gap], outputs: ['gap'] };
    const f = foldBatchNorms(m);
    expect(f.layers.map((l) => `${l.type}:${l.name}`)).toEqual(['InputLayer:input', 'Conv2D:bn', 'GlobalAveragePooling2D:gap']);
    const xs = [uniform(94, 50, -1, 1), uniform(95, 50, -1, 1)];
    const [a, b] = [predictFloat(m, xs), predictFloat(f, xs)];
    for (let s = 0; s < 2; s++) for (let i = 0; i < C; i++) expect(Math.abs(a[s]![i]! - b[s]![i]!)).toBeLessThan(1e-5);
    // and the folded layer quantizes through quantizeImageLayer in both modes
    expect(quantizeImageLayer(f.layers[1]!, { mode: 'q' }).op.name).toBe('Conv2D');
    expect(quantizeImageLayer(f.layers[1]!, { mode: 'int8', ranges: { input: [-1, 1], output: [-3, 3] } }).weights.length).toBeGreaterThan(0);
  });

  it('refuses a layer with a nonlinear activation', () => {
    const dense: LayerOf<'Dense'> = {
      type: 'Dense', name: 'd', inputs: [], inputShape: [[2]], outputShape: [C],
      config: { units: C, activation: { name: 'relu' }, useBias: false }, weights: { kernel: { shape: [2, C], data: new Float32Array(2 * C) } },
    };
    expect(() => foldBatchNorm(dense, bnLayer(1, [C]))).toThrow(/linear/);
  });
});

describe('BatchNormalization EVM: ranges and gas', () => {
  it('forwardRange over the first axis; gas at 16×16×32 (printed)', async () => {
    const h = await convLayersHarness();
    const shape = [16, 16, 32];
    const aff = { a: Float64Array.from(uniform(82, 32, -1.5, 1.5)), b: Float64Array.from(uniform(83, 32, -0.5, 0.5)) };
    const x = uniform(84, 16 * 16 * 32, -1, 1);
    const input = activationParams(-1, 1);
    const q8 = quantizeBatchNorm(aff, shape, { mode: 'int8', input, output: activationParams(-2.5, 2.5) });
    const xi = Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff);
    const full = await evmLayer(h, BATCH_NORMALIZATION, q8.config, q8.weights, xi);
    if (!full.ok) throw new Error(full.detail);
    expect(full.value).toEqual(Array.from(oracleForward(o, BATCH_NORMALIZATION, q8.config, q8.weights, xi)));
    const part = await evmLayer(h, BATCH_NORMALIZATION, q8.config, q8.weights, xi, { method: 'batchNormalizationRange', range: [3, 7] });
    expect(part.ok && part.value).toEqual(full.value.slice(3 * 512, 7 * 512));
    const qd = quantizeBatchNorm(aff, shape, { mode: 'q' });
    const eq = await evmLayer(h, BATCH_NORMALIZATION, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))));
    if (!eq.ok) throw new Error(eq.detail);
    const n = 16 * 16 * 32;
    console.log(`BatchNormalization 16×16×32: int8 ${full.gasUsed!.toLocaleString('en-US')} gas (${(Number(full.gasUsed) / n).toFixed(1)}/element), q ${eq.gasUsed!.toLocaleString('en-US')} gas (${(Number(eq.gasUsed) / n).toFixed(1)}/element)`);
  });
});
