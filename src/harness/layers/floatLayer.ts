/**
 * `floatLayer`: the float64 reference of one IR layer of any single-input type of the layer tier — the
 * dispatch to the layer tier's float references (float.ts: activations, Dense; spatial.ts: convolutions,
 * pooling, padding; batchNormalization.ts, layerNormalization.ts, embedding.ts, recurrent.ts), as
 * `quantizeLayer` (quantize.ts) is the dispatch to its quantizers. No formula lives here: each case only
 * reads the IR layer's shapes and weights and calls its reference. Used by whole-model calibration and
 * as the exact-math side of model accuracy tests.
 */
import type { LayerIR } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { layerActivation } from './activation.ts';
import { batchNormAffine, batchNormFloat } from './batchNormalization.ts';
import { conv2dFromIR } from './conv2D.ts';
import { denseFromIR } from './dense.ts';
import { depthwiseConv2dFromIR } from './depthwiseConv2D.ts';
import { embeddingFloat, embeddingFromIR } from './embedding.ts';
import { applyActivationFloat, denseFloat } from './float.ts';
import { layerNormalizationFloat, layerNormalizationFromIR } from './layerNormalization.ts';
import { rnnFloat, rnnFromIR } from './recurrent.ts';
import { conv2dFloat, depthwiseConv2dFloat, globalPool2dFloat, pool2dFloat, zeroPadding2dFloat } from './spatial.ts';

/** One layer's float64 result. */
export interface FloatLayerResult {
  /** The pre-activation tensor (Dense, Conv2D, DepthwiseConv2D). */
  pre?: Float64Array;
  /** The layer's output, row-major in its output shape. */
  out: Float64Array;
  /**
   * Values the output's quantization must also cover: a recurrent layer's h after every step (h is the
   * state requantized to the output params at each step, also when only the last h is returned).
   */
  state?: Float64Array;
}

/** The [H, W, C] input of an image layer. */
function hwc(l: LayerIR): [number, number, number] {
  const s = l.inputShape[0];
  if (!s || s.length !== 3) throw new QuantizationError(`layer ${l.name} (${l.type}): input must be [H, W, C], got ${JSON.stringify(s)}`);
  return s as [number, number, number];
}

/**
 * Layer `l` in float64 on the flat row-major input `x` (token ids as numbers for an Embedding). Throws
 * QuantizationError naming the layer for merge layers and options the layer tier does not run.
 */
export function floatLayer(l: LayerIR, x: Float64Array): FloatLayerResult {
  switch (l.type) {
    case 'InputLayer':
    case 'Dropout':
    case 'Flatten':
    case 'Reshape':
      return { out: x };
    case 'Rescaling':
      return { out: x.map((v) => v * l.config.scale + l.config.offset) };
    case 'Dense': {
      const d = denseFromIR(l);
      return denseFloat(x, d.kernel, d.bias, d.K, d.N, d.activation);
    }
    case 'Conv2D': {
      const d = conv2dFromIR(l);
      const r = conv2dFloat(x, d, d.kernel, d.bias, d.activation);
      return { pre: r.pre, out: r.out };
    }
    case 'DepthwiseConv2D': {
      const d = depthwiseConv2dFromIR(l);
      const r = depthwiseConv2dFloat(x, d, d.kernel, d.bias, d.activation);
      return { pre: r.pre, out: r.out };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const [H, W, C] = hwc(l);
      const c = l.config;
      const s = { H, W, C, kh: c.poolSize[0], kw: c.poolSize[1], sh: c.strides[0], sw: c.strides[1], padding: c.padding };
      return { out: pool2dFloat(x, s, l.type === 'MaxPooling2D' ? 'max' : 'avg') };
    }
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling2D':
      return { out: globalPool2dFloat(x, ...hwc(l), l.type === 'GlobalMaxPooling2D' ? 'max' : 'avg') };
    case 'ZeroPadding2D':
      return { out: zeroPadding2dFloat(x, ...hwc(l), l.config.padding) };
    case 'BatchNormalization':
      return { out: batchNormFloat(x, batchNormAffine(l)) };
    case 'LayerNormalization':
      return { out: layerNormalizationFloat(layerNormalizationFromIR(l), x) };
    case 'Embedding':
      return { out: embeddingFloat(embeddingFromIR(l), x) };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const f = rnnFromIR(l);
      for (const a of [f.activation, f.recurrentActivation])
        if (a.name === 'softmax') throw new QuantizationError(`layer ${l.name} (${l.type}): softmax gate activations are not supported`);
      const r = rnnFloat(f, x, x.length / f.K);
      return { out: f.returnSequences ? r.hs : r.h, state: r.hs };
    }
    case 'Activation':
    case 'ReLU':
    case 'LeakyReLU':
    case 'Softmax':
      return { out: applyActivationFloat(x, layerActivation(l), l.outputShape) };
    case 'Add':
    case 'Multiply':
    case 'Concatenate':
      throw new QuantizationError(`layer ${l.name}: ${l.type} merges several inputs; it needs the graph quantizer`);
  }
}
