// DepthwiseConv — depthwise 2-D convolution in both number modes, the oracle twin of
// contracts/tensor/DepthwiseConv.sol. docs/numerics.md §5 (window geometry as conv2d), §3 (q
// accumulation and rescale), §4.1 (int8 accumulation), §4.3 (requantization).
//
// Layouts (row-major, batch 1): input x[H][W][C]; kernel k[kh][kw][C][mult] (Keras depthwise_kernel);
// output y[Ho][Wo][C·mult] with output channel o = c·mult + m computed from input channel c and kernel
// slice [:, :, c, m] — flattened, the kernel is k[kh][kw][Cout]. Pointers are WASM addresses supplied
// by the host; lengths are element counts.
//
// Failure conditions, in this order in both tiers (numerics §2):
//   InvalidShape(3)  a zero H, W, C, mult, kh or kw
//   InvalidShape(2)  a zero stride
//   InvalidShape(4)  an unknown padding mode (0 = 'valid', 1 = 'same')
//   InvalidShape(5)  a dimension, multiplier, window or stride ≥ 2^31, or (running products) H·W·C,
//                    C·mult, kh·kw·C·mult (kernel), H·W·C·mult (output bound) ≥ 2^31
//   InvalidShape(1)  'valid' padding with a window larger than the input
//   ShapeMismatch(expected, actual)  x, kernel, bias (q tensors in bytes = 8·elements; int8 tensors in
//                    bytes; the int8 bias and M/shift arrays in entries), then (fused) M, shift
//   ValueOutOfRange  F ∉ [0, 62] (q); zx ∉ [−128, 127] (int8)
//   InvalidRequantization(M, shift)  first output channel whose (M, shift) is outside §4.3 (fused)
//   ValueOutOfRange  zOut ∉ [−128, 127] (fused)

import { hi128, mulWide } from "./Int128";
import { INT64_MIN, INT64_MAX, countSaturation } from "./Rounding";
import { throwShapeMismatch, throwValueOutOfRange } from "./Errors";
import { int8Check, int8CheckRequantization, requantizeUnchecked } from "./Int8Math";
import {
  conv2dOutDim, conv2dPadBefore, conv2dCheckNonZero, conv2dCheckSize, conv2dCheckStridesPadding,
  conv2dCheckWindow, conv2dCount3,
} from "./Conv";

/** Validates a depthwise shape (codes 3, 2, 4, 5, 1 in that order). Returns Cout = C·mult. */
function checkDepthwiseShape(H: i64, W: i64, C: i64, mult: i64, kh: i64, kw: i64, sh: i64, sw: i64, padding: i64): i64 {
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(C);
  conv2dCheckNonZero(mult); conv2dCheckNonZero(kh); conv2dCheckNonZero(kw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(C); conv2dCheckSize(mult);
  conv2dCheckSize(kh); conv2dCheckSize(kw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  conv2dCount3(H, W, C);
  const cout = conv2dCount3(C, mult, 1);
  conv2dCount3(kh, kw, cout);
  conv2dCount3(H, W, cout);
  conv2dCheckWindow(H, W, kh, kw, padding);
  return cout;
}

// ---------------------------------------------------------------------------------------------
// q mode: exact 192-bit accumulation (numerics §3), three limbs (dwAcc2: signed top).

let dwAcc0: u64 = 0;
let dwAcc1: u64 = 0;
let dwAcc2: i64 = 0;

/** acc += a·b exactly (the 128-bit product sign-extended to 192 bits). */
// @ts-ignore: decorator
@inline function dwAccAdd(a: i64, b: i64): void {
  const lo = mulWide(a, b);
  const hi = hi128;
  const s0 = dwAcc0 + lo;
  const c0: u64 = s0 < lo ? 1 : 0;
  const s1 = dwAcc1 + <u64>hi;
  const c1: u64 = s1 < <u64>hi ? 1 : 0;
  const s1c = s1 + c0;
  const c1c: u64 = s1c < s1 ? 1 : 0;
  dwAcc0 = s0;
  dwAcc1 = s1c;
  dwAcc2 += (hi >> 63) + <i64>c1 + <i64>c1c;
}

/** sat64(rshiftRound(acc, F) + bias) of the 192-bit accumulator, 0 ≤ F ≤ 62 (numerics §1, §3). */
function dwAccRescale(F: i32, bias: i64): i64 {
  let a0 = dwAcc0, a1 = dwAcc1, a2 = dwAcc2;
  if (F > 0) {
    // RHAZ via the EVM form: sar(F, v + 2^(F-1) − [v < 0]) on the 192-bit two's complement value.
    const d: u64 = ((<u64>1) << <u64>(F - 1)) - (a2 < 0 ? 1 : 0);
    const s0 = a0 + d;
    const c0: u64 = s0 < d ? 1 : 0;
    const s1 = a1 + c0;
    const c1: u64 = s1 < c0 ? 1 : 0;
    a2 += <i64>c1;
    a1 = s1;
    a0 = s0;
    const f = <u64>F;
    a0 = (a0 >> f) | (a1 << (64 - f));
    a1 = (a1 >> f) | (<u64>a2 << (64 - f));
    a2 = a2 >> <i64>f;
  }
  const b = <u64>bias;
  const s0 = a0 + b;
  const c0: u64 = s0 < b ? 1 : 0;
  const bx: u64 = <u64>(bias >> 63);
  const s1 = a1 + bx;
  const c1: u64 = s1 < bx ? 1 : 0;
  const s1c = s1 + c0;
  const c1c: u64 = s1c < s1 ? 1 : 0;
  a2 += (bias >> 63) + <i64>c1 + <i64>c1c;
  // sat64: fits iff the top 128 bits are the sign extension of bit 63 of the low limb
  const sign: i64 = <i64>s0 >> 63;
  if (<i64>s1c == sign && a2 == sign) return <i64>s0;
  countSaturation();
  return a2 < 0 ? INT64_MIN : INT64_MAX;
}

/**
 * q-mode depthwise convolution (numerics §3, §5):
 * `y[oy][ox][o] = sat64(rshiftRound(Σ_{ky,kx} x[iy][ix][⌊o/mult⌋]·k[ky][kx][o], F) + bias[o])`
 * with `iy = oy·sh − pad_top + ky`, `ix = ox·sw − pad_left + kx`; padded positions are 0 (skipped).
 * Exact 192-bit accumulation, one RHAZ rescale, saturation counted. Writes Ho·Wo·C·mult int64 at `out`.
 */
export function depthwiseConv2dQ(
  x: usize, xLen: i64, H: i64, W: i64, C: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, mult: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64, F: i64, out: usize,
): void {
  const cout = checkDepthwiseShape(H, W, C, mult, kh, kw, sh, sw, padding);
  if (xLen != H * W * C) throwShapeMismatch(H * W * C * 8, xLen * 8);
  if (kLen != kh * kw * cout) throwShapeMismatch(kh * kw * cout * 8, kLen * 8);
  if (biasLen != cout) throwShapeMismatch(cout * 8, biasLen * 8);
  if (F < 0 || F > 62) throwValueOutOfRange(F);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let p: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let o: i64 = 0; o < cout; o++) {
        const c = o / mult;
        dwAcc0 = 0; dwAcc1 = 0; dwAcc2 = 0;
        for (let ky: i64 = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx: i64 = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx;
            if (ix < 0 || ix >= W) continue;
            const xv = load<i64>(x + <usize>(((iy * W + ix) * C + c) << 3));
            const kv = load<i64>(k + <usize>(((ky * kw + kx) * cout + o) << 3));
            dwAccAdd(xv, kv);
          }
        }
        store<i64>(p, dwAccRescale(<i32>F, load<i64>(bias + <usize>(o << 3))));
        p += 8;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// int8 mode.

/** int8 validation shared by both variants: shape, lengths (x, kernel, bias), zx. Returns Cout. */
function checkDepthwiseI8(
  xLen: i64, zx: i64, H: i64, W: i64, C: i64, kLen: i64, biasLen: i64, mult: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64,
): i64 {
  const cout = checkDepthwiseShape(H, W, C, mult, kh, kw, sh, sw, padding);
  if (xLen != H * W * C) throwShapeMismatch(H * W * C, xLen);
  if (kLen != kh * kw * cout) throwShapeMismatch(kh * kw * cout, kLen);
  if (biasLen != cout) throwShapeMismatch(cout, biasLen);
  int8Check(zx);
  return cout;
}

/** The int8 accumulator of one output (numerics §4.1): bias + Σ over the valid taps of (x − zx)·w. */
function dwI8Acc(
  x: usize, zx: i64, H: i64, W: i64, C: i64, k: usize, biasV: i64, cout: i64, mult: i64,
  kh: i64, kw: i64, iy0: i64, ix0: i64, o: i64,
): i64 {
  const c = o / mult;
  let acc = biasV;
  for (let ky: i64 = 0; ky < kh; ky++) {
    const iy = iy0 + ky;
    if (iy < 0 || iy >= H) continue; // padding holds zx: (zx − zx)·w = 0
    for (let kx: i64 = 0; kx < kw; kx++) {
      const ix = ix0 + kx;
      if (ix < 0 || ix >= W) continue;
      // |term| ≤ 255·128 < 2^15, fewer than 2^31 taps: exact in i64 (numerics §4.1)
      acc += (<i64>load<i8>(x + <usize>((iy * W + ix) * C + c)) - zx) * <i64>load<i8>(k + <usize>((ky * kw + kx) * cout + o));
    }
  }
  return acc;
}

/**
 * int8 depthwise accumulators (numerics §4.1, §5): `acc[oy][ox][o] = bias[o] + Σ (x − zx)·k[·][·][o]`
 * over the window of input channel ⌊o/mult⌋, padding = zx (contributes 0). Exact. Kernel int8
 * row-major [kh][kw][C][mult], bias int32. Writes Ho·Wo·C·mult int64 at `out`.
 */
export function depthwiseConv2dI8(
  x: usize, xLen: i64, zx: i64, H: i64, W: i64, C: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, mult: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64, out: usize,
): void {
  const cout = checkDepthwiseI8(xLen, zx, H, W, C, kLen, biasLen, mult, kh, kw, sh, sw, padding);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let p: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let o: i64 = 0; o < cout; o++) {
        const b = <i64>load<i32>(bias + <usize>(o << 2));
        store<i64>(p, dwI8Acc(x, zx, H, W, C, k, b, cout, mult, kh, kw, oy * sh - pt, ox * sw - pl, o));
        p += 8;
      }
    }
  }
}

/**
 * Fused int8 depthwise convolution + per-output-channel requantization (numerics §4.1, §4.3, §5):
 * `y[oy][ox][o] = requantize(acc[oy][ox][o], M[o], shift[o], zOut)`. M and shift are int64 arrays of
 * Cout entries. Writes Ho·Wo·C·mult int8 at `out`.
 */
export function depthwiseConv2dI8Requant(
  x: usize, xLen: i64, zx: i64, H: i64, W: i64, C: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, mult: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64,
  M: usize, mLen: i64, shift: usize, shiftLen: i64, zOut: i64, out: usize,
): void {
  const cout = checkDepthwiseI8(xLen, zx, H, W, C, kLen, biasLen, mult, kh, kw, sh, sw, padding);
  if (mLen != cout) throwShapeMismatch(cout, mLen);
  if (shiftLen != cout) throwShapeMismatch(cout, shiftLen);
  for (let o: i64 = 0; o < cout; o++) {
    int8CheckRequantization(load<i64>(M + <usize>(o << 3)), load<i64>(shift + <usize>(o << 3)));
  }
  int8Check(zOut);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let p: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let o: i64 = 0; o < cout; o++) {
        const b = <i64>load<i32>(bias + <usize>(o << 2));
        const acc = dwI8Acc(x, zx, H, W, C, k, b, cout, mult, kh, kw, oy * sh - pt, ox * sw - pl, o);
        const m = load<i64>(M + <usize>(o << 3)), s = load<i64>(shift + <usize>(o << 3));
        store<i8>(p, <i8>requantizeUnchecked(acc, m, <i32>s, zOut));
        p += 1;
      }
    }
  }
}
