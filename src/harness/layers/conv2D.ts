/**
 * Keras Conv2D on chain (twin of contracts/layers/Conv2D.sol, assembly/layers/Conv2D.ts): the config
 * struct, the weight blobs of both modes, and the quantizer from a float IR layer + calibration
 * (docs/layers/conv.md).
 *
 * Weight blobs:
 * - q:    kernel `[kh][kw][Cin][Cout]` int64 BE (Keras layout) ‖ bias Cout int64 BE — Dense's q blob with
 *         K = kh·kw·Cin, N = Cout;
 * - int8: the K×Cout kernel matrix in the panel layout of numerics §4.2 ‖ b int32 BE ‖ M uint32 BE ‖
 *         shift u8 ‖ [Mn int32 BE ‖ shiftN u8] — Dense's int8 blob.
 */
import type { LayerOf } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { packDenseI8, packDenseQ } from './dense.ts';
import type { LayerActivation } from './float.ts';
import type { Schema } from './schema.ts';
import { paddingCode, quantizeConvCommon, windowAxis, type ConvQuantOptions, type ConvTail, type WindowShape } from './spatial.ts';
import { ACTIVATION_SPEC_SCHEMA, Mode, elementBytes, type LayerOp } from './types.ts';

/** `Conv2DConfig` of Conv2D.sol. */
export interface Conv2DConfig extends ConvTail {
  mode: number;
  H: number;
  W: number;
  Cin: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: number;
}

/** The int8/q tail shared by Conv2DConfig and DepthwiseConv2DConfig (from `act` on). */
export const CONV_TAIL_SCHEMA: Schema = [
  ['act', ACTIVATION_SPEC_SCHEMA],
  ['F', 'uint8'],
  ['zIn', 'int8'],
  ['zPre', 'int8'],
  ['lo', 'int8'],
  ['hi', 'int8'],
  ['negative', 'bool'],
  ['scalePreQ', 'int64'],
  ['outM', 'uint32'],
  ['outShift', 'uint8'],
  ['zOut', 'int8'],
];

export const CONV2D_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['H', 'uint32'],
  ['W', 'uint32'],
  ['Cin', 'uint32'],
  ['Cout', 'uint32'],
  ['kh', 'uint32'],
  ['kw', 'uint32'],
  ['sh', 'uint32'],
  ['sw', 'uint32'],
  ['padding', 'uint8'],
  ...CONV_TAIL_SCHEMA,
];

/** Output rows of a window layer config (0 when the config is invalid: the layer fails first). */
export function windowRows(H: number, kh: number, sh: number, padding: number): number {
  if (H <= 0 || kh <= 0 || sh <= 0) return 0;
  if (padding === 0) return H >= kh ? Math.floor((H - kh) / sh) + 1 : 0;
  return Math.ceil(H / sh);
}

export const CONV2D: LayerOp<Conv2DConfig> = {
  name: 'Conv2D',
  schema: CONV2D_CONFIG_SCHEMA,
  harness: 'conv2d',
  oracle: 'conv2dForward',
  outputBytes: (c, range) => {
    const Ho = windowRows(c.H, c.kh, c.sh, c.padding);
    const Wo = windowRows(c.W, c.kw, c.sw, c.padding);
    const rows = range ? Math.max(0, range[1] - range[0]) : Ho;
    return Math.min(rows, Ho) * Wo * c.Cout * elementBytes(c.mode);
  },
};

/** A float Conv2D layer as the quantizer and the references take it. */
export interface Conv2DFloat extends WindowShape {
  Cin: number;
  Cout: number;
  /** `[kh][kw][Cin][Cout]` row-major (Keras). */
  kernel: ArrayLike<number>;
  bias: ArrayLike<number> | null;
  activation: LayerActivation;
}

export function conv2dFromIR(l: LayerOf<'Conv2D'>): Conv2DFloat {
  const k = l.weights.kernel;
  const inShape = l.inputShape[0];
  if (!k || k.shape.length !== 4) throw new QuantizationError(`Conv2D ${l.name}: kernel must be [kh, kw, cin, filters]`);
  if (!inShape || inShape.length !== 3) throw new QuantizationError(`Conv2D ${l.name}: input must be [H, W, C]`);
  const [kh, kw, Cin, Cout] = k.shape as [number, number, number, number];
  const c = l.config;
  return {
    H: inShape[0]!, W: inShape[1]!, Cin, Cout, kh, kw, sh: c.strides[0], sw: c.strides[1], padding: c.padding,
    kernel: k.data, bias: c.useBias ? (l.weights.bias?.data ?? null) : null, activation: c.activation,
  };
}

export interface QuantizedConv2D {
  config: Conv2DConfig;
  weights: Uint8Array;
  /** int8: the per-output-channel weight scales (for error bounds). */
  weightScales?: Float64Array;
}

/** Quantize a float Conv2D layer to (config, weight blob) in either mode. */
export function quantizeConv2D(d: Conv2DFloat, opts: ConvQuantOptions): QuantizedConv2D {
  windowAxis(d.H, d.kh, d.sh, d.padding);
  windowAxis(d.W, d.kw, d.sw, d.padding);
  const K = d.kh * d.kw * d.Cin;
  const q = quantizeConvCommon(d.kernel, d.bias, K, d.Cout, d.activation, opts);
  const shape = { H: d.H, W: d.W, Cin: d.Cin, Cout: d.Cout, kh: d.kh, kw: d.kw, sh: d.sh, sw: d.sw, padding: paddingCode(d.padding) };
  if (opts.mode === 'q') {
    return { config: { mode: Mode.Q, ...shape, ...q.tail }, weights: packDenseQ(q.qKernel!, q.qBias!, K, d.Cout) };
  }
  const ch = q.channels!;
  return {
    config: { mode: Mode.I8, ...shape, ...q.tail },
    weights: packDenseI8({ W: q.kernel8!, bias: ch.bias, M: ch.M, shift: ch.shift, Mn: ch.Mn, shiftN: ch.shiftN }, K, d.Cout),
    weightScales: q.weightScales,
  };
}
