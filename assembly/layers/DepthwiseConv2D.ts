// DepthwiseConv2D — Keras DepthwiseConv2D with its fused activation, in both number modes. Twin of
// contracts/layers/DepthwiseConv2D.sol (docs/layers/conv.md). DepthwiseConv2DConfig flat: mode, H, W, C,
// mult, kh, kw, sh, sw, padding, act(5), F, zIn, zPre, lo, hi, negative, scalePreQ, outM, outShift, zOut.
//
// The oracle computes the whole output with the tensor tier's oracle kernels (depthwiseConv2dQ,
// depthwiseConv2dI8), then the activation of rows [from, to) (as Conv2D.ts).

import { throwInvalidShape } from "../tensor/Errors";
import { depthwiseConv2dQ, depthwiseConv2dI8 } from "../tensor/DepthwiseConv";
import {
  conv2dOutDim, conv2dCheckNonZero, conv2dCheckSize, conv2dCheckStridesPadding, conv2dCheckWindow, conv2dCount3,
} from "../tensor/Conv";
import {
  MODE_Q, cfgBegin, cfgNext, layerCheckF, layerCheckKind, layerCheckMode, layerCheckRange, layerElementBytes,
  layerRequireLength, layerScratch, loadBE64,
} from "./LayerTypes";
import { ConvTail, spatialBias, spatialChannelBytes, spatialCheckI8, spatialFinishI8, spatialFinishQ, spatialReadTail } from "./Spatial";

/** DepthwiseConv.sol `checkShape` (codes 3, 2, 4, 5, 1). Returns Cout = C·mult. */
function depthwiseLayerShape(H: i64, W: i64, C: i64, mult: i64, kh: i64, kw: i64, sh: i64, sw: i64, padding: i64): i64 {
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(C);
  conv2dCheckNonZero(mult); conv2dCheckNonZero(kh); conv2dCheckNonZero(kw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(C); conv2dCheckSize(mult);
  conv2dCheckSize(kh); conv2dCheckSize(kw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  conv2dCount3(H, W, C);
  const cout = conv2dCount3(C, mult, 1);
  conv2dCount3(kh, kw, cout);
  conv2dCount3(H, W, cout);
  conv2dCheckWindow(H, W, kh, kw, padding);
  if (cout <= 0) throwInvalidShape(5); // unreachable: keeps the return typed
  return cout;
}

function depthwiseRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const H = cfgNext(), W = cfgNext(), C = cfgNext(), mult = cfgNext();
  const kh = cfgNext(), kw = cfgNext(), sh = cfgNext(), sw = cfgNext(), padding = cfgNext();
  const t: ConvTail = spatialReadTail();
  layerCheckMode(mode);
  layerCheckKind(t.act.kind);
  const N = depthwiseLayerShape(H, W, C, mult, kh, kw, sh, sw, padding);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  if (full) {
    from = 0;
    to = Ho;
  } else layerCheckRange(from, to, Ho);
  layerRequireLength(H * W * C * layerElementBytes(mode), <i64>xLen);
  const nk = kh * kw * N;
  const kBytes = mode == MODE_Q ? 8 * nk : nk;
  const wBytes = mode == MODE_Q ? kBytes + 8 * N : kBytes + spatialChannelBytes(N, t.negative);
  layerRequireLength(wBytes, <i64>wLen);
  const n = Ho * Wo * N;
  if (mode == MODE_Q) {
    layerCheckF(t.F);
    if (to == from) return 0;
    const x = layerScratch((H * W * C) << 3);
    for (let i: i64 = 0; i < H * W * C; i++) store<i64>(x + <usize>(i << 3), loadBE64(xPtr + <usize>(i << 3)));
    const k = layerScratch(nk << 3);
    for (let i: i64 = 0; i < nk; i++) store<i64>(k + <usize>(i << 3), loadBE64(wPtr + <usize>(i << 3)));
    const b = layerScratch(N << 3);
    for (let i: i64 = 0; i < N; i++) store<i64>(b + <usize>(i << 3), loadBE64(wPtr + <usize>((nk + i) << 3)));
    const pre = layerScratch(n << 3);
    depthwiseConv2dQ(x, H * W * C, H, W, C, k, nk, b, N, mult, kh, kw, sh, sw, padding, t.F, pre);
    return spatialFinishQ(t, pre, Wo, N, from, to, yPtr);
  }
  const sec = wPtr + <usize>kBytes;
  spatialCheckI8(t, sec, N);
  if (to == from) return 0;
  const acc = layerScratch(n << 3);
  depthwiseConv2dI8(xPtr, H * W * C, t.zIn, H, W, C, wPtr, nk, spatialBias(sec, N), N, mult, kh, kw, sh, sw, padding, acc);
  return spatialFinishI8(t, acc, sec, Wo, N, from, to, yPtr);
}

/** DepthwiseConv2D.sol `forward`: every output row. Returns the output length in bytes. */
export function depthwiseConv2dForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return depthwiseRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** DepthwiseConv2D.sol `forwardRange`: output rows [from, to). */
export function depthwiseConv2dForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return depthwiseRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
