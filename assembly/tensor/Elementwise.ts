// Elementwise — elementwise ops over tensors in both number modes: docs/numerics.md §3.1 and §4.3–§4.4
// applied per element. Twin of contracts/tensor/Elementwise.sol: the same integers and the same failures
// in the same order ((1) buffer lengths, (2) scalar and per-channel parameters in argument order).
//
// Buffers arrive as pointers with element counts: q tensors as i64 arrays, int8 tensors as i8 arrays,
// int vectors (accumulators, multipliers, shifts) as i64 arrays. ShapeMismatch arguments are the
// lengths the EVM sees: bytes for packed tensors (8 per q element), entries for int256[] vectors.

import { mulShiftRound, satAdd64, satSub64 } from "./Rounding";
import { throwShapeMismatch, throwValueOutOfRange } from "./Errors";
import {
  int8Check, int8CheckAddMultiplier, int8CheckAddShift, int8CheckClampBounds, int8CheckRequantization, int8CheckScale,
  requantizeUnchecked, addI8Unchecked, dequantizeI8Unchecked,
} from "./Int8Math";

/** Largest number of fractional bits of mulQ (numerics §3.1). */
const ELEMENTWISE_MAX_F: i32 = 62;

// @ts-ignore: decorator
@inline function elementwiseRequireLength(expected: i64, actual: i64): void {
  if (expected != actual) throwShapeMismatch(expected, actual);
}

// ------------------------------------------------------------------------------------------------
// q mode

/** y[i] = sat64(a[i] + b[i]) — numerics §3.1 qAdd. ShapeMismatch(8·aLen, 8·bLen) unless equal lengths. */
export function addQ(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, yPtr: usize): void {
  elementwiseRequireLength(<i64>aLen * 8, <i64>bLen * 8);
  for (let i = 0; i < aLen; i++) {
    const off = <usize>i << 3;
    store<i64>(yPtr + off, satAdd64(load<i64>(aPtr + off), load<i64>(bPtr + off)));
  }
}

/** y[i] = sat64(a[i] − b[i]) — numerics §3.1 qSub. */
export function subQ(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, yPtr: usize): void {
  elementwiseRequireLength(<i64>aLen * 8, <i64>bLen * 8);
  for (let i = 0; i < aLen; i++) {
    const off = <usize>i << 3;
    store<i64>(yPtr + off, satSub64(load<i64>(aPtr + off), load<i64>(bPtr + off)));
  }
}

/** y[i] = sat64(rshiftRound(a[i]·b[i], F)) — numerics §3.1 qMul. Lengths, then ValueOutOfRange(F) unless 0 ≤ F ≤ 62. */
export function mulQ(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, F: i32, yPtr: usize): void {
  elementwiseRequireLength(<i64>aLen * 8, <i64>bLen * 8);
  if (F < 0 || F > ELEMENTWISE_MAX_F) throwValueOutOfRange(<i64>F);
  for (let i = 0; i < aLen; i++) {
    const off = <usize>i << 3;
    store<i64>(yPtr + off, mulShiftRound(load<i64>(aPtr + off), load<i64>(bPtr + off), F));
  }
}

/** y[i] = min(max(x[i], lo), hi) — numerics §3.1 qClamp. ValueOutOfRange(lo) when lo > hi. */
export function clampQ(xPtr: usize, n: i32, lo: i64, hi: i64, yPtr: usize): void {
  if (lo > hi) throwValueOutOfRange(lo);
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 3;
    const v = load<i64>(xPtr + off);
    store<i64>(yPtr + off, v < lo ? lo : v > hi ? hi : v);
  }
}

// ------------------------------------------------------------------------------------------------
// int8 mode

/**
 * y[i] = addI8(a[i], za, ma, b[i], zb, mb, shift, zo) — numerics §4.4.
 * Validation: lengths; then za, ma, zb, mb, shift, zo as addI8.
 */
export function addI8Tensor(aPtr: usize, aLen: i32, za: i64, ma: i64, bPtr: usize, bLen: i32, zb: i64, mb: i64, shift: i64, zo: i64, yPtr: usize): void {
  elementwiseRequireLength(<i64>aLen, <i64>bLen);
  int8Check(za);
  int8CheckAddMultiplier(ma, shift);
  int8Check(zb);
  int8CheckAddMultiplier(mb, shift);
  int8CheckAddShift(ma, shift);
  int8Check(zo);
  const s = <i32>shift;
  for (let i = 0; i < aLen; i++) {
    const a = <i64>load<i8>(aPtr + <usize>i);
    const b = <i64>load<i8>(bPtr + <usize>i);
    store<i8>(yPtr + <usize>i, <i8>addI8Unchecked(a, za, ma, b, zb, mb, s, zo));
  }
}

/**
 * y[i] = mulI8(a[i], za, b[i], zb, m, shift, zo) — numerics §4.4.
 * Validation: lengths; then za, zb, (m, shift), zo.
 */
export function mulI8Tensor(aPtr: usize, aLen: i32, za: i64, bPtr: usize, bLen: i32, zb: i64, m: i64, shift: i64, zo: i64, yPtr: usize): void {
  elementwiseRequireLength(<i64>aLen, <i64>bLen);
  int8Check(za);
  int8Check(zb);
  int8CheckRequantization(m, shift);
  int8Check(zo);
  const s = <i32>shift;
  for (let i = 0; i < aLen; i++) {
    const a = <i64>load<i8>(aPtr + <usize>i);
    const b = <i64>load<i8>(bPtr + <usize>i);
    store<i8>(yPtr + <usize>i, <i8>requantizeUnchecked((a - za) * (b - zb), m, s, zo));
  }
}

/** y[i] = min(max(x[i], lo), hi) — numerics §4.4. lo, hi int8 and lo ≤ hi (ValueOutOfRange). */
export function clampI8Tensor(xPtr: usize, n: i32, lo: i64, hi: i64, yPtr: usize): void {
  int8CheckClampBounds(lo, hi);
  for (let i = 0; i < n; i++) {
    const v = <i64>load<i8>(xPtr + <usize>i);
    store<i8>(yPtr + <usize>i, <i8>(v < lo ? lo : v > hi ? hi : v));
  }
}

/**
 * y[i] = requantize(acc[i], m[c], shift[c], zOut), c = i mod C, C = mLen — numerics §4.3.
 * Validation: sLen == C (ShapeMismatch(C, sLen)), C ≥ 1 (ShapeMismatch(1, 0)), n a multiple of C;
 * then (m[c], shift[c]) by channel; then zOut.
 */
export function requantizeTensor(accPtr: usize, n: i32, mPtr: usize, mLen: i32, sPtr: usize, sLen: i32, zOut: i64, yPtr: usize): void {
  elementwiseRequireLength(<i64>mLen, <i64>sLen);
  if (mLen == 0) throwShapeMismatch(1, 0);
  const rem = n % mLen;
  if (rem != 0) throwShapeMismatch(<i64>(n - rem), <i64>n);
  for (let c = 0; c < mLen; c++) {
    int8CheckRequantization(load<i64>(mPtr + (<usize>c << 3)), load<i64>(sPtr + (<usize>c << 3)));
  }
  int8Check(zOut);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const m = load<i64>(mPtr + (<usize>c << 3));
    const s = <i32>load<i64>(sPtr + (<usize>c << 3));
    store<i8>(yPtr + <usize>i, <i8>requantizeUnchecked(load<i64>(accPtr + (<usize>i << 3)), m, s, zOut));
    if (++c == mLen) c = 0;
  }
}

/** y[i] = sat64((x[i] − z)·scaleQ): int8 → Q32.32 — numerics §4.4. z int8, scaleQ ≥ 0 (ValueOutOfRange). */
export function dequantizeI8Tensor(xPtr: usize, n: i32, z: i64, scaleQ: i64, yPtr: usize): void {
  int8Check(z);
  int8CheckScale(scaleQ);
  for (let i = 0; i < n; i++) {
    store<i64>(yPtr + (<usize>i << 3), dequantizeI8Unchecked(<i64>load<i8>(xPtr + <usize>i), z, scaleQ));
  }
}

/** y[i] = requantize(v[i], m, shift, z): Q32.32 → int8 — numerics §4.4. Validation: (m, shift), z. */
export function quantizeQTensor(vPtr: usize, n: i32, m: i64, shift: i64, z: i64, yPtr: usize): void {
  int8CheckRequantization(m, shift);
  int8Check(z);
  const s = <i32>shift;
  for (let i = 0; i < n; i++) {
    store<i8>(yPtr + <usize>i, <i8>requantizeUnchecked(load<i64>(vPtr + (<usize>i << 3)), m, s, z));
  }
}
