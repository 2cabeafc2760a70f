// Activation — Keras activations in both number modes and the standalone activation layers
// (Activation, ReLU, LeakyReLU, Softmax). Twin of contracts/layers/Activation.sol; docs/layers.md
// "Activations". Every function returns the integer its Solidity twin returns and throws exactly when the
// EVM reverts; saturations are counted (numerics §1).

import { hi128, mulWide, rshiftRound128 } from "../tensor/Int128";
import { mulShiftRound, satSub64, sat64From128 } from "../tensor/Rounding";
import { qAdd, qMul, qRescale, qSigmoid, qTanh, qGelu } from "../tensor/QMath";
import { dequantizeI8Unchecked, requantizeUnchecked } from "../tensor/Int8Math";
import { softmaxQ, softmaxI8 } from "../tensor/Softmax";
import { throwInvalidShape } from "../tensor/Errors";
import {
  ActSpec, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTMAX, ACT_HARD_SIGMOID, ACT_SILU, ACT_GELU,
  CODE_AXIS, MODE_Q, cfgActSpec, cfgArray, cfgBegin, cfgLastLen, cfgNext, isFusedI8, layerCheckClamp, layerCheckF,
  layerCheckKind, layerCheckMode, layerCheckRequant, layerCheckScale, layerCheckSignedRequant, layerCount,
  layerElementBytes, layerRequireLength, layerScratch, loadBE64, storeBE64,
} from "./LayerTypes";

/** 1.0 in Q32. */
const ACT_ONE: i64 = 4294967296;
/** √(2/π) in Q32 (0.7978845608028654·2^32 = 3426888094.63 → 3426888095). */
const SQRT_2_OVER_PI_Q32: i64 = 3426888095;
/** 0.044715 in Q32 (192049462.64 → 192049463). */
const GELU_TANH_C_Q32: i64 = 192049463;

// ------------------------------------------------------------------------------------------------
// q mode element functions

/** x ≥ t ? min(x, maxValue) : sat64(rshiftRound(qSub(x, t)·slope, 32)) — the Keras ReLU family. */
export function reluQ(x: i64, slope: i64, t: i64, maxValue: i64): i64 {
  if (x >= t) return x > maxValue ? maxValue : x;
  return mulShiftRound(satSub64(x, t), slope, 32);
}

/** clamp(rshiftRound(x·slope, 32) + offset, 0, 2^F) on exact (128-bit) integers — Keras hard_sigmoid. */
export function hardSigmoidQ(x: i64, slope: i64, offset: i64, F: i32): i64 {
  const pl = mulWide(x, slope);
  const rl = rshiftRound128(hi128, pl, 32);
  const rh = hi128;
  // (rh, rl) + offset, sign-extended: |result| < 2^95, no 128-bit overflow.
  const l2 = rl + <u64>offset;
  const h2 = rh + (offset >> 63) + (l2 < rl ? 1 : 0);
  if (h2 < 0) return 0;
  const one: u64 = (<u64>1) << <u64>F;
  if (h2 > 0 || l2 > one) return <i64>one;
  return <i64>l2;
}

/** Keras gelu(approximate=True) in Q32.32 (see Activation.sol geluTanhQ32). */
export function geluTanhQ32(x: i64): i64 {
  const x3 = qMul(qMul(x, x, 32), x, 32);
  const u = qAdd(x, qMul(GELU_TANH_C_Q32, x3, 32));
  const t = qTanh(qMul(SQRT_2_OVER_PI_Q32, u, 32));
  return mulShiftRound(x, ACT_ONE + t, 33);
}

/** Sigmoid, Tanh, Silu, Gelu, GeluTanh on a Q32.32 value. */
export function transcendentalQ32(x: i64, k: i32): i64 {
  if (k == ACT_SIGMOID) return qSigmoid(x);
  if (k == ACT_TANH) return qTanh(x);
  if (k == ACT_SILU) return qMul(x, qSigmoid(x), 32);
  if (k == ACT_GELU) return qGelu(x);
  return geluTanhQ32(x);
}

/** f(x) for one Q(F) value, every kind but Softmax (which returns x; it is applied per slice). */
export function actQ(x: i64, a: ActSpec, F: i32): i64 {
  const k = a.kind;
  if (k == ACT_LINEAR || k == ACT_SOFTMAX) return x;
  if (k == ACT_RELU) return reluQ(x, a.slope, a.threshold, a.maxValue);
  if (k == ACT_HARD_SIGMOID) return hardSigmoidQ(x, a.slope, a.offset, F);
  if (F == 32) return transcendentalQ32(x, k);
  return qRescale(transcendentalQ32(qRescale(x, F, 32), k), 32, F);
}

/**
 * Softmax of `n` Q(F) values (int64, host order) at `v` with shape dims (int64 entries) along `axis`,
 * written as int64 at `out`: values rescaled to Q32.32, softmaxQ (numerics §3.2), rescaled back.
 */
export function softmaxQF(v: usize, n: i64, dims: usize, rank: i64, axis: i64, F: i32, out: usize): void {
  if (F != 32) {
    for (let i: i64 = 0; i < n; i++) {
      const p = v + <usize>(i << 3);
      store<i64>(p, qRescale(load<i64>(p), F, 32));
    }
  }
  softmaxQ(v, n, dims, rank, axis, out);
  if (F != 32) {
    for (let i: i64 = 0; i < n; i++) {
      const p = out + <usize>(i << 3);
      store<i64>(p, qRescale(load<i64>(p), 32, F));
    }
  }
}

// ------------------------------------------------------------------------------------------------
// int8 mode element functions

/** Stage A: clamp(sat8(z + rshiftRound(acc·m', s')), lo, hi), (m', s') = acc ≥ 0 ? (m, s) : (mn, sn). */
export function requantAct(acc: i64, m: i64, s: i32, mn: i64, sn: i32, z: i64, lo: i64, hi: i64): i64 {
  const v = acc >= 0 ? requantizeUnchecked(acc, m, s, z) : requantizeUnchecked(acc, mn, sn, z);
  return v < lo ? lo : v > hi ? hi : v;
}

/** Stage B: requantize(actQ(dequantizeI8(x, zIn, scaleQ), a, 32), M, shift, zOut). */
export function actI8(x: i64, a: ActSpec, zIn: i64, scaleQ: i64, M: i64, shift: i32, zOut: i64): i64 {
  return requantizeUnchecked(actQ(dequantizeI8Unchecked(x, zIn, scaleQ), a, 32), M, shift, zOut);
}

// ------------------------------------------------------------------------------------------------
// The activation layer op

/**
 * Keras Activation / ReLU / LeakyReLU / Softmax: y = f(x) on a tensor of shape dims (ActivationConfig of
 * Activation.sol, flat). Returns the output length in bytes. Validation as Activation.sol `forward`.
 */
export function activationForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const dims = cfgArray();
  const rank = cfgLastLen;
  const axis = cfgNext();
  const act = cfgActSpec();
  const F = cfgNext();
  const zIn = cfgNext();
  const scaleInQ = cfgNext();
  const M = cfgNext();
  const shift = cfgNext();
  const Mn = cfgNext();
  const shiftN = cfgNext();
  const zOut = cfgNext();
  const lo = cfgNext();
  const hi = cfgNext();

  layerCheckMode(mode);
  layerCheckKind(act.kind);
  const n = layerCount(dims, rank);
  const isSoftmax = act.kind == ACT_SOFTMAX;
  if (isSoftmax && axis >= <i64>rank) throwInvalidShape(CODE_AXIS);
  layerRequireLength(n * layerElementBytes(mode), <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  if (mode == MODE_Q) {
    layerCheckF(F);
    const v = layerScratch(n << 3);
    for (let i: i64 = 0; i < n; i++) store<i64>(v + <usize>(i << 3), loadBE64(xPtr + <usize>(i << 3)));
    if (isSoftmax) {
      const out = layerScratch(n << 3);
      softmaxQF(v, n, dims, <i64>rank, axis, <i32>F, out);
      for (let i: i64 = 0; i < n; i++) storeBE64(yPtr + <usize>(i << 3), load<i64>(out + <usize>(i << 3)));
    } else {
      for (let i: i64 = 0; i < n; i++) storeBE64(yPtr + <usize>(i << 3), actQ(load<i64>(v + <usize>(i << 3)), act, <i32>F));
    }
    return <i32>(n << 3);
  }
  layerCheckRequant(M, shift);
  if (isFusedI8(act)) {
    layerCheckSignedRequant(Mn, shiftN);
    layerCheckClamp(lo, hi);
    for (let i: i64 = 0; i < n; i++) {
      const acc = <i64>load<i8>(xPtr + <usize>i) - zIn;
      store<i8>(yPtr + <usize>i, <i8>requantAct(acc, M, <i32>shift, Mn, <i32>shiftN, zOut, lo, hi));
    }
    return <i32>n;
  }
  layerCheckScale(scaleInQ);
  if (isSoftmax) {
    softmaxI8(xPtr, n, zIn, scaleInQ, dims, <i64>rank, axis, M, shift, zOut, yPtr);
    return <i32>n;
  }
  for (let i: i64 = 0; i < n; i++) {
    store<i8>(yPtr + <usize>i, <i8>actI8(<i64>load<i8>(xPtr + <usize>i), act, zIn, scaleInQ, M, <i32>shift, zOut));
  }
  return <i32>n;
}
