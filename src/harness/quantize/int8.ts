/**
 * Float ↔ `int8` mode (TFLite-style integer-only quantization) — docs/numerics.md §4.
 * - activations: per-tensor (scale, zeroPoint), asymmetric, range always containing 0;
 * - weights: per-output-channel symmetric scales, values in [-127, 127];
 * - requantization multipliers: M ∈ [2^30, 2^31) and a right shift, M / 2^shift ≈ the real multiplier.
 */
import { QuantizationError } from './errors.ts';

export interface QuantParams {
  /** Real value of one step (> 0). */
  scale: number;
  /** The int8 code of the real value 0, in [-128, 127]. */
  zeroPoint: number;
}

/** RHAZ for doubles (numerics §1): sign(x)·floor(|x| + 0.5). */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

function checkFinite(x: number, what: string): void {
  if (!Number.isFinite(x)) throw new QuantizationError(`${what} is ${x}`);
}

/**
 * Activation quantization parameters covering [min, max] (extended to include 0, as int8 inference
 * needs an exact real zero for padding and ReLU).
 */
export function activationParams(min: number, max: number): QuantParams {
  checkFinite(min, 'range minimum');
  checkFinite(max, 'range maximum');
  if (min > max) throw new QuantizationError(`range minimum ${min} exceeds maximum ${max}`);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.min(127, Math.max(-128, roundHalfAway(-128 - lo / scale)));
  return { scale, zeroPoint };
}

/** Quantize one real value with the given parameters (saturating to int8, as inference does). */
export function quantizeValue(x: number, p: QuantParams): number {
  checkFinite(x, 'value');
  return Math.min(127, Math.max(-128, roundHalfAway(x / p.scale) + p.zeroPoint));
}

export function quantizeTensor(xs: ArrayLike<number>, p: QuantParams): Int8Array {
  const out = new Int8Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = quantizeValue(xs[i]!, p);
  return out;
}

export function dequantizeTensor(qs: ArrayLike<number>, p: QuantParams): Float64Array {
  const out = new Float64Array(qs.length);
  for (let i = 0; i < qs.length; i++) out[i] = p.scale * (qs[i]! - p.zeroPoint);
  return out;
}

/**
 * Symmetric per-output-channel weight quantization of a row-major K×N matrix (N output channels,
 * Keras `[in, out]`): scale[o] = max|W[:,o]| / 127, values RHAZ(w/scale) in [-127, 127].
 * NaN/Inf weights are an error naming the element.
 */
export function quantizeWeightsPerChannel(w: ArrayLike<number>, K: number, N: number, where = 'kernel'): { values: Int8Array; scales: Float64Array } {
  if (w.length !== K * N) throw new QuantizationError(`has ${w.length} values, expected ${K}×${N}`, where);
  const scales = new Float64Array(N);
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!Number.isFinite(v)) throw new QuantizationError(`weight ${v} at index ${i} is not finite`, where);
    const o = i % N;
    scales[o] = Math.max(scales[o]!, Math.abs(v));
  }
  for (let o = 0; o < N; o++) scales[o] = scales[o]! > 0 ? scales[o]! / 127 : 1;
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) values[i] = Math.max(-127, Math.min(127, roundHalfAway(w[i]! / scales[i % N]!)));
  return { values, scales };
}

export interface Multiplier {
  /** In [2^30, 2^31), or 0 for a zero multiplier. */
  M: number;
  /** Right shift in [0, 126]. */
  shift: number;
}

/**
 * Represent a real multiplier m ≥ 0 as M / 2^shift with M ∈ [2^30, 2^31) (31 significant bits),
 * the form requantize takes (numerics §4.3). A multiplier needing shift > 126 (m < 2^-96) becomes 0:
 * its product with any accumulator of numerics §4.1 (|acc| < 2^48) rounds to 0 anyway. m ≥ 2^31 is an error.
 */
export function quantizeMultiplier(m: number): Multiplier {
  checkFinite(m, 'multiplier');
  if (m < 0) throw new QuantizationError(`multiplier ${m} is negative`);
  if (m === 0) return { M: 0, shift: 0 };
  let e = Math.floor(Math.log2(m));
  // m = f·2^(e+1) with f ∈ [0.5, 1): M = round(f·2^31) = round(m·2^(30-e))
  let M = roundHalfAway(m * 2 ** (30 - e));
  if (M < 2 ** 30) { e -= 1; M = roundHalfAway(m * 2 ** (30 - e)); }
  if (M >= 2 ** 31) { e += 1; M = roundHalfAway(m * 2 ** (30 - e)); }
  const shift = 30 - e;
  if (shift < 0) throw new QuantizationError(`multiplier ${m} ≥ 2^31 cannot be represented`);
  if (shift > 126) return { M: 0, shift: 0 };
  return { M, shift };
}
