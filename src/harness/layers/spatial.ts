/**
 * What the image layers share on the host side (twin of contracts/layers/Spatial.sol): window geometry
 * (numerics §5, TensorFlow's 'same' split), the per-channel int8 quantization of conv-type layers (the
 * blob's per-channel section: b int32 BE ‖ M uint32 BE ‖ shift u8 ‖ [Mn int32 BE ‖ shiftN u8]), and the
 * float64 references of convolution and depthwise convolution used for calibration and error bounds
 * (docs/layers/conv.md).
 */
import type { Padding } from '../model/ir.ts';
import { quantizeMultiplier, quantizeWeightsPerChannel, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { toQArray } from '../quantize/q.ts';
import { activationSpec, fusedClamp, fusedNegativeSlope, isFusedActivation, signedMultiplier } from './activation.ts';
import { applyActivationFloat, type LayerActivation } from './float.ts';
import type { ActivationSpec } from './types.ts';

/** One axis of a window op (numerics §5): output length and the padding before/after (TF's split). */
export function windowAxis(n: number, k: number, s: number, padding: Padding): { out: number; before: number; after: number } {
  if (padding === 'valid') {
    if (n < k) throw new QuantizationError(`'valid' window ${k} larger than the input ${n}`);
    return { out: Math.floor((n - k) / s) + 1, before: 0, after: 0 };
  }
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

export const paddingCode = (p: Padding): number => (p === 'valid' ? 0 : 1);

/** The int8 tail every conv-type config shares (Conv2DConfig, DepthwiseConv2DConfig: from `act` on). */
export interface ConvTail {
  act: ActivationSpec;
  F: number;
  zIn: number;
  zPre: number;
  lo: number;
  hi: number;
  negative: boolean;
  scalePreQ: bigint;
  outM: number;
  outShift: number;
  zOut: number;
}

/** The per-channel int8 parameters of a conv-type blob. */
export interface ChannelParams {
  bias: ArrayLike<number>;
  M: ArrayLike<number>;
  shift: ArrayLike<number>;
  Mn?: ArrayLike<number>;
  shiftN?: ArrayLike<number>;
}

/** The per-channel section: b int32 BE ×N ‖ M uint32 BE ×N ‖ shift u8 ×N ‖ [Mn int32 BE ×N ‖ shiftN u8 ×N]. */
export function packChannels(p: ChannelParams, N: number): Uint8Array {
  const neg = p.Mn !== undefined;
  const out = new Uint8Array(9 * N + (neg ? 5 * N : 0));
  const view = new DataView(out.buffer);
  for (let o = 0; o < N; o++) {
    view.setInt32(4 * o, p.bias[o]!, false);
    view.setUint32(4 * N + 4 * o, p.M[o]!, false);
    view.setUint8(8 * N + o, p.shift[o]!);
    if (neg) {
      view.setInt32(9 * N + 4 * o, p.Mn![o]!, false);
      view.setUint8(13 * N + o, p.shiftN![o]!);
    }
  }
  return out;
}

export type ConvQuantOptions =
  | { mode: 'q'; F?: number }
  | {
      mode: 'int8';
      input: QuantParams;
      output: QuantParams;
      /** The pre-activation tensor's quantization (non-fused activations only). */
      pre?: QuantParams;
    };

/** Result of `quantizeConvCommon`: the config tail and, in int8 mode, the kernel values and channel parameters. */
export interface QuantizedConvCommon {
  tail: ConvTail;
  /** q: the kernel and bias in Q(F). */
  qKernel?: BigInt64Array;
  qBias?: BigInt64Array;
  /** int8: the kernel (same layout as the float kernel), per-channel weight scales and parameters. */
  kernel8?: Int8Array;
  weightScales?: Float64Array;
  channels?: ChannelParams;
}

/**
 * Quantize a conv-type layer whose kernel, flattened row-major, is a `K × N` matrix with one column per
 * output channel (Conv2D `[kh][kw][Cin][Cout]`: K = kh·kw·Cin; DepthwiseConv2D `[kh][kw][C][mult]`:
 * K = kh·kw, N = C·mult). q: kernel and bias to Q(F). int8 (as Dense): symmetric per-output-channel weights,
 * int32 bias in the accumulator scale, M/2^shift = s_in·s_w[o]/s_target (target = output for fused
 * activations, else the pre-activation tensor), negative-branch multipliers only for slopes ∉ {0, 1}.
 */
export function quantizeConvCommon(
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  K: number,
  N: number,
  activation: LayerActivation,
  opts: ConvQuantOptions,
): QuantizedConvCommon {
  if (activation.name === 'softmax' && activation.axis !== 2 && activation.axis !== -1)
    throw new QuantizationError(`softmax along axis ${activation.axis}: only the channel axis is supported`);
  const tail: ConvTail = { act: activationSpec(activation, 32), F: 32, zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };
  const biasF = bias ?? new Float64Array(N);
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    const qKernel = toQArray(kernel, F, 'kernel');
    const qBias = toQArray(biasF, F, 'bias');
    return { tail: { ...tail, F, act: activationSpec(activation, F) }, qKernel, qBias };
  }
  const { input, output } = opts;
  const { values, scales } = quantizeWeightsPerChannel(kernel, K, N);
  const b = new Int32Array(N);
  for (let o = 0; o < N; o++) {
    const v = roundHalfAway(biasF[o]! / (input.scale * scales[o]!));
    if (Math.abs(v) >= 2 ** 31) throw new QuantizationError(`bias ${biasF[o]} of channel ${o} does not fit int32 in the accumulator scale`);
    b[o] = v;
  }
  const fused = isFusedActivation(activation);
  const target = fused ? output : opts.pre;
  if (!target) throw new QuantizationError(`activation ${activation.name}: int8 mode needs the pre-activation quantization (opts.pre)`);
  const M: number[] = [];
  const shift: number[] = [];
  for (let o = 0; o < N; o++) {
    const m = quantizeMultiplier((input.scale * scales[o]!) / target.scale);
    M.push(m.M);
    shift.push(m.shift);
  }
  const channels: ChannelParams = { bias: b, M, shift };
  if (fused) {
    const slope = fusedNegativeSlope(activation);
    const negative = slope !== 1 && slope !== 0;
    if (negative) {
      channels.Mn = [];
      channels.shiftN = [];
      for (let o = 0; o < N; o++) {
        const m = signedMultiplier((slope * input.scale * scales[o]!) / output.scale);
        (channels.Mn as number[]).push(m.M);
        (channels.shiftN as number[]).push(m.shift);
      }
    }
    return {
      tail: { ...tail, zIn: input.zeroPoint, zPre: output.zeroPoint, ...fusedClamp(activation, output), negative },
      kernel8: values,
      weightScales: scales,
      channels,
    };
  }
  const out = quantizeMultiplier(1 / (output.scale * 2 ** 32));
  return {
    tail: {
      ...tail,
      zIn: input.zeroPoint,
      zPre: target.zeroPoint,
      scalePreQ: BigInt(roundHalfAway(target.scale * 2 ** 32)),
      outM: out.M,
      outShift: out.shift,
      zOut: output.zeroPoint,
    },
    kernel8: values,
    weightScales: scales,
    channels,
  };
}

// ------------------------------------------------------------------------------------------------
// float64 references

/** A window op's geometry on an H×W input. */
export interface WindowShape {
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: Padding;
}

/** Per output element of a float convolution: the pre-activation and the sums bounding its error. */
export interface ConvFloatResult {
  /** Output shape [Ho, Wo, N]. */
  dims: [number, number, number];
  pre: Float64Array;
  out: Float64Array;
  /** Σ|x|, Σ|w|, Σ|x·w| over the valid taps of each output. */
  sumX: Float64Array;
  sumW: Float64Array;
  sumXW: Float64Array;
  /** Valid taps of each output. */
  taps: Uint32Array;
}

/**
 * Float64 convolution with channels-last input `x[H][W][C]` and a tap function: output channel o of
 * pixel (oy, ox) sums `x[iy][ix][inCh(o, ci)]·w(ky, kx, ci, o)` over the valid taps (padding = 0) and
 * `ci < cin(o)`, plus bias[o]; then the activation (softmax along the channels).
 */
function windowFloat(
  x: ArrayLike<number>,
  s: WindowShape,
  C: number,
  N: number,
  perOut: (o: number) => { channels: number[]; weight: (ky: number, kx: number, j: number) => number },
  bias: ArrayLike<number> | null,
  act: LayerActivation,
): ConvFloatResult {
  const ay = windowAxis(s.H, s.kh, s.sh, s.padding);
  const ax = windowAxis(s.W, s.kw, s.sw, s.padding);
  const n = ay.out * ax.out * N;
  const r: ConvFloatResult = {
    dims: [ay.out, ax.out, N],
    pre: new Float64Array(n),
    out: new Float64Array(n),
    sumX: new Float64Array(n),
    sumW: new Float64Array(n),
    sumXW: new Float64Array(n),
    taps: new Uint32Array(n),
  };
  const outs = Array.from({ length: N }, (_, o) => perOut(o));
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let o = 0; o < N; o++) {
        const i = (oy * ax.out + ox) * N + o;
        let acc = bias ? bias[o]! : 0;
        let sx = 0, sw = 0, sxw = 0, t = 0;
        const { channels, weight } = outs[o]!;
        for (let ky = 0; ky < s.kh; ky++) {
          const iy = oy * s.sh - ay.before + ky;
          if (iy < 0 || iy >= s.H) continue;
          for (let kx = 0; kx < s.kw; kx++) {
            const ix = ox * s.sw - ax.before + kx;
            if (ix < 0 || ix >= s.W) continue;
            channels.forEach((c, j) => {
              const xv = x[(iy * s.W + ix) * C + c]!;
              const wv = weight(ky, kx, j);
              acc += xv * wv;
              sx += Math.abs(xv);
              sw += Math.abs(wv);
              sxw += Math.abs(xv * wv);
              t++;
            });
          }
        }
        r.pre[i] = acc;
        r.sumX[i] = sx;
        r.sumW[i] = sw;
        r.sumXW[i] = sxw;
        r.taps[i] = t;
      }
    }
  }
  r.out = applyActivationFloat(r.pre, act, [ay.out, ax.out, N], 2);
  return r;
}

/** Keras Conv2D in float64: kernel `[kh][kw][Cin][Cout]` row-major. */
export function conv2dFloat(
  x: ArrayLike<number>,
  s: WindowShape & { Cin: number; Cout: number },
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  act: LayerActivation,
): ConvFloatResult {
  const chans = Array.from({ length: s.Cin }, (_, c) => c);
  return windowFloat(x, s, s.Cin, s.Cout, (o) => ({ channels: chans, weight: (ky, kx, ci) => kernel[((ky * s.kw + kx) * s.Cin + ci) * s.Cout + o]! }), bias, act);
}

/** Keras DepthwiseConv2D in float64: kernel `[kh][kw][C][mult]`, output channel c·mult + m. */
export function depthwiseConv2dFloat(
  x: ArrayLike<number>,
  s: WindowShape & { C: number; mult: number },
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  act: LayerActivation,
): ConvFloatResult {
  const N = s.C * s.mult;
  return windowFloat(x, s, s.C, N, (o) => ({ channels: [Math.floor(o / s.mult)], weight: (ky, kx) => kernel[(ky * s.kw + kx) * N + o]! }), bias, act);
}

/**
 * Keras MaxPooling2D / AveragePooling2D in float64 on channels-last `x[H][W][C]` (numerics §5): each
 * output is the max (`'max'`) or the mean (`'avg'`) of the window's valid positions — padding is ignored
 * by the max and excluded from the average's count, as TensorFlow does. Output `[Ho][Wo][C]`.
 */
export function pool2dFloat(x: ArrayLike<number>, s: WindowShape & { C: number }, kind: 'max' | 'avg'): Float64Array {
  const ay = windowAxis(s.H, s.kh, s.sh, s.padding);
  const ax = windowAxis(s.W, s.kw, s.sw, s.padding);
  const y = new Float64Array(ay.out * ax.out * s.C);
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let c = 0; c < s.C; c++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let n = 0;
        for (let ky = 0; ky < s.kh; ky++) {
          const iy = oy * s.sh - ay.before + ky;
          if (iy < 0 || iy >= s.H) continue;
          for (let kx = 0; kx < s.kw; kx++) {
            const ix = ox * s.sw - ax.before + kx;
            if (ix < 0 || ix >= s.W) continue;
            const v = x[(iy * s.W + ix) * s.C + c]!;
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            n++;
          }
        }
        y[(oy * ax.out + ox) * s.C + c] = kind === 'max' ? acc : acc / n;
      }
    }
  }
  return y;
}

/** Keras GlobalMaxPooling2D / GlobalAveragePooling2D in float64: per channel, the max or mean over H×W (output [C]). */
export function globalPool2dFloat(x: ArrayLike<number>, H: number, W: number, C: number, kind: 'max' | 'avg'): Float64Array {
  return pool2dFloat(x, { H, W, C, kh: H, kw: W, sh: 1, sw: 1, padding: 'valid' }, kind);
}

/** Keras ZeroPadding2D in float64: `x[H][W][C]` in the middle of a `(top + H + bottom)×(left + W + right)×C` tensor of zeros. */
export function zeroPadding2dFloat(x: ArrayLike<number>, H: number, W: number, C: number, pad: [[number, number], [number, number]]): Float64Array {
  const [[top, bottom], [left, right]] = pad;
  const Wo = left + W + right;
  const y = new Float64Array((top + H + bottom) * Wo * C);
  for (let iy = 0; iy < H; iy++)
    for (let ix = 0; ix < W; ix++)
      for (let c = 0; c < C; c++) y[((top + iy) * Wo + left + ix) * C + c] = x[(iy * W + ix) * C + c]!;
  return y;
}
