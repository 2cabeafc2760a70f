// MatVec — dot, matvec and matmul in both number modes: docs/numerics.md §3, §4.1, §4.2, §5.
// Twin of contracts/tensor/MatVec.sol: the same integers and the same failures in the same order
// ((1) buffer lengths in argument order, (2) scalar parameters and per-channel vectors in argument order).
//
// Buffers arrive as pointers into WASM memory with their element counts:
//   q tensors   — i64 arrays (the host decodes the 8-byte big-endian encoding);
//   int8        — i8 arrays (row-major; matvecI8's weights in the panel layout of §4.2);
//   int vectors — i64 arrays (bias, multipliers, shifts, accumulators).
// ShapeMismatch arguments are the lengths the EVM sees: bytes for packed tensors (8 per q element),
// entries for int256[] vectors.
//
// The oracle computes the definitions directly (no SWAR): it is the living definition the fast
// Solidity kernels are proven equal to.

import { hi128, mulWide, neg128 } from "./Int128";
import { INT64_MIN, INT64_MAX, countSaturation, sat64From128 } from "./Rounding";
import { throwShapeMismatch, throwValueOutOfRange } from "./Errors";
import { int8Check, int8CheckRequantization, requantizeUnchecked } from "./Int8Math";

/** Largest number of fractional bits of the q rescale (numerics §3.1). */
const MATVEC_MAX_F: i32 = 62;
/** int8 biases are 32-bit: |bias| < 2^31 (numerics §4). */
const MATVEC_BIAS_LIMIT: i64 = 2147483648;
/** Outputs per SWAR panel (numerics §4.2). */
const MATVEC_PANEL: i64 = 32;

// ------------------------------------------------------------------------------------------------
// The exact 192-bit accumulator of numerics §3: acc = accHi·2^128 + accMid·2^64 + accLo (two's
// complement over the three limbs). Sums of up to 2^62 products of magnitude ≤ 2^126 cannot wrap.

let accLo: u64 = 0;
let accMid: u64 = 0;
let accHi: i64 = 0;

// @ts-ignore: decorator
@inline function accReset(): void {
  accLo = 0;
  accMid = 0;
  accHi = 0;
}

/** acc += a·b (exact: the 128-bit product sign-extended to 192 bits, carries propagated). */
// @ts-ignore: decorator
@inline function accAddProduct(a: i64, b: i64): void {
  const pl = mulWide(a, b);
  const ph = hi128;
  const lo = accLo + pl;
  const c0: u64 = lo < pl ? 1 : 0;
  const phu = <u64>ph;
  const mid1 = accMid + phu;
  const c1: u64 = mid1 < phu ? 1 : 0;
  const mid = mid1 + c0;
  const c2: u64 = mid < mid1 ? 1 : 0;
  accLo = lo;
  accMid = mid;
  // ph >> 63 is the sign extension of the product into the top limb.
  accHi += (ph >> 63) + <i64>(c1 + c2);
}

/**
 * sat64(rshiftRound(acc, F) + bias), 0 ≤ F ≤ 62 — numerics §1, §3. RHAZ on the magnitude:
 * sign(acc)·floor((|acc| + 2^(F−1)) / 2^F); one saturation (counted) if the sum leaves int64.
 */
function accFinish(F: i32, bias: i64): i64 {
  const negative = accHi < 0;
  let m0 = accLo, m1 = accMid, m2 = <u64>accHi;
  if (negative) {
    m0 = ~m0 + 1;
    m1 = ~m1;
    m2 = ~m2;
    if (m0 == 0) {
      m1 += 1;
      if (m1 == 0) m2 += 1;
    }
  }
  if (F > 0) {
    const half: u64 = (<u64>1) << <u64>(F - 1);
    const t = m0 + half;
    if (t < m0) {
      m1 += 1;
      if (m1 == 0) m2 += 1;
    }
    const f = <u64>F;
    const g = <u64>(64 - F); // 2..63: no shift by 64
    m0 = (t >> f) | (m1 << g);
    m1 = (m1 >> f) | (m2 << g);
    m2 = m2 >> f;
  }
  // |rounded| ≥ 2^64 saturates whatever the bias (|bias| ≤ 2^63).
  if (m1 != 0 || m2 != 0) {
    countSaturation();
    return negative ? INT64_MIN : INT64_MAX;
  }
  let lo: u64 = m0;
  let hi: i64 = 0;
  if (negative) {
    lo = neg128(0, m0);
    hi = hi128;
  }
  const l2 = lo + <u64>bias;
  const carry: i64 = l2 < lo ? 1 : 0;
  return sat64From128(hi + (bias >> 63) + carry, l2);
}

// @ts-ignore: decorator
@inline function matvecCheckF(F: i32): void {
  if (F < 0 || F > MATVEC_MAX_F) throwValueOutOfRange(<i64>F);
}

// @ts-ignore: decorator
@inline function matvecRequireLength(expected: i64, actual: i64): void {
  if (expected != actual) throwShapeMismatch(expected, actual);
}

// ------------------------------------------------------------------------------------------------
// q mode

/**
 * sat64(rshiftRound(Σ a[i]·b[i], F)) — numerics §3, §5. ShapeMismatch(8·aLen, 8·bLen) when the lengths
 * differ; ValueOutOfRange(F) unless 0 ≤ F ≤ 62.
 */
export function dotQ(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, F: i32): i64 {
  matvecRequireLength(<i64>aLen * 8, <i64>bLen * 8);
  matvecCheckF(F);
  accReset();
  for (let i = 0; i < aLen; i++) {
    accAddProduct(load<i64>(aPtr + (<usize>i << 3)), load<i64>(bPtr + (<usize>i << 3)));
  }
  return accFinish(F, 0);
}

/**
 * y[o] = sat64(rshiftRound(Σ_i x[i]·W[i][o], F) + bias[o]) — numerics §3, §5. x: K, W: K×N row-major,
 * bias: N q elements; y: N. Validation: x, W, bias lengths (ShapeMismatch in bytes), then F.
 */
export function matvecQ(xPtr: usize, xLen: i32, wPtr: usize, wLen: i32, bPtr: usize, bLen: i32, K: i32, N: i32, F: i32, yPtr: usize): void {
  matvecRequireLength(<i64>K * 8, <i64>xLen * 8);
  matvecRequireLength(<i64>K * <i64>N * 8, <i64>wLen * 8);
  matvecRequireLength(<i64>N * 8, <i64>bLen * 8);
  matvecCheckF(F);
  matvecQRows(xPtr, wPtr, bPtr, K, N, F, yPtr);
}

/** The q matvec without validation (bPtr = 0: no bias). */
function matvecQRows(xPtr: usize, wPtr: usize, bPtr: usize, K: i32, N: i32, F: i32, yPtr: usize): void {
  for (let o = 0; o < N; o++) {
    accReset();
    for (let i = 0; i < K; i++) {
      const w = load<i64>(wPtr + ((<usize>i * <usize>N + <usize>o) << 3));
      accAddProduct(load<i64>(xPtr + (<usize>i << 3)), w);
    }
    const bias: i64 = bPtr != 0 ? load<i64>(bPtr + (<usize>o << 3)) : 0;
    store<i64>(yPtr + (<usize>o << 3), accFinish(F, bias));
  }
}

/**
 * C[r][o] = sat64(rshiftRound(Σ_i A[r][i]·B[i][o], F)) — numerics §3, §5 (M matvecs, no bias).
 * Validation: A (M·K), B (K·N) lengths, then F.
 */
export function matmulQ(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, M: i32, K: i32, N: i32, F: i32, cPtr: usize): void {
  matvecRequireLength(<i64>M * <i64>K * 8, <i64>aLen * 8);
  matvecRequireLength(<i64>K * <i64>N * 8, <i64>bLen * 8);
  matvecCheckF(F);
  for (let r = 0; r < M; r++) {
    matvecQRows(aPtr + ((<usize>r * <usize>K) << 3), bPtr, 0, K, N, F, cPtr + ((<usize>r * <usize>N) << 3));
  }
}

// ------------------------------------------------------------------------------------------------
// int8 mode

/** Byte length of the panel layout of a K×N int8 matrix: ⌈N/32⌉·32·K (numerics §4.2). */
export function panelBytesI8(K: i32, N: i32): i64 {
  return ((<i64>N + MATVEC_PANEL - 1) / MATVEC_PANEL) * MATVEC_PANEL * <i64>K;
}

/** Σ_i (x[i] − zx)·W[i][o] from the panel layout: W[i][o] is byte o mod 32 of word (⌊o/32⌋·K + i). */
function dotPanelI8(xPtr: usize, zx: i64, wPtr: usize, K: i32, o: i32): i64 {
  const col: usize = <usize>(o & 31);
  let p: usize = wPtr + (((<usize>(o >> 5)) * <usize>K) << 5) + col;
  let acc: i64 = 0;
  for (let i = 0; i < K; i++) {
    // |x − zx| ≤ 255, |w| ≤ 128: each term < 2^15, so i64 is exact for any K < 2^48 (numerics §4.1).
    acc += (<i64>load<i8>(xPtr + <usize>i) - zx) * <i64>load<i8>(p);
    p += 32;
  }
  return acc;
}

/** Validation shared by matvecI8 and matvecI8Requant: x, W, bias lengths. */
function matvecI8CheckShapes(xLen: i32, wLen: i32, bLen: i32, K: i32, N: i32): void {
  matvecRequireLength(<i64>K, <i64>xLen);
  matvecRequireLength(panelBytesI8(K, N), <i64>wLen);
  matvecRequireLength(<i64>N, <i64>bLen);
}

/** ValueOutOfRange(bias[o]) unless |bias[o]| < 2^31, in channel order. */
function matvecI8CheckBias(bPtr: usize, N: i32): void {
  for (let o = 0; o < N; o++) {
    const b = load<i64>(bPtr + (<usize>o << 3));
    if (b <= -MATVEC_BIAS_LIMIT || b >= MATVEC_BIAS_LIMIT) throwValueOutOfRange(b);
  }
}

/**
 * acc[o] = bias[o] + Σ_i (x[i] − zx)·W[i][o] — numerics §4.1 (the result of the §4.2 kernel).
 * x: K int8; W: panel layout (⌈N/32⌉·32·K bytes); bias: N i64; acc: N i64 out.
 * Validation: x, W, bias lengths; zx int8; |bias[o]| < 2^31.
 */
export function matvecI8(xPtr: usize, xLen: i32, zx: i64, wPtr: usize, wLen: i32, bPtr: usize, bLen: i32, K: i32, N: i32, accPtr: usize): void {
  matvecI8CheckShapes(xLen, wLen, bLen, K, N);
  int8Check(zx);
  matvecI8CheckBias(bPtr, N);
  for (let o = 0; o < N; o++) {
    const b = load<i64>(bPtr + (<usize>o << 3));
    store<i64>(accPtr + (<usize>o << 3), b + dotPanelI8(xPtr, zx, wPtr, K, o));
  }
}

/**
 * y[o] = requantize(acc[o], multipliers[o], shifts[o], zOut) with acc as matvecI8 — numerics §4.1–§4.3.
 * Validation: x, W, bias, multipliers, shifts lengths; zx; bias values; (multiplier, shift) by channel; zOut.
 */
export function matvecI8Requant(
  xPtr: usize, xLen: i32, zx: i64, wPtr: usize, wLen: i32, bPtr: usize, bLen: i32,
  mPtr: usize, mLen: i32, sPtr: usize, sLen: i32, zOut: i64, K: i32, N: i32, yPtr: usize,
): void {
  matvecI8CheckShapes(xLen, wLen, bLen, K, N);
  matvecRequireLength(<i64>N, <i64>mLen);
  matvecRequireLength(<i64>N, <i64>sLen);
  int8Check(zx);
  matvecI8CheckBias(bPtr, N);
  for (let o = 0; o < N; o++) {
    int8CheckRequantization(load<i64>(mPtr + (<usize>o << 3)), load<i64>(sPtr + (<usize>o << 3)));
  }
  int8Check(zOut);
  for (let o = 0; o < N; o++) {
    const acc = load<i64>(bPtr + (<usize>o << 3)) + dotPanelI8(xPtr, zx, wPtr, K, o);
    const m = load<i64>(mPtr + (<usize>o << 3));
    const s = <i32>load<i64>(sPtr + (<usize>o << 3));
    store<i8>(yPtr + <usize>o, <i8>requantizeUnchecked(acc, m, s, zOut));
  }
}

/**
 * C[r][o] = Σ_i (A[r][i] − za)·B[i][o] — numerics §4.1, §5 (M int8 matvecs, no bias).
 * A: M×K int8, B: K×N int8 row-major; C: M·N i64. Validation: A, B lengths; za.
 */
export function matmulI8(aPtr: usize, aLen: i32, za: i64, bPtr: usize, bLen: i32, M: i32, K: i32, N: i32, cPtr: usize): void {
  matvecRequireLength(<i64>M * <i64>K, <i64>aLen);
  matvecRequireLength(<i64>K * <i64>N, <i64>bLen);
  int8Check(za);
  for (let r = 0; r < M; r++) {
    const row = aPtr + <usize>r * <usize>K;
    for (let o = 0; o < N; o++) {
      let acc: i64 = 0;
      for (let i = 0; i < K; i++) {
        acc += (<i64>load<i8>(row + <usize>i) - za) * <i64>load<i8>(bPtr + <usize>i * <usize>N + <usize>o);
      }
      store<i64>(cPtr + ((<usize>r * <usize>N + <usize>o) << 3), acc);
    }
  }
}
