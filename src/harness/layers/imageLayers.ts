/**
 * `quantizeImageLayer`: the `quantizeLayer` (quantize.ts) of the image layers — Conv2D, DepthwiseConv2D,
 * ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D and
 * BatchNormalization — with the same options and result, plus `foldBatchNorms` (a model pass) and
 * `calibrateConv2D`. docs/layers/conv.md.
 *
 * int8 note: pooling and padding keep the input's quantization (numerics §4.4: pooling averages raw
 * values; padding writes the zero point), so the caller must give those layers output params equal to
 * their input params (`ranges.output` is ignored for them).
 */
import type { LayerIR, ModelIR } from '../model/ir.ts';
import { activationParams, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { BATCH_NORMALIZATION, batchNormAffine, canFoldBatchNorm, foldBatchNorm, quantizeBatchNorm } from './batchNormalization.ts';
import { CONV2D, conv2dFromIR, quantizeConv2D, type Conv2DFloat } from './conv2D.ts';
import { DEPTHWISE_CONV2D, depthwiseConv2dFromIR, quantizeDepthwiseConv2D } from './depthwiseConv2D.ts';
import {
  AVERAGE_POOLING2D, GLOBAL_AVERAGE_POOLING2D, GLOBAL_MAX_POOLING2D, MAX_POOLING2D, globalPooling2dConfig, pooling2dConfig,
} from './pooling2D.ts';
import type { LayerRanges, QuantizeOptions, QuantizedLayer } from './quantize.ts';
import { conv2dFloat, type ConvQuantOptions } from './spatial.ts';
import type { LayerOp } from './types.ts';
import { ZERO_PADDING2D, zeroPadding2dConfig } from './zeroPadding2D.ts';

const IMAGE_TYPES = new Set(['Conv2D', 'DepthwiseConv2D', 'ZeroPadding2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'BatchNormalization']);

/** True for the layer types `quantizeImageLayer` handles. */
export function isImageLayer(l: LayerIR): boolean {
  return IMAGE_TYPES.has(l.type);
}

const params = (r: [number, number] | undefined): QuantParams | undefined => (r ? activationParams(r[0], r[1]) : undefined);

/** Quantize one image layer (see the module doc); throws QuantizationError for other types. */
export function quantizeImageLayer(l: LayerIR, opts: QuantizeOptions): QuantizedLayer {
  const none = new Uint8Array(0);
  const F = opts.mode === 'q' ? (opts.F ?? 32) : 32;
  const input = opts.mode === 'int8' ? params(opts.ranges.input)! : undefined;
  const convOpts = (): ConvQuantOptions =>
    opts.mode === 'q' ? { mode: 'q', F } : { mode: 'int8', input: input!, output: params(opts.ranges.output)!, pre: params(opts.ranges.pre) };
  const mode = opts.mode;
  switch (l.type) {
    case 'Conv2D': {
      const q = quantizeConv2D(conv2dFromIR(l), convOpts());
      return { op: CONV2D as LayerOp<unknown>, config: q.config, weights: q.weights };
    }
    case 'DepthwiseConv2D': {
      const q = quantizeDepthwiseConv2D(depthwiseConv2dFromIR(l), convOpts());
      return { op: DEPTHWISE_CONV2D as LayerOp<unknown>, config: q.config, weights: q.weights };
    }
    case 'ZeroPadding2D':
      return { op: ZERO_PADDING2D as LayerOp<unknown>, config: zeroPadding2dConfig(l, mode, input?.zeroPoint ?? 0), weights: none };
    case 'MaxPooling2D':
      return { op: MAX_POOLING2D as LayerOp<unknown>, config: pooling2dConfig(l, mode), weights: none };
    case 'AveragePooling2D':
      return { op: AVERAGE_POOLING2D as LayerOp<unknown>, config: pooling2dConfig(l, mode), weights: none };
    case 'GlobalAveragePooling2D':
      return { op: GLOBAL_AVERAGE_POOLING2D as LayerOp<unknown>, config: globalPooling2dConfig(l, mode), weights: none };
    case 'GlobalMaxPooling2D':
      return { op: GLOBAL_MAX_POOLING2D as LayerOp<unknown>, config: globalPooling2dConfig(l, mode), weights: none };
    case 'BatchNormalization': {
      const aff = batchNormAffine(l);
      const q =
        opts.mode === 'q'
          ? quantizeBatchNorm(aff, l.outputShape, { mode: 'q', F })
          : quantizeBatchNorm(aff, l.outputShape, { mode: 'int8', input: input!, output: params(opts.ranges.output)! });
      return { op: BATCH_NORMALIZATION as LayerOp<unknown>, config: q.config, weights: q.weights };
    }
  }
  throw new QuantizationError(`layer ${l.name}: type ${l.type} is not an image layer`);
}

/**
 * A model pass: every BatchNormalization whose only input is a linear Dense / Conv2D / DepthwiseConv2D
 * that feeds nothing else is folded into it (`foldBatchNorm`); the folded layer takes the BN's name, so
 * later layers' inputs stay valid. Other BatchNormalizations are kept (they run as the standalone op).
 */
export function foldBatchNorms(m: ModelIR): ModelIR {
  const consumers = new Map<string, number>();
  for (const l of m.layers) for (const i of l.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const byName = new Map(m.layers.map((l) => [l.name, l] as const));
  const drop = new Set<string>();
  const replace = new Map<string, LayerIR>();
  for (const l of m.layers) {
    if (l.type !== 'BatchNormalization' || l.inputs.length !== 1) continue;
    const prev = byName.get(l.inputs[0]!);
    if (!prev || !canFoldBatchNorm(prev) || consumers.get(prev.name) !== 1 || m.outputs.includes(prev.name)) continue;
    replace.set(l.name, { ...foldBatchNorm(prev, l), name: l.name } as LayerIR);
    drop.add(prev.name);
  }
  const layers = m.layers.filter((l) => !drop.has(l.name)).map((l) => replace.get(l.name) ?? l);
  return { ...m, layers };
}

/** Calibration ranges of a Conv2D layer from float sample inputs (HWC), by the float64 reference. */
export function calibrateConv2D(d: Conv2DFloat, samples: ArrayLike<number>[]): LayerRanges {
  const r: LayerRanges = { input: [Infinity, -Infinity], pre: [Infinity, -Infinity], output: [Infinity, -Infinity] };
  const widen = (k: keyof LayerRanges, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) r[k] = [Math.min(r[k]![0], a[i]!), Math.max(r[k]![1], a[i]!)];
  };
  for (const x of samples) {
    const f = conv2dFloat(x, d, d.kernel, d.bias, d.activation);
    widen('input', x);
    widen('pre', f.pre);
    widen('output', f.out);
  }
  return r;
}
