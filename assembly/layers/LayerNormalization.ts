// LayerNormalization — Keras LayerNormalization in both number modes. Twin of
// contracts/layers/LayerNormalization.sol (docs/layers/merge-norm.md): the same output bytes, the same
// failures in the same order. LayerNormalizationConfig flat: mode, dims[], axes[], center, scale, F,
// epsilon, zIn, scaleInQ, M, shift, zOut.
//
// Per group of D values x_i in Q(F), normalized index p (row-major over the axes):
//   mu = divRound(Σ x_i, D); d_i = sat64(x_i − mu); V = divRound(Σ d_i², D) (exact, Q(2F));
//   sd = RHAZ(√(V + eps·2^F)) (Q(F)); sd = 0 → DivisionByZero;
//   y_i = qAdd(sat64(divRound(d_i·g_p, sd)), b_p)   (g = gamma or 2^F, b = beta or 0).
// int8: quantizeQ(LN_Q32(dequantizeI8(x))) with gamma, beta, epsilon in Q32.
// Sums are exact 128-bit (Σ x) and 192-bit (Σ d²) integers here (int256 on the EVM); divisions of wide
// numerators use Knuth's algorithm D (as assembly/tensor/QMath.ts, whose helper is private there).

import { hi128, mulWide, neg128, umulWide } from "../tensor/Int128";
import { INT64_MAX, INT64_MIN, countSaturation, satAdd64, satSub64 } from "../tensor/Rounding";
import { throwDivisionByZero, throwInvalidShape, throwValueOutOfRange } from "../tensor/Errors";
import { dequantizeI8Unchecked, requantizeUnchecked } from "../tensor/Int8Math";
import {
  CODE_AXIS, CODE_PARTIAL_SOFTMAX, MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckF, layerCheckMode,
  layerCheckRange, layerCheckRequant, layerCheckScale, layerCount, layerElementBytes, layerRequireLength, layerScratch,
  loadBE64, storeBE64,
} from "./LayerTypes";

// ------------------------------------------------------------------------------------------------
// 128-bit helpers

/** Remainder of the last lnDiv128. */
let lnRem: u64 = 0;

/**
 * floor((uhi·2^64 + ulo) / v) for uhi < v (the quotient fits 64 bits), remainder in `lnRem`.
 * Knuth's algorithm D with 32-bit digits (Hacker's Delight `divlu`), as QMath.ts `udiv128by64`.
 */
function lnDiv128(uhi: u64, ulo: u64, v: u64): u64 {
  const b: u64 = 1 << 32;
  const s = <u64>clz<u64>(v);
  v <<= s;
  const vn1 = v >> 32;
  const vn0 = v & 0xffffffff;
  // NOTE: shift counts are mod 64, so s = 0 is special-cased.
  const un32: u64 = s == 0 ? uhi : (uhi << s) | (ulo >> (64 - s));
  const un10: u64 = ulo << s;
  const un1 = un10 >> 32;
  const un0 = un10 & 0xffffffff;
  let q1 = un32 / vn1;
  let rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > ((rhat << 32) | un1)) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  const un21: u64 = (un32 << 32) + un1 - q1 * v;
  let q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > ((rhat << 32) | un0)) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  lnRem = ((un21 << 32) + un0 - q0 * v) >> s;
  return (q1 << 32) | q0;
}

/** (a < b) for unsigned 128-bit values. */
// @ts-ignore: decorator
@inline function lnLt128(ahi: u64, alo: u64, bhi: u64, blo: u64): bool {
  return ahi < bhi || (ahi == bhi && alo < blo);
}

/**
 * sat64(RHAZ(t / d)) for a signed 128-bit t = (thi, tlo) and 0 < d < 2^64 (saturation counted):
 * RHAZ(t/d) = sign(t)·⌊(|t| + ⌊d/2⌋)/d⌋ for d > 0.
 */
function lnDivRound128(thi: i64, tlo: u64, d: u64): i64 {
  const negative = thi < 0;
  let mhi: u64 = <u64>thi, mlo: u64 = tlo;
  if (negative) { mlo = neg128(thi, tlo); mhi = <u64>hi128; }
  const h = d >> 1;
  const l2 = mlo + h;
  if (l2 < mlo) mhi += 1;
  mlo = l2;
  if (mhi >= d) { countSaturation(); return negative ? INT64_MIN : INT64_MAX; } // quotient ≥ 2^64
  const q = lnDiv128(mhi, mlo, d);
  if (negative) {
    if (q > (<u64>1 << 63)) { countSaturation(); return INT64_MIN; }
    return <i64>(<u64>0 - q);
  }
  if (q > <u64>INT64_MAX) { countSaturation(); return INT64_MAX; }
  return <i64>q;
}

/** RHAZ(√w) for a 128-bit w = (whi, wlo) < 2^127: f = ⌊√w⌋ (< 2^64), f + 1 if w − f² > f. */
function lnSqrtRound(whi: u64, wlo: u64): u64 {
  if (whi == 0 && wlo == 0) return 0;
  // f64 estimate (relative error ~2^-52), one exact Newton step (error < 1 after it), then ±1 corrections.
  let f: u64 = <u64>Math.sqrt(<f64>whi * 18446744073709551616.0 + <f64>wlo);
  if (f == 0) f = 1;
  if (whi < f) {
    const q = lnDiv128(whi, wlo, f); // w/f ≈ f < 2^64
    const s = f + q;
    f = s < f ? (s >> 1) | (<u64>1 << 63) : s >> 1; // (f + q)/2 without losing the carry
  }
  for (;;) {
    const lo = umulWide(f, f);
    if (!lnLt128(whi, wlo, <u64>hi128, lo)) break; // f² ≤ w
    f--;
  }
  for (;;) {
    const g = f + 1;
    const lo = umulWide(g, g);
    if (lnLt128(whi, wlo, <u64>hi128, lo)) break; // w < (f + 1)²
    f = g;
  }
  // w − f² ≤ 2f < 2^65: compare as 128-bit values (w − f² > f).
  const flo = umulWide(f, f);
  const fhi = <u64>hi128;
  const dlo = wlo - flo;
  const dhi = whi - fhi - (wlo < flo ? 1 : 0);
  return dhi != 0 || dlo > f ? f + 1 : f;
}

// ------------------------------------------------------------------------------------------------
// The layer

function lnRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const axes = cfgArray();
  const na = cfgLastLen;
  const center = cfgNext() != 0;
  const scale = cfgNext() != 0;
  const Fcfg = cfgNext();
  const eps = cfgNext();
  const zIn = cfgNext();
  const scaleInQ = cfgNext();
  const M = cfgNext();
  const shift = cfgNext();
  const zOut = cfgNext();

  // Validation: LayerNormalization.sol `validate`, same order.
  layerCheckMode(mode);
  const n = layerCount(dims, rank);
  if (na == 0) throwInvalidShape(CODE_AXIS);
  for (let k = 0; k < na; k++) {
    const a = load<i64>(axes + (<usize>k << 3));
    if (a >= <i64>rank || (k > 0 && a <= load<i64>(axes + (<usize>(k - 1) << 3)))) throwInvalidShape(CODE_AXIS);
  }
  const d0 = load<i64>(dims);
  if (full) { from = 0; to = d0; }
  layerCheckRange(from, to, d0);
  if (load<i64>(axes) == 0 && (from != 0 || to != d0)) throwInvalidShape(CODE_PARTIAL_SOFTMAX);
  const eb = layerElementBytes(mode);
  layerRequireLength(n * eb, <i64>xLen);
  let D: i64 = 1;
  for (let k = 0; k < na; k++) D *= load<i64>(dims + (<usize>load<i64>(axes + (<usize>k << 3)) << 3));
  layerRequireLength(((scale ? 1 : 0) + (center ? 1 : 0)) * 8 * D, <i64>wLen);
  // Scalars in config order: (q) F, epsilon; (int8) epsilon, scaleInQ, (M, shift).
  if (mode == MODE_Q) layerCheckF(Fcfg);
  if (eps < 0) throwValueOutOfRange(eps);
  if (mode != MODE_Q) {
    layerCheckScale(scaleInQ);
    layerCheckRequant(M, shift);
  }
  const F = mode == MODE_Q ? <i32>Fcfg : 32;

  // The computed rows [from, to) as Q(F) values.
  const rowElems = n / d0;
  const rows = to - from;
  const m = rows * rowElems;
  const off = from * rowElems;
  const v = layerScratch(m << 3);
  for (let i: i64 = 0; i < m; i++) {
    const val = mode == MODE_Q
      ? loadBE64(xPtr + <usize>((off + i) << 3))
      : dequantizeI8Unchecked(<i64>load<i8>(xPtr + <usize>(off + i)), zIn, scaleInQ);
    store<i64>(v + <usize>(i << 3), val);
  }

  // pos[g·D + p] = element index of normalized index p of group g (row-major over the other axes / the axes).
  const isNorm = layerScratch(<i64>rank);
  memory.fill(isNorm, 0, <usize>rank);
  for (let k = 0; k < na; k++) store<u8>(isNorm + <usize>load<i64>(axes + (<usize>k << 3)), 1);
  const pos = layerScratch(m << 3);
  for (let i: i64 = 0; i < m; i++) {
    let rem = i, g: i64 = 0, p: i64 = 0, gMul: i64 = 1, pMul: i64 = 1;
    for (let k = rank - 1; k >= 0; k--) {
      const dim = k == 0 ? rows : load<i64>(dims + (<usize>k << 3));
      const idx = rem % dim;
      rem /= dim;
      if (load<u8>(isNorm + <usize>k) != 0) { p += idx * pMul; pMul *= dim; }
      else { g += idx * gMul; gMul *= dim; }
    }
    store<i64>(pos + <usize>((g * D + p) << 3), i);
  }

  const out = layerScratch(m << 3);
  const dbuf = layerScratch(D << 3);
  const groups = m / D;
  const uD = <u64>D;
  const betaOff: usize = scale ? <usize>(D << 3) : 0;
  for (let g: i64 = 0; g < groups; g++) {
    const base = pos + <usize>((g * D) << 3);
    // 1. mu = divRound(Σ x, D): exact 128-bit sum; |Σ| < D·2^63 keeps (|Σ| + D/2) / D below 2^64.
    let shi: i64 = 0, slo: u64 = 0;
    for (let p: i64 = 0; p < D; p++) {
      const x = load<i64>(v + <usize>(load<i64>(base + <usize>(p << 3)) << 3));
      const l = slo + <u64>x;
      shi += (x >> 63) + (l < slo ? 1 : 0);
      slo = l;
    }
    const mu = lnDivRound128(shi, slo, uD); // the mean of int64 values: never saturates
    // 2–3. d = sat64(x − mu); V = divRound(Σ d², D): a 192-bit sum (d² < 2^127, D < 2^31 terms),
    // RHAZ division for V ≥ 0 = ⌊(Σ + ⌊D/2⌋)/D⌋ limb by limb (each partial numerator's high word < D).
    let v0: u64 = uD >> 1, v1: u64 = 0, v2: u64 = 0;
    for (let p: i64 = 0; p < D; p++) {
      const x = load<i64>(v + <usize>(load<i64>(base + <usize>(p << 3)) << 3));
      const d = satSub64(x, mu);
      store<i64>(dbuf + <usize>(p << 3), d);
      const ad: u64 = d < 0 ? <u64>0 - <u64>d : <u64>d;
      const lo = umulWide(ad, ad);
      const hi = <u64>hi128;
      const l0 = v0 + lo;
      const c0: u64 = l0 < v0 ? 1 : 0;
      v0 = l0;
      const t = v1 + hi;
      const l1 = t + c0;
      v2 += (t < v1 ? 1 : 0) + (l1 < t ? 1 : 0);
      v1 = l1;
    }
    const q2 = v2 / uD;
    const q1 = lnDiv128(v2 - q2 * uD, v1, uD);
    const q0 = lnDiv128(lnRem, v0, uD);
    // V ≤ max d² ≤ 2^126, so q2 = 0 and V = (q1, q0).
    // 4–5. sd = RHAZ(√(V + eps·2^F)); the radicand < 2^126 + 2^125 fits 128 bits.
    const ehi: u64 = F == 0 ? 0 : <u64>eps >> <u64>(64 - F);
    const elo: u64 = <u64>eps << <u64>F;
    const wlo = q0 + elo;
    const whi = q1 + ehi + (wlo < q0 ? 1 : 0);
    const sd = lnSqrtRound(whi, wlo);
    if (q2 != 0) unreachable();
    if (sd == 0) throwDivisionByZero();
    // 6. y = qAdd(sat64(divRound(d·g, sd)), b).
    for (let p: i64 = 0; p < D; p++) {
      const gam: i64 = scale ? loadBE64(wPtr + <usize>(p << 3)) : (<i64>1 << F);
      const bet: i64 = center ? loadBE64(wPtr + betaOff + <usize>(p << 3)) : 0;
      const tlo = mulWide(load<i64>(dbuf + <usize>(p << 3)), gam);
      const q = lnDivRound128(hi128, tlo, sd);
      store<i64>(out + <usize>(load<i64>(base + <usize>(p << 3)) << 3), satAdd64(q, bet));
    }
  }

  if (mode == MODE_Q) {
    for (let i: i64 = 0; i < m; i++) storeBE64(yPtr + <usize>(i << 3), load<i64>(out + <usize>(i << 3)));
    return <i32>(m << 3);
  }
  for (let i: i64 = 0; i < m; i++) {
    store<i8>(yPtr + <usize>i, <i8>requantizeUnchecked(load<i64>(out + <usize>(i << 3)), M, <i32>shift, zOut));
  }
  return <i32>m;
}

/** LayerNormalization.sol `forward`. Returns the output length in bytes. */
export function layerNormalizationForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return lnRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** LayerNormalization.sol `forwardRange`: rows [from, to) of the first axis. */
export function layerNormalizationForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return lnRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
