// Int8Math — scalar int8-mode quantized arithmetic, docs/numerics.md §4.3 and §4.4.
// Twin of contracts/tensor/Int8Math.sol: same results, same failures in the same validation order
// (arguments left to right; a multiplier and a shift are each checked at their own position).
// Every value arrives as an i64 so the host can pass out-of-range arguments and see the same
// `ValueOutOfRange` / `InvalidRequantization` the EVM reverts with.

import { hi128, mulWide, rshiftRound128, fitsI64 } from "./Int128";
import { rshiftRound, sat8, sat64From128 } from "./Rounding";
import { throwValueOutOfRange, throwInvalidRequantization } from "./Errors";

/** Requantization multipliers lie in [0, 2^31) (numerics §4.3). */
const I8_MULTIPLIER_LIMIT: i64 = 2147483648; // 2^31
/** Largest requantization shift (numerics §4.3). */
const I8_MAX_SHIFT: i64 = 126;
/** Largest addI8 shift (numerics §4.4). */
const I8_MAX_ADD_SHIFT: i64 = 62;

// ------------------------------------------------------------------------------- validation

/** ValueOutOfRange(v) unless v ∈ [−128, 127]. */
// @ts-ignore: decorator
@inline export function int8Check(v: i64): void {
  if (v < -128 || v > 127) throwValueOutOfRange(v);
}

/** InvalidRequantization(m, shift) unless 0 ≤ m < 2^31 and 0 ≤ shift ≤ 126 (numerics §4.3). */
// @ts-ignore: decorator
@inline export function int8CheckRequantization(m: i64, shift: i64): void {
  if (m < 0 || m >= I8_MULTIPLIER_LIMIT || shift < 0 || shift > I8_MAX_SHIFT) throwInvalidRequantization(m, shift);
}

/** ValueOutOfRange(lo) unless lo, hi are int8 and lo ≤ hi. */
// @ts-ignore: decorator
@inline export function int8CheckClampBounds(lo: i64, hi: i64): void {
  int8Check(lo);
  int8Check(hi);
  if (lo > hi) throwValueOutOfRange(lo);
}

/** InvalidRequantization(m, shift) unless |m| < 2^31 (an addI8 multiplier). */
// @ts-ignore: decorator
@inline export function int8CheckAddMultiplier(m: i64, shift: i64): void {
  if (m <= -I8_MULTIPLIER_LIMIT || m >= I8_MULTIPLIER_LIMIT) throwInvalidRequantization(m, shift);
}

/** InvalidRequantization(ma, shift) unless 0 ≤ shift ≤ 62 (the addI8 shift). */
// @ts-ignore: decorator
@inline export function int8CheckAddShift(ma: i64, shift: i64): void {
  if (shift < 0 || shift > I8_MAX_ADD_SHIFT) throwInvalidRequantization(ma, shift);
}

/** ValueOutOfRange(scaleQ) unless scaleQ ≥ 0 (it is an i64, so ≤ INT64_MAX). */
// @ts-ignore: decorator
@inline export function int8CheckScale(scaleQ: i64): void {
  if (scaleQ < 0) throwValueOutOfRange(scaleQ);
}

// ------------------------------------------------------------------------------- requantize

/**
 * requantize without validation: sat8(zOut + RHAZ(acc·m / 2^shift)) with an exact 128-bit product.
 * Domain: 0 ≤ m < 2^31, 0 ≤ shift ≤ 126, |zOut| ≤ 128.
 */
export function requantizeUnchecked(acc: i64, m: i64, shift: i32, zOut: i64): i64 {
  const lo = mulWide(acc, m);
  const rl = rshiftRound128(hi128, lo, shift);
  const rh = hi128;
  // NOTE: the rounded value can exceed int64 (|acc·m| < 2^94). Any |r| ≥ 1024 saturates sat8 whatever
  // zOut is, so clamp r to ±1024 first; sat8 then counts the one saturation.
  let r: i64;
  if (!fitsI64(rh, rl)) r = rh < 0 ? -1024 : 1024;
  else {
    r = <i64>rl;
    if (r > 1024) r = 1024;
    else if (r < -1024) r = -1024;
  }
  return sat8(zOut + r);
}

/**
 * sat8(zOut + rshiftRound(acc·m, shift)) — numerics §4.3. acc is an int64 by type; throws
 * InvalidRequantization(m, shift) unless 0 ≤ m < 2^31, 0 ≤ shift ≤ 126, then ValueOutOfRange(zOut)
 * unless zOut is an int8. Correctly rounded before saturation.
 */
export function requantize(acc: i64, m: i64, shift: i64, zOut: i64): i64 {
  int8CheckRequantization(m, shift);
  int8Check(zOut);
  return requantizeUnchecked(acc, m, <i32>shift, zOut);
}

// ------------------------------------------------------------------------------- elementwise

/** addI8 without validation (numerics §4.4). Domain: int8 values, |ma|, |mb| < 2^31, 0 ≤ shift ≤ 62. */
// @ts-ignore: decorator
@inline export function addI8Unchecked(a: i64, za: i64, ma: i64, b: i64, zb: i64, mb: i64, shift: i32, zo: i64): i64 {
  // |a − za|, |b − zb| ≤ 255 and |ma|, |mb| < 2^31: the sum is below 2^40, no i64 wrap.
  return sat8(zo + rshiftRound((a - za) * ma + (b - zb) * mb, shift));
}

/**
 * sat8(zo + rshiftRound((a − za)·ma + (b − zb)·mb, shift)) — numerics §4.4.
 * Validation left to right: a, za (int8), ma (|ma| < 2^31), b, zb, mb, shift (0..62), zo.
 */
export function addI8(a: i64, za: i64, ma: i64, b: i64, zb: i64, mb: i64, shift: i64, zo: i64): i64 {
  int8Check(a);
  int8Check(za);
  int8CheckAddMultiplier(ma, shift);
  int8Check(b);
  int8Check(zb);
  int8CheckAddMultiplier(mb, shift);
  int8CheckAddShift(ma, shift);
  int8Check(zo);
  return addI8Unchecked(a, za, ma, b, zb, mb, <i32>shift, zo);
}

/**
 * requantize((a − za)·(b − zb), m, shift, zo) — numerics §4.4.
 * Validation left to right: a, za, b, zb (int8), (m, shift) as requantize, zo.
 */
export function mulI8(a: i64, za: i64, b: i64, zb: i64, m: i64, shift: i64, zo: i64): i64 {
  int8Check(a);
  int8Check(za);
  int8Check(b);
  int8Check(zb);
  int8CheckRequantization(m, shift);
  int8Check(zo);
  return requantizeUnchecked((a - za) * (b - zb), m, <i32>shift, zo);
}

/** min(max(x, lo), hi) — numerics §4.4. x, lo, hi int8 (ValueOutOfRange), lo ≤ hi (ValueOutOfRange(lo)). */
export function clampI8(x: i64, lo: i64, hi: i64): i64 {
  int8Check(x);
  int8CheckClampBounds(lo, hi);
  return x < lo ? lo : x > hi ? hi : x;
}

/** dequantizeI8 without validation: sat64((x − z)·scaleQ) with an exact 128-bit product (counted). */
// @ts-ignore: decorator
@inline export function dequantizeI8Unchecked(x: i64, z: i64, scaleQ: i64): i64 {
  const lo = mulWide(x - z, scaleQ);
  return sat64From128(hi128, lo);
}

/**
 * sat64((x − z)·scaleQ): int8 → Q32.32 — numerics §4.4.
 * x, z int8 (ValueOutOfRange), scaleQ ≥ 0 (ValueOutOfRange(scaleQ)). Exact unless saturated.
 */
export function dequantizeI8(x: i64, z: i64, scaleQ: i64): i64 {
  int8Check(x);
  int8Check(z);
  int8CheckScale(scaleQ);
  return dequantizeI8Unchecked(x, z, scaleQ);
}

/** requantize(v, m, shift, z) for a Q32.32 value v — numerics §4.4. */
export function quantizeQ(v: i64, m: i64, shift: i64, z: i64): i64 {
  return requantize(v, m, shift, z);
}
