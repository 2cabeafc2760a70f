// Spatial — what the oracle's image layers (Conv2D, DepthwiseConv2D) share. Twin of
// contracts/layers/Spatial.sol: the per-channel int8 section of a conv-type blob (b int32 BE ×N ‖ M uint32
// BE ×N ‖ shift u8 ×N ‖ [Mn int32 BE ×N ‖ shiftN u8 ×N]), its checks, stage A over accumulators and
// stage B / the q activation over a channels-last output (docs/layers/conv.md).
//
// The oracle computes a layer's whole output with the tensor tier's oracle kernels and returns the rows
// of a range: a definition independent of the EVM's padded sub-input (the differential tests compare them).

import { softmaxI8 } from "../tensor/Softmax";
import {
  ActSpec, ACT_SOFTMAX, cfgActSpec, cfgNext, isFusedI8, layerCheckClamp, layerCheckRequant, layerCheckScale,
  layerCheckSignedRequant, layerScratch, loadBE32s, loadBE32u, storeBE64,
} from "./LayerTypes";
import { actI8, actQ, requantAct, softmaxQF } from "./Activation";

/** The int8 fields every conv-type config ends with (after `act`): F, zIn, zPre, lo, hi, negative, scalePreQ, outM, outShift, zOut. */
export class ConvTail {
  act: ActSpec = new ActSpec();
  F: i64 = 0;
  zIn: i64 = 0;
  zPre: i64 = 0;
  lo: i64 = 0;
  hi: i64 = 0;
  negative: bool = false;
  scalePreQ: i64 = 0;
  outM: i64 = 0;
  outShift: i64 = 0;
  zOut: i64 = 0;
}

/** Read `act` and the tail fields (the config cursor stands at `act`). */
export function spatialReadTail(): ConvTail {
  const t = new ConvTail();
  t.act = cfgActSpec();
  t.F = cfgNext();
  t.zIn = cfgNext();
  t.zPre = cfgNext();
  t.lo = cfgNext();
  t.hi = cfgNext();
  t.negative = cfgNext() != 0;
  t.scalePreQ = cfgNext();
  t.outM = cfgNext();
  t.outShift = cfgNext();
  t.zOut = cfgNext();
  return t;
}

/** Bytes of the per-channel section of N channels. */
export function spatialChannelBytes(N: i64, negative: bool): i64 {
  return negative ? 14 * N : 9 * N;
}

/**
 * The int8 checks after the lengths (Spatial.sol / Conv2D.sol order): lo ≤ hi; non-fused: scalePreQ ≥ 0,
 * (outM, outShift); per channel (M, shift) then, if negative, (Mn, shiftN).
 */
export function spatialCheckI8(t: ConvTail, sec: usize, N: i64): void {
  layerCheckClamp(t.lo, t.hi);
  if (!isFusedI8(t.act)) {
    layerCheckScale(t.scalePreQ);
    layerCheckRequant(t.outM, t.outShift);
  }
  const n = <usize>N;
  for (let o: usize = 0; o < n; o++) {
    layerCheckRequant(loadBE32u(sec + 4 * n + 4 * o), <i64>load<u8>(sec + 8 * n + o));
    if (t.negative) layerCheckSignedRequant(loadBE32s(sec + 9 * n + 4 * o), <i64>load<u8>(sec + 13 * n + o));
  }
}

/** b[0..N) of the section as host-order int32 (what the tensor kernels take). */
export function spatialBias(sec: usize, N: i64): usize {
  const b = layerScratch(N << 2);
  for (let o: i64 = 0; o < N; o++) store<i32>(b + <usize>(o << 2), <i32>loadBE32s(sec + <usize>(o << 2)));
  return b;
}

/** Stage A of accumulator `a` of channel o: Activation.requantAct with the section's parameters. */
export function spatialStageA(a: i64, t: ConvTail, sec: usize, N: i64, o: i64): i64 {
  const n = <usize>N, u = <usize>o;
  const m = loadBE32u(sec + 4 * n + 4 * u);
  const s = <i32>load<u8>(sec + 8 * n + u);
  const mn = t.negative ? loadBE32s(sec + 9 * n + 4 * u) : m;
  const sn = t.negative ? <i32>load<u8>(sec + 13 * n + u) : s;
  return requantAct(a, m, s, mn, sn, t.zPre, t.lo, t.hi);
}

/**
 * int8 output of rows [from, to) from the whole-output accumulators `acc` (int64, Ho·Wo·N, bias included):
 * stage A per element, then stage B of a non-fused activation (softmax along the channels). Returns the
 * byte count written at yPtr.
 */
export function spatialFinishI8(t: ConvTail, acc: usize, sec: usize, Wo: i64, N: i64, from: i64, to: i64, yPtr: usize): i32 {
  const rows = to - from;
  const count = rows * Wo * N;
  const pre = layerScratch(count);
  const first = from * Wo * N;
  for (let i: i64 = 0; i < count; i++) {
    const a = load<i64>(acc + <usize>((first + i) << 3));
    store<i8>(pre + <usize>i, <i8>spatialStageA(a, t, sec, N, i % N));
  }
  if (isFusedI8(t.act)) {
    memory.copy(yPtr, pre, <usize>count);
  } else if (t.act.kind == ACT_SOFTMAX) {
    const dims = layerScratch(24);
    store<i64>(dims, rows);
    store<i64>(dims + 8, Wo);
    store<i64>(dims + 16, N);
    softmaxI8(pre, count, t.zPre, t.scalePreQ, dims, 3, 2, t.outM, t.outShift, t.zOut, yPtr);
  } else {
    for (let i: i64 = 0; i < count; i++) {
      store<i8>(yPtr + <usize>i, <i8>actI8(<i64>load<i8>(pre + <usize>i), t.act, t.zPre, t.scalePreQ, t.outM, <i32>t.outShift, t.zOut));
    }
  }
  return <i32>count;
}

/**
 * q output of rows [from, to) from the whole pre-activation output `pre` (int64 Q(F), Ho·Wo·N): the
 * activation (softmax along the channels), written big-endian at yPtr. Returns the byte count.
 */
export function spatialFinishQ(t: ConvTail, pre: usize, Wo: i64, N: i64, from: i64, to: i64, yPtr: usize): i32 {
  const rows = to - from;
  const count = rows * Wo * N;
  const first = pre + <usize>((from * Wo * N) << 3);
  const F = <i32>t.F;
  if (t.act.kind == ACT_SOFTMAX) {
    const dims = layerScratch(24);
    store<i64>(dims, rows);
    store<i64>(dims + 8, Wo);
    store<i64>(dims + 16, N);
    const out = layerScratch(count << 3);
    softmaxQF(first, count, dims, 3, 2, F, out);
    for (let i: i64 = 0; i < count; i++) storeBE64(yPtr + <usize>(i << 3), load<i64>(out + <usize>(i << 3)));
  } else {
    for (let i: i64 = 0; i < count; i++) storeBE64(yPtr + <usize>(i << 3), actQ(load<i64>(first + <usize>(i << 3)), t.act, F));
  }
  return <i32>(count << 3);
}
