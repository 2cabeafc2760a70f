// Softmax — softmax along one axis in both number modes, the oracle twin of contracts/tensor/Softmax.sol.
// docs/numerics.md §3.2 (softmaxQ), §4.4 (dequantizeI8, quantizeQ), §5 (softmax along any axis).
//
// The tensor has shape dims[0..rank) (row-major); the axis splits it into outer × n × inner with
// n = dims[axis]. Each slice (o, i) holds the n elements at o·n·inner + j·inner + i.
//   softmaxQ:  m = max_j x_j; e_j = qExp(qSub(x_j, m)); S = Σ e_j (exact); y_j = sat64(divRound(e_j·2^32, S))
//   softmaxI8: v_j = dequantizeI8(x_j, zx, scaleQ); p = softmaxQ(v); y_j = quantizeQ(p_j, M, shift, zOut)
// Max subtraction makes every exp argument ≤ 0, so e_max = ONE, S ≥ ONE, and nothing overflows for any
// input (numerics §3.2). S ≤ n·2^32 < 2^63 because n < 2^31.
//
// Failure conditions, in this order in both tiers: InvalidShape(3) a zero entry of dims;
// InvalidShape(5) an entry ≥ 2^31 or a running product of the entries ≥ 2^31; InvalidShape(6)
// axis ≥ rank (also every axis of a rank-0 shape); ShapeMismatch(expected, actual) for the input
// length (bytes: 8·elements for q, elements for int8); int8 only: ValueOutOfRange(zx),
// ValueOutOfRange(scaleQ) (scaleQ < 0), InvalidRequantization(M, shift), ValueOutOfRange(zOut).

import { qExp, qSub, qDiv } from "./QMath";
import {
  int8Check,
  int8CheckRequantization,
  int8CheckScale,
  dequantizeI8Unchecked,
  requantizeUnchecked,
} from "./Int8Math";
import { throwInvalidShape, throwShapeMismatch } from "./Errors";

const SOFTMAX_SHAPE_LIMIT: i64 = 1 << 31;

// Slice geometry of the last validated shape.
let sliceOuter: i64 = 0;
let sliceN: i64 = 0;
let sliceInner: i64 = 0;

/** Validates (codes 3, 5, 6) and sets the slice geometry. Returns the element count. dims: i64[rank]. */
function checkSoftmaxShape(dims: usize, rank: i64, axis: i64): i64 {
  for (let d: i64 = 0; d < rank; d++) {
    if (load<i64>(dims + <usize>(d << 3)) == 0) throwInvalidShape(3);
  }
  let count: i64 = 1;
  for (let d: i64 = 0; d < rank; d++) {
    const v = load<i64>(dims + <usize>(d << 3));
    if (v < 0 || v >= SOFTMAX_SHAPE_LIMIT) throwInvalidShape(5);
    count *= v; // count < 2^31 and v < 2^31: no i64 overflow
    if (count >= SOFTMAX_SHAPE_LIMIT) throwInvalidShape(5);
  }
  if (axis < 0 || axis >= rank) throwInvalidShape(6);
  let outer: i64 = 1, inner: i64 = 1;
  for (let d: i64 = 0; d < axis; d++) outer *= load<i64>(dims + <usize>(d << 3));
  for (let d: i64 = axis + 1; d < rank; d++) inner *= load<i64>(dims + <usize>(d << 3));
  sliceOuter = outer;
  sliceN = load<i64>(dims + <usize>(axis << 3));
  sliceInner = inner;
  return count;
}

/**
 * Softmax of a Q32.32 tensor along `axis` (numerics §3.2, §5): writes int64 at `out`.
 * Bound (numerics §6): ≤ 4 + n ulps per element against float64.
 */
export function softmaxQ(x: usize, xLen: i64, dims: usize, rank: i64, axis: i64, out: usize): void {
  const count = checkSoftmaxShape(dims, rank, axis);
  if (xLen != count) throwShapeMismatch(count * 8, xLen * 8);
  const n = sliceN, inner = sliceInner;
  const step = <usize>(inner << 3);
  for (let o: i64 = 0; o < sliceOuter; o++) {
    for (let i: i64 = 0; i < inner; i++) {
      const off = <usize>((o * n * inner + i) << 3);
      let m: i64 = i64.MIN_VALUE;
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        const v = load<i64>(x + p);
        if (v > m) m = v;
      }
      // e_j ≤ ONE (argument ≤ 0), so S ≤ n·2^32 < 2^63; e_j is parked in the output.
      let S: i64 = 0;
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        const e = qExp(qSub(load<i64>(x + p), m));
        store<i64>(out + p, e);
        S += e;
      }
      // divRound(e·2^32, S) = qDiv(e, S, 32) (S ≥ ONE > 0; the quotient is ≤ ONE, never saturated)
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        store<i64>(out + p, qDiv(load<i64>(out + p), S, 32));
      }
    }
  }
}

/**
 * Softmax of an int8 tensor along `axis` (numerics §4.4, §5): dequantize (zx, scaleQ), softmaxQ,
 * quantize (M, shift, zOut). Writes int8 at `out`. Allocation-free: the exponentials are recomputed
 * in the last pass (qExp is a deterministic function, so the values equal the first pass's).
 */
export function softmaxI8(
  x: usize, xLen: i64, zx: i64, scaleQ: i64, dims: usize, rank: i64, axis: i64,
  M: i64, shift: i64, zOut: i64, out: usize,
): void {
  const count = checkSoftmaxShape(dims, rank, axis);
  if (xLen != count) throwShapeMismatch(count, xLen);
  int8Check(zx);
  int8CheckScale(scaleQ);
  int8CheckRequantization(M, shift);
  int8Check(zOut);
  const n = sliceN, inner = sliceInner;
  const step = <usize>inner;
  for (let o: i64 = 0; o < sliceOuter; o++) {
    for (let i: i64 = 0; i < inner; i++) {
      const off = <usize>(o * n * inner + i);
      let m: i64 = i64.MIN_VALUE;
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        const v = dequantizeI8Unchecked(<i64>load<i8>(x + p), zx, scaleQ);
        if (v > m) m = v;
      }
      let S: i64 = 0;
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        S += qExp(qSub(dequantizeI8Unchecked(<i64>load<i8>(x + p), zx, scaleQ), m));
      }
      for (let j: i64 = 0, p = off; j < n; j++, p += step) {
        const e = qExp(qSub(dequantizeI8Unchecked(<i64>load<i8>(x + p), zx, scaleQ), m));
        store<i8>(out + p, <i8>requantizeUnchecked(qDiv(e, S, 32), M, <i32>shift, zOut));
      }
    }
  }
}
