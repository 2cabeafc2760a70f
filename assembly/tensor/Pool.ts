// Pool — 2-D max and average pooling in both number modes, the oracle twin of
// contracts/tensor/Pool.sol. docs/numerics.md §5 (maxPool2d, avgPool2d; geometry as conv2d).
//
// Input x[H][W][C] (HWC, batch 1), window ph×pw, strides (sh, sw) — Keras `pool_size` and `strides`
// are distinct parameters — padding 0 = 'valid', 1 = 'same'. Output y[Ho][Wo][C].
// Padded positions are ignored: max pooling takes the maximum of the window's valid positions
// (padding is −∞, never 0), average pooling divides their sum by their count with divRound (padding
// excluded, as TensorFlow does). Every window of a valid geometry holds ≥ 1 valid position.
//
// Failure conditions, in this order in both tiers: InvalidShape(3) a zero H, W, C, ph or pw;
// InvalidShape(2) a zero stride; InvalidShape(4) an unknown padding mode; InvalidShape(5) a
// dimension, window or stride ≥ 2^31 or H·W·C ≥ 2^31; InvalidShape(1) 'valid' with ph > H or pw > W;
// ShapeMismatch(expected, actual) for the input length (bytes: 8·elements for q, elements for int8).

import {
  conv2dOutDim,
  conv2dPadBefore,
  conv2dCheckNonZero,
  conv2dCheckSize,
  conv2dCheckStridesPadding,
  conv2dCheckWindow,
  conv2dCount3,
} from "./Conv";
import { divRound } from "./Rounding";
import { throwShapeMismatch } from "./Errors";

/** Validates a pooling shape (codes 3, 2, 4, 5, 1). Returns H·W·C. */
function checkPoolShape(H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64): i64 {
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(C);
  conv2dCheckNonZero(ph); conv2dCheckNonZero(pw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(C); conv2dCheckSize(ph);
  conv2dCheckSize(pw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  const n = conv2dCount3(H, W, C);
  conv2dCheckWindow(H, W, ph, pw, padding);
  return n;
}

// Valid window of the current output position (set by `span`).
let spanStart: i64 = 0; // first valid input index
let spanEnd: i64 = 0; // one past the last valid input index

/** Valid input range of the window of output `o` along one axis: [o·s − pad, o·s − pad + k) ∩ [0, n). */
// @ts-ignore: decorator
@inline function span(o: i64, s: i64, pad: i64, k: i64, n: i64): void {
  const start = o * s - pad;
  spanStart = start < 0 ? 0 : start;
  spanEnd = start + k > n ? n : start + k;
}

/** Shared loop: mode bit 0 = q (int64) else int8; bit 1 = average else max. */
function pool(x: usize, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, out: usize, mode: i32): void {
  const isQ = (mode & 1) != 0;
  const isAvg = (mode & 2) != 0;
  const Ho = conv2dOutDim(H, ph, sh, padding), Wo = conv2dOutDim(W, pw, sw, padding);
  const pt = conv2dPadBefore(H, ph, sh, padding), pl = conv2dPadBefore(W, pw, sw, padding);
  let o: usize = out;
  for (let oy: i64 = 0; oy < Ho; oy++) {
    span(oy, sh, pt, ph, H);
    const y0 = spanStart, y1 = spanEnd;
    for (let ox: i64 = 0; ox < Wo; ox++) {
      span(ox, sw, pl, pw, W);
      const x0 = spanStart, x1 = spanEnd;
      const count = (y1 - y0) * (x1 - x0); // ≥ 1 (see the header)
      for (let c: i64 = 0; c < C; c++) {
        let result: i64;
        if (isQ) {
          if (isAvg) {
            // Exact sum in 128 bits (|sum| < 2^63·2^31), then RHAZ division by the count.
            let lo: u64 = 0, hi: i64 = 0;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const v = load<i64>(x + <usize>(((iy * W + ix) * C + c) << 3));
                const s = lo + <u64>v;
                hi += (v >> 63) + <i64>(s < lo ? 1 : 0);
                lo = s;
              }
            }
            result = divRound128By31(hi, lo, count);
          } else {
            let m: i64 = i64.MIN_VALUE;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const v = load<i64>(x + <usize>(((iy * W + ix) * C + c) << 3));
                if (v > m) m = v;
              }
            }
            result = m;
          }
          store<i64>(o, result);
          o += 8;
        } else {
          let acc: i64 = isAvg ? 0 : -128;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const v = <i64>load<i8>(x + <usize>((iy * W + ix) * C + c));
              if (isAvg) acc += v; // |sum| < 128·2^31: exact
              else if (v > acc) acc = v;
            }
          }
          // divRound of int8 values by their count lies in [−128, 127]: no saturation possible
          result = isAvg ? divRound(acc, count) : acc;
          store<i8>(o, <i8>result);
          o += 1;
        }
      }
    }
  }
}

/**
 * RHAZ(v / d) for a 128-bit v = (hi, lo) with |v| < 2^94 and 1 ≤ d < 2^31 (numerics §1 divRound),
 * for quotients that fit int64 (a mean of int64 values). Long division on 32-bit limbs of |v|.
 */
function divRound128By31(hi: i64, lo: u64, d: i64): i64 {
  const negative = hi < 0;
  let mh: u64 = <u64>hi, ml: u64 = lo;
  if (negative) {
    ml = ~lo + 1;
    mh = ~(<u64>hi) + (ml == 0 ? 1 : 0);
  }
  const ud = <u64>d;
  // Limbs of |v| from the top (32 bits each); r < d < 2^31 keeps every partial dividend below 2^63.
  let cur: u64 = mh >> 32;
  let q: u64 = cur / ud;
  let r: u64 = cur % ud;
  cur = (r << 32) | (mh & 0xffffffff);
  q = (q << 32) | (cur / ud);
  r = cur % ud;
  cur = (r << 32) | (ml >> 32);
  q = (q << 32) | (cur / ud);
  r = cur % ud;
  cur = (r << 32) | (ml & 0xffffffff);
  q = (q << 32) | (cur / ud);
  r = cur % ud;
  if (r >= ud - r) q += 1; // 2r ≥ d
  return negative ? <i64>(0 - q) : <i64>q;
}

/** Max pooling, q mode (numerics §5): y = max of the window's valid positions. Exact. */
export function maxPool2dQ(x: usize, xLen: i64, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, out: usize): void {
  const n = checkPoolShape(H, W, C, ph, pw, sh, sw, padding);
  if (xLen != n) throwShapeMismatch(n * 8, xLen * 8);
  pool(x, H, W, C, ph, pw, sh, sw, padding, out, 1);
}

/** Max pooling, int8 mode (numerics §4.4, §5): on the raw int8 values (same scale in and out). Exact. */
export function maxPool2dI8(x: usize, xLen: i64, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, out: usize): void {
  const n = checkPoolShape(H, W, C, ph, pw, sh, sw, padding);
  if (xLen != n) throwShapeMismatch(n, xLen);
  pool(x, H, W, C, ph, pw, sh, sw, padding, out, 0);
}

/** Average pooling, q mode (numerics §5): divRound(Σ valid positions, their count), exact sum. */
export function avgPool2dQ(x: usize, xLen: i64, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, out: usize): void {
  const n = checkPoolShape(H, W, C, ph, pw, sh, sw, padding);
  if (xLen != n) throwShapeMismatch(n * 8, xLen * 8);
  pool(x, H, W, C, ph, pw, sh, sw, padding, out, 3);
}

/** Average pooling, int8 mode (numerics §5): divRound(Σ raw int8 values, count); same scale/zero point. */
export function avgPool2dI8(x: usize, xLen: i64, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, out: usize): void {
  const n = checkPoolShape(H, W, C, ph, pw, sh, sw, padding);
  if (xLen != n) throwShapeMismatch(n, xLen);
  pool(x, H, W, C, ph, pw, sh, sw, padding, out, 2);
}
