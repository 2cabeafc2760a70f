// Add — Keras Add (elementwise sum of n same-shape tensors) in both number modes. Twin of
// contracts/layers/Add.sol (docs/layers/merge-norm.md): the same output bytes, the same failures in the
// same order. AddConfig flat: mode, dims[], inputs, zIn[], m[], shift, zOut.
//   q:    y = sat64(Σ_k x_k)                                   (exact 128-bit sum, one saturation)
//   int8: y = sat8(zOut + rshiftRound(Σ_k (x_k − zIn[k])·m[k], shift))   (|Σ| < 2^55: exact in i64)
//
// Multi-input entry points take the inputs as a table of `count` pairs of int64 words (pointer, byte
// length) at `xsPtr`: (cfgPtr, cfgLen, wPtr, wLen, xsPtr, count[, from, to], yPtr) → output bytes.

import { rshiftRound, sat64From128, sat8 } from "../tensor/Rounding";
import { throwInvalidRequantization, throwInvalidShape } from "../tensor/Errors";
import {
  CODE_TOO_LARGE, CODE_ZERO_DIM, MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckMode, layerCheckRange,
  layerCount, layerElementBytes, layerRequireLength, loadBE64, storeBE64,
} from "./LayerTypes";

const ADD_MAX_INPUTS: i64 = 65536;
const ADD_MAX_SHIFT: i64 = 62;

function addRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xs: usize, count: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const n = cfgNext();
  const zIn = cfgArray();
  const zLen = cfgLastLen;
  const ms = cfgArray();
  const mLen = cfgLastLen;
  const shift = cfgNext();
  const zOut = cfgNext();

  // Add.sol `validate`, same order.
  layerCheckMode(mode);
  const total = layerCount(dims, rank);
  if (n == 0) throwInvalidShape(CODE_ZERO_DIM);
  if (n > ADD_MAX_INPUTS) throwInvalidShape(CODE_TOO_LARGE);
  const rows: i64 = rank == 0 ? 1 : load<i64>(dims);
  if (full) { from = 0; to = rows; }
  layerCheckRange(from, to, rows);
  layerRequireLength(n, <i64>count);
  const eb = layerElementBytes(mode);
  for (let k = 0; k < count; k++) layerRequireLength(total * eb, load<i64>(xs + (<usize>k << 4) + 8));
  layerRequireLength(0, <i64>wLen);
  if (mode != MODE_Q) {
    layerRequireLength(n, <i64>zLen);
    layerRequireLength(n, <i64>mLen);
    for (let k = 0; k < count; k++) {
      const mk = load<i64>(ms + (<usize>k << 3));
      if (mk == -2147483648) throwInvalidRequantization(mk, shift);
    }
    if (shift > ADD_MAX_SHIFT) throwInvalidRequantization(load<i64>(ms), shift);
  }

  const rowElems = total / rows;
  const off = from * rowElems;
  const m = (to - from) * rowElems;
  if (mode == MODE_Q) {
    for (let i: i64 = 0; i < m; i++) {
      let hi: i64 = 0, lo: u64 = 0;
      for (let k = 0; k < count; k++) {
        const x = loadBE64(<usize>load<i64>(xs + (<usize>k << 4)) + <usize>((off + i) << 3));
        const l = lo + <u64>x;
        hi += (x >> 63) + (l < lo ? 1 : 0);
        lo = l;
      }
      storeBE64(yPtr + <usize>(i << 3), sat64From128(hi, lo));
    }
    return <i32>(m << 3);
  }
  for (let i: i64 = 0; i < m; i++) {
    let s: i64 = 0;
    for (let k = 0; k < count; k++) {
      const x = <i64>load<i8>(<usize>load<i64>(xs + (<usize>k << 4)) + <usize>(off + i));
      s += (x - load<i64>(zIn + (<usize>k << 3))) * load<i64>(ms + (<usize>k << 3));
    }
    store<i8>(yPtr + <usize>i, <i8>sat8(zOut + rshiftRound(s, <i32>shift)));
  }
  return <i32>m;
}

/** Add.sol `forward`. */
export function addForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, yPtr: usize): i32 {
  return addRun(cfgPtr, cfgLen, wLen, xsPtr, count, 0, 0, true, yPtr);
}

/** Add.sol `forwardRange`: rows [from, to) of the first axis. */
export function addForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xsPtr: usize, count: i32, from: i64, to: i64, yPtr: usize): i32 {
  return addRun(cfgPtr, cfgLen, wLen, xsPtr, count, from, to, false, yPtr);
}
