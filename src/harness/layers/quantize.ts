/**
 * `quantizeLayer`: one IR layer (float weights, Keras config) + calibration ranges → the on-chain op, its
 * config and its weight blob, in either number mode (docs/layers.md "Quantizing a layer"). This file
 * quantizes Dense, activations, Rescaling and the identity layers itself and delegates every other type
 * to its family's entry point: the image layers to `quantizeImageLayer` (imageLayers.ts), SimpleRNN /
 * LSTM / GRU to `quantizeRecurrentLayer` (recurrent.ts), Embedding to `quantizeEmbeddingLayer`
 * (embedding.ts), LayerNormalization to `quantizeLayerNormalizationLayer` (layerNormalization.ts).
 * Merge layers (Add, Multiply, Concatenate) take several inputs and belong to a graph quantizer.
 *
 * Calibration ranges are the float [min, max] of the layer's input, of its output, and — for int8 layers
 * whose activation is not fused into the requantization — of its pre-activation tensor; `calibrate*`
 * helpers compute them with the float64 reference on sample inputs.
 */
import type { LayerIR } from '../model/ir.ts';
import { activationParams, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { ACTIVATION, layerActivation, quantizeActivationLayer } from './activation.ts';
import { DENSE, denseFromIR, quantizeDense, type DenseFloat } from './dense.ts';
import { quantizeEmbeddingLayer } from './embedding.ts';
import { denseFloat } from './float.ts';
import { DROPOUT, FLATTEN, INPUT_LAYER, RESHAPE, shapeConfig } from './identity.ts';
import { isImageLayer, quantizeImageLayer } from './imageLayers.ts';
import { quantizeLayerNormalizationLayer } from './layerNormalization.ts';
import { quantizeRecurrentLayer } from './recurrent.ts';
import { RESCALING, quantizeRescaling } from './rescaling.ts';
import type { LayerOp } from './types.ts';

/** Float ranges observed on calibration samples. */
export interface LayerRanges {
  input: [number, number];
  output: [number, number];
  /** The pre-activation tensor (Dense/Conv with a non-fused activation in int8 mode). */
  pre?: [number, number];
}

export type QuantizeOptions = { mode: 'q'; F?: number } | { mode: 'int8'; ranges: LayerRanges };

export interface QuantizedLayer {
  op: LayerOp<unknown>;
  config: unknown;
  weights: Uint8Array;
}

const params = (r: [number, number] | undefined): QuantParams | undefined => (r ? activationParams(r[0], r[1]) : undefined);

/** Rows of a Dense input shape: Keras Dense acts on the last axis. */
function denseRows(inputShape: number[]): number {
  return inputShape.slice(0, -1).reduce((p, d) => p * d, 1);
}

/**
 * Quantize one IR layer of any single-input type of the layer tier. int8 `opts.ranges` are the float
 * ranges of the layer's input and output (and pre-activation for non-fused Dense/Conv activations);
 * pooling and padding layers need `output` equal to `input` (they keep the input's quantization,
 * numerics §4.4). Throws QuantizationError for merge layers and unsupported options.
 */
export function quantizeLayer(l: LayerIR, opts: QuantizeOptions): QuantizedLayer {
  if (isImageLayer(l)) return quantizeImageLayer(l, opts);
  switch (l.type) {
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return quantizeRecurrentLayer(l, opts);
    case 'Embedding':
      return quantizeEmbeddingLayer(l, opts);
    case 'LayerNormalization':
      return quantizeLayerNormalizationLayer(l, opts);
    case 'Add':
    case 'Multiply':
    case 'Concatenate':
      throw new QuantizationError(`layer ${l.name}: ${l.type} merges several inputs; it needs the graph quantizer`);
  }
  return quantizeBasicLayer(l, opts);
}

/** Dense, activation layers, Rescaling and the identity layers. */
function quantizeBasicLayer(l: LayerIR, opts: QuantizeOptions): QuantizedLayer {
  const inShape = l.inputShape[0] ?? l.outputShape;
  const none = new Uint8Array(0);
  const i8 = opts.mode === 'int8' ? { input: params(opts.ranges.input)!, output: params(opts.ranges.output)!, pre: params(opts.ranges.pre) } : undefined;
  switch (l.type) {
    case 'Dense': {
      const rows = denseRows(inShape);
      const q = i8 ? quantizeDense(denseFromIR(l), { mode: 'int8', rows, ...i8 }) : quantizeDense(denseFromIR(l), { mode: 'q', rows, F: opts.mode === 'q' ? opts.F : 32 });
      return { op: DENSE as LayerOp<unknown>, config: q.config, weights: q.weights };
    }
    case 'Activation':
    case 'ReLU':
    case 'LeakyReLU':
    case 'Softmax': {
      const a = layerActivation(l);
      const config = i8 ? quantizeActivationLayer(a, l.outputShape, { mode: 'int8', input: i8.input, output: i8.output }) : quantizeActivationLayer(a, l.outputShape, { mode: 'q', F: opts.mode === 'q' ? opts.F : 32 });
      return { op: ACTIVATION as LayerOp<unknown>, config, weights: none };
    }
    case 'Rescaling': {
      const { scale, offset } = l.config;
      const config = i8 ? quantizeRescaling(scale, offset, l.outputShape, { mode: 'int8', input: i8.input, output: i8.output }) : quantizeRescaling(scale, offset, l.outputShape, { mode: 'q', F: opts.mode === 'q' ? opts.F : 32 });
      return { op: RESCALING as LayerOp<unknown>, config, weights: none };
    }
    case 'InputLayer':
    case 'Dropout':
    case 'Flatten':
    case 'Reshape': {
      const op = { InputLayer: INPUT_LAYER, Dropout: DROPOUT, Flatten: FLATTEN, Reshape: RESHAPE }[l.type];
      return { op: op as LayerOp<unknown>, config: shapeConfig(opts.mode, inShape, l.outputShape), weights: none };
    }
  }
  throw new QuantizationError(`layer ${l.name}: type ${l.type} has no on-chain op yet`);
}

/** Calibration ranges of a Dense layer from float sample inputs (each `rows × K`), by the float64 reference. */
export function calibrateDense(d: DenseFloat, samples: ArrayLike<number>[]): LayerRanges {
  const r = { input: [Infinity, -Infinity], pre: [Infinity, -Infinity], output: [Infinity, -Infinity] } as Record<keyof LayerRanges, [number, number]>;
  const widen = (k: keyof LayerRanges, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) r[k] = [Math.min(r[k][0], a[i]!), Math.max(r[k][1], a[i]!)];
  };
  for (const x of samples) {
    const { pre, out } = denseFloat(x, d.kernel, d.bias, d.K, d.N, d.activation);
    widen('input', x);
    widen('pre', pre);
    widen('output', out);
  }
  return r;
}
