// BatchNormalization — Keras BatchNormalization at inference as a per-channel affine map, both number
// modes. Twin of contracts/layers/BatchNormalization.sol (docs/layers/conv.md). BatchNormalizationConfig
// flat: mode, dims[], F, zIn, zOut. Channels are the last axis; ranges are rows of the first axis.
//   q:    y = sat64(rshiftRound(x·A[c], 32) + B[c])           (blob: A int64 BE ×C ‖ B int64 BE ×C)
//   int8: y = sat8(zOut + rshiftRound((x − zIn)·M[c] + bias[c], shift[c]))
//                                                              (blob: M int32 BE ×C ‖ shift u8 ×C ‖ bias int64 BE ×C)

import { hi128, mulWide, rshiftRound128 } from "../tensor/Int128";
import { rshiftRound, sat8, sat64From128 } from "../tensor/Rounding";
import { throwInvalidRequantization, throwInvalidShape, throwValueOutOfRange } from "../tensor/Errors";
import {
  CODE_AXIS, MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckF, layerCheckMode, layerCheckRange, layerCount,
  layerElementBytes, layerRequireLength, loadBE32s, loadBE64, storeBE64,
} from "./LayerTypes";

const BN_BIAS_LIMIT: i64 = 4611686018427387904; // 2^62

function batchNormRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const F = cfgNext();
  const zIn = cfgNext();
  const zOut = cfgNext();
  layerCheckMode(mode);
  if (rank == 0) throwInvalidShape(CODE_AXIS);
  const n = layerCount(dims, rank);
  const C = load<i64>(dims + (<usize>(rank - 1) << 3));
  const rows = load<i64>(dims);
  if (full) {
    from = 0;
    to = rows;
  } else layerCheckRange(from, to, rows);
  layerRequireLength(n * layerElementBytes(mode), <i64>xLen);
  const inner = n / rows;
  const first = from * inner, count = (to - from) * inner;
  const c = <usize>C;
  if (mode == MODE_Q) {
    layerRequireLength(16 * C, <i64>wLen);
    layerCheckF(F);
    for (let i: i64 = 0; i < count; i++) {
      const ch = <usize>((first + i) % C);
      // sat64(rshiftRound(x·A, 32) + B) on exact 128-bit integers (|x·A| < 2^126).
      const pl = mulWide(loadBE64(xPtr + <usize>((first + i) << 3)), loadBE64(wPtr + (ch << 3)));
      const rl = rshiftRound128(hi128, pl, 32);
      const rh = hi128;
      const b = loadBE64(wPtr + ((c + ch) << 3));
      const l2 = rl + <u64>b;
      const h2 = rh + (b >> 63) + (l2 < rl ? 1 : 0);
      storeBE64(yPtr + <usize>(i << 3), sat64From128(h2, l2));
    }
    return <i32>(count << 3);
  }
  layerRequireLength(13 * C, <i64>wLen);
  for (let ch: usize = 0; ch < c; ch++) {
    const m = loadBE32s(wPtr + (ch << 2));
    const s = <i64>load<u8>(wPtr + (c << 2) + ch);
    if (m == -2147483648 || s > 62) throwInvalidRequantization(m, s);
    const b = loadBE64(wPtr + 5 * c + (ch << 3));
    if (b > BN_BIAS_LIMIT || b < -BN_BIAS_LIMIT) throwValueOutOfRange(b);
  }
  for (let i: i64 = 0; i < count; i++) {
    const ch = <usize>((first + i) % C);
    const m = loadBE32s(wPtr + (ch << 2));
    const s = <i32>load<u8>(wPtr + (c << 2) + ch);
    const b = loadBE64(wPtr + 5 * c + (ch << 3));
    // |(x − zIn)·M| < 2^39, |bias| ≤ 2^62: the sum fits int64.
    const v = (<i64>load<i8>(xPtr + <usize>(first + i)) - zIn) * m + b;
    store<i8>(yPtr + <usize>i, <i8>sat8(zOut + rshiftRound(v, s)));
  }
  return <i32>count;
}

/** BatchNormalization.sol `forward`. Returns the output length in bytes. */
export function batchNormalizationForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return batchNormRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** BatchNormalization.sol `forwardRange`: rows [from, to) of the first axis. */
export function batchNormalizationForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return batchNormRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
