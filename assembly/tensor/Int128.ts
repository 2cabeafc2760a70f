// 128-bit integer helpers for the oracle (AssemblyScript has no i128).
// A 128-bit value is a pair (hi: i64, lo: u64) = hi·2^64 + lo in two's complement.
// Functions return the low word and leave the high word in the global `hi128`.

/** High word of the last 128-bit result. */
export let hi128: i64 = 0;

/** Unsigned 64×64→128 product; returns the low word, high word in `hi128`. Schoolbook on 32-bit halves. */
// @ts-ignore: decorator
@inline export function umulWide(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32;
  const b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  hi128 = <i64>(p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32));
  return (mid << 32) | (p00 & 0xffffffff);
}

/** Signed 64×64→128 product (exact): low word returned, signed high word in `hi128`. */
// @ts-ignore: decorator
@inline export function mulWide(a: i64, b: i64): u64 {
  const lo = umulWide(<u64>a, <u64>b);
  // Two's complement correction: the unsigned product of the bit patterns differs from the signed
  // product by 2^64·(a<0 ? b : 0) + 2^64·(b<0 ? a : 0).
  let h = hi128;
  if (a < 0) h -= b;
  if (b < 0) h -= a;
  hi128 = h;
  return lo;
}

/** Negate a 128-bit value (hi, lo); returns low word, high in `hi128`. */
// @ts-ignore: decorator
@inline export function neg128(hi: i64, lo: u64): u64 {
  const nlo = ~lo + 1;
  hi128 = ~hi + <i64>(nlo == 0 ? 1 : 0);
  return nlo;
}

/**
 * RHAZ(v / 2^s) for a 128-bit v = (hi, lo), 0 ≤ s ≤ 127; returns the low word and the high word in
 * `hi128`. numerics §1. Exact for all 128-bit inputs except v = -2^127 (outside every caller's domain).
 */
export function rshiftRound128(hi: i64, lo: u64, s: i32): u64 {
  if (s == 0) { hi128 = hi; return lo; }
  const negative = hi < 0;
  let mh: u64 = <u64>hi, ml: u64 = lo;
  if (negative) { ml = neg128(hi, lo); mh = <u64>hi128; }
  // add 2^(s-1)
  if (s - 1 < 64) {
    const add: u64 = (<u64>1) << <u64>(s - 1);
    const nl = ml + add;
    if (nl < ml) mh += 1;
    ml = nl;
  } else {
    mh += (<u64>1) << <u64>(s - 1 - 64);
  }
  // logical shift right by s (magnitude is non-negative)
  let rl: u64, rh: u64;
  if (s < 64) {
    rl = (ml >> <u64>s) | (mh << <u64>(64 - s));
    rh = mh >> <u64>s;
  } else {
    rl = mh >> <u64>(s - 64);
    rh = 0;
  }
  if (negative) { const l = neg128(<i64>rh, rl); return l; }
  hi128 = <i64>rh;
  return rl;
}

/** True when the 128-bit value (hi, lo) lies in the int64 range. */
// @ts-ignore: decorator
@inline export function fitsI64(hi: i64, lo: u64): bool {
  return hi == (<i64>lo >> 63);
}
