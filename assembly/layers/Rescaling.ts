// Rescaling — Keras Rescaling (y = x·scale + offset) in both number modes. Twin of
// contracts/layers/Rescaling.sol (RescalingConfig flat: mode, dims[], F, scale, offset, zIn, M, shift, bias, zOut).

import { hi128, mulWide, rshiftRound128 } from "../tensor/Int128";
import { rshiftRound, sat8, sat64From128 } from "../tensor/Rounding";
import { throwInvalidRequantization, throwValueOutOfRange } from "../tensor/Errors";
import {
  MODE_Q, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckF, layerCheckMode, layerCount, layerElementBytes,
  layerRequireLength, loadBE64, storeBE64,
} from "./LayerTypes";

const RESCALING_BIAS_LIMIT: i64 = 4611686018427387904; // 2^62

export function rescalingForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const F = cfgNext();
  const scale = cfgNext();
  const offset = cfgNext();
  const zIn = cfgNext();
  const M = cfgNext();
  const shift = cfgNext();
  const bias = cfgNext();
  const zOut = cfgNext();
  layerCheckMode(mode);
  const n = layerCount(dims, rank);
  layerRequireLength(n * layerElementBytes(mode), <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  if (mode == MODE_Q) {
    layerCheckF(F);
    for (let i: i64 = 0; i < n; i++) {
      const p = <usize>(i << 3);
      // sat64(rshiftRound(x·scale, 32) + offset) on exact 128-bit integers (|x·scale| < 2^126).
      const pl = mulWide(loadBE64(xPtr + p), scale);
      const rl = rshiftRound128(hi128, pl, 32);
      const rh = hi128;
      const l2 = rl + <u64>offset;
      const h2 = rh + (offset >> 63) + (l2 < rl ? 1 : 0);
      storeBE64(yPtr + p, sat64From128(h2, l2));
    }
    return <i32>(n << 3);
  }
  if (M == -2147483648 || shift > 62) throwInvalidRequantization(M, shift);
  if (bias > RESCALING_BIAS_LIMIT || bias < -RESCALING_BIAS_LIMIT) throwValueOutOfRange(bias);
  for (let i: i64 = 0; i < n; i++) {
    // |(x − zIn)·M| < 2^39, |bias| ≤ 2^62: the sum fits int64.
    const v = (<i64>load<i8>(xPtr + <usize>i) - zIn) * M + bias;
    store<i8>(yPtr + <usize>i, <i8>sat8(zOut + rshiftRound(v, <i32>shift)));
  }
  return <i32>n;
}
