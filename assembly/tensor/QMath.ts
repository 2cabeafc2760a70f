// QMath — `q`-mode scalar math in Q(63−F).F fixed point — docs/numerics.md §3.1–§3.2.
// Twin of contracts/tensor/QMath.sol: every function returns the same integer as its Solidity twin and
// throws (with the Solidity error's name) exactly when the EVM reverts. Saturation that changes a value
// is counted (numerics §1); the EVM saturates identically but silently.
//
// Exactly-defined ops (qMul, qDiv, qRescale, qSqrt) may use other algorithms than the EVM as long as the
// result is the defined integer; algorithm-defined ops (qExp, qLog) follow numerics §3.2 step by step.

import { hi128, umulWide } from "./Int128";
import {
  INT64_MAX, INT64_MIN, countSaturation, mulShiftRound, rshiftRound, satAdd64, satSub64,
} from "./Rounding";
import {
  throwDivisionByZero, throwLogOfNonPositive, throwSqrtOfNegative, throwValueOutOfRange,
} from "./Errors";


// ---------------------------------------------------------------------------------------------------
// Constants of numerics §3.2 (exact bit patterns; the human value beside).

/** 1.0 in Q32 (2^32). */
const Q_ONE: i64 = 4294967296;
/** 1.0 in Q62 (2^62). */
const ONE62: u64 = 4611686018427387904;
/** ln 2 in Q32 = 2977044471.82 → 2977044472. */
const LN2_Q32: i64 = 2977044472;
/** ln 2 in Q62 = 3196577161300663914.95 → 3196577161300663915. */
const LN2_Q62: i64 = 3196577161300663915;
/** qExp's reduction constant C = LN2_Q32·2^30 − LN2_Q62 (numerics §3.2 step 2). */
const EXP_C: i64 = 193733013;
/** 1/√2 in Q32 = 3037000499.976 → 3037000500. */
const INV_SQRT2_Q32: i64 = 3037000500;
/** −32.0 in Q32: below it qExp returns 0. */
const EXP_MIN: i64 = -137438953472;
/** 22.0 in Q32: above it qExp saturates to INT64_MAX. */
const EXP_MAX: i64 = 94489280512;
/** Abramowitz–Stegun 7.1.26: p = 0.3275911 and a1..a5 in Q32. */
const ERF_P: i64 = 1406993061; //   0.3275911
const ERF_A1: i64 = 1094484764; //  0.254829592
const ERF_A2: i64 = -1221904177; // −0.284496736
const ERF_A3: i64 = 6104925532; //  1.421413741
const ERF_A4: i64 = -6241240432; // −1.453152027
const ERF_A5: i64 = 4558701605; //  1.061405429
/** 47·LN2_Q32 ≥ −EXP_MIN: adding it makes every in-range exp argument non-negative (46·LN2_Q32 is not enough). */
const EXP_OFFSET_K: i64 = 47;

// ---------------------------------------------------------------------------------------------------
// Small helpers.

/** Revert-twin of the Solidity F check: 0 ≤ F ≤ 62 (numerics §3.1), else ValueOutOfRange(F). */
// @ts-ignore: decorator
@inline function checkF(F: i32): void {
  if (F < 0 || F > 62) throwValueOutOfRange(<i64>F);
}

/** nabs(x) = x < 0 ? x : −x (numerics §3.2; never overflows). */
// @ts-ignore: decorator
@inline function nabs(x: i64): i64 {
  return x < 0 ? x : -x;
}

/** Remainder of the last udiv128by64. */
let rem128: u64 = 0;

/**
 * floor((uhi·2^64 + ulo) / v) for uhi < v (so the quotient fits 64 bits), remainder in `rem128`.
 * Knuth's algorithm D with 32-bit digits, as Hacker's Delight `divlu` (normalise v, two quotient digits,
 * each corrected at most twice).
 */
function udiv128by64(uhi: u64, ulo: u64, v: u64): u64 {
  const b: u64 = 1 << 32;
  const s = <u64>clz<u64>(v); // 0 ≤ s ≤ 63 (v ≠ 0)
  v <<= s;
  const vn1 = v >> 32;
  const vn0 = v & 0xffffffff;
  // NOTE: shift counts are mod 64, so `ulo >> (64 − 0)` would be `ulo`: s = 0 is special-cased.
  const un32: u64 = s == 0 ? uhi : (uhi << s) | (ulo >> (64 - s));
  const un10: u64 = ulo << s;
  const un1 = un10 >> 32;
  const un0 = un10 & 0xffffffff;

  let q1 = un32 / vn1;
  let rhat = un32 - q1 * vn1;
  // rhat < b whenever the product test runs, so b·rhat + un1 = (rhat << 32) | un1 fits 64 bits.
  while (q1 >= b || q1 * vn0 > ((rhat << 32) | un1)) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  const un21: u64 = (un32 << 32) + un1 - q1 * v; // exact mod 2^64: the true value is < v
  let q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > ((rhat << 32) | un0)) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  rem128 = ((un21 << 32) + un0 - q0 * v) >> s;
  return (q1 << 32) | q0;
}

/** sat64(divRound(a·2^F, b)) for 0 ≤ F ≤ 62, b ≠ 0 (exact 128-bit numerator; saturation counted). */
function divShiftRound(a: i64, b: i64, F: i32): i64 {
  const ua: u64 = a < 0 ? <u64>0 - <u64>a : <u64>a; // |INT64_MIN| = 2^63 is correct as u64
  const ub: u64 = b < 0 ? <u64>0 - <u64>b : <u64>b;
  const nhi: u64 = F == 0 ? 0 : ua >> <u64>(64 - F);
  const nlo: u64 = ua << <u64>F;
  const negative = (a < 0) != (b < 0);
  if (nhi >= ub) {
    // |a·2^F / b| ≥ 2^64: far outside int64
    countSaturation();
    return negative ? INT64_MIN : INT64_MAX;
  }
  const q = udiv128by64(nhi, nlo, ub);
  const r = rem128;
  const up: u64 = r >= ub - r ? 1 : 0; // 2r ≥ |d| (numerics §1 divRound)
  if (negative) {
    if (q > (<u64>1 << 63) - up) { countSaturation(); return INT64_MIN; }
    return <i64>(<u64>0 - (q + up));
  }
  if (q > <u64>INT64_MAX - up) { countSaturation(); return INT64_MAX; }
  return <i64>(q + up);
}

/** (a < b) for unsigned 128-bit values (ahi, alo), (bhi, blo). */
// @ts-ignore: decorator
@inline function ult128(ahi: u64, alo: u64, bhi: u64, blo: u64): bool {
  return ahi < bhi || (ahi == bhi && alo < blo);
}

// ---------------------------------------------------------------------------------------------------
// §3.1 Linear scalar ops (F is a parameter, 0 ≤ F ≤ 62).

/** sat64(a + b). numerics §3.1. */
export function qAdd(a: i64, b: i64): i64 {
  return satAdd64(a, b);
}

/** sat64(a − b). numerics §3.1. */
export function qSub(a: i64, b: i64): i64 {
  return satSub64(a, b);
}

/** sat64(rshiftRound(a·b, F)); correctly rounded. F ∉ [0, 62] → ValueOutOfRange(F). numerics §3.1. */
export function qMul(a: i64, b: i64, F: i32): i64 {
  checkF(F);
  return mulShiftRound(a, b, F);
}

/** sat64(divRound(a·2^F, b)); correctly rounded. F check first, then b = 0 → DivisionByZero. numerics §3.1. */
export function qDiv(a: i64, b: i64, F: i32): i64 {
  checkF(F);
  if (b == 0) throwDivisionByZero();
  return divShiftRound(a, b, F);
}

/** F2 ≥ F1: sat64(a·2^(F2−F1)); else rshiftRound(a, F1−F2). F1 then F2 checked (ValueOutOfRange). numerics §3.1. */
export function qRescale(a: i64, F1: i32, F2: i32): i64 {
  checkF(F1);
  checkF(F2);
  if (F2 >= F1) {
    const d = F2 - F1; // 0..62
    const shifted = a << d;
    if ((shifted >> d) != a) { countSaturation(); return a < 0 ? INT64_MIN : INT64_MAX; }
    return shifted;
  }
  return rshiftRound(a, F1 - F2);
}

/** min(max(a, lo), hi); lo > hi → ValueOutOfRange(lo). numerics §3.1. */
export function qClamp(a: i64, lo: i64, hi: i64): i64 {
  if (lo > hi) throwValueOutOfRange(lo);
  return a < lo ? lo : a > hi ? hi : a;
}

// ---------------------------------------------------------------------------------------------------
// §3.2 Nonlinear functions (Q32.32 → Q32.32).

/**
 * One Horner step of qExp (numerics §3.2 step 3): ONE62 + divRound(mulShiftRound(r62, t, 62), i).
 * Every operand is non-negative, so mulShiftRound = (r62·t + 2^61) >> 62 on the exact 128-bit product
 * (< 2^125) and divRound(m, i) = floor((m + floor(i/2)) / i) (RHAZ of m/i for m ≥ 0; m < 2^63).
 */
// @ts-ignore: decorator
@inline function expStep(r62: u64, t: u64, i: u64): u64 {
  const lo = umulWide(r62, t);
  const hi = <u64>hi128;
  const lo2 = lo + (<u64>1 << 61);
  const m = (lo2 >> 62) | ((hi + (lo2 < lo ? 1 : 0)) << 2);
  return ONE62 + (m + (i >> 1)) / i;
}

/**
 * e^x — numerics §3.2 `qExp`: range reduction exact to Q62 (x·2^30 = k·LN2_Q62 + r62) and an 18-term
 * Horner Taylor series in Q62. x < EXP_MIN → 0; x > EXP_MAX → INT64_MAX (counted); k = 31
 * (x ≥ 31·LN2_Q32 − 5, where e^x > 2^31) saturates in step 4 (counted).
 * Error bound numerics §6: ≤ 1 + e^x·2^-20 ulps; measured (tests/tensor/QMath.test.ts, vs a 192-bit
 * reference) ≤ 0.5 ulp + e^x·2^-61.3 (the Q62 series' relative error), i.e. ≤ 3.73 ulps overall (near
 * x = 21.5) and ≤ 0.50 ulp for x ≤ 0.
 */
export function qExp(x: i64): i64 {
  if (x < EXP_MIN) return 0;
  if (x > EXP_MAX) { countSaturation(); return INT64_MAX; }
  // Step 2: k = floor(x / LN2_Q32); r62 = (x − k·LN2_Q32)·2^30 + k·C; one ±LN2_Q62 correction, so that
  // r62 = x·2^30 − k·LN2_Q62 ∈ [0, LN2_Q62). The offset makes the dividend non-negative so truncating
  // division is floor division. int64 ranges: 0 ≤ xo ≤ EXP_MAX + 47·LN2_Q32 < 2^38; k ∈ [−47, 31];
  // |k·C| ≤ 47·C < 2^34; (xo mod LN2_Q32)·2^30 < LN2_Q32·2^30 < 2^62; so before the correction
  // r62 ∈ [−47·C, LN2_Q62 + 32·C − 2^30] ⊂ (−2^34, LN2_Q62 + 2^33) (no wrap), and at most one of the two
  // corrections applies. Afterwards k = floor(x·2^30 / LN2_Q62) ∈ [−47, 31] (31 only for x ≥ 31·LN2_Q32 − 5).
  const xo = x + EXP_OFFSET_K * LN2_Q32; // ≥ 0
  let k = xo / LN2_Q32 - EXP_OFFSET_K; // −47 ≤ k ≤ 31
  let r62s: i64 = ((xo % LN2_Q32) << 30) + k * EXP_C;
  if (r62s < 0) { r62s += LN2_Q62; k -= 1; }
  if (r62s >= LN2_Q62) { r62s -= LN2_Q62; k += 1; }
  const r62: u64 = <u64>r62s; // 0 ≤ r62 < LN2_Q62 < 2^62
  // Step 3: t = ONE62 + divRound(mulShiftRound(r62, t, 62), i) for i = 18 … 1 (expStep below), unrolled
  // so that every division is by a constant.
  let t: u64 = ONE62;
  t = expStep(r62, t, 18); t = expStep(r62, t, 17); t = expStep(r62, t, 16); t = expStep(r62, t, 15);
  t = expStep(r62, t, 14); t = expStep(r62, t, 13); t = expStep(r62, t, 12); t = expStep(r62, t, 11);
  t = expStep(r62, t, 10); t = expStep(r62, t, 9); t = expStep(r62, t, 8); t = expStep(r62, t, 7);
  t = expStep(r62, t, 6); t = expStep(r62, t, 5); t = expStep(r62, t, 4); t = expStep(r62, t, 3);
  t = expStep(r62, t, 2); t = expStep(r62, t, 1);
  // Every intermediate is < 2^63: each step is non-decreasing in r62, and at r62 = LN2_Q62 − 1 the largest t is
  // 2^63 − 2 (the largest mulShiftRound value 2^62 − 2); tests/tensor/QMath.test.ts checks both.
  // Step 4: s = 30 − k ∈ [0, 77] → rshiftRound(t, s) (s = 0 returns t < 2^63; s > 64 gives 0 there);
  // s < 0 (k = 31) → sat64(t·2) = INT64_MAX since t ≥ 2^62.
  if (k > 30) { countSaturation(); return INT64_MAX; }
  return rshiftRound(<i64>t, <i32>(30 - k));
}

/**
 * ln x — numerics §3.2 `qLog`: binary logarithm by 32 repeated squarings in Q61, times LN2_Q62.
 * x ≤ 0 → LogOfNonPositive(x). Never saturates. Measured error ≤ 1.19 ulps (truncated log2 fraction ≤ ln 2
 * ulp, plus the final rounding).
 */
export function qLog(x: i64): i64 {
  if (x <= 0) { throwLogOfNonPositive(x); return 0; }
  // Step 1–2: n = msb(x); y = x·2^(61−n) (n ≤ 61) or floor(x/2) (n = 62); y ∈ [2^61, 2^62).
  const n = 63 - <i32>clz<i64>(x);
  let y: u64 = n <= 61 ? <u64>x << <u64>(61 - n) : <u64>x >> 1;
  // Step 3: y = mulShiftRound(y, y, 61) ∈ [2^61, 2^63); bit b = (y ≥ 2^62) is the next bit of log2,
  // accumulated MSB first (f = 2f + b is f += 2^(32−i) for i = 1 … 32); y = floor(y / 2^b).
  let f: i64 = 0;
  for (let i = 0; i < 32; i++) {
    const lo = umulWide(y, y);
    const hi = <u64>hi128;
    const lo2 = lo + (<u64>1 << 60);
    y = (lo2 >> 61) | ((hi + (lo2 < lo ? 1 : 0)) << 3);
    const b = y >> 62;
    f = (f << 1) | <i64>b;
    y >>= b;
  }
  // Step 4: l2 = k·2^32 + f (log2 x in Q32, truncated); result mulShiftRound(l2, LN2_Q62, 62).
  const l2 = ((<i64>(n - 32)) << 32) + f;
  return mulShiftRound(l2, LN2_Q62, 62);
}

/**
 * √x — numerics §3.2 `qSqrt`: exactly RHAZ(√(x·2^32)) (correctly rounded). x < 0 → SqrtOfNegative(x).
 * NOTE: a different algorithm from the EVM (an f64 estimate corrected with exact 128-bit squares); both
 * return the defined integer.
 */
export function qSqrt(x: i64): i64 {
  if (x < 0) { throwSqrtOfNegative(x); return 0; }
  if (x == 0) return 0;
  const vhi: u64 = <u64>x >> 32; // v = x·2^32 < 2^95
  const vlo: u64 = <u64>x << 32;
  // f64 estimate (within ±1 of floor(√v)), then exact correction: f² ≤ v < (f + 1)².
  let f: u64 = <u64>Math.sqrt(<f64>x * 4294967296.0);
  for (;;) {
    const lo = umulWide(f, f);
    if (!ult128(vhi, vlo, <u64>hi128, lo)) break; // f² ≤ v
    f--;
  }
  for (;;) {
    const g = f + 1;
    const lo = umulWide(g, g);
    if (ult128(vhi, vlo, <u64>hi128, lo)) break; // v < (f + 1)²
    f = g;
  }
  // v − f² ≤ 2f < 2^49: its low word is the exact difference.
  const diff = vlo - umulWide(f, f);
  return <i64>(diff > f ? f + 1 : f);
}

/** 1/x = qDiv(ONE, x, 32). x = 0 → DivisionByZero. numerics §3.2. */
export function qRecip(x: i64): i64 {
  if (x == 0) throwDivisionByZero();
  return divShiftRound(Q_ONE, x, 32);
}

/**
 * σ(x) — numerics §3.2: e = qExp(nabs(x)); s = qDiv(ONE, ONE + e, 32); x ≥ 0 ? s : ONE − s.
 * σ(x) + σ(−x) = ONE exactly. Never saturates. Measured error ≤ 0.99 ulp.
 */
export function qSigmoid(x: i64): i64 {
  const e = qExp(nabs(x)); // 0 ≤ e ≤ ONE
  const s = divShiftRound(Q_ONE, Q_ONE + e, 32);
  return x >= 0 ? s : Q_ONE - s;
}

/**
 * tanh(x) — numerics §3.2: e = qExp(sat64(2·nabs(x))); t = qDiv(ONE − e, ONE + e, 32); x ≥ 0 ? t : −t.
 * Odd exactly. The sat64 clamps (and is counted) only for |x| > 2^62 (i.e. |x| > 2^30 real).
 * Measured error ≤ 1.49 ulps.
 */
export function qTanh(x: i64): i64 {
  const n = nabs(x);
  const e = qExp(satAdd64(n, n)); // 0 ≤ e ≤ ONE
  const t = divShiftRound(Q_ONE - e, Q_ONE + e, 32);
  return x >= 0 ? t : -t;
}

/**
 * erf(x) — numerics §3.2, Abramowitz–Stegun 7.1.26, every step a saturating q op as the spec writes it:
 * a = abs64(x); t = qDiv(ONE, qAdd(ONE, qMul(ERF_P, a)));  p = t·(A1 + t·(A2 + t·(A3 + t·(A4 + t·A5))));
 * e = qExp(−qMul(a, a)); y = qSub(ONE, qMul(p, e)); x < 0 ? −y : y.
 * Saturations counted: abs64(INT64_MIN) and qMul(a, a) for |x| ≳ 46341 (results are ±ONE regardless).
 * Odd for x ≠ 0; qErf(0) = 4 ulps (A–S 7.1.26 at 0 is 1 − ΣA_i). Measured error ≤ 1.39e-7 absolute.
 */
export function qErf(x: i64): i64 {
  let a: i64 = x < 0 ? -x : x;
  if (a < 0) { countSaturation(); a = INT64_MAX; } // abs64(INT64_MIN) = sat64(2^63)
  const t = divShiftRound(Q_ONE, qAdd(Q_ONE, mulShiftRound(ERF_P, a, 32)), 32);
  let p = mulShiftRound(t, ERF_A5, 32);
  p = mulShiftRound(t, qAdd(ERF_A4, p), 32);
  p = mulShiftRound(t, qAdd(ERF_A3, p), 32);
  p = mulShiftRound(t, qAdd(ERF_A2, p), 32);
  p = mulShiftRound(t, qAdd(ERF_A1, p), 32);
  const e = qExp(-mulShiftRound(a, a, 32)); // qMul(a, a) ≥ 0, so its negation cannot overflow
  const y = qSub(Q_ONE, mulShiftRound(p, e, 32));
  return x < 0 ? -y : y;
}

/**
 * GELU (Keras `gelu`, approximate=False) — numerics §3.2: g = qErf(qMul(x, INV_SQRT2_Q32, 32));
 * result sat64(rshiftRound(x·(ONE + g), 33)) — one rounding of x·(1 + erf(x/√2))/2.
 * Measured error ≤ 2^-31 + |x|·6.9e-8.
 */
export function qGelu(x: i64): i64 {
  const g = qErf(mulShiftRound(x, INV_SQRT2_Q32, 32));
  return mulShiftRound(x, Q_ONE + g, 33);
}
