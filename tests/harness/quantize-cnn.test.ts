/**
 * Whole-model quantization of image models, run end to end in the WASM oracle
 * (`oracleInfer(oracle, quantizedModelSpec(qm), encodeModelInput(qm, x))`):
 *
 * - the committed MNIST CNN (examples/mnist-cnn, tfjs layers): top-1 agreement of the int8 and q oracle
 *   with the float model (tfjs, `predictFloat`) on 300 held-out digits, int8 calibrated on 150 train digits;
 * - a synthetic CNN (seeded weights) with ZeroPadding2D, Conv2D + BatchNormalization (folded), ReLU,
 *   DepthwiseConv2D, a standalone BatchNormalization, AveragePooling2D, a tanh 1×1 Conv2D (non-fused
 *   activation), GlobalAveragePooling2D and Dense: every on-chain layer's output within the layer tier's
 *   documented bound of the float64 reference on the same (dequantized) input, and the model output within
 *   an end-to-end bound propagated from the scales (below) of the float64 model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { loadMnist } from '../../src/harness/data/mnist.ts';
import { importTfjsLayers } from '../../src/harness/import/index.ts';
import { saveTfjsLayers } from '../../src/harness/import/save.ts';
import { isFusedActivation } from '../../src/harness/layers/activation.ts';
import { batchNormAffine } from '../../src/harness/layers/batchNormalization.ts';
import { conv2dFromIR } from '../../src/harness/layers/conv2D.ts';
import { denseFromIR } from '../../src/harness/layers/dense.ts';
import { depthwiseConv2dFromIR } from '../../src/harness/layers/depthwiseConv2D.ts';
import { denseFloat, lipschitz, type LayerActivation } from '../../src/harness/layers/float.ts';
import { foldBatchNorms } from '../../src/harness/layers/imageLayers.ts';
import { conv2dFloat, depthwiseConv2dFloat } from '../../src/harness/layers/spatial.ts';
import { quantizedModelSpec } from '../../src/harness/model-chain/config.ts';
import { oracleInfer, oracleInferAll } from '../../src/harness/model-chain/oracle.ts';
import type { LayerIR, ModelIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { decodeI8, decodeQ } from '../../src/harness/tensor/pack.ts';
import {
  argmax, decodeModelOutput, dequantizeTensor, encodeModelInput, floatForward, floatLayer, fromQArray, quantizeModel, type QuantizedModel,
} from '../../src/harness/quantize/index.ts';
import { sampleInputs, seedWeights } from '../fixtures/models/build.ts';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await loadOracle();
});

/** Top-1 of the oracle run of `qm` on each input. */
function oracleTop1(qm: QuantizedModel, xs: ArrayLike<number>[]): number[] {
  const spec = quantizedModelSpec(qm);
  return xs.map((x) => argmax(decodeModelOutput(qm, oracleInfer(oracle, spec, encodeModelInput(qm, x)))));
}

describe('MNIST CNN (examples/mnist-cnn) end to end in the oracle', () => {
  const N = 300;
  const mnist = loadMnist();
  const xs = mnist.test.images.slice(0, N);
  const labels = mnist.test.labels.slice(0, N);
  let ir: ModelIR;
  let floatTop1: number[];
  beforeAll(() => {
    ir = importTfjsLayers(join(REPO_ROOT, 'examples', 'mnist-cnn', 'model.json'));
    floatTop1 = predictFloat(ir, xs).map(argmax);
  });

  // Measured on all 2,000 held-out digits (see the report): int8 and q agree with the float model on
  // all but a handful; 300 digits allow ≤ 3 int8 flips (99 %) and ≤ 1 q flip (a float32 near-tie).
  it.each([
    ['int8', N - 3],
    ['q', N - 1],
  ] as const)('%s: top-1 agrees with the float model on 300 held-out digits', (mode, bound) => {
    const qm = quantizeModel(ir, { mode, samples: mnist.train.images.slice(0, 150) });
    expect(qm.layers.map((l) => l.type)).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Dense', 'Dense']);
    expect(qm.folded).toEqual(['input', 'rescaling', 'flatten']);
    const top1 = oracleTop1(qm, xs);
    const agree = top1.filter((p, i) => p === floatTop1[i]).length;
    const acc = top1.filter((p, i) => p === labels[i]).length;
    const floatAcc = floatTop1.filter((p, i) => p === labels[i]).length;
    console.log(`MNIST CNN ${mode}: agreement with float ${agree}/${N}, accuracy ${acc}/${N} (float ${floatAcc}/${N})`);
    expect(agree).toBeGreaterThanOrEqual(bound);
  });

  it('int8: pooling layers keep their input quantization and each layer takes its predecessor’s output params', () => {
    const qm = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 20) });
    const p = qm.layers;
    expect(p[0]!.input).toEqual(qm.input);
    for (let i = 1; i < p.length; i++) expect(p[i]!.input).toEqual(p[i - 1]!.output);
    expect(p[1]!.output).toEqual(p[1]!.input);
    expect(p[3]!.output).toEqual(p[3]!.input);
    expect(p[p.length - 1]!.output).toEqual(qm.output);
  });
});

// ------------------------------------------------------------------------------------------------
// Synthetic CNN: every image layer type, bounds from the scales

/** Input [8, 8, 3] → the layers below → 5 linear outputs; seeded weights (BN variances 0.5..1). */
function buildSynthetic(): tf.LayersModel {
  const m = tf.sequential({ name: 'synthetic_cnn' });
  m.add(tf.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], inputShape: [8, 8, 3], name: 'pad' }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, name: 'conv_a' }));
  m.add(tf.layers.batchNormalization({ name: 'bn_a' }));
  m.add(tf.layers.reLU({ name: 'relu_a' }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu6', name: 'dw' }));
  m.add(tf.layers.batchNormalization({ name: 'bn_b' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'avg' }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'tanh', name: 'conv_t' }));
  m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  m.add(tf.layers.dense({ units: 5, name: 'logits' }));
  return seedWeights(m, 11);
}

/** Per-output-channel weight scale of a symmetric int8 kernel (numerics §4): max |column| / 127. */
function weightScales(kernel: ArrayLike<number>, N: number): Float64Array {
  const s = new Float64Array(N);
  for (let i = 0; i < kernel.length; i++) s[i % N] = Math.max(s[i % N]!, Math.abs(kernel[i]!));
  return s.map((v) => (v > 0 ? v / 127 : 1));
}

/** What a Dense / Conv-type layer's bound needs, per output element. */
interface LinearTerms {
  pre: Float64Array;
  sumX: Float64Array;
  sumW: Float64Array;
  taps: ArrayLike<number>;
  /** Output channel of each element. */
  channel: (i: number) => number;
  sw: Float64Array;
  act: LayerActivation;
}

function linearTerms(l: LayerIR, x: Float64Array): LinearTerms | null {
  if (l.type === 'Conv2D') {
    const d = conv2dFromIR(l);
    const r = conv2dFloat(x, d, d.kernel, d.bias, d.activation);
    return { ...r, channel: (i) => i % d.Cout, sw: weightScales(d.kernel, d.Cout), act: d.activation };
  }
  if (l.type === 'DepthwiseConv2D') {
    const d = depthwiseConv2dFromIR(l);
    const r = depthwiseConv2dFloat(x, d, d.kernel, d.bias, d.activation);
    const N = d.C * d.mult;
    return { ...r, channel: (i) => i % N, sw: weightScales(d.kernel, N), act: d.activation };
  }
  if (l.type === 'Dense') {
    const d = denseFromIR(l);
    const { pre } = denseFloat(x, d.kernel, d.bias, d.K, d.N, d.activation);
    const sx = x.reduce((s, v) => s + Math.abs(v), 0);
    const colW = new Float64Array(d.N);
    for (let i = 0; i < d.kernel.length; i++) colW[i % d.N] += Math.abs(d.kernel[i]!);
    return { pre, sumX: pre.map(() => sx), sumW: pre.map((_, o) => colW[o]!), taps: pre.map(() => d.K), channel: (o) => o, sw: weightScales(d.kernel, d.N), act: d.activation };
  }
  return null;
}

/**
 * Error bound of one on-chain layer given an input error bound `eIn` (real units), per output element,
 * and the layer's ∞-norm gain (docs/layers.md and docs/layers/conv.md "Error bounds"; u = 2^-32):
 * - Dense / Conv2D / DepthwiseConv2D, int8: `L·(Σ|w|·eIn + (Σ|x| + taps·eIn)·s_w/2 + (taps + 1)·s_in·s_w/2
 *   + |pre|·2^-30 + [non-fused]·s_pre) + s_out + [non-fused]·2u`; q: `L·(Σ|w|·eIn + 2^-33·(Σ|x| + taps·eIn
 *   + 2) + taps·2^-66) + u·(2 + |pre|)`; gain `L·max Σ|w|`;
 * - ReLU layer: `eIn + s_out` (q: `eIn + u·(1 + |x|)`); BatchNormalization: `|a|·eIn + s_out`
 *   (q: `|a|·eIn + 2^-33·(|x| + 2)`), gain max |a|;
 * - ZeroPadding2D, MaxPooling: `eIn` (exact on the quantized values); average pooling: `eIn + s_in/2`
 *   (one divRound; q: 2^-33).
 */
function layerBound(l: LayerIR, x: Float64Array, mode: 'int8' | 'q', eIn: number, p?: { input?: { scale: number }; output?: { scale: number }; pre?: { scale: number } }): { bound: Float64Array; gain: number } {
  const u = 2 ** -32;
  const sIn = p?.input?.scale ?? 0;
  const sOut = p?.output?.scale ?? 0;
  const lin = linearTerms(l, x);
  if (lin) {
    const L = lipschitz(lin.act);
    const fused = isFusedActivation(lin.act);
    let gain = 0;
    const bound = lin.pre.map((pre, i) => {
      const o = lin.channel(i);
      const t = lin.taps[i]!;
      gain = Math.max(gain, L * lin.sumW[i]!);
      if (mode === 'q') return L * (lin.sumW[i]! * eIn + 2 ** -33 * (lin.sumX[i]! + t * eIn + 2) + t * 2 ** -66) + u * (2 + Math.abs(pre));
      const sw = lin.sw[o]!;
      const acc = lin.sumW[i]! * eIn + (lin.sumX[i]! + t * eIn) * (sw / 2) + ((t + 1) * sIn * sw) / 2 + Math.abs(pre) * 2 ** -30;
      return L * (acc + (fused ? 0 : p!.pre!.scale)) + sOut + (fused ? 0 : 2 * u);
    });
    return { bound, gain };
  }
  const n = floatLayer(l, x).out.length;
  const fill = (v: number | ((i: number) => number)) => Float64Array.from({ length: n }, (_, i) => (typeof v === 'number' ? v : v(i)));
  switch (l.type) {
    case 'ReLU':
      return { bound: mode === 'q' ? fill((i) => eIn + u * (1 + Math.abs(x[i]!))) : fill(eIn + sOut), gain: 1 };
    case 'BatchNormalization': {
      const { a } = batchNormAffine(l);
      const C = a.length;
      const bound = fill((i) => Math.abs(a[i % C]!) * eIn + (mode === 'q' ? 2 ** -33 * (Math.abs(x[i]!) + 2) : sOut));
      return { bound, gain: Math.max(...Array.from(a, Math.abs)) };
    }
    case 'ZeroPadding2D':
    case 'MaxPooling2D':
    case 'GlobalMaxPooling2D':
      return { bound: fill(eIn), gain: 1 };
    case 'AveragePooling2D':
    case 'GlobalAveragePooling2D':
      return { bound: fill(eIn + (mode === 'q' ? 2 ** -33 : sIn / 2)), gain: 1 };
  }
  throw new Error(`no bound for ${l.type}`);
}

/** The real values of an on-chain tensor. */
function realValues(qm: QuantizedModel, bytes: Uint8Array, p?: { zeroPoint: number; scale: number }): Float64Array {
  return qm.mode === 'int8' ? dequantizeTensor(decodeI8(bytes), p!) : fromQArray(decodeQ(bytes), qm.F);
}

describe('synthetic CNN: ZeroPadding2D, Conv2D+BN (folded), ReLU, DepthwiseConv2D, BN, AveragePooling2D, GlobalAveragePooling2D', () => {
  let ir: ModelIR;
  let dir: string;
  const xs = sampleInputs([8, 8, 3], 12, 5, 'floats');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nnchain-qcnn-'));
    await saveTfjsLayers(buildSynthetic(), dir);
    ir = importTfjsLayers(join(dir, 'model.json'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds the BN after the linear Conv2D and keeps the one after the relu6 DepthwiseConv2D', () => {
    const qm = quantizeModel(ir, { mode: 'q' });
    expect(qm.layers.map((l) => `${l.type}:${l.name}`)).toEqual([
      'ZeroPadding2D:pad', 'Conv2D:bn_a', 'ReLU:relu_a', 'DepthwiseConv2D:dw', 'BatchNormalization:bn_b', 'AveragePooling2D:avg', 'Conv2D:conv_t',
      'GlobalAveragePooling2D:gap', 'Dense:logits',
    ]);
    expect(qm.foldedBatchNorms).toEqual([{ batchNorm: 'bn_a', into: 'conv_a' }]);
  });

  it('the float64 forward pass equals tfjs (float32) on the unfolded model', () => {
    const tfOut = predictFloat(ir, xs);
    xs.forEach((x, s) => {
      const f = floatForward(ir, x);
      const y = f[f.length - 1]!.out;
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - tfOut[s]![i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(y[i]!)));
    });
  });

  it.each(['int8', 'q'] as const)('%s: every layer within its bound on its dequantized input; the output within the propagated bound', (mode) => {
    // int8 calibrates on the inputs it is tested on, so no value leaves its calibrated range (the bounds
    // assume no saturation beyond the range ends).
    const qm = quantizeModel(ir, { mode, samples: xs });
    const spec = quantizedModelSpec(qm);
    const folded = foldBatchNorms(ir);
    const byName = new Map(folded.layers.map((l) => [l.name, l] as const));
    let worstLayer = 0;
    let worstModel = 0;
    for (const x of xs) {
      const tensors = oracleInferAll(oracle, spec, encodeModelInput(qm, x));
      const ref = floatForward(folded, x);
      const refByName = new Map(folded.layers.map((l, i) => [l.name, ref[i]!.out] as const));
      const inputOf = (k: number) => (k === 0 ? ref[folded.layers.findIndex((l) => l.name === qm.layers[0]!.name) - 1]!.out : refByName.get(qm.layers[k - 1]!.name)!);
      // End to end: e_0 = the input's quantization (int8 ≤ s_in with the range ends, q ≤ 2^-33), then
      // e_k = max_i bound_k(e_{k−1})[i] along the float64 path.
      let e = mode === 'int8' ? qm.input!.scale : 2 ** -33;
      qm.layers.forEach((ql, k) => {
        const l = byName.get(ql.name)!;
        // (1) the layer alone: its float64 reference on the dequantized oracle input, eIn = the input's
        // step (int8: covers values that round past a range end), 2^-33 (q).
        const xin = realValues(qm, tensors[k]!, k === 0 ? qm.input : ql.input);
        const yq = realValues(qm, tensors[k + 1]!, ql.output);
        const yf = floatLayer(l, xin).out;
        const b1 = layerBound(l, xin, mode, mode === 'int8' ? ql.input!.scale : 2 ** -33, ql).bound;
        for (let i = 0; i < yf.length; i++) {
          const err = Math.abs(yq[i]! - yf[i]!);
          expect(err, `${ql.name}[${i}]`).toBeLessThanOrEqual(b1[i]! + 1e-12);
          worstLayer = Math.max(worstLayer, err / b1[i]!);
        }
        // (2) propagation along the float64 path.
        const b2 = layerBound(l, inputOf(k), mode, e, ql).bound;
        e = Math.max(...b2);
      });
      const y = decodeModelOutput(qm, tensors[tensors.length - 1]!);
      const f = floatForward(ir, x);
      const y64 = f[f.length - 1]!.out;
      // + the folded BN's weights stored as float32 (relative 2^-24 per weight, ≪ 1e-6 here)
      for (let i = 0; i < y.length; i++) {
        const err = Math.abs(y[i]! - y64[i]!);
        expect(err, `output ${i}`).toBeLessThanOrEqual(e + 1e-6);
        worstModel = Math.max(worstModel, err / e);
      }
    }
    console.log(`synthetic CNN ${mode}: max error / bound — per layer ${worstLayer.toFixed(3)}, end to end ${worstModel.toFixed(3)}`);
  });
});
