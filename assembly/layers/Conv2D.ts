// Conv2D — Keras Conv2D with its fused activation, in both number modes. Twin of
// contracts/layers/Conv2D.sol (docs/layers/conv.md): the same output bytes, the same failures in the same
// order. Conv2DConfig flat: mode, H, W, Cin, Cout, kh, kw, sh, sw, padding, act(5), F, zIn, zPre, lo, hi,
// negative, scalePreQ, outM, outShift, zOut.
//
// The oracle computes the whole output with the tensor tier's oracle kernels (conv2dQ; conv2dI8 on the
// unpacked row-major kernel), then the activation of rows [from, to):
//   q:    actQ per element (softmax along the channels);
//   int8: stage A requantAct per element, stage B actI8 / softmaxI8 for non-fused activations.

import { throwInvalidShape } from "../tensor/Errors";
import {
  conv2dQ, conv2dI8, conv2dOutDim, conv2dCheckNonZero, conv2dCheckSize, conv2dCheckStridesPadding,
  conv2dCheckWindow, conv2dCount3,
} from "../tensor/Conv";
import { panelBytesI8 } from "../tensor/MatVec";
import {
  MODE_Q, cfgBegin, cfgNext, layerCheckF, layerCheckKind, layerCheckMode, layerCheckRange, layerElementBytes,
  layerRequireLength, layerScratch, loadBE64,
} from "./LayerTypes";
import { ConvTail, spatialBias, spatialChannelBytes, spatialCheckI8, spatialFinishI8, spatialFinishQ, spatialReadTail } from "./Spatial";

/** Conv.sol `checkShape` (codes 3, 2, 4, 5, 1). Returns K = kh·kw·Cin. */
function conv2dLayerShape(H: i64, W: i64, Cin: i64, Cout: i64, kh: i64, kw: i64, sh: i64, sw: i64, padding: i64): i64 {
  conv2dCheckNonZero(H); conv2dCheckNonZero(W); conv2dCheckNonZero(Cin);
  conv2dCheckNonZero(Cout); conv2dCheckNonZero(kh); conv2dCheckNonZero(kw);
  conv2dCheckStridesPadding(sh, sw, padding);
  conv2dCheckSize(H); conv2dCheckSize(W); conv2dCheckSize(Cin); conv2dCheckSize(Cout);
  conv2dCheckSize(kh); conv2dCheckSize(kw); conv2dCheckSize(sh); conv2dCheckSize(sw);
  conv2dCount3(H, W, Cin);
  const K = conv2dCount3(kh, kw, Cin);
  if (K * Cout >= 2147483648) throwInvalidShape(5);
  conv2dCount3(H, W, Cout);
  conv2dCheckWindow(H, W, kh, kw, padding);
  return K;
}

function conv2dRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const H = cfgNext(), W = cfgNext(), Cin = cfgNext(), Cout = cfgNext();
  const kh = cfgNext(), kw = cfgNext(), sh = cfgNext(), sw = cfgNext(), padding = cfgNext();
  const t: ConvTail = spatialReadTail();
  layerCheckMode(mode);
  layerCheckKind(t.act.kind);
  const K = conv2dLayerShape(H, W, Cin, Cout, kh, kw, sh, sw, padding);
  const Ho = conv2dOutDim(H, kh, sh, padding), Wo = conv2dOutDim(W, kw, sw, padding);
  if (full) {
    from = 0;
    to = Ho;
  } else layerCheckRange(from, to, Ho);
  layerRequireLength(H * W * Cin * layerElementBytes(mode), <i64>xLen);
  const kBytes = mode == MODE_Q ? 8 * K * Cout : panelBytesI8(<i32>K, <i32>Cout);
  const wBytes = mode == MODE_Q ? kBytes + 8 * Cout : kBytes + spatialChannelBytes(Cout, t.negative);
  layerRequireLength(wBytes, <i64>wLen);
  const n = Ho * Wo * Cout;
  if (mode == MODE_Q) {
    layerCheckF(t.F);
    if (to == from) return 0;
    const x = layerScratch((H * W * Cin) << 3);
    for (let i: i64 = 0; i < H * W * Cin; i++) store<i64>(x + <usize>(i << 3), loadBE64(xPtr + <usize>(i << 3)));
    const k = layerScratch((K * Cout) << 3);
    for (let i: i64 = 0; i < K * Cout; i++) store<i64>(k + <usize>(i << 3), loadBE64(wPtr + <usize>(i << 3)));
    const b = layerScratch(Cout << 3);
    for (let i: i64 = 0; i < Cout; i++) store<i64>(b + <usize>(i << 3), loadBE64(wPtr + <usize>((K * Cout + i) << 3)));
    const pre = layerScratch(n << 3);
    conv2dQ(x, H * W * Cin, H, W, Cin, k, K * Cout, b, Cout, Cout, kh, kw, sh, sw, padding, t.F, pre);
    return spatialFinishQ(t, pre, Wo, Cout, from, to, yPtr);
  }
  const sec = wPtr + <usize>kBytes;
  spatialCheckI8(t, sec, Cout);
  if (to == from) return 0;
  // The panel layout (numerics §4.2) back to the row-major K×Cout kernel.
  const krm = layerScratch(K * Cout);
  for (let i: i64 = 0; i < K; i++) {
    for (let o: i64 = 0; o < Cout; o++) {
      store<i8>(krm + <usize>(i * Cout + o), load<i8>(wPtr + <usize>(((o >> 5) * K + i) * 32 + (o & 31))));
    }
  }
  const acc = layerScratch(n << 3);
  conv2dI8(xPtr, H * W * Cin, t.zIn, H, W, Cin, krm, K * Cout, spatialBias(sec, Cout), Cout, Cout, kh, kw, sh, sw, padding, acc);
  return spatialFinishI8(t, acc, sec, Wo, Cout, from, to, yPtr);
}

/** Conv2D.sol `forward`: every output row. Returns the output length in bytes. */
export function conv2dForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return conv2dRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** Conv2D.sol `forwardRange`: output rows [from, to). */
export function conv2dForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return conv2dRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
