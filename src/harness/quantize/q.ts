/**
 * Float ↔ `q` mode (signed fixed point, F fractional bits, int64) — docs/numerics.md §3.
 * Conversions round half away from zero (numerics §1) and refuse NaN, ±Inf and out-of-range values
 * with a QuantizationError naming the element.
 */
import { QuantizationError } from './errors.ts';

export const DEFAULT_F = 32;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** RHAZ(x·2^F) as an int64; throws on NaN/Inf or when the result leaves the int64 range. */
export function toQ(x: number, F = DEFAULT_F, where?: string): bigint {
  if (!Number.isFinite(x)) throw new QuantizationError(`value ${x} is not finite`, where);
  if (!Number.isInteger(F) || F < 0 || F > 62) throw new QuantizationError(`fractional bits F=${F} outside [0, 62]`, where);
  // x·2^F is exact in binary64 (a power-of-two scaling); floor(|y| + 0.5) is then exact for |y| < 2^52,
  // and |y| ≥ 2^52 is already an integer.
  const y = Math.abs(x) * 2 ** F;
  const m = y >= 2 ** 52 ? BigInt(y) : BigInt(Math.floor(y + 0.5));
  const v = x < 0 ? -m : m;
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new QuantizationError(`value ${x} does not fit Q${63 - F}.${F} (|x| < 2^${63 - F})`, where);
  }
  return v;
}

/** The real value of a q number: v / 2^F (exact up to binary64 rounding). */
export function fromQ(v: bigint, F = DEFAULT_F): number {
  return Number(v) / 2 ** F;
}

/** Quantize an array; the error names the index (`where[i]`). */
export function toQArray(xs: ArrayLike<number>, F = DEFAULT_F, where = 'tensor'): BigInt64Array {
  const out = new BigInt64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = toQ(xs[i]!, F, `${where}[${i}]`);
  return out;
}

export function fromQArray(vs: ArrayLike<bigint>, F = DEFAULT_F): Float64Array {
  const out = new Float64Array(vs.length);
  for (let i = 0; i < vs.length; i++) out[i] = fromQ(vs[i]!, F);
  return out;
}
