// Concatenate — Keras Concatenate along any axis, in both number modes. Twin of
// contracts/layers/Concatenate.sol (docs/layers/merge-norm.md). ConcatenateConfig flat: mode, dims[]
// (the output shape), axis, sizes[], zIn[], M[], shift[], zOut. Inputs as in Add.ts: a table of
// (pointer, byte length) int64 pairs.
//   y[o][start_k + a][i] = x_k[o][a][i]                                    (q: a byte copy)
//   y[o][start_k + a][i] = requantize(x_k[o][a][i] − zIn[k], M[k], shift[k], zOut)   (int8, numerics §4.3)

import { throwInvalidShape, throwShapeMismatch } from "../tensor/Errors";
import { requantizeUnchecked } from "../tensor/Int8Math";
import {
  CODE_AXIS, CODE_ZERO_DIM, MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckDim, layerCheckMode,
  layerCheckRange, layerCheckRequant, layerCount, layerElementBytes, layerRequireLength,
} from "./LayerTypes";

function concatRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xs: usize, count: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const axis = cfgNext();
  const sizes = cfgArray();
  const n = cfgLastLen;
  const zIn = cfgArray();
  const zLen = cfgLastLen;
  const Ms = cfgArray();
  const mLen = cfgLastLen;
  const shifts = cfgArray();
  const sLen = cfgLastLen;
  const zOut = cfgNext();

  // Concatenate.sol `validate`, same order.
  layerCheckMode(mode);
  const total = layerCount(dims, rank);
  if (axis >= <i64>rank) throwInvalidShape(CODE_AXIS);
  if (n == 0) throwInvalidShape(CODE_ZERO_DIM);
  let sum: i64 = 0;
  for (let k = 0; k < n; k++) {
    const s = load<i64>(sizes + (<usize>k << 3));
    layerCheckDim(s);
    sum += s;
  }
  const A = load<i64>(dims + (<usize>axis << 3));
  if (sum != A) throwShapeMismatch(A, sum);
  const d0 = load<i64>(dims);
  if (full) { from = 0; to = d0; }
  layerCheckRange(from, to, d0);
  const eb = layerElementBytes(mode);
  let outer: i64 = 1;
  for (let k = 0; k < <i32>axis; k++) outer *= load<i64>(dims + (<usize>k << 3));
  const inner = total / (outer * A);
  layerRequireLength(<i64>n, <i64>count);
  for (let k = 0; k < count; k++) {
    layerRequireLength(outer * load<i64>(sizes + (<usize>k << 3)) * inner * eb, load<i64>(xs + (<usize>k << 4) + 8));
  }
  layerRequireLength(0, <i64>wLen);
  if (mode != MODE_Q) {
    layerRequireLength(<i64>n, <i64>zLen);
    layerRequireLength(<i64>n, <i64>mLen);
    layerRequireLength(<i64>n, <i64>sLen);
    for (let k = 0; k < n; k++) layerCheckRequant(load<i64>(Ms + (<usize>k << 3)), load<i64>(shifts + (<usize>k << 3)));
  }

  // Outer indices [oFrom, oTo) and axis positions [aFrom, aTo) are computed.
  let oFrom: i64 = 0, oTo: i64 = 1, aFrom: i64 = from, aTo: i64 = to;
  if (axis > 0) {
    const perRow = outer / d0;
    oFrom = from * perRow;
    oTo = to * perRow;
    aFrom = 0;
    aTo = A;
  }
  const W = aTo - aFrom;
  for (let o = oFrom; o < oTo; o++) {
    let start: i64 = 0;
    for (let k = 0; k < n; k++) {
      const size = load<i64>(sizes + (<usize>k << 3));
      const lo = start > aFrom ? start : aFrom;
      const hi = start + size < aTo ? start + size : aTo;
      if (lo < hi) {
        const src = (o * size + (lo - start)) * inner;
        const dst = ((o - oFrom) * W + (lo - aFrom)) * inner;
        const len = (hi - lo) * inner;
        const xp = <usize>load<i64>(xs + (<usize>k << 4));
        if (mode == MODE_Q) {
          memory.copy(yPtr + <usize>(dst << 3), xp + <usize>(src << 3), <usize>(len << 3));
        } else {
          const z = load<i64>(zIn + (<usize>k << 3));
          const Mk = load<i64>(Ms + (<usize>k << 3));
          const sk = <i32>load<i64>(shifts + (<usize>k << 3));
          for (let i: i64 = 0; i < len; i++) {
            const x = <i64>load<i8>(xp + <usize>(src + i));
            store<i8>(yPtr + <usize>(dst + i), <i8>requantizeUnchecked(x - z, Mk, sk, zOut));
          }
        }
      }
      start += size;
    }
  }
  return <i32>((oTo - oFrom) * W * inner * eb);
}

/** Concatenate.sol `forward`. */
export function concatenateForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, yPtr: usize): i32 {
  return concatRun(cfgPtr, cfgLen, wLen, xsPtr, count, 0, 0, true, yPtr);
}

/** Concatenate.sol `forwardRange`: output rows [from, to) of the first axis. */
export function concatenateForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, from: i64, to: i64, yPtr: usize): i32 {
  return concatRun(cfgPtr, cfgLen, wLen, xsPtr, count, from, to, false, yPtr);
}
