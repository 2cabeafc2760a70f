// Multiply — Keras Multiply (elementwise product of n same-shape tensors) in both number modes. Twin of
// contracts/layers/Multiply.sol (docs/layers/merge-norm.md). MultiplyConfig flat: mode, dims[], inputs, F,
// zIn[], M, shift, zOut. Inputs as in Add.ts: a table of (pointer, byte length) int64 pairs.
//   q:    y = qMul(…qMul(qMul(x_1, x_2, F), x_3, F)…, x_n, F)       (left fold, numerics §3.1)
//   int8: y = sat8(zOut + rshiftRound(Π_k (x_k − zIn[k])·M, shift))  (one RHAZ of the exact product;
//         |Π| ≤ 255^8 < 2^64 is kept as sign and u64 magnitude, Π·M as a 128-bit value)

import { hi128, neg128, rshiftRound128, umulWide, fitsI64 } from "../tensor/Int128";
import { mulShiftRound, sat8 } from "../tensor/Rounding";
import { throwInvalidShape } from "../tensor/Errors";
import {
  CODE_TOO_LARGE, CODE_ZERO_DIM, MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckF, layerCheckMode,
  layerCheckRange, layerCheckRequant, layerCount, layerElementBytes, layerRequireLength, loadBE64, storeBE64,
} from "./LayerTypes";

const MUL_MAX_INPUTS_Q: i64 = 65536;
const MUL_MAX_INPUTS_I8: i64 = 8;

function mulRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xs: usize, count: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const n = cfgNext();
  const F = cfgNext();
  const zIn = cfgArray();
  const zLen = cfgLastLen;
  const M = cfgNext();
  const shift = cfgNext();
  const zOut = cfgNext();

  // Multiply.sol `validate`, same order.
  layerCheckMode(mode);
  const total = layerCount(dims, rank);
  if (n == 0) throwInvalidShape(CODE_ZERO_DIM);
  if (n > (mode == MODE_Q ? MUL_MAX_INPUTS_Q : MUL_MAX_INPUTS_I8)) throwInvalidShape(CODE_TOO_LARGE);
  const rows: i64 = rank == 0 ? 1 : load<i64>(dims);
  if (full) { from = 0; to = rows; }
  layerCheckRange(from, to, rows);
  layerRequireLength(n, <i64>count);
  const eb = layerElementBytes(mode);
  for (let k = 0; k < count; k++) layerRequireLength(total * eb, load<i64>(xs + (<usize>k << 4) + 8));
  layerRequireLength(0, <i64>wLen);
  if (mode == MODE_Q) layerCheckF(F);
  else {
    layerRequireLength(n, <i64>zLen);
    layerCheckRequant(M, shift);
  }
  return mulCompute(mode, rank, dims, total, n, F, zIn, zLen, M, shift, zOut, xs, count, from, to, yPtr);
}

function mulCompute(mode: i64, rank: i32, dims: usize, total: i64, n: i64, F: i64, zIn: usize, zLen: i32, M: i64, shift: i64, zOut: i64, xs: usize, count: i32, from: i64, to: i64, yPtr: usize): i32 {
  const rows: i64 = rank == 0 ? 1 : load<i64>(dims);
  const rowElems = total / rows;
  const off = from * rowElems;
  const m = (to - from) * rowElems;
  if (mode == MODE_Q) {
    for (let i: i64 = 0; i < m; i++) {
      let v = loadBE64(<usize>load<i64>(xs) + <usize>((off + i) << 3));
      for (let k = 1; k < count; k++) {
        v = mulShiftRound(v, loadBE64(<usize>load<i64>(xs + (<usize>k << 4)) + <usize>((off + i) << 3)), <i32>F);
      }
      storeBE64(yPtr + <usize>(i << 3), v);
    }
    return <i32>(m << 3);
  }
  for (let i: i64 = 0; i < m; i++) {
    let mag: u64 = 1;
    let negative = false;
    for (let k = 0; k < count; k++) {
      const d = <i64>load<i8>(<usize>load<i64>(xs + (<usize>k << 4)) + <usize>(off + i)) - load<i64>(zIn + (<usize>k << 3));
      if (d < 0) negative = !negative;
      mag *= <u64>(d < 0 ? -d : d); // ≤ 255^8 < 2^64: exact
    }
    if (mag == 0) negative = false;
    // Π·M as a signed 128-bit value (|·| < 2^95), RHAZ by 2^shift, then zOut and sat8 (numerics §4.3).
    let lo = umulWide(mag, <u64>M);
    let hi = hi128;
    if (negative) { lo = neg128(hi, lo); hi = hi128; }
    const rl = rshiftRound128(hi, lo, <i32>shift);
    const rh = hi128;
    let r: i64;
    // NOTE: as Int8Math.requantizeUnchecked, |r| ≥ 1024 saturates sat8 whatever zOut is.
    if (!fitsI64(rh, rl)) r = rh < 0 ? -1024 : 1024;
    else {
      r = <i64>rl;
      if (r > 1024) r = 1024;
      else if (r < -1024) r = -1024;
    }
    store<i8>(yPtr + <usize>i, <i8>sat8(zOut + r));
  }
  return <i32>m;
}

/** Multiply.sol `forward`. */
export function multiplyForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, yPtr: usize): i32 {
  return mulRun(cfgPtr, cfgLen, wLen, xsPtr, count, 0, 0, true, yPtr);
}

/** Multiply.sol `forwardRange`: rows [from, to) of the first axis. */
export function multiplyForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, from: i64, to: i64, yPtr: usize): i32 {
  return mulRun(cfgPtr, cfgLen, wLen, xsPtr, count, from, to, false, yPtr);
}
