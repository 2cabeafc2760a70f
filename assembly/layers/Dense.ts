// Dense — Keras Dense (y = act(x·W + b), W the [K, N] kernel) in both number modes.
// Twin of contracts/layers/Dense.sol (docs/layers.md "Dense"): the same output bytes, the same failures
// in the same order. The oracle computes the definitions with the tensor tier's oracle kernels:
//   q:    pre[o] = matvecQ on column o (x·W[:, o], one rescale, + b[o]) — numerics §3, §5;
//   int8: acc = matvecI8 on the panels of units [c0, to) (numerics §4.1), + b[o], stage A requantAct,
//         then stage B actI8 / softmaxI8 for non-fused activations.

import { matvecQ, matvecI8, panelBytesI8 } from "../tensor/MatVec";
import { softmaxI8 } from "../tensor/Softmax";
import { throwInvalidShape } from "../tensor/Errors";
import {
  ActSpec, ACT_SOFTMAX, CODE_PARTIAL_SOFTMAX, MODE_Q, cfgActSpec, cfgBegin, cfgNext, isFusedI8, layerCheckClamp,
  layerCheckCount, layerCheckDim, layerCheckF, layerCheckKind, layerCheckMode, layerCheckRange, layerCheckRequant,
  layerCheckScale, layerCheckSignedRequant, layerElementBytes, layerRequireLength, layerScratch, loadBE32s, loadBE32u,
  loadBE64, storeBE64,
} from "./LayerTypes";
import { actI8, actQ, requantAct, softmaxQF } from "./Activation";

const DENSE_PANEL: i64 = 32;

// DenseConfig of Dense.sol, flat: mode, rows, K, N, act(5), F, zIn, zPre, lo, hi, negative, scalePreQ,
// outM, outShift, zOut.
let dMode: i64 = 0, dRows: i64 = 0, dK: i64 = 0, dN: i64 = 0, dF: i64 = 0;
let dZIn: i64 = 0, dZPre: i64 = 0, dLo: i64 = 0, dHi: i64 = 0, dNegative: bool = false;
let dScalePreQ: i64 = 0, dOutM: i64 = 0, dOutShift: i64 = 0, dZOut: i64 = 0;

function denseReadConfig(cfgPtr: usize, cfgLen: i32): ActSpec {
  cfgBegin(cfgPtr, cfgLen);
  dMode = cfgNext();
  dRows = cfgNext();
  dK = cfgNext();
  dN = cfgNext();
  const act = cfgActSpec();
  dF = cfgNext();
  dZIn = cfgNext();
  dZPre = cfgNext();
  dLo = cfgNext();
  dHi = cfgNext();
  dNegative = cfgNext() != 0;
  dScalePreQ = cfgNext();
  dOutM = cfgNext();
  dOutShift = cfgNext();
  dZOut = cfgNext();
  return act;
}

/** Byte length of the weight blob (Dense.sol `weightsLength`). */
function denseWeightsLength(): i64 {
  if (dMode == MODE_Q) return 8 * dK * dN + 8 * dN;
  return panelBytesI8(<i32>dK, <i32>dN) + 9 * dN + (dNegative ? 5 * dN : 0);
}

/** Dense.sol `validate`, same order. */
function denseValidate(act: ActSpec, wPtr: usize, wLen: i32, xLen: i32, from: i64, to: i64): void {
  layerCheckMode(dMode);
  layerCheckKind(act.kind);
  layerCheckDim(dRows);
  layerCheckDim(dK);
  layerCheckDim(dN);
  layerCheckCount(dRows * dK);
  layerCheckCount(dRows * dN);
  layerCheckCount(dK * dN);
  layerCheckRange(from, to, dN);
  if (act.kind == ACT_SOFTMAX && (from != 0 || to != dN)) throwInvalidShape(CODE_PARTIAL_SOFTMAX);
  layerRequireLength(dRows * dK * layerElementBytes(dMode), <i64>xLen);
  layerRequireLength(denseWeightsLength(), <i64>wLen);
  if (dMode == MODE_Q) {
    layerCheckF(dF);
    return;
  }
  layerCheckClamp(dLo, dHi);
  if (!isFusedI8(act)) {
    layerCheckScale(dScalePreQ);
    layerCheckRequant(dOutM, dOutShift);
  }
  const base = wPtr + <usize>panelBytesI8(<i32>dK, <i32>dN);
  const N = <usize>dN;
  for (let o = from; o < to; o++) {
    const u = <usize>o;
    layerCheckRequant(loadBE32u(base + 4 * N + 4 * u), <i64>load<u8>(base + 8 * N + u));
    if (dNegative) layerCheckSignedRequant(loadBE32s(base + 9 * N + 4 * u), <i64>load<u8>(base + 13 * N + u));
  }
}

/** Units [from, to) of every row (from = 0, to = N when `full`); returns the output length in bytes. */
function denseRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  const act = denseReadConfig(cfgPtr, cfgLen);
  if (full) {
    from = 0;
    to = dN;
  }
  denseValidate(act, wPtr, wLen, xLen, from, to);
  if (dMode == MODE_Q) return denseQ(act, wPtr, xPtr, from, to, yPtr);
  return denseI8(act, wPtr, xPtr, from, to, yPtr);
}

function denseQ(act: ActSpec, wPtr: usize, xPtr: usize, from: i64, to: i64, yPtr: usize): i32 {
  const K = <i32>dK, N = dN, F = <i32>dF, w = to - from, count = dRows * w;
  const xs = layerScratch(dK << 3);
  const col = layerScratch(dK << 3);
  const b1 = layerScratch(8);
  const pre = layerScratch(count << 3);
  const bp = wPtr + <usize>(8 * dK * N);
  for (let r: i64 = 0; r < dRows; r++) {
    for (let i: i64 = 0; i < dK; i++) store<i64>(xs + <usize>(i << 3), loadBE64(xPtr + <usize>((r * dK + i) << 3)));
    for (let o = from; o < to; o++) {
      for (let i: i64 = 0; i < dK; i++) store<i64>(col + <usize>(i << 3), loadBE64(wPtr + <usize>((i * N + o) << 3)));
      store<i64>(b1, loadBE64(bp + <usize>(o << 3)));
      matvecQ(xs, K, col, K, b1, 1, K, 1, F, pre + <usize>((r * w + o - from) << 3));
    }
  }
  if (act.kind == ACT_SOFTMAX) {
    const dims = layerScratch(16);
    store<i64>(dims, dRows);
    store<i64>(dims + 8, N);
    const out = layerScratch(count << 3);
    softmaxQF(pre, count, dims, 2, 1, F, out);
    for (let i: i64 = 0; i < count; i++) storeBE64(yPtr + <usize>(i << 3), load<i64>(out + <usize>(i << 3)));
  } else {
    for (let i: i64 = 0; i < count; i++) storeBE64(yPtr + <usize>(i << 3), actQ(load<i64>(pre + <usize>(i << 3)), act, F));
  }
  return <i32>(count << 3);
}

function denseI8(act: ActSpec, wPtr: usize, xPtr: usize, from: i64, to: i64, yPtr: usize): i32 {
  const K = dK, N = <usize>dN, w = to - from, count = dRows * w;
  const pre = layerScratch(count);
  if (w > 0) {
    // The panels holding units [from, to): from panel ⌊from/32⌋ (first unit c0, first byte c0·K).
    const c0 = (from / DENSE_PANEL) * DENSE_PANEL;
    const n1 = to - c0;
    const zeros = layerScratch(n1 << 3);
    memory.fill(zeros, 0, <usize>(n1 << 3));
    const acc = layerScratch(n1 << 3);
    const panels = wPtr + <usize>(c0 * K);
    const pLen = <i32>panelBytesI8(<i32>K, <i32>n1);
    const meta = wPtr + <usize>panelBytesI8(<i32>K, <i32>dN); // b[0]
    for (let r: i64 = 0; r < dRows; r++) {
      matvecI8(xPtr + <usize>(r * K), <i32>K, dZIn, panels, pLen, zeros, <i32>n1, <i32>K, <i32>n1, acc);
      for (let o = from; o < to; o++) {
        const u = <usize>o;
        const a = load<i64>(acc + <usize>((o - c0) << 3)) + loadBE32s(meta + 4 * u);
        const m = loadBE32u(meta + 4 * N + 4 * u);
        const s = <i32>load<u8>(meta + 8 * N + u);
        const mn = dNegative ? loadBE32s(meta + 9 * N + 4 * u) : m;
        const sn = dNegative ? <i32>load<u8>(meta + 13 * N + u) : s;
        store<i8>(pre + <usize>(r * w + o - from), <i8>requantAct(a, m, s, mn, sn, dZPre, dLo, dHi));
      }
    }
  }
  if (isFusedI8(act)) {
    memory.copy(yPtr, pre, <usize>count);
  } else if (act.kind == ACT_SOFTMAX) {
    const dims = layerScratch(16);
    store<i64>(dims, dRows);
    store<i64>(dims + 8, dN);
    softmaxI8(pre, count, dZPre, dScalePreQ, dims, 2, 1, dOutM, dOutShift, dZOut, yPtr);
  } else {
    for (let i: i64 = 0; i < count; i++) {
      store<i8>(yPtr + <usize>i, <i8>actI8(<i64>load<i8>(pre + <usize>i), act, dZPre, dScalePreQ, dOutM, <i32>dOutShift, dZOut));
    }
  }
  return <i32>count;
}

/** Dense.sol `forward`: every unit. Returns the output length in bytes. */
export function denseForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return denseRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** Dense.sol `forwardRange`: units [from, to) of every row (rows × (to − from), row-major). */
export function denseForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return denseRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
