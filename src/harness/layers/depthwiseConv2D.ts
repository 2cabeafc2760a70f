/**
 * Keras DepthwiseConv2D on chain (twin of contracts/layers/DepthwiseConv2D.sol,
 * assembly/layers/DepthwiseConv2D.ts): config, weight blobs and quantizer (docs/layers/conv.md).
 *
 * Weight blobs (N = C·mult output channels, channel c·mult + m):
 * - q:    kernel `[kh][kw][C][mult]` int64 BE (Keras layout) ‖ bias N int64 BE;
 * - int8: kernel `[kh][kw][C][mult]` int8, one byte per weight (no panels) ‖ b int32 BE ‖ M uint32 BE ‖
 *         shift u8 ‖ [Mn int32 BE ‖ shiftN u8] (×N each).
 */
import type { LayerOf } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { encodeQ } from '../tensor/pack.ts';
import { getBytes } from 'ethers';
import { CONV_TAIL_SCHEMA, windowRows } from './conv2D.ts';
import type { LayerActivation } from './float.ts';
import type { Schema } from './schema.ts';
import { packChannels, paddingCode, quantizeConvCommon, windowAxis, type ChannelParams, type ConvQuantOptions, type ConvTail, type WindowShape } from './spatial.ts';
import { Mode, elementBytes, type LayerOp } from './types.ts';

/** `DepthwiseConv2DConfig` of DepthwiseConv2D.sol. */
export interface DepthwiseConv2DConfig extends ConvTail {
  mode: number;
  H: number;
  W: number;
  C: number;
  mult: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: number;
}

export const DEPTHWISE_CONV2D_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['H', 'uint32'],
  ['W', 'uint32'],
  ['C', 'uint32'],
  ['mult', 'uint32'],
  ['kh', 'uint32'],
  ['kw', 'uint32'],
  ['sh', 'uint32'],
  ['sw', 'uint32'],
  ['padding', 'uint8'],
  ...CONV_TAIL_SCHEMA,
];

export const DEPTHWISE_CONV2D: LayerOp<DepthwiseConv2DConfig> = {
  name: 'DepthwiseConv2D',
  schema: DEPTHWISE_CONV2D_CONFIG_SCHEMA,
  harness: 'depthwiseConv2d',
  oracle: 'depthwiseConv2dForward',
  outputBytes: (c, range) => {
    const Ho = windowRows(c.H, c.kh, c.sh, c.padding);
    const Wo = windowRows(c.W, c.kw, c.sw, c.padding);
    const rows = range ? Math.max(0, range[1] - range[0]) : Ho;
    return Math.min(rows, Ho) * Wo * c.C * c.mult * elementBytes(c.mode);
  },
};

/** q blob: kernel (kh·kw·N int64) ‖ bias (N int64), big-endian. */
export function packDepthwiseQ(kernel: ArrayLike<bigint>, bias: ArrayLike<bigint>): Uint8Array {
  const out = new Uint8Array(8 * (kernel.length + bias.length));
  out.set(getBytes(encodeQ(kernel)), 0);
  out.set(getBytes(encodeQ(bias)), 8 * kernel.length);
  return out;
}

/** int8 blob: kernel bytes (Keras layout) ‖ the per-channel section. */
export function packDepthwiseI8(kernel: ArrayLike<number>, p: ChannelParams, N: number): Uint8Array {
  const ch = packChannels(p, N);
  const out = new Uint8Array(kernel.length + ch.length);
  for (let i = 0; i < kernel.length; i++) out[i] = kernel[i]! & 0xff;
  out.set(ch, kernel.length);
  return out;
}

/** A float DepthwiseConv2D layer. */
export interface DepthwiseConv2DFloat extends WindowShape {
  C: number;
  mult: number;
  /** `[kh][kw][C][mult]` row-major (Keras). */
  kernel: ArrayLike<number>;
  bias: ArrayLike<number> | null;
  activation: LayerActivation;
}

export function depthwiseConv2dFromIR(l: LayerOf<'DepthwiseConv2D'>): DepthwiseConv2DFloat {
  const k = l.weights.depthwise_kernel;
  const inShape = l.inputShape[0];
  if (!k || k.shape.length !== 4) throw new QuantizationError(`DepthwiseConv2D ${l.name}: depthwise_kernel must be [kh, kw, cin, multiplier]`);
  if (!inShape || inShape.length !== 3) throw new QuantizationError(`DepthwiseConv2D ${l.name}: input must be [H, W, C]`);
  const [kh, kw, C, mult] = k.shape as [number, number, number, number];
  const c = l.config;
  return {
    H: inShape[0]!, W: inShape[1]!, C, mult, kh, kw, sh: c.strides[0], sw: c.strides[1], padding: c.padding,
    kernel: k.data, bias: c.useBias ? (l.weights.bias?.data ?? null) : null, activation: c.activation,
  };
}

export interface QuantizedDepthwiseConv2D {
  config: DepthwiseConv2DConfig;
  weights: Uint8Array;
  weightScales?: Float64Array;
}

/** Quantize a float DepthwiseConv2D (per-output-channel weights: the kernel is a [kh·kw] × [C·mult] matrix). */
export function quantizeDepthwiseConv2D(d: DepthwiseConv2DFloat, opts: ConvQuantOptions): QuantizedDepthwiseConv2D {
  windowAxis(d.H, d.kh, d.sh, d.padding);
  windowAxis(d.W, d.kw, d.sw, d.padding);
  const N = d.C * d.mult;
  const q = quantizeConvCommon(d.kernel, d.bias, d.kh * d.kw, N, d.activation, opts);
  const shape = { H: d.H, W: d.W, C: d.C, mult: d.mult, kh: d.kh, kw: d.kw, sh: d.sh, sw: d.sw, padding: paddingCode(d.padding) };
  if (opts.mode === 'q') return { config: { mode: Mode.Q, ...shape, ...q.tail }, weights: packDepthwiseQ(q.qKernel!, q.qBias!) };
  return { config: { mode: Mode.I8, ...shape, ...q.tail }, weights: packDepthwiseI8(q.kernel8!, q.channels!, N), weightScales: q.weightScales };
}
