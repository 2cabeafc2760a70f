// Pooling2D — the oracle of Keras MaxPooling2D / AveragePooling2D (contracts/layers/MaxPooling2D.sol
// `Pooling2D`) and of the global poolings (contracts/layers/GlobalAveragePooling2D.sol `GlobalPooling2D`).
// Pooling2DConfig flat: mode, H, W, C, ph, pw, sh, sw, padding. GlobalPooling2DConfig flat: mode, H, W, C.
// The whole pooling with the tensor tier's oracle kernels, then the rows (channels) of the range.

import { maxPool2dQ, maxPool2dI8, avgPool2dQ, avgPool2dI8 } from "../tensor/Pool";
import {
  conv2dOutDim, conv2dCheckNonZero, conv2dCheckSize, conv2dCheckStridesPadding, conv2dCheckWindow, conv2dCount3,
} from "../tensor/Conv";
import {
  MODE_Q, cfgBegin, cfgNext, layerCheckCount, layerCheckDim, layerCheckMode, layerCheckRange, layerElementBytes,
  layerRequireLength, layerScratch, loadBE64, storeBE64,
} from "./LayerTypes";

/** The whole pooling of the H×W×C input at xPtr (wire encoding) into `out` (wire encoding). */
function poolAll(q: bool, avg: bool, xPtr: usize, H: i64, W: i64, C: i64, ph: i64, pw: i64, sh: i64, sw: i64, padding: i64, n: i64, out: usize): void {
  const count = H * W * C;
  if (q) {
    const x = layerScratch(count << 3);
    for (let i: i64 = 0; i < count; i++) store<i64>(x + <usize>(i << 3), loadBE64(xPtr + <usize>(i << 3)));
    const y = layerScratch(n << 3);
    if (avg) avgPool2dQ(x, count, H, W, C, ph, pw, sh, sw, padding, y);
    else maxPool2dQ(x, count, H, W, C, ph, pw, sh, sw, padding, y);
    for (let i: i64 = 0; i < n; i++) storeBE64(out + <usize>(i << 3), load<i64>(y + <usize>(i << 3)));
  } else if (avg) avgPool2dI8(xPtr, count, H, W, C, ph, pw, sh, sw, padding, out);
  else maxPool2dI8(xPtr, count, H, W, C, ph, pw, sh, sw, padding, out);
}

/** Pooling2D.run (MaxPooling2D / AveragePooling2D). */
export function pooling2dRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, avg: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const H = cfgNext(), W = cfgNext(), C = cfgNext(), ph = cfgNext(), pw = cfgNext();
  const sh = cfgNext(), sw = cfgNext(), padding = cfgNext();
  layerCheckMode(mode);
  // Pool.sol checkShape: codes 3, 2, 4, 5, 1
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(C); conv2dCheckNonZero(ph); conv2dCheckNonZero(pw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(C); conv2dCheckSize(ph);
  conv2dCheckSize(pw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  conv2dCount3(H, W, C);
  conv2dCheckWindow(H, W, ph, pw, padding);
  const Ho = conv2dOutDim(H, ph, sh, padding), Wo = conv2dOutDim(W, pw, sw, padding);
  if (full) {
    from = 0;
    to = Ho;
  } else layerCheckRange(from, to, Ho);
  const esz = layerElementBytes(mode);
  layerRequireLength(H * W * C * esz, <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  if (to == from) return 0;
  const n = Ho * Wo * C;
  const all = layerScratch(n * esz);
  poolAll(mode == MODE_Q, avg, xPtr, H, W, C, ph, pw, sh, sw, padding, n, all);
  const rowBytes = Wo * C * esz;
  memory.copy(yPtr, all + <usize>(from * rowBytes), <usize>((to - from) * rowBytes));
  return <i32>((to - from) * rowBytes);
}

/** GlobalPooling2D.run (GlobalAveragePooling2D / GlobalMaxPooling2D): channels [from, to). */
export function globalPooling2dRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, avg: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const H = cfgNext(), W = cfgNext(), C = cfgNext();
  layerCheckMode(mode);
  layerCheckDim(H); layerCheckDim(W); layerCheckDim(C);
  layerCheckCount(H);
  layerCheckCount(H * W);
  layerCheckCount(H * W * C);
  if (full) {
    from = 0;
    to = C;
  } else layerCheckRange(from, to, C);
  const esz = layerElementBytes(mode);
  layerRequireLength(H * W * C * esz, <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  if (to == from) return 0;
  const all = layerScratch(C * esz);
  poolAll(mode == MODE_Q, avg, xPtr, H, W, C, H, W, 1, 1, 0, C, all);
  memory.copy(yPtr, all + <usize>(from * esz), <usize>((to - from) * esz));
  return <i32>((to - from) * esz);
}
