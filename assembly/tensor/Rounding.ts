// The one rounding rule (round half away from zero) and saturation — docs/numerics.md §1.
// Twin of contracts/tensor/Rounding.sol. Saturation that changes a value is counted.

import { hi128, mulWide, rshiftRound128, fitsI64 } from "./Int128";
import { throwDivisionByZero } from "./Errors";

export const INT64_MIN: i64 = i64.MIN_VALUE;
export const INT64_MAX: i64 = i64.MAX_VALUE;

let saturations: u64 = 0;

/** Number of saturating clamps that changed a value since the last reset (numerics §1). */
export function saturationCount(): u64 { return saturations; }
export function resetSaturationCount(): void { saturations = 0; }
/** Record one saturation (for kernels that clamp inline). */
// @ts-ignore: decorator
@inline export function countSaturation(): void { saturations++; }

/** RHAZ(v / 2^s) on a 64-bit value, s ≥ 0: sign(v)·floor((|v| + 2^(s-1)) / 2^s). Exact. */
export function rshiftRound(v: i64, s: i32): i64 {
  if (s == 0) return v;
  if (s > 64) return 0; // |v| ≤ 2^63 < 2^(s-1)
  // Magnitude in u64: |v| ≤ 2^63 and 2^(s-1) ≤ 2^63, so the sum fits 64 unsigned bits.
  const m: u64 = v < 0 ? <u64>0 - <u64>v : <u64>v;
  const r: u64 = s == 64 ? (m >= (<u64>1 << 63) ? 1 : 0) : (m + ((<u64>1) << <u64>(s - 1))) >> <u64>s;
  return v < 0 ? <i64>(0 - r) : <i64>r;
}

/** RHAZ(a·b / 2^s) with an exact 128-bit product, saturated to int64 (counted). 0 ≤ s ≤ 126. */
export function mulShiftRound(a: i64, b: i64, s: i32): i64 {
  const lo = mulWide(a, b);
  const h = hi128;
  const rl = rshiftRound128(h, lo, s);
  const rh = hi128;
  if (fitsI64(rh, rl)) return <i64>rl;
  saturations++;
  return rh < 0 ? INT64_MIN : INT64_MAX;
}

/** RHAZ(n / d) for 64-bit n, d; throws DivisionByZero for d = 0. Result may need saturation only for
 *  INT64_MIN / -1 (clamped to INT64_MAX, counted). */
export function divRound(n: i64, d: i64): i64 {
  if (d == 0) throwDivisionByZero();
  const an: u64 = n < 0 ? <u64>(-n) : <u64>n; // -INT64_MIN wraps to 2^63 as u64: correct magnitude
  const ad: u64 = d < 0 ? <u64>(-d) : <u64>d;
  let q = an / ad;
  const r = an - q * ad;
  if (r >= ad - r) q += 1;
  const negative = (n < 0) != (d < 0);
  if (negative) {
    if (q > (<u64>1 << 63)) { saturations++; return INT64_MIN; }
    return <i64>(0 - q);
  }
  if (q > <u64>INT64_MAX) { saturations++; return INT64_MAX; }
  return <i64>q;
}

/** Clamp a 128-bit value (hi, lo) to int64, counting saturation. */
export function sat64From128(hi: i64, lo: u64): i64 {
  if (fitsI64(hi, lo)) return <i64>lo;
  saturations++;
  return hi < 0 ? INT64_MIN : INT64_MAX;
}

/** Saturating 64-bit add: sat64(a + b). */
export function satAdd64(a: i64, b: i64): i64 {
  const s = a + b;
  // overflow iff a and b have the same sign and s differs
  if (((a ^ s) & (b ^ s)) < 0) { saturations++; return a < 0 ? INT64_MIN : INT64_MAX; }
  return s;
}

/** Saturating 64-bit subtract: sat64(a − b). */
export function satSub64(a: i64, b: i64): i64 {
  const s = a - b;
  if (((a ^ b) & (a ^ s)) < 0) { saturations++; return a < 0 ? INT64_MIN : INT64_MAX; }
  return s;
}

/** sat8(v): clamp to [-128, 127], counting saturation. */
// @ts-ignore: decorator
@inline export function sat8(v: i64): i64 {
  if (v > 127) { saturations++; return 127; }
  if (v < -128) { saturations++; return -128; }
  return v;
}
