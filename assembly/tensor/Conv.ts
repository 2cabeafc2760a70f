// Conv — 2-D convolution in both number modes, the oracle twin of contracts/tensor/Conv.sol.
// docs/numerics.md §5 (conv2d geometry), §3 (q accumulation and rescale), §4.1 (int8 accumulation),
// §4.3 (requantization).
//
// Layouts (row-major, batch 1): input x[H][W][Cin]; kernel k[kh][kw][Cin][Cout] (Keras); output
// y[Ho][Wo][Cout]. Pointers are WASM addresses supplied by the host; lengths are element counts.
//
// Failure conditions, checked in this order in both tiers (numerics §2):
//   InvalidShape(3)  a zero dimension (H, W, Cin, Cout, kh, kw — pooling: H, W, C, ph, pw)
//   InvalidShape(2)  a zero stride
//   InvalidShape(4)  an unknown padding mode (0 = 'valid', 1 = 'same')
//   InvalidShape(5)  too large: a dimension, window or stride ≥ 2^31, or a tensor (input, kernel,
//                    output bound H·W·Cout) of ≥ 2^31 elements — keeps all shape arithmetic exact in
//                    64 bits and rejects nothing that could run in a block
//   InvalidShape(1)  'valid' padding with a window larger than the input (H < kh or W < kw)
//   ShapeMismatch(expected, actual)  buffer lengths in parameter order (q tensors in bytes = 8·elements,
//                    int8 tensors in bytes, bias/M/shift arrays in elements)
//   ValueOutOfRange  F ∉ [0, 62] (q); zx ∉ [−128, 127] (int8)
//   InvalidRequantization(M, shift)  first output channel whose (M, shift) is outside §4.3 (fused)
//   ValueOutOfRange  zOut ∉ [−128, 127] (fused)

import { hi128, mulWide } from "./Int128";
import { INT64_MIN, INT64_MAX, countSaturation } from "./Rounding";
import { throwInvalidShape, throwShapeMismatch, throwValueOutOfRange } from "./Errors";
import { int8Check, int8CheckRequantization, requantizeUnchecked } from "./Int8Math";

/** Shape limit of InvalidShape(5): dimensions, strides, windows and element counts stay below 2^31. */
const CONV_SHAPE_LIMIT: i64 = 1 << 31;

/**
 * Output length of one spatial axis (numerics §5): 'valid' (padding = 0) `⌊(n − k)/s⌋ + 1`,
 * 'same' (padding = 1) `⌈n/s⌉`. Returns −1 when the arguments are invalid (any of n, k, s outside
 * [1, 2^31), an unknown padding mode, or a 'valid' window larger than the input). Never throws: the
 * host uses it to size output buffers; kernels validate with the errors above.
 */
export function conv2dOutDim(n: i64, k: i64, s: i64, padding: i64): i64 {
  if (n <= 0 || k <= 0 || s <= 0 || n >= CONV_SHAPE_LIMIT || k >= CONV_SHAPE_LIMIT || s >= CONV_SHAPE_LIMIT) return -1;
  if (padding == 0) return n < k ? -1 : (n - k) / s + 1;
  if (padding == 1) return (n + s - 1) / s;
  return -1;
}

/**
 * Padding before the first input row/column (numerics §5, TensorFlow's split): 0 for 'valid';
 * for 'same' `⌊pad_total/2⌋` with `pad_total = max((out − 1)·s + k − n, 0)`. Arguments as
 * `conv2dOutDim` and assumed valid.
 */
export function conv2dPadBefore(n: i64, k: i64, s: i64, padding: i64): i64 {
  if (padding == 0) return 0;
  const out = (n + s - 1) / s;
  let total = (out - 1) * s + k - n;
  if (total < 0) total = 0;
  return total >> 1;
}

// ---------------------------------------------------------------------------------------------
// Shared validation (also used by Pool.ts). The order of checks is part of the twin contract.

/** InvalidShape(3) if v = 0 (v is a dimension or window size). */
// @ts-ignore: decorator
@inline export function conv2dCheckNonZero(v: i64): void {
  if (v == 0) throwInvalidShape(3);
}

/** InvalidShape(5) unless 0 ≤ v < 2^31 (negative values are host-side wraps of huge numbers). */
// @ts-ignore: decorator
@inline export function conv2dCheckSize(v: i64): void {
  if (v < 0 || v >= CONV_SHAPE_LIMIT) throwInvalidShape(5);
}

/** Strides (code 2) and padding mode (code 4). */
export function conv2dCheckStridesPadding(sh: i64, sw: i64, padding: i64): void {
  if (sh == 0 || sw == 0) throwInvalidShape(2);
  if (padding != 0 && padding != 1) throwInvalidShape(4);
}

/** 'valid' window larger than the input (code 1). Call after all other shape checks. */
export function conv2dCheckWindow(H: i64, W: i64, kh: i64, kw: i64, padding: i64): void {
  if (padding == 0 && (H < kh || W < kw)) throwInvalidShape(1);
}

/** Element count a·b·c with InvalidShape(5) at ≥ 2^31 (inputs already < 2^31, so no i64 overflow). */
export function conv2dCount3(a: i64, b: i64, c: i64): i64 {
  let n = a * b;
  if (n >= CONV_SHAPE_LIMIT) throwInvalidShape(5);
  n *= c;
  if (n >= CONV_SHAPE_LIMIT) throwInvalidShape(5);
  return n;
}

/** Validates a convolution's shape (codes 3, 2, 4, 5, 1 in that order). Returns K = kh·kw·Cin. */
function checkConvShape(H: i64, W: i64, Cin: i64, Cout: i64, kh: i64, kw: i64, sh: i64, sw: i64, padding: i64): i64 {
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(Cin);
  conv2dCheckNonZero(Cout); conv2dCheckNonZero(kh); conv2dCheckNonZero(kw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(Cin); conv2dCheckSize(Cout);
  conv2dCheckSize(kh); conv2dCheckSize(kw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  conv2dCount3(H, W, Cin);
  const K = conv2dCount3(kh, kw, Cin);
  if (K * Cout >= CONV_SHAPE_LIMIT) throwInvalidShape(5);
  conv2dCount3(H, W, Cout);
  conv2dCheckWindow(H, W, kh, kw, padding);
  return K;
}

// ---------------------------------------------------------------------------------------------
// q mode: exact 192-bit accumulation (numerics §3), three limbs (acc2: signed top).

let acc0: u64 = 0;
let acc1: u64 = 0;
let acc2: i64 = 0;

/** acc += a·b exactly (the 128-bit product sign-extended to 192 bits). */
// @ts-ignore: decorator
@inline function accAddProduct(a: i64, b: i64): void {
  const lo = mulWide(a, b);
  const hi = hi128;
  const s0 = acc0 + lo;
  const c0: u64 = s0 < lo ? 1 : 0;
  const s1 = acc1 + <u64>hi;
  const c1: u64 = s1 < <u64>hi ? 1 : 0;
  const s1c = s1 + c0;
  const c1c: u64 = s1c < s1 ? 1 : 0;
  acc0 = s0;
  acc1 = s1c;
  acc2 += (hi >> 63) + <i64>c1 + <i64>c1c;
}

/** sat64(rshiftRound(acc, F) + bias) for the 192-bit accumulator, 0 ≤ F ≤ 62 (numerics §1, §3). */
function accRescale(F: i32, bias: i64): i64 {
  let a0 = acc0, a1 = acc1, a2 = acc2;
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
  // + bias (sign-extended to 192 bits)
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
 * q-mode convolution (numerics §5 geometry, §3 accumulation):
 * `y[oy][ox][co] = sat64(rshiftRound(Σ_{ky,kx,ci} x[iy][ix][ci]·k[ky][kx][ci][co], F) + bias[co])`
 * with `iy = oy·sh − pad_top + ky`, `ix = ox·sw − pad_left + kx`; padded positions are 0 (skipped).
 * Exact accumulation (192-bit), one RHAZ rescale, saturation counted. Writes Ho·Wo·Cout int64 at `out`.
 */
export function conv2dQ(
  x: usize, xLen: i64, H: i64, W: i64, Cin: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, Cout: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64, F: i64, out: usize,
): void {
  const K = checkConvShape(H, W, Cin, Cout, kh, kw, sh, sw, padding);
  if (xLen != H * W * Cin) throwShapeMismatch(H * W * Cin * 8, xLen * 8);
  if (kLen != K * Cout) throwShapeMismatch(K * Cout * 8, kLen * 8);
  if (biasLen != Cout) throwShapeMismatch(Cout * 8, biasLen * 8);
  if (F < 0 || F > 62) throwValueOutOfRange(F);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let o: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let co: i64 = 0; co < Cout; co++) {
        acc0 = 0; acc1 = 0; acc2 = 0;
        for (let ky: i64 = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx: i64 = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx;
            if (ix < 0 || ix >= W) continue;
            const xRow = x + <usize>(((iy * W + ix) * Cin) << 3);
            const kRow = k + <usize>((((ky * kw + kx) * Cin) * Cout + co) << 3);
            for (let ci: i64 = 0; ci < Cin; ci++) {
              accAddProduct(load<i64>(xRow + <usize>(ci << 3)), load<i64>(kRow + <usize>((ci * Cout) << 3)));
            }
          }
        }
        store<i64>(o, accRescale(<i32>F, load<i64>(bias + <usize>(co << 3))));
        o += 8;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// int8 mode.

/** int8 accumulator of one output (numerics §4.1): bias + Σ over valid taps of (x − zx)·w. */
function i8Acc(
  x: usize, zx: i64, H: i64, W: i64, Cin: i64, k: usize, biasV: i64, Cout: i64,
  kh: i64, kw: i64, iy0: i64, ix0: i64, co: i64,
): i64 {
  let acc = biasV;
  for (let ky: i64 = 0; ky < kh; ky++) {
    const iy = iy0 + ky;
    if (iy < 0 || iy >= H) continue; // padding holds z_x: (z_x − z_x)·w = 0
    for (let kx: i64 = 0; kx < kw; kx++) {
      const ix = ix0 + kx;
      if (ix < 0 || ix >= W) continue;
      const xRow = x + <usize>((iy * W + ix) * Cin);
      const kRow = k + <usize>(((ky * kw + kx) * Cin) * Cout + co);
      for (let ci: i64 = 0; ci < Cin; ci++) {
        // |term| ≤ 255·128 < 2^15 and K < 2^31 terms: |acc| < 2^47, exact in i64 (numerics §4.1)
        acc += (<i64>load<i8>(xRow + <usize>ci) - zx) * <i64>load<i8>(kRow + <usize>(ci * Cout));
      }
    }
  }
  return acc;
}

/** Shared int8 validation: shape, lengths (x, kernel row-major, bias), zx. Returns nothing. */
function checkConvI8(
  xLen: i64, zx: i64, H: i64, W: i64, Cin: i64, kLen: i64, biasLen: i64, Cout: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64,
): void {
  const K = checkConvShape(H, W, Cin, Cout, kh, kw, sh, sw, padding);
  if (xLen != H * W * Cin) throwShapeMismatch(H * W * Cin, xLen);
  if (kLen != K * Cout) throwShapeMismatch(K * Cout, kLen);
  if (biasLen != Cout) throwShapeMismatch(Cout, biasLen);
  int8Check(zx);
}

/**
 * int8 convolution accumulators (numerics §4.1, §5): `acc[oy][ox][co] = bias[co] + Σ (x − zx)·k`
 * over the window, padding = zx (contributes 0). Exact. Kernel row-major [kh][kw][Cin][Cout] int8,
 * bias int32. Writes Ho·Wo·Cout int64 at `out`.
 */
export function conv2dI8(
  x: usize, xLen: i64, zx: i64, H: i64, W: i64, Cin: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, Cout: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64, out: usize,
): void {
  checkConvI8(xLen, zx, H, W, Cin, kLen, biasLen, Cout, kh, kw, sh, sw, padding);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let o: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let co: i64 = 0; co < Cout; co++) {
        const b = <i64>load<i32>(bias + <usize>(co << 2));
        store<i64>(o, i8Acc(x, zx, H, W, Cin, k, b, Cout, kh, kw, oy * sh - pt, ox * sw - pl, co));
        o += 8;
      }
    }
  }
}

/**
 * Fused int8 convolution + per-output-channel requantization (numerics §4.1, §4.3, §5):
 * `y[oy][ox][co] = requantize(acc[oy][ox][co], M[co], shift[co], zOut)`. M and shift are int64
 * arrays of Cout entries. Writes Ho·Wo·Cout int8 at `out`.
 */
export function conv2dI8Requant(
  x: usize, xLen: i64, zx: i64, H: i64, W: i64, Cin: i64,
  k: usize, kLen: i64, bias: usize, biasLen: i64, Cout: i64,
  kh: i64, kw: i64, sh: i64, sw: i64, padding: i64,
  M: usize, mLen: i64, shift: usize, shiftLen: i64, zOut: i64, out: usize,
): void {
  checkConvI8(xLen, zx, H, W, Cin, kLen, biasLen, Cout, kh, kw, sh, sw, padding);
  if (mLen != Cout) throwShapeMismatch(Cout, mLen);
  if (shiftLen != Cout) throwShapeMismatch(Cout, shiftLen);
  for (let co: i64 = 0; co < Cout; co++) {
    int8CheckRequantization(load<i64>(M + <usize>(co << 3)), load<i64>(shift + <usize>(co << 3)));
  }
  int8Check(zOut);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  const pt = conv2dPadBefore(H, kh, sh, padding), pl = conv2dPadBefore(W, kw, sw, padding);
  let o: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    for (let ox: i64 = 0; ox < Wo; ox++) {
      for (let co: i64 = 0; co < Cout; co++) {
        const b = <i64>load<i32>(bias + <usize>(co << 2));
        const acc = i8Acc(x, zx, H, W, Cin, k, b, Cout, kh, kw, oy * sh - pt, ox * sw - pl, co);
        const m = load<i64>(M + <usize>(co << 3)), s = load<i64>(shift + <usize>(co << 3));
        store<i8>(o, <i8>requantizeUnchecked(acc, m, <i32>s, zOut));
        o += 1;
      }
    }
  }
}
