/**
 * Keras Dense on chain (twin of contracts/layers/Dense.sol, assembly/layers/Dense.ts): the config struct,
 * the weight-blob packing of both modes, and the quantizer from a float IR layer + calibration.
 *
 * Weight blobs (docs/layers.md "Dense"):
 * - q:    W (K×N int64 big-endian, row-major, Keras [in, out]) ‖ b (N int64 big-endian);
 * - int8: W in the panel layout of numerics §4.2 ‖ b int32 BE ×N ‖ M uint32 BE ×N ‖ shift uint8 ×N
 *         ‖ (config.negative) Mn int32 BE ×N ‖ shiftN uint8 ×N.
 */
import type { LayerOf } from '../model/ir.ts';
import { toQArray } from '../quantize/q.ts';
import { quantizeMultiplier, quantizeTensor, quantizeWeightsPerChannel, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { encodeQ, packPanelsI8 } from '../tensor/pack.ts';
import { getBytes } from 'ethers';
import { activationSpec, fusedClamp, fusedNegativeSlope, isFusedActivation, signedMultiplier } from './activation.ts';
import type { LayerActivation } from './float.ts';
import type { Schema } from './schema.ts';
import { ACTIVATION_SPEC_SCHEMA, ActKind, Mode, elementBytes, type ActivationSpec, type LayerOp } from './types.ts';

/** `DenseConfig` of Dense.sol. */
export interface DenseConfig {
  mode: number;
  rows: number;
  K: number;
  N: number;
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

export const DENSE_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['rows', 'uint32'],
  ['K', 'uint32'],
  ['N', 'uint32'],
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

export const DENSE: LayerOp<DenseConfig> = {
  name: 'Dense',
  schema: DENSE_CONFIG_SCHEMA,
  harness: 'dense',
  oracle: 'denseForward',
  outputBytes: (c, range) => c.rows * (range ? range[1] - range[0] : c.N) * elementBytes(c.mode),
};

// ------------------------------------------------------------------------------------------------
// Weight blobs

/** q blob: W (K×N int64, row-major) ‖ b (N int64), big-endian. */
export function packDenseQ(W: ArrayLike<bigint>, bias: ArrayLike<bigint>, K: number, N: number): Uint8Array {
  if (W.length !== K * N || bias.length !== N) throw new RangeError(`Dense q blob: W has ${W.length} values (K·N = ${K * N}), b ${bias.length} (N = ${N})`);
  const out = new Uint8Array(8 * (K * N + N));
  out.set(getBytes(encodeQ(W)), 0);
  out.set(getBytes(encodeQ(bias)), 8 * K * N);
  return out;
}

/** The per-channel int8 parameters of a Dense blob. */
export interface DenseI8Params {
  /** Row-major K×N int8 kernel. */
  W: ArrayLike<number>;
  /** int32 biases in the accumulator scale. */
  bias: ArrayLike<number>;
  /** Requantization multipliers [0, 2^31) and shifts [0, 126] (stage A, non-negative accumulators). */
  M: ArrayLike<number>;
  shift: ArrayLike<number>;
  /** Negative-branch multipliers (signed) and shifts: present iff config.negative. */
  Mn?: ArrayLike<number>;
  shiftN?: ArrayLike<number>;
}

/** int8 blob: panels ‖ b int32 BE ‖ M uint32 BE ‖ shift u8 ‖ [Mn int32 BE ‖ shiftN u8]. */
export function packDenseI8(p: DenseI8Params, K: number, N: number): Uint8Array {
  const panels = packPanelsI8(p.W, K, N);
  const neg = p.Mn !== undefined;
  const out = new Uint8Array(panels.length + 9 * N + (neg ? 5 * N : 0));
  const view = new DataView(out.buffer);
  out.set(panels, 0);
  const base = panels.length;
  for (let o = 0; o < N; o++) {
    view.setInt32(base + 4 * o, p.bias[o]!, false);
    view.setUint32(base + 4 * N + 4 * o, p.M[o]!, false);
    view.setUint8(base + 8 * N + o, p.shift[o]!);
    if (neg) {
      view.setInt32(base + 9 * N + 4 * o, p.Mn![o]!, false);
      view.setUint8(base + 13 * N + o, p.shiftN![o]!);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Quantizer

/** A Dense layer as the quantizer needs it (an IR layer or its parts). */
export interface DenseFloat {
  K: number;
  N: number;
  /** Row-major [K, N]. */
  kernel: ArrayLike<number>;
  bias: ArrayLike<number> | null;
  activation: LayerActivation;
}

export function denseFromIR(l: LayerOf<'Dense'>): DenseFloat {
  const k = l.weights.kernel;
  if (!k || k.shape.length !== 2) throw new QuantizationError(`Dense ${l.name}: kernel must be [in, units]`);
  const [K, N] = k.shape as [number, number];
  return { K, N, kernel: k.data, bias: l.config.useBias ? (l.weights.bias?.data ?? null) : null, activation: l.config.activation };
}

export type DenseQuantOptions =
  | { mode: 'q'; F?: number; rows?: number }
  | {
      mode: 'int8';
      rows?: number;
      /** Input tensor quantization. */
      input: QuantParams;
      /** Output tensor quantization. */
      output: QuantParams;
      /** Pre-activation tensor quantization (needed by non-fused activations). */
      pre?: QuantParams;
    };

export interface QuantizedDense {
  config: DenseConfig;
  weights: Uint8Array;
}

function checkSoftmaxAxis(a: LayerActivation, rows: number): void {
  // Dense's softmax runs along the units (the last axis of [rows, N]); a Keras string activation always does.
  if (a.name === 'softmax' && a.axis !== (rows > 1 ? 1 : 0) && a.axis !== -1)
    throw new QuantizationError(`Dense softmax along axis ${a.axis}: only the units axis is supported`);
}

/** Quantize a float Dense layer to a (config, weight blob) pair of either mode. */
export function quantizeDense(d: DenseFloat, opts: DenseQuantOptions): QuantizedDense {
  const { K, N } = d;
  const rows = opts.rows ?? 1;
  checkSoftmaxAxis(d.activation, rows);
  const base = { rows, K, N, F: 32, zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };
  const biasF = d.bias ?? new Float64Array(N);
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    const W = toQArray(d.kernel, F, 'kernel');
    const b = toQArray(biasF, F, 'bias');
    return { config: { ...base, mode: Mode.Q, F, act: activationSpec(d.activation, F) }, weights: packDenseQ(W, b, K, N) };
  }
  const { input, output } = opts;
  const { values: Wq, scales: sw } = quantizeWeightsPerChannel(d.kernel, K, N);
  const bias = new Int32Array(N);
  for (let o = 0; o < N; o++) {
    const v = roundHalfAway(biasF[o]! / (input.scale * sw[o]!));
    if (Math.abs(v) >= 2 ** 31) throw new QuantizationError(`bias ${biasF[o]} of unit ${o} does not fit int32 in the accumulator scale`);
    bias[o] = v;
  }
  const M = new Array<number>(N);
  const shift = new Array<number>(N);
  const fused = isFusedActivation(d.activation);
  const target = fused ? output : opts.pre;
  if (!target) throw new QuantizationError(`Dense with ${d.activation.name}: int8 mode needs the pre-activation quantization (opts.pre)`);
  for (let o = 0; o < N; o++) {
    const m = quantizeMultiplier((input.scale * sw[o]!) / target.scale);
    M[o] = m.M;
    shift[o] = m.shift;
  }
  if (fused) {
    const slope = fusedNegativeSlope(d.activation);
    // slope 1 (linear) reuses M; slope 0 (relu) needs no negative branch: the clamp at lo = zOut is max(q, zOut).
    const negative = slope !== 1 && slope !== 0;
    let Mn: number[] | undefined;
    let shiftN: number[] | undefined;
    if (negative) {
      Mn = new Array<number>(N);
      shiftN = new Array<number>(N);
      for (let o = 0; o < N; o++) {
        const m = signedMultiplier((slope * input.scale * sw[o]!) / output.scale);
        Mn[o] = m.M;
        shiftN[o] = m.shift;
      }
    }
    const config: DenseConfig = {
      ...base,
      mode: Mode.I8,
      act: activationSpec(d.activation, 32),
      zIn: input.zeroPoint,
      zPre: output.zeroPoint,
      ...fusedClamp(d.activation, output),
      negative,
    };
    return { config, weights: packDenseI8({ W: Wq, bias, M, shift, Mn, shiftN }, K, N) };
  }
  const pre = target;
  const out = quantizeMultiplier(1 / (output.scale * 2 ** 32));
  const config: DenseConfig = {
    ...base,
    mode: Mode.I8,
    act: activationSpec(d.activation, 32),
    zIn: input.zeroPoint,
    zPre: pre.zeroPoint,
    scalePreQ: BigInt(roundHalfAway(pre.scale * 2 ** 32)),
    outM: out.M,
    outShift: out.shift,
    zOut: output.zeroPoint,
  };
  return { config, weights: packDenseI8({ W: Wq, bias, M, shift }, K, N) };
}

/** The int8 kernel values and per-channel scales the quantizer uses (for error bounds). */
export function denseWeightScales(d: DenseFloat): Float64Array {
  return quantizeWeightsPerChannel(d.kernel, d.K, d.N).scales;
}

/** Quantize an input tensor for an int8 Dense (`quantizeTensor` re-exported for callers' convenience). */
export { quantizeTensor };

/** The activation kind a config applies (for reports). */
export function denseActivationKind(c: DenseConfig): string {
  return Object.entries(ActKind).find(([, v]) => v === c.act.kind)?.[0] ?? `kind ${c.act.kind}`;
}
