// Recurrent — the step loop of SimpleRNN, LSTM and GRU (Keras semantics) in both number modes.
// Twin of contracts/layers/Recurrent.sol (docs/layers/recurrent.md): the same output and state bytes and
// the same failures in the same order. The oracle is the living definition: every column's linear part
// is computed directly from its definition in an exact 192-bit accumulator (no SWAR, no fused loops),
// recomputed where the EVM keeps it in scratch.
//
// Definitions (F_g = F in q mode, 32 in int8 mode; every "sat64" is applied exactly where named):
//   q     lin[j]  = rshiftRound(Σ_i x_i·W[i][j] + Σ_i h_i·R[i][j], F) + b[j]             (one rounding)
//         GRU reset_after: linX[j] = rshiftRound(Σ x·W, F) + bIn[j], linH[j] = rshiftRound(Σ h·R, F) + bRec[j]
//   int8  linX[j] = rshiftRound(accX[j]·mX[j], sX[j]) + b[j], linH[j] = rshiftRound(accH[j]·mH[j], sH[j])
//         with accX = Σ (x − zIn)·W, accH = Σ (h8 − zH)·R (numerics §4.1); lin = linX + linH
//   gates act(sat64(lin)) with actQ (Activation.ts) in Q(F_g); int8 h out = requantize(hQ, hM, hShift, zH).

import { hi128, mulWide, rshiftRound128 } from "../tensor/Int128";
import { countSaturation, mulShiftRound, satSub64 } from "../tensor/Rounding";
import { requantizeUnchecked } from "../tensor/Int8Math";
import { panelBytesI8 } from "../tensor/MatVec";
import { throwInvalidShape, throwValueOutOfRange } from "../tensor/Errors";
import {
  ActSpec, ACT_SOFTMAX, CODE_TOO_LARGE, MODE_Q, cfgActSpec, cfgBegin, cfgNext, layerCheckDim, layerCheckF,
  layerCheckKind, layerCheckMode, layerCheckRange, layerCheckRequant, layerElementBytes, layerRequireLength,
  layerScratch, loadBE32u, loadBE64, storeBE64,
} from "./LayerTypes";
import { actQ } from "./Activation";

export const CELL_SIMPLE: i32 = 0;
export const CELL_LSTM: i32 = 1;
export const CELL_GRU: i32 = 2;

// ------------------------------------------------------------------------------------------------
// An exact 192-bit accumulator (two's complement over three limbs): acc = rHi·2^128 + rMid·2^64 + rLo.
// Every value of the definitions is < 2^160 in magnitude, so nothing wraps.

let rLo: u64 = 0;
let rMid: u64 = 0;
let rHi: i64 = 0;
let sLo: u64 = 0;
let sMid: u64 = 0;
let sHi: i64 = 0;

function rReset(): void {
  rLo = 0;
  rMid = 0;
  rHi = 0;
}

/** acc += (hi, lo), a signed 128-bit value. */
function rAdd128(hi: i64, lo: u64): void {
  const l = rLo + lo;
  const c0: u64 = l < lo ? 1 : 0;
  const hu = <u64>hi;
  const m1 = rMid + hu;
  const c1: u64 = m1 < hu ? 1 : 0;
  const m = m1 + c0;
  const c2: u64 = m < m1 ? 1 : 0;
  rLo = l;
  rMid = m;
  rHi += (hi >> 63) + <i64>(c1 + c2);
}

function rAdd64(v: i64): void {
  rAdd128(v >> 63, <u64>v);
}

/** acc += a·b (exact). */
function rAddProduct(a: i64, b: i64): void {
  const lo = mulWide(a, b);
  rAdd128(hi128, lo);
}

/** acc += rshiftRound(a·m, s) (an int8 accumulator moved to Q32; |a·m| < 2^79, s ≤ 126). */
function rAddDequant(a: i64, m: i64, s: i32): void {
  const lo = mulWide(a, m);
  const rl = rshiftRound128(hi128, lo, s);
  rAdd128(hi128, rl);
}

/** acc = rshiftRound(acc, F), 0 ≤ F ≤ 62 (RHAZ on the magnitude, numerics §1). */
function rShift(F: i32): void {
  if (F == 0) return;
  const negative = rHi < 0;
  let m0 = rLo, m1 = rMid, m2 = <u64>rHi;
  if (negative) {
    m0 = ~m0 + 1;
    m1 = ~m1;
    m2 = ~m2;
    if (m0 == 0) {
      m1 += 1;
      if (m1 == 0) m2 += 1;
    }
  }
  const t = m0 + ((<u64>1) << <u64>(F - 1));
  if (t < m0) {
    m1 += 1;
    if (m1 == 0) m2 += 1;
  }
  const f = <u64>F;
  const g = <u64>(64 - F); // 2..63
  m0 = (t >> f) | (m1 << g);
  m1 = (m1 >> f) | (m2 << g);
  m2 = m2 >> f;
  if (negative) {
    m0 = ~m0 + 1;
    m1 = ~m1;
    m2 = ~m2;
    if (m0 == 0) {
      m1 += 1;
      if (m1 == 0) m2 += 1;
    }
  }
  rLo = m0;
  rMid = m1;
  rHi = <i64>m2;
}

/** sat64(acc), counting a saturation (numerics §1). */
function rSat64(): i64 {
  const sign = <i64>rLo >> 63;
  if (rHi == sign && <i64>rMid == sign) return <i64>rLo;
  countSaturation();
  return rHi < 0 ? i64.MIN_VALUE : i64.MAX_VALUE;
}

function rSave(): void {
  sLo = rLo;
  sMid = rMid;
  sHi = rHi;
}

/** acc += the saved value. */
function rAddSaved(): void {
  const l = rLo + sLo;
  const c0: u64 = l < sLo ? 1 : 0;
  const m1 = rMid + sMid;
  const c1: u64 = m1 < sMid ? 1 : 0;
  const m = m1 + c0;
  const c2: u64 = m < m1 ? 1 : 0;
  rLo = l;
  rMid = m;
  rHi += sHi + <i64>(c1 + c2);
}

// ------------------------------------------------------------------------------------------------
// The decoded config (RnnParams of Recurrent.sol) and the layout (RnnLayout).

let pCell: i32 = 0;
let pMode: i64 = 0;
let pT: i64 = 0, pK: i64 = 0, pU: i64 = 0;
let pAct: ActSpec = new ActSpec();
let pRecAct: ActSpec = new ActSpec();
let pRetSeq: bool = false, pResetAfter: bool = false;
let pF: i64 = 0, pZIn: i64 = 0, pZH: i64 = 0, pHM: i64 = 0, pHShift: i64 = 0;

let lG: i64 = 0, lGU: i64 = 0, lEb: i64 = 0;
let lROff: i64 = 0, lR2Off: i64 = 0, lBOff: i64 = 0, lB2Off: i64 = 0;
let lMxOff: i64 = 0, lSxOff: i64 = 0, lMhOff: i64 = 0, lShOff: i64 = 0;
let lTotal: i64 = 0, lHBytes: i64 = 0, lStateBytes: i64 = 0;

/** Read the flat config of `cell` (SimpleRNNConfig / LSTMConfig / GRUConfig) and check the mode first,
 *  as the layer's Solidity `params` does. F becomes 32 in int8 mode (the gate format). */
function rnnReadConfig(cell: i32, cfgPtr: usize, cfgLen: i32): void {
  cfgBegin(cfgPtr, cfgLen);
  pCell = cell;
  pMode = cfgNext();
  pT = cfgNext();
  pK = cfgNext();
  pU = cfgNext();
  pAct = cfgActSpec();
  pRecAct = cell != CELL_SIMPLE ? cfgActSpec() : new ActSpec();
  pRetSeq = cfgNext() != 0;
  pResetAfter = cell == CELL_GRU ? cfgNext() != 0 : false;
  const F = cfgNext();
  pZIn = cfgNext();
  pZH = cfgNext();
  pHM = cfgNext();
  pHShift = cfgNext();
  layerCheckMode(pMode);
  pF = pMode == MODE_Q ? F : 32;
}

function rnnLayout(): void {
  const K = pK, U = pU;
  lG = pCell == CELL_LSTM ? 4 : pCell == CELL_GRU ? 3 : 1;
  const GU = lG * U;
  lGU = GU;
  const gruV1 = pCell == CELL_GRU && !pResetAfter;
  const twoBiases = pCell == CELL_GRU && pResetAfter;
  if (pMode == MODE_Q) {
    lEb = 8;
    lROff = 8 * K * GU;
    lBOff = lROff + 8 * U * GU;
    lB2Off = lBOff + 8 * GU;
    lTotal = lBOff + (twoBiases ? 16 : 8) * GU;
  } else {
    lEb = 1;
    lROff = panelBytesI8(<i32>K, <i32>GU);
    if (gruV1) {
      lR2Off = lROff + panelBytesI8(<i32>U, <i32>(2 * U));
      lBOff = lR2Off + panelBytesI8(<i32>U, <i32>U);
    } else {
      lBOff = lROff + panelBytesI8(<i32>U, <i32>GU);
    }
    lB2Off = lBOff + 8 * GU;
    lMxOff = lBOff + (twoBiases ? 16 : 8) * GU;
    lSxOff = lMxOff + 4 * GU;
    lMhOff = lSxOff + GU;
    lShOff = lMhOff + 4 * GU;
    lTotal = lShOff + GU;
  }
  lHBytes = U * lEb;
  const carry = pCell == CELL_LSTM || (pCell == CELL_GRU && pMode != MODE_Q);
  lStateBytes = lHBytes + (carry ? 8 * U : 0);
}

/** ValueOutOfRange(kind) unless an ActKind other than Softmax (Recurrent.sol checkGateKind). */
function rnnCheckGateKind(kind: i32): void {
  layerCheckKind(kind);
  if (kind == ACT_SOFTMAX) throwValueOutOfRange(<i64>kind);
}

/** InvalidShape(103) unless a·b < 2^31, in unsigned 64-bit arithmetic (a, b < 2^32: no wrap). */
function rnnCheckProduct(a: i64, b: i64): void {
  if (<u64>a * <u64>b >= 2147483648) throwInvalidShape(CODE_TOO_LARGE);
}

/** Recurrent.sol `validate`, same order. */
function rnnValidate(wPtr: usize, wLen: i32, xLen: i32, sLen: i32, checkState: bool, tFrom: i64, tTo: i64): void {
  rnnCheckGateKind(pAct.kind);
  if (pCell != CELL_SIMPLE) rnnCheckGateKind(pRecAct.kind);
  layerCheckDim(pT);
  layerCheckDim(pK);
  layerCheckDim(pU);
  const G: i64 = pCell == CELL_LSTM ? 4 : pCell == CELL_GRU ? 3 : 1;
  rnnCheckProduct(G, pU);
  rnnCheckProduct(pT, pK);
  rnnCheckProduct(pT, pU);
  rnnCheckProduct(pK, G * pU);
  rnnCheckProduct(pU, G * pU);
  layerCheckRange(tFrom, tTo, pT);
  rnnLayout();
  layerRequireLength(pT * pK * lEb, <i64>xLen);
  layerRequireLength(lTotal, <i64>wLen);
  if (checkState) layerRequireLength(lStateBytes, <i64>sLen);
  if (pMode == MODE_Q) {
    layerCheckF(pF);
    return;
  }
  layerCheckRequant(pHM, pHShift);
  for (let j: i64 = 0; j < lGU; j++) {
    layerCheckRequant(loadBE32u(wPtr + <usize>(lMxOff + 4 * j)), <i64>load<u8>(wPtr + <usize>(lSxOff + j)));
    layerCheckRequant(loadBE32u(wPtr + <usize>(lMhOff + 4 * j)), <i64>load<u8>(wPtr + <usize>(lShOff + j)));
  }
}

// ------------------------------------------------------------------------------------------------
// Element access. `w` the blob, `x` the input, `s` the state (h, then the carry), all wire bytes.

let gW: usize = 0, gX: usize = 0, gS: usize = 0;

/** q: x_t[i]; W[i][j]; R[i][j]; h[i]; carry[u]; bias b at byte offset `off`. */
// @ts-ignore: decorator
@inline function qx(t: i64, i: i64): i64 { return loadBE64(gX + <usize>((t * pK + i) << 3)); }
// @ts-ignore: decorator
@inline function qW(i: i64, j: i64): i64 { return loadBE64(gW + <usize>((i * lGU + j) << 3)); }
// @ts-ignore: decorator
@inline function qR(i: i64, j: i64): i64 { return loadBE64(gW + <usize>(lROff + ((i * lGU + j) << 3))); }
// @ts-ignore: decorator
@inline function qh(i: i64): i64 { return loadBE64(gS + <usize>(i << 3)); }
// @ts-ignore: decorator
@inline function carry(u: i64): i64 { return loadBE64(gS + <usize>(lHBytes + (u << 3))); }
// @ts-ignore: decorator
@inline function setCarry(u: i64, v: i64): void { storeBE64(gS + <usize>(lHBytes + (u << 3)), v); }
// @ts-ignore: decorator
@inline function bias(off: i64, j: i64): i64 { return loadBE64(gW + <usize>(off + (j << 3))); }

/** int8 weight (i, j) of the panel block at byte `off` with `rows` rows (numerics §4.2). */
// @ts-ignore: decorator
@inline function panel(off: i64, rows: i64, i: i64, j: i64): i64 {
  return <i64>load<i8>(gW + <usize>(off + (((j >> 5) * rows + i) << 5) + (j & 31)));
}

/** Σ_i (x_t[i] − zIn)·W[i][j] (numerics §4.1, exact in i64). */
function accX8(t: i64, j: i64): i64 {
  let acc: i64 = 0;
  for (let i: i64 = 0; i < pK; i++) acc += (<i64>load<i8>(gX + <usize>(t * pK + i)) - pZIn) * panel(0, pK, i, j);
  return acc;
}

/** Σ_i (v[i] − zH)·B[i][j] for the U-row panel block at `off` and the int8 vector at `v`. */
function accH8(v: usize, off: i64, j: i64): i64 {
  let acc: i64 = 0;
  for (let i: i64 = 0; i < pU; i++) acc += (<i64>load<i8>(v + <usize>i) - pZH) * panel(off, pU, i, j);
  return acc;
}

/** acc += rshiftRound(a·m[j], s[j]) with (m, s) at the given blob offsets. */
function addDequant(a: i64, mOff: i64, sOff: i64, j: i64): void {
  rAddDequant(a, loadBE32u(gW + <usize>(mOff + 4 * j)), <i32>load<u8>(gW + <usize>(sOff + j)));
}

/** acc = linX[j] (input side with its bias; GRU reset_after: bIn). */
function linX(t: i64, j: i64): void {
  rReset();
  if (pMode == MODE_Q) {
    for (let i: i64 = 0; i < pK; i++) rAddProduct(qx(t, i), qW(i, j));
    rShift(<i32>pF);
  } else {
    addDequant(accX8(t, j), lMxOff, lSxOff, j);
  }
  rAdd64(bias(lBOff, j));
}

/** acc = linH[j] (recurrent side; GRU reset_after: + bRec). */
function linH(j: i64): void {
  rReset();
  if (pMode == MODE_Q) {
    for (let i: i64 = 0; i < pU; i++) rAddProduct(qh(i), qR(i, j));
    rShift(<i32>pF);
  } else {
    addDequant(accH8(gS, lROff, j), lMhOff, lShOff, j);
  }
  if (pCell == CELL_GRU && pResetAfter) rAdd64(bias(lB2Off, j));
}

/** sat64(lin[j]) for the one-accumulation columns (q: x and h sums rounded once). */
function gateInput(t: i64, j: i64): i64 {
  if (pMode == MODE_Q) {
    rReset();
    for (let i: i64 = 0; i < pK; i++) rAddProduct(qx(t, i), qW(i, j));
    for (let i: i64 = 0; i < pU; i++) rAddProduct(qh(i), qR(i, j));
    rShift(<i32>pF);
    rAdd64(bias(lBOff, j));
    return rSat64();
  }
  linH(j);
  rSave();
  linX(t, j);
  rAddSaved();
  return rSat64();
}

/** Store a new hidden value (Q(F_g)): q as is, int8 requantized. */
function storeH(u: i64, h: i64): void {
  if (pMode == MODE_Q) storeBE64(gS + <usize>(u << 3), h);
  else store<i8>(gS + <usize>u, <i8>requantizeUnchecked(h, pHM, <i32>pHShift, pZH));
}

// ------------------------------------------------------------------------------------------------
// The cells

function stepSimple(t: i64): void {
  const U = pU, F = <i32>pF;
  const pre = layerScratch(U << 3);
  for (let u: i64 = 0; u < U; u++) store<i64>(pre + <usize>(u << 3), gateInput(t, u));
  for (let u: i64 = 0; u < U; u++) storeH(u, actQ(load<i64>(pre + <usize>(u << 3)), pAct, F));
}

function stepLSTM(t: i64): void {
  const U = pU, F = <i32>pF;
  const pre = layerScratch(lGU << 3);
  for (let j: i64 = 0; j < lGU; j++) store<i64>(pre + <usize>(j << 3), gateInput(t, j));
  for (let u: i64 = 0; u < U; u++) {
    const ig = actQ(load<i64>(pre + <usize>(u << 3)), pRecAct, F);
    const fg = actQ(load<i64>(pre + <usize>((U + u) << 3)), pRecAct, F);
    const gg = actQ(load<i64>(pre + <usize>((2 * U + u) << 3)), pAct, F);
    const og = actQ(load<i64>(pre + <usize>((3 * U + u) << 3)), pRecAct, F);
    // c' = sat64(rshiftRound(f·c + i·g, F))
    rReset();
    rAddProduct(fg, carry(u));
    rAddProduct(ig, gg);
    rShift(F);
    const c = rSat64();
    setCarry(u, c);
    // h' = sat64(rshiftRound(o·act(c'), F))
    storeH(u, mulShiftRound(og, actQ(c, pAct, F), F));
  }
}

/** The previous h of unit u in Q(F_g): q the state's h, int8 the carry. */
function hPrev(u: i64): i64 {
  return pMode == MODE_Q ? qh(u) : carry(u);
}

/** h' = sat64(rshiftRound(z·h + qSub(ONE, z)·hh, F)); stores h' (and the int8 carry). */
function gruUpdate(u: i64, z: i64, hh: i64): void {
  const F = <i32>pF;
  rReset();
  rAddProduct(z, hPrev(u));
  rAddProduct(satSub64((<i64>1) << F, z), hh);
  rShift(F);
  const h = rSat64();
  if (pMode != MODE_Q) setCarry(u, h);
  storeH(u, h);
}

function stepGRU(t: i64): void {
  const U = pU, F = <i32>pF;
  const zIn = layerScratch(U << 3);
  const rIn = layerScratch(U << 3);
  const rh = layerScratch(U << 3);
  if (pResetAfter) {
    // Pass 1 (old h): z and r inputs sat64(linX + linH), rh = sat64(linH_h).
    for (let u: i64 = 0; u < U; u++) {
      linH(u);
      rSave();
      linX(t, u);
      rAddSaved();
      store<i64>(zIn + <usize>(u << 3), rSat64());
      linH(U + u);
      rSave();
      linX(t, U + u);
      rAddSaved();
      store<i64>(rIn + <usize>(u << 3), rSat64());
      linH(2 * U + u);
      store<i64>(rh + <usize>(u << 3), rSat64());
    }
    // Pass 2: hh = act(sat64(linX_h + rshiftRound(r·rh, F))), then the update.
    for (let u: i64 = 0; u < U; u++) {
      const z = actQ(load<i64>(zIn + <usize>(u << 3)), pRecAct, F);
      const r = actQ(load<i64>(rIn + <usize>(u << 3)), pRecAct, F);
      linX(t, 2 * U + u);
      const lo = mulWide(r, load<i64>(rh + <usize>(u << 3)));
      const rl = rshiftRound128(hi128, lo, F);
      rAdd128(hi128, rl);
      const hh = actQ(rSat64(), pAct, F);
      gruUpdate(u, z, hh);
    }
    return;
  }
  // reset_after = false. Pass 1 (old h): z, r from the one-accumulation columns; (r ⊙ h)_u.
  const rh8 = layerScratch(U);
  for (let u: i64 = 0; u < U; u++) {
    store<i64>(zIn + <usize>(u << 3), gateInput(t, u));
    store<i64>(rIn + <usize>(u << 3), gateInput(t, U + u));
  }
  for (let u: i64 = 0; u < U; u++) {
    const r = actQ(load<i64>(rIn + <usize>(u << 3)), pRecAct, F);
    const v = mulShiftRound(r, hPrev(u), F); // sat64(rshiftRound(r·h, F))
    store<i64>(rh + <usize>(u << 3), v);
    if (pMode != MODE_Q) store<i8>(rh8 + <usize>u, <i8>requantizeUnchecked(v, pHM, <i32>pHShift, pZH));
  }
  // Pass 2: the h columns with (r ⊙ h)·R_h, then the update.
  for (let u: i64 = 0; u < U; u++) {
    const j = 2 * U + u;
    let pre: i64;
    if (pMode == MODE_Q) {
      rReset();
      for (let i: i64 = 0; i < pK; i++) rAddProduct(qx(t, i), qW(i, j));
      for (let i: i64 = 0; i < U; i++) rAddProduct(load<i64>(rh + <usize>(i << 3)), qR(i, j));
      rShift(F);
      rAdd64(bias(lBOff, j));
      pre = rSat64();
    } else {
      linX(t, j);
      addDequant(accH8(rh8, lR2Off, u), lMhOff, lShOff, j);
      pre = rSat64();
    }
    const z = actQ(load<i64>(zIn + <usize>(u << 3)), pRecAct, F);
    gruUpdate(u, z, actQ(pre, pAct, F));
  }
}

// ------------------------------------------------------------------------------------------------
// Entry

/**
 * Recurrent.sol `forward` (hasState = false: all T steps from h0 = c0 = 0) or `forwardSteps` (steps
 * [tFrom, tTo) from the state at sPtr; the state after them is written at sOutPtr). Writes the outputs at
 * yPtr and returns their length in bytes.
 */
export function rnnRun(
  cell: i32, cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32,
  sPtr: usize, sLen: i32, hasState: bool, tFrom: i64, tTo: i64, yPtr: usize, sOutPtr: usize,
): i32 {
  rnnReadConfig(cell, cfgPtr, cfgLen);
  if (!hasState) {
    tFrom = 0;
    tTo = pT;
  }
  rnnValidate(wPtr, wLen, xLen, sLen, hasState, tFrom, tTo);
  gW = wPtr;
  gX = xPtr;
  gS = hasState ? sOutPtr : layerScratch(lStateBytes);
  if (hasState) memory.copy(gS, sPtr, <usize>lStateBytes);
  else {
    memory.fill(gS, 0, <usize>lStateBytes);
    if (pMode != MODE_Q) memory.fill(gS, <u8>pZH, <usize>pU);
  }
  const hb = lHBytes;
  let yp = yPtr;
  for (let t = tFrom; t < tTo; t++) {
    if (pCell == CELL_SIMPLE) stepSimple(t);
    else if (pCell == CELL_LSTM) stepLSTM(t);
    else stepGRU(t);
    if (pRetSeq) {
      memory.copy(yp, gS, <usize>hb);
      yp += <usize>hb;
    }
  }
  if (!pRetSeq) {
    memory.copy(yp, gS, <usize>hb);
    return <i32>hb;
  }
  return <i32>((tTo - tFrom) * hb);
}
