/**
 * Keras BatchNormalization on chain (twin of contracts/layers/BatchNormalization.sol,
 * assembly/layers/BatchNormalization.ts) and its folding into a preceding Dense / Conv2D / DepthwiseConv2D
 * (docs/layers/conv.md "BatchNormalization").
 *
 * At inference BN is the per-channel affine map `y = a·x + b` with `a = γ/√(σ² + ε)`, `b = β − μ·a`
 * (γ = 1 without `scale`, β = 0 without `center`), computed here in float64:
 * - q blob:    A = a in Q32 (int64 BE ×C) ‖ B = b in Q(F) (int64 BE ×C);
 * - int8 blob: M int32 BE ×C ‖ shift u8 ×C ‖ bias int64 BE ×C with `M/2^shift ≈ a·s_in/s_out` (signed,
 *   |M| < 2^31, shift ≤ 62) and `bias = RHAZ(b/s_out·2^shift)`.
 */
import type { LayerIR, LayerOf, TensorData } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { quantizeMultiplier, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { toQ } from '../quantize/q.ts';
import type { Schema } from './schema.ts';
import { Mode, elementBytes, type LayerOp } from './types.ts';

/** `BatchNormalizationConfig` of BatchNormalization.sol. */
export interface BatchNormalizationConfig {
  mode: number;
  dims: number[];
  F: number;
  zIn: number;
  zOut: number;
}

export const BATCH_NORMALIZATION_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['F', 'uint8'],
  ['zIn', 'int8'],
  ['zOut', 'int8'],
];

const count = (d: readonly number[]) => d.reduce((p, v) => p * v, 1);

export const BATCH_NORMALIZATION: LayerOp<BatchNormalizationConfig> = {
  name: 'BatchNormalization',
  schema: BATCH_NORMALIZATION_CONFIG_SCHEMA,
  harness: 'batchNormalization',
  oracle: 'batchNormalizationForward',
  outputBytes: (c, range) => {
    const n = count(c.dims);
    if (!range || c.dims.length === 0 || c.dims[0] === 0) return n * elementBytes(c.mode);
    return Math.max(0, Math.min(range[1], c.dims[0]!) - range[0]) * (n / c.dims[0]!) * elementBytes(c.mode);
  },
};

/** The per-channel affine map of a BN layer: y = a[c]·x + b[c] (float64). */
export interface BatchNormAffine {
  a: Float64Array;
  b: Float64Array;
}

/** The affine map of an IR BatchNormalization layer (axis must be the last axis). */
export function batchNormAffine(l: LayerOf<'BatchNormalization'>): BatchNormAffine {
  const rank = l.outputShape.length;
  if (l.config.axis !== rank - 1) throw new QuantizationError(`BatchNormalization ${l.name}: only the last axis is supported (axis ${l.config.axis})`);
  const mean = l.weights.moving_mean?.data;
  const variance = l.weights.moving_variance?.data;
  if (!mean || !variance) throw new QuantizationError(`BatchNormalization ${l.name}: moving_mean / moving_variance missing`);
  const C = mean.length;
  const gamma = l.config.scale ? l.weights.gamma?.data : undefined;
  const beta = l.config.center ? l.weights.beta?.data : undefined;
  if ((l.config.scale && !gamma) || (l.config.center && !beta)) throw new QuantizationError(`BatchNormalization ${l.name}: gamma / beta missing`);
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    a[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + l.config.epsilon);
    b[c] = (beta ? beta[c]! : 0) - mean[c]! * a[c]!;
  }
  return { a, b };
}

/** q blob: A (Q32) ‖ B (Q(F)), int64 big-endian. */
export function packBatchNormQ(A: ArrayLike<bigint>, B: ArrayLike<bigint>): Uint8Array {
  const C = A.length;
  const out = new Uint8Array(16 * C);
  const v = new DataView(out.buffer);
  for (let c = 0; c < C; c++) {
    v.setBigInt64(8 * c, BigInt(A[c]!), false);
    v.setBigInt64(8 * (C + c), BigInt(B[c]!), false);
  }
  return out;
}

/** int8 blob: M int32 BE ‖ shift u8 ‖ bias int64 BE. */
export function packBatchNormI8(M: ArrayLike<number>, shift: ArrayLike<number>, bias: ArrayLike<bigint>): Uint8Array {
  const C = M.length;
  const out = new Uint8Array(13 * C);
  const v = new DataView(out.buffer);
  for (let c = 0; c < C; c++) {
    v.setInt32(4 * c, M[c]!, false);
    v.setUint8(4 * C + c, shift[c]!);
    v.setBigInt64(5 * C + 8 * c, bias[c]!, false);
  }
  return out;
}

export type BatchNormQuantOptions = { mode: 'q'; F?: number } | { mode: 'int8'; input: QuantParams; output: QuantParams };

/** Quantize a BN affine map on a tensor of shape `dims` (channels last). */
export function quantizeBatchNorm(aff: BatchNormAffine, dims: number[], opts: BatchNormQuantOptions): { config: BatchNormalizationConfig; weights: Uint8Array } {
  const C = aff.a.length;
  if (dims[dims.length - 1] !== C) throw new QuantizationError(`BatchNormalization: ${C} channels, the tensor's last axis is ${dims[dims.length - 1]}`);
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    const A = Array.from(aff.a, (v, c) => toQ(v, 32, `scale[${c}]`));
    const B = Array.from(aff.b, (v, c) => toQ(v, F, `offset[${c}]`));
    return { config: { mode: Mode.Q, dims, F, zIn: 0, zOut: 0 }, weights: packBatchNormQ(A, B) };
  }
  const { input, output } = opts;
  const M: number[] = [];
  const shift: number[] = [];
  const bias: bigint[] = [];
  for (let c = 0; c < C; c++) {
    const m = (aff.a[c]! * input.scale) / output.scale;
    let q = quantizeMultiplier(Math.abs(m));
    if (q.M !== 0 && q.shift > 62) q = { M: roundHalfAway(Math.abs(m) * 2 ** 62), shift: 62 };
    if (q.M === 0) q = { M: 0, shift: 62 };
    const Mc = m < 0 ? -q.M : q.M;
    const bv = roundHalfAway((aff.b[c]! / output.scale) * 2 ** q.shift);
    if (!Number.isFinite(bv) || Math.abs(bv) > 2 ** 62) throw new QuantizationError(`BatchNormalization channel ${c}: offset ${aff.b[c]} out of range in the output scale`);
    M.push(Mc);
    shift.push(q.shift);
    bias.push(BigInt(bv));
  }
  return { config: { mode: Mode.I8, dims, F: 32, zIn: input.zeroPoint, zOut: output.zeroPoint }, weights: packBatchNormI8(M, shift, bias) };
}

/** Float64 reference of the BN affine map on a channels-last tensor. */
export function batchNormFloat(x: ArrayLike<number>, aff: BatchNormAffine): Float64Array {
  const C = aff.a.length;
  return Float64Array.from(x, (v, i) => aff.a[i % C]! * v + aff.b[i % C]!);
}

/**
 * Fold a BatchNormalization into the preceding Dense / Conv2D / DepthwiseConv2D (whose activation must be
 * linear): kernel column o scaled by a[o], bias' = a[o]·(bias[o] − μ[o]) + β[o] = a·bias + b. Output
 * channel o is the last index of the kernel (Dense [in, units], Conv2D [kh, kw, cin, filters]) or the
 * flattened last two (DepthwiseConv2D [kh, kw, C, mult]: channel c·mult + m). Returns the layer with the
 * folded float weights (float64 arithmetic, stored as float32 like every IR weight) and `useBias` true;
 * the result replaces both layers (it keeps the first layer's name and inputs, and BN's output shape).
 */
export function foldBatchNorm<L extends LayerOf<'Dense'> | LayerOf<'Conv2D'> | LayerOf<'DepthwiseConv2D'>>(prev: L, bn: LayerOf<'BatchNormalization'>): L {
  if (prev.config.activation.name !== 'linear')
    throw new QuantizationError(`foldBatchNorm: ${prev.name} has activation ${prev.config.activation.name}; only a linear layer can absorb ${bn.name}`);
  const aff = batchNormAffine(bn);
  const kname = prev.type === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel';
  const k = prev.weights[kname];
  if (!k) throw new QuantizationError(`foldBatchNorm: ${prev.name} has no ${kname}`);
  const N = prev.type === 'DepthwiseConv2D' ? k.shape[2]! * k.shape[3]! : k.shape[k.shape.length - 1]!;
  if (N !== aff.a.length) throw new QuantizationError(`foldBatchNorm: ${prev.name} has ${N} output channels, ${bn.name} ${aff.a.length}`);
  const kernel = new Float32Array(k.data.length);
  for (let i = 0; i < k.data.length; i++) kernel[i] = k.data[i]! * aff.a[i % N]!;
  const b0 = prev.config.useBias ? prev.weights.bias?.data : undefined;
  const bias = new Float32Array(N);
  for (let o = 0; o < N; o++) bias[o] = aff.a[o]! * (b0 ? b0[o]! : 0) + aff.b[o]!;
  const weights: Record<string, TensorData> = { ...prev.weights, [kname]: { shape: k.shape.slice(), data: kernel }, bias: { shape: [N], data: bias } };
  return { ...prev, config: { ...prev.config, useBias: true }, weights, outputShape: bn.outputShape.slice() } as L;
}

/** True when `l` can absorb a following BatchNormalization (`foldBatchNorm`). */
export function canFoldBatchNorm(l: LayerIR): l is LayerOf<'Dense'> | LayerOf<'Conv2D'> | LayerOf<'DepthwiseConv2D'> {
  return (l.type === 'Dense' || l.type === 'Conv2D' || l.type === 'DepthwiseConv2D') && l.config.activation.name === 'linear';
}
