// ZeroPadding2D — Keras ZeroPadding2D in both number modes. Twin of contracts/layers/ZeroPadding2D.sol
// (docs/layers/conv.md). ZeroPadding2DConfig flat: mode, H, W, C, top, bottom, left, right, zIn.
// Output (top + H + bottom)×(left + W + right)×C: the input in the middle, the real zero around it (q: 0;
// int8: zIn). Ranges are output rows.

import {
  MODE_Q, cfgBegin, cfgNext, layerCheckCount, layerCheckDim, layerCheckMode, layerCheckRange, layerElementBytes,
  layerRequireLength,
} from "./LayerTypes";

function zeroPaddingRun(cfgPtr: usize, cfgLen: i32, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const H = cfgNext(), W = cfgNext(), C = cfgNext();
  const top = cfgNext(), bottom = cfgNext(), left = cfgNext(), right = cfgNext(), zIn = cfgNext();
  layerCheckMode(mode);
  layerCheckDim(H); layerCheckDim(W); layerCheckDim(C);
  const Ho = top + H + bottom, Wo = left + W + right;
  layerCheckCount(Ho);
  layerCheckCount(Wo);
  layerCheckCount(Ho * Wo);
  layerCheckCount(Ho * Wo * C);
  if (full) {
    from = 0;
    to = Ho;
  } else layerCheckRange(from, to, Ho);
  const esz = layerElementBytes(mode);
  layerRequireLength(H * W * C * esz, <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  const pad: u8 = mode == MODE_Q ? 0 : <u8>zIn;
  const rowOut = Wo * C * esz, rowIn = W * C * esz;
  for (let j = from; j < to; j++) {
    const dst = yPtr + <usize>((j - from) * rowOut);
    memory.fill(dst, pad, <usize>rowOut);
    const iy = j - top;
    if (iy >= 0 && iy < H) memory.copy(dst + <usize>(left * C * esz), xPtr + <usize>(iy * rowIn), <usize>rowIn);
  }
  return <i32>((to - from) * rowOut);
}

/** ZeroPadding2D.sol `forward`. Returns the output length in bytes. */
export function zeroPadding2dForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return zeroPaddingRun(cfgPtr, cfgLen, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** ZeroPadding2D.sol `forwardRange`: output rows [from, to). */
export function zeroPadding2dForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return zeroPaddingRun(cfgPtr, cfgLen, wLen, xPtr, xLen, from, to, false, yPtr);
}
